/*
 * ConnectorCapabilities, derived from which callbacks a connector sets, in the shape the Go SDK's
 * builder produces: per type [SYNC, TARGETED_SYNC?, PROVISION?, ACCOUNT_PROVISIONING?,
 * RESOURCE_DELETE(+CREATE)?, CREDENTIAL_ROTATION?, CREDENTIAL_ISSUE?], types sorted by id, the connector list the
 * union sorted by enum number, permissions always present, credential details always present
 * and validated.
 */
#include "connector/connector.h"
#include "connector/ext.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"

typedef C1__Connector__V2__Capability cap_t;

static int cmp_rtype(const void *a, const void *b)
{
	const baton__rtype *x = *(baton__rtype *const *)a, *y = *(baton__rtype *const *)b;
	return strcmp(x->id, y->id);
}

/* A copy of the type in ctx (the runtime's memory goes away before the caller reads). */
static int copy_type(baton_ctx *ctx, baton_resource_type *src, baton_resource_type **out)
{
	const uint8_t *data;
	size_t len;
	int rc = baton_resource_type_pack(src, ctx, &data, &len);
	if (!rc)
		rc = baton_resource_type_unpack(ctx, data, len, out);
	return rc;
}

/* Validates and converts the author's details; `what` is "creation" or "rotation". */
static int details_msg(baton_ctx *ctx, const baton_credential_details *d, const char *what,
                       size_t *n_out, C1__Connector__V2__CapabilityDetailCredentialOption **opts_out,
                       C1__Connector__V2__CapabilityDetailCredentialOption *preferred)
{
	if (d->preferred == BATON_CREDENTIAL_OPTION_UNSPECIFIED)
		return baton_error_set(BATON_EINVALID, "error: validating capability details: "
		                       "error: preferred credential %s option is not set", what);
	bool found = false;
	for (size_t i = 0; i < d->n_supported; i++)
		if (d->supported[i] == d->preferred)
			found = true;
	if (!found)
		return baton_error_set(BATON_EINVALID, "error: validating capability details: error: preferred "
		                       "credential %s option is not part of the supported options", what);
	C1__Connector__V2__CapabilityDetailCredentialOption *v =
		baton_ctx_alloc(ctx, (d->n_supported ? d->n_supported : 1) * sizeof(*v));
	if (!v)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < d->n_supported; i++)
		v[i] = (C1__Connector__V2__CapabilityDetailCredentialOption)d->supported[i];
	*n_out = d->n_supported;
	*opts_out = v;
	*preferred = (C1__Connector__V2__CapabilityDetailCredentialOption)d->preferred;
	return 0;
}

int baton__connector_capabilities(const baton_connector *conn, baton_ctx *ctx,
                                  C1__Connector__V2__ConnectorCapabilities **out)
{
	baton__runtime rt;
	int rc = baton__runtime_build(&rt, conn);
	if (rc)
		return rc;
	baton__rtype **sorted = calloc(rt.n_types ? rt.n_types : 1, sizeof(*sorted));
	C1__Connector__V2__ConnectorCapabilities *caps = baton_ctx_alloc(ctx, sizeof(*caps));
	C1__Connector__V2__CredentialDetails *cd = baton_ctx_alloc(ctx, sizeof(*cd));
	C1__Connector__V2__ResourceTypeCapability **list =
		baton_ctx_alloc(ctx, (rt.n_types ? rt.n_types : 1) * sizeof(*list));
	if (!sorted || !caps || !cd || !list) {
		rc = baton__error_oom("capabilities");
		goto done;
	}
	c1__connector__v2__connector_capabilities__init(caps);
	c1__connector__v2__credential_details__init(cd);
	for (size_t i = 0; i < rt.n_types; i++)
		sorted[i] = &rt.types[i];
	qsort(sorted, rt.n_types, sizeof(*sorted), cmp_rtype);

	bool have[16] = {false};
	const baton_resource_syncer *account_mgr = NULL, *cred_mgr = NULL;
	for (size_t i = 0; i < rt.n_types; i++) {
		const baton_resource_syncer *s = sorted[i]->syncer;
		C1__Connector__V2__ResourceTypeCapability *c = baton_ctx_alloc(ctx, sizeof(*c));
		C1__Connector__V2__CapabilityPermissions *perm = NULL;
		cap_t *v = baton_ctx_alloc(ctx, 8 * sizeof(*v));
		if (!c || !v) {
			rc = BATON_EEXHAUSTED;
			goto done;
		}
		c1__connector__v2__resource_type_capability__init(c);
		size_t n = 0;
		/* (the capability list has room for 8: SYNC through CREDENTIAL_ISSUE) */
		v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_SYNC;
		if (s->get) {
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_TARGETED_SYNC;
			have[C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_SERVICE_MODE_TARGETED_SYNC] = true;
		}
		if (s->grant && s->revoke)
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_PROVISION;
		if (s->create_account && s->create_account_details) {
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_ACCOUNT_PROVISIONING;
			if (!account_mgr)
				account_mgr = s;
		}
		if (s->create_resource && s->delete_resource) {
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_RESOURCE_DELETE;
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_RESOURCE_CREATE;
		} else if (s->delete_resource) {
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_RESOURCE_DELETE;
		}
		if (s->rotate_credentials && s->rotate_details) {
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_CREDENTIAL_ROTATION;
			if (!cred_mgr)
				cred_mgr = s;
		}
		if (sorted[i]->issue_credential) {
			/* details checked when the runtime was built (baton__issue_check_details) */
			v[n++] = C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_CREDENTIAL_ISSUE;
			if ((rc = baton__issue_details_msg(ctx, sorted[i]->issue_details, &c->credential_issue)))
				goto done;
		}
		for (size_t j = 0; j < n; j++)
			have[v[j]] = true;
		c->n_capabilities = n;
		c->capabilities = v;
		baton_resource_type *copy;
		if ((rc = copy_type(ctx, sorted[i]->rt, &copy)))
			goto done;
		c->resource_type = copy->msg;
		baton_annotations *annos = baton_resource_type_annotations(copy);
		int picked = baton__annotations_pick(annos, &c1__connector__v2__capability_permissions__descriptor,
		                                     (ProtobufCMessage **)&perm);
		if (picked < 0) {
			rc = picked;
			goto done;
		}
		if (!picked) {
			perm = baton_ctx_alloc(ctx, sizeof(*perm));
			if (!perm) {
				rc = BATON_EEXHAUSTED;
				goto done;
			}
			c1__connector__v2__capability_permissions__init(perm);
		}
		c->permissions = perm;
		c->opt_in_required = baton_annotations_contains(annos, "c1.connector.v2.OptInRequired");
		c->skip_sync_anomaly_detection = baton_annotations_contains(annos, "c1.connector.v2.SkipSyncAnomalyDetection");
		c->deprecated = baton_annotations_contains(annos, "c1.connector.v2.Deprecated");
		list[i] = c;
	}
	if (account_mgr)
		have[C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_ACCOUNT_PROVISIONING] = true;
	/* Connector-level features (events.h, actions.h, tickets.h), checked as the Go SDK's
	 * NewConnector checks them. */
	if ((rc = baton__connector_ext_check(&rt)))
		goto done;
	if (conn->version >= 2) {
		if (conn->event_feeds && conn->n_event_feeds)
			have[C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_EVENT_FEED_V2] = true;
		if (conn->tickets)
			have[C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_TICKETING] = true;
		if (conn->actions && conn->n_actions)
			have[C1__CONNECTOR__V2__CAPABILITY__CAPABILITY_ACTIONS] = true;
	}

	cap_t *cc = baton_ctx_alloc(ctx, 16 * sizeof(*cc));
	if (!cc) {
		rc = BATON_EEXHAUSTED;
		goto done;
	}
	size_t ncc = 0;
	for (int i = 0; i < 16; i++)
		if (have[i])
			cc[ncc++] = (cap_t)i;

	if (account_mgr) {
		C1__Connector__V2__CredentialDetailsAccountProvisioning *ap = baton_ctx_alloc(ctx, sizeof(*ap));
		if (!ap) {
			rc = BATON_EEXHAUSTED;
			goto done;
		}
		c1__connector__v2__credential_details_account_provisioning__init(ap);
		if ((rc = details_msg(ctx, account_mgr->create_account_details, "creation",
		                      &ap->n_supported_credential_options, &ap->supported_credential_options,
		                      &ap->preferred_credential_option)))
			goto done;
		cd->capability_account_provisioning = ap;
	}
	if (cred_mgr) {
		C1__Connector__V2__CredentialDetailsCredentialRotation *cr = baton_ctx_alloc(ctx, sizeof(*cr));
		if (!cr) {
			rc = BATON_EEXHAUSTED;
			goto done;
		}
		c1__connector__v2__credential_details_credential_rotation__init(cr);
		if ((rc = details_msg(ctx, cred_mgr->rotate_details, "rotation", &cr->n_supported_credential_options,
		                      &cr->supported_credential_options, &cr->preferred_credential_option)))
			goto done;
		cd->capability_credential_rotation = cr;
	}
	caps->n_resource_type_capabilities = rt.n_types;
	caps->resource_type_capabilities = list;
	caps->n_connector_capabilities = ncc;
	caps->connector_capabilities = cc;
	caps->credential_details = cd;
	*out = caps;
done:
	free(sorted);
	baton__runtime_close(&rt);
	return rc;
}

int baton__connector_capabilities_json(const baton_connector *conn, baton_ctx *ctx, bool multiline,
                                       char **json)
{
	C1__Connector__V2__ConnectorCapabilities *caps;
	int rc = baton__connector_capabilities(conn, ctx, &caps);
	if (rc)
		return rc;
	baton_protojson_opts o = {multiline, false};
	return baton__protojson_write(&ctx->arena, &caps->base, &o, json, NULL);
}
