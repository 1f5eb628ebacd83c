// Example connectors interop: c1z files written by examples/file (baton-file) and examples/unix
// (baton-unix), read with the Go SDK's own dotc1z reader.
//
// BATON_INTEROP_FILE_C1Z names baton-file's sync of examples/file/example.yaml with the two CSV
// tables, BATON_INTEROP_UNIX_C1Z baton-unix's sync of tests/examples/fixtures/unix (scripts/
// interop.sh writes both); each test skips when its variable is unset. Each checks that the
// upstream reader opens the file and picks its finished full sync, that every row it lists is
// the stored row (proto-equal, same counts, stats agree), and a few facts of the data as the
// reader sees them.
package interop

import (
	"context"
	"os"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

type exampleRows struct {
	types  map[string]*v2.ResourceType
	res    map[string]*v2.Resource
	ents   map[string]*v2.Entitlement
	grants map[string]*v2.Grant
}

// exampleRead opens path with the Go reader and checks it row by row against the stored bytes.
func exampleRead(t *testing.T, path string) exampleRows {
	t.Helper()
	ctx := context.Background()
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatalf("the Go SDK cannot open %s: %v", path, err)
	}
	defer func() {
		if err := f.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	syncID, err := f.LatestFinishedSyncID(ctx, connectorstore.SyncTypeFull)
	if err != nil || syncID == "" {
		t.Fatalf("LatestFinishedSyncID(full) = %q, %v", syncID, err)
	}
	db := demoRawDB(t, path)
	rts := demoPages(t, "ListResourceTypes", func(tok string) ([]*v2.ResourceType, string, error) {
		r, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageSize: 2, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})
	resources := demoPages(t, "ListResources", func(tok string) ([]*v2.Resource, string, error) {
		r, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageSize: 5, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})
	ents := demoPages(t, "ListEntitlements", func(tok string) ([]*v2.Entitlement, string, error) {
		r, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageSize: 5, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})
	grants := demoPages(t, "ListGrants", func(tok string) ([]*v2.Grant, string, error) {
		r, err := f.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageSize: 7, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})
	rows := exampleRows{
		types: demoSameRows(t, "resource type", rts, demoRawRows(t, db, "v1_resource_types", syncID),
			func() *v2.ResourceType { return &v2.ResourceType{} }, func(m *v2.ResourceType) string { return m.GetId() }),
		res: demoSameRows(t, "resource", resources, demoRawRows(t, db, "v1_resources", syncID),
			func() *v2.Resource { return &v2.Resource{} }, func(m *v2.Resource) string { return demoRID(m.GetId()) }),
		ents: demoSameRows(t, "entitlement", ents, demoRawRows(t, db, "v1_entitlements", syncID),
			func() *v2.Entitlement { return &v2.Entitlement{} }, func(m *v2.Entitlement) string { return m.GetId() }),
		grants: demoSameRows(t, "grant", grants, demoRawRows(t, db, "v1_grants", syncID),
			func() *v2.Grant { return &v2.Grant{} }, func(m *v2.Grant) string { return m.GetId() }),
	}
	resp, err := f.GetLatestFinishedSync(ctx, reader_v2.SyncsReaderServiceGetLatestFinishedSyncRequest_builder{}.Build())
	if err != nil {
		t.Fatal(err)
	}
	st := resp.GetSync().GetStats()
	if resp.GetSync().GetId() != syncID || st.GetResourceTypes() != int64(len(rts)) ||
		st.GetResources() != int64(len(resources)) || st.GetEntitlements() != int64(len(ents)) ||
		st.GetGrants() != int64(len(grants)) {
		t.Errorf("stats of %s: %v; listed %d types, %d resources, %d entitlements, %d grants",
			resp.GetSync().GetId(), st, len(rts), len(resources), len(ents), len(grants))
	}
	t.Logf("%s: sync %s: %d resource types, %d resources, %d entitlements, %d grants", path, syncID,
		len(rts), len(resources), len(ents), len(grants))
	return rows
}

func exampleUserTrait(t *testing.T, r *v2.Resource) *v2.UserTrait {
	t.Helper()
	ut := &v2.UserTrait{}
	annos := annotations.Annotations(r.GetAnnotations())
	if ok, err := annos.Pick(ut); !ok || err != nil {
		t.Fatalf("%s: no UserTrait (%v)", demoRID(r.GetId()), err)
	}
	return ut
}

func TestExampleFileC1Z(t *testing.T) {
	path := os.Getenv("BATON_INTEROP_FILE_C1Z")
	if path == "" {
		t.Skip("BATON_INTEROP_FILE_C1Z is not set (scripts/interop.sh sets it)")
	}
	rows := exampleRead(t, path)
	// example.yaml + example.csv + example-grants.csv
	if len(rows.types) != 4 || len(rows.res) != 13 || len(rows.ents) != 6 {
		t.Errorf("%d types, %d resources, %d entitlements; want 4, 13, 6", len(rows.types), len(rows.res), len(rows.ents))
	}
	if rt := rows.types["team"]; rt == nil || rt.GetDisplayName() != "Team" || len(rt.GetTraits()) != 1 ||
		rt.GetTraits()[0] != v2.ResourceType_TRAIT_GROUP {
		t.Errorf("resource type team: %v", rt)
	}
	if u := rows.res["user/ursula"]; u == nil {
		t.Error("user ursula missing")
	} else if ut := exampleUserTrait(t, u); ut.GetStatus().GetStatus() != v2.UserTrait_Status_STATUS_DISABLED {
		t.Errorf("ursula: status %v, want disabled", ut.GetStatus())
	}
	if u := rows.res["user/erin"]; u == nil {
		t.Error("user erin (from the CSV) missing")
	} else if ut := exampleUserTrait(t, u); ut.GetProfile().GetFields()["title"].GetStringValue() != "Engineer, Platform" ||
		ut.GetLastLogin().AsTime().Format("2006-01-02") != "2025-05-20" {
		t.Errorf("erin: profile %v, last login %v", ut.GetProfile(), ut.GetLastLogin())
	}
	if u := rows.res["user/svc-deploy"]; u == nil || exampleUserTrait(t, u).GetAccountType() != v2.UserTrait_ACCOUNT_TYPE_SERVICE {
		t.Error("svc-deploy: not a service account")
	}
	if r := rows.res["role/billing-admin"]; r == nil || demoRID(r.GetParentResourceId()) != "app/billing" {
		t.Errorf("role billing-admin: parent %v, want app/billing", r.GetParentResourceId())
	}
	app := rows.res["app/billing"]
	appAnnos := annotations.Annotations(app.GetAnnotations())
	if app == nil || !appAnnos.Contains(&v2.ChildResourceType{}) {
		t.Error("app billing: no ChildResourceType annotation")
	}
	// direct grants and what expansion added (alice is staff through admins, erin through developers)
	for _, id := range []string{"team:admins:member:user:alice", "team:staff:member:team:admins",
		"team:developers:member:user:erin", "app:billing:access:user:svc-report"} {
		if rows.grants[id] == nil {
			t.Errorf("grant %s missing", id)
		}
	}
	for id, src := range map[string]string{
		"team:staff:member:user:alice":              "team:admins:member",
		"team:staff:member:user:erin":               "team:developers:member",
		"role:billing-viewer:assignment:user:frank": "team:staff:member",
	} {
		g := rows.grants[id]
		if g == nil {
			t.Errorf("expanded grant %s missing", id)
		} else if g.GetSources().GetSources()[src] == nil {
			t.Errorf("grant %s: sources %v lack %s", id, g.GetSources().GetSources(), src)
		}
	}
}

func TestExampleUnixC1Z(t *testing.T) {
	path := os.Getenv("BATON_INTEROP_UNIX_C1Z")
	if path == "" {
		t.Skip("BATON_INTEROP_UNIX_C1Z is not set (scripts/interop.sh sets it)")
	}
	rows := exampleRead(t, path)
	// tests/examples/fixtures/unix: 8 accounts, 9 groups, 13 memberships
	if len(rows.types) != 2 || len(rows.res) != 17 || len(rows.ents) != 9 || len(rows.grants) != 13 {
		t.Errorf("%d types, %d resources, %d entitlements, %d grants; want 2, 17, 9, 13",
			len(rows.types), len(rows.res), len(rows.ents), len(rows.grants))
	}
	want := map[string]v2.UserTrait_Status_Status{
		"alice": v2.UserTrait_Status_STATUS_ENABLED, "bob": v2.UserTrait_Status_STATUS_DISABLED,
		"carol": v2.UserTrait_Status_STATUS_DISABLED, "daemon": v2.UserTrait_Status_STATUS_DISABLED,
	}
	for name, status := range want {
		u := rows.res["user/"+name]
		if u == nil {
			t.Errorf("user %s missing", name)
			continue
		}
		ut := exampleUserTrait(t, u)
		if ut.GetStatus().GetStatus() != status || ut.GetLogin() != name {
			t.Errorf("user %s: status %v, login %q", name, ut.GetStatus(), ut.GetLogin())
		}
	}
	if ut := exampleUserTrait(t, rows.res["user/root"]); ut.GetAccountType() != v2.UserTrait_ACCOUNT_TYPE_SYSTEM {
		t.Errorf("root: account type %v, want system", ut.GetAccountType())
	}
	g := rows.grants["group:users:member:user:carol"]
	if g == nil {
		t.Fatal("primary membership group:users:member:user:carol missing")
	}
	md := &v2.GrantMetadata{}
	gAnnos := annotations.Annotations(g.GetAnnotations())
	if ok, err := gAnnos.Pick(md); !ok || err != nil ||
		!md.GetMetadata().GetFields()["primary"].GetBoolValue() {
		t.Errorf("%s: GrantMetadata %v (%v), want primary: true", g.GetId(), md, err)
	}
	for id, gr := range rows.grants {
		if rows.res[demoRID(gr.GetPrincipal().GetId())] == nil {
			t.Errorf("grant %s: principal is not a stored resource", id)
		}
	}
}
