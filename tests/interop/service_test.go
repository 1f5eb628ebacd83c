// Service mode (`--client-id … --client-secret …`) checked against a fake ConductorOne.
//
// fakec1 (./fakec1) serves the token endpoint and the BatonService over TLS and plays
// testdata/service-script.json: every task type, an unsupported one, a task cancelled through
// its heartbeat, access tokens that expire every few seconds (12 s lifetime), and UNAVAILABLE
// answers (the first Hello, the first two GetTask, the first FinishTask — the platform then
// re-issues that task when its lease runs out). It records what the client sends.
//
// TestServiceGoSDK runs the Go SDK itself (./godemo: a connector built with the upstream module,
// replaying the company baton-demo wrote to BATON_INTEROP_DEMO_C1Z, or an empty one) against it:
// this checks the fake against the SDK it imitates, and its recording (under
// $BATON_INTEROP_DIR/service-go when set) is the expected output for the C daemon.
//
// TestServiceC runs the C daemon (BATON_SERVICE_C_BIN, e.g. build/bin/baton-demo; skipped when
// unset, or when the program says service mode is not supported) against the same script and
// compares its recording with the Go SDK's: FinishTask results as protojson (task ids compared,
// timestamps and host ids ignored; per task as the script's "compare" says: "exact" is the whole
// result and status message, "issued" the same with the ciphertexts masked), every row of each
// uploaded c1z (read with the Go SDK's dotc1z reader), and the fault cases: the daemon killed
// in a sync and restarted (the platform re-issues the task; the upload equals an uninterrupted
// run's), a token endpoint answering 401 (the daemon exits with a clear error and asks for few
// tokens), and a CA it does not trust (a clear TLS error).
package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

const serviceScript = "testdata/service-script.json"

// ---- building and running ----

var (
	toolsOnce sync.Once
	toolsDir  string
	toolsErr  error
)

// serviceTools builds fakec1 and godemo once per test binary.
func serviceTools(t *testing.T) (fake, godemo string) {
	t.Helper()
	toolsOnce.Do(func() {
		toolsDir, toolsErr = os.MkdirTemp("", "interop-service-")
		if toolsErr != nil {
			return
		}
		for _, p := range []string{"fakec1", "godemo"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(toolsDir, p), "./"+p).CombinedOutput()
			if err != nil {
				toolsErr = fmt.Errorf("go build ./%s: %v\n%s", p, err, out)
				return
			}
		}
	})
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
	return filepath.Join(toolsDir, "fakec1"), filepath.Join(toolsDir, "godemo")
}

type readyInfo struct {
	Host         string `json:"host"`
	CAFile       string `json:"ca_file"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

type fakeRun struct {
	out   string
	ready readyInfo
	cmd   *exec.Cmd
	done  chan struct{}
	err   error
	log   bytes.Buffer
}

// startFake starts fakec1 on a script and waits until it is listening.
func startFake(t *testing.T, bin, script, out string, extra ...string) *fakeRun {
	t.Helper()
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	f := &fakeRun{out: out, done: make(chan struct{})}
	f.cmd = exec.Command(bin, append([]string{"--script", script, "--out", out}, extra...)...)
	f.cmd.Stdout = &f.log
	f.cmd.Stderr = &f.log
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { f.err = f.cmd.Wait(); close(f.done) }()
	t.Cleanup(func() {
		select {
		case <-f.done:
		default:
			_ = f.cmd.Process.Kill()
			<-f.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(out, "ready.json"))
		if err == nil {
			if err := json.Unmarshal(b, &f.ready); err != nil {
				t.Fatalf("ready.json: %v", err)
			}
			return f
		}
		select {
		case <-f.done:
			t.Fatalf("fakec1 exited before it was ready: %v\n%s", f.err, f.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakec1 not ready after 30s\n%s", f.log.String())
		}
	}
}

// wait waits for fakec1 to end (it ends by itself when the script is done, or at its timeout).
func (f *fakeRun) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-f.done:
		return f.err
	case <-time.After(limit):
		_ = f.cmd.Process.Kill()
		<-f.done
		return fmt.Errorf("fakec1 still running after %s", limit)
	}
}

type client struct {
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
	stderr bytes.Buffer
}

// clientEnv is a clean environment pointing a client at the fake, trusting caFile.
func clientEnv(host, caFile string, extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"BATON_C1_API_HOST=" + host, "SSL_CERT_FILE=" + caFile, "BATON_HOST_ID=interop-host"}
	return append(env, extra...)
}

func startClient(t *testing.T, dir string, env []string, bin string, args ...string) *client {
	t.Helper()
	c := &client{done: make(chan struct{})}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Dir = dir
	c.cmd.Env = env
	c.cmd.Stdout = &c.stderr
	c.cmd.Stderr = &c.stderr
	// Its own process group: a client that forks (the Go SDK runs the connector in a child) is
	// stopped whole, and a kill hook that signals its group reaches no further.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { c.stop() })
	return c
}

func (c *client) stop() {
	pgid := c.cmd.Process.Pid
	select {
	case <-c.done:
	default:
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-c.done
		}
	}
	// Whatever is left of its group (a child outliving its parent) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func (c *client) exited(limit time.Duration) bool {
	select {
	case <-c.done:
		return true
	case <-time.After(limit):
		return false
	}
}

// ---- the recording ----

type scriptEntry struct {
	Name    string          `json:"name"`
	Compare string          `json:"compare"`
	Task    json.RawMessage `json:"task"`
}

func loadScriptEntries(t *testing.T, path string) []scriptEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Tasks []scriptEntry `json:"tasks"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s.Tasks
}

type taskSummary struct {
	ID         string   `json:"id"`
	Type       string   `json:"type"`
	HandedOut  int      `json:"handed_out"`
	Heartbeats int      `json:"heartbeats"`
	Cancelled  bool     `json:"cancelled"`
	Finishes   int      `json:"finishes"`
	Hellos     int      `json:"hellos"`
	Code       string   `json:"code"`
	Message    string   `json:"message"`
	Uploads    []string `json:"uploads"`
	Done       bool     `json:"done"`
}

type recording struct {
	dir     string
	Summary struct {
		OK              bool           `json:"ok"`
		Error           string         `json:"error"`
		Tasks           []taskSummary  `json:"tasks"`
		Calls           map[string]int `json:"calls"`
		TokenRequests   int            `json:"token_requests"`
		TokenFailures   int            `json:"token_failures"`
		TokensIssued    int            `json:"tokens_issued"`
		Unauthenticated int            `json:"unauthenticated"`
		UnavailableSent int            `json:"unavailable_sent"`
	}
	tasks map[string]taskSummary
}

func loadRecording(t *testing.T, dir string) *recording {
	t.Helper()
	r := &recording{dir: dir, tasks: map[string]taskSummary{}}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("no summary in %s: %v", dir, err)
	}
	if err := json.Unmarshal(b, &r.Summary); err != nil {
		t.Fatal(err)
	}
	for _, ts := range r.Summary.Tasks {
		r.tasks[ts.ID] = ts
	}
	return r
}

func (r *recording) finish(t *testing.T, id string) *v1.BatonServiceFinishTaskRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, "finish", id+".json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	m := &v1.BatonServiceFinishTaskRequest{}
	if err := protojson.Unmarshal(b, m); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return m
}

func (r *recording) helloReply(t *testing.T, id string) *v1.BatonServiceHelloRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, "finish", id+".hello.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	m := &v1.BatonServiceHelloRequest{}
	if err := protojson.Unmarshal(b, m); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return m
}

// lastUpload is the c1z of the task's last successful upload ("" when none).
func (r *recording) lastUpload(id string) string {
	u := r.tasks[id].Uploads
	if len(u) == 0 {
		return ""
	}
	return filepath.Join(r.dir, u[len(u)-1])
}

func (r *recording) events(t *testing.T) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(r.dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("events.jsonl: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// ---- normalising FinishTask results ----

var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// normJSON drops what may differ between two correct runs: timestamps (any RFC 3339 string) and
// the host id; everything else, ids included, stays.
func normJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if k == "hostId" {
				continue
			}
			out[k] = normJSON(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normJSON(x[i])
		}
		return out
	case string:
		if rfc3339.MatchString(x) {
			return "<timestamp>"
		}
		return x
	default:
		return v
	}
}

func normProto(t *testing.T, m proto.Message) any {
	t.Helper()
	if m == nil || !m.ProtoReflect().IsValid() {
		return nil
	}
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return normJSON(v)
}

func jsonText(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// outcome is "success", "error <code>", "cancelled" or "none".
func outcome(ts taskSummary, fin *v1.BatonServiceFinishTaskRequest) string {
	switch {
	case fin != nil && fin.GetSuccess() != nil:
		return "success"
	case fin != nil:
		return "error " + ts.Code
	case ts.Hellos > 0:
		return "success (hello)"
	case ts.Cancelled:
		return "cancelled"
	default:
		return "none"
	}
}

// ---- c1z rows ----

type c1zRows struct {
	syncType string
	rows     map[string]map[string]proto.Message // table -> id -> row
}

// readC1Z lists every row of a c1z's latest finished sync with the Go SDK's reader.
func readC1Z(t *testing.T, path string) *c1zRows {
	t.Helper()
	ctx := context.Background()
	// NewStore picks the engine from the file: the Go SDK uploads its own syncs in the v3
	// (pebble) format, libbaton writes v1 (SQLite).
	f, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatalf("the Go SDK cannot open %s: %v", path, err)
	}
	defer f.Close(ctx)
	out := &c1zRows{rows: map[string]map[string]proto.Message{}}
	for _, st := range []connectorstore.SyncType{connectorstore.SyncTypeFull, connectorstore.SyncTypePartial,
		connectorstore.SyncTypeResourcesOnly} {
		r, err := f.GetLatestFinishedSync(ctx, reader_v2.SyncsReaderServiceGetLatestFinishedSyncRequest_builder{SyncType: string(st)}.Build())
		if err != nil {
			t.Fatalf("%s: GetLatestFinishedSync(%s): %v", path, st, err)
		}
		if r.GetSync().GetId() != "" {
			if out.syncType != "" {
				t.Errorf("%s: more than one finished sync (%s and %s)", path, out.syncType, st)
			}
			out.syncType = r.GetSync().GetSyncType()
		}
	}
	if out.syncType == "" {
		t.Fatalf("%s: no finished sync", path)
	}
	add := func(table, id string, m proto.Message) {
		if out.rows[table] == nil {
			out.rows[table] = map[string]proto.Message{}
		}
		if _, dup := out.rows[table][id]; dup {
			t.Errorf("%s: %s %s listed twice", path, table, id)
		}
		out.rows[table][id] = m
	}
	for _, m := range listAll(t, "resource types", func(tok string) ([]*v2.ResourceType, string, error) {
		r, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageSize: 100, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		add("resource_types", m.GetId(), m)
	}
	for _, m := range listAll(t, "resources", func(tok string) ([]*v2.Resource, string, error) {
		r, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageSize: 100, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		add("resources", demoRID(m.GetId()), m)
	}
	for _, m := range listAll(t, "entitlements", func(tok string) ([]*v2.Entitlement, string, error) {
		r, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageSize: 100, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		add("entitlements", m.GetId(), m)
	}
	// The GrantExpandable annotations are kept in a side column; list them too when the store can.
	listGrants := f.ListGrants
	if ex, ok := f.(connectorstore.ExpansionGrantLister); ok {
		listGrants = ex.ListGrantsWithExpansion
	} else {
		t.Errorf("%s: the store cannot list grants with their expansion", path)
	}
	for _, m := range listAll(t, "grants", func(tok string) ([]*v2.Grant, string, error) {
		r, err := listGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageSize: 100, PageToken: tok}.Build())
		return r.GetList(), r.GetNextPageToken(), err
	}) {
		add("grants", m.GetId(), m)
	}
	return out
}

// diffList collects differences, so the comparison itself can be tested (TestServiceCompareDetects).
type diffList []string

func (d *diffList) add(format string, args ...any) { *d = append(*d, fmt.Sprintf(format, args...)) }

func report(t *testing.T, d diffList) {
	t.Helper()
	for _, s := range d {
		t.Error(s)
	}
}

// compareC1Z reports every row that is missing, extra or different in got.
func compareC1Z(t *testing.T, what, wantPath, gotPath string) {
	t.Helper()
	report(t, c1zDiffs(t, what, wantPath, gotPath))
}

func c1zDiffs(t *testing.T, what, wantPath, gotPath string) diffList {
	t.Helper()
	var d diffList
	want, got := readC1Z(t, wantPath), readC1Z(t, gotPath)
	if want.syncType != got.syncType {
		d.add("%s: sync type %q, want %q", what, got.syncType, want.syncType)
	}
	for _, table := range []string{"resource_types", "resources", "entitlements", "grants"} {
		w, g := want.rows[table], got.rows[table]
		if len(w) != len(g) {
			d.add("%s: %d %s, want %d", what, len(g), table, len(w))
		}
		var ids []string
		for id := range w {
			ids = append(ids, id)
		}
		for id := range g {
			if _, ok := w[id]; !ok {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		shown := 0
		for _, id := range ids {
			wm, gm := w[id], g[id]
			var msg string
			switch {
			case gm == nil:
				msg = "missing"
			case wm == nil:
				msg = "extra:\n" + protojson.Format(gm)
			case !proto.Equal(wm, gm):
				msg = fmt.Sprintf("differs:\n got %s\nwant %s", protojson.Format(gm), protojson.Format(wm))
			default:
				continue
			}
			if shown++; shown <= 5 {
				d.add("%s: %s %s %s", what, table, id, msg)
			}
		}
		if shown > 5 {
			d.add("%s: %s: %d rows differ in all", what, table, shown)
		}
	}
	return d
}

// ---- comparing two recordings ----

// metadataSansCapabilities is the connector metadata a Hello carries, without the capabilities:
// godemo's are those of a replaying connector (TestCLICapabilitiesMatchGo compares the demo's with
// democonn's instead).
func metadataSansCapabilities(t *testing.T, h *v1.BatonServiceHelloRequest) any {
	t.Helper()
	m := proto.Clone(h.GetConnectorMetadata()).(*v2.ConnectorMetadata)
	m.ClearCapabilities()
	return normProto(t, m)
}

// compareRecordings checks got (the C daemon's) against want (the Go SDK's), task by task.
func compareRecordings(t *testing.T, script []scriptEntry, want, got *recording) {
	t.Helper()
	report(t, recordingDiffs(t, script, want, got))
}

func recordingDiffs(t *testing.T, script []scriptEntry, want, got *recording) diffList {
	t.Helper()
	var d diffList
	for _, e := range script {
		id := e.Name
		wt, gt := want.tasks[id], got.tasks[id]
		if !gt.Done {
			d.add("%s: not done (handed out %d times, %d finishes)", id, gt.HandedOut, gt.Finishes)
			continue
		}
		wf, gf := want.finish(t, id), got.finish(t, id)
		wo, gout := outcome(wt, wf), outcome(gt, gf)
		switch e.Compare {
		case "cancelled":
			if !gt.Cancelled {
				d.add("%s: the cancellation was never sent (heartbeats %d)", id, gt.Heartbeats)
			}
			if gf != nil && gf.GetSuccess() != nil {
				d.add("%s: cancelled, yet finished successfully", id)
			}
			continue
		case "finished":
			if gf == nil {
				d.add("%s: no FinishTask", id)
			}
			if wo != gout {
				t.Logf("%s: outcome %s (the Go SDK's replaying connector: %s; not compared)", id, gout, wo)
				continue
			}
			// the same failure on both sides: it must read the same
			d = append(d, failureDiffs(t, id, wf, gf)...)
			continue
		}
		if wo != gout {
			d.add("%s: outcome %s, want %s (%s)", id, gout, wo, gt.Message)
			continue
		}
		// every failure, whatever the entry's compare: Go's status code, message (a handler's
		// "rpc error: code = … desc = …" joined with "task failed and is non-retryable", its own
		// "malformed … task"), details, non_retryable and annotations
		d = append(d, failureDiffs(t, id, wf, gf)...)
		if e.Compare != "exact" && e.Compare != "issued" {
			continue
		}
		if wh := want.helloReply(t, id); wh != nil {
			gh := got.helloReply(t, id)
			if gh == nil {
				d.add("%s: no Hello naming the task", id)
			} else if wm, gm := metadataSansCapabilities(t, wh), metadataSansCapabilities(t, gh); !reflect.DeepEqual(wm, gm) {
				d.add("%s: connector metadata differs:\n got %s\nwant %s", id, jsonText(gm), jsonText(wm))
			}
		}
		if wf != nil {
			wn := map[string]any{"success": normProto(t, wf.GetSuccess()), "error": normProto(t, wf.GetError()),
				"code": wf.GetStatus().GetCode()}
			gn := map[string]any{"success": normProto(t, gf.GetSuccess()), "error": normProto(t, gf.GetError()),
				"code": gf.GetStatus().GetCode()}
			if e.Compare == "issued" {
				// Secrets are encrypted with fresh randomness: the ciphertexts differ, everything
				// else (provider, key ids, names, the secret resource, the mode) must not.
				for _, side := range []struct {
					who string
					v   map[string]any
				}{{"got", gn}, {"want", wn}} {
					if n := maskCiphertexts(side.v); n == 0 {
						d.add("%s: %s has no encrypted secret", id, side.who)
					}
				}
			}
			if !reflect.DeepEqual(wn, gn) {
				d.add("%s: FinishTask differs:\n got %s\nwant %s", id, jsonText(gn), jsonText(wn))
			}
		}
		if wu := want.lastUpload(id); wu != "" {
			gu := got.lastUpload(id)
			if gu == "" {
				d.add("%s: no upload", id)
				continue
			}
			d = append(d, c1zDiffs(t, id, wu, gu)...)
		}
	}
	return d
}

// failureDiffs compares two failed FinishTask requests field by field: the status (code, message,
// details) and the Error part (non_retryable, annotations). Nothing when want did not fail.
func failureDiffs(t *testing.T, id string, want, got *v1.BatonServiceFinishTaskRequest) diffList {
	t.Helper()
	var d diffList
	if want == nil || want.GetSuccess() != nil {
		return d
	}
	if got == nil || got.GetSuccess() != nil {
		d.add("%s: finished without an error, want %s", id, want.GetStatus().GetMessage())
		return d
	}
	ws, gs := want.GetStatus(), got.GetStatus()
	if ws.GetCode() != gs.GetCode() {
		d.add("%s: status code %d, want %d", id, gs.GetCode(), ws.GetCode())
	}
	if ws.GetMessage() != gs.GetMessage() {
		d.add("%s: status message %q, want %q", id, gs.GetMessage(), ws.GetMessage())
	}
	if wd, gd := statusDetails(t, ws), statusDetails(t, gs); !reflect.DeepEqual(wd, gd) {
		d.add("%s: status details %s, want %s", id, jsonText(gd), jsonText(wd))
	}
	if w, g := want.GetError().GetNonRetryable(), got.GetError().GetNonRetryable(); w != g {
		d.add("%s: non_retryable %v, want %v", id, g, w)
	}
	if wa, ga := normProto(t, want.GetError()), normProto(t, got.GetError()); !reflect.DeepEqual(wa, ga) {
		d.add("%s: FinishTask error %s, want %s", id, jsonText(ga), jsonText(wa))
	}
	return d
}

// statusDetails is a google.rpc.Status without its code and message (its details), normalised.
func statusDetails(t *testing.T, st proto.Message) any {
	t.Helper()
	if st == nil || !st.ProtoReflect().IsValid() {
		return nil
	}
	c := proto.Clone(st).ProtoReflect()
	f := c.Descriptor().Fields()
	c.Clear(f.ByName("code"))
	c.Clear(f.ByName("message"))
	return normProto(t, c.Interface())
}

// maskCiphertexts replaces every non-empty "encryptedBytes" under v with a marker and returns how
// many it replaced (an empty one stays, so it shows as a difference).
func maskCiphertexts(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "encryptedBytes" && s != "" {
				x[k] = "<ciphertext>"
				n++
				continue
			}
			n += maskCiphertexts(val)
		}
	case []any:
		for _, val := range x {
			n += maskCiphertexts(val)
		}
	}
	return n
}

// ---- the Go SDK run ----

// goRecording runs godemo against the script once per test binary and returns the recording.
var (
	goRecOnce sync.Once
	goRecDir  string
	goRecErr  string
)

func goServiceRecording(t *testing.T) *recording {
	t.Helper()
	if os.Getenv("BATON_INTEROP_DEMO_C1Z") == "" {
		t.Skip("SKIP: BATON_INTEROP_DEMO_C1Z is not set (scripts/interop.sh sets it): the Go SDK's run replays that company")
	}
	fakeBin, godemo := serviceTools(t)
	goRecOnce.Do(func() {
		base := os.Getenv("BATON_INTEROP_DIR")
		if base == "" {
			d, err := os.MkdirTemp("", "interop-service-go-")
			if err != nil {
				goRecErr = err.Error()
				return
			}
			base = d
		}
		goRecDir = filepath.Join(base, "service-go")
		f := startFake(t, fakeBin, serviceScript, goRecDir, "--timeout", "150s")
		work := t.TempDir()
		c := startClient(t, work, clientEnv(f.ready.Host, f.ready.CAFile, "BATON_GODEMO_DATA="+os.Getenv("BATON_INTEROP_DEMO_C1Z")),
			godemo, "--client-id", f.ready.ClientID, "--client-secret", f.ready.ClientSecret,
			"--provisioning", "--ticketing", "--log-level", "info",
			// libbaton writes SQLite c1z files only; so does the Go SDK with this flag.
			"--storage-engine", "sqlite")
		err := f.wait(t, 170*time.Second)
		c.stop()
		_ = os.WriteFile(filepath.Join(goRecDir, "client.log"), c.stderr.Bytes(), 0o644)
		if err != nil {
			goRecErr = fmt.Sprintf("fakec1: %v\n%s\n(client log in %s/client.log)", err, f.log.String(), goRecDir)
		}
	})
	if goRecErr != "" {
		t.Fatal(goRecErr)
	}
	return loadRecording(t, goRecDir)
}

func TestServiceGoSDK(t *testing.T) {
	rec := goServiceRecording(t)
	s := rec.Summary
	if !s.OK {
		t.Fatalf("fakec1 summary not ok: %s", s.Error)
	}
	script := loadScriptEntries(t, serviceScript)
	if len(script) != len(s.Tasks) {
		t.Fatalf("%d tasks in the summary, %d in the script", len(s.Tasks), len(script))
	}
	// Faults the script injects, and how the SDK came through them.
	if len(script) < 32 {
		t.Errorf("the script has %d tasks; it should have all 32", len(script))
	}
	if s.UnavailableSent != 4 {
		t.Errorf("UNAVAILABLE answered %d times, the script says 4", s.UnavailableSent)
	}
	if s.TokensIssued < 2 || s.TokenFailures != 0 || s.Unauthenticated != 0 {
		t.Errorf("tokens: %d issued (want >= 2: they live 12 s), %d refused, %d calls unauthenticated",
			s.TokensIssued, s.TokenFailures, s.Unauthenticated)
	}
	reissued := 0
	for _, e := range rec.events(t) {
		if e["method"] == "reissue" {
			reissued++
		}
	}
	if reissued != 1 {
		t.Errorf("%d re-issues, want 1 (the task whose FinishTask met UNAVAILABLE)", reissued)
	}
	for _, e := range script {
		ts := rec.tasks[e.Name]
		fin := rec.finish(t, e.Name)
		o := outcome(ts, fin)
		t.Logf("%-22s %-14s handed out %d, heartbeats %d, uploads %d: %s", e.Name, ts.Type, ts.HandedOut, ts.Heartbeats, len(ts.Uploads), o)
		if !ts.Done {
			t.Errorf("%s: not done", e.Name)
			continue
		}
		// the scripted refusals (malformed tasks, types without the callback, actions without a
		// name): errors, non-retryable except the actions' (Go's handlers); TestServiceC compares
		// the C daemon's with these
		if refusal := regexp.MustCompile(`-(malformed|no-provisioner|unsupported|unknown-type|no-name)$`); refusal.MatchString(e.Name) {
			nr := !strings.HasPrefix(e.Name, "action-")
			if !strings.HasPrefix(o, "error ") || fin.GetError().GetNonRetryable() != nr ||
				strings.HasSuffix(ts.Message, "\ntask failed and is non-retryable") != nr {
				t.Errorf("%s: %s (%q, non-retryable %v), want an error, non-retryable %v", e.Name, o, ts.Message,
					fin.GetError().GetNonRetryable(), nr)
			}
			continue
		}
		switch ts.Type {
		case "hello":
			h := rec.helloReply(t, e.Name)
			if h == nil || h.GetConnectorMetadata().GetDisplayName() != "Baton Demo" || h.GetBuildInfo().GetLangVersion() == "" {
				t.Errorf("%s: the Hello naming the task lacks the connector's metadata or build info", e.Name)
			}
		case "sync_full":
			if e.Compare == "cancelled" {
				if !ts.Cancelled || ts.Finishes != 0 || len(ts.Uploads) != 0 {
					t.Errorf("%s: cancelled %v, finishes %d, uploads %d: want a cancellation and nothing after it",
						e.Name, ts.Cancelled, ts.Finishes, len(ts.Uploads))
				}
				continue
			}
			if o != "success" || len(ts.Uploads) == 0 || ts.Heartbeats == 0 {
				t.Errorf("%s: %s with %d uploads and %d heartbeats", e.Name, o, len(ts.Uploads), ts.Heartbeats)
				continue
			}
			rows := readC1Z(t, rec.lastUpload(e.Name))
			if len(rows.rows["resources"]) == 0 {
				t.Errorf("%s: the upload has no resources", e.Name)
			}
		case "compact_syncs", "create_sync_diff", "event_feed":
			if o != "error Unknown" || !strings.Contains(ts.Message, "unsupported task type") {
				t.Errorf("%s: %s (%s), want the SDK's unsupported-task error", e.Name, o, ts.Message)
			}
		case "grant":
			if o != "success" {
				t.Errorf("%s: %s", e.Name, o)
			}
			resp := &v2.GrantManagerServiceGrantResponse{}
			if err := fin.GetSuccess().GetResponse().UnmarshalTo(resp); err != nil {
				t.Errorf("%s: response: %v", e.Name, err)
			}
			again := e.Name == "grant-again"
			if again != (len(resp.GetGrants()) == 0) {
				t.Errorf("%s: %d grants returned", e.Name, len(resp.GetGrants()))
			}
		case "list_ticket_schemas":
			resp := &v2.TicketsServiceListTicketSchemasResponse{}
			if o != "success" || fin.GetSuccess().GetResponse().UnmarshalTo(resp) != nil || len(resp.GetList()) != 2 {
				t.Errorf("%s: %s with %d schemas, want baton-demo's 2", e.Name, o, len(resp.GetList()))
			}
		case "issue_credential":
			// baton-demo's API tokens: issue-token mints t0001 for u0004, the others are refused
			if e.Name != "issue-token" {
				if !strings.HasPrefix(o, "error ") || fin.GetError() == nil || !fin.GetError().GetNonRetryable() {
					t.Errorf("%s: %s (%s), want a non-retryable error", e.Name, o, ts.Message)
				}
				continue
			}
			resp := &v2.IssueCredentialResponse{}
			if o != "success" || fin.GetSuccess().GetResponse().UnmarshalTo(resp) != nil {
				t.Errorf("%s: %s (%s)", e.Name, o, ts.Message)
				continue
			}
			if resp.GetSecret().GetId().GetResource() != "t0001" || len(resp.GetEncryptedData()) != 1 ||
				resp.GetRequestId() != e.Name || resp.GetResourceMode() != v2.CredentialResourceMode_CREDENTIAL_RESOURCE_MODE_VIRTUAL {
				t.Errorf("%s: response %v", e.Name, resp)
			}
		case "revoke", "list_event_feeds", "action_list_schemas", "action_invoke":
			if o != "success" {
				t.Errorf("%s: %s (%s)", e.Name, o, ts.Message)
			}
		}
	}
	// The uninterrupted sync-full equals the one re-run after the lost FinishTask.
	if up := rec.tasks["sync-full"].Uploads; len(up) == 2 {
		compareC1Z(t, "sync-full upload 1 vs 2", filepath.Join(rec.dir, up[0]), filepath.Join(rec.dir, up[1]))
	} else {
		t.Errorf("sync-full: %d uploads, want 2 (its first FinishTask met UNAVAILABLE, so it ran twice)", len(up))
	}
	// The Go SDK's sync of the replayed company holds the one-shot sync's rows.
	compareC1Z(t, "one-shot baton-demo vs Go service sync", os.Getenv("BATON_INTEROP_DEMO_C1Z"), rec.lastUpload("sync-full"))
}

// ---- the C daemon ----

// cServiceBin is the C daemon to test, skipping when it is not given or does not support service
// mode yet (libbaton's CLI refused --client-id with exit 12 and "… is not supported" before it did).
func cServiceBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("BATON_SERVICE_C_BIN")
	if bin == "" {
		t.Skip("SKIP: BATON_SERVICE_C_BIN is not set (scripts/interop.sh sets it to build/bin/baton-demo)")
	}
	cmd := exec.Command(bin, "--client-id", "probe@tenant.invalid/x", "--client-secret", "not-a-secret")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "BATON_C1_API_HOST=127.0.0.1:9"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		if cmd.ProcessState.ExitCode() == 12 && strings.Contains(out.String(), "not supported") {
			t.Skipf("SKIP: %s does not support service mode yet: %s", bin, strings.TrimSpace(out.String()))
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return bin
}

// cArgs are the daemon's arguments: the same as godemo's, and its own state file.
// BATON_SERVICE_C_EXTRA_ARGS (split on spaces) is appended, e.g. "--log-level debug", or
// "--storage-engine sqlite" when godemo stands in for the C daemon to self-check the comparison.
func cArgs(ready readyInfo, stateFile string) []string {
	args := []string{"--client-id", ready.ClientID, "--client-secret", ready.ClientSecret,
		"--provisioning", "--ticketing", "--log-level", "info", "--state-file", stateFile}
	return append(args, strings.Fields(os.Getenv("BATON_SERVICE_C_EXTRA_ARGS"))...)
}

// cEnv is clientEnv without the demo's size overrides (the company must be the default one, as in
// BATON_INTEROP_DEMO_C1Z) plus extra.
func cEnv(ready readyInfo, caFile string, extra ...string) []string {
	// BATON_GODEMO_DATA passes through so the comparison can be self-checked with godemo as the
	// "C" daemon (it means nothing to baton-demo).
	if d := os.Getenv("BATON_GODEMO_DATA"); d != "" {
		extra = append(extra, "BATON_GODEMO_DATA="+d)
	}
	return clientEnv(ready.Host, caFile, extra...)
}

func recordingDir(t *testing.T, name string) string {
	if base := os.Getenv("BATON_INTEROP_DIR"); base != "" {
		return filepath.Join(base, name)
	}
	return filepath.Join(t.TempDir(), name)
}

func TestServiceC(t *testing.T) {
	bin := cServiceBin(t)
	fakeBin, _ := serviceTools(t)
	goRec := goServiceRecording(t)
	script := loadScriptEntries(t, serviceScript)

	t.Run("script", func(t *testing.T) {
		out := recordingDir(t, "service-c")
		f := startFake(t, fakeBin, serviceScript, out, "--timeout", "150s")
		c := startClient(t, t.TempDir(), cEnv(f.ready, f.ready.CAFile), bin, cArgs(f.ready, filepath.Join(t.TempDir(), "state.json"))...)
		err := f.wait(t, 170*time.Second)
		c.stop()
		_ = os.WriteFile(filepath.Join(out, "client.log"), c.stderr.Bytes(), 0o644)
		if err != nil {
			t.Fatalf("fakec1: %v\n%s\n(the daemon's log is in %s/client.log)", err, f.log.String(), out)
		}
		rec := loadRecording(t, out)
		s := rec.Summary
		if s.UnavailableSent != goRec.Summary.UnavailableSent {
			t.Errorf("UNAVAILABLE answered %d times, %d in the Go run", s.UnavailableSent, goRec.Summary.UnavailableSent)
		}
		if s.TokensIssued < 2 || s.TokenFailures != 0 || s.Unauthenticated != 0 {
			t.Errorf("tokens: %d issued (want >= 2: they live 12 s), %d refused, %d calls unauthenticated (an expired token was used)",
				s.TokensIssued, s.TokenFailures, s.Unauthenticated)
		}
		compareRecordings(t, script, goRec, rec)
		// libbaton writes v1 (SQLite) c1z files: the Go SDK's SQLite reader opens every upload.
		ctx := context.Background()
		for _, ts := range s.Tasks {
			for _, u := range ts.Uploads {
				cf, err := dotc1z.NewC1ZFile(ctx, filepath.Join(out, u), dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
				if err != nil {
					t.Errorf("%s: dotc1z cannot open %s: %v", ts.ID, u, err)
					continue
				}
				if id, err := cf.LatestFinishedSyncID(ctx, connectorstore.SyncTypeAny); err != nil || id == "" {
					t.Errorf("%s: %s has no finished sync (%v)", ts.ID, u, err)
				}
				_ = cf.Close(ctx)
			}
		}
	})

	t.Run("killed-in-sync", func(t *testing.T) {
		// The daemon dies (SIGKILL, raised by baton-demo's BATON_DEMO_KILL_AFTER hook) in the middle
		// of the sync; restarted, it is handed the same task again (its startup Hello, or the lease)
		// and uploads what an uninterrupted run uploads.
		out := recordingDir(t, "service-c-kill")
		f := startFake(t, fakeBin, "testdata/service-kill.json", out, "--timeout", "90s")
		work, state := t.TempDir(), filepath.Join(t.TempDir(), "state.json")
		first := startClient(t, work, cEnv(f.ready, f.ready.CAFile, "BATON_DEMO_KILL_AFTER=60"), bin, cArgs(f.ready, state)...)
		if !first.exited(60 * time.Second) {
			t.Fatalf("the daemon did not die at its 60th callback\n%s", first.stderr.String())
		}
		if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("the first daemon ended with %v, not SIGKILL\n%s", first.err, first.stderr.String())
		}
		if _, err := os.Stat(filepath.Join(out, "finish", "sync-full.json")); err == nil {
			t.Fatalf("the sync finished before the kill: the test did not interrupt it")
		}
		second := startClient(t, work, cEnv(f.ready, f.ready.CAFile), bin, cArgs(f.ready, state)...)
		err := f.wait(t, 100*time.Second)
		second.stop()
		_ = os.WriteFile(filepath.Join(out, "client.log"), append(first.stderr.Bytes(), second.stderr.Bytes()...), 0o644)
		if err != nil {
			t.Fatalf("fakec1: %v\n%s", err, f.log.String())
		}
		rec := loadRecording(t, out)
		ts := rec.tasks["sync-full"]
		t.Logf("sync-full: handed out %d times, %d finishes, uploads %v", ts.HandedOut, ts.Finishes, ts.Uploads)
		if ts.HandedOut < 2 {
			t.Errorf("sync-full handed out %d times: the kill came before the daemon had the task", ts.HandedOut)
		}
		if ts.Finishes != 1 || ts.Code != "OK" || len(ts.Uploads) != 1 {
			t.Errorf("sync-full: %d finishes (last %s), %d uploads; want one successful finish and one upload",
				ts.Finishes, ts.Code, len(ts.Uploads))
		}
		if u := rec.lastUpload("sync-full"); u != "" {
			compareC1Z(t, "sync-full after a kill vs the Go SDK's", goRec.lastUpload("sync-full"), u)
		}
	})

	t.Run("token-401", func(t *testing.T) {
		serviceToken401(t, fakeBin, bin, func(ready readyInfo) []string { return cArgs(ready, filepath.Join(t.TempDir(), "s.json")) })
	})

	t.Run("wrong-ca", func(t *testing.T) {
		out := recordingDir(t, "service-c-wrong-ca")
		other := filepath.Join(t.TempDir(), "other-ca.pem")
		f := startFake(t, fakeBin, "testdata/service-hello.json", out, "--timeout", "60s", "--other-ca", other)
		c := startClient(t, t.TempDir(), cEnv(f.ready, other), bin, cArgs(f.ready, filepath.Join(t.TempDir(), "s.json"))...)
		tlsWords := regexp.MustCompile(`(?i)certificate|x509|tls|ssl|handshake`)
		deadline := time.Now().Add(30 * time.Second)
		for !tlsWords.Match(c.stderr.Bytes()) && time.Now().Before(deadline) {
			if c.exited(200 * time.Millisecond) {
				break
			}
		}
		exited := c.exited(0)
		c.stop()
		log := c.stderr.String()
		if !tlsWords.MatchString(log) {
			t.Errorf("no TLS error within 30 s with an untrusted CA (exited: %v):\n%s", exited, log)
		}
		if !exited {
			t.Logf("the daemon was still running (retrying) after it reported the TLS error")
		}
		ev := (&recording{dir: out}).events(t)
		for _, e := range ev {
			if e["method"] == "token" {
				t.Errorf("a token request reached the platform through an untrusted certificate: %v", e)
			}
		}
	})
}

// serviceToken401 checks a client against a token endpoint that answers 401 to everything: it must
// exit with an error naming the failure, after few token requests.
func serviceToken401(t *testing.T, fakeBin, bin string, args func(readyInfo) []string, extraEnv ...string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rec")
	f := startFake(t, fakeBin, "testdata/service-hello.json", out, "--timeout", "60s", "--token-status", "401")
	c := startClient(t, t.TempDir(), clientEnv(f.ready.Host, f.ready.CAFile, extraEnv...), bin, args(f.ready)...)
	if !c.exited(30 * time.Second) {
		t.Errorf("still running 30 s after every token request was refused")
	}
	c.stop()
	if c.err == nil {
		t.Errorf("exit status 0 after every token request was refused")
	}
	log := c.stderr.String()
	if !regexp.MustCompile(`(?i)401|unauthori[sz]ed|unauthenticated`).MatchString(log) {
		t.Errorf("the error does not say the token was refused:\n%s", log)
	}
	n := 0
	for _, e := range (&recording{dir: out}).events(t) {
		if e["method"] == "token" {
			n++
		}
	}
	t.Logf("%d token requests before exiting (%v)", n, c.err)
	if n == 0 || n > 3 {
		t.Errorf("%d token requests: want 1 to 3 (no retry storm)", n)
	}
}

// The Go SDK itself against a token endpoint answering 401: it gives up after one request
// (its startup Hello fails with UNAUTHENTICATED, which it does not retry) and exits 1.
func TestServiceGoSDKToken401(t *testing.T) {
	fakeBin, godemo := serviceTools(t)
	serviceToken401(t, fakeBin, godemo, func(ready readyInfo) []string {
		return []string{"--client-id", ready.ClientID, "--client-secret", ready.ClientSecret}
	})
}

// copyDir copies a recording so a test can doctor it.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The comparison finds nothing between the Go SDK's recording and itself, and finds each of
// five planted differences: a FinishTask result, the rows of an upload, a task never done, a
// status message, an issued secret without ciphertext.
func TestServiceCompareDetects(t *testing.T) {
	goRec := goServiceRecording(t)
	script := loadScriptEntries(t, serviceScript)
	if d := recordingDiffs(t, script, goRec, goRec); len(d) != 0 {
		t.Fatalf("a recording differs from itself: %v", d)
	}
	dir := filepath.Join(t.TempDir(), "doctored")
	copyDir(t, goRec.dir, dir)
	// 1. grant-again without its GrantAlreadyExists annotation.
	fin := goRec.finish(t, "grant-again")
	fin.GetSuccess().SetAnnotations(nil)
	b, err := protojson.Marshal(fin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "finish", "grant-again.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// 2. sync-full's last upload replaced by the sync that skipped grants.
	up, err := os.ReadFile(goRec.lastUpload("sync-skip-grants"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, goRec.tasks["sync-full"].Uploads[len(goRec.tasks["sync-full"].Uploads)-1]), up, 0o644); err != nil {
		t.Fatal(err)
	}
	// 3. revoke never done.
	var raw map[string]any
	sb, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(sb, &raw); err != nil {
		t.Fatal(err)
	}
	for _, x := range raw["tasks"].([]any) {
		if m := x.(map[string]any); m["id"] == "revoke" {
			m["done"] = false
		}
	}
	sb, _ = json.Marshal(raw)
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), sb, 0o644); err != nil {
		t.Fatal(err)
	}
	// 4. another status message; 6. a failure made retryable; 7. another code
	for name, doctor := range map[string]func(*v1.BatonServiceFinishTaskRequest){
		"issue-token-expiry": func(f *v1.BatonServiceFinishTaskRequest) {
			f.GetStatus().Message = "requested expiry exceeds connector maximum"
		},
		"grant-malformed":       func(f *v1.BatonServiceFinishTaskRequest) { f.GetError().SetNonRetryable(false) },
		"revoke-no-provisioner": func(f *v1.BatonServiceFinishTaskRequest) { f.GetStatus().Code = 5 },
	} {
		f := goRec.finish(t, name)
		doctor(f)
		b, err := protojson.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "finish", name+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 5. issue-token's token not encrypted (empty ciphertext)
	var issued map[string]any
	ib, err := os.ReadFile(filepath.Join(dir, "finish", "issue-token.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ib, &issued); err != nil {
		t.Fatal(err)
	}
	issued["success"].(map[string]any)["response"].(map[string]any)["encryptedData"].([]any)[0].(map[string]any)["encryptedBytes"] = ""
	ib, _ = json.Marshal(issued)
	if err := os.WriteFile(filepath.Join(dir, "finish", "issue-token.json"), ib, 0o644); err != nil {
		t.Fatal(err)
	}
	d := recordingDiffs(t, script, goRec, loadRecording(t, dir))
	joined := strings.Join(d, "\n")
	for _, want := range []string{"grant-again: FinishTask differs", "sync-full: 0 grants", "revoke: not done",
		"issue-token-expiry: status message", "issue-token: got has no encrypted secret",
		"grant-malformed: non_retryable false, want true", "revoke-no-provisioner: status code 5, want 12"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the comparison missed %q; it said:\n%s", want, joined)
		}
	}
}

// The Go SDK's batch polling (BATON_GET_TASKS=true: GetTasks instead of GetTask) against fakec1.
func TestServiceGoSDKGetTasks(t *testing.T) {
	if os.Getenv("BATON_INTEROP_DEMO_C1Z") == "" {
		t.Skip("SKIP: BATON_INTEROP_DEMO_C1Z is not set (scripts/interop.sh sets it)")
	}
	fakeBin, godemo := serviceTools(t)
	out := filepath.Join(t.TempDir(), "rec")
	f := startFake(t, fakeBin, "testdata/service-kill.json", out, "--timeout", "60s")
	c := startClient(t, t.TempDir(), clientEnv(f.ready.Host, f.ready.CAFile, "BATON_GET_TASKS=true",
		"BATON_GODEMO_DATA="+os.Getenv("BATON_INTEROP_DEMO_C1Z")),
		godemo, "--client-id", f.ready.ClientID, "--client-secret", f.ready.ClientSecret, "--storage-engine", "sqlite")
	err := f.wait(t, 70*time.Second)
	c.stop()
	if err != nil {
		t.Fatalf("fakec1: %v\n%s\nclient:\n%s", err, f.log.String(), c.stderr.String())
	}
	rec := loadRecording(t, out)
	if rec.Summary.Calls["GetTasks"] == 0 || rec.Summary.Calls["GetTask"] != 0 {
		t.Errorf("calls %v: want GetTasks only", rec.Summary.Calls)
	}
	if ts := rec.tasks["sync-full"]; ts.Code != "OK" || len(ts.Uploads) != 1 {
		t.Errorf("sync-full: %+v", ts)
	}
	compareC1Z(t, "sync-full through GetTasks", os.Getenv("BATON_INTEROP_DEMO_C1Z"), rec.lastUpload("sync-full"))
}

// A recording made elsewhere (fakec1 run by hand against a daemon, with the same script), named by
// BATON_SERVICE_C_RECORDING, compared with the Go SDK's like TestServiceC's main run.
func TestServiceRecordingMatchesGo(t *testing.T) {
	dir := os.Getenv("BATON_SERVICE_C_RECORDING")
	if dir == "" {
		t.Skip("SKIP: BATON_SERVICE_C_RECORDING is not set")
	}
	compareRecordings(t, loadScriptEntries(t, serviceScript), goServiceRecording(t), loadRecording(t, dir))
}

// IssueCredential without --provisioning: the Go SDK's noop provisioner refuses it
// (FailedPrecondition "provisioning is not enabled", made non-retryable by its handler); the C
// daemon (when BATON_SERVICE_C_BIN is set) must finish it the same way, message included. The
// script also has every other provisioning task and ticket tasks (neither side has --ticketing):
// refused the same way, except the malformed ones, which the handlers refuse first.
func TestServiceIssueGated(t *testing.T) {
	fakeBin, godemo := serviceTools(t)
	const script = "testdata/service-issue-gated.json"
	run := func(name, bin string, args []string, env []string) *recording {
		out := filepath.Join(t.TempDir(), name)
		f := startFake(t, fakeBin, script, out, "--timeout", "60s")
		c := startClient(t, t.TempDir(), clientEnv(f.ready.Host, f.ready.CAFile, env...), bin,
			append([]string{"--client-id", f.ready.ClientID, "--client-secret", f.ready.ClientSecret}, args...)...)
		err := f.wait(t, 70*time.Second)
		c.stop()
		if err != nil {
			t.Fatalf("%s: fakec1: %v\n%s\nclient:\n%s", name, err, f.log.String(), c.stderr.String())
		}
		return loadRecording(t, out)
	}
	goRec := run("go", godemo, []string{"--storage-engine", "sqlite"}, nil)
	ts, fin := goRec.tasks["issue-gated"], goRec.finish(t, "issue-gated")
	want := "rpc error: code = FailedPrecondition desc = provisioning is not enabled\ntask failed and is non-retryable"
	if ts.Code != "FailedPrecondition" || ts.Message != want || fin == nil || !fin.GetError().GetNonRetryable() {
		t.Fatalf("the Go SDK: %s %q (finish %v), want FailedPrecondition %q, non-retryable", ts.Code, ts.Message, fin, want)
	}
	if os.Getenv("BATON_SERVICE_C_BIN") == "" {
		t.Skip("SKIP: BATON_SERVICE_C_BIN is not set: the Go SDK's side checked only")
	}
	cRec := run("c", cServiceBin(t), []string{"--state-file", filepath.Join(t.TempDir(), "s.json")}, nil)
	report(t, recordingDiffs(t, loadScriptEntries(t, script), goRec, cRec))
}

// ---- batch polling (BATON_GET_TASKS=true) ----

const batchScript = "testdata/service-batch.json"

// batchRun runs a daemon with BATON_GET_TASKS=true against the batch script (fakec1 hands out
// several tasks per GetTasks, up to the page size asked) and returns its recording.
func batchRun(t *testing.T, out string, env []string, bin string, args ...string) *recording {
	t.Helper()
	fakeBin, _ := serviceTools(t)
	f := startFake(t, fakeBin, batchScript, out, "--timeout", "90s")
	env = append(env, "BATON_C1_API_HOST="+f.ready.Host, "SSL_CERT_FILE="+f.ready.CAFile, "BATON_GET_TASKS=true")
	args = append([]string{"--client-id", f.ready.ClientID, "--client-secret", f.ready.ClientSecret}, args...)
	c := startClient(t, t.TempDir(), env, bin, args...)
	err := f.wait(t, 100*time.Second)
	c.stop()
	_ = os.WriteFile(filepath.Join(out, "client.log"), c.stderr.Bytes(), 0o644)
	if err != nil {
		t.Fatalf("fakec1: %v\n%s\n(the daemon's log is in %s/client.log)", err, f.log.String(), out)
	}
	return loadRecording(t, out)
}

var getTasksNote = regexp.MustCompile(`^page_size (\d+), known \[([^\]]*)\], unnamed \[([^\]]*)\], handed out \[([^\]]*)\]`)

// batchChecks: GetTasks only; every request asks for two concurrency windows (3 slots: 6) less
// what it names as known, names every task the platform thinks it holds, and some reply carried
// more than one task. Returns the page sizes asked, for the log.
func batchChecks(t *testing.T, who string, rec *recording) []string {
	t.Helper()
	if rec.Summary.Calls["GetTasks"] == 0 || rec.Summary.Calls["GetTask"] != 0 {
		t.Errorf("%s: calls %v: want GetTasks only", who, rec.Summary.Calls)
	}
	var pages []string
	multi := false
	for _, e := range rec.events(t) {
		if e["method"] != "GetTasks" || e["code"] != "OK" {
			continue
		}
		m := getTasksNote.FindStringSubmatch(fmt.Sprint(e["note"]))
		if m == nil {
			t.Errorf("%s: GetTasks event note %q", who, e["note"])
			continue
		}
		known := strings.Fields(m[2])
		var page int
		fmt.Sscan(m[1], &page)
		if page+len(known) != 6 {
			t.Errorf("%s: GetTasks page_size %d with %d known ids: want 6 together (2 x --task-concurrency 3)", who, page, len(known))
		}
		if len(known) >= 3 {
			t.Errorf("%s: GetTasks sent with %d tasks known (low water is 3: no fetch then)", who, len(known))
		}
		if m[3] != "" {
			t.Errorf("%s: GetTasks did not name tasks it holds: %s", who, m[3])
		}
		if len(strings.Fields(m[4])) > 1 {
			multi = true
		}
		pages = append(pages, m[1])
	}
	if !multi {
		t.Errorf("%s: no GetTasks reply carried more than one task", who)
	}
	return pages
}

// TestServiceGetTasksBatch: the Go SDK and the C daemon, both with BATON_GET_TASKS=true, against
// the batch script; their requests follow the same rules and their results are compared as
// TestServiceC compares them.
func TestServiceGetTasksBatch(t *testing.T) {
	if os.Getenv("BATON_INTEROP_DEMO_C1Z") == "" {
		t.Skip("SKIP: BATON_INTEROP_DEMO_C1Z is not set (scripts/interop.sh sets it)")
	}
	_, godemo := serviceTools(t)
	script := loadScriptEntries(t, batchScript)
	goRec := batchRun(t, recordingDir(t, "service-batch-go"),
		[]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BATON_HOST_ID=interop-host",
			"BATON_GODEMO_DATA=" + os.Getenv("BATON_INTEROP_DEMO_C1Z")},
		godemo, "--provisioning", "--ticketing", "--log-level", "info", "--storage-engine", "sqlite")
	if !goRec.Summary.OK {
		t.Fatalf("Go SDK: fakec1 summary not ok: %s", goRec.Summary.Error)
	}
	t.Logf("Go SDK page sizes: %v", batchChecks(t, "Go SDK", goRec))
	if goRec.Summary.UnavailableSent != 1 {
		t.Errorf("Go SDK: UNAVAILABLE sent %d times, want 1", goRec.Summary.UnavailableSent)
	}
	bin := cServiceBin(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BATON_HOST_ID=interop-host"}
	if d := os.Getenv("BATON_GODEMO_DATA"); d != "" {
		env = append(env, "BATON_GODEMO_DATA="+d)
	}
	args := append([]string{"--provisioning", "--ticketing", "--log-level", "info", "--state-file", filepath.Join(t.TempDir(), "state.json")},
		strings.Fields(os.Getenv("BATON_SERVICE_C_EXTRA_ARGS"))...)
	cRec := batchRun(t, recordingDir(t, "service-batch-c"), env, bin, args...)
	if !cRec.Summary.OK {
		t.Fatalf("C: fakec1 summary not ok: %s", cRec.Summary.Error)
	}
	t.Logf("C page sizes: %v", batchChecks(t, "C", cRec))
	if cRec.Summary.UnavailableSent != goRec.Summary.UnavailableSent {
		t.Errorf("C: UNAVAILABLE sent %d times, %d in the Go run", cRec.Summary.UnavailableSent, goRec.Summary.UnavailableSent)
	}
	compareRecordings(t, script, goRec, cRec)
}

// ---- the health check server (--health-check) ----

// healthAnswers starts a daemon (bin with args) against a lingering fakec1 with --health-check on
// a free port and returns what /live, /ready, /health, /nope and /health/ answer: status,
// content type and body, the RFC 3339 timestamp replaced by "T".
func healthAnswers(t *testing.T, env []string, bin string, args ...string) map[string]string {
	t.Helper()
	fakeBin, _ := serviceTools(t)
	f := startFake(t, fakeBin, "testdata/service-hello.json", filepath.Join(t.TempDir(), "rec"), "--timeout", "60s", "--linger")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	env = append(env, "BATON_C1_API_HOST="+f.ready.Host, "SSL_CERT_FILE="+f.ready.CAFile, "BATON_HOST_ID=interop-host")
	args = append([]string{"--client-id", f.ready.ClientID, "--client-secret", f.ready.ClientSecret,
		"--health-check", "--health-check-port", fmt.Sprint(port)}, args...)
	c := startClient(t, t.TempDir(), env, bin, args...)
	defer c.stop()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/live")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: nothing listens on %d: %v\n%s", bin, port, err, c.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	stamp := regexp.MustCompile(`"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)
	out := map[string]string{}
	for _, p := range []string{"/live", "/ready", "/health", "/nope", "/health/"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatalf("%s %s: %v", bin, p, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out[p] = fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"),
			stamp.ReplaceAllString(string(b), `"timestamp":"T"`))
	}
	return out
}

// TestServiceHealthCheckMatchesGo: the same requests to the Go SDK's health server (godemo) and to
// baton-demo's give the same statuses, content types and bodies (timestamps aside).
func TestServiceHealthCheckMatchesGo(t *testing.T) {
	if os.Getenv("BATON_INTEROP_DEMO_C1Z") == "" {
		t.Skip("SKIP: BATON_INTEROP_DEMO_C1Z is not set (scripts/interop.sh sets it)")
	}
	_, godemo := serviceTools(t)
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	want := healthAnswers(t, append(base, "BATON_GODEMO_DATA="+os.Getenv("BATON_INTEROP_DEMO_C1Z")), godemo,
		"--storage-engine", "sqlite")
	bin := cServiceBin(t)
	got := healthAnswers(t, base, bin)
	for _, p := range []string{"/live", "/ready", "/health", "/nope", "/health/"} {
		if got[p] != want[p] {
			t.Errorf("%s: got %q, want (Go SDK) %q", p, got[p], want[p])
		}
	}
	t.Logf("Go SDK: %q", want)
}
