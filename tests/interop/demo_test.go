// baton-demo interop: a c1z written by our SDK syncing examples/demo (build/bin/baton-demo), read
// with the Go SDK's own dotc1z reader.
//
// BATON_INTEROP_DEMO_C1Z names the file (scripts/interop.sh syncs it with the demo's default
// sizes); the test skips when it is unset. It checks that
//   - the upstream reader opens it and picks its finished full sync;
//   - every row of resource types, resources, entitlements and grants the reader lists is the row
//     stored in the file (same count per table, proto-equal to the stored bytes), and the sync's
//     stats agree;
//   - a few facts of the demo company hold as the reader sees them: six resource types (the five
//     kinds and the issued API tokens' type, with no resource) with the
//     workspace type skipping entitlements and grants, the disabled user u0002, projects with a
//     workspace parent and the static `viewer` entitlement, and grant expansion through the
//     nested groups g002 -> g001 -> g000.
package interop

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"

	_ "modernc.org/sqlite"
)

// demoRawDB inflates the c1z into a SQLite file under t.TempDir() and opens it read-only.
func demoRawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	magic := make([]byte, 5)
	if _, err := io.ReadFull(f, magic); err != nil || !bytes.Equal(magic, []byte("C1ZF\x00")) {
		t.Fatalf("%s: not a v1 c1z (magic %q, %v)", path, magic, err)
	}
	dec, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	o, err := os.Create(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(o, dec); err != nil {
		t.Fatalf("%s: zstd: %v", path, err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// demoRawRows returns the data blobs of one table for a sync.
func demoRawRows(t *testing.T, db *sql.DB, table, syncID string) [][]byte {
	t.Helper()
	rs, err := db.Query("SELECT data FROM "+table+" WHERE sync_id = ? ORDER BY id", syncID)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rs.Close()
	var out [][]byte
	for rs.Next() {
		var b []byte
		if err := rs.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// demoPages calls page until the token runs out.
func demoPages[T any](t *testing.T, what string, page func(tok string) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	tok := ""
	for i := 0; i < 100000; i++ {
		rows, next, err := page(tok)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		all = append(all, rows...)
		if next == "" {
			return all
		}
		tok = next
	}
	t.Fatalf("%s: too many pages", what)
	return nil
}

// demoSameRows checks that the reader's objects are exactly the stored rows (as sets).
func demoSameRows[T proto.Message](t *testing.T, what string, got []T, raw [][]byte, newT func() T, key func(T) string) map[string]T {
	t.Helper()
	if len(got) != len(raw) {
		t.Errorf("%s: the reader lists %d, the file holds %d", what, len(got), len(raw))
	}
	stored := map[string]T{}
	for _, b := range raw {
		m := newT()
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatalf("%s: stored row does not parse: %v", what, err)
		}
		stored[key(m)] = m
	}
	byKey := map[string]T{}
	for _, m := range got {
		k := key(m)
		byKey[k] = m
		s, ok := stored[k]
		if !ok {
			t.Errorf("%s %s: listed but not stored", what, k)
			continue
		}
		if !proto.Equal(s, m) {
			t.Errorf("%s %s: the reader's message differs from the stored row", what, k)
		}
	}
	return byKey
}

func demoRID(id *v2.ResourceId) string { return id.GetResourceType() + "/" + id.GetResource() }

func TestDemoC1Z(t *testing.T) {
	path := os.Getenv("BATON_INTEROP_DEMO_C1Z")
	if path == "" {
		t.Skip("BATON_INTEROP_DEMO_C1Z is not set (scripts/interop.sh sets it)")
	}
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
		r, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageSize: 50, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})
	ents := demoPages(t, "ListEntitlements", func(tok string) ([]*v2.Entitlement, string, error) {
		r, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageSize: 50, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})
	grants := demoPages(t, "ListGrants", func(tok string) ([]*v2.Grant, string, error) {
		r, err := f.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageSize: 100, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	})

	rtByID := demoSameRows(t, "resource type", rts, demoRawRows(t, db, "v1_resource_types", syncID),
		func() *v2.ResourceType { return &v2.ResourceType{} }, func(m *v2.ResourceType) string { return m.GetId() })
	resByID := demoSameRows(t, "resource", resources, demoRawRows(t, db, "v1_resources", syncID),
		func() *v2.Resource { return &v2.Resource{} }, func(m *v2.Resource) string { return demoRID(m.GetId()) })
	entByID := demoSameRows(t, "entitlement", ents, demoRawRows(t, db, "v1_entitlements", syncID),
		func() *v2.Entitlement { return &v2.Entitlement{} }, func(m *v2.Entitlement) string { return m.GetId() })
	grantByID := demoSameRows(t, "grant", grants, demoRawRows(t, db, "v1_grants", syncID),
		func() *v2.Grant { return &v2.Grant{} }, func(m *v2.Grant) string { return m.GetId() })

	// The sync's stats, as the reader reports them, count the same rows.
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
	t.Logf("sync %s: %d resource types, %d resources, %d entitlements, %d grants", syncID,
		len(rts), len(resources), len(ents), len(grants))

	// The demo company, as the reader sees it.
	if len(rtByID) != 6 || rtByID["api_token"] == nil {
		t.Errorf("%d resource types, want 6 (user, group, role, workspace, project, api_token)", len(rtByID))
	}
	for id, rt := range rtByID {
		annos := annotations.Annotations(rt.GetAnnotations())
		skip := annos.Contains(&v2.SkipEntitlementsAndGrants{})
		if skip != (id == "workspace") {
			t.Errorf("resource type %s: SkipEntitlementsAndGrants = %v", id, skip)
		}
	}
	if u, ok := resByID["user/u0002"]; !ok {
		t.Error("user u0002 missing")
	} else {
		ut := &v2.UserTrait{}
		annos := annotations.Annotations(u.GetAnnotations())
		if ok, err := annos.Pick(ut); !ok || err != nil {
			t.Errorf("user u0002: no UserTrait (%v)", err)
		} else if ut.GetStatus().GetStatus() != v2.UserTrait_Status_STATUS_DISABLED || len(ut.GetEmails()) == 0 || ut.GetLogin() == "" {
			t.Errorf("user u0002: trait %v, want disabled with an email and a login", ut)
		}
	}
	projects := 0
	for k, r := range resByID {
		if r.GetId().GetResourceType() != "project" {
			continue
		}
		projects++
		p := r.GetParentResourceId()
		if p.GetResourceType() != "workspace" || resByID[demoRID(p)] == nil {
			t.Errorf("project %s: parent %v is not a stored workspace", k, p)
		}
		if entByID["project:"+r.GetId().GetResource()+":viewer"] == nil {
			t.Errorf("project %s: no static viewer entitlement", k)
		}
	}
	if projects == 0 {
		t.Error("no projects")
	}
	for id, e := range entByID {
		if e.GetResource().GetId().GetResourceType() == "workspace" {
			t.Errorf("entitlement %s on a workspace (the type skips entitlements)", id)
		}
	}
	// Every direct member of g001 holds g000's membership through expansion (g001 is in g000).
	direct := 0
	for id, g := range grantByID {
		if g.GetEntitlement().GetId() != "group:g001:member" || g.GetPrincipal().GetId().GetResourceType() != "user" {
			continue
		}
		src := g.GetSources().GetSources()
		if len(src) != 0 && src["group:g001:member"] == nil {
			continue // itself expanded from a group below
		}
		direct++
		up := grantByID["group:g000:member:user:"+g.GetPrincipal().GetId().GetResource()]
		if up == nil {
			t.Errorf("%s: no expanded grant on group:g000:member", id)
			continue
		}
		if up.GetSources().GetSources()["group:g001:member"] == nil {
			t.Errorf("%s: the g000 grant's sources %v lack group:g001:member", id, up.GetSources().GetSources())
		}
	}
	if direct == 0 {
		t.Error("g001 has no direct user members")
	}
	if g := grantByID["group:g000:member:group:g001"]; g == nil {
		t.Error("group:g000:member:group:g001 missing")
	}
}
