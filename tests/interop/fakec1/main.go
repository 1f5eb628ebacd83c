// Command fakec1 is a fake ConductorOne platform for testing connectors in service mode
// (`--client-id … --client-secret …`): the BatonService gRPC API and the token endpoint, served
// over TLS on one loopback port with a throwaway CA, playing a scripted list of tasks and
// recording everything the client sends.
//
// The Go SDK derives both the token URL (https://$BATON_C1_API_HOST/auth/v1/token) and the gRPC
// target ($BATON_C1_API_HOST) from the same variable, so one port serves both: HTTP/2 requests
// with a gRPC content type go to the gRPC server, POST /auth/v1/token to the token handler.
//
// See /work/notes/h8-interface.md (or the flag help) for the script format and the recording.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"

	_ "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
)

// ---- script ----

type scriptTask struct {
	Name              string          `json:"name"`
	Task              json.RawMessage `json:"task"`
	CancelOnHeartbeat int             `json:"cancel_on_heartbeat"`
	// CancelWhenFile: the first heartbeat after this file exists answers cancelled (the test
	// creates it when what it wants to see has happened, instead of guessing a heartbeat count).
	CancelWhenFile string `json:"cancel_when_file"`
	ExpectFinish   *bool  `json:"expect_finish"`
	Compare        string `json:"compare"` // for the test's comparison; fakec1 ignores it
}

// cancels tells whether the script cancels the task (then it is done only when cancelled).
func (s scriptTask) cancels() bool { return s.CancelOnHeartbeat > 0 || s.CancelWhenFile != "" }

type script struct {
	TokenTTLSeconds int            `json:"token_ttl_seconds"`
	NextPollMS      int            `json:"next_poll_ms"`
	HeartbeatMS     int            `json:"heartbeat_ms"`
	LeaseMS         int            `json:"lease_ms"`
	Unavailable     map[string]int `json:"unavailable"`
	// UploadDelayMS: an UploadAsset whose data all arrived (checksum checked, recorded) is answered
	// this much later, as a slow platform or link would (heartbeats go on meanwhile).
	UploadDelayMS int `json:"upload_delay_ms"`
	// Batch: GetTasks hands out up to page_size tasks at once (in script order, those neither
	// done, out, nor named in known_task_ids), without waiting for the earlier ones to finish.
	// GetTask still hands out one at a time, in order.
	Batch bool         `json:"batch"`
	Tasks []scriptTask `json:"tasks"`
}

var rpcNames = map[string]bool{"Hello": true, "GetTask": true, "GetTasks": true, "Heartbeat": true,
	"FinishTask": true, "UploadAsset": true, "StartDebugging": true}

func loadScript(path string) (*script, []*taskState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	s := &script{}
	if err := dec.Decode(s); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.TokenTTLSeconds == 0 {
		s.TokenTTLSeconds = 300
	}
	if s.NextPollMS == 0 {
		s.NextPollMS = 200
	}
	if s.HeartbeatMS == 0 {
		s.HeartbeatMS = 1000
	}
	if s.LeaseMS == 0 {
		s.LeaseMS = 30000
	}
	for k, n := range s.Unavailable {
		if !rpcNames[k] || n < 0 {
			return nil, nil, fmt.Errorf("%s: unavailable: %q is not an RPC name (or a negative count)", path, k)
		}
	}
	if len(s.Tasks) == 0 {
		return nil, nil, fmt.Errorf("%s: no tasks", path)
	}
	seen := map[string]bool{}
	var tasks []*taskState
	for i, st := range s.Tasks {
		t := &v1.Task{}
		if len(st.Task) > 0 {
			if err := protojson.Unmarshal(st.Task, t); err != nil {
				return nil, nil, fmt.Errorf("%s: task %d (%s): %w", path, i, st.Name, err)
			}
		}
		if t.GetId() == "" {
			if st.Name == "" {
				return nil, nil, fmt.Errorf("%s: task %d has neither a name nor an id", path, i)
			}
			t.SetId(st.Name)
		}
		if seen[t.GetId()] {
			return nil, nil, fmt.Errorf("%s: task id %q repeats", path, t.GetId())
		}
		seen[t.GetId()] = true
		expect := true
		if st.ExpectFinish != nil {
			expect = *st.ExpectFinish
		}
		tasks = append(tasks, &taskState{script: st, task: t, expectFinish: expect})
	}
	return s, tasks, nil
}

// ---- state ----

type taskState struct {
	script       scriptTask
	task         *v1.Task
	expectFinish bool

	handedOut    int       // times handed to the client (re-issues included)
	outNow       bool      // handed out and not done
	lastSeen     time.Time // last hand-out, heartbeat or finish
	heartbeats   int
	cancelled    bool
	helloReplies int // Hello calls naming this (hello) task
	finishes     int
	code         int32 // status code of the last FinishTask (0 = success)
	message      string
	uploads      []string
	done         bool
}

type event struct {
	Seq    int    `json:"seq"`
	Time   string `json:"time"`
	Method string `json:"method"`
	TaskID string `json:"task_id,omitempty"`
	Code   string `json:"code"`
	Note   string `json:"note,omitempty"`
}

type fake struct {
	v1.UnimplementedBatonServiceServer

	mu       sync.Mutex
	sc       *script
	tasks    []*taskState
	next     int // index of the next task to hand out
	out      string
	events   *os.File
	seq      int
	hellos   int
	calls    map[string]int
	tokens   map[string]time.Time
	clientID string
	audience string
	pub      ed25519.PublicKey

	tokenStatus      int
	tokenRequests    int
	tokenFailures    int
	tokensIssued     int
	unauthenticated  int
	unavailableSent  int
	recordErrors     []string
	doneCh           chan struct{}
	doneOnce         sync.Once
	lastGetTaskEmpty bool
}

func (f *fake) logf(method, taskID string, code codes.Code, note string, args ...any) {
	f.seq++
	e := event{Seq: f.seq, Time: time.Now().UTC().Format(time.RFC3339Nano), Method: method, TaskID: taskID,
		Code: code.String(), Note: fmt.Sprintf(note, args...)}
	b, _ := json.Marshal(e)
	if _, err := f.events.Write(append(b, '\n')); err != nil {
		f.recordErrors = append(f.recordErrors, err.Error())
	}
}

func (f *fake) writeFile(rel string, data []byte) {
	p := filepath.Join(f.out, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.recordErrors = append(f.recordErrors, err.Error())
		return
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		f.recordErrors = append(f.recordErrors, err.Error())
		return
	}
	if err := os.Rename(tmp, p); err != nil {
		f.recordErrors = append(f.recordErrors, err.Error())
	}
}

var pj = protojson.MarshalOptions{Multiline: true, Indent: "  "}

func (f *fake) byID(id string) *taskState {
	for _, t := range f.tasks {
		if t.task.GetId() == id {
			return t
		}
	}
	return nil
}

func (f *fake) markDone(t *taskState) {
	if t.done {
		return
	}
	t.done = true
	t.outNow = false
	for _, x := range f.tasks {
		if !x.done {
			return
		}
	}
	f.doneOnce.Do(func() { close(f.doneCh) })
}

// reissue makes every handed-out, unfinished task available again (client restart or lease expiry).
func (f *fake) reissue(why string) {
	for i, t := range f.tasks {
		if t.outNow && !t.done {
			t.outNow = false
			if i < f.next {
				f.next = i
			}
			f.logf("reissue", t.task.GetId(), codes.OK, "%s", why)
		}
	}
}

// nextTask returns the task to hand out now, or nil: tasks go out one at a time, in order.
func (f *fake) nextTask() *v1.Task {
	now := time.Now()
	lease := time.Duration(f.sc.LeaseMS) * time.Millisecond
	for _, t := range f.tasks {
		if t.outNow && !t.done && now.Sub(t.lastSeen) > lease {
			f.reissue("lease expired for " + t.task.GetId())
			break
		}
	}
	for f.next < len(f.tasks) && f.tasks[f.next].done {
		f.next++
	}
	if f.next >= len(f.tasks) {
		return nil
	}
	t := f.tasks[f.next]
	if t.outNow {
		return nil // still running
	}
	// The previous tasks must all be done first.
	for _, x := range f.tasks[:f.next] {
		if !x.done {
			return nil
		}
	}
	t.outNow = true
	t.handedOut++
	t.lastSeen = now
	if !t.expectFinish && !t.script.cancels() {
		f.markDone(t)
	}
	return t.task
}

// ---- gRPC plumbing: faults and auth ----

func methodName(full string) string { return full[strings.LastIndex(full, "/")+1:] }

type hasTaskID interface{ GetTaskId() string }

func (f *fake) gate(ctx context.Context, full string, req any) error {
	m := methodName(full)
	id := ""
	if r, ok := req.(hasTaskID); ok {
		id = r.GetTaskId()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[m]++
	if n := f.sc.Unavailable[m]; f.calls[m] <= n {
		f.unavailableSent++
		f.logf(m, id, codes.Unavailable, "scripted UNAVAILABLE %d/%d", f.calls[m], n)
		return status.Errorf(codes.Unavailable, "fakec1: scripted unavailability (%d of %d)", f.calls[m], n)
	}
	md, _ := metadata.FromIncomingContext(ctx)
	auth := md.Get("authorization")
	var why string
	switch {
	case len(auth) != 1:
		why = "no authorization metadata"
	case !strings.HasPrefix(auth[0], "Bearer "):
		why = "authorization is not a Bearer token"
	default:
		exp, ok := f.tokens[strings.TrimPrefix(auth[0], "Bearer ")]
		switch {
		case !ok:
			why = "unknown access token"
		case time.Now().After(exp):
			why = "expired access token"
		}
	}
	if why != "" {
		f.unauthenticated++
		f.logf(m, id, codes.Unauthenticated, "%s", why)
		return status.Errorf(codes.Unauthenticated, "fakec1: %s", why)
	}
	return nil
}

func (f *fake) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := f.gate(ctx, info.FullMethod, req); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (f *fake) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := f.gate(ss.Context(), info.FullMethod, nil); err != nil {
		return err
	}
	return h(srv, ss)
}

// ---- the BatonService ----

func (f *fake) Hello(ctx context.Context, req *v1.BatonServiceHelloRequest) (*v1.BatonServiceHelloResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hellos++
	b, _ := pj.Marshal(req)
	f.writeFile(fmt.Sprintf("hello/%03d.json", f.hellos), b)
	if req.GetTaskId() == "" {
		// A startup Hello: a client that had a task and says hello again has restarted.
		f.reissue("startup Hello from host " + req.GetHostId())
	} else if t := f.byID(req.GetTaskId()); t != nil {
		t.lastSeen = time.Now()
		if taskType(t.task) == "hello" {
			// The Go SDK answers a Hello task with the Hello call itself and never calls
			// FinishTask for it: that Hello is its result.
			t.helloReplies++
			f.writeFile("finish/"+t.task.GetId()+".hello.json", b)
			f.markDone(t)
		}
	}
	f.logf("Hello", req.GetTaskId(), codes.OK, "host %s, package %s", req.GetHostId(), req.GetBuildInfo().GetPackage())
	return &v1.BatonServiceHelloResponse{}, nil
}

func (f *fake) GetTask(ctx context.Context, req *v1.BatonServiceGetTaskRequest) (*v1.BatonServiceGetTaskResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.nextTask()
	resp := v1.BatonServiceGetTaskResponse_builder{
		Task:          t,
		NextPoll:      durationpb.New(time.Duration(f.sc.NextPollMS) * time.Millisecond),
		NextHeartbeat: durationpb.New(time.Duration(f.sc.HeartbeatMS) * time.Millisecond),
	}.Build()
	if t != nil {
		f.lastGetTaskEmpty = false
		f.logf("GetTask", t.GetId(), codes.OK, "handed out to host %s", req.GetHostId())
	} else if !f.lastGetTaskEmpty {
		// Empty polls are frequent; one line per run of them.
		f.lastGetTaskEmpty = true
		f.logf("GetTask", "", codes.OK, "no task")
	}
	return resp, nil
}

func (f *fake) GetTasks(ctx context.Context, req *v1.BatonServiceGetTasksRequest) (*v1.BatonServiceGetTasksResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// The platform's validation rules: 1 <= page_size <= 100.
	if req.GetPageSize() == 0 || req.GetPageSize() > 100 {
		f.logf("GetTasks", "", codes.InvalidArgument, "page_size %d", req.GetPageSize())
		return nil, status.Errorf(codes.InvalidArgument, "fakec1: page_size %d is not in 1..100", req.GetPageSize())
	}
	known := map[string]bool{}
	for _, id := range req.GetKnownTaskIds() {
		known[id] = true
	}
	// Tasks the client holds (handed out, not finished) that it did not name: it lost track.
	var unnamed []string
	for _, t := range f.tasks {
		if t.outNow && !t.done && !known[t.task.GetId()] {
			unnamed = append(unnamed, t.task.GetId())
		}
	}
	var list []*v1.Task
	if f.sc.Batch {
		list = f.nextBatch(int(req.GetPageSize()), known)
	} else if t := f.nextTask(); t != nil {
		list = append(list, t)
	}
	var ids []string
	for _, t := range list {
		ids = append(ids, t.GetId())
	}
	if len(list) > 0 || len(req.GetKnownTaskIds()) > 0 || !f.lastGetTaskEmpty {
		f.lastGetTaskEmpty = len(list) == 0 && len(req.GetKnownTaskIds()) == 0
		f.logf("GetTasks", strings.Join(ids, ","), codes.OK, "page_size %d, known [%s], unnamed [%s], handed out [%s] to host %s",
			req.GetPageSize(), strings.Join(req.GetKnownTaskIds(), " "), strings.Join(unnamed, " "), strings.Join(ids, " "), req.GetHostId())
	}
	return v1.BatonServiceGetTasksResponse_builder{
		Tasks:         list,
		NextPoll:      durationpb.New(time.Duration(f.sc.NextPollMS) * time.Millisecond),
		NextHeartbeat: durationpb.New(time.Duration(f.sc.HeartbeatMS) * time.Millisecond),
	}.Build(), nil
}

// nextBatch hands out up to n tasks, in script order, that are neither done, out nor known.
func (f *fake) nextBatch(n int, known map[string]bool) []*v1.Task {
	now := time.Now()
	lease := time.Duration(f.sc.LeaseMS) * time.Millisecond
	for _, t := range f.tasks {
		if t.outNow && !t.done && now.Sub(t.lastSeen) > lease {
			f.reissue("lease expired for " + t.task.GetId())
			break
		}
	}
	var list []*v1.Task
	for _, t := range f.tasks {
		if len(list) >= n {
			break
		}
		if t.done || t.outNow || known[t.task.GetId()] {
			continue
		}
		t.outNow = true
		t.handedOut++
		t.lastSeen = now
		if !t.expectFinish && !t.script.cancels() {
			f.markDone(t)
		}
		list = append(list, t.task)
	}
	return list
}

func (f *fake) Heartbeat(ctx context.Context, req *v1.BatonServiceHeartbeatRequest) (*v1.BatonServiceHeartbeatResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := append([]string{}, req.GetTaskIds()...)
	if req.GetTaskId() != "" {
		ids = append([]string{req.GetTaskId()}, ids...)
	}
	var cancelled []string
	for _, id := range ids {
		t := f.byID(id)
		if t == nil {
			f.logf("Heartbeat", id, codes.NotFound, "unknown task")
			return nil, status.Errorf(codes.NotFound, "fakec1: no task %q", id)
		}
		t.heartbeats++
		t.lastSeen = time.Now()
		byCount := t.script.CancelOnHeartbeat > 0 && t.heartbeats >= t.script.CancelOnHeartbeat
		byFile := false
		if t.script.CancelWhenFile != "" {
			_, err := os.Stat(t.script.CancelWhenFile)
			byFile = err == nil
		}
		if (byCount || byFile) && !t.done {
			t.cancelled = true
			cancelled = append(cancelled, id)
			f.logf("Heartbeat", id, codes.OK, "heartbeat %d: cancelled", t.heartbeats)
			if !t.expectFinish {
				f.markDone(t)
			}
		} else {
			f.logf("Heartbeat", id, codes.OK, "heartbeat %d", t.heartbeats)
		}
	}
	return v1.BatonServiceHeartbeatResponse_builder{
		NextHeartbeat:    durationpb.New(time.Duration(f.sc.HeartbeatMS) * time.Millisecond),
		Cancelled:        req.GetTaskId() != "" && len(cancelled) > 0 && cancelled[0] == req.GetTaskId(),
		CancelledTaskIds: cancelled,
	}.Build(), nil
}

func (f *fake) FinishTask(ctx context.Context, req *v1.BatonServiceFinishTaskRequest) (*v1.BatonServiceFinishTaskResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.byID(req.GetTaskId())
	if t == nil {
		f.logf("FinishTask", req.GetTaskId(), codes.NotFound, "unknown task")
		return nil, status.Errorf(codes.NotFound, "fakec1: no task %q", req.GetTaskId())
	}
	if req.GetSuccess() == nil && req.GetError() == nil {
		f.logf("FinishTask", req.GetTaskId(), codes.InvalidArgument, "neither success nor error")
		return nil, status.Errorf(codes.InvalidArgument, "fakec1: FinishTask without success or error")
	}
	t.finishes++
	t.lastSeen = time.Now()
	t.code = req.GetStatus().GetCode()
	t.message = req.GetStatus().GetMessage()
	if req.GetSuccess() != nil && t.code != 0 {
		f.logf("FinishTask", t.task.GetId(), codes.OK, "warning: success with status code %d", t.code)
	}
	b, err := pj.Marshal(req)
	if err != nil {
		// An Any of a type this binary does not know: keep the binary form instead.
		f.recordErrors = append(f.recordErrors, fmt.Sprintf("FinishTask %s: protojson: %v", t.task.GetId(), err))
		raw, _ := proto.Marshal(req)
		f.writeFile("finish/"+t.task.GetId()+".binpb", raw)
	} else {
		f.writeFile("finish/"+t.task.GetId()+".json", b)
	}
	kind := "success"
	if req.GetError() != nil {
		kind = fmt.Sprintf("error %s: %s", codes.Code(t.code), t.message)
	}
	f.logf("FinishTask", t.task.GetId(), codes.OK, "finish %d: %s", t.finishes, kind)
	f.markDone(t)
	return &v1.BatonServiceFinishTaskResponse{}, nil
}

func (f *fake) UploadAsset(stream grpc.ClientStreamingServer[v1.BatonServiceUploadAssetRequest, v1.BatonServiceUploadAssetResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	md := first.GetMetadata()
	f.mu.Lock()
	t := f.byID(md.GetTaskId())
	if md == nil || t == nil {
		f.logf("UploadAsset", md.GetTaskId(), codes.InvalidArgument, "first message is not metadata of a known task")
		f.mu.Unlock()
		return status.Errorf(codes.InvalidArgument, "fakec1: the first upload message must be metadata naming a known task")
	}
	f.mu.Unlock()
	h := sha256.New()
	var data []byte
	var sum []byte
	for {
		m, err := stream.Recv()
		if err != nil {
			f.mu.Lock()
			f.logf("UploadAsset", md.GetTaskId(), codes.Aborted, "stream ended before EOF: %v", err)
			f.mu.Unlock()
			return err
		}
		if d := m.GetData(); d != nil {
			data = append(data, d.GetData()...)
			h.Write(d.GetData())
			continue
		}
		if e := m.GetEof(); e != nil {
			sum = e.GetSha256Checksum()
			break
		}
		f.mu.Lock()
		f.logf("UploadAsset", md.GetTaskId(), codes.InvalidArgument, "metadata repeated")
		f.mu.Unlock()
		return status.Errorf(codes.InvalidArgument, "fakec1: metadata after the first upload message")
	}
	got := h.Sum(nil)
	f.mu.Lock()
	defer f.mu.Unlock()
	if string(got) != string(sum) {
		f.logf("UploadAsset", md.GetTaskId(), codes.DataLoss, "sha256 %x sent, %x received (%d bytes)", sum, got, len(data))
		return status.Errorf(codes.DataLoss, "fakec1: sha256 mismatch")
	}
	name := fmt.Sprintf("uploads/%s-%d.bin", md.GetTaskId(), len(t.uploads)+1)
	f.writeFile(name, data)
	t.uploads = append(t.uploads, name)
	t.lastSeen = time.Now()
	f.logf("UploadAsset", md.GetTaskId(), codes.OK, "%d bytes, sha256 %s -> %s", len(data), hex.EncodeToString(got), name)
	if d := f.sc.UploadDelayMS; d > 0 {
		f.logf("UploadAsset", md.GetTaskId(), codes.OK, "answering in %d ms", d)
		f.mu.Unlock()
		select {
		case <-time.After(time.Duration(d) * time.Millisecond):
		case <-stream.Context().Done():
		}
		f.mu.Lock()
		if err := stream.Context().Err(); err != nil {
			f.logf("UploadAsset", md.GetTaskId(), codes.Canceled, "the client gave up before the answer: %v", err)
			return err
		}
		f.logf("UploadAsset", md.GetTaskId(), codes.OK, "answered")
	}
	return stream.SendAndClose(&v1.BatonServiceUploadAssetResponse{})
}

func (f *fake) StartDebugging(ctx context.Context, req *v1.StartDebuggingRequest) (*v1.StartDebuggingResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logf("StartDebugging", "", codes.OK, "")
	return v1.StartDebuggingResponse_builder{Status: true}.Build(), nil
}

// ---- the token endpoint ----

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenRequests++
	fail := func(code int, why string) {
		f.tokenFailures++
		f.logf("token", "", codes.Unauthenticated, "HTTP %d: %s", code, why)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": why})
	}
	if f.tokenStatus != 0 {
		fail(f.tokenStatus, "scripted failure (--token-status)")
		return
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "not a POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "form: "+err.Error())
		return
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		fail(http.StatusBadRequest, "grant_type is not client_credentials")
		return
	case r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		fail(http.StatusBadRequest, "client_assertion_type is not jwt-bearer")
		return
	case r.PostForm.Get("client_id") != f.clientID:
		fail(http.StatusUnauthorized, fmt.Sprintf("client_id %q is not %q", r.PostForm.Get("client_id"), f.clientID))
		return
	}
	tok, err := jwt.ParseSigned(r.PostForm.Get("client_assertion"), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		fail(http.StatusUnauthorized, "client_assertion: "+err.Error())
		return
	}
	var claims jwt.Claims
	if err := tok.Claims(f.pub, &claims); err != nil {
		fail(http.StatusUnauthorized, "client_assertion signature: "+err.Error())
		return
	}
	if err := claims.Validate(jwt.Expected{Issuer: f.clientID, Subject: f.clientID,
		AnyAudience: jwt.Audience{f.audience}, Time: time.Now()}); err != nil {
		fail(http.StatusUnauthorized, "client_assertion claims: "+err.Error())
		return
	}
	if claims.Expiry == nil || claims.IssuedAt == nil {
		fail(http.StatusUnauthorized, "client_assertion lacks exp or iat")
		return
	}
	buf := make([]byte, 24)
	_, _ = rand.Read(buf)
	access := "fakec1." + base64.RawURLEncoding.EncodeToString(buf)
	ttl := time.Duration(f.sc.TokenTTLSeconds) * time.Second
	f.tokens[access] = time.Now().Add(ttl)
	f.tokensIssued++
	f.logf("token", "", codes.OK, "issued token %d, expires in %s", f.tokensIssued, ttl)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": f.sc.TokenTTLSeconds})
}

// ---- TLS ----

func newCA(cn string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func serverCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "fakec1 server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}, nil
}

// ---- credentials ----

// newClientSecret returns a secret in the four-part form the Go SDK's crypto.ParseClientSecret
// accepts: "secret-token:conductorone.com:v1:" + base64url(JSON Web Key of an Ed25519 private key).
func newClientSecret() (string, ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, err
	}
	b, err := jose.JSONWebKey{Key: priv}.MarshalJSON()
	if err != nil {
		return "", nil, err
	}
	return "secret-token:conductorone.com:v1:" + base64.RawURLEncoding.EncodeToString(b), pub, nil
}

func publicKeyOf(secret string) (ed25519.PublicKey, error) {
	parts := strings.SplitN(secret, ":", 4)
	if len(parts) != 4 || parts[2] != "v1" {
		return nil, errors.New("client secret is not of the form secret-token:<issuer>:v1:<base64url JWK>")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return nil, fmt.Errorf("client secret: %w", err)
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("client secret: %w", err)
	}
	priv, ok := k.Key.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("client secret: not an Ed25519 private key")
	}
	return priv.Public().(ed25519.PublicKey), nil
}

// audienceOf is the tenant host of a client id NAME@HOST/SUFFIX, without a port.
func audienceOf(clientID string) (string, error) {
	at := strings.SplitN(clientID, "@", 2)
	if len(at) != 2 {
		return "", errors.New("client id is not NAME@HOST/SUFFIX")
	}
	sl := strings.SplitN(at[1], "/", 2)
	if len(sl) != 2 {
		return "", errors.New("client id is not NAME@HOST/SUFFIX")
	}
	host := sl[0]
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host, nil
}

// ---- summary ----

type taskSummary struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	HandedOut  int      `json:"handed_out"`
	Heartbeats int      `json:"heartbeats"`
	Cancelled  bool     `json:"cancelled"`
	Finishes   int      `json:"finishes"`
	Hellos     int      `json:"hellos,omitempty"`
	Code       string   `json:"code,omitempty"`
	Message    string   `json:"message,omitempty"`
	Uploads    []string `json:"uploads,omitempty"`
	Done       bool     `json:"done"`
}

type summary struct {
	OK              bool           `json:"ok"`
	Error           string         `json:"error,omitempty"`
	Tasks           []taskSummary  `json:"tasks"`
	Hellos          int            `json:"hellos"`
	Calls           map[string]int `json:"calls"`
	TokenRequests   int            `json:"token_requests"`
	TokenFailures   int            `json:"token_failures"`
	TokensIssued    int            `json:"tokens_issued"`
	Unauthenticated int            `json:"unauthenticated"`
	UnavailableSent int            `json:"unavailable_sent"`
	RecordErrors    []string       `json:"record_errors,omitempty"`
}

func taskType(t *v1.Task) string {
	var name string
	t.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.ContainingOneof() != nil {
			name = string(fd.Name())
			return false
		}
		return true
	})
	if name == "" {
		return "none"
	}
	return name
}

func (f *fake) summary(runErr error) summary {
	s := summary{OK: runErr == nil && len(f.recordErrors) == 0, Hellos: f.hellos, Calls: f.calls,
		TokenRequests: f.tokenRequests, TokenFailures: f.tokenFailures, TokensIssued: f.tokensIssued,
		Unauthenticated: f.unauthenticated, UnavailableSent: f.unavailableSent, RecordErrors: f.recordErrors}
	if runErr != nil {
		s.Error = runErr.Error()
	}
	for _, t := range f.tasks {
		ts := taskSummary{ID: t.task.GetId(), Name: t.script.Name, Type: taskType(t.task), HandedOut: t.handedOut,
			Heartbeats: t.heartbeats, Cancelled: t.cancelled, Finishes: t.finishes, Hellos: t.helloReplies, Message: t.message,
			Uploads: t.uploads, Done: t.done}
		if t.finishes > 0 {
			ts.Code = codes.Code(t.code).String()
		}
		s.Tasks = append(s.Tasks, ts)
	}
	return s
}

// ---- main ----

func main() {
	os.Exit(run())
}

func run() int {
	scriptPath := flag.String("script", "", "JSON script of tasks (required)")
	out := flag.String("out", "", "recording directory, created (required)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	clientID := flag.String("client-id", "fakec1-client@tenant.fakec1.invalid/pcc", "client id NAME@HOST/SUFFIX")
	clientSecret := flag.String("client-secret", "", "client secret (default: generated)")
	timeout := flag.Duration("timeout", 120*time.Second, "give up (exit 1) when the script is not done by then")
	tokenStatus := flag.Int("token-status", 0, "answer every token request with this HTTP status (e.g. 401)")
	otherCA := flag.String("other-ca", "", "also write an unrelated CA certificate to this file")
	linger := flag.Bool("linger", false, "once the script is done, keep answering (empty GetTask) until --timeout, then exit 0 (for measuring an idle client)")
	flag.Parse()
	if *scriptPath == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: fakec1 --script FILE --out DIR [flags]")
		flag.PrintDefaults()
		return 2
	}
	sc, tasks, err := loadScript(*scriptPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 2
	}
	aud, err := audienceOf(*clientID)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 2
	}
	secret := *clientSecret
	var pub ed25519.PublicKey
	if secret == "" {
		secret, pub, err = newClientSecret()
	} else {
		pub, err = publicKeyOf(secret)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 2
	}
	outDir, _ := filepath.Abs(*out)
	events, err := os.Create(filepath.Join(outDir, "events.jsonl"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 2
	}
	defer events.Close()

	ca, caKey, caPEM, err := newCA("fakec1 throwaway CA")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 1
	}
	cert, err := serverCert(ca, caKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 1
	}
	caFile := filepath.Join(outDir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 1
	}
	if *otherCA != "" {
		_, _, otherPEM, err := newCA("fakec1 unrelated CA")
		if err == nil {
			err = os.WriteFile(*otherCA, otherPEM, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "fakec1:", err)
			return 1
		}
	}

	f := &fake{sc: sc, tasks: tasks, out: outDir, events: events, calls: map[string]int{},
		tokens: map[string]time.Time{}, clientID: *clientID, audience: aud, pub: pub,
		tokenStatus: *tokenStatus, doneCh: make(chan struct{})}

	gs := grpc.NewServer(grpc.UnaryInterceptor(f.unary), grpc.StreamInterceptor(f.stream))
	v1.RegisterBatonServiceServer(gs, f)
	mux := http.NewServeMux()
	mux.HandleFunc("/auth/v1/token", f.token)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			gs.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakec1:", err)
		return 1
	}
	srv := &http.Server{Handler: handler, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert},
		MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
		ErrorLog: nil}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.ServeTLS(ln, "", "") }()

	host := ln.Addr().String()
	ready, _ := json.MarshalIndent(map[string]string{"host": host, "ca_file": caFile, "client_id": *clientID,
		"client_secret": secret, "audience": aud}, "", "  ")
	env := fmt.Sprintf("BATON_C1_API_HOST=%s\nSSL_CERT_FILE=%s\nBATON_CLIENT_ID=%s\nBATON_CLIENT_SECRET=%s\n",
		host, caFile, *clientID, secret)
	f.mu.Lock()
	f.writeFile("env", []byte(env))
	f.writeFile("ready.json", ready)
	f.mu.Unlock()
	fmt.Printf("fakec1: listening on %s (%d tasks); recording to %s\n", host, len(tasks), outDir)

	var runErr error
	select {
	case <-f.doneCh:
		if *linger {
			select {
			case <-time.After(*timeout):
			case err := <-serveErr:
				runErr = fmt.Errorf("server: %w", err)
			}
		}
	case <-time.After(*timeout):
		runErr = errors.New("timeout")
	case err := <-serveErr:
		runErr = fmt.Errorf("server: %w", err)
	}
	// Let the last responses go out before stopping.
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = srv.Shutdown(ctx)
	cancel()
	gs.Stop()

	f.mu.Lock()
	defer f.mu.Unlock()
	if runErr != nil && runErr.Error() == "timeout" {
		var open []string
		for _, t := range f.tasks {
			if !t.done {
				open = append(open, fmt.Sprintf("%s (handed out %d, finishes %d)", t.task.GetId(), t.handedOut, t.finishes))
			}
		}
		sort.Strings(open)
		runErr = fmt.Errorf("timeout after %s; not done: %s", *timeout, strings.Join(open, ", "))
	}
	s := f.summary(runErr)
	b, _ := json.MarshalIndent(s, "", "  ")
	f.writeFile("summary.json", b)
	if runErr != nil || !s.OK {
		msg := s.Error
		if msg == "" {
			msg = strings.Join(s.RecordErrors, "; ")
		}
		fmt.Fprintln(os.Stderr, "fakec1:", msg)
		return 1
	}
	fmt.Println("fakec1: script done")
	return 0
}
