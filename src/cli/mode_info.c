/*
 * The `capabilities` and `config` subcommands: JSON on stdout, two-space indented, with no
 * trailing newline (as upstream prints them).
 */
#include "cli/modes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connector/connector.h"
#include "core/ctx.h"
#include "core/error.h"
#include "proto/any.h"
#include "proto/protojson.h"

static int print_error(int rc)
{
	fprintf(stderr, "%s\n", baton_error_last()->message);
	return baton__exit_status(rc);
}

int baton__mode_capabilities(baton__cli_env *env)
{
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	C1__Connector__V2__ConnectorCapabilities *caps = NULL;
	Google__Protobuf__Any *any = NULL;
	char *json = NULL;
	int rc = baton__connector_capabilities(env->connector, &ctx, &caps);
	if (!rc)
		rc = baton__any_pack(&ctx.arena, &caps->base, &any);
	if (!rc) {
		baton_protojson_opts o = {true, false};
		rc = baton__protojson_write(&ctx.arena, &any->base, &o, &json, NULL);
	}
	int status = 0;
	if (rc)
		status = print_error(rc);
	else
		fputs(json, stdout);
	baton__ctx_release(&ctx);
	return status;
}

int baton__mode_config_schema(baton__cli_env *env)
{
	/* the schema shows declared defaults: a fresh table, before any source is read */
	baton__cli fresh;
	int rc = baton__cli_init(&fresh, env->connector);
	char *json = NULL;
	if (!rc) {
		rc = baton__config_schema_json(&fresh, &json);
		baton__cli_free(&fresh);
	}
	if (rc)
		return print_error(rc);
	fputs(json, stdout);
	free(json);
	return 0;
}
