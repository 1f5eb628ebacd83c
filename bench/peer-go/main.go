// peer-go: the Go side of libbaton's benchmarks (bench/README.md). The same workloads as
// baton-bench, written with the upstream Go module github.com/conductorone/baton-sdk v0.25.0:
//
//	peer-go writepack  --engine sqlite|pebble -o FILE [--grants N]
//	peer-go expand     --engine sqlite|pebble -o WORKFILE IN     (IN is copied to WORKFILE first)
//	peer-go convert    IN OUT                                    (v1 file -> Pebble file, untimed prep)
//	peer-go sync-shape|fanout|latency --engine E -o FILE [sizes as baton-bench] [--workers W]
//
// Each prints one JSON result line, like baton-bench.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.uber.org/zap"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	"github.com/conductorone/baton-sdk/pkg/sdk"
	"github.com/conductorone/baton-sdk/pkg/sync"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
)

var syncID *string

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "peer-go: "+format+"\n", a...)
	os.Exit(1)
}

func engineOf(name string) c1zstore.Engine {
	switch name {
	case "sqlite":
		return c1zstore.EngineSQLite
	case "pebble":
		return c1zstore.EnginePebble
	}
	die("unknown engine %q (sqlite, pebble)", name)
	return ""
}

func result(workload string, rows int64, c1z string, inner time.Duration, extra map[string]any) {
	m := map[string]any{"workload": workload, "rows": rows, "c1z": c1z, "inner_s": inner.Seconds(), "c1z_bytes": int64(-1)}
	if st, err := os.Stat(c1z); err == nil {
		m["c1z_bytes"] = st.Size()
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func tmpDir(out string) string {
	d, err := os.MkdirTemp(filepath.Dir(out), "peer-go-tmp")
	if err != nil {
		die("%v", err)
	}
	return d
}

func main() {
	if len(os.Args) < 2 {
		die("usage: peer-go writepack|expand|convert|sync-shape|fanout|latency ...")
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	engine := fs.String("engine", "sqlite", "sqlite or pebble")
	out := fs.String("o", "", "output (or work) file")
	syncID = fs.String("sync-id", "", "expand: the sync to expand (default: the latest finished)")
	grants := fs.Int("grants", 1000000, "writepack: grants")
	users := fs.Int("users", -1, "users")
	groups := fs.Int("groups", -1, "groups")
	roles := fs.Int("roles", -1, "roles")
	workers := fs.Int("workers", 0, "sync workers")
	latency := fs.Int("latency-ms", 20, "latency: ms per call")
	resources := fs.Int("resources", 10000, "fanout: resources")
	grantsPer := fs.Int("grants-per", 1000, "fanout: grants per resource")
	_ = fs.Parse(os.Args[2:])

	ctx := context.Background()
	// The SDK logs through zap from the context; keep warnings and errors only.
	l, _ := zap.NewProduction(zap.IncreaseLevel(zap.WarnLevel))
	ctx = ctxzap.ToContext(ctx, l)

	switch cmd {
	case "writepack":
		writepack(ctx, engineOf(*engine), *out, *grants)
	case "expand":
		if fs.NArg() != 1 {
			die("expand: IN is required")
		}
		expand(ctx, engineOf(*engine), fs.Arg(0), *out)
	case "convert":
		if fs.NArg() != 2 {
			die("convert: IN OUT")
		}
		convert(ctx, fs.Arg(0), fs.Arg(1))
	case "sync-shape", "fanout", "latency":
		lat := cmd == "latency"
		def := func(v *int, big, small int) int {
			if *v >= 0 {
				return *v
			}
			if lat {
				return small
			}
			return big
		}
		s := &synth{users: def(users, 5000, 100), groups: def(groups, 200, 20), roles: def(roles, 25, 5),
			groupsPerUser: 4, usersPerRole: 3200, nest: 8}
		if lat {
			s.latency = time.Duration(*latency) * time.Millisecond
		}
		if cmd == "fanout" {
			s = &synth{users: *grantsPer, groups: *resources, grantsPer: *grantsPer}
		}
		runSync(ctx, cmd, engineOf(*engine), *out, s, *workers)
	default:
		die("unknown command %q", cmd)
	}
}

// ---- writepack: the same rows as baton-bench writepack, through the store ----

func writepack(ctx context.Context, engine c1zstore.Engine, out string, n int) {
	os.Remove(out)
	td := tmpDir(out)
	defer os.RemoveAll(td)
	t0 := time.Now()
	st, err := dotc1z.NewStore(ctx, out, dotc1z.WithEngine(engine), dotc1z.WithTmpDir(td))
	if err != nil {
		die("open: %v", err)
	}
	if _, err := st.StartNewSync(ctx, connectorstore.SyncTypeFull, ""); err != nil {
		die("start: %v", err)
	}
	userT := rs.NewResourceType("User", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	groupT := rs.NewResourceType("Group", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP})
	if err := st.PutResourceTypes(ctx, userT, groupT); err != nil {
		die("put types: %v", err)
	}
	var grs []*v2.Resource
	var ents []*v2.Entitlement
	for g := 0; g < 100; g++ {
		r, err := rs.NewGroupResource("Group "+strconv.Itoa(g), groupT, "g"+strconv.Itoa(g), nil)
		if err != nil {
			die("%v", err)
		}
		grs = append(grs, r)
		ents = append(ents, ent.NewAssignmentEntitlement(r, "member"))
	}
	if err := st.PutResources(ctx, grs...); err != nil {
		die("put groups: %v", err)
	}
	if err := st.PutEntitlements(ctx, ents...); err != nil {
		die("put entitlements: %v", err)
	}
	var us []*v2.Resource
	for u := 0; u < 1000; u++ {
		r, err := rs.NewUserResource("User "+strconv.Itoa(u), userT, "u"+strconv.Itoa(u), nil)
		if err != nil {
			die("%v", err)
		}
		us = append(us, r)
	}
	if err := st.PutResources(ctx, us...); err != nil {
		die("put users: %v", err)
	}
	batch := make([]*v2.Grant, 0, 1000)
	for i := 0; i < n; i++ {
		round := i / 100000
		uid := "u" + strconv.Itoa((i/100)%1000)
		if round > 0 {
			uid += "-" + strconv.Itoa(round)
		}
		batch = append(batch, grant.NewGrant(grs[i%100], "member", &v2.ResourceId{ResourceType: "user", Resource: uid}))
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.PutGrants(ctx, batch...); err != nil {
				die("put grants: %v", err)
			}
			batch = batch[:0]
		}
	}
	if err := st.EndSync(ctx); err != nil {
		die("end: %v", err)
	}
	if err := st.Close(ctx); err != nil {
		die("close: %v", err)
	}
	result("writepack", int64(n), out, time.Since(t0), map[string]any{"engine": string(engine)})
}

// ---- expand: grant expansion of a copy of a c1z through the SDK's syncer (as the compactor
// and `baton rollback-expansion` run it) ----

func pickSync(ctx context.Context, st c1zstore.Store, id string) string {
	if id != "" {
		return id
	}
	if run, err := st.SyncMeta().LatestFinishedSyncOfAnyType(ctx); err == nil && run != nil {
		return run.ID
	}
	id, _, err := st.StartOrResumeSync(ctx, connectorstore.SyncTypeFull, "")
	if err != nil {
		die("no sync to expand: %v", err)
	}
	return id
}

func expand(ctx context.Context, engine c1zstore.Engine, in, work string) {
	if err := copyFile(in, work); err != nil {
		die("%v", err)
	}
	td := tmpDir(work)
	defer os.RemoveAll(td)
	t0 := time.Now()
	st, err := dotc1z.NewStore(ctx, work, dotc1z.WithEngine(engine), dotc1z.WithTmpDir(td))
	if err != nil {
		die("open: %v", err)
	}
	id := pickSync(ctx, st, *syncID)
	empty, err := sdk.NewEmptyConnector()
	if err != nil {
		die("%v", err)
	}
	s, err := sync.NewSyncer(ctx, empty, sync.WithConnectorStore(st), sync.WithSyncID(id),
		sync.WithOnlyExpandGrants(), sync.WithTmpDir(td))
	if err != nil {
		die("syncer: %v", err)
	}
	if err := s.Sync(ctx); err != nil {
		die("expand: %v", err)
	}
	if err := s.Close(ctx); err != nil {
		die("syncer close: %v", err)
	}
	if err := st.Close(ctx); err != nil {
		die("close: %v", err)
	}
	elapsed := time.Since(t0)
	rows := int64(-1)
	if ro, err := dotc1z.NewStore(ctx, work, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(td)); err == nil {
		if stats, err := ro.SyncMeta().Stats(ctx, connectorstore.SyncTypeAny, id); err == nil {
			rows = stats["grants"]
		}
		ro.Close(ctx)
	}
	result("expand", rows, work, elapsed, map[string]any{"engine": string(engine), "total_grants": rows})
}

func convert(ctx context.Context, in, out string) {
	if err := copyFile(in, out); err != nil {
		die("%v", err)
	}
	td := tmpDir(out)
	defer os.RemoveAll(td)
	st, err := dotc1z.NewStore(ctx, out, dotc1z.WithEngine(c1zstore.EnginePebble), dotc1z.WithTmpDir(td))
	if err != nil {
		die("open: %v", err)
	}
	if err := st.Close(ctx); err != nil {
		die("close: %v", err)
	}
}

// ---- sync-shape / fanout / latency: the synthetic connector through the SDK's syncer ----

func runSync(ctx context.Context, workload string, engine c1zstore.Engine, out string, s *synth, workers int) {
	os.Remove(out)
	td := tmpDir(out)
	defer os.RemoveAll(td)
	t0 := time.Now()
	srv, err := connectorbuilder.NewConnector(ctx, s)
	if err != nil {
		die("connector: %v", err)
	}
	cl := newInprocClient(ctx, srv)
	opts := []sync.SyncOpt{sync.WithC1ZPath(out), sync.WithTmpDir(td), sync.WithStorageEngine(engine)}
	if workers > 0 {
		opts = append(opts, sync.WithWorkerCount(workers))
	}
	syncer, err := sync.NewSyncer(ctx, cl, opts...)
	if err != nil {
		die("syncer: %v", err)
	}
	if err := syncer.Sync(ctx); err != nil {
		die("sync: %v", err)
	}
	if err := syncer.Close(ctx); err != nil {
		die("close: %v", err)
	}
	elapsed := time.Since(t0)
	rows := int64(-1)
	if ro, err := dotc1z.NewStore(ctx, out, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(td)); err == nil {
		if run, err := ro.SyncMeta().LatestFinishedSyncOfAnyType(ctx); err == nil && run != nil {
			if stats, err := ro.SyncMeta().Stats(ctx, connectorstore.SyncTypeAny, run.ID); err == nil {
				rows = 0
				for _, v := range stats {
					rows += v
				}
			}
		}
		ro.Close(ctx)
	}
	result(workload, rows, out, elapsed, map[string]any{"engine": string(engine), "workers": workers})
}
