// External-resource matching against the Go SDK (v0.25.0): the same connector written twice,
// tests/cli/ext_probe.c (ext-probe, libbaton) and teamsConnector below (the Go SDK's
// connectorbuilder), whose grants carry ExternalResourceMatchAll / ExternalResourceMatch (a user
// email, a group profile value) / ExternalResourceMatchID with a GrantExpandable given as an
// entitlement BID, are synced with --external-resource-c1z on one SDK-written external file: ours by
// ext-probe, the SDK's by its syncer (in-process, over an in-memory gRPC connection). Every row of
// resource types, resources, entitlements and grants (data, expansion columns) must be the same.
//
// Needs BATON_INTEROP_EXT_PROBE_BIN (scripts/interop.sh) and skips without it.
package interop

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorclient"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/conductorone/baton-sdk/pkg/types/resource"
)

type teamsConnector struct{}

func (teamsConnector) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "Ext Probe"}.Build(), nil
}
func (teamsConnector) Validate(ctx context.Context) (annotations.Annotations, error) { return nil, nil }
func (teamsConnector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{teams{}}
}

type teams struct{}

var teamRT = resource.NewResourceType("Team", nil)

func (teams) ResourceType(ctx context.Context) *v2.ResourceType { return teamRT }

func teamOne() *v2.Resource { return must(resource.NewResource("Team 1", teamRT, "t1")) }

func (teams) List(ctx context.Context, parent *v2.ResourceId, p *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	return []*v2.Resource{teamOne()}, "", nil, nil
}

func (teams) Entitlements(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	var out []*v2.Entitlement
	for _, n := range []string{"member", "admin", "viewer", "guest", "lead"} {
		out = append(out, entitlement.NewAssignmentEntitlement(r, n))
	}
	return out, "", nil, nil
}

func (teams) Grants(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	pid := func(t, id string) *v2.ResourceId { return &v2.ResourceId{ResourceType: t, Resource: id} }
	return []*v2.Grant{
		grant.NewGrant(r, "member", pid("user", "anyone"), grant.WithAnnotation(
			&v2.ExternalResourceMatchAll{ResourceType: v2.ResourceType_TRAIT_USER})),
		grant.NewGrant(r, "admin", pid("user", "someone"), grant.WithAnnotation(
			&v2.ExternalResourceMatch{ResourceType: v2.ResourceType_TRAIT_USER, Key: "email", Value: "BÓB@Example.com"})),
		grant.NewGrant(r, "viewer", pid("group", "ext-eng"), grant.WithAnnotation(
			&v2.ExternalResourceMatchID{Id: "eng"},
			&v2.GrantExpandable{EntitlementIds: []string{"bid:e:group/ext-eng:member"}})),
		grant.NewGrant(r, "guest", pid("user", "nobody"), grant.WithAnnotation(
			&v2.ExternalResourceMatch{ResourceType: v2.ResourceType_TRAIT_USER, Key: "department", Value: "nowhere"})),
		grant.NewGrant(r, "lead", pid("group", "ext-g2"), grant.WithAnnotation(
			&v2.ExternalResourceMatch{ResourceType: v2.ResourceType_TRAIT_GROUP, Key: "code", Value: "ENG"},
			&v2.GrantExpandable{EntitlementIds: []string{"bid:e:group/ext-g2:member"}})),
	}, "", nil, nil
}

// writeExternalUsers: users alice (alice@example.com) and bob (bób@example.com, department
// Sales), group eng (profile code=eng) with its member entitlement and alice as member, an app.
func writeExternalUsers(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	f := openGo(t, path, false)
	if _, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, ""); err != nil {
		t.Fatal(err)
	}
	user, group, app := rtUser(), rtGroup(), rtPlain("App")
	if err := f.PutResourceTypes(ctx, user, group, app); err != nil {
		t.Fatal(err)
	}
	alice := must(resource.NewUserResource("Alice", user, "alice", []resource.UserTraitOption{
		resource.WithEmail("alice@example.com", true)}))
	bob := must(resource.NewUserResource("Bob", user, "bob", []resource.UserTraitOption{
		resource.WithEmail("bób@example.com", true),
		resource.WithUserProfile(map[string]interface{}{"department": "Sales"})}))
	eng := must(resource.NewGroupResource("Engineering", group, "eng", nil))
	eng.SetProfile(mustStruct(map[string]any{"code": "eng"}))
	if err := f.PutResources(ctx, alice, bob, eng, must(resource.NewResource("App 1", app, "app1"))); err != nil {
		t.Fatal(err)
	}
	member := entitlement.NewAssignmentEntitlement(eng, "member")
	if err := f.PutEntitlements(ctx, member); err != nil {
		t.Fatal(err)
	}
	if err := f.PutGrants(ctx, grant.NewGrant(eng, "member", alice.GetId())); err != nil {
		t.Fatal(err)
	}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}
	closeGo(t, f)
}

// goSyncWithExternal runs the SDK's syncer on teamsConnector into path.
func goSyncWithExternal(t *testing.T, path, ext string) {
	t.Helper()
	ctx := context.Background()
	srv, err := connectorbuilder.NewConnector(ctx, teamsConnector{})
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	gs := grpc.NewServer()
	v2.RegisterConnectorServiceServer(gs, srv)
	v2.RegisterResourceTypesServiceServer(gs, srv)
	v2.RegisterResourcesServiceServer(gs, srv)
	v2.RegisterResourceGetterServiceServer(gs, srv)
	v2.RegisterEntitlementsServiceServer(gs, srv)
	v2.RegisterGrantsServiceServer(gs, srv)
	v2.RegisterAssetServiceServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	conn, err := grpc.NewClient("passthrough:///teams", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) { return lis.Dial() }))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := sdksync.NewSyncer(ctx, connectorclient.NewConnectorClient(ctx, conn),
		sdksync.WithC1ZPath(path), sdksync.WithTmpDir(t.TempDir()), sdksync.WithExternalResourceC1ZPath(ext),
		sdksync.WithStorageEngine(c1zstore.EngineSQLite))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func latestSyncID(t *testing.T, path string) string {
	t.Helper()
	runs := syncRuns(t, openRaw(t, path))
	if len(runs) != 1 {
		t.Fatalf("%s: syncs %v", path, runs)
	}
	return runs[0].ID
}

func TestExternalMatchingMatchesGo(t *testing.T) {
	bin := os.Getenv("BATON_INTEROP_EXT_PROBE_BIN")
	if bin == "" {
		t.Skip("BATON_INTEROP_EXT_PROBE_BIN is not set")
	}
	dir := t.TempDir()
	ext := filepath.Join(dir, "ext.c1z")
	writeExternalUsers(t, ext)
	goPath, oursPath := filepath.Join(dir, "go.c1z"), filepath.Join(dir, "ours.c1z")
	goSyncWithExternal(t, goPath, ext)
	runBin(t, "BATON_INTEROP_EXT_PROBE_BIN", nil, "-f", oursPath, "--external-resource-c1z", ext, "--log-level", "error")

	goDB, oursDB := openRaw(t, goPath), openRaw(t, oursPath)
	goID, ourID := latestSyncID(t, goPath), latestSyncID(t, oursPath)
	for _, table := range []string{"v1_resource_types", "v1_resources", "v1_entitlements", "v1_grants"} {
		o, g := tableRows(t, oursDB, table, ourID), tableRows(t, goDB, table, goID)
		if !reflect.DeepEqual(o, g) {
			t.Errorf("%s differs\nours: %q\ngo:   %q", table, o, g)
		}
	}
	var ids []string
	rows, err := goDB.Query(`SELECT external_id FROM v1_grants WHERE sync_id = ? ORDER BY external_id`, goID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	want := []string{"group:eng:member:user:alice", "team:t1:admin:user:bob", "team:t1:lead:group:eng",
		"team:t1:lead:user:alice", "team:t1:member:user:alice", "team:t1:member:user:bob", "team:t1:viewer:group:eng",
		"team:t1:viewer:user:alice"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("the SDK's grants %v, want %v", ids, want)
	}
}
