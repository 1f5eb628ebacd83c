// Our `baton` tool (tools/baton, BATON_INTEROP_BATON_BIN) against the Go SDK's own `baton`
// (cmd/baton of the module, built here with `go build`): both run on the same c1z files — the
// Go-written tests/data/c1z files and, when scripts/interop.sh made it, the demo connector's c1z
// (BATON_INTEROP_DEMO_C1Z) — and their outputs are compared:
//
//   - -o json: parsed and compared field by field (lists in order, except where the Go tool's
//     order comes from a Go map and is random: `access` groups, `principals compare` lists);
//   - console: after stripping colours and collapsing padding (line order ignored for the same
//     two commands);
//   - the writers (export c1z/csv/xlsx, dump-db, optimize, recalculate-stats, rollback-expansion
//     with and without --replay): each tool writes from its own copy, and the files are compared
//     (bytes for dump-db and CSV; for c1z files, what the Go tool reads back from each);
//   - `diff` on files with several syncs that the test writes (multiSyncFiles), one of them with
//     its syncs renamed and re-timed so that row, start, end and id orders differ (shuffleSyncs);
//   - our `expand` with Go's rollback-expansion (compareExpandMarker, and after Go's rollback);
//   - the explorers' JSON API (compareExplorers).
//
// Skips when BATON_INTEROP_BATON_BIN is unset.
package interop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/xuri/excelize/v2"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/conductorone/baton-sdk/pkg/types/resource"
)

// buildGoBaton builds the Go SDK's baton tool into dir (the calling test's temporary directory).
func buildGoBaton(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "baton")
	cmd := exec.Command("go", "build", "-o", path, "github.com/conductorone/baton-sdk/cmd/baton")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/baton: %v\n%s", err, out)
	}
	return path
}

type toolRun struct {
	out    []byte
	stderr string
	ok     bool
}

func runTool(t *testing.T, bin, dir string, args ...string) toolRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return toolRun{out: out, stderr: stderr.String(), ok: err == nil}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")
var spaces = regexp.MustCompile(`\s+`)

// consoleLines: colours stripped, runs of blanks collapsed, empty lines dropped.
func consoleLines(b []byte, sorted bool) []string {
	var lines []string
	for _, l := range strings.Split(ansi.ReplaceAllString(string(b), ""), "\n") {
		l = strings.TrimSpace(spaces.ReplaceAllString(l, " "))
		if l != "" {
			lines = append(lines, l)
		}
	}
	if sorted {
		// The order is a Go map's: so is which tree branch comes last; compare the entries.
		for i, l := range lines {
			lines[i] = strings.TrimLeft(l, "│├└─┬ ")
		}
		sort.Strings(lines)
	}
	return lines
}

// unordered sorts every list (by its elements' JSON) at every depth.
func unordered(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = unordered(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = unordered(e)
		}
		sort.Slice(l, func(i, j int) bool {
			a, _ := json.Marshal(l[i])
			b, _ := json.Marshal(l[j])
			return string(a) < string(b)
		})
		return l
	}
	return v
}

func parseJSON(t *testing.T, what string, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: not JSON: %v\n%.300s", what, err, b)
	}
	return v
}

type batonCase struct {
	args      []string
	unordered bool // the Go tool's order is a Go map's
	json      bool // the output is JSON whatever -o says (the Go tool's diff)
}

// oldestSync is the id of the file's oldest finished sync, as the Go tool lists them ("" if none).
func oldestSync(t *testing.T, gobin, dir, file string) string {
	oldest := ""
	if r := runTool(t, gobin, dir, "-f", file, "-o", "json", "syncs"); r.ok {
		var s struct {
			Syncs []struct {
				ID      string
				EndedAt time.Time
			}
		}
		var end time.Time
		if err := json.Unmarshal(r.out, &s); err == nil {
			for _, run := range s.Syncs {
				if !run.EndedAt.IsZero() && (oldest == "" || run.EndedAt.Before(end)) {
					oldest, end = run.ID, run.EndedAt
				}
			}
		}
	}
	return oldest
}

// compareTools runs both tools on their own copies of c1z and compares JSON and console output.
func compareTools(t *testing.T, gobin, c1z string) {
	cbin := os.Getenv("BATON_INTEROP_BATON_BIN")
	dir := t.TempDir()
	gf, cf := filepath.Join(dir, "go.c1z"), filepath.Join(dir, "c.c1z")
	copyFile(t, c1z, gf)
	copyFile(t, c1z, cf)

	// A principal with grants, one of its entitlements and that entitlement's resource, from the
	// Go tool's grants.
	principalType, principal, entitlement, resourceType, resource := "", "", "", "", ""
	if r := runTool(t, gobin, dir, "-f", gf, "-o", "json", "grants"); r.ok {
		var g struct {
			Grants []struct {
				Grant struct {
					Entitlement struct {
						ID       string
						Resource struct {
							ID struct{ ResourceType, Resource string }
						}
					}
					Principal struct {
						ID struct{ ResourceType, Resource string }
					}
				}
			}
		}
		if err := json.Unmarshal(r.out, &g); err == nil && len(g.Grants) > 0 {
			principalType = g.Grants[0].Grant.Principal.ID.ResourceType
			principal = g.Grants[0].Grant.Principal.ID.Resource
			entitlement = g.Grants[0].Grant.Entitlement.ID
			resourceType = g.Grants[0].Grant.Entitlement.Resource.ID.ResourceType
			resource = g.Grants[0].Grant.Entitlement.Resource.ID.Resource
		}
	}
	// The oldest finished sync (on the multi-sync files, not the one read by default).
	oldest := oldestSync(t, gobin, dir, gf)

	cases := []batonCase{
		{args: []string{"resource-types"}},
		{args: []string{"resources"}},
		{args: []string{"entitlements"}},
		{args: []string{"grants"}},
		{args: []string{"principals"}},
		{args: []string{"syncs"}},
		{args: []string{"stats"}},
		// Both refuse a file with one finished full sync; on the multi-sync files the buckets are
		// compared as sets (the Go tool fills them from Go maps).
		{args: []string{"diff"}, unordered: true, json: true},
	}
	if resource != "" {
		cases = append(cases,
			batonCase{args: []string{"resources", "-t", resourceType}},
			batonCase{args: []string{"entitlements", "-t", resourceType}},
			batonCase{args: []string{"grants", "-t", resourceType}},
			batonCase{args: []string{"grants", "-t", resourceType, "-r", resource}},
			batonCase{args: []string{"principals", "-t", resourceType, "-r", resource}})
	}
	if oldest != "" {
		for _, c := range []string{"resource-types", "resources", "entitlements", "grants", "principals"} {
			cases = append(cases, batonCase{args: []string{c, "--sync-id", oldest}})
		}
	}
	if principal != "" {
		cases = append(cases,
			batonCase{args: []string{"access", "-t", principalType, "-r", principal}, unordered: true},
			batonCase{args: []string{"principals", "-e", entitlement}},
			batonCase{args: []string{"grants", "-e", entitlement}},
			batonCase{args: []string{"principals", "compare", "-e", entitlement, "--compare-file", "OTHER",
				"--compare-entitlement", entitlement}, unordered: true})
	}
	for _, tc := range cases {
		for _, format := range []string{"json", "console"} {
			name := strings.Join(tc.args, " ") + " -o " + format
			gargs := append([]string{"-f", gf, "-o", format}, tc.args...)
			cargs := append([]string{"-f", cf, "-o", format}, tc.args...)
			for i := range gargs {
				if gargs[i] == "OTHER" {
					gargs[i], cargs[i] = gf, cf
				}
			}
			g := runTool(t, gobin, dir, gargs...)
			c := runTool(t, cbin, dir, cargs...)
			if g.ok != c.ok {
				t.Errorf("%s: Go ok=%v (%s), ours ok=%v (%s)", name, g.ok, g.stderr, c.ok, c.stderr)
				continue
			}
			if !g.ok {
				continue // both refused
			}
			if (format == "json" || tc.json) && !json.Valid(g.out) {
				// The Go tool prints a pterm notice, not JSON, in some cases ("No finished sync
				// found in the c1z" for stats): compare it as text. Ours keeps stdout JSON-only and
				// prints that notice on stderr (a documented difference).
				if d := cmp.Diff(consoleLines(g.out, false), consoleLines(append(c.out, c.stderr...), false)); d != "" {
					t.Errorf("%s: notice differs (-go +ours):\n%.3000s", name, d)
				}
			} else if format == "json" || tc.json {
				gv, cv := parseJSON(t, "go "+name, g.out), parseJSON(t, "ours "+name, c.out)
				if tc.unordered {
					gv, cv = unordered(gv), unordered(cv)
				}
				if d := cmp.Diff(gv, cv); d != "" {
					t.Errorf("%s: JSON differs (-go +ours):\n%.3000s", name, d)
				}
			} else if d := cmp.Diff(consoleLines(g.out, tc.unordered), consoleLines(c.out, tc.unordered)); d != "" {
				t.Errorf("%s: console differs (-go +ours):\n%.3000s", name, d)
			}
		}
	}
	compareWriters(t, gobin, cbin, c1z)
}

// compareWriters: each tool writes from its own copy; the results are compared.
func compareWriters(t *testing.T, gobin, cbin, c1z string) {
	dir := t.TempDir()
	tools := map[string]string{"go": gobin, "c": cbin}
	for name := range tools {
		copyFile(t, c1z, filepath.Join(dir, name+".c1z"))
	}
	run := func(who string, args ...string) toolRun {
		r := runTool(t, tools[who], dir, append([]string{"-f", filepath.Join(dir, who+".c1z")}, args...)...)
		return r
	}
	same := func(what string, g, c toolRun) bool {
		if g.ok != c.ok {
			t.Errorf("%s: Go ok=%v (%s), ours ok=%v (%s)", what, g.ok, g.stderr, c.ok, c.stderr)
			return false
		}
		return g.ok
	}
	goReads := func(what, file string, args ...string) any {
		r := runTool(t, gobin, dir, append([]string{"-f", file, "-o", "json"}, args...)...)
		if !r.ok {
			t.Fatalf("%s: the Go tool cannot read %s: %s", what, file, r.stderr)
		}
		if !json.Valid(r.out) {
			return consoleLines(r.out, false) // a notice ("No finished sync found")
		}
		return parseJSON(t, what, r.out)
	}
	fileBytes := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// dump-db: the same database bytes.
	if same("dump-db", run("go", "dump-db", "--out", filepath.Join(dir, "go.db")),
		run("c", "dump-db", "--out", filepath.Join(dir, "c.db"))) {
		if !bytes.Equal(fileBytes(filepath.Join(dir, "go.db")), fileBytes(filepath.Join(dir, "c.db"))) {
			t.Errorf("dump-db: the databases differ")
		}
	}
	// export csv: the same bytes.
	if same("export csv", run("go", "export", "csv", "--out", filepath.Join(dir, "go.csv")),
		run("c", "export", "csv", "--out", filepath.Join(dir, "c.csv"))) {
		// The Go tool's row order comes from Go maps: the header first, then the rows as a set.
		rows := func(p string) []string {
			l := strings.Split(string(fileBytes(p)), "\n")
			sort.Strings(l[1:])
			return l
		}
		if d := cmp.Diff(rows(filepath.Join(dir, "go.csv")), rows(filepath.Join(dir, "c.csv"))); d != "" {
			t.Errorf("export csv: the files differ (-go +ours):\n%.3000s", d)
		}
	}
	// export xlsx: the cells of Sheet1, read with excelize (the Go tool's library); the header
	// row first, then the rows as a set (their order is random in the Go tool).
	if same("export xlsx", run("go", "export", "xlsx", "--out", filepath.Join(dir, "go.xlsx")),
		run("c", "export", "xlsx", "--out", filepath.Join(dir, "c.xlsx"))) {
		cells := func(p string) []string {
			f, err := excelize.OpenFile(p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			defer f.Close()
			rows, err := f.GetRows("Sheet1")
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			var l []string
			for _, r := range rows {
				l = append(l, strings.Join(r, "\x1f"))
			}
			if len(l) > 1 {
				sort.Strings(l[1:])
			}
			return l
		}
		g, c := cells(filepath.Join(dir, "go.xlsx")), cells(filepath.Join(dir, "c.xlsx"))
		if len(g) < 2 {
			t.Errorf("export xlsx: the Go workbook has %d rows", len(g))
		}
		if d := cmp.Diff(g, c); d != "" {
			t.Errorf("export xlsx: the cells differ (-go +ours):\n%.3000s", d)
		}
	}
	// export c1z: what the Go tool reads from each output; also with --sync-id of the oldest sync.
	oldest := oldestSync(t, gobin, dir, filepath.Join(dir, "go.c1z"))
	exports := [][]string{{}}
	if oldest != "" {
		exports = append(exports, []string{"--sync-id", oldest})
	}
	for i, extra := range exports {
		gout, cout := filepath.Join(dir, fmt.Sprintf("go-latest%d.c1z", i)), filepath.Join(dir, fmt.Sprintf("c-latest%d.c1z", i))
		name := strings.Join(append([]string{"export c1z"}, extra...), " ")
		if !same(name, run("go", append([]string{"export", "c1z", "--out", gout}, extra...)...),
			run("c", append([]string{"export", "c1z", "--out", cout}, extra...)...)) {
			continue
		}
		for _, args := range [][]string{{"syncs"}, {"stats"}, {"resources"}, {"grants"}} {
			what := name + ", then " + args[0]
			if d := cmp.Diff(goReads(what, gout, args...), goReads(what, cout, args...)); d != "" {
				t.Errorf("%s differs (-go +ours):\n%.3000s", what, d)
			}
		}
	}
	// rollback-expansion --dry-run: the same report line (both refuse a sync without the
	// supports_diff marker, as the Go-written test files are).
	for _, args := range [][]string{{"--dry-run"}, {"--dry-run", "--preserve-suspect-grants", "--replay"}} {
		a := append([]string{"rollback-expansion"}, args...)
		what := strings.Join(a, " ")
		g, c := run("go", a...), run("c", a...)
		if same(what, g, c) {
			if d := cmp.Diff(consoleLines(g.out, false), consoleLines(c.out, false)); d != "" {
				t.Errorf("%s differs (-go +ours):\n%s", what, d)
			}
		}
	}
	// rollback-expansion --out: a new file (the input is not modified); the same report line, the
	// output's path aside, the same notices on stderr (the Go tool's log lines aside), and the same
	// rows as the Go tool reads them back. After --replay the grants are compared as a set: each
	// expander appends the grants it derives in its own order.
	notices := func(stderr string) []string {
		var l []string
		for _, line := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(line, "warning:") || strings.HasPrefix(line, "validation:") {
				l = append(l, line)
			}
		}
		return l
	}
	rollbacks := [][]string{{}, {"--preserve-suspect-grants"}, {"--replay"},
		{"--replay", "--preserve-suspect-grants"}, {"--replay", "--validate"}}
	for i, args := range rollbacks {
		gout := filepath.Join(dir, fmt.Sprintf("go-rolled%d.c1z", i))
		cout := filepath.Join(dir, fmt.Sprintf("c-rolled%d.c1z", i))
		what := strings.Join(append([]string{"rollback-expansion --out"}, args...), " ")
		g := run("go", append([]string{"rollback-expansion", "--out", gout}, args...)...)
		c := run("c", append([]string{"rollback-expansion", "--out", cout}, args...)...)
		if !same(what, g, c) {
			continue
		}
		if d := cmp.Diff(strings.ReplaceAll(string(g.out), gout, "OUT"),
			strings.ReplaceAll(string(c.out), cout, "OUT")); d != "" {
			t.Errorf("%s: report differs (-go +ours):\n%s", what, d)
		}
		if d := cmp.Diff(notices(g.stderr), notices(c.stderr)); d != "" {
			t.Errorf("%s: notices differ (-go +ours):\n%s", what, d)
		}
		replay := len(args) > 0 && args[0] == "--replay"
		for _, read := range [][]string{{"syncs"}, {"stats"}, {"resources"}, {"grants"}} {
			w := what + ", then " + read[0]
			gv, cv := goReads(w, gout, read...), goReads(w, cout, read...)
			if replay && read[0] == "grants" {
				gv, cv = unordered(gv), unordered(cv)
			}
			if d := cmp.Diff(gv, cv); d != "" {
				t.Errorf("%s differs (-go +ours):\n%.3000s", w, d)
			}
		}
	}
	// Our `expand` and Go's rollback-expansion: our expansion of the sync Go rolled back is
	// marked as Go's syncer marks it (supports_diff), so the Go tool rolls it back, with the
	// report it gives for its own replay; the grants are those of Go's replay (as a set). And our
	// `expand` leaves Go's replayed (expanded) output alone.
	if rolled, replayed := filepath.Join(dir, "go-rolled0.c1z"), filepath.Join(dir, "go-rolled2.c1z"); fileExists(rolled) && fileExists(replayed) {
		ours := filepath.Join(dir, "c-expanded.c1z")
		copyFile(t, rolled, ours)
		if r := runTool(t, cbin, dir, "-f", ours, "expand"); !r.ok {
			t.Errorf("expand of Go's rolled-back file: %s", r.stderr)
		} else {
			g := runTool(t, gobin, dir, "-f", replayed, "rollback-expansion", "--dry-run")
			c := runTool(t, gobin, dir, "-f", ours, "rollback-expansion", "--dry-run")
			if !g.ok || !c.ok {
				t.Errorf("Go's rollback-expansion --dry-run: on Go's replay ok=%v (%s), on our expansion ok=%v (%s)",
					g.ok, g.stderr, c.ok, c.stderr)
			} else if d := cmp.Diff(string(g.out), string(c.out)); d != "" {
				t.Errorf("Go's rollback-expansion --dry-run on our expansion differs (-go replay +ours):\n%s", d)
			}
			if d := cmp.Diff(unordered(goReads("replayed grants", replayed, "grants")),
				unordered(goReads("our expansion's grants", ours, "grants"))); d != "" {
				t.Errorf("grants of our expansion of Go's rollback differ from Go's replay (-go +ours):\n%.3000s", d)
			}
		}
		again := filepath.Join(dir, "go-replayed-expand.c1z")
		copyFile(t, replayed, again)
		if r := runTool(t, cbin, dir, "-f", again, "expand"); !r.ok || !strings.Contains(string(r.out), "expanded already") {
			t.Errorf("expand of Go's replayed output: ok=%v %s%s", r.ok, r.out, r.stderr)
		} else if !bytes.Equal(fileBytes(replayed), fileBytes(again)) {
			t.Errorf("expand of Go's replayed (expanded) output rewrote it")
		}
	}
	// recalculate-stats (of the oldest sync, then of all), then optimize, in place: what the Go
	// tool reads back.
	inPlace := [][]string{{"recalculate-stats"}, {"optimize"}}
	if oldest != "" {
		inPlace = append([][]string{{"recalculate-stats", "--sync-id", oldest}}, inPlace...)
	}
	for _, args := range inPlace {
		if !same(args[0], run("go", args...), run("c", args...)) {
			continue
		}
		for _, read := range [][]string{{"stats"}, {"syncs"}, {"grants"}} {
			what := args[0] + ", then " + read[0]
			if d := cmp.Diff(goReads(what, filepath.Join(dir, "go.c1z"), read...),
				goReads(what, filepath.Join(dir, "c.c1z"), read...)); d != "" {
				t.Errorf("%s differs (-go +ours):\n%.3000s", what, d)
			}
		}
	}
}

// startExplorer runs `bin -f file explorer` on a free loopback port until the test ends; it
// returns the base URL once /api/resourceTypes answers. The Go tool runs xdg-open on start: PATH
// begins with a directory whose xdg-open does nothing.
func startExplorer(t *testing.T, bin, file, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	fake := filepath.Join(dir, "fakebin")
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "xdg-open"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", file, "explorer", "-p", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + fake + ":" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(base + "/api/resourceTypes"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatalf("%s explorer did not answer on %s:\n%s", bin, base, logs.String())
	return ""
}

// dropKey removes `key` from every object, at every depth.
func dropKey(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if k != key {
				m[k] = dropKey(e, key)
			}
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = dropKey(e, key)
		}
		return l
	}
	return v
}

// compareExplorers runs both tools' explorer on copies of c1z and compares the JSON of the Go
// explorer's endpoints: the same answers, except that `grants` and `access` are compared as sets
// (Go groups through a map), and our additions are left out: `how` in `access`, `parent` in
// /api/:type/:id.
func compareExplorers(t *testing.T, gobin, c1z string) {
	cbin := os.Getenv("BATON_INTEROP_BATON_BIN")
	dir := t.TempDir()
	gf, cf := filepath.Join(dir, "go.c1z"), filepath.Join(dir, "c.c1z")
	copyFile(t, c1z, gf)
	copyFile(t, c1z, cf)
	gbase, cbase := startExplorer(t, gobin, gf, dir), startExplorer(t, cbin, cf, dir)
	get := func(base, path string) (int, any) {
		r, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s%s: %v", base, path, err)
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("GET %s%s: not JSON (%v): %.300s", base, path, err, b)
		}
		return r.StatusCode, v
	}
	// A principal with grants, the resource of one of its entitlements, and the resource types,
	// from the Go tool's grants.
	var g struct {
		Grants []struct {
			Grant struct {
				Entitlement struct {
					Resource struct {
						ID struct{ ResourceType, Resource string }
					}
				}
				Principal struct {
					ID struct{ ResourceType, Resource string }
				}
			}
		}
	}
	r := runTool(t, gobin, dir, "-f", gf, "-o", "json", "grants")
	if !r.ok || json.Unmarshal(r.out, &g) != nil || len(g.Grants) == 0 {
		t.Fatalf("the Go tool lists no grants: %s", r.stderr)
	}
	first := g.Grants[0].Grant
	// /api/:type/:id answers (ours add the parent resource, a documented addition).
	details := map[string]bool{
		"/api/" + url.PathEscape(first.Principal.ID.ResourceType) + "/" + url.PathEscape(first.Principal.ID.Resource):                       true,
		"/api/" + url.PathEscape(first.Entitlement.Resource.ID.ResourceType) + "/" + url.PathEscape(first.Entitlement.Resource.ID.Resource): true,
	}
	paths := []string{"/api/resourceTypes", "/api/entitlements",
		"/api/resources?resource_type_id=" + url.QueryEscape(first.Principal.ID.ResourceType),
		"/api/resources?resource_type_id=" + url.QueryEscape(first.Entitlement.Resource.ID.ResourceType),
		"/api/" + url.PathEscape(first.Principal.ID.ResourceType) + "/" + url.PathEscape(first.Principal.ID.Resource),
		"/api/" + url.PathEscape(first.Entitlement.Resource.ID.ResourceType) + "/" + url.PathEscape(first.Entitlement.Resource.ID.Resource),
		"/api/principals/" + url.PathEscape(first.Entitlement.Resource.ID.ResourceType),
		"/api/grants/" + url.PathEscape(first.Entitlement.Resource.ID.ResourceType) + "/" + url.PathEscape(first.Entitlement.Resource.ID.Resource),
		"/api/access/" + url.PathEscape(first.Principal.ID.ResourceType) + "/" + url.PathEscape(first.Principal.ID.Resource),
	}
	for _, p := range paths {
		gs, gv := get(gbase, p)
		cs, cv := get(cbase, p)
		if gs != cs {
			t.Errorf("GET %s: Go status %d, ours %d", p, gs, cs)
			continue
		}
		if strings.HasPrefix(p, "/api/grants/") || strings.HasPrefix(p, "/api/access/") {
			gv, cv = unordered(gv), unordered(dropKey(cv, "how"))
		}
		if data, ok := cv.(map[string]any)["data"].(map[string]any); ok && details[p] {
			delete(data, "parent")
		}
		if d := cmp.Diff(gv, cv); d != "" {
			t.Errorf("GET %s: JSON differs (-go +ours):\n%.3000s", p, d)
		}
	}
}

// compareExpandMarker: a sync written with the Go SDK's store (not its syncer), finished, with an
// expandable grant and no supports_diff marker. Both tools' rollback-expansion refuse it (nothing
// was expanded); our `expand` expands it and marks it as Go's syncer marks an expanded sync, so
// the Go tool's rollback-expansion then accepts it, with the report ours gives; and our `expand`
// run again leaves the file as it is.
func compareExpandMarker(t *testing.T, gobin string) {
	cbin := os.Getenv("BATON_INTEROP_BATON_BIN")
	dir := t.TempDir()
	path := filepath.Join(dir, "go-expandable.c1z")
	ctx := context.Background()
	f := openGo(t, path, false)
	if _, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, ""); err != nil {
		t.Fatal(err)
	}
	ops := must(resource.NewGroupResource("Operations", rtGroup(), "ops", nil))
	bob := must(resource.NewUserResource("Bob", rtUser(), "bob", nil))
	if err := f.PutResourceTypes(ctx, rtUser(), rtGroup()); err != nil {
		t.Fatal(err)
	}
	if err := f.PutResources(ctx, groupEng(), ops, bob); err != nil {
		t.Fatal(err)
	}
	if err := f.PutEntitlements(ctx, entAssignment(), entitlement.NewAssignmentEntitlement(ops, "member")); err != nil {
		t.Fatal(err)
	}
	// bob is in ops; ops (the group) is a member of eng, and so are its members.
	if err := f.PutGrants(ctx, grant.NewGrant(ops, "member", bob.GetId()),
		grant.NewGrant(groupEng(), "member", ops.GetId(),
			grant.WithAnnotation(&v2.GrantExpandable{EntitlementIds: []string{"group:ops:member"}}))); err != nil {
		t.Fatal(err)
	}
	if err := f.EndSync(ctx); err != nil {
		t.Fatal(err)
	}
	closeGo(t, f)

	for who, bin := range map[string]string{"go": gobin, "ours": cbin} {
		if r := runTool(t, bin, dir, "-f", path, "rollback-expansion", "--dry-run"); r.ok ||
			!strings.Contains(r.stderr, "no supports_diff marker") {
			t.Errorf("%s rollback-expansion before expand: ok=%v %s", who, r.ok, r.stderr)
		}
	}
	if r := runTool(t, cbin, dir, "-f", path, "-o", "json", "expand"); !r.ok ||
		!strings.Contains(string(r.out), `"grantsCreated":"1"`) {
		t.Fatalf("expand: ok=%v %s%s", r.ok, r.out, r.stderr)
	}
	g := runTool(t, gobin, dir, "-f", path, "rollback-expansion", "--dry-run")
	c := runTool(t, cbin, dir, "-f", path, "rollback-expansion", "--dry-run")
	if !g.ok || !c.ok {
		t.Fatalf("rollback-expansion after our expand: Go ok=%v (%s), ours ok=%v (%s)", g.ok, g.stderr, c.ok, c.stderr)
	}
	if !strings.Contains(string(g.out), "would delete 1 expansion-derived grant(s)") {
		t.Errorf("Go's rollback-expansion after our expand: %s", g.out)
	}
	if d := cmp.Diff(string(g.out), string(c.out)); d != "" {
		t.Errorf("rollback-expansion --dry-run after our expand differs (-go +ours):\n%s", d)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := runTool(t, cbin, dir, "-f", path, "expand"); !r.ok || !strings.Contains(string(r.out), "expanded already") {
		t.Errorf("expand again: ok=%v %s%s", r.ok, r.out, r.stderr)
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(before, after) {
		t.Errorf("expand again rewrote the file (%v)", err)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// multiSyncFiles writes, into dir, files holding more than one finished full sync (for `diff`):
// three syncs written with the Go SDK (users renamed, added and removed, memberships changed), and,
// with BATON_INTEROP_DEMO_BIN, two syncs of baton-demo with different companies (seed 1 then
// seed 2 with fewer users) and two of the same company (nothing changed).
func multiSyncFiles(t *testing.T, dir string) map[string]string {
	files := map[string]string{}
	gp := filepath.Join(dir, "go-three-syncs.c1z")
	f := openGo(t, gp, false)
	putSnapshot(t, f, map[string]string{"alice": "Alice", "bob": "Bob"}, []string{"alice", "bob"}, "")
	time.Sleep(20 * time.Millisecond)
	putSnapshot(t, f, map[string]string{"alice": "Alice", "bob": "Bob", "carol": "Carol"}, []string{"alice"}, "")
	time.Sleep(20 * time.Millisecond)
	putSnapshot(t, f, map[string]string{"alice": "Alice Renamed", "carol": "Carol", "dave": "Dave"},
		[]string{"carol", "dave"}, "project")
	closeGo(t, f)
	files["go-three-syncs"] = gp
	shuffled := filepath.Join(dir, "go-three-syncs-shuffled.c1z")
	shuffleSyncs(t, gp, shuffled)
	files["go-three-syncs-shuffled"] = shuffled

	demo := os.Getenv("BATON_INTEROP_DEMO_BIN")
	if demo == "" {
		return files
	}
	sync := func(path string, args ...string) {
		cmd := exec.Command(demo, append([]string{"-f", path, "--log-level", "error"}, args...)...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("baton-demo %v: %v\n%s", args, err, out)
		}
	}
	two := filepath.Join(dir, "demo-two-syncs.c1z")
	sync(two)
	sync(two, "--seed", "2", "--users", "40")
	files["demo-two-syncs"] = two
	same := filepath.Join(dir, "demo-same-twice.c1z")
	sync(same)
	sync(same)
	files["demo-same-twice"] = same
	return files
}

// shuffleSyncs copies a c1z of three syncs to dst with the syncs renamed and re-timed so that
// their row order (the order `syncs` lists), start order, end order and id order all differ:
// row 1 is Z (second to start, first to end), row 2 is A (last to start and to end), row 3 is M
// (first to start, second to end). Every command then reads the sync the two tools pick.
func shuffleSyncs(t *testing.T, src, dst string) {
	t.Helper()
	dbPath := decompressC1Z(t, src, t.TempDir())
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	do := func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var ids []string
	rows, err := db.Query("SELECT sync_id FROM v1_sync_runs ORDER BY id")
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
	if len(ids) != 3 {
		t.Fatalf("%s: %d syncs, want 3", src, len(ids))
	}
	newIDs := []string{"3zzzzzzzzzzzzzzzzzzzzzzzzzz", "3aaaaaaaaaaaaaaaaaaaaaaaaaa", "3mmmmmmmmmmmmmmmmmmmmmmmmmm"}
	starts := []string{"2026-01-01 02:00:00", "2026-01-01 03:00:00", "2026-01-01 01:00:00"}
	ends := []string{"2026-01-01 02:10:00", "2026-01-01 05:00:00", "2026-01-01 04:00:00"}
	var tables []string
	trs, err := db.Query("SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c " +
		"WHERE m.type = 'table' AND c.name = 'sync_id'")
	if err != nil {
		t.Fatal(err)
	}
	for trs.Next() {
		var n string
		if err := trs.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	trs.Close()
	for i, old := range ids {
		for _, tb := range tables {
			do("UPDATE "+tb+" SET sync_id = ? WHERE sync_id = ?", newIDs[i], old)
		}
		do("UPDATE v1_sync_runs SET parent_sync_id = ? WHERE parent_sync_id = ?", newIDs[i], old)
		do("UPDATE v1_sync_runs SET started_at = ?, ended_at = ? WHERE sync_id = ?", starts[i], ends[i], newIDs[i])
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte("C1ZF\x00"), enc.EncodeAll(raw, nil)...)
	enc.Close()
	if err := os.WriteFile(dst, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBatonToolMatchesGo(t *testing.T) {
	if os.Getenv("BATON_INTEROP_BATON_BIN") == "" {
		t.Skip("BATON_INTEROP_BATON_BIN is not set")
	}
	files := map[string]string{}
	for _, name := range []string{"expansion-small.expanded.c1z", "expansion-small.unexpanded.c1z"} {
		p := filepath.Join("..", "data", "c1z", name)
		if _, err := os.Stat(p); err == nil {
			files[name] = p
		}
	}
	if p := os.Getenv("BATON_INTEROP_DEMO_C1Z"); p != "" {
		files["demo"] = p
	}
	for n, p := range multiSyncFiles(t, t.TempDir()) {
		files[n] = p
	}
	gobin := buildGoBaton(t, t.TempDir())
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) { compareTools(t, gobin, files[n]) })
	}
	t.Run("expand-marker", func(t *testing.T) { compareExpandMarker(t, gobin) })
	// The explorers' JSON API, on the files of one sync.
	for _, n := range []string{"demo", "expansion-small.expanded.c1z"} {
		if p, ok := files[n]; ok {
			t.Run("explorer/"+n, func(t *testing.T) { compareExplorers(t, gobin, p) })
		}
	}
}
