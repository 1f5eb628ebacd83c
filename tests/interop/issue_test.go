// Credential issuing: the connector of tests/provision/test_credential_issue.c (a "user" type
// issuing API keys and EC keypairs, secrets of a deletable "api-key" type) written again with
// the Go SDK's CredentialIssuer and ResourceDeleterV2; the capabilities the Go builder reports
// must be the message libbaton wrote (issue-caps.json in BATON_INTEROP_DIR).
//
// Skips when the directory or the file is absent (the C test has not run).
package interop

import (
	"context"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
)

type issueConnector struct{}

func (issueConnector) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "Issuer"}.Build(), nil
}
func (issueConnector) Validate(ctx context.Context) (annotations.Annotations, error) { return nil, nil }
func (issueConnector) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{issueUsers{}, issueKeys{}}
}

type issueEmpty struct{}

func (issueEmpty) List(ctx context.Context, parent *v2.ResourceId, p *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (issueEmpty) Entitlements(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (issueEmpty) Grants(ctx context.Context, r *v2.Resource, p *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

type issueUsers struct{ issueEmpty }

func (issueUsers) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "user", DisplayName: "User", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER}}.Build()
}
func (issueUsers) Issue(ctx context.Context, in *connectorbuilder.CredentialIssueInput) (*connectorbuilder.CredentialIssueOutput, error) {
	return nil, nil
}
func (issueUsers) IssueCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsCredentialIssue, annotations.Annotations, error) {
	return v2.CredentialDetailsCredentialIssue_builder{
		Options: []*v2.CredentialIssueOptionDescriptor{
			v2.CredentialIssueOptionDescriptor_builder{
				Option:               v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY,
				Expiry:               v2.IssuanceExpiryCapability_builder{Min: durationpb.New(60e9), Max: durationpb.New(86400e9)}.Build(),
				Scopes:               []string{"read", "write"},
				ResourceMode:         v2.CredentialResourceMode_CREDENTIAL_RESOURCE_MODE_VIRTUAL,
				SecretResourceTypeId: "api-key",
			}.Build(),
			v2.CredentialIssueOptionDescriptor_builder{
				Option:               v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_KEYPAIR,
				KeyProfiles:          []*v2.KeyGenerationProfile{v2.KeyGenerationProfile_builder{Kty: "EC", Crv: proto.String("P-256")}.Build()},
				ResourceMode:         v2.CredentialResourceMode_CREDENTIAL_RESOURCE_MODE_DISCOVERABLE,
				SecretResourceTypeId: "api-key",
			}.Build(),
		},
		PreferredOption: v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY,
	}.Build(), nil, nil
}

type issueKeys struct{ issueEmpty }

func (issueKeys) ResourceType(ctx context.Context) *v2.ResourceType {
	return v2.ResourceType_builder{Id: "api-key", DisplayName: "API Key", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SECRET}}.Build()
}
func (issueKeys) Delete(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (annotations.Annotations, error) {
	return nil, nil
}

func TestCredentialIssueCapabilities(t *testing.T) {
	raw := secretsFile(t, "issue-caps.json")
	ctx := context.Background()
	srv, err := connectorbuilder.NewConnector(ctx, issueConnector{})
	if err != nil {
		t.Fatal(err)
	}
	getter, ok := srv.(interface {
		GetCapabilities(ctx context.Context) (*v2.ConnectorCapabilities, error)
	})
	if !ok {
		t.Fatal("the builder has no GetCapabilities")
	}
	goCaps, err := getter.GetCapabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ourCaps := &v2.ConnectorCapabilities{}
	if err := protojson.Unmarshal(raw, ourCaps); err != nil {
		t.Fatalf("our capabilities: %v", err)
	}
	if !proto.Equal(goCaps, ourCaps) {
		t.Errorf("capabilities differ:\nours: %v\ngo:   %v", ourCaps, goCaps)
	}
}
