/*
 * ext-probe: a connector whose grants ask for external principals (ExternalResourceMatchAll,
 * ExternalResourceMatch on a user email and on a group profile value, ExternalResourceMatchID with
 * a GrantExpandable given as an entitlement BID), for the Go interop test
 * (tests/interop/external_test.go), which syncs the same connector written with the Go SDK with
 * the same --external-resource-c1z and compares the files.
 */
#include "ext_team.h"

static const baton_resource_syncer *const types[] = {&team_type};
static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Ext Probe", .resource_types = types, .n_resource_types = 1,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
