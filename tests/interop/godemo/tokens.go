package main

// API tokens, as baton-demo issues them (examples/demo/demo_tokens.c): the user type mints
// "bdt_" + 40 hex digits with the asked scopes (read when none) and expiry (90 days when none),
// returned as a VIRTUAL secret t0001, t0002, ... of the api_token type; deleting one revokes it.
// Disabled users get none. The request id makes issuing idempotent: a request id seen before
// mints nothing and gets the same answer again (the same token and value), or AlreadyExists when it
// was used for another user or its token was revoked since.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"

	"libbaton.test/interop/democonn"
)

type tokenStore struct {
	mu        sync.Mutex
	issued    int
	live      map[string]bool
	byRequest map[string]issuedToken // by request id
}

// issuedToken is an answer given, kept for a request id seen again.
type issuedToken struct {
	id, user, value string
	expires         *timestamppb.Timestamp
}

var tokensIssued = &tokenStore{live: map[string]bool{}, byRequest: map[string]issuedToken{}}

// issuer is the user type with credential issuing.
type issuer struct{ syncer }

func (u *issuer) IssueCapabilityDetails(ctx context.Context) (*v2.CredentialDetailsCredentialIssue, annotations.Annotations, error) {
	return democonn.TokenIssueDetails(), nil, nil
}

func (u *issuer) Issue(ctx context.Context, in *connectorbuilder.CredentialIssueInput) (*connectorbuilder.CredentialIssueOutput, error) {
	uid := in.IdentityID.GetResource()
	var user *v2.Resource
	u.d.mu.Lock()
	for _, r := range u.d.resources {
		if r.GetId().GetResourceType() == "user" && r.GetId().GetResource() == uid {
			user = r
		}
	}
	u.d.mu.Unlock()
	if user == nil {
		return nil, status.Errorf(codes.NotFound, "issue token: user %s not found", uid)
	}
	ut := &v2.UserTrait{}
	annos := annotations.Annotations(user.GetAnnotations())
	if ok, _ := annos.Pick(ut); ok && ut.GetStatus().GetStatus() == v2.UserTrait_Status_STATUS_DISABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "issue token: user %s is disabled", uid)
	}
	tokensIssued.mu.Lock()
	defer tokensIssued.mu.Unlock()
	if prev, seen := tokensIssued.byRequest[in.RequestID]; seen {
		if prev.user != uid {
			return nil, status.Errorf(codes.AlreadyExists, "issue token: request id %s was used for user %s", in.RequestID, prev.user)
		}
		if !tokensIssued.live[prev.id] {
			return nil, status.Errorf(codes.AlreadyExists, "issue token: request id %s issued api_token %s, revoked since", in.RequestID, prev.id)
		}
		return tokenAnswer(prev), nil
	}
	expires := in.ExpiresAt
	if expires == nil {
		expires = timestamppb.New(time.Unix(time.Now().Unix()+90*86400, 0))
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	tokensIssued.issued++
	t := issuedToken{id: fmt.Sprintf("t%04d", tokensIssued.issued), user: uid, value: "bdt_" + hex.EncodeToString(raw), expires: expires}
	tokensIssued.live[t.id] = true
	tokensIssued.byRequest[in.RequestID] = t
	return tokenAnswer(t), nil
}

// tokenAnswer is the issuing answer for token t.
func tokenAnswer(t issuedToken) *connectorbuilder.CredentialIssueOutput {
	id, uid, expires := t.id, t.user, t.expires
	who := v2.ResourceId_builder{ResourceType: "user", Resource: uid}.Build()
	secret := v2.Resource_builder{
		Id:          v2.ResourceId_builder{ResourceType: "api_token", Resource: id}.Build(),
		DisplayName: fmt.Sprintf("API token %s for %s", id, uid),
		Annotations: annotations.New(v2.SecretTrait_builder{
			ExpiresAt:        expires,
			CreatedById:      who,
			IdentityId:       who,
			CredentialType:   v2.SecretTrait_CREDENTIAL_TYPE_STATIC_SECRET,
			CredentialDetail: "api_token",
		}.Build()),
	}.Build()
	return &connectorbuilder.CredentialIssueOutput{
		Secret: secret,
		PlaintextData: []*v2.PlaintextData{v2.PlaintextData_builder{Name: "token",
			Description: "API token for the demo company's API", Bytes: []byte(t.value)}.Build()},
		ResourceMode: v2.CredentialResourceMode_CREDENTIAL_RESOURCE_MODE_VIRTUAL,
	}
}

// tokenType is the api_token type: nothing listed (VIRTUAL), delete revokes.
type tokenType struct{ syncer }

func (t *tokenType) Delete(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (annotations.Annotations, error) {
	tokensIssued.mu.Lock()
	defer tokensIssued.mu.Unlock()
	if !tokensIssued.live[id.GetResource()] {
		return nil, status.Errorf(codes.NotFound, "api_token %s not found", id.GetResource())
	}
	delete(tokensIssued.live, id.GetResource())
	return nil, nil
}
