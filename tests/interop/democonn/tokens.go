package democonn

import (
	"context"

	"google.golang.org/protobuf/types/known/durationpb"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
)

// API tokens: baton-demo's credential issuing (examples/demo/demo_tokens.c). The user type issues
// API keys (scopes read, write, admin; expiry 1 h .. 365 d) as VIRTUAL secrets of the api_token
// type, which can only be deleted (revoked).

// TokenIssueDetails is what the demo's user type advertises for issuing.
func TokenIssueDetails() *v2.CredentialDetailsCredentialIssue {
	return v2.CredentialDetailsCredentialIssue_builder{
		Options: []*v2.CredentialIssueOptionDescriptor{
			v2.CredentialIssueOptionDescriptor_builder{
				Option:               v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY,
				Expiry:               v2.IssuanceExpiryCapability_builder{Min: durationpb.New(3600e9), Max: durationpb.New(365 * 86400e9)}.Build(),
				Scopes:               []string{"read", "write", "admin"},
				ResourceMode:         v2.CredentialResourceMode_CREDENTIAL_RESOURCE_MODE_VIRTUAL,
				SecretResourceTypeId: "api_token",
			}.Build(),
		},
		PreferredOption: v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY,
	}.Build()
}

// TokenResourceType is the api_token type.
func TokenResourceType() *v2.ResourceType {
	return v2.ResourceType_builder{Id: "api_token", DisplayName: "API token", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SECRET},
		Description: "API tokens issued to users; deleting one revokes it"}.Build()
}

func (users) Issue(ctx context.Context, in *connectorbuilder.CredentialIssueInput) (*connectorbuilder.CredentialIssueOutput, error) {
	return nil, errNotHere
}

func (users) IssueCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsCredentialIssue, annotations.Annotations, error) {
	return TokenIssueDetails(), nil, nil
}

// tokens has no Get (baton-demo's api_token type has none: its tokens are VIRTUAL), so no
// targeted sync.
type tokens struct{}

func (tokens) List(ctx context.Context, parent *v2.ResourceId, pToken *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (tokens) Entitlements(ctx context.Context, r *v2.Resource, pToken *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (tokens) Grants(ctx context.Context, r *v2.Resource, pToken *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (tokens) ResourceType(ctx context.Context) *v2.ResourceType { return TokenResourceType() }

func (tokens) Delete(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (annotations.Annotations, error) {
	return nil, errNotHere
}
