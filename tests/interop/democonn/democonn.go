// Package democonn is a Go connector shaped like libbaton's examples/demo (baton-demo): the same
// resource types, traits, descriptions and annotations, the same callbacks (so the Go SDK's
// builder derives the same capabilities), the same credential details, event feeds, a global
// action and a ticket manager, and the same configuration fields. Nothing here does real work:
// it exists so cli_test.go can ask the Go SDK what `capabilities` and `config` print for it.
package democonn

import (
	"context"
	"errors"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/actions"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/field"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var errNotHere = errors.New("democonn: not implemented")

// Configuration is the demo's configuration schema, as examples/demo/connector.c declares it.
func Configuration() field.Configuration {
	bounded := func(name, display, desc string, def, lo, hi int64) field.SchemaField {
		return field.IntField(name,
			field.WithDisplayName(display),
			field.WithDescription(desc),
			field.WithDefaultValue(int(def)),
			field.WithInt(func(r *field.IntRuler) { r.Lte(hi).Gte(lo) }))
	}
	fields := []field.SchemaField{
		bounded("users", "Users", "How many users the generated company has", 50, 0, 1000000),
		bounded("groups", "Groups", "How many groups the generated company has", 8, 0, 100000),
		bounded("roles", "Roles", "How many roles the generated company has", 5, 0, 100000),
		bounded("workspaces", "Workspaces",
			"How many workspaces the generated company has (at least 1 when there are projects)", 4, 0, 100000),
		bounded("projects", "Projects", "How many projects the generated company has", 10, 0, 1000000),
		field.IntField("seed",
			field.WithDisplayName("Seed"),
			field.WithDescription("The seed of the generator: the same seed and sizes give the same company"),
			field.WithDefaultValue(1)),
		bounded("page-size", "Page size", "Items per page (a smaller page size asked by the SDK wins)", 3, 1, 10000),
		field.StringField("state-file",
			field.WithDisplayName("State file"),
			field.WithPlaceholder("sync.c1z.demo.json"),
			field.WithDescription("Where provisioning changes are kept between runs (default: the c1z path + .demo.json)")),
	}
	return field.NewConfiguration(fields,
		field.WithConnectorDisplayName("Baton Demo"),
		field.WithHelpUrl("https://github.com/ConductorOne/baton-demo"))
}

// Connector is the demo connector.
type Connector struct{}

func New() *Connector { return &Connector{} }

func (c *Connector) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{
		DisplayName: "Baton Demo",
		Description: "A generated company: users, nested groups, roles, and projects in workspaces",
	}.Build(), nil
}

func (c *Connector) Validate(ctx context.Context) (annotations.Annotations, error) { return nil, nil }

func (c *Connector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{&users{}, &groups{}, &roles{}, &workspaces{}, &projects{}, &tokens{}}
}

// ---- event feeds, actions, tickets ----

type feed struct{ id string }

func (f *feed) EventFeedMetadata(ctx context.Context) *v2.EventFeedMetadata {
	return v2.EventFeedMetadata_builder{Id: f.id}.Build()
}

func (f *feed) ListEvents(ctx context.Context, earliest *timestamppb.Timestamp, pToken *pagination.StreamToken) (
	[]*v2.Event, *pagination.StreamState, annotations.Annotations, error) {
	return nil, &pagination.StreamState{}, nil, nil
}

func (c *Connector) EventFeeds(ctx context.Context) []connectorbuilder.EventFeed {
	return []connectorbuilder.EventFeed{&feed{"usage"}, &feed{"changes"}}
}

func (c *Connector) GlobalActions(ctx context.Context, registry actions.ActionRegistry) error {
	schema := v2.BatonActionSchema_builder{Name: "demo_action", DisplayName: "Demo action"}.Build()
	return registry.Register(ctx, schema, func(ctx context.Context, args *structpb.Struct) (*structpb.Struct, annotations.Annotations, error) {
		return &structpb.Struct{}, nil, nil
	})
}

func (c *Connector) GetTicket(ctx context.Context, ticketId string) (*v2.Ticket, annotations.Annotations, error) {
	return nil, nil, errNotHere
}

func (c *Connector) CreateTicket(ctx context.Context, ticket *v2.Ticket, schema *v2.TicketSchema) (*v2.Ticket, annotations.Annotations, error) {
	return nil, nil, errNotHere
}

func (c *Connector) GetTicketSchema(ctx context.Context, schemaID string) (*v2.TicketSchema, annotations.Annotations, error) {
	return nil, nil, errNotHere
}

func (c *Connector) ListTicketSchemas(ctx context.Context, pToken *pagination.Token) ([]*v2.TicketSchema, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (c *Connector) BulkCreateTickets(context.Context, *v2.TicketsServiceBulkCreateTicketsRequest) (*v2.TicketsServiceBulkCreateTicketsResponse, error) {
	return nil, errNotHere
}

func (c *Connector) BulkGetTickets(context.Context, *v2.TicketsServiceBulkGetTicketsRequest) (*v2.TicketsServiceBulkGetTicketsResponse, error) {
	return nil, errNotHere
}

// ---- resource types ----

// syncer is what every type has: list, entitlements, grants, get.
type syncer struct{}

func (syncer) List(ctx context.Context, parent *v2.ResourceId, pToken *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (syncer) Entitlements(ctx context.Context, r *v2.Resource, pToken *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (syncer) Grants(ctx context.Context, r *v2.Resource, pToken *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (syncer) Get(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	return nil, nil, errNotHere
}

// provisioner: grant and revoke.
type provisioner struct{}

func (provisioner) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) (annotations.Annotations, error) {
	return nil, errNotHere
}

func (provisioner) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	return nil, errNotHere
}

// manager: create and delete.
type manager struct{}

func (manager) Create(ctx context.Context, r *v2.Resource) (*v2.Resource, annotations.Annotations, error) {
	return nil, nil, errNotHere
}

func (manager) Delete(ctx context.Context, id *v2.ResourceId) (annotations.Annotations, error) {
	return nil, errNotHere
}

func passwordOptions() []v2.CapabilityDetailCredentialOption {
	return []v2.CapabilityDetailCredentialOption{
		v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD,
		v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD,
	}
}

type users struct{ syncer }

func (users) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "user", DisplayName: "User", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
		Description: "People and service accounts of the demo company"}.Build()
}

func (users) Delete(ctx context.Context, id *v2.ResourceId) (annotations.Annotations, error) {
	return nil, errNotHere
}

func (users) CreateAccount(ctx context.Context, info *v2.AccountInfo, opts *v2.LocalCredentialOptions) (
	connectorbuilder.CreateAccountResponse, []*v2.PlaintextData, annotations.Annotations, error) {
	return nil, nil, nil, errNotHere
}

func (users) CreateAccountCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsAccountProvisioning, annotations.Annotations, error) {
	return v2.CredentialDetailsAccountProvisioning_builder{
		SupportedCredentialOptions: passwordOptions(),
		PreferredCredentialOption:  v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD,
	}.Build(), nil, nil
}

func (users) Rotate(ctx context.Context, id *v2.ResourceId, opts *v2.LocalCredentialOptions) ([]*v2.PlaintextData, annotations.Annotations, error) {
	return nil, nil, errNotHere
}

func (users) RotateCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsCredentialRotation, annotations.Annotations, error) {
	return v2.CredentialDetailsCredentialRotation_builder{
		SupportedCredentialOptions: passwordOptions(),
		PreferredCredentialOption:  v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD,
	}.Build(), nil, nil
}

type groups struct {
	syncer
	provisioner
	manager
}

func (groups) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
		Description: "Teams; groups can be members of other groups"}.Build()
}

type roles struct {
	syncer
	provisioner
}

func (roles) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "role", DisplayName: "Role", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE},
		Description: "Roles assigned to users and to groups"}.Build()
}

type workspaces struct{ syncer }

func (workspaces) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "workspace", DisplayName: "Workspace",
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
		Description: "Divisions of the company; each holds projects"}.Build()
}

type projects struct {
	syncer
	provisioner
	manager
}

func (projects) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "project", DisplayName: "Project", Description: "Projects, children of a workspace"}.Build()
}

func (projects) StaticEntitlements(ctx context.Context, pToken *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
