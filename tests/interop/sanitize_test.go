// `baton sanitize` (ours, BATON_INTEROP_BATON_BIN) against the Go SDK's cmd/baton `sanitize`
// (pkg/c1zsanitize), on the same inputs with the same --secret-file and --anchor: the Go-written
// tests/data/c1z files, the demo connector's c1z (BATON_INTEROP_DEMO_C1Z, when scripts/interop.sh
// made it) and a file written here with the SDK that holds every annotation type the sanitizer
// has a handler for (and some it drops), several syncs (a partial child, a linked diff pair, a
// supports_diff marker) and assets (PNG, other, missing).
//
// With a fixed secret and anchor the transform is deterministic, so the outputs are compared row
// for row: every sync's resource types, resources, entitlements and grants (grants with their
// GrantExpandable restored), in list order, as decoded protobufs (proto.Equal), and every asset
// (id, content type, bytes). The parts that are random in Go's output too — the new sync ids
// (KSUIDs) and the sync start/end times — are compared by structure instead: the same number of
// syncs, in the same order, of the same types, with parents / links pointing at the same
// positions (or the same HMAC'd external parent), supports_diff and ended alike.
//
// Skips when BATON_INTEROP_BATON_BIN is unset.
package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	c1zpb "github.com/conductorone/baton-sdk/pb/c1/c1z/v1"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
)

func szAny(m proto.Message) *anypb.Any { return must(anypb.New(m)) }

func szTime(sec int64) *timestamppb.Timestamp {
	return &timestamppb.Timestamp{Seconds: sec, Nanos: 123456789}
}

// writeSanitizeFixture writes, with the SDK, a c1z exercising every sanitizer handler.
func writeSanitizeFixture(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	f := openGo(t, path, false)
	profile := mustStruct(map[string]any{
		"name": "Alice Smith", "age": 42, "admin": true, "none": nil,
		"nested": map[string]any{"city": "Paris", "tags": []any{"a", 1, map[string]any{"k": "v"}, []any{"x"}}},
	})
	user := &v2.UserTrait{
		Emails: []*v2.UserTrait_Email{{Address: "alice@acme.com", IsPrimary: true},
			{Address: "alice.smith@ACME.com"}, {Address: "not-an-email"}, {Address: "@acme.com"},
			{Address: "a@b@acme.com"}, {Address: "trailing@"}, {Address: ""}},
		Status:       &v2.UserTrait_Status{Status: v2.UserTrait_Status_STATUS_ENABLED, Details: "ok"},
		Profile:      profile,
		Icon:         &v2.AssetRef{Id: "icon-png"},
		AccountType:  v2.UserTrait_ACCOUNT_TYPE_HUMAN,
		Login:        "alice",
		LoginAliases: []string{"asmith", "alice2"},
		EmployeeIds:  []string{"E1"},
		CreatedAt:    szTime(1600000000),
		LastLogin:    szTime(1700000000),
		MfaStatus:    &v2.UserTrait_MFAStatus{MfaEnabled: true},
		SsoStatus:    &v2.UserTrait_SSOStatus{SsoEnabled: true},
		StructuredName: &v2.UserTrait_StructuredName{GivenName: "Alice", FamilyName: "Smith",
			MiddleNames: []string{"B", "C"}, Prefix: "Dr", Suffix: "Jr"},
	}
	rts := []*v2.ResourceType{
		{Id: "user", DisplayName: "User", Description: "People", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
			Annotations: []*anypb.Any{szAny(&v2.ChildResourceType{ResourceTypeId: "group"}),
				szAny(&v2.ChildResourceType{ResourceTypeId: "undeclared"}), szAny(&v2.SkipGrants{})}},
		{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}, SourcedExternally: true},
		{Id: "app", DisplayName: "App", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_APP}},
		{Id: "role", DisplayName: "Role", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE}},
		{Id: "secret", DisplayName: "Secret", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SECRET}},
	}
	uid := &v2.ResourceId{ResourceType: "user", Resource: "alice"}
	gid := &v2.ResourceId{ResourceType: "group", Resource: "eng"}
	res := []*v2.Resource{
		{Id: uid, DisplayName: "Alice", Description: "first user", Profile: profile,
			Icon: &v2.AssetRef{Id: "icon-bin"}, Status: &v2.Status{Status: v2.Status_RESOURCE_STATUS_ENABLED, Details: "fine"},
			CreatedAt: szTime(1650000000), ExternalId: &v2.ExternalId{Id: "ext-1", Link: "https://x"},
			Annotations: []*anypb.Any{szAny(user), szAny(&v2.ExternalLink{Url: "https://acme.com/alice"}),
				szAny(&v2.ETag{Value: "etag"}), {TypeUrl: "type.googleapis.com/c1.connector.v2.GroupTrait", Value: []byte{0xff, 0xff}}}},
		{Id: &v2.ResourceId{ResourceType: "user", Resource: "bob"}, DisplayName: "Bob", ParentResourceId: gid,
			Annotations: []*anypb.Any{szAny(&v2.UserTrait{Emails: []*v2.UserTrait_Email{{Address: "bob@acme.com"}, {Address: "bob@other.org"}}})}},
		{Id: gid, DisplayName: "Engineering", Annotations: []*anypb.Any{szAny(&v2.GroupTrait{Icon: &v2.AssetRef{Id: "icon-missing"},
			Profile: mustStruct(map[string]any{"desc": "eng team"})})}},
		{Id: &v2.ResourceId{ResourceType: "app", Resource: "app1"}, DisplayName: "App One",
			Annotations: []*anypb.Any{szAny(&v2.AppTrait{HelpUrl: "https://help.acme.com", Icon: &v2.AssetRef{Id: "icon-png"},
				Logo: &v2.AssetRef{Id: "logo-svg"}, Flags: []v2.AppTrait_AppFlag{v2.AppTrait_APP_FLAG_SAML}, AppSourceType: "x"})}},
		{Id: &v2.ResourceId{ResourceType: "role", Resource: "r1"}, DisplayName: "Role One",
			Annotations: []*anypb.Any{szAny(&v2.RoleTrait{RoleScopeConditions: &v2.RoleScopeConditions{Type: "cel",
				Conditions: []*v2.RoleScopeCondition{{Expression: "a == b"}, {Expression: ""}}}}),
				szAny(&v2.ScopeBindingTrait{RoleId: &v2.ResourceId{ResourceType: "role", Resource: "r1"}, ScopeResourceId: gid}),
				szAny(&v2.LicenseProfileTrait{LicenseName: "E5", PurchasedSeats: 10, ConsumedSeats: 3, CostPerUnitInCents: 500,
					Currency: "USD", EntitlementIds: []string{"role:r1:assigned", "plain"}})}},
		{Id: &v2.ResourceId{ResourceType: "secret", Resource: "s1"}, DisplayName: "Key",
			Annotations: []*anypb.Any{szAny(&v2.SecretTrait{Profile: profile, CreatedAt: szTime(1500000000), ExpiresAt: szTime(1900000000),
				LastUsedAt: szTime(1710000000), CreatedById: uid, IdentityId: &v2.ResourceId{ResourceType: "app", Resource: "app1"},
				CredentialDetail: "dropped"})}},
		{Id: &v2.ResourceId{ResourceType: "undeclared", Resource: "u1"}, DisplayName: "Undeclared", BatonResource: true,
			Profile: &structpb.Struct{}, Status: &v2.Status{},
			Annotations: []*anypb.Any{szAny(&v2.AppTrait{}), szAny(&v2.ExternalLink{}), szAny(&v2.UserTrait{})}},
	}
	ents := []*v2.Entitlement{
		{Id: "group:eng:member", Resource: res[2], DisplayName: "Eng member", Description: "d", Slug: "member",
			Purpose:     v2.Entitlement_PURPOSE_VALUE_ASSIGNMENT,
			GrantableTo: []*v2.ResourceType{rts[0]},
			Annotations: []*anypb.Any{szAny(&v2.EntitlementImmutable{SourceId: "group:eng:member", Metadata: mustStruct(map[string]any{"m": "x"})})}},
		{Id: "role:r1:assigned", Resource: res[4], DisplayName: "Assigned", Purpose: v2.Entitlement_PURPOSE_VALUE_PERMISSION},
	}
	grants := []*v2.Grant{
		{Id: "group:eng:member:user:alice", Entitlement: ents[0], Principal: res[0],
			Sources:     &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{"group:eng:member": {IsDirect: true}, "role:r1:assigned": {}}},
			Annotations: []*anypb.Any{szAny(&v2.GrantImmutable{SourceId: "src:1", Metadata: mustStruct(map[string]any{"why": "because"})})}},
		{Id: "role:r1:assigned:group:eng", Entitlement: ents[1], Principal: res[2],
			Annotations: []*anypb.Any{szAny(&v2.GrantExpandable{EntitlementIds: []string{"group:eng:member"}, Shallow: true,
				ResourceTypeIds: []string{"user", "nosuch"}})}},
		{Id: "weird:eng:tenant-uuid:user:bob:", Entitlement: ents[0], Principal: res[1], Sources: &v2.GrantSources{}},
		{Id: "group::member:user:alice", Entitlement: &v2.Entitlement{Id: "group:eng:member", Resource: res[2]}, Principal: res[0]},
	}
	ctx = context.Background()
	// putAll writes a full sync holding everything above, with its assets.
	putAll := func() string {
		id, err := f.StartNewSync(ctx, connectorstore.SyncTypeFull, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.PutResourceTypes(ctx, rts...); err != nil {
			t.Fatal(err)
		}
		if err := f.PutResources(ctx, res...); err != nil {
			t.Fatal(err)
		}
		if err := f.PutEntitlements(ctx, ents...); err != nil {
			t.Fatal(err)
		}
		if err := f.PutGrants(ctx, grants...); err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct{ id, ct string }{{"icon-png", "image/png"}, {"icon-bin", "application/octet-stream"},
			{"logo-svg", "IMAGE/SVG+XML"}} {
			if err := f.PutAsset(ctx, &v2.AssetRef{Id: a.id}, a.ct, []byte("data of "+a.id)); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.EndSync(ctx); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Sync #0: a full sync (supports_diff).
	full := putAll()
	if err := f.SetSupportsDiff(ctx, full); err != nil {
		t.Fatal(err)
	}
	// Syncs #1 and #2: a diff pair whose parent is the full sync, linked both ways.
	var pair []string
	for _, st := range []connectorstore.SyncType{connectorstore.SyncTypePartialUpserts, connectorstore.SyncTypePartialDeletions} {
		id, err := f.StartNewSync(ctx, st, full)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.PutResourceTypes(ctx, rts[0]); err != nil {
			t.Fatal(err)
		}
		if err := f.PutResources(ctx, res[1]); err != nil {
			t.Fatal(err)
		}
		if err := f.EndSync(ctx); err != nil {
			t.Fatal(err)
		}
		pair = append(pair, id)
	}
	if err := f.SetSyncLink(ctx, pair[0], pair[1]); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSyncLink(ctx, pair[1], pair[0]); err != nil {
		t.Fatal(err)
	}
	// Sync #3: another full sync, the latest finished one: Go's reader reads assets there.
	putAll()
	// Sync #4: a partial sync whose parent is not in the file (HMAC'd), left unfinished.
	if _, err := f.StartNewSync(ctx, connectorstore.SyncTypePartial, "2externalparentsyncid0000000"); err != nil {
		t.Fatal(err)
	}
	if err := f.PutResourceTypes(ctx, rts[1]); err != nil {
		t.Fatal(err)
	}
	if err := f.PutResources(ctx, res[2]); err != nil {
		t.Fatal(err)
	}
	closeGo(t, f)
}

// sanitizedDump is what the comparison looks at: per sync (in row order) its structure and rows.
type sanitizedSync struct {
	syncType, parent, linked, token string
	supportsDiff, ended             bool
	rows                            map[string][]proto.Message
}

type sanitizedDump struct {
	syncs  []sanitizedSync
	assets []string // "sync#: id content-type hex(data)"
}

func dumpSanitized(t *testing.T, path string) *sanitizedDump {
	t.Helper()
	ctx := context.Background()
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(t.TempDir()))
	if err != nil {
		t.Fatalf("the Go SDK cannot open %s: %v", path, err)
	}
	defer f.Close(ctx)
	runs, _, err := f.ListSyncRuns(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]string{}
	for i, r := range runs {
		pos[r.ID] = fmt.Sprintf("#%d", i)
	}
	ref := func(id string) string {
		if p, ok := pos[id]; ok {
			return p
		}
		return id // an external (HMAC'd) parent: compared as it is
	}
	d := &sanitizedDump{}
	for _, r := range runs {
		s := sanitizedSync{syncType: string(r.Type), parent: ref(r.ParentSyncID), linked: ref(r.LinkedSyncID),
			token: r.SyncToken, supportsDiff: r.SupportsDiff, ended: r.EndedAt != nil, rows: map[string][]proto.Message{}}
		annos := annotations.New(&c1zpb.SyncDetails{Id: r.ID})
		for tok := ""; ; {
			resp, err := f.ListResourceTypes(ctx, &v2.ResourceTypesServiceListResourceTypesRequest{PageSize: 100, PageToken: tok, Annotations: annos})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range resp.GetList() {
				s.rows["resource_types"] = append(s.rows["resource_types"], m)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
		for tok := ""; ; {
			resp, err := f.ListResources(ctx, &v2.ResourcesServiceListResourcesRequest{PageSize: 100, PageToken: tok, Annotations: annos})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range resp.GetList() {
				s.rows["resources"] = append(s.rows["resources"], m)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
		for tok := ""; ; {
			resp, err := f.ListEntitlements(ctx, &v2.EntitlementsServiceListEntitlementsRequest{PageSize: 100, PageToken: tok, Annotations: annos})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range resp.GetList() {
				s.rows["entitlements"] = append(s.rows["entitlements"], m)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
		for tok := ""; ; {
			resp, err := f.ListGrantsWithExpansion(ctx, &v2.GrantsServiceListGrantsRequest{PageSize: 100, PageToken: tok, Annotations: annos})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range resp.GetList() {
				s.rows["grants"] = append(s.rows["grants"], m)
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
		d.syncs = append(d.syncs, s)
	}
	db := openRaw(t, path)
	rs, err := db.Query("SELECT sync_id, external_id, content_type, hex(data) FROM v1_assets")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var sid, id, ct, data string
		if err := rs.Scan(&sid, &id, &ct, &data); err != nil {
			t.Fatal(err)
		}
		d.assets = append(d.assets, fmt.Sprintf("%s: %s %s %s", ref(sid), id, ct, data))
	}
	sort.Strings(d.assets)
	return d
}

func compareSanitized(t *testing.T, what string, g, c *sanitizedDump) {
	t.Helper()
	if len(g.syncs) != len(c.syncs) {
		t.Fatalf("%s: %d syncs, Go wrote %d", what, len(c.syncs), len(g.syncs))
	}
	for i := range g.syncs {
		gs, cs := g.syncs[i], c.syncs[i]
		if gs.syncType != cs.syncType || gs.parent != cs.parent || gs.linked != cs.linked || gs.token != cs.token ||
			gs.supportsDiff != cs.supportsDiff || gs.ended != cs.ended {
			t.Errorf("%s: sync #%d differs:\n Go   %+v\n ours %+v", what, i, gs, cs)
		}
		for _, table := range []string{"resource_types", "resources", "entitlements", "grants"} {
			gr, cr := gs.rows[table], cs.rows[table]
			if len(gr) != len(cr) {
				t.Errorf("%s: sync #%d: %d %s, Go wrote %d", what, i, len(cr), table, len(gr))
				continue
			}
			shown := 0
			for j := range gr {
				if !sameRow(gr[j], cr[j]) {
					if shown++; shown <= 3 {
						t.Errorf("%s: sync #%d %s row %d differs:\n Go   %s\n ours %s", what, i, table, j,
							protojson.Format(gr[j]), protojson.Format(cr[j]))
					}
				}
			}
			if shown > 3 {
				t.Errorf("%s: sync #%d %s: %d rows differ", what, i, table, shown)
			}
		}
	}
	if fmt.Sprint(g.assets) != fmt.Sprint(c.assets) {
		t.Errorf("%s: assets differ:\n Go   %v\n ours %v", what, g.assets, c.assets)
	}
}

func TestSanitizeMatchesGo(t *testing.T) {
	cbin := os.Getenv("BATON_INTEROP_BATON_BIN")
	if cbin == "" {
		t.Skip("BATON_INTEROP_BATON_BIN is not set")
	}
	dir := t.TempDir()
	files := map[string]string{}
	for _, name := range []string{"expansion-small.expanded.c1z", "expansion-small.unexpanded.c1z"} {
		if p := filepath.Join("..", "data", "c1z", name); szFileExists(p) {
			files[name] = must(filepath.Abs(p))
		}
	}
	if p := os.Getenv("BATON_INTEROP_DEMO_C1Z"); p != "" {
		files["demo"] = p
	}
	fixture := filepath.Join(dir, "handlers.c1z")
	writeSanitizeFixture(t, fixture)
	files["handlers"] = fixture
	gobin := buildGoBaton(t, t.TempDir())

	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef-sanitize-interop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			in := files[n]
			before, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			for i, extra := range [][]string{{}, {"--allow-unknown-annotations", "--out-engine", "sqlite"}} {
				gout := filepath.Join(t.TempDir(), fmt.Sprintf("go%d.c1z", i))
				cout := filepath.Join(t.TempDir(), fmt.Sprintf("c%d.c1z", i))
				args := append([]string{"sanitize", "--secret-file", secret, "--anchor", "2030-01-02T03:04:05.5+02:00"}, extra...)
				g := runTool(t, gobin, dir, append([]string{"-f", in, "--out", gout}, args...)...)
				c := runTool(t, cbin, dir, append([]string{"-f", in, "--out", cout}, args...)...)
				if !g.ok || !c.ok {
					t.Fatalf("%v: Go ok=%v (%s), ours ok=%v (%s)", extra, g.ok, g.stderr, c.ok, c.stderr)
				}
				if len(c.out) != 0 {
					t.Errorf("ours printed on stdout: %q", c.out)
				}
				gd, cd := dumpSanitized(t, gout), dumpSanitized(t, cout)
				compareSanitized(t, fmt.Sprintf("%s %v", n, extra), gd, cd)
				rows := 0
				for _, s := range gd.syncs {
					for _, r := range s.rows {
						rows += len(r)
					}
				}
				if rows == 0 {
					t.Errorf("%s: Go's output has no rows: nothing was compared", n)
				}
				if n == "handlers" {
					// The fixture's structure made it through: 5 syncs (the diff pair linked, the
					// first full one supports_diff, the external parent HMAC'd) and assets.
					if len(gd.syncs) != 5 || gd.syncs[1].linked != "#2" || gd.syncs[2].linked != "#1" ||
						!gd.syncs[0].supportsDiff || gd.syncs[1].parent != "#0" || gd.syncs[4].parent == "" ||
						gd.syncs[4].parent[0] == '#' {
						t.Errorf("handlers: unexpected sync structure %+v", gd.syncs)
					}
					if len(gd.assets) == 0 {
						t.Errorf("handlers: no assets in Go's output")
					}
				}
			}
			after, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("%s: the input was modified", n)
			}
		})
	}

	// Without --anchor the shift is random (now); without --secret-file the secret too: both
	// tools then write a 32-byte OUT.secret and the same structure.
	gout, cout := filepath.Join(dir, "go-rand.c1z"), filepath.Join(dir, "c-rand.c1z")
	g := runTool(t, gobin, dir, "-f", fixture, "sanitize", "--out", gout)
	c := runTool(t, cbin, dir, "-f", fixture, "sanitize", "--out", cout)
	if !g.ok || !c.ok {
		t.Fatalf("no secret: Go ok=%v (%s), ours ok=%v (%s)", g.ok, g.stderr, c.ok, c.stderr)
	}
	for _, p := range []string{gout, cout} {
		st, err := os.Stat(p + ".secret")
		if err != nil || st.Size() != 32 || st.Mode().Perm() != 0o600 {
			t.Errorf("%s.secret: %v %v", p, st, err)
		}
	}
	gd, cd := dumpSanitized(t, gout), dumpSanitized(t, cout)
	if len(gd.syncs) != len(cd.syncs) {
		t.Fatalf("no secret: %d syncs, Go wrote %d", len(cd.syncs), len(gd.syncs))
	}
	for i := range gd.syncs {
		for table, rows := range gd.syncs[i].rows {
			if len(rows) != len(cd.syncs[i].rows[table]) {
				t.Errorf("no secret: sync #%d: %d %s, Go wrote %d", i, len(cd.syncs[i].rows[table]), table, len(rows))
			}
		}
	}
	if len(gd.assets) != len(cd.assets) {
		t.Errorf("no secret: %d assets, Go wrote %d", len(cd.assets), len(gd.assets))
	}

	// The same refusals, in the same order (checked before any secret is made).
	bad := [][]string{
		{"sanitize"},
		{"sanitize", "--out", filepath.Join(dir, "x.c1z"), "--out-engine", "mysql"},
		{"sanitize", "--out", filepath.Join(dir, "x.c1z"), "--anchor", "yesterday"},
		{"sanitize", "--out", gout},
		{"sanitize", "--out", filepath.Join(dir, "y.c1z"), "--secret-file", filepath.Join(dir, "nosuch")},
	}
	for _, args := range bad {
		g := runTool(t, gobin, dir, append([]string{"-f", fixture}, args...)...)
		c := runTool(t, cbin, dir, append([]string{"-f", fixture}, args...)...)
		if g.ok || c.ok {
			t.Errorf("%v: Go ok=%v, ours ok=%v (both should fail)", args, g.ok, c.ok)
		}
	}
	for _, p := range []string{"x.c1z", "x.c1z.secret", "y.c1z", "y.c1z.secret"} {
		if szFileExists(filepath.Join(dir, p)) {
			t.Errorf("%s was written by a refused run", p)
		}
	}
}

// sameRow: proto.Equal, except that Any values are compared by what they hold (protojson, which
// orders map keys): the bytes of a packed Struct follow Go's random map order, so two runs of the
// Go tool alone already differ there.
func sameRow(a, b proto.Message) bool {
	if proto.Equal(a, b) {
		return true
	}
	ja, errA := protojson.Marshal(a)
	jb, errB := protojson.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func szFileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
