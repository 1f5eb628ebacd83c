// External resources against the Go SDK (v0.25.0): the SDK writes an external c1z (users with
// emails and a profile, a group with a member entitlement and a grant, a type with no matching
// trait); baton-demo syncs with --external-resource-c1z on it; the SDK reads our file back and
// finds, in the demo's sync, exactly the records its syncer's SyncExternalResourcesUsersAndGroups
// copies: every resource of the user and group types (same bytes plus a BatonID annotation),
// their entitlements (plus EntitlementImmutable) and those entitlements' grants (plus
// GrantImmutable), and nothing of the other type. The grant-matching half is covered by
// tests/unit/test_sync_external.c (baton-demo emits no ExternalResourceMatch grants).
//
// Needs BATON_INTEROP_DEMO_BIN (scripts/interop.sh) and skips without it.
package interop

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/conductorone/baton-sdk/pkg/types/resource"
)

func TestExternalResourcesGoReadsOurs(t *testing.T) {
	demoBin(t)
	ctx := context.Background()
	dir := t.TempDir()
	extPath := filepath.Join(dir, "ext.c1z")
	f := openGo(t, extPath, false)
	if _, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, ""); err != nil {
		t.Fatal(err)
	}
	staff := resource.NewResourceType("Ext Staff", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	team := resource.NewResourceType("Ext Team", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP})
	other := resource.NewResourceType("Ext Repo", nil)
	if err := f.PutResourceTypes(ctx, staff, team, other); err != nil {
		t.Fatal(err)
	}
	ann := must(resource.NewUserResource("Ann", staff, "ann", []resource.UserTraitOption{
		resource.WithEmail("ann@example.com", true), resource.WithUserProfile(map[string]interface{}{"dept": "eng"})}))
	ben := must(resource.NewUserResource("Ben", staff, "ben", []resource.UserTraitOption{
		resource.WithEmail("ben@example.com", true)}))
	core := must(resource.NewGroupResource("Core", team, "core", nil))
	repo := must(resource.NewResource("widgets", other, "widgets"))
	if err := f.PutResources(ctx, ann, ben, core, repo); err != nil {
		t.Fatal(err)
	}
	member := entitlement.NewAssignmentEntitlement(core, "member", entitlement.WithGrantableTo(staff))
	push := entitlement.NewPermissionEntitlement(repo, "push")
	if err := f.PutEntitlements(ctx, member, push); err != nil {
		t.Fatal(err)
	}
	if err := f.PutGrants(ctx, grant.NewGrant(core, "member", ann.GetId()), grant.NewGrant(repo, "push", ben.GetId())); err != nil {
		t.Fatal(err)
	}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}
	closeGo(t, f)

	oursPath := filepath.Join(dir, "ours.c1z")
	runBin(t, "BATON_INTEROP_DEMO_BIN", nil, "-f", oursPath, "--users", "3", "--groups", "2", "--roles", "1",
		"--workspaces", "1", "--projects", "1", "--external-resource-c1z", extPath, "--log-level", "error")

	// What the SDK's syncer copies, from the SDK's reading of the external file.
	e := openGo(t, extPath, true)
	defer closeGo(t, e)
	o := openGo(t, oursPath, true)
	defer closeGo(t, o)
	with := func(annos []*anypb.Any, msg proto.Message) []*anypb.Any {
		a := annotations.Annotations(annos)
		a.Update(msg)
		return a
	}
	for _, rt := range []*v2.ResourceType{staff, team} {
		got := must(o.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{ResourceTypeId: rt.GetId()}.Build())).GetList()
		want := must(e.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{ResourceTypeId: rt.GetId()}.Build())).GetList()
		for _, r := range want {
			r.SetAnnotations(with(r.GetAnnotations(), &v2.BatonID{}))
		}
		sameMsgs(t, "resources of "+rt.GetId(), got, want, true, func(r *v2.Resource) string { return r.GetId().GetResource() })
		readerRT := reader_v2.ResourceTypesReaderServiceGetResourceTypeRequest_builder{ResourceTypeId: rt.GetId()}.Build()
		gotRT := must(o.GetResourceType(ctx, readerRT)).GetResourceType()
		if !proto.Equal(gotRT, must(e.GetResourceType(ctx, readerRT)).GetResourceType()) {
			t.Errorf("resource type %s: ours %v", rt.GetId(), gotRT)
		}
		for _, r := range want {
			gotE := must(o.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{Resource: r}.Build())).GetList()
			wantE := must(e.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{Resource: r}.Build())).GetList()
			for _, en := range wantE {
				en.SetAnnotations(with(en.GetAnnotations(), &v2.EntitlementImmutable{}))
			}
			sameMsgs(t, "entitlements of "+r.GetId().GetResource(), gotE, wantE, false, func(x *v2.Entitlement) string { return x.GetId() })
			gotG := must(o.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{Resource: r}.Build())).GetList()
			wantG := must(e.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{Resource: r}.Build())).GetList()
			for _, g := range wantG {
				g.SetAnnotations(with(g.GetAnnotations(), &v2.GrantImmutable{}))
			}
			sameMsgs(t, "grants on "+r.GetId().GetResource(), gotG, wantG, false, func(x *v2.Grant) string { return x.GetId() })
		}
	}
	// Nothing of the type without a matching trait.
	if got := must(o.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{ResourceTypeId: other.GetId()}.Build())).GetList(); len(got) != 0 {
		t.Errorf("resources of %s copied: %v", other.GetId(), got)
	}
}

func sameMsgs[T proto.Message](t *testing.T, what string, got, want []T, nonEmpty bool, key func(T) string) {
	t.Helper()
	sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
	sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
	if len(got) != len(want) || (nonEmpty && len(want) == 0) {
		t.Errorf("%s: ours %d, want %d (%v)", what, len(got), len(want), got)
		return
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("%s: ours\n%v\nwant\n%v", what, got[i], want[i])
		}
	}
}
