/* Helpers shared by the event feed, action and ticket modes. */
#include "cli/mode_ext.h"

#include <stdio.h>

#include "core/error.h"
#include "core/log.h"
#include "proto/protojson.h"

int baton__mode_fail(int rc)
{
	const baton_error *e = baton_error_last();
	if (rc >= 0)
		rc = BATON_EUNKNOWN;
	fprintf(stderr, "%s\n", *e->message ? e->message : baton_error_code_name(rc));
	return baton__exit_status(rc);
}

int baton__mode_open(baton__cli_env *env, baton__runtime *rt, int *status)
{
	int rc = baton__runtime_build(rt, env->connector);
	if (!rc) {
		rc = baton__connector_ext_check(rt);
		baton__runtime_close(rt);
	}
	if (!rc)
		rc = baton__runtime_open(rt, env->connector);
	if (rc)
		*status = baton__mode_fail(rc);
	return rc;
}

const char *baton__mode_json(baton_ctx *ctx, const ProtobufCMessage *msg)
{
	char *out = NULL;
	baton_protojson_opts o = {false, false};
	if (baton__protojson_write(&ctx->arena, msg, &o, &out, NULL))
		return "{}";
	return out;
}
