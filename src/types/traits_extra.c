/*
 * The license profile, agent, managed device, vendor, vendor agreement and security insight traits (built whole from a struct and put on the
 * resource, replacing an earlier copy, as Go's With<X>Trait does with annos.Update), and the
 * ResourceDeleted / GrantReplaced provisioning annotations.
 */
#include "types/types.h"

#include <string.h>
#include <time.h>

#include "core/error.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "c1/connector/v2/annotation_grant_replaced.pb-c.h"
#include "c1/connector/v2/annotation_resource_deleted.pb-c.h"
#include "c1/connector/v2/annotation_vendor.pb-c.h"
#include "c1/connector/v2/annotation_vendor_agreement.pb-c.h"
#include "c1/connector/v2/annotation_security_insight.pb-c.h"

static int put_trait(baton_resource *r, const ProtobufCMessage *msg)
{
	baton_annotations *a = baton_resource_annotations(r);
	if (!a)
		return BATON_EEXHAUSTED;
	int rc = baton__annotations_update_msg(a, msg);
	return rc < 0 ? rc : 0;
}

static int str_field(baton_ctx *ctx, const char *what, const char *s, char **out)
{
	int rc = baton__check_len(what, s, 0, 65536);
	if (rc < 0)
		return rc;
	if (!(*out = baton__str(ctx, s)))
		return BATON_EEXHAUSTED;
	return 0;
}

BATON_API int baton_resource_set_license_profile_trait(baton_resource *r, const baton_license_profile *p)
{
	if (!r || !p)
		return baton__null_arg("baton_resource_set_license_profile_trait", !r ? "r" : "p");
	baton_ctx *ctx = r->ctx;
	C1__Connector__V2__LicenseProfileTrait *t = baton_ctx_alloc(ctx, sizeof(*t));
	if (!t)
		return BATON_EEXHAUSTED;
	c1__connector__v2__license_profile_trait__init(t);
	const char *currency = p->currency && *p->currency ? p->currency : p->cost_per_unit_in_cents ? "USD" : "";
	int rc = str_field(ctx, "license profile trait license_name", p->license_name, &t->license_name);
	if (!rc)
		rc = str_field(ctx, "license profile trait currency", currency, &t->currency);
	if (!rc && p->n_entitlement_ids)
		rc = baton__strv(ctx, "license profile trait entitlement_ids", p->entitlement_ids, p->n_entitlement_ids,
		                 &t->entitlement_ids);
	if (rc < 0)
		return rc;
	t->n_entitlement_ids = p->n_entitlement_ids;
	t->purchased_seats = p->purchased_seats;
	t->consumed_seats = p->consumed_seats;
	t->cost_per_unit_in_cents = p->cost_per_unit_in_cents;
	return put_trait(r, &t->base);
}

BATON_API int baton_resource_set_agent_trait(baton_resource *r, const baton_resource_id *identity)
{
	if (!r)
		return baton__null_arg("baton_resource_set_agent_trait", "r");
	C1__Connector__V2__AgentTrait *t = baton_ctx_alloc(r->ctx, sizeof(*t));
	if (!t)
		return BATON_EEXHAUSTED;
	c1__connector__v2__agent_trait__init(t);
	if (identity) {
		int rc = baton__resource_id_new(r->ctx, "agent trait identity_resource_id", identity,
		                                &t->identity_resource_id);
		if (rc < 0)
			return rc;
	}
	return put_trait(r, &t->base);
}

static int opt_bool(baton_ctx *ctx, const char *what, baton_opt_bool v, Google__Protobuf__BoolValue **out)
{
	*out = NULL;
	if (v == BATON_OPT_BOOL_UNSET)
		return 0;
	if (v != BATON_OPT_BOOL_FALSE && v != BATON_OPT_BOOL_TRUE)
		return baton_error_set(BATON_EINVALID, "managed device trait %s: %d is not a baton_opt_bool", what, (int)v);
	Google__Protobuf__BoolValue *b = baton_ctx_alloc(ctx, sizeof(*b));
	if (!b)
		return BATON_EEXHAUSTED;
	google__protobuf__bool_value__init(b);
	b->value = v == BATON_OPT_BOOL_TRUE;
	*out = b;
	return 0;
}

static bool in_range_or_99(int v, int max)
{
	return (v >= 0 && v <= max) || v == 99;
}

BATON_API int baton_resource_set_managed_device_trait(baton_resource *r, const baton_managed_device *d)
{
	if (!r || !d)
		return baton__null_arg("baton_resource_set_managed_device_trait", !r ? "r" : "d");
	if (!in_range_or_99((int)d->device_type, 6))
		return baton_error_set(BATON_EINVALID, "managed device trait device_type %d is not defined", (int)d->device_type);
	if (!in_range_or_99((int)d->os_type, 11))
		return baton_error_set(BATON_EINVALID, "managed device trait os type %d is not defined", (int)d->os_type);
	if ((int)d->compliance < 0 || (int)d->compliance > 4)
		return baton_error_set(BATON_EINVALID, "managed device trait compliance %d is not defined", (int)d->compliance);
	if ((int)d->management_state < 0 || (int)d->management_state > 5)
		return baton_error_set(BATON_EINVALID, "managed device trait management_state %d is not defined",
		                       (int)d->management_state);
	baton_ctx *ctx = r->ctx;
	C1__Connector__V2__ManagedDeviceTrait *t = baton_ctx_alloc(ctx, sizeof(*t));
	if (!t)
		return BATON_EEXHAUSTED;
	c1__connector__v2__managed_device_trait__init(t);
	int rc = str_field(ctx, "managed device trait serial", d->serial, &t->serial);
	if (!rc)
		rc = str_field(ctx, "managed device trait udid", d->udid, &t->udid);
	if (!rc)
		rc = str_field(ctx, "managed device trait hardware_hash", d->hardware_hash, &t->hardware_hash);
	if (!rc)
		rc = str_field(ctx, "managed device trait model", d->model, &t->model);
	if (!rc)
		rc = str_field(ctx, "managed device trait vendor", d->vendor, &t->vendor);
	if (!rc)
		rc = opt_bool(ctx, "is_encrypted", d->is_encrypted, &t->is_encrypted);
	if (!rc)
		rc = opt_bool(ctx, "is_supervised", d->is_supervised, &t->is_supervised);
	if (!rc)
		rc = opt_bool(ctx, "is_personal", d->is_personal, &t->is_personal);
	if (!rc && d->has_enrolled_at)
		rc = baton__timestamp_new(ctx, "managed device trait enrolled_at", d->enrolled_at, &t->enrolled_at);
	if (rc < 0)
		return rc;
	bool has_os = d->os_type != BATON_DEVICE_OS_UNSPECIFIED || (d->os_name && *d->os_name) ||
	              (d->os_version && *d->os_version) || (d->os_build && *d->os_build);
	if (has_os) {
		C1__Connector__V2__DeviceOS *os = baton_ctx_alloc(ctx, sizeof(*os));
		if (!os)
			return BATON_EEXHAUSTED;
		c1__connector__v2__device_os__init(os);
		os->type = (C1__Connector__V2__DeviceOS__OsType)d->os_type;
		if ((rc = str_field(ctx, "managed device trait os name", d->os_name, &os->name)) ||
		    (rc = str_field(ctx, "managed device trait os version", d->os_version, &os->version)) ||
		    (rc = str_field(ctx, "managed device trait os build", d->os_build, &os->build)))
			return rc;
		t->os = os;
	}
	t->device_type = (C1__Connector__V2__ManagedDeviceTrait__DeviceType)d->device_type;
	t->compliance = (C1__Connector__V2__ManagedDeviceTrait__Compliance)d->compliance;
	t->management_state = (C1__Connector__V2__ManagedDeviceTrait__ManagementState)d->management_state;
	return put_trait(r, &t->base);
}

static int money(baton_ctx *ctx, const char *what, const baton_money *m, C1__Connector__V2__Money **out)
{
	*out = NULL;
	if (!m)
		return 0;
	C1__Connector__V2__Money *x = baton_ctx_alloc(ctx, sizeof(*x));
	if (!x)
		return BATON_EEXHAUSTED;
	c1__connector__v2__money__init(x);
	x->amount_minor = m->amount_minor;
	int rc = str_field(ctx, what, m->currency_code, &x->currency_code);
	if (rc)
		return rc;
	*out = x;
	return 0;
}

BATON_API int baton_resource_set_vendor_trait(baton_resource *r, const baton_vendor *v)
{
	if (!r || !v)
		return baton__null_arg("baton_resource_set_vendor_trait", !r ? "r" : "v");
	if (!v->vendor_id || !*v->vendor_id)
		return baton_error_set(BATON_EINVALID, "vendor trait: vendor_id must be set");
	if (!v->vendor_name || !*v->vendor_name)
		return baton_error_set(BATON_EINVALID, "vendor trait: vendor_name must be set");
	baton_ctx *ctx = r->ctx;
	C1__Connector__V2__VendorTrait *t = baton_ctx_alloc(ctx, sizeof(*t));
	if (!t)
		return BATON_EEXHAUSTED;
	c1__connector__v2__vendor_trait__init(t);
	int rc;
	if ((rc = str_field(ctx, "vendor trait vendor_id", v->vendor_id, &t->vendor_id)) ||
	    (rc = str_field(ctx, "vendor trait vendor_name", v->vendor_name, &t->vendor_name)) ||
	    (rc = str_field(ctx, "vendor trait vendor_dba_name", v->vendor_dba_name, &t->vendor_dba_name)) ||
	    (rc = str_field(ctx, "vendor trait website_domain", v->website_domain, &t->website_domain)) ||
	    (rc = str_field(ctx, "vendor trait external_vendor_id", v->external_vendor_id, &t->external_vendor_id)) ||
	    (rc = str_field(ctx, "vendor trait deep_link_url", v->deep_link_url, &t->deep_link_url)) ||
	    (rc = str_field(ctx, "vendor trait source_business_id", v->source_business_id, &t->source_business_id)) ||
	    (rc = str_field(ctx, "vendor trait source_entity_id", v->source_entity_id, &t->source_entity_id)) ||
	    (rc = money(ctx, "vendor trait trailing_30d_spend", v->trailing_30d_spend, &t->trailing_30d_spend)) ||
	    (rc = money(ctx, "vendor trait trailing_365d_spend", v->trailing_365d_spend, &t->trailing_365d_spend)) ||
	    (rc = money(ctx, "vendor trait ytd_spend", v->ytd_spend, &t->ytd_spend)))
		return rc;
	return put_trait(r, &t->base);
}

static int ts_cmp(baton_timestamp a, baton_timestamp b)
{
	if (a.seconds != b.seconds)
		return a.seconds < b.seconds ? -1 : 1;
	return a.nanos < b.nanos ? -1 : a.nanos > b.nanos;
}

BATON_API int baton_resource_set_vendor_agreement_trait(baton_resource *r, const baton_vendor_agreement *a)
{
	if (!r || !a)
		return baton__null_arg("baton_resource_set_vendor_agreement_trait", !r ? "r" : "a");
	if ((int)a->renewal_status < 0 || (int)a->renewal_status > 6)
		return baton_error_set(BATON_EINVALID, "vendor agreement trait renewal_status %d is not defined",
		                       (int)a->renewal_status);
	if ((int)a->pricing_model < 0 || (int)a->pricing_model > 6)
		return baton_error_set(BATON_EINVALID, "vendor agreement trait pricing_model %d is not defined",
		                       (int)a->pricing_model);
	if (a->has_start_date && a->has_end_date && ts_cmp(a->end_date, a->start_date) < 0)
		return baton_error_set(BATON_EINVALID, "vendor agreement trait: end_date must not precede start_date");
	if (a->has_last_date_to_terminate && a->has_end_date && ts_cmp(a->end_date, a->last_date_to_terminate) < 0)
		return baton_error_set(BATON_EINVALID, "vendor agreement trait: last_date_to_terminate must not exceed end_date");
	if (a->n_line_items && !a->line_items)
		return baton__null_arg("baton_resource_set_vendor_agreement_trait", "line_items");
	baton_ctx *ctx = r->ctx;
	C1__Connector__V2__VendorAgreementTrait *t = baton_ctx_alloc(ctx, sizeof(*t));
	C1__Connector__V2__LineItem **items = baton_ctx_alloc(ctx, (a->n_line_items ? a->n_line_items : 1) * sizeof(*items));
	if (!t || !items)
		return BATON_EEXHAUSTED;
	c1__connector__v2__vendor_agreement_trait__init(t);
	int rc;
	if ((rc = str_field(ctx, "vendor agreement trait agreement_name", a->agreement_name, &t->agreement_name)) ||
	    (rc = str_field(ctx, "vendor agreement trait renewal_status_raw", a->renewal_status_raw,
	                    &t->renewal_status_raw)) ||
	    (rc = str_field(ctx, "vendor agreement trait external_account_manager_email",
	                    a->external_account_manager_email, &t->external_account_manager_email)) ||
	    (rc = str_field(ctx, "vendor agreement trait external_account_manager_name",
	                    a->external_account_manager_name, &t->external_account_manager_name)) ||
	    (rc = money(ctx, "vendor agreement trait total_value", a->total_value, &t->total_value)))
		return rc;
	if ((a->has_start_date &&
	     (rc = baton__timestamp_new(ctx, "vendor agreement trait start_date", a->start_date, &t->start_date)) < 0) ||
	    (a->has_end_date &&
	     (rc = baton__timestamp_new(ctx, "vendor agreement trait end_date", a->end_date, &t->end_date)) < 0) ||
	    (a->has_last_date_to_terminate &&
	     (rc = baton__timestamp_new(ctx, "vendor agreement trait last_date_to_terminate", a->last_date_to_terminate,
	                                &t->last_date_to_terminate)) < 0))
		return rc;
	for (size_t i = 0; i < a->n_line_items; i++) {
		const baton_line_item *li = &a->line_items[i];
		C1__Connector__V2__LineItem *x = baton_ctx_alloc(ctx, sizeof(*x));
		if (!x)
			return BATON_EEXHAUSTED;
		c1__connector__v2__line_item__init(x);
		x->quantity = li->quantity;
		if ((rc = str_field(ctx, "line item product_or_service_name", li->product_or_service_name,
		                    &x->product_or_service_name)) ||
		    (rc = str_field(ctx, "line item unit", li->unit, &x->unit)) ||
		    (rc = money(ctx, "line item price_per_unit", li->price_per_unit, &x->price_per_unit)) ||
		    (rc = money(ctx, "line item total_price", li->total_price, &x->total_price)))
			return rc;
		items[i] = x;
	}
	t->n_line_items = a->n_line_items;
	t->line_items = items;
	t->auto_renewal = a->auto_renewal;
	t->renewal_status = (C1__Connector__V2__VendorAgreementTrait__RenewalStatus)a->renewal_status;
	t->pricing_model = (C1__Connector__V2__VendorAgreementTrait__PricingModel)a->pricing_model;
	return put_trait(r, &t->base);
}

static int insight_kind(baton_ctx *ctx, const baton_security_insight *s, C1__Connector__V2__SecurityInsightTrait *t)
{
	int rc;
	if (s->kind == BATON_INSIGHT_RISK_SCORE) {
		if (s->normalized_score > 100)
			return baton_error_set(BATON_EINVALID, "normalized risk score must be between 0 and 100, got %u",
			                       s->normalized_score);
		if (s->n_risk_factors && !s->risk_factors)
			return baton__null_arg("baton_resource_set_security_insight_trait", "risk_factors");
		C1__Connector__V2__RiskScore *rs = baton_ctx_alloc(ctx, sizeof(*rs));
		C1__Connector__V2__RiskFactor **f =
			baton_ctx_alloc(ctx, (s->n_risk_factors ? s->n_risk_factors : 1) * sizeof(*f));
		if (!rs || !f)
			return BATON_EEXHAUSTED;
		c1__connector__v2__risk_score__init(rs);
		rs->normalized_score = s->normalized_score;
		if ((rc = str_field(ctx, "risk score source_score", s->source_score, &rs->source_score)))
			return rc;
		for (size_t i = 0; i < s->n_risk_factors; i++) {
			const baton_risk_factor *in = &s->risk_factors[i];
			if ((int)in->severity < 0 || (int)in->severity > 4)
				return baton_error_set(BATON_EINVALID, "risk factor %zu: severity %d is not defined", i,
				                       (int)in->severity);
			C1__Connector__V2__RiskFactor *x = baton_ctx_alloc(ctx, sizeof(*x));
			if (!x)
				return BATON_EEXHAUSTED;
			c1__connector__v2__risk_factor__init(x);
			x->severity = (C1__Connector__V2__RiskFactor__Severity)in->severity;
			if ((rc = str_field(ctx, "risk factor description", in->description, &x->description)))
				return rc;
			f[i] = x;
		}
		rs->n_risk_factors = s->n_risk_factors;
		rs->risk_factors = f;
		t->insight_type_case = C1__CONNECTOR__V2__SECURITY_INSIGHT_TRAIT__INSIGHT_TYPE_RISK_SCORE;
		t->risk_score = rs;
		return 0;
	}
	if (s->kind == BATON_INSIGHT_ISSUE) {
		if (!s->issue_value || !*s->issue_value)
			return baton_error_set(BATON_EINVALID, "issue value cannot be empty");
		C1__Connector__V2__Issue *is = baton_ctx_alloc(ctx, sizeof(*is));
		if (!is)
			return BATON_EEXHAUSTED;
		c1__connector__v2__issue__init(is);
		if ((rc = str_field(ctx, "issue value", s->issue_value, &is->value)) ||
		    (rc = str_field(ctx, "issue severity", s->issue_severity, &is->severity)))
			return rc;
		t->insight_type_case = C1__CONNECTOR__V2__SECURITY_INSIGHT_TRAIT__INSIGHT_TYPE_ISSUE;
		t->issue = is;
		return 0;
	}
	return baton_error_set(BATON_EINVALID, "insight type must be set (BATON_INSIGHT_RISK_SCORE or BATON_INSIGHT_ISSUE)");
}

static int insight_target(baton_ctx *ctx, const baton_security_insight *s, C1__Connector__V2__SecurityInsightTrait *t)
{
	int rc;
	switch (s->target) {
	case BATON_INSIGHT_TARGET_USER: {
		C1__Connector__V2__SecurityInsightTrait__UserTarget *u = baton_ctx_alloc(ctx, sizeof(*u));
		if (!u)
			return BATON_EEXHAUSTED;
		c1__connector__v2__security_insight_trait__user_target__init(u);
		if ((rc = str_field(ctx, "insight target email", s->target_email, &u->email)))
			return rc;
		t->target_case = C1__CONNECTOR__V2__SECURITY_INSIGHT_TRAIT__TARGET_USER;
		t->user = u;
		return 0;
	}
	case BATON_INSIGHT_TARGET_RESOURCE:
		if ((rc = baton__resource_id_new(ctx, "insight target resource", &s->target_resource, &t->resource_id)) < 0)
			return rc;
		t->target_case = C1__CONNECTOR__V2__SECURITY_INSIGHT_TRAIT__TARGET_RESOURCE_ID;
		return 0;
	case BATON_INSIGHT_TARGET_EXTERNAL_RESOURCE: {
		C1__Connector__V2__SecurityInsightTrait__ExternalResourceTarget *e = baton_ctx_alloc(ctx, sizeof(*e));
		if (!e)
			return BATON_EEXHAUSTED;
		c1__connector__v2__security_insight_trait__external_resource_target__init(e);
		if ((rc = str_field(ctx, "insight target external_id", s->target_external_id, &e->external_id)) ||
		    (rc = str_field(ctx, "insight target app_hint", s->target_app_hint, &e->app_hint)))
			return rc;
		t->target_case = C1__CONNECTOR__V2__SECURITY_INSIGHT_TRAIT__TARGET_EXTERNAL_RESOURCE;
		t->external_resource = e;
		return 0;
	}
	case BATON_INSIGHT_TARGET_APP_USER: {
		C1__Connector__V2__SecurityInsightTrait__AppUserTarget *a = baton_ctx_alloc(ctx, sizeof(*a));
		if (!a)
			return BATON_EEXHAUSTED;
		c1__connector__v2__security_insight_trait__app_user_target__init(a);
		if ((rc = str_field(ctx, "insight target email", s->target_email, &a->email)) ||
		    (rc = str_field(ctx, "insight target external_id", s->target_external_id, &a->external_id)))
			return rc;
		t->target_case = C1__CONNECTOR__V2__SECURITY_INSIGHT_TRAIT__TARGET_APP_USER;
		t->app_user = a;
		return 0;
	}
	default:
		return baton_error_set(BATON_EINVALID, "target must be set (a baton_insight_target)");
	}
}

BATON_API int baton_resource_set_security_insight_trait(baton_resource *r, const baton_security_insight *s)
{
	if (!r || !s)
		return baton__null_arg("baton_resource_set_security_insight_trait", !r ? "r" : "s");
	baton_ctx *ctx = r->ctx;
	C1__Connector__V2__SecurityInsightTrait *t = baton_ctx_alloc(ctx, sizeof(*t));
	if (!t)
		return BATON_EEXHAUSTED;
	c1__connector__v2__security_insight_trait__init(t);
	int rc = insight_kind(ctx, s, t);
	if (!rc)
		rc = insight_target(ctx, s, t);
	if (rc)
		return rc;
	baton_timestamp at = s->observed_at;
	if (!s->has_observed_at) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		at.seconds = (int64_t)ts.tv_sec;
		at.nanos = (int32_t)ts.tv_nsec;
	}
	if ((rc = baton__timestamp_new(ctx, "security insight trait observed_at", at, &t->observed_at)) < 0)
		return rc;
	return put_trait(r, &t->base);
}

BATON_API int baton_annotations_append_resource_deleted(baton_annotations *a, const baton_resource_id *id)
{
	if (!a || !id)
		return baton__null_arg("baton_annotations_append_resource_deleted", !a ? "a" : "id");
	C1__Connector__V2__ResourceDeleted *m = baton_ctx_alloc(a->ctx, sizeof(*m));
	if (!m)
		return BATON_EEXHAUSTED;
	c1__connector__v2__resource_deleted__init(m);
	int rc = baton__resource_id_new(a->ctx, "ResourceDeleted resource_id", id, &m->resource_id);
	if (rc < 0)
		return rc;
	rc = baton__annotations_append_msg(a, &m->base);
	return rc < 0 ? rc : 0;
}

BATON_API int baton_annotations_append_grant_replaced(baton_annotations *a, const char *replaced_grant_id)
{
	if (!a || !replaced_grant_id)
		return baton__null_arg("baton_annotations_append_grant_replaced", !a ? "a" : "replaced_grant_id");
	int rc = baton__check_len("GrantReplaced replaced_grant_id", replaced_grant_id, 1, 1024);
	if (rc < 0)
		return rc;
	C1__Connector__V2__GrantReplaced *m = baton_ctx_alloc(a->ctx, sizeof(*m));
	if (!m)
		return BATON_EEXHAUSTED;
	c1__connector__v2__grant_replaced__init(m);
	if (!(m->replaced_grant_id = baton__str(a->ctx, replaced_grant_id)))
		return BATON_EEXHAUSTED;
	rc = baton__annotations_append_msg(a, &m->base);
	return rc < 0 ? rc : 0;
}
