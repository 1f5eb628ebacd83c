// Diff syncs and compaction against the Go SDK (v0.25.0), both ways:
//
//   - TestDiffSyncsMatchGo: a c1z written by the SDK with two full syncs gets a diff sync from the
//     SDK's GenerateSyncDiff and, in a copy, from our `--diff-syncs` (baton-demo); the SDK reads
//     our file, and the two diff syncs (type, parent, rows of every table) are the same.
//
//   - TestCompactSyncsMatchGo: the SDK's compactor and our `--compact-syncs` merge the same
//     inputs, an SDK-written base and a diff written by us (so the SDK reads our diff sync and we
//     read the SDK's base); the two outputs hold one sync of the same type with the same rows, and
//     the SDK's reader lists ours.
//
//   - TestDiffFromFileMatchesGo: the SDK's GenerateSyncDiffFromFile and our
//     baton_store_sync_diff_from_file (tests/cli/diff_file.c) give the same partial_deletions /
//     partial_upserts pair on copies of the same SDK-written files.
//
// They need BATON_INTEROP_DEMO_BIN / BATON_INTEROP_DIFF_FILE_BIN (set by scripts/interop.sh) and
// skip without them.
package interop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/synccompactor"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/conductorone/baton-sdk/pkg/types/resource"
)

func demoBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("BATON_INTEROP_DEMO_BIN")
	if bin == "" {
		t.Skip("BATON_INTEROP_DEMO_BIN is not set")
	}
	return bin
}

func openGo(t *testing.T, path string, readOnly bool) *dotc1z.C1File {
	t.Helper()
	f, err := dotc1z.NewC1ZFile(context.Background(), path, dotc1z.WithTmpDir(t.TempDir()),
		dotc1z.WithEngine(c1zstore.EngineSQLite), dotc1z.WithReadOnly(readOnly))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func closeGo(t *testing.T, f *dotc1z.C1File) {
	t.Helper()
	if err := f.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// putSnapshot writes one finished full sync: users (id -> display name), group eng with its
// member entitlement and one membership per member, an asset; returns the sync id.
func putSnapshot(t *testing.T, f *dotc1z.C1File, users map[string]string, members []string, extraRT string) string {
	t.Helper()
	ctx := context.Background()
	id, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, "")
	if err != nil {
		t.Fatal(err)
	}
	rts := []*v2.ResourceType{rtUser(), rtGroup()}
	if extraRT != "" {
		rts = append(rts, rtPlain(extraRT))
	}
	if err := f.PutResourceTypes(ctx, rts...); err != nil {
		t.Fatal(err)
	}
	res := []*v2.Resource{groupEng()}
	ids := make([]string, 0, len(users))
	for uid := range users {
		ids = append(ids, uid)
	}
	sort.Strings(ids)
	for _, uid := range ids {
		res = append(res, must(resource.NewUserResource(users[uid], rtUser(), uid, nil)))
	}
	if err := f.PutResources(ctx, res...); err != nil {
		t.Fatal(err)
	}
	if err := f.PutEntitlements(ctx, entAssignment(),
		entitlement.NewPermissionEntitlement(groupEng(), "admin")); err != nil {
		t.Fatal(err)
	}
	var gs []*v2.Grant
	for _, m := range members {
		gs = append(gs, grant.NewGrant(groupEng(), "member", &v2.ResourceId{ResourceType: "user", Resource: m}))
	}
	if err := f.PutGrants(ctx, gs...); err != nil {
		t.Fatal(err)
	}
	if err := f.PutAsset(ctx, &v2.AssetRef{Id: "logo-" + id}, "image/png", []byte("png "+id)); err != nil {
		t.Fatal(err)
	}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}
	return id
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

type syncRow struct {
	ID, Type, Parent string
	Ended            bool
}

func syncRuns(t *testing.T, db *sql.DB) []syncRow {
	t.Helper()
	rows, err := db.Query(`SELECT sync_id, sync_type, parent_sync_id, ended_at IS NOT NULL FROM v1_sync_runs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []syncRow
	for rows.Next() {
		var r syncRow
		if err := rows.Scan(&r.ID, &r.Type, &r.Parent, &r.Ended); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// tableRows: every row of `table` in `syncID`, all columns but id, sync_id and discovered_at, as
// sorted strings (blobs in hex).
func tableRows(t *testing.T, db *sql.DB, table, syncID string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM `+table+` WHERE sync_id = ?`, syncID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for i, c := range cols {
			if c == "id" || c == "sync_id" || c == "discovered_at" {
				continue
			}
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = hex.EncodeToString(b)
			}
			parts = append(parts, fmt.Sprintf("%s=%v", c, v))
		}
		out = append(out, strings.Join(parts, " "))
	}
	sort.Strings(out)
	return out
}

var c1zTables = []string{"v1_resource_types", "v1_resources", "v1_entitlements", "v1_grants", "v1_assets"}

func sameTables(t *testing.T, what string, ours *sql.DB, oursID string, goDB *sql.DB, goID string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, table := range c1zTables {
		o, g := tableRows(t, ours, table, oursID), tableRows(t, goDB, table, goID)
		if !reflect.DeepEqual(o, g) {
			t.Errorf("%s: %s differs\nours: %q\ngo:   %q", what, table, o, g)
		}
		counts[table] = len(g)
	}
	return counts
}

func TestDiffSyncsMatchGo(t *testing.T) {
	bin := demoBin(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "two.c1z")
	f := openGo(t, src, false)
	base := putSnapshot(t, f, map[string]string{"alice": "Alice", "bob": "Bob"}, []string{"alice", "bob"}, "")
	applied := putSnapshot(t, f, map[string]string{"alice": "Alice Renamed", "carol": "Carol"},
		[]string{"alice", "carol"}, "Repository")
	closeGo(t, f)

	goPath, oursPath := filepath.Join(dir, "go.c1z"), filepath.Join(dir, "ours.c1z")
	copyFile(t, src, goPath)
	copyFile(t, src, oursPath)
	g := openGo(t, goPath, false)
	goDiff, err := g.GenerateSyncDiff(context.Background(), base, applied)
	if err != nil {
		t.Fatal(err)
	}
	closeGo(t, g)
	runBin(t, "BATON_INTEROP_DEMO_BIN", nil, "--diff-syncs", "--base-sync-id", base, "--applied-sync-id", applied,
		"-f", oursPath, "--log-level", "error")
	_ = bin

	goDB, oursDB := openRaw(t, goPath), openRaw(t, oursPath)
	gr, or := syncRuns(t, goDB), syncRuns(t, oursDB)
	if len(gr) != 3 || len(or) != 3 {
		t.Fatalf("sync runs: go %v, ours %v (want 3 each)", gr, or)
	}
	if gr[2].ID != goDiff {
		t.Fatalf("go's diff sync is %s, the newest row is %v", goDiff, gr[2])
	}
	ourDiff := or[2].ID
	want := syncRow{ID: ourDiff, Type: "partial", Parent: base, Ended: true}
	if or[2] != want || gr[2].Type != want.Type || gr[2].Parent != want.Parent || !gr[2].Ended {
		t.Fatalf("diff sync: ours %+v, go %+v", or[2], gr[2])
	}
	counts := sameTables(t, "diff sync", oursDB, ourDiff, goDB, goDiff)
	// New ids only: the Repository type, carol, carol's membership, the applied sync's asset.
	wantCounts := map[string]int{"v1_resource_types": 1, "v1_resources": 1, "v1_entitlements": 0, "v1_grants": 1,
		"v1_assets": 1}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("diff rows %v, want %v", counts, wantCounts)
	}

	// The SDK reads our diff sync and counts the same as it counts its own.
	ctx := context.Background()
	o := openGo(t, oursPath, true)
	defer closeGo(t, o)
	resp, err := o.GetSync(ctx, reader_v2.SyncsReaderServiceGetSyncRequest_builder{SyncId: ourDiff}.Build())
	if err != nil {
		t.Fatal(err)
	}
	if s := resp.GetSync(); s.GetSyncType() != "partial" || s.GetParentSyncId() != base || s.GetEndedAt() == nil {
		t.Errorf("the SDK reads our diff sync as %v", s)
	}
	oursStats, err := o.Stats(ctx, connectorstore.SyncTypeAny, ourDiff)
	if err != nil {
		t.Fatal(err)
	}
	g = openGo(t, goPath, true)
	defer closeGo(t, g)
	goStats, err := g.Stats(ctx, connectorstore.SyncTypeAny, goDiff)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(oursStats, goStats) {
		t.Errorf("stats of the diff sync: ours %v, go %v", oursStats, goStats)
	}
}

func TestCompactSyncsMatchGo(t *testing.T) {
	demoBin(t)
	dir := t.TempDir()
	ctx := context.Background()

	// The SDK writes the base (one full sync) and a file with two full syncs; we add the diff.
	basePath := filepath.Join(dir, "base.c1z")
	f := openGo(t, basePath, false)
	baseID := putSnapshot(t, f, map[string]string{"alice": "Alice", "bob": "Bob"}, []string{"alice", "bob"}, "")
	closeGo(t, f)
	diffPath := filepath.Join(dir, "diff.c1z")
	f = openGo(t, diffPath, false)
	s1 := putSnapshot(t, f, map[string]string{"alice": "Alice", "bob": "Bob"}, []string{"alice"}, "")
	s2 := putSnapshot(t, f, map[string]string{"alice": "Alice Renamed", "carol": "Carol", "dave": "Dave"},
		[]string{"alice", "carol"}, "Repository")
	closeGo(t, f)
	runBin(t, "BATON_INTEROP_DEMO_BIN", nil, "--diff-syncs", "--base-sync-id", s1, "--applied-sync-id", s2,
		"-f", diffPath, "--log-level", "error")
	runs := syncRuns(t, openRaw(t, diffPath))
	if len(runs) != 3 || runs[2].Type != "partial" {
		t.Fatalf("diff file syncs: %v", runs)
	}
	diffID := runs[2].ID

	goOut, oursOut := filepath.Join(dir, "go-out"), filepath.Join(dir, "ours-out")
	for _, d := range []string{goOut, oursOut} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	comp, cleanup, err := synccompactor.NewCompactor(ctx, goOut, []*synccompactor.CompactableSync{
		{FilePath: basePath, SyncID: baseID}, {FilePath: diffPath, SyncID: diffID}},
		synccompactor.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	goRes, err := comp.Compact(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runBin(t, "BATON_INTEROP_DEMO_BIN", nil, "--compact-syncs", "--compact-file-paths", basePath+","+diffPath,
		"--compact-sync-ids", baseID+","+diffID, "--compact-output-path", oursOut, "--log-level", "error")
	entries, err := os.ReadDir(oursOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "compacted-") ||
		!strings.HasSuffix(entries[0].Name(), ".c1z") {
		t.Fatalf("our output directory holds %v, want one compacted-<sync id>.c1z", entries)
	}
	oursPath := filepath.Join(oursOut, entries[0].Name())
	ourID := strings.TrimSuffix(strings.TrimPrefix(entries[0].Name(), "compacted-"), ".c1z")

	goDB, oursDB := openRaw(t, goRes.FilePath), openRaw(t, oursPath)
	gr, or := syncRuns(t, goDB), syncRuns(t, oursDB)
	if len(gr) != 1 || len(or) != 1 || or[0].ID != ourID || or[0].Type != gr[0].Type || or[0].Parent != gr[0].Parent ||
		!or[0].Ended || gr[0].Type != "full" {
		t.Fatalf("compacted syncs: ours %v, go %v", or, gr)
	}
	counts := sameTables(t, "compacted sync", oursDB, ourID, goDB, goRes.SyncID)
	// base (alice, bob, eng; alice+bob members) + the diff's new ids (Repository, carol, dave,
	// carol's membership); assets are not compacted.
	wantCounts := map[string]int{"v1_resource_types": 3, "v1_resources": 5, "v1_entitlements": 2, "v1_grants": 3,
		"v1_assets": 0}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("compacted rows %v, want %v", counts, wantCounts)
	}

	// The SDK's reader lists our compacted file (its latest full sync), and counts it as its own.
	o := openGo(t, oursPath, true)
	defer closeGo(t, o)
	g := openGo(t, goRes.FilePath, true)
	defer closeGo(t, g)
	oursStats := must(o.Stats(ctx, connectorstore.SyncTypeAny, ourID))
	goStats := must(g.Stats(ctx, connectorstore.SyncTypeAny, goRes.SyncID))
	if !reflect.DeepEqual(oursStats, goStats) {
		t.Errorf("stats of the compacted sync: ours %v, go %v", oursStats, goStats)
	}
	resp, err := o.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{ResourceTypeId: "user"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range resp.GetList() {
		names = append(names, r.GetDisplayName())
	}
	sort.Strings(names)
	if want := []string{"Alice", "Bob", "Carol", "Dave"}; !reflect.DeepEqual(names, want) {
		t.Errorf("the SDK lists our users %v, want %v", names, want)
	}
}

type linkedRow struct {
	ID, Type, Parent, Linked string
	SupportsDiff, Ended      bool
}

func linkedRuns(t *testing.T, db *sql.DB) []linkedRow {
	t.Helper()
	rows, err := db.Query(`SELECT sync_id, sync_type, parent_sync_id, linked_sync_id, supports_diff, ended_at IS NOT NULL
		FROM v1_sync_runs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []linkedRow
	for rows.Next() {
		var r linkedRow
		if err := rows.Scan(&r.ID, &r.Type, &r.Parent, &r.Linked, &r.SupportsDiff, &r.Ended); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// putDiffable writes a snapshot as putSnapshot, marked supports_diff as the syncer does.
func putDiffable(t *testing.T, path string, users map[string]string, members []string, extraRT string) string {
	t.Helper()
	f := openGo(t, path, false)
	ctx := context.Background()
	id := putSnapshot(t, f, users, members, extraRT)
	if err := f.SetSupportsDiff(ctx, id); err != nil {
		t.Fatal(err)
	}
	closeGo(t, f)
	return id
}

// TestDiffFromFileMatchesGo: the SDK's GenerateSyncDiffFromFile (an old file attached to a new
// one) and our baton_store_sync_diff_from_file (tests/cli/diff_file.c) on copies of the same
// SDK-written files give the same partial_deletions / partial_upserts pair, and the SDK reads ours.
func TestDiffFromFileMatchesGo(t *testing.T) {
	bin := os.Getenv("BATON_INTEROP_DIFF_FILE_BIN")
	if bin == "" {
		t.Skip("BATON_INTEROP_DIFF_FILE_BIN is not set")
	}
	ctx := context.Background()
	dir := t.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.c1z"), filepath.Join(dir, "new.c1z")
	oldID := putDiffable(t, oldPath, map[string]string{"alice": "Alice", "bob": "Bob"}, []string{"alice", "bob"}, "")
	newID := putDiffable(t, newPath, map[string]string{"alice": "Alice Renamed", "carol": "Carol"},
		[]string{"alice", "carol"}, "Repository")

	goPath, oursPath := filepath.Join(dir, "go.c1z"), filepath.Join(dir, "ours.c1z")
	copyFile(t, newPath, goPath)
	copyFile(t, newPath, oursPath)
	g := openGo(t, goPath, false)
	old := openGo(t, oldPath, true)
	att, err := g.AttachFile(old, "attached")
	if err != nil {
		t.Fatal(err)
	}
	goUp, goDel, err := att.GenerateSyncDiffFromFile(ctx, oldID, newID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := att.DetachFile("attached"); err != nil {
		t.Fatal(err)
	}
	closeGo(t, old)
	closeGo(t, g)

	cmd := exec.Command(bin, oursPath, oldPath, oldID, newID)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	ids := strings.Fields(string(out))
	if len(ids) != 2 {
		t.Fatalf("%s printed %q", bin, out)
	}
	ourUp, ourDel := ids[0], ids[1]

	goDB, oursDB := openRaw(t, goPath), openRaw(t, oursPath)
	gr, or := linkedRuns(t, goDB), linkedRuns(t, oursDB)
	if len(gr) != 3 || len(or) != 3 {
		t.Fatalf("sync runs: go %v, ours %v", gr, or)
	}
	// Row order: the new sync, then deletions, then upserts; each half links the other.
	want := []linkedRow{or[0],
		{ID: ourDel, Type: "partial_deletions", Parent: oldID, Linked: ourUp, SupportsDiff: true, Ended: true},
		{ID: ourUp, Type: "partial_upserts", Parent: oldID, Linked: ourDel, SupportsDiff: true, Ended: true}}
	goWant := []linkedRow{gr[0],
		{ID: goDel, Type: "partial_deletions", Parent: oldID, Linked: goUp, SupportsDiff: true, Ended: true},
		{ID: goUp, Type: "partial_upserts", Parent: oldID, Linked: goDel, SupportsDiff: true, Ended: true}}
	if !reflect.DeepEqual(or, want) || !reflect.DeepEqual(gr, goWant) {
		t.Fatalf("sync runs: ours %+v\ngo %+v", or, gr)
	}
	sameTables(t, "deletions", oursDB, ourDel, goDB, goDel)
	sameTables(t, "upserts", oursDB, ourUp, goDB, goUp)
	// Something in each half: bob (and his membership) deleted; alice renamed, carol, Repository.
	if n := len(tableRows(t, goDB, "v1_resources", goDel)); n != 1 {
		t.Errorf("go deletions hold %d resources, want 1", n)
	}
	if n := len(tableRows(t, goDB, "v1_resources", goUp)); n != 2 {
		t.Errorf("go upserts hold %d resources, want 2", n)
	}

	o := openGo(t, oursPath, true)
	defer closeGo(t, o)
	for _, id := range []string{ourUp, ourDel} {
		resp, err := o.GetSync(ctx, reader_v2.SyncsReaderServiceGetSyncRequest_builder{SyncId: id}.Build())
		if err != nil || resp.GetSync().GetId() != id {
			t.Errorf("the SDK reads our diff sync %s: %v %v", id, resp, err)
		}
	}
}
