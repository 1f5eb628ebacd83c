// Command godemo is the Go SDK's side of the service-mode interop test (service_test.go): a Go
// connector built with the upstream module, shaped like libbaton's baton-demo (democonn's
// metadata, configuration, event feeds, action and ticket manager) and run through the SDK's own
// command line, so `godemo --client-id … --client-secret …` is the Go SDK's service mode.
//
// Its data is replayed from a c1z named by BATON_GODEMO_DATA (service_test.go gives it the c1z
// baton-demo wrote in a one-shot sync, so a service-mode sync by the Go SDK can be compared row
// by row with one by the C daemon). The replay serves what a connector lists: resource types,
// resources (with their parents), entitlements, and the grants the connector emitted, i.e. not
// the ones grant expansion derived (those without sources, or whose sources name their own
// entitlement), with their sources cleared: the Go syncer expands them again. Grant and revoke
// change the replayed data in memory. Without BATON_GODEMO_DATA the company is empty.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/spf13/viper"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	"github.com/conductorone/baton-sdk/pkg/types"

	"libbaton.test/interop/democonn"
)

type dataset struct {
	mu        sync.Mutex
	types     []*v2.ResourceType
	resources []*v2.Resource
	ents      []*v2.Entitlement
	grants    []*v2.Grant
}

func rid(id *v2.ResourceId) string {
	if id == nil {
		return ""
	}
	return id.GetResourceType() + "/" + id.GetResource()
}

func load(ctx context.Context, path string) (*dataset, error) {
	d := &dataset{}
	if path == "" {
		return d, nil
	}
	tmp, err := os.MkdirTemp("", "godemo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	f, err := dotc1z.NewC1ZFile(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmp))
	if err != nil {
		return nil, fmt.Errorf("godemo: %s: %w", path, err)
	}
	defer f.Close(ctx)
	for tok := ""; ; {
		r, err := f.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageSize: 100, PageToken: tok}.Build())
		if err != nil {
			return nil, err
		}
		d.types = append(d.types, r.GetList()...)
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		r, err := f.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageSize: 100, PageToken: tok}.Build())
		if err != nil {
			return nil, err
		}
		d.resources = append(d.resources, r.GetList()...)
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		r, err := f.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageSize: 100, PageToken: tok}.Build())
		if err != nil {
			return nil, err
		}
		d.ents = append(d.ents, r.GetList()...)
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	for tok := ""; ; {
		// With expansion: the store keeps GrantExpandable in a side column, which plain
		// ListGrants leaves out; the syncer needs it to expand again.
		r, err := f.ListGrantsWithExpansion(ctx, v2.GrantsServiceListGrantsRequest_builder{PageSize: 100, PageToken: tok}.Build())
		if err != nil {
			return nil, err
		}
		for _, g := range r.GetList() {
			src := g.GetSources().GetSources()
			if len(src) > 0 {
				if _, self := src[g.GetEntitlement().GetId()]; !self {
					continue // derived by expansion only
				}
			}
			g = proto.Clone(g).(*v2.Grant)
			g.ClearSources()
			d.grants = append(d.grants, g)
		}
		if tok = r.GetNextPageToken(); tok == "" {
			break
		}
	}
	return d, nil
}

// syncer serves one resource type of the dataset; every listing is a single page.
type syncer struct {
	d  *dataset
	rt *v2.ResourceType
}

// killAfter is baton-demo's BATON_DEMO_KILL_AFTER hook, so the same fault test drives both: the
// N-th listing call kills the connector's process group (the service-mode parent and the child
// the SDK runs the connector in) with SIGKILL.
var (
	killAfter = func() int64 { n, _ := strconv.ParseInt(os.Getenv("BATON_DEMO_KILL_AFTER"), 10, 64); return n }()
	calls     atomic.Int64
)

func countCall() {
	if killAfter > 0 && calls.Add(1) == killAfter {
		_ = syscall.Kill(0, syscall.SIGKILL)
	}
}

func (s *syncer) ResourceType(ctx context.Context) *v2.ResourceType { return s.rt }

func (s *syncer) List(ctx context.Context, parent *v2.ResourceId, _ *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	countCall()
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	var out []*v2.Resource
	for _, r := range s.d.resources {
		if r.GetId().GetResourceType() == s.rt.GetId() && rid(r.GetParentResourceId()) == rid(parent) {
			out = append(out, r)
		}
	}
	return out, "", nil, nil
}

func (s *syncer) Entitlements(ctx context.Context, res *v2.Resource, _ *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	countCall()
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	var out []*v2.Entitlement
	for _, e := range s.d.ents {
		if rid(e.GetResource().GetId()) == rid(res.GetId()) {
			out = append(out, e)
		}
	}
	return out, "", nil, nil
}

func (s *syncer) Grants(ctx context.Context, res *v2.Resource, _ *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	countCall()
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	var out []*v2.Grant
	for _, g := range s.d.grants {
		if rid(g.GetEntitlement().GetResource().GetId()) == rid(res.GetId()) {
			out = append(out, g)
		}
	}
	return out, "", nil, nil
}

func (s *syncer) Get(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	countCall()
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	for _, r := range s.d.resources {
		if rid(r.GetId()) == rid(id) {
			return r, nil, nil
		}
	}
	return nil, nil, status.Errorf(codes.NotFound, "godemo: no resource %s", rid(id))
}

// provisioner adds grant and revoke on the replayed data (group, role and project types).
type provisioner struct{ syncer }

func (p *provisioner) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	p.d.mu.Lock()
	defer p.d.mu.Unlock()
	id := fmt.Sprintf("%s:%s:%s", e.GetId(), principal.GetId().GetResourceType(), principal.GetId().GetResource())
	for _, g := range p.d.grants {
		if g.GetId() == id {
			return nil, annotations.New(&v2.GrantAlreadyExists{}), nil
		}
	}
	// Like baton-demo's grant callback: the grant is reported with the entitlement's resource as
	// the connector knows it, the principal by id, and (for a group) expandable through the
	// group's members.
	res := e.GetResource()
	for _, r := range p.d.resources {
		if rid(r.GetId()) == rid(e.GetResource().GetId()) {
			res = r
		}
	}
	b := v2.Grant_builder{Id: id,
		Entitlement: v2.Entitlement_builder{Id: e.GetId(), Resource: res}.Build(),
		Principal:   v2.Resource_builder{Id: principal.GetId()}.Build()}
	if principal.GetId().GetResourceType() == "group" {
		b.Annotations = annotations.New(v2.GrantExpandable_builder{
			EntitlementIds: []string{"group:" + principal.GetId().GetResource() + ":member"}}.Build())
	}
	g := b.Build()
	p.d.grants = append(p.d.grants, g)
	return []*v2.Grant{g}, nil, nil
}

func (p *provisioner) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	p.d.mu.Lock()
	defer p.d.mu.Unlock()
	for i, x := range p.d.grants {
		if x.GetId() == g.GetId() {
			p.d.grants = append(p.d.grants[:i], p.d.grants[i+1:]...)
			return nil, nil
		}
	}
	return annotations.New(&v2.GrantAlreadyRevoked{}), nil
}

type connector struct {
	*democonn.Connector
	d *dataset
}

// Metadata is democonn's plus the help URL baton-demo's connector declares (examples/demo/connector.c).
func (c *connector) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	md, err := c.Connector.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	md.SetHelpUrl("https://github.com/ConductorOne/baton-demo")
	return md, nil
}

func (c *connector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	var out []connectorbuilder.ResourceSyncer
	for _, rt := range c.d.types {
		s := syncer{d: c.d, rt: rt}
		switch rt.GetId() {
		case "group", "role", "project":
			out = append(out, &provisioner{s})
		case "user":
			out = append(out, &issuer{s})
		case "api_token":
			out = append(out, &tokenType{s})
		default:
			out = append(out, &s)
		}
	}
	return out
}

// ticketSchemas are baton-demo's two fixed ticket schemas (examples/demo/demo_tickets.c), as
// protojson: listing and getting them goes through the Go SDK like the C demo's.
var ticketSchemas = []string{
	`{"id": "access-request", "displayName": "Access request",
	  "types": [{"id": "access", "displayName": "Access"}],
	  "statuses": [{"id": "open", "displayName": "Open"}, {"id": "in_progress", "displayName": "In progress"},
	               {"id": "closed", "displayName": "Closed"}],
	  "customFields": {
	    "priority": {"id": "priority", "displayName": "Priority", "required": true,
	                 "pickStringValue": {"allowedValues": ["low", "medium", "high"]}},
	    "justification": {"id": "justification", "displayName": "Justification", "stringValue": {}},
	    "watchers": {"id": "watchers", "displayName": "Watchers", "stringValues": {}},
	    "due": {"id": "due", "displayName": "Due", "timestampValue": {}}}}`,
	`{"id": "incident", "displayName": "Incident",
	  "types": [{"id": "incident", "displayName": "Incident"}],
	  "statuses": [{"id": "open", "displayName": "Open"}, {"id": "resolved", "displayName": "Resolved"}],
	  "customFields": {
	    "severity": {"id": "severity", "displayName": "Severity", "required": true,
	                 "pickStringValue": {"allowedValues": ["sev1", "sev2", "sev3"]}},
	    "paging": {"id": "paging", "displayName": "Page on-call", "boolValue": {}}}}`,
}

func schemas() ([]*v2.TicketSchema, error) {
	var out []*v2.TicketSchema
	for _, js := range ticketSchemas {
		m := &v2.TicketSchema{}
		if err := protojson.Unmarshal([]byte(js), m); err != nil {
			return nil, fmt.Errorf("godemo: ticket schema: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

func (c *connector) ListTicketSchemas(ctx context.Context, _ *pagination.Token) ([]*v2.TicketSchema, string, annotations.Annotations, error) {
	list, err := schemas()
	return list, "", nil, err
}

func (c *connector) GetTicketSchema(ctx context.Context, id string) (*v2.TicketSchema, annotations.Annotations, error) {
	list, err := schemas()
	if err != nil {
		return nil, nil, err
	}
	for _, m := range list {
		if m.GetId() == id {
			return m, nil, nil
		}
	}
	return nil, nil, status.Errorf(codes.NotFound, "ticket schema %s not found", id)
}

func main() {
	ctx := context.Background()
	get := func(ctx context.Context, v *viper.Viper) (types.ConnectorServer, error) {
		d, err := load(ctx, os.Getenv("BATON_GODEMO_DATA"))
		if err != nil {
			return nil, err
		}
		return connectorbuilder.NewConnector(ctx, &connector{Connector: democonn.New(), d: d})
	}
	_, cmd, err := config.DefineConfiguration(ctx, "baton-godemo", get, democonn.Configuration())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd.Version = "v0.0.1-interop"
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
