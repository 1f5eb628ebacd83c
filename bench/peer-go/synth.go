package main

// The synthetic connector, built with connectorbuilder: the same data as bench/sync_workloads.c
// (see the comment there for the shape), paged by 100.

import (
	"context"
	"strconv"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

const page = 100

type synth struct {
	users, groups, roles int
	groupsPerUser        int
	usersPerRole         int
	nest                 int
	grantsPer            int // fanout
	latency              time.Duration
}

var (
	userType  = rs.NewResourceType("User", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER}, &v2.SkipEntitlementsAndGrants{})
	groupType = rs.NewResourceType("Group", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP})
	roleType  = rs.NewResourceType("Role", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE})
)

func (s *synth) sleep() {
	if s.latency > 0 {
		time.Sleep(s.latency)
	}
}

func (s *synth) Metadata(ctx context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "baton-bench synthetic"}.Build(), nil
}

func (s *synth) Validate(ctx context.Context) (annotations.Annotations, error) {
	s.sleep()
	return nil, nil
}

func (s *synth) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	out := []connectorbuilder.ResourceSyncer{&userSyncer{s}, &groupSyncer{s}}
	if s.grantsPer == 0 && s.roles > 0 {
		out = append(out, &roleSyncer{s})
	}
	return out
}

func pageStart(t *pagination.Token) int {
	if t == nil || t.Token == "" {
		return 0
	}
	n, _ := strconv.Atoi(t.Token)
	return n
}

func nextPage(next, total int) string {
	if next >= total {
		return ""
	}
	return strconv.Itoa(next)
}

type newRes func(i int) (*v2.Resource, error)

func list(total int, t *pagination.Token, mk newRes) ([]*v2.Resource, string, annotations.Annotations, error) {
	start := pageStart(t)
	var out []*v2.Resource
	for i := start; i < total && i < start+page; i++ {
		r, err := mk(i)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, nextPage(start+page, total), nil, nil
}

// principals: >= 0 a user index, < 0 a group (-1 - g).
func emitGrants(res *v2.Resource, entName string, ps []int, t *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	start := pageStart(t)
	var out []*v2.Grant
	for i := start; i < len(ps) && i < start+page; i++ {
		x := ps[i]
		if x >= 0 {
			out = append(out, grant.NewGrant(res, entName, &v2.ResourceId{ResourceType: "user", Resource: "u" + strconv.Itoa(x)}))
		} else {
			gid := "g" + strconv.Itoa(-1-x)
			out = append(out, grant.NewGrant(res, entName, &v2.ResourceId{ResourceType: "group", Resource: gid},
				grant.WithAnnotation(&v2.GrantExpandable{EntitlementIds: []string{"group:" + gid + ":member"}})))
		}
	}
	return out, nextPage(start+page, len(ps)), nil, nil
}

func index(r *v2.Resource) int {
	n, _ := strconv.Atoi(r.GetId().GetResource()[1:])
	return n
}

type userSyncer struct{ s *synth }

func (u *userSyncer) ResourceType(ctx context.Context) *v2.ResourceType { return userType }
func (u *userSyncer) List(ctx context.Context, p *v2.ResourceId, t *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	u.s.sleep()
	return list(u.s.users, t, func(i int) (*v2.Resource, error) {
		return rs.NewUserResource("User "+strconv.Itoa(i), userType, "u"+strconv.Itoa(i), nil)
	})
}
func (u *userSyncer) Entitlements(ctx context.Context, r *v2.Resource, t *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (u *userSyncer) Grants(ctx context.Context, r *v2.Resource, t *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

type groupSyncer struct{ s *synth }

func (g *groupSyncer) ResourceType(ctx context.Context) *v2.ResourceType { return groupType }
func (g *groupSyncer) List(ctx context.Context, p *v2.ResourceId, t *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	g.s.sleep()
	return list(g.s.groups, t, func(i int) (*v2.Resource, error) {
		return rs.NewGroupResource("Group "+strconv.Itoa(i), groupType, "g"+strconv.Itoa(i), nil)
	})
}
func (g *groupSyncer) Entitlements(ctx context.Context, r *v2.Resource, t *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	g.s.sleep()
	return []*v2.Entitlement{ent.NewAssignmentEntitlement(r, "member")}, "", nil, nil
}
func (g *groupSyncer) Grants(ctx context.Context, r *v2.Resource, t *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	s := g.s
	s.sleep()
	gi := index(r)
	var ps []int
	if s.grantsPer > 0 {
		ps = make([]int, s.grantsPer)
		for u := range ps {
			ps[u] = u
		}
	} else {
		gpu := min(s.groupsPerUser, s.groups)
		stride := max(s.groups/gpu, 1)
		for k := 0; k < gpu; k++ {
			u0 := ((gi-k*stride)%s.groups + s.groups) % s.groups
			for u := u0; u < s.users; u += s.groups {
				ps = append(ps, u)
			}
		}
		if s.nest > 0 {
			for c := gi*s.nest + 1; c <= gi*s.nest+s.nest && c < s.groups; c++ {
				ps = append(ps, -1-c)
			}
		}
	}
	return emitGrants(r, "member", ps, t)
}

type roleSyncer struct{ s *synth }

func (r *roleSyncer) ResourceType(ctx context.Context) *v2.ResourceType { return roleType }
func (r *roleSyncer) List(ctx context.Context, p *v2.ResourceId, t *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	r.s.sleep()
	return list(r.s.roles, t, func(i int) (*v2.Resource, error) {
		return rs.NewRoleResource("Role "+strconv.Itoa(i), roleType, "r"+strconv.Itoa(i), nil)
	})
}
func (r *roleSyncer) Entitlements(ctx context.Context, res *v2.Resource, t *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	r.s.sleep()
	return []*v2.Entitlement{ent.NewAssignmentEntitlement(res, "assigned")}, "", nil, nil
}
func (r *roleSyncer) Grants(ctx context.Context, res *v2.Resource, t *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	s := r.s
	s.sleep()
	ri := index(res)
	n := min(s.usersPerRole, s.users)
	ps := make([]int, 0, n+1)
	for j := 0; j < n; j++ {
		ps = append(ps, (ri*199+j)%s.users)
	}
	if s.groups > 0 {
		ps = append(ps, -1-(ri*7+3)%s.groups)
	}
	return emitGrants(res, "assigned", ps, t)
}
