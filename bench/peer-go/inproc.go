package main

// An in-process grpc.ClientConnInterface: unary calls go straight to the connector server's
// generated handlers (request and response are copied with proto.Merge, no sockets, no
// serialization), so the peer measures the SDK's syncer and store, not a transport.

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types"
)

type inprocConn struct {
	srv     any
	methods map[string]grpc.MethodDesc
}

func newInprocClient(ctx context.Context, srv types.ConnectorServer) types.ConnectorClient {
	c := &inprocConn{srv: srv, methods: map[string]grpc.MethodDesc{}}
	for _, d := range []*grpc.ServiceDesc{
		&v2.ResourceTypesService_ServiceDesc, &v2.ResourcesService_ServiceDesc,
		&v2.EntitlementsService_ServiceDesc, &v2.GrantsService_ServiceDesc,
		&v2.ConnectorService_ServiceDesc, &v2.AssetService_ServiceDesc,
		&v2.ResourceGetterService_ServiceDesc,
	} {
		for _, m := range d.Methods {
			c.methods["/"+d.ServiceName+"/"+m.MethodName] = m
		}
	}
	return types.ConnectorClient(clientFor(c))
}

func (c *inprocConn) Invoke(ctx context.Context, method string, args any, reply any, _ ...grpc.CallOption) error {
	m, ok := c.methods[method]
	if !ok {
		return fmt.Errorf("inproc: method %s not available", method)
	}
	out, err := m.Handler(c.srv, ctx, func(in any) error {
		proto.Merge(in.(proto.Message), args.(proto.Message))
		return nil
	}, nil)
	if err != nil {
		return err
	}
	proto.Merge(reply.(proto.Message), out.(proto.Message))
	return nil
}

func (c *inprocConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, fmt.Errorf("inproc: streams are not supported")
}

type client struct {
	v2.ResourceTypesServiceClient
	v2.ResourcesServiceClient
	v2.EntitlementsServiceClient
	v2.GrantsServiceClient
	v2.ConnectorServiceClient
	v2.AssetServiceClient
	v2.GrantManagerServiceClient
	v2.ResourceManagerServiceClient
	v2.ResourceDeleterServiceClient
	v2.AccountManagerServiceClient
	v2.CredentialManagerServiceClient
	v2.EventServiceClient
	v2.TicketsServiceClient
	v2.ActionServiceClient
	v2.ResourceGetterServiceClient
}

func clientFor(conn grpc.ClientConnInterface) *client {
	return &client{
		ResourceTypesServiceClient:     v2.NewResourceTypesServiceClient(conn),
		ResourcesServiceClient:         v2.NewResourcesServiceClient(conn),
		EntitlementsServiceClient:      v2.NewEntitlementsServiceClient(conn),
		GrantsServiceClient:            v2.NewGrantsServiceClient(conn),
		ConnectorServiceClient:         v2.NewConnectorServiceClient(conn),
		AssetServiceClient:             v2.NewAssetServiceClient(conn),
		GrantManagerServiceClient:      v2.NewGrantManagerServiceClient(conn),
		ResourceManagerServiceClient:   v2.NewResourceManagerServiceClient(conn),
		ResourceDeleterServiceClient:   v2.NewResourceDeleterServiceClient(conn),
		AccountManagerServiceClient:    v2.NewAccountManagerServiceClient(conn),
		CredentialManagerServiceClient: v2.NewCredentialManagerServiceClient(conn),
		EventServiceClient:             v2.NewEventServiceClient(conn),
		TicketsServiceClient:           v2.NewTicketsServiceClient(conn),
		ActionServiceClient:            v2.NewActionServiceClient(conn),
		ResourceGetterServiceClient:    v2.NewResourceGetterServiceClient(conn),
	}
}
