// Type-scoped entitlements and grants: the same connector written twice, in C
// (tests/unit/test_sync_type_scoped.c, ts_connector) and here with the Go SDK's
// TypeScopedEntitlementsSyncer / TypeScopedGrantsSyncer, each synced by its own SDK; the two
// c1z files must hold the same rows.
//
// BATON_INTEROP_TYPESCOPED_C1Z names the file the C test wrote (scripts/interop.sh sets it);
// the test skips when it is unset. Compared, per table, as the upstream reader lists them:
// resource types (id and whether they carry TypeScopedEntitlements / TypeScopedGrants),
// resources (ids), entitlements (id, resource, slug) and grants (id, entitlement, principal).
package interop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/conductorone/baton-sdk/pkg/types/resource"
)

// ---- the connector (the data of ts_connector) ----

var (
	tsUserType = v2.ResourceType_builder{Id: "user", DisplayName: "User",
		Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER}}.Build()
	tsTeamType = v2.ResourceType_builder{Id: "team", DisplayName: "Team",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
		Annotations: annotations.New(&v2.TypeScopedGrants{})}.Build()
	tsRepoType = v2.ResourceType_builder{Id: "repo", DisplayName: "Repo",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
		Annotations: annotations.New(&v2.TypeScopedEntitlements{}, &v2.TypeScopedGrants{})}.Build()
)

type tsConnector struct{}

func (tsConnector) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "TypeScoped"}.Build(), nil
}
func (tsConnector) Validate(ctx context.Context) (annotations.Annotations, error) { return nil, nil }
func (tsConnector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{tsUsers{}, tsTeams{}, tsRepos{}}
}

type tsBase struct{}

func (tsBase) Entitlements(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (tsBase) Grants(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, fmt.Errorf("per-resource grants called for %s", r.GetId().GetResource())
}

type tsUsers struct{ tsBase }

func (tsUsers) ResourceType(ctx context.Context) *v2.ResourceType { return tsUserType }
func (tsUsers) List(ctx context.Context, parent *v2.ResourceId, p *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	var out []*v2.Resource
	for i := 0; i < 4; i++ {
		id := fmt.Sprintf("u%d", i)
		r, err := resource.NewUserResource(id, tsUserType, id, nil)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, "", nil, nil
}
func (tsUsers) Grants(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func tsGroups(rt *v2.ResourceType, prefix string, n int) ([]*v2.Resource, error) {
	var out []*v2.Resource
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s%d", prefix, i)
		r, err := resource.NewGroupResource(id, rt, id, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func tsGrant(rt *v2.ResourceType, rid, ent, uid string) *v2.Grant {
	r := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: rt.GetId(), Resource: rid}.Build(), DisplayName: rid}.Build()
	return grant.NewGrant(r, ent, v2.ResourceId_builder{ResourceType: "user", Resource: uid}.Build())
}

type tsTeams struct{ tsBase }

func (tsTeams) ResourceType(ctx context.Context) *v2.ResourceType { return tsTeamType }
func (tsTeams) List(ctx context.Context, parent *v2.ResourceId, p *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	rs, err := tsGroups(tsTeamType, "t", 3)
	return rs, "", nil, err
}
func (tsTeams) Entitlements(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return []*v2.Entitlement{entitlement.NewAssignmentEntitlement(r, "member")}, "", nil, nil
}
func (tsTeams) GrantsForResourceType(ctx context.Context, rtID string, opts resource.SyncOpAttrs) ([]*v2.Grant, *resource.SyncOpResults, error) {
	switch opts.PageToken.Token {
	case "":
		return []*v2.Grant{tsGrant(tsTeamType, "t0", "member", "u0"), tsGrant(tsTeamType, "t0", "member", "u1")},
			&resource.SyncOpResults{NextPageToken: "p1"}, nil
	case "p1":
		t1 := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "team", Resource: "t1"}.Build(), DisplayName: "t1"}.Build()
		nested := grant.NewGrant(t1, "member", v2.ResourceId_builder{ResourceType: "team", Resource: "t0"}.Build(),
			grant.WithAnnotation(v2.GrantExpandable_builder{EntitlementIds: []string{"team:t0:member"}}.Build()))
		return []*v2.Grant{tsGrant(tsTeamType, "t1", "member", "u2"), tsGrant(tsTeamType, "t2", "member", "u0"), nested},
			&resource.SyncOpResults{NextPageToken: "p2"}, nil
	case "p2":
		return []*v2.Grant{tsGrant(tsTeamType, "t2", "member", "u3")}, nil, nil
	}
	return nil, nil, fmt.Errorf("unexpected team page token %q", opts.PageToken.Token)
}

type tsRepos struct{ tsBase }

func (tsRepos) ResourceType(ctx context.Context) *v2.ResourceType { return tsRepoType }
func (tsRepos) List(ctx context.Context, parent *v2.ResourceId, p *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	rs, err := tsGroups(tsRepoType, "r", 2)
	return rs, "", nil, err
}
func (tsRepos) Get(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	r, err := resource.NewGroupResource(id.GetResource(), tsRepoType, id.GetResource(), nil)
	return r, nil, err
}
func (tsRepos) EntitlementsForResourceType(ctx context.Context, rtID string, opts resource.SyncOpAttrs) ([]*v2.Entitlement, *resource.SyncOpResults, error) {
	rid, next := "r0", "e1"
	if opts.PageToken.Token != "" {
		rid, next = "r1", ""
	}
	r := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "repo", Resource: rid}.Build(), DisplayName: rid}.Build()
	return []*v2.Entitlement{entitlement.NewPermissionEntitlement(r, "admin")}, &resource.SyncOpResults{NextPageToken: next}, nil
}
func (tsRepos) GrantsForResourceType(ctx context.Context, rtID string, opts resource.SyncOpAttrs) ([]*v2.Grant, *resource.SyncOpResults, error) {
	switch opts.PageToken.Token {
	case "":
		return nil, &resource.SyncOpResults{Annotations: annotations.New(
			v2.EnqueuePageTokens_builder{PageTokens: []string{"s0", "s1"}, EstimatedTotal: 3}.Build())}, nil
	case "s0":
		return []*v2.Grant{tsGrant(tsRepoType, "r0", "admin", "u0")}, nil, nil
	case "s1":
		return []*v2.Grant{tsGrant(tsRepoType, "r1", "admin", "u1")}, &resource.SyncOpResults{NextPageToken: "s1b"}, nil
	case "s1b":
		return []*v2.Grant{tsGrant(tsRepoType, "r1", "admin", "u3")}, nil, nil
	}
	return nil, nil, fmt.Errorf("unexpected repo page token %q", opts.PageToken.Token)
}

// ---- an in-process client over the builder (the calls the syncer makes) ----

type tsClient struct {
	types.ConnectorClient // nil: any other call panics
	s                     types.ConnectorServer
}

func (c tsClient) GetMetadata(ctx context.Context, in *v2.ConnectorServiceGetMetadataRequest, _ ...grpc.CallOption) (*v2.ConnectorServiceGetMetadataResponse, error) {
	return c.s.GetMetadata(ctx, in)
}
func (c tsClient) Validate(ctx context.Context, in *v2.ConnectorServiceValidateRequest, _ ...grpc.CallOption) (*v2.ConnectorServiceValidateResponse, error) {
	return c.s.Validate(ctx, in)
}
func (c tsClient) Cleanup(ctx context.Context, in *v2.ConnectorServiceCleanupRequest, _ ...grpc.CallOption) (*v2.ConnectorServiceCleanupResponse, error) {
	return c.s.Cleanup(ctx, in)
}
func (c tsClient) ListResourceTypes(ctx context.Context, in *v2.ResourceTypesServiceListResourceTypesRequest, _ ...grpc.CallOption) (*v2.ResourceTypesServiceListResourceTypesResponse, error) {
	return c.s.ListResourceTypes(ctx, in)
}
func (c tsClient) ListResources(ctx context.Context, in *v2.ResourcesServiceListResourcesRequest, _ ...grpc.CallOption) (*v2.ResourcesServiceListResourcesResponse, error) {
	return c.s.ListResources(ctx, in)
}
func (c tsClient) ListEntitlements(ctx context.Context, in *v2.EntitlementsServiceListEntitlementsRequest, _ ...grpc.CallOption) (*v2.EntitlementsServiceListEntitlementsResponse, error) {
	return c.s.ListEntitlements(ctx, in)
}
func (c tsClient) ListStaticEntitlements(ctx context.Context, in *v2.EntitlementsServiceListStaticEntitlementsRequest, _ ...grpc.CallOption) (*v2.EntitlementsServiceListStaticEntitlementsResponse, error) {
	return c.s.ListStaticEntitlements(ctx, in)
}
func (c tsClient) ListGrants(ctx context.Context, in *v2.GrantsServiceListGrantsRequest, _ ...grpc.CallOption) (*v2.GrantsServiceListGrantsResponse, error) {
	return c.s.ListGrants(ctx, in)
}

// ---- the rows as the upstream reader lists them ----

func tsRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close(ctx)
	out := map[string][]string{}
	for _, rt := range listAll(t, "resource types", func(tok string) ([]*v2.ResourceType, string, error) {
		r, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		a := annotations.Annotations(rt.GetAnnotations())
		out["types"] = append(out["types"], fmt.Sprintf("%s ents=%v grants=%v", rt.GetId(),
			a.Contains(&v2.TypeScopedEntitlements{}), a.Contains(&v2.TypeScopedGrants{})))
	}
	for _, r := range listAll(t, "resources", func(tok string) ([]*v2.Resource, string, error) {
		r, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		out["resources"] = append(out["resources"], demoRID(r.GetId()))
	}
	for _, e := range listAll(t, "entitlements", func(tok string) ([]*v2.Entitlement, string, error) {
		r, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		out["entitlements"] = append(out["entitlements"], e.GetId()+" "+demoRID(e.GetResource().GetId())+" "+e.GetSlug())
	}
	for _, g := range listAll(t, "grants", func(tok string) ([]*v2.Grant, string, error) {
		r, err := f.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		out["grants"] = append(out["grants"], g.GetId()+" "+g.GetEntitlement().GetId()+" "+demoRID(g.GetPrincipal().GetId()))
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

var _ connectorstore.Reader = (*dotc1z.C1File)(nil)

func TestTypeScopedSameRowsAsGo(t *testing.T) {
	ours := os.Getenv("BATON_INTEROP_TYPESCOPED_C1Z")
	if ours == "" {
		t.Skip("BATON_INTEROP_TYPESCOPED_C1Z not set (scripts/interop.sh sets it)")
	}
	ctx := context.Background()
	srv, err := connectorbuilder.NewConnector(ctx, tsConnector{})
	if err != nil {
		t.Fatal(err)
	}
	goPath := filepath.Join(t.TempDir(), "go-typescoped.c1z")
	s, err := sdksync.NewSyncer(ctx, tsClient{s: srv}, sdksync.WithC1ZPath(goPath), sdksync.WithTmpDir(t.TempDir()),
		sdksync.WithStorageEngine(c1zstore.EngineSQLite))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatalf("go sync: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// capabilities: the same message (the types with their annotations, CAPABILITY_SYNC only
	// for the type-scoped listings)
	getter, ok := srv.(interface {
		GetCapabilities(ctx context.Context) (*v2.ConnectorCapabilities, error)
	})
	if !ok {
		t.Fatal("the builder has no GetCapabilities")
	}
	goCaps, err := getter.GetCapabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(ours + ".caps.json")
	if err != nil {
		t.Fatal(err)
	}
	ourCaps := &v2.ConnectorCapabilities{}
	if err := protojson.Unmarshal(raw, ourCaps); err != nil {
		t.Fatalf("our capabilities: %v", err)
	}
	if !proto.Equal(goCaps, ourCaps) {
		t.Errorf("capabilities differ:\nours: %v\ngo:   %v", ourCaps, goCaps)
	}

	want := tsRows(t, goPath)
	got := tsRows(t, ours)
	if len(want["grants"]) != 11 {
		t.Fatalf("the Go sync has %d grants, want 11 (2 of them expanded): %v", len(want["grants"]), want["grants"])
	}
	for _, k := range []string{"types", "resources", "entitlements", "grants"} {
		if strings.Join(got[k], "\n") != strings.Join(want[k], "\n") {
			t.Errorf("%s differ:\nours:\n  %s\ngo:\n  %s", k, strings.Join(got[k], "\n  "), strings.Join(want[k], "\n  "))
		}
	}
}
