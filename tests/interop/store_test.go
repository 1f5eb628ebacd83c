// c1z store interop: libbaton's store against the Go SDK's own dotc1z (v0.25.0), both ways.
//
//   - TestStoreGoReadsOurs: opens ours.c1z (written by tests/unit/test_interop_store.c) with the
//     upstream SQLite reader, read-only, lists every row through its reader APIs and checks them
//     against ours.json: ids, names, trait values, GrantExpandable (absent from ListGrants,
//     restored by ListGrantsWithExpansion and PendingExpansion), sources, assets, sessions, the
//     sync it picks, its stats; plus the raw rows (the data blobs are what Go's writer would
//     store, expansion columns) and the schema against a file the SDK writes itself.
//   - TestStoreGoWrites: writes go.c1z (v1, SQLite engine) and go.json with the upstream writer
//     and builders, for tests/unit/test_interop_store_read.c (and the `baton` tool) to check.
//   - TestSchemaFixture: the sqlite_master of a file the SDK writes must equal
//     tests/fixtures/c1z_v1_schema.json (which test_store_roundtrip.c compares ours with);
//     `go test -run TestSchemaFixture -update` rewrites the fixture from the SDK.
//
// The first two need BATON_INTEROP_DIR (set by scripts/interop.sh) and skip without it.
// The manifest format (and the describe* functions) mirror tests/unit/interop_manifest.h.
package interop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"

	_ "modernc.org/sqlite" // the driver the SDK uses ("sqlite")
)

var update = flag.Bool("update", false, "rewrite tests/fixtures/c1z_v1_schema.json from a file the Go SDK writes")

const schemaFixture = "../fixtures/c1z_v1_schema.json"

// ------------------------------------------------------------------------------------------
// Manifest (same shape as interop_manifest.h)

type blobEntry struct {
	ID          string `json:"id,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Data        string `json:"data,omitempty"`
	SyncID      string `json:"sync_id,omitempty"`
	Key         string `json:"key,omitempty"`
	Value       string `json:"value,omitempty"`
}

type manifest struct {
	Writer           string           `json:"writer"`
	FinishedSyncID   string           `json:"finished_sync_id"`
	UnfinishedSyncID string           `json:"unfinished_sync_id"`
	Counts           map[string]int64 `json:"counts"`
	ResourceTypes    []map[string]any `json:"resource_types"`
	Resources        []map[string]any `json:"resources"`
	Entitlements     []map[string]any `json:"entitlements"`
	Grants           []map[string]any `json:"grants"`
	Assets           []blobEntry      `json:"assets"`
	Sessions         []blobEntry      `json:"sessions"`
	Unfinished       struct {
		ResourceTypes []map[string]any `json:"resource_types"`
		Resources     []map[string]any `json:"resources"`
	} `json:"unfinished"`
}

// normalize round-trips v through JSON so it compares with what json.Unmarshal made of a manifest.
func normalize(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func describeResourceType(rt *v2.ResourceType) map[string]any {
	traits := []int{}
	for _, tr := range rt.GetTraits() {
		traits = append(traits, int(tr))
	}
	return normalize(map[string]any{
		"id": rt.GetId(), "display_name": rt.GetDisplayName(), "description": rt.GetDescription(),
		"traits": traits,
	})
}

func describeResource(r *v2.Resource) map[string]any {
	d := map[string]any{
		"resource_type": r.GetId().GetResourceType(), "resource": r.GetId().GetResource(),
		"display_name": r.GetDisplayName(), "description": r.GetDescription(),
		"parent_resource_type": r.GetParentResourceId().GetResourceType(),
		"parent_resource":      r.GetParentResourceId().GetResource(),
	}
	annos := annotations.Annotations(r.GetAnnotations())
	ut := &v2.UserTrait{}
	if ok, err := annos.Pick(ut); err != nil {
		panic(err)
	} else if ok {
		emails := []map[string]any{}
		for _, e := range ut.GetEmails() {
			emails = append(emails, map[string]any{"address": e.GetAddress(), "primary": e.GetIsPrimary()})
		}
		d["user"] = map[string]any{
			"emails": emails, "login": ut.GetLogin(), "login_aliases": strs(ut.GetLoginAliases()),
			"employee_ids": strs(ut.GetEmployeeIds()), "status": int(ut.GetStatus().GetStatus()),
			"status_details": ut.GetStatus().GetDetails(), "account_type": int(ut.GetAccountType()),
		}
	}
	gt := &v2.GroupTrait{}
	if ok, err := annos.Pick(gt); err != nil {
		panic(err)
	} else if ok {
		d["group"] = map[string]any{"source_type": gt.GetGroupSourceType(), "raw_source_type": gt.GetRawGroupSourceType()}
	}
	return normalize(d)
}

func describeEntitlement(e *v2.Entitlement) map[string]any {
	gt := []string{}
	for _, rt := range e.GetGrantableTo() {
		gt = append(gt, rt.GetId())
	}
	return normalize(map[string]any{
		"id": e.GetId(), "display_name": e.GetDisplayName(), "description": e.GetDescription(),
		"slug": e.GetSlug(), "purpose": int(e.GetPurpose()),
		"resource_type": e.GetResource().GetId().GetResourceType(), "resource": e.GetResource().GetId().GetResource(),
		"grantable_to": gt,
	})
}

func describeGrant(g *v2.Grant) map[string]any {
	sources := map[string]bool{}
	for k, v := range g.GetSources().GetSources() {
		sources[k] = v.GetIsDirect()
	}
	var exp any
	ge := &v2.GrantExpandable{}
	annos := annotations.Annotations(g.GetAnnotations())
	if ok, err := annos.Pick(ge); err != nil {
		panic(err)
	} else if ok {
		exp = map[string]any{"entitlement_ids": strs(ge.GetEntitlementIds()), "shallow": ge.GetShallow(),
			"resource_type_ids": strs(ge.GetResourceTypeIds())}
	}
	return normalize(map[string]any{
		"id": g.GetId(), "entitlement_id": g.GetEntitlement().GetId(),
		"resource_type":           g.GetEntitlement().GetResource().GetId().GetResourceType(),
		"resource":                g.GetEntitlement().GetResource().GetId().GetResource(),
		"principal_resource_type": g.GetPrincipal().GetId().GetResourceType(),
		"principal_resource":      g.GetPrincipal().GetId().GetResource(),
		"sources":                 sources, "expandable": exp,
	})
}

// withData adds "data" (base64 of m's deterministic bytes) to a description.
func withData(desc map[string]any, m proto.Message) map[string]any {
	b, err := deterministic.Marshal(m)
	if err != nil {
		panic(err)
	}
	desc["data"] = base64.StdEncoding.EncodeToString(b)
	return desc
}

// sameAsManifest reports a difference between what was read (described) and a manifest entry.
func sameAsManifest(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	w := map[string]any{}
	for k, v := range want {
		if k != "data" {
			w[k] = v
		}
	}
	if !reflect.DeepEqual(got, w) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(w)
		t.Errorf("%s differs from the manifest:\n got: %s\nwant: %s", what, gb, wb)
	}
}

func manifestData(t *testing.T, entry map[string]any) []byte {
	t.Helper()
	s, _ := entry["data"].(string)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 in manifest: %v", err)
	}
	return b
}

func interopDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("BATON_INTEROP_DIR")
	if d == "" {
		t.Skip("BATON_INTEROP_DIR is not set: run scripts/interop.sh")
	}
	return d
}

func loadManifest(t *testing.T, path string) *manifest {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the manifest: %v", err)
	}
	m := &manifest{}
	if err := json.Unmarshal(raw, m); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return m
}

// ------------------------------------------------------------------------------------------
// Raw access: magic + zstd -> SQLite

// decompressC1Z checks the v1 magic and inflates the payload into a file under dir.
func decompressC1Z(t *testing.T, path, dir string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	magic := make([]byte, 5)
	if _, err := io.ReadFull(f, magic); err != nil {
		t.Fatalf("%s: reading the magic: %v", path, err)
	}
	if !bytes.Equal(magic, []byte("C1ZF\x00")) {
		t.Fatalf("%s: magic %q, want C1ZF\\0 (v1)", path, magic)
	}
	dec, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out := filepath.Join(dir, filepath.Base(path)+".db")
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(o, dec); err != nil {
		t.Fatalf("%s: zstd: %v", path, err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func openRaw(t *testing.T, c1zPath string) *sql.DB {
	t.Helper()
	dbPath := decompressC1Z(t, c1zPath, t.TempDir())
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type schemaRow [4]string

// schemaOf returns sqlite_master (type, name, tbl_name, sql) ordered by name, without the
// sqlite_stat* tables that ANALYZE / PRAGMA optimize may leave (reported separately).
func schemaOf(t *testing.T, db *sql.DB) (rows []schemaRow, stats []string) {
	t.Helper()
	rs, err := db.Query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var r schemaRow
		if err := rs.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(r[1], "sqlite_stat") {
			stats = append(stats, r[1])
			continue
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, stats
}

func diffSchemas(a, b []schemaRow, aName, bName string) []string {
	in := func(set []schemaRow) map[schemaRow]bool {
		m := map[schemaRow]bool{}
		for _, r := range set {
			m[r] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for _, r := range a {
		if !mb[r] {
			out = append(out, fmt.Sprintf("only in %s: %q", aName, r))
		}
	}
	for _, r := range b {
		if !ma[r] {
			out = append(out, fmt.Sprintf("only in %s: %q", bName, r))
		}
	}
	return out
}

// goWrittenSchema writes a small c1z with the SDK (v1, SQLite) and returns its schema.
func goWrittenSchema(t *testing.T) ([]schemaRow, []string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "schema.c1z")
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithTmpDir(dir), dotc1z.WithEngine(c1zstore.EngineSQLite))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.PutResourceTypes(ctx, rtUser()); err != nil {
		t.Fatal(err)
	}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return schemaOf(t, openRaw(t, path))
}

// ------------------------------------------------------------------------------------------
// TestSchemaFixture

func TestSchemaFixture(t *testing.T) {
	goRows, stats := goWrittenSchema(t)
	if len(stats) > 0 {
		t.Logf("the SDK-written file also has %v (left out of the fixture, as the C test does)", stats)
	}
	out := make([][]string, len(goRows))
	for i, r := range goRows {
		out[i] = []string{r[0], r[1], r[2], r[3]}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFixture, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d schema objects)", schemaFixture, len(out))
		return
	}
	raw, err := os.ReadFile(schemaFixture)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("parsing %s: %v", schemaFixture, err)
	}
	wantRows := make([]schemaRow, len(want))
	for i, r := range want {
		if len(r) != 4 {
			t.Fatalf("%s: entry %d has %d columns", schemaFixture, i, len(r))
		}
		wantRows[i] = schemaRow{r[0], r[1], r[2], r[3]}
	}
	if d := diffSchemas(goRows, wantRows, "the SDK's file", schemaFixture); len(d) > 0 {
		t.Errorf("%s is not what the SDK writes (regenerate with `go test -run TestSchemaFixture -update`):\n%s",
			schemaFixture, strings.Join(d, "\n"))
	}
}

// ------------------------------------------------------------------------------------------
// C writes, Go reads

func listAll[T any](t *testing.T, what string, page func(tok string) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	tok := ""
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatalf("%s: too many pages", what)
		}
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
}

// stripExpandable returns a copy of g without GrantExpandable annotations.
func stripExpandable(g *v2.Grant) *v2.Grant {
	c := proto.Clone(g).(*v2.Grant)
	var keep []*anypb.Any
	for _, a := range c.GetAnnotations() {
		if !a.MessageIs(&v2.GrantExpandable{}) {
			keep = append(keep, a)
		}
	}
	c.SetAnnotations(keep)
	return c
}

func TestStoreGoReadsOurs(t *testing.T) {
	dir := interopDir(t)
	path := filepath.Join(dir, "ours.c1z")
	m := loadManifest(t, filepath.Join(dir, "ours.json"))
	ctx := context.Background()

	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatalf("the Go SDK cannot open ours.c1z: %v", err)
	}
	defer func() {
		if err := f.Close(ctx); err != nil {
			t.Errorf("Close (read-only): %v", err)
		}
	}()
	if got := f.Metadata(); got.Engine != string(c1zstore.EngineSQLite) {
		t.Errorf("engine %q, want sqlite", got.Engine)
	}

	t.Run("syncs", func(t *testing.T) {
		id, err := f.LatestFinishedSyncID(ctx, connectorstore.SyncTypeFull)
		if err != nil || id != m.FinishedSyncID {
			t.Errorf("LatestFinishedSyncID(full) = %q, %v; want %q", id, err, m.FinishedSyncID)
		}
		resp, err := f.GetLatestFinishedSync(ctx, reader_v2.SyncsReaderServiceGetLatestFinishedSyncRequest_builder{}.Build())
		if err != nil {
			t.Fatal(err)
		}
		s := resp.GetSync()
		if s.GetId() != m.FinishedSyncID || s.GetSyncType() != "full" || s.GetEndedAt() == nil || s.GetStartedAt() == nil {
			t.Errorf("GetLatestFinishedSync = %v", s)
		}
		// Stats come from our stats JSON column (or are recomputed when it cannot be parsed).
		st := s.GetStats()
		if st.GetResourceTypes() != m.Counts["resource_types"] || st.GetResources() != m.Counts["resources"] ||
			st.GetEntitlements() != m.Counts["entitlements"] || st.GetGrants() != m.Counts["grants"] ||
			st.GetAssets() != m.Counts["assets"] {
			t.Errorf("stats %v, want counts %v", st, m.Counts)
		}
		// Upstream counts resources of every stored resource type, zeros included.
		byType := map[string]int64{}
		for _, rt := range m.ResourceTypes {
			byType[rt["id"].(string)] = 0
		}
		for _, r := range m.Resources {
			byType[r["resource_type"].(string)]++
		}
		if !reflect.DeepEqual(st.GetResourcesByResourceType(), byType) {
			t.Errorf("resources_by_resource_type %v, want %v", st.GetResourcesByResourceType(), byType)
		}
		// Our stored stats JSON against the SDK's own computation on a writable copy.
		cp := filepath.Join(t.TempDir(), "copy.c1z")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cp, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := dotc1z.NewC1ZFile(ctx, cp, dotc1z.WithTmpDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.RecalculateStats(ctx, m.FinishedSyncID); err != nil {
			t.Fatalf("RecalculateStats: %v", err)
		}
		again, err := w.GetLatestFinishedSync(ctx, reader_v2.SyncsReaderServiceGetLatestFinishedSyncRequest_builder{}.Build())
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(again.GetSync().GetStats(), st) {
			t.Errorf("our stored stats differ from the SDK's own computation:\n ours: %v\n  SDK: %v", st, again.GetSync().GetStats())
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		runs, _, err := f.ListSyncRuns(ctx, "", 100)
		if err != nil {
			t.Fatalf("ListSyncRuns: %v", err)
		}
		if len(runs) != 2 {
			t.Fatalf("%d sync runs, want 2", len(runs))
		}
		for _, r := range runs {
			switch r.ID {
			case m.FinishedSyncID:
				if r.EndedAt == nil || r.Type != connectorstore.SyncTypeFull {
					t.Errorf("finished run %+v", r)
				}
			case m.UnfinishedSyncID:
				if r.EndedAt != nil || r.Type != connectorstore.SyncTypeFull {
					t.Errorf("unfinished run %+v", r)
				}
			default:
				t.Errorf("unexpected sync run %s", r.ID)
			}
			if r.StartedAt == nil || r.StartedAt.IsZero() {
				t.Errorf("run %s: no started_at", r.ID)
			}
		}
		if runs[0].StartedAt != nil && runs[1].StartedAt != nil && runs[1].StartedAt.Before(*runs[0].StartedAt) {
			t.Errorf("started_at goes backwards: %v then %v", runs[0].StartedAt, runs[1].StartedAt)
		}
	})

	t.Run("resource_types", func(t *testing.T) {
		got := listAll(t, "ListResourceTypes", func(tok string) ([]*v2.ResourceType, string, error) {
			r, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageSize: 3, PageToken: tok}.Build())
			return r.GetList(), r.GetNextPageToken(), err
		})
		checkList(t, "resource type", got, m.ResourceTypes, describeResourceType)
		for _, want := range m.ResourceTypes {
			r, err := f.GetResourceType(ctx, reader_v2.ResourceTypesReaderServiceGetResourceTypeRequest_builder{ResourceTypeId: want["id"].(string)}.Build())
			if err != nil {
				t.Errorf("GetResourceType(%s): %v", want["id"], err)
				continue
			}
			sameAsManifest(t, "GetResourceType", describeResourceType(r.GetResourceType()), want)
		}
	})

	t.Run("resources", func(t *testing.T) {
		got := listAll(t, "ListResources", func(tok string) ([]*v2.Resource, string, error) {
			r, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageSize: 2, PageToken: tok}.Build())
			return r.GetList(), r.GetNextPageToken(), err
		})
		checkList(t, "resource", got, m.Resources, describeResource)
		for _, want := range m.Resources {
			rid := v2.ResourceId_builder{ResourceType: want["resource_type"].(string), Resource: want["resource"].(string)}.Build()
			r, err := f.GetResource(ctx, reader_v2.ResourcesReaderServiceGetResourceRequest_builder{ResourceId: rid}.Build())
			if err != nil {
				t.Errorf("GetResource(%v): %v", rid, err)
				continue
			}
			sameAsManifest(t, "GetResource", describeResource(r.GetResource()), want)
		}
		// Filters on the columns we wrote: by type, by parent.
		users, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{ResourceTypeId: "user"}.Build())
		if err != nil {
			t.Fatal(err)
		}
		nUsers := 0
		for _, r := range m.Resources {
			if r["resource_type"] == "user" {
				nUsers++
			}
		}
		if len(users.GetList()) != nUsers {
			t.Errorf("ListResources(type user): %d, want %d", len(users.GetList()), nUsers)
		}
		for _, want := range m.Resources {
			if want["parent_resource"] == "" {
				continue
			}
			parent := v2.ResourceId_builder{ResourceType: want["parent_resource_type"].(string), Resource: want["parent_resource"].(string)}.Build()
			kids, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{
				ResourceTypeId: want["resource_type"].(string), ParentResourceId: parent}.Build())
			if err != nil {
				t.Fatal(err)
			}
			if len(kids.GetList()) != 1 || kids.GetList()[0].GetId().GetResource() != want["resource"] {
				t.Errorf("ListResources(parent %v) = %v, want %s", parent, kids.GetList(), want["resource"])
			}
		}
	})

	t.Run("entitlements", func(t *testing.T) {
		got := listAll(t, "ListEntitlements", func(tok string) ([]*v2.Entitlement, string, error) {
			r, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageSize: 2, PageToken: tok}.Build())
			return r.GetList(), r.GetNextPageToken(), err
		})
		checkList(t, "entitlement", got, m.Entitlements, describeEntitlement)
		for _, want := range m.Entitlements {
			r, err := f.GetEntitlement(ctx, reader_v2.EntitlementsReaderServiceGetEntitlementRequest_builder{EntitlementId: want["id"].(string)}.Build())
			if err != nil {
				t.Errorf("GetEntitlement(%s): %v", want["id"], err)
				continue
			}
			sameAsManifest(t, "GetEntitlement", describeEntitlement(r.GetEntitlement()), want)
		}
	})

	t.Run("grants", func(t *testing.T) {
		// Plain ListGrants returns the data blob only: no GrantExpandable (it lives in the
		// expansion column), everything else as written.
		plain := listAll(t, "ListGrants", func(tok string) ([]*v2.Grant, string, error) {
			r, err := f.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageSize: 2, PageToken: tok}.Build())
			return r.GetList(), r.GetNextPageToken(), err
		})
		if len(plain) != len(m.Grants) {
			t.Fatalf("ListGrants: %d grants, want %d", len(plain), len(m.Grants))
		}
		for i, g := range plain {
			want := m.Grants[i]
			w := map[string]any{}
			for k, v := range want {
				w[k] = v
			}
			w["expandable"] = nil
			sameAsManifest(t, "ListGrants "+g.GetId(), describeGrant(g), w)
			wg := &v2.Grant{}
			if err := proto.Unmarshal(manifestData(t, want), wg); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(g, stripExpandable(wg)) {
				t.Errorf("ListGrants %s: not proto.Equal to what we wrote minus GrantExpandable", g.GetId())
			}
		}
		// ListGrantsWithExpansion restores it from the expansion column.
		full := listAll(t, "ListGrantsWithExpansion", func(tok string) ([]*v2.Grant, string, error) {
			r, err := f.ListGrantsWithExpansion(ctx, v2.GrantsServiceListGrantsRequest_builder{PageSize: 2, PageToken: tok}.Build())
			return r.GetList(), r.GetNextPageToken(), err
		})
		checkList(t, "grant (with expansion)", full, m.Grants, describeGrant)
		// Streaming with expansion, as the expander and the CLI read.
		var streamed []*v2.Grant
		for g, err := range f.StreamGrants(ctx, "", connectorstore.StreamGrantsOptions{IncludeExpansion: true}) {
			if err != nil {
				t.Fatalf("StreamGrants: %v", err)
			}
			streamed = append(streamed, g)
		}
		checkList(t, "grant (streamed)", streamed, m.Grants, describeGrant)
		// The expander's view: exactly the expandable grants need expansion.
		wantPending := map[string]map[string]any{}
		for _, g := range m.Grants {
			if g["expandable"] != nil {
				wantPending[g["id"].(string)] = g["expandable"].(map[string]any)
			}
		}
		if len(wantPending) == 0 {
			t.Fatal("the manifest has no expandable grant")
		}
		seen := 0
		for pe, err := range f.Grants().PendingExpansion(ctx) {
			if err != nil {
				t.Fatalf("PendingExpansion: %v", err)
			}
			seen++
			want, ok := wantPending[pe.GrantExternalID]
			if !ok {
				t.Errorf("PendingExpansion lists %s, which is not expandable", pe.GrantExternalID)
				continue
			}
			got := normalize(map[string]any{"entitlement_ids": strs(pe.Annotation.GetEntitlementIds()),
				"shallow": pe.Annotation.GetShallow(), "resource_type_ids": strs(pe.Annotation.GetResourceTypeIds())})
			if !reflect.DeepEqual(got, want) || !pe.NeedsExpansion {
				t.Errorf("PendingExpansion %s: %v needs=%v, want %v", pe.GrantExternalID, got, pe.NeedsExpansion, want)
			}
		}
		if seen != len(wantPending) {
			t.Errorf("PendingExpansion: %d grants, want %d", seen, len(wantPending))
		}
		// Sources through the SDK's own canonical form.
		srcs, err := f.GrantSourcesForSync(ctx, m.FinishedSyncID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range m.Grants {
			var parts []string
			for k, v := range g["sources"].(map[string]any) {
				parts = append(parts, fmt.Sprintf("%s=%t", k, v.(bool)))
			}
			sort.Strings(parts)
			if got := srcs[g["id"].(string)]; got != strings.Join(parts, ",") {
				t.Errorf("GrantSourcesForSync[%s] = %q, want %q", g["id"], got, strings.Join(parts, ","))
			}
		}
		// Point read (GetGrant returns the data blob, without the expansion).
		for _, want := range m.Grants {
			r, err := f.GetGrant(ctx, reader_v2.GrantsReaderServiceGetGrantRequest_builder{GrantId: want["id"].(string)}.Build())
			if err != nil {
				t.Errorf("GetGrant(%s): %v", want["id"], err)
				continue
			}
			if r.GetGrant().GetId() != want["id"] {
				t.Errorf("GetGrant(%s) = %s", want["id"], r.GetGrant().GetId())
			}
		}
	})

	t.Run("assets", func(t *testing.T) {
		for _, a := range m.Assets {
			ct, rd, err := f.GetAsset(ctx, v2.AssetServiceGetAssetRequest_builder{Asset: v2.AssetRef_builder{Id: a.ID}.Build()}.Build())
			if err != nil {
				t.Errorf("GetAsset(%s): %v", a.ID, err)
				continue
			}
			data, _ := io.ReadAll(rd)
			want, _ := base64.StdEncoding.DecodeString(a.Data)
			if ct != a.ContentType || !bytes.Equal(data, want) {
				t.Errorf("GetAsset(%s) = %q %x, want %q %x", a.ID, ct, data, a.ContentType, want)
			}
		}
	})

	t.Run("sessions", func(t *testing.T) {
		for _, s := range m.Sessions {
			v, ok, err := f.SessionGet(ctx, s.Key, sessions.WithSyncID(s.SyncID))
			want, _ := base64.StdEncoding.DecodeString(s.Value)
			if err != nil || !ok || !bytes.Equal(v, want) {
				t.Errorf("SessionGet(%s, %s) = %x %v %v, want %x", s.SyncID, s.Key, v, ok, err, want)
			}
		}
		all, _, err := f.SessionGetAll(ctx, "", sessions.WithSyncID(m.FinishedSyncID))
		if err != nil || len(all) != len(m.Sessions) {
			t.Errorf("SessionGetAll: %d keys, %v; want %d", len(all), err, len(m.Sessions))
		}
	})

	t.Run("raw", func(t *testing.T) { checkRawOurs(t, path, m) })

	// Last: viewing the unfinished sync shows its own rows only.
	t.Run("unfinished_view", func(t *testing.T) {
		if err := f.ViewSync(ctx, m.UnfinishedSyncID); err != nil {
			t.Fatal(err)
		}
		rts, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{}.Build())
		if err != nil {
			t.Fatal(err)
		}
		checkList(t, "unfinished resource type", rts.GetList(), m.Unfinished.ResourceTypes, describeResourceType)
		rs, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{}.Build())
		if err != nil {
			t.Fatal(err)
		}
		checkList(t, "unfinished resource", rs.GetList(), m.Unfinished.Resources, describeResource)
	})
}

// checkList compares listed objects (in order) with manifest entries: description, and the
// message equal to the one whose bytes the manifest holds (GrantExpandable moved last, which
// is where both readers re-attach it).
func checkList[T proto.Message](t *testing.T, what string, got []T, want []map[string]any, describe func(T) map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		ids := []string{}
		for _, g := range got {
			ids = append(ids, fmt.Sprint(describe(g)["id"], describe(g)["resource"]))
		}
		t.Errorf("%s: %d listed (%v), want %d", what, len(got), ids, len(want))
		return
	}
	for i, g := range got {
		d := describe(g)
		sameAsManifest(t, fmt.Sprintf("%s %d", what, i), d, want[i])
		w := g.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(manifestData(t, want[i]), w); err != nil {
			t.Fatalf("%s %d: manifest bytes: %v", what, i, err)
		}
		var a, b proto.Message = g, w
		if gg, ok := any(g).(*v2.Grant); ok {
			a, b = expandableLast(gg), expandableLast(w.(*v2.Grant))
		}
		if !proto.Equal(a, b) {
			t.Errorf("%s %d: read back is not proto.Equal to what was written", what, i)
		}
	}
}

func expandableLast(g *v2.Grant) *v2.Grant {
	c := stripExpandable(g)
	for _, a := range g.GetAnnotations() {
		if a.MessageIs(&v2.GrantExpandable{}) {
			c.SetAnnotations(append(c.GetAnnotations(), a))
		}
	}
	return c
}

// checkRawOurs looks at the rows of ours.c1z as stored, and compares its schema with a file the
// Go SDK writes.
func checkRawOurs(t *testing.T, path string, m *manifest) {
	db := openRaw(t, path)
	ours, oursStats := schemaOf(t, db)
	goRows, goStats := goWrittenSchema(t)
	if d := diffSchemas(ours, goRows, "ours.c1z", "the SDK's file"); len(d) > 0 {
		t.Errorf("schema of ours.c1z differs from a file the Go SDK writes:\n%s", strings.Join(d, "\n"))
	}
	if len(oursStats) > 0 || len(goStats) > 0 {
		t.Logf("sqlite_stat tables: ours %v, the SDK's %v", oursStats, goStats)
	}

	// Every record's data column: exactly what the SDK's writer would store for the object we
	// handed to the store (deterministic marshal; for grants without GrantExpandable).
	check := func(table, keyCol string, entries []map[string]any, key func(map[string]any) string, grants bool) {
		for _, e := range entries {
			var data []byte
			var exp []byte
			var needs sql.NullInt64
			q := fmt.Sprintf("SELECT data FROM %s WHERE %s = ? AND sync_id = ?", table, keyCol)
			if grants {
				q = fmt.Sprintf("SELECT data, expansion, needs_expansion FROM %s WHERE %s = ? AND sync_id = ?", table, keyCol)
			}
			row := db.QueryRow(q, key(e), m.FinishedSyncID)
			var err error
			if grants {
				err = row.Scan(&data, &exp, &needs)
			} else {
				err = row.Scan(&data)
			}
			if err != nil {
				t.Errorf("%s %s: %v", table, key(e), err)
				continue
			}
			want := manifestData(t, e)
			if grants {
				g := &v2.Grant{}
				if err := proto.Unmarshal(want, g); err != nil {
					t.Fatal(err)
				}
				ge := &v2.GrantExpandable{}
				ga := annotations.Annotations(g.GetAnnotations())
				ok, _ := ga.Pick(ge)
				want, err = deterministic.Marshal(stripExpandable(g))
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					wantExp, _ := proto.Marshal(ge)
					if !bytes.Equal(exp, wantExp) || needs.Int64 != 1 {
						t.Errorf("%s %s: expansion %x needs_expansion %v, want %x 1", table, key(e), exp, needs, wantExp)
					}
				} else if exp != nil || needs.Int64 != 0 {
					t.Errorf("%s %s: expansion %x needs_expansion %v, want NULL 0", table, key(e), exp, needs)
				}
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s %s: data is not what the SDK's writer stores for this object:\n ours %x\n want %x",
					table, key(e), data, want)
			}
		}
	}
	check("v1_resource_types", "external_id", m.ResourceTypes, func(e map[string]any) string { return e["id"].(string) }, false)
	check("v1_resources", "external_id", m.Resources, func(e map[string]any) string {
		return e["resource_type"].(string) + ":" + e["resource"].(string)
	}, false)
	check("v1_entitlements", "external_id", m.Entitlements, func(e map[string]any) string { return e["id"].(string) }, false)
	check("v1_grants", "external_id", m.Grants, func(e map[string]any) string { return e["id"].(string) }, true)

	// sync_runs columns the SDK relies on.
	rows, err := db.Query("SELECT sync_id, sync_type, parent_sync_id, grants_backfilled, supports_diff, ended_at IS NULL, typeof(started_at) FROM v1_sync_runs ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, typ, parent, startedType string
		var backfilled, diff int
		var open bool
		if err := rows.Scan(&id, &typ, &parent, &backfilled, &diff, &open, &startedType); err != nil {
			t.Fatal(err)
		}
		if typ != "full" || parent != "" || backfilled != 1 || startedType != "text" {
			t.Errorf("sync run %s: type %q parent %q grants_backfilled %d typeof(started_at) %s", id, typ, parent, backfilled, startedType)
		}
		if open != (id == m.UnfinishedSyncID) {
			t.Errorf("sync run %s: ended_at IS NULL = %v", id, open)
		}
	}
}

// ------------------------------------------------------------------------------------------
// Go writes, C reads

func TestStoreGoWrites(t *testing.T) {
	dir := interopDir(t)
	path := filepath.Join(dir, "go.c1z")
	mpath := filepath.Join(dir, "go.json")
	os.Remove(path)
	os.Remove(mpath)
	ctx := context.Background()

	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithTmpDir(t.TempDir()), dotc1z.WithEngine(c1zstore.EngineSQLite))
	if err != nil {
		t.Fatal(err)
	}
	fin, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, "")
	if err != nil {
		t.Fatal(err)
	}
	canon := func(msgs ...proto.Message) {
		for _, msg := range msgs {
			if _, err := canonAnys(msg.ProtoReflect()); err != nil {
				t.Fatal(err)
			}
		}
	}

	m := &manifest{Writer: "baton-sdk v0.25.0", FinishedSyncID: fin, Counts: map[string]int64{}}

	userRT := builders["rt_user_described"].build().(*v2.ResourceType)
	rts := []*v2.ResourceType{userRT, rtGroup(), rtPlain("Repository"), rtPlain("Org"),
		builders["rt_multi_trait"].build().(*v2.ResourceType)}
	canon(toMsgs(rts)...)
	if err := f.PutResourceTypes(ctx, rts...); err != nil {
		t.Fatal(err)
	}
	for _, rt := range rts {
		m.ResourceTypes = append(m.ResourceTypes, withData(describeResourceType(rt), rt))
	}

	acme := must(resource.NewResource("ACME", rtPlain("Org"), "acme"))
	res := []*v2.Resource{
		builders["user_all_options"].build().(*v2.Resource),
		builders["user_deprecated_mirrored"].build().(*v2.Resource),
		builders["user_resource_attrs"].build().(*v2.Resource),
		groupEng(),
		builders["group_all_options"].build().(*v2.Resource),
		acme,
		repoResource(),
	}
	canon(toMsgs(res)...)
	if err := f.PutResources(ctx, res...); err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		m.Resources = append(m.Resources, withData(describeResource(r), r))
	}

	ents := []*v2.Entitlement{
		entAssignment(),
		entitlement.NewPermissionEntitlement(repoResource(), "write",
			entitlement.WithGrantableTo(rtUser(), rtGroup()), entitlement.WithDescription("Push to widgets")),
		entitlement.NewOwnershipEntitlement(groupEng(), "owner"),
	}
	canon(toMsgs(ents)...)
	if err := f.PutEntitlements(ctx, ents...); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		m.Entitlements = append(m.Entitlements, withData(describeEntitlement(e), e))
	}

	pBob := &v2.ResourceId{ResourceType: "user", Resource: "bob"}
	pEng := &v2.ResourceId{ResourceType: "group", Resource: "eng"}
	derived := grant.NewGrant(repoResource(), "write", pAlice)
	derived.SetSources(&v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{
		"group:eng:member":              {IsDirect: false},
		"repository:acme/widgets:write": {IsDirect: true},
	}})
	grants := []*v2.Grant{
		grant.NewGrant(groupEng(), "member", pBob, grant.WithGrantMetadata(map[string]any{"source": "hr"})),
		grant.NewGrant(repoResource(), "write", pEng, grant.WithAnnotation(&v2.GrantExpandable{
			EntitlementIds: []string{"group:eng:member"}, ResourceTypeIds: []string{"user"}})),
		builders["grant_everything"].build().(*v2.Grant), // expandable among other annotations, sources
		builders["grant_sources"].build().(*v2.Grant),    // group:eng:member to alice
		derived,
	}
	canon(toMsgs(grants)...)
	// The manifest keeps the grants as handed over: PutGrants strips GrantExpandable in place.
	for _, g := range grants {
		m.Grants = append(m.Grants, withData(describeGrant(g), g))
	}
	if err := f.PutGrants(ctx, cloneGrants(grants)...); err != nil {
		t.Fatal(err)
	}

	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0xff}
	if err := f.PutAsset(ctx, v2.AssetRef_builder{Id: "icon-alice"}.Build(), "image/png", png); err != nil {
		t.Fatal(err)
	}
	if err := f.PutAsset(ctx, v2.AssetRef_builder{Id: "doc-1"}.Build(), "", []byte("go asset")); err != nil {
		t.Fatal(err)
	}
	m.Assets = []blobEntry{
		{ID: "icon-alice", ContentType: "image/png", Data: base64.StdEncoding.EncodeToString(png)},
		{ID: "doc-1", ContentType: "unknown", Data: base64.StdEncoding.EncodeToString([]byte("go asset"))},
	}
	sval := []byte{'c', 0, 0xfe}
	if err := f.SessionSet(ctx, "cursor:users", sval, sessions.WithSyncID(fin)); err != nil {
		t.Fatal(err)
	}
	m.Sessions = []blobEntry{{SyncID: fin, Key: "cursor:users", Value: base64.StdEncoding.EncodeToString(sval)}}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}

	// A second full sync, left unfinished.
	unfin, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, "")
	if err != nil {
		t.Fatal(err)
	}
	m.UnfinishedSyncID = unfin
	person := resource.NewResourceType("Person", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	person.SetId("user")
	carol := must(resource.NewUserResource("Carol", person, "carol", nil))
	canon(person, carol)
	if err := f.PutResourceTypes(ctx, person); err != nil {
		t.Fatal(err)
	}
	if err := f.PutResources(ctx, carol); err != nil {
		t.Fatal(err)
	}
	m.Unfinished.ResourceTypes = []map[string]any{withData(describeResourceType(person), person)}
	m.Unfinished.Resources = []map[string]any{withData(describeResource(carol), carol)}
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}

	m.Counts = map[string]int64{"resource_types": int64(len(rts)), "resources": int64(len(res)),
		"entitlements": int64(len(ents)), "grants": int64(len(grants)), "assets": int64(len(m.Assets))}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mpath, b, 0o644); err != nil {
		t.Fatal(err)
	}

	// It is a v1 file, and the SDK reads back what it wrote.
	hdr := make([]byte, 5)
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadFull(fh, hdr)
	fh.Close()
	if !bytes.Equal(hdr, []byte("C1ZF\x00")) {
		t.Fatalf("go.c1z magic %q: not a v1 (SQLite) file", hdr)
	}
	r, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	if id, err := r.LatestFinishedSyncID(ctx, connectorstore.SyncTypeFull); err != nil || id != fin {
		t.Errorf("LatestFinishedSyncID = %q %v, want %q", id, err, fin)
	}
	t.Logf("wrote %s (finished sync %s, unfinished %s) and %s", path, fin, unfin, mpath)
}

func toMsgs[T proto.Message](s []T) []proto.Message {
	out := make([]proto.Message, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func cloneGrants(gs []*v2.Grant) []*v2.Grant {
	out := make([]*v2.Grant, len(gs))
	for i, g := range gs {
		out[i] = proto.Clone(g).(*v2.Grant)
	}
	return out
}
