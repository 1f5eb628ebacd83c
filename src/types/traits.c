/* Trait handles: live views of a resource's user, group, role, app and secret annotations. */
/* This module reads and writes the deprecated trait and resource fields on purpose (mirroring). */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

#include "types/types.h"

#include <string.h>

#include "core/error.h"
#include "proto/any.h"

const ProtobufCMessageDescriptor *baton__trait_descriptor(baton__trait_kind kind)
{
	switch (kind) {
	case BATON__TRAIT_USER: return &c1__connector__v2__user_trait__descriptor;
	case BATON__TRAIT_GROUP: return &c1__connector__v2__group_trait__descriptor;
	case BATON__TRAIT_ROLE: return &c1__connector__v2__role_trait__descriptor;
	case BATON__TRAIT_APP: return &c1__connector__v2__app_trait__descriptor;
	case BATON__TRAIT_SECRET: return &c1__connector__v2__secret_trait__descriptor;
	default: return NULL;
	}
}

void baton__trait_apply_defaults(baton__trait *t)
{
	if (t->kind != BATON__TRAIT_USER)
		return;
	C1__Connector__V2__UserTrait *ut = (C1__Connector__V2__UserTrait *)t->msg;
	if (!ut->status) {
		C1__Connector__V2__UserTrait__Status *st =
			baton_arena_alloc(&t->r->ctx->arena, sizeof(*st));
		if (st) {
			c1__connector__v2__user_trait__status__init(st);
			st->status = C1__CONNECTOR__V2__USER_TRAIT__STATUS__STATUS__STATUS_ENABLED;
			ut->status = st;
		}
	}
	if (ut->account_type == C1__CONNECTOR__V2__USER_TRAIT__ACCOUNT_TYPE__ACCOUNT_TYPE_UNSPECIFIED)
		ut->account_type = C1__CONNECTOR__V2__USER_TRAIT__ACCOUNT_TYPE__ACCOUNT_TYPE_HUMAN;
}

baton__trait *baton__trait_get(baton_resource *r, baton__trait_kind kind, bool defer_slot,
                               const char *fn)
{
	if (!r) {
		baton__null_arg(fn, "r");
		return NULL;
	}
	if (r->traits[kind])
		return r->traits[kind];
	const ProtobufCMessageDescriptor *desc = baton__trait_descriptor(kind);
	baton_arena *arena = &r->ctx->arena;
	baton__trait *t = baton_arena_alloc(arena, sizeof(*t));
	if (!t) {
		baton__error_oom("trait");
		return NULL;
	}
	t->r = r;
	t->kind = kind;
	long idx = baton__annotations_index(&r->annos, desc, 0);
	if (idx >= 0) {
		if (baton__any_unpack(arena, (*r->annos.items)[idx], desc, &t->msg) < 0) {
			baton__error_prefix("%s", desc->name);
			return NULL;
		}
	} else {
		t->msg = baton_arena_alloc(arena, desc->sizeof_message);
		if (!t->msg) {
			baton__error_oom("trait");
			return NULL;
		}
		desc->message_init(t->msg);
		t->created = true;
		t->dirty = true;
		t->mirrors = true;
		baton__trait_apply_defaults(t);
		/* Take the slot now, so the trait keeps its place in the annotation order (unless the
		 * caller asked for it to go after what comes next; the flush appends it then). */
		if (!defer_slot && baton__annotations_append_msg(&r->annos, t->msg) < 0)
			return NULL;
	}
	t->bound = true;
	r->traits[kind] = t;
	return t;
}

static int touch(baton__trait *t)
{
	t->dirty = true;
	t->mirrors = true;
	return BATON_OK;
}

static void tsync(const baton__trait *t)
{
	if (t->bound)
		(void)baton__resource_flush(t->r);
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

static baton_ctx *tctx(const baton__trait *t)
{
	return t->r->ctx;
}

#define CHECK_T(t, fn)                                  \
	do {                                                \
		if (!(t))                                       \
			return baton__null_arg(fn, "trait");        \
	} while (0)

static int set_profile(baton__trait *t, const char *what, const char *json,
                       Google__Protobuf__Struct **field)
{
	Google__Protobuf__Struct *s;
	int rc = baton__profile_new(tctx(t), what, json, &s);
	if (rc < 0)
		return rc;
	*field = s;
	return touch(t);
}

static int set_icon(baton__trait *t, const char *what, const char *id,
                    C1__Connector__V2__AssetRef **field)
{
	C1__Connector__V2__AssetRef *ref;
	int rc = baton__asset_ref_new(tctx(t), what, id, &ref);
	if (rc < 0)
		return rc;
	*field = ref;
	return touch(t);
}

static int set_ts(baton__trait *t, const char *what, baton_timestamp when,
                  Google__Protobuf__Timestamp **field)
{
	Google__Protobuf__Timestamp *ts;
	int rc = baton__timestamp_new(tctx(t), what, when, &ts);
	if (rc < 0)
		return rc;
	*field = ts;
	return touch(t);
}

static int set_str(baton__trait *t, const char *what, const char *s, size_t max, char **field)
{
	int rc = baton__check_len(what, s, 0, max);
	if (rc < 0)
		return rc;
	char *copy = baton__str(tctx(t), s);
	if (!copy)
		return BATON_EEXHAUSTED;
	*field = copy;
	return touch(t);
}

static bool get_ts(const Google__Protobuf__Timestamp *ts, baton_timestamp *when)
{
	if (!ts)
		return false;
	if (when) {
		when->seconds = ts->seconds;
		when->nanos = ts->nanos;
	}
	return true;
}

/* The int form of the trait getters: *out set, 0; or NULL and the code of the recorded error. */
static int trait_get_rc(baton_resource *r, baton__trait_kind kind, const char *fn, void **out)
{
	*out = NULL;
	if (!r)
		return baton__null_arg(fn, "r");
	baton__trait *t = baton__trait_get(r, kind, false, fn);
	if (!t) {
		int code = baton_error_last()->code;
		return code < 0 ? code : baton_error_set(BATON_EINTERNAL, "%s: trait not available", fn);
	}
	*out = t;
	return BATON_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* User trait                                                                                  */

#define UT(h) ((C1__Connector__V2__UserTrait *)(h)->t.msg)

int baton_resource_get_user_trait(baton_resource *r, baton_user_trait **out)
{
	if (!out)
		return baton__null_arg("baton_resource_get_user_trait", "out");
	void *t = NULL;
	int rc = trait_get_rc(r, BATON__TRAIT_USER, "baton_resource_get_user_trait", &t);
	*out = t;
	return rc;
}

baton_user_trait *baton_resource_user_trait(baton_resource *r)
{
	return (baton_user_trait *)baton__trait_get(r, BATON__TRAIT_USER, false, "baton_resource_user_trait");
}

int baton_user_trait_add_email(baton_user_trait *t, const char *address, bool primary)
{
	CHECK_T(t, "baton_user_trait_add_email");
	if (!address || !*address)
		return BATON_OK;
	C1__Connector__V2__UserTrait *ut = UT(t);
	baton_arena *arena = &tctx(&t->t)->arena;
	C1__Connector__V2__UserTrait__Email *e = baton_arena_alloc(arena, sizeof(*e));
	C1__Connector__V2__UserTrait__Email **v =
		baton_arena_alloc(arena, (ut->n_emails + 1) * sizeof(*v));
	if (!e || !v)
		return baton__error_oom("email");
	c1__connector__v2__user_trait__email__init(e);
	if (!(e->address = baton__str(tctx(&t->t), address)))
		return BATON_EEXHAUSTED;
	e->is_primary = primary;
	if (ut->n_emails)
		memcpy(v, ut->emails, ut->n_emails * sizeof(*v));
	v[ut->n_emails] = e;
	ut->emails = v;
	ut->n_emails++;
	return touch(&t->t);
}

int baton_user_trait_set_login(baton_user_trait *t, const char *login, const char *const *aliases,
                               size_t n_aliases)
{
	CHECK_T(t, "baton_user_trait_set_login");
	if (!login || !*login)
		return BATON_OK;
	char **v;
	int rc = baton__strv(tctx(&t->t), "login aliases", aliases, n_aliases, &v);
	if (rc < 0)
		return rc;
	char *copy = baton__str(tctx(&t->t), login);
	if (!copy)
		return BATON_EEXHAUSTED;
	UT(t)->login = copy;
	UT(t)->login_aliases = v;
	UT(t)->n_login_aliases = n_aliases;
	return touch(&t->t);
}

int baton_user_trait_set_employee_ids(baton_user_trait *t, const char *const *ids, size_t n)
{
	CHECK_T(t, "baton_user_trait_set_employee_ids");
	char **v;
	int rc = baton__strv(tctx(&t->t), "employee ids", ids, n, &v);
	if (rc < 0)
		return rc;
	UT(t)->employee_ids = v;
	UT(t)->n_employee_ids = n;
	return touch(&t->t);
}

int baton_user_trait_set_account_type(baton_user_trait *t, baton_account_type type)
{
	CHECK_T(t, "baton_user_trait_set_account_type");
	if ((int)type < 0 || type > BATON_ACCOUNT_TYPE_SYSTEM)
		return baton_error_set(BATON_EINVALID, "user trait account_type %d is not defined",
		                       (int)type);
	UT(t)->account_type = (C1__Connector__V2__UserTrait__AccountType)type;
	return touch(&t->t);
}

int baton_user_trait_set_last_login(baton_user_trait *t, baton_timestamp when)
{
	CHECK_T(t, "baton_user_trait_set_last_login");
	return set_ts(&t->t, "user trait last_login", when, &UT(t)->last_login);
}

int baton_user_trait_set_mfa_enabled(baton_user_trait *t, bool enabled)
{
	CHECK_T(t, "baton_user_trait_set_mfa_enabled");
	C1__Connector__V2__UserTrait__MFAStatus *m =
		baton_arena_alloc(&tctx(&t->t)->arena, sizeof(*m));
	if (!m)
		return baton__error_oom("mfa status");
	c1__connector__v2__user_trait__mfastatus__init(m);
	m->mfa_enabled = enabled;
	UT(t)->mfa_status = m;
	return touch(&t->t);
}

int baton_user_trait_set_sso_enabled(baton_user_trait *t, bool enabled)
{
	CHECK_T(t, "baton_user_trait_set_sso_enabled");
	C1__Connector__V2__UserTrait__SSOStatus *m =
		baton_arena_alloc(&tctx(&t->t)->arena, sizeof(*m));
	if (!m)
		return baton__error_oom("sso status");
	c1__connector__v2__user_trait__ssostatus__init(m);
	m->sso_enabled = enabled;
	UT(t)->sso_status = m;
	return touch(&t->t);
}

int baton_user_trait_set_structured_name(baton_user_trait *t, const char *given_name,
                                         const char *family_name,
                                         const char *const *middle_names, size_t n_middle,
                                         const char *prefix, const char *suffix)
{
	CHECK_T(t, "baton_user_trait_set_structured_name");
	baton_ctx *ctx = tctx(&t->t);
	C1__Connector__V2__UserTrait__StructuredName *sn = baton_arena_alloc(&ctx->arena, sizeof(*sn));
	if (!sn)
		return baton__error_oom("structured name");
	c1__connector__v2__user_trait__structured_name__init(sn);
	int rc = baton__strv(ctx, "structured name middle_names", middle_names, n_middle,
	                     &sn->middle_names);
	if (rc < 0)
		return rc;
	sn->n_middle_names = n_middle;
	if (!(sn->given_name = baton__str(ctx, given_name)) ||
	    !(sn->family_name = baton__str(ctx, family_name)) ||
	    !(sn->prefix = baton__str(ctx, prefix)) || !(sn->suffix = baton__str(ctx, suffix)))
		return BATON_EEXHAUSTED;
	UT(t)->structured_name = sn;
	return touch(&t->t);
}

int baton_user_trait_set_status(baton_user_trait *t, baton_status status, const char *details)
{
	CHECK_T(t, "baton_user_trait_set_status");
	int rc = baton__status_check("user trait status", (int)status, details);
	if (rc < 0)
		return rc;
	baton_ctx *ctx = tctx(&t->t);
	C1__Connector__V2__UserTrait__Status *st = baton_arena_alloc(&ctx->arena, sizeof(*st));
	if (!st)
		return baton__error_oom("status");
	c1__connector__v2__user_trait__status__init(st);
	st->status = (C1__Connector__V2__UserTrait__Status__Status)status;
	if (!(st->details = baton__str(ctx, details)))
		return BATON_EEXHAUSTED;
	UT(t)->status = st;
	return touch(&t->t);
}

int baton_user_trait_set_profile_json(baton_user_trait *t, const char *json_object)
{
	CHECK_T(t, "baton_user_trait_set_profile_json");
	return set_profile(&t->t, "user trait profile", json_object, &UT(t)->profile);
}

int baton_user_trait_set_icon(baton_user_trait *t, const char *asset_id)
{
	CHECK_T(t, "baton_user_trait_set_icon");
	return set_icon(&t->t, "user trait icon id", asset_id, &UT(t)->icon);
}

int baton_user_trait_set_created_at(baton_user_trait *t, baton_timestamp when)
{
	CHECK_T(t, "baton_user_trait_set_created_at");
	return set_ts(&t->t, "user trait created_at", when, &UT(t)->created_at);
}

size_t baton_user_trait_email_count(const baton_user_trait *t)
{
	return t ? UT(t)->n_emails : 0;
}

const char *baton_user_trait_email_at(const baton_user_trait *t, size_t i, bool *primary)
{
	if (!t || i >= UT(t)->n_emails)
		return NULL;
	const C1__Connector__V2__UserTrait__Email *e = UT(t)->emails[i];
	if (primary)
		*primary = e->is_primary;
	return str_or_empty(e->address);
}

baton_status baton_user_trait_status(const baton_user_trait *t, const char **details)
{
	if (details)
		*details = "";
	if (!t)
		return BATON_STATUS_UNSPECIFIED;
	tsync(&t->t);
	const C1__Connector__V2__UserTrait__Status *st = UT(t)->status;
	if (!st)
		return BATON_STATUS_UNSPECIFIED;
	if (details)
		*details = str_or_empty(st->details);
	return (baton_status)st->status;
}

baton_account_type baton_user_trait_account_type(const baton_user_trait *t)
{
	if (!t)
		return BATON_ACCOUNT_TYPE_UNSPECIFIED;
	tsync(&t->t);
	return (baton_account_type)UT(t)->account_type;
}

const char *baton_user_trait_login(const baton_user_trait *t)
{
	return t ? str_or_empty(UT(t)->login) : "";
}

size_t baton_user_trait_login_alias_count(const baton_user_trait *t)
{
	return t ? UT(t)->n_login_aliases : 0;
}

const char *baton_user_trait_login_alias_at(const baton_user_trait *t, size_t i)
{
	if (!t || i >= UT(t)->n_login_aliases)
		return NULL;
	return str_or_empty(UT(t)->login_aliases[i]);
}

size_t baton_user_trait_employee_id_count(const baton_user_trait *t)
{
	return t ? UT(t)->n_employee_ids : 0;
}

const char *baton_user_trait_employee_id_at(const baton_user_trait *t, size_t i)
{
	if (!t || i >= UT(t)->n_employee_ids)
		return NULL;
	return str_or_empty(UT(t)->employee_ids[i]);
}

bool baton_user_trait_last_login(const baton_user_trait *t, baton_timestamp *when)
{
	return t && get_ts(UT(t)->last_login, when);
}

bool baton_user_trait_mfa_enabled(const baton_user_trait *t, bool *enabled)
{
	if (!t || !UT(t)->mfa_status)
		return false;
	if (enabled)
		*enabled = UT(t)->mfa_status->mfa_enabled;
	return true;
}

bool baton_user_trait_sso_enabled(const baton_user_trait *t, bool *enabled)
{
	if (!t || !UT(t)->sso_status)
		return false;
	if (enabled)
		*enabled = UT(t)->sso_status->sso_enabled;
	return true;
}

bool baton_user_trait_structured_name(const baton_user_trait *t, const char **given_name,
                                      const char **family_name, const char **prefix,
                                      const char **suffix)
{
	if (!t || !UT(t)->structured_name)
		return false;
	const C1__Connector__V2__UserTrait__StructuredName *sn = UT(t)->structured_name;
	if (given_name)
		*given_name = str_or_empty(sn->given_name);
	if (family_name)
		*family_name = str_or_empty(sn->family_name);
	if (prefix)
		*prefix = str_or_empty(sn->prefix);
	if (suffix)
		*suffix = str_or_empty(sn->suffix);
	return true;
}

size_t baton_user_trait_middle_name_count(const baton_user_trait *t)
{
	return t && UT(t)->structured_name ? UT(t)->structured_name->n_middle_names : 0;
}

const char *baton_user_trait_middle_name_at(const baton_user_trait *t, size_t i)
{
	if (!t || !UT(t)->structured_name || i >= UT(t)->structured_name->n_middle_names)
		return NULL;
	return str_or_empty(UT(t)->structured_name->middle_names[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Group trait                                                                                 */

#define GT(h) ((C1__Connector__V2__GroupTrait *)(h)->t.msg)

int baton_resource_get_group_trait(baton_resource *r, baton_group_trait **out)
{
	if (!out)
		return baton__null_arg("baton_resource_get_group_trait", "out");
	void *t = NULL;
	int rc = trait_get_rc(r, BATON__TRAIT_GROUP, "baton_resource_get_group_trait", &t);
	*out = t;
	return rc;
}

baton_group_trait *baton_resource_group_trait(baton_resource *r)
{
	return (baton_group_trait *)baton__trait_get(r, BATON__TRAIT_GROUP, false, "baton_resource_group_trait");
}

int baton_group_trait_set_source_type(baton_group_trait *t, const char *type)
{
	CHECK_T(t, "baton_group_trait_set_source_type");
	return set_str(&t->t, "group trait group_source_type", type, 64, &GT(t)->group_source_type);
}

int baton_group_trait_set_raw_source_type(baton_group_trait *t, const char *raw)
{
	CHECK_T(t, "baton_group_trait_set_raw_source_type");
	return set_str(&t->t, "group trait raw_group_source_type", raw, 256,
	               &GT(t)->raw_group_source_type);
}

int baton_group_trait_set_profile_json(baton_group_trait *t, const char *json_object)
{
	CHECK_T(t, "baton_group_trait_set_profile_json");
	return set_profile(&t->t, "group trait profile", json_object, &GT(t)->profile);
}

int baton_group_trait_set_icon(baton_group_trait *t, const char *asset_id)
{
	CHECK_T(t, "baton_group_trait_set_icon");
	return set_icon(&t->t, "group trait icon id", asset_id, &GT(t)->icon);
}

const char *baton_group_trait_source_type(const baton_group_trait *t)
{
	return t ? str_or_empty(GT(t)->group_source_type) : "";
}

const char *baton_group_trait_raw_source_type(const baton_group_trait *t)
{
	return t ? str_or_empty(GT(t)->raw_group_source_type) : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Role trait                                                                                  */

#define RT(h) ((C1__Connector__V2__RoleTrait *)(h)->t.msg)

int baton_resource_get_role_trait(baton_resource *r, baton_role_trait **out)
{
	if (!out)
		return baton__null_arg("baton_resource_get_role_trait", "out");
	void *t = NULL;
	int rc = trait_get_rc(r, BATON__TRAIT_ROLE, "baton_resource_get_role_trait", &t);
	*out = t;
	return rc;
}

baton_role_trait *baton_resource_role_trait(baton_resource *r)
{
	return (baton_role_trait *)baton__trait_get(r, BATON__TRAIT_ROLE, false, "baton_resource_role_trait");
}

int baton_role_trait_set_scope_conditions(baton_role_trait *t, const char *type,
                                          const char *const *expressions, size_t n)
{
	CHECK_T(t, "baton_role_trait_set_scope_conditions");
	if (n && !expressions)
		return baton__null_arg("baton_role_trait_set_scope_conditions", "expressions");
	baton_ctx *ctx = tctx(&t->t);
	baton_arena *arena = &ctx->arena;
	C1__Connector__V2__RoleScopeConditions *sc = baton_arena_alloc(arena, sizeof(*sc));
	if (!sc)
		return baton__error_oom("role scope conditions");
	c1__connector__v2__role_scope_conditions__init(sc);
	if (!(sc->type = baton__str(ctx, type)))
		return BATON_EEXHAUSTED;
	if (n) {
		sc->conditions = baton_arena_alloc(arena, n * sizeof(*sc->conditions));
		if (!sc->conditions)
			return baton__error_oom("role scope conditions");
		for (size_t i = 0; i < n; i++) {
			C1__Connector__V2__RoleScopeCondition *c = baton_arena_alloc(arena, sizeof(*c));
			if (!c)
				return baton__error_oom("role scope condition");
			c1__connector__v2__role_scope_condition__init(c);
			if (!(c->expression = baton__str(ctx, expressions[i])))
				return BATON_EEXHAUSTED;
			sc->conditions[i] = c;
		}
		sc->n_conditions = n;
	}
	RT(t)->role_scope_conditions = sc;
	return touch(&t->t);
}

int baton_role_trait_set_profile_json(baton_role_trait *t, const char *json_object)
{
	CHECK_T(t, "baton_role_trait_set_profile_json");
	return set_profile(&t->t, "role trait profile", json_object, &RT(t)->profile);
}

const char *baton_role_trait_scope_type(const baton_role_trait *t)
{
	if (!t || !RT(t)->role_scope_conditions)
		return "";
	return str_or_empty(RT(t)->role_scope_conditions->type);
}

size_t baton_role_trait_condition_count(const baton_role_trait *t)
{
	if (!t || !RT(t)->role_scope_conditions)
		return 0;
	return RT(t)->role_scope_conditions->n_conditions;
}

const char *baton_role_trait_condition_at(const baton_role_trait *t, size_t i)
{
	if (i >= baton_role_trait_condition_count(t))
		return NULL;
	return str_or_empty(RT(t)->role_scope_conditions->conditions[i]->expression);
}

/* ------------------------------------------------------------------------------------------ */
/* App trait                                                                                   */

#define AT(h) ((C1__Connector__V2__AppTrait *)(h)->t.msg)

int baton_resource_get_app_trait(baton_resource *r, baton_app_trait **out)
{
	if (!out)
		return baton__null_arg("baton_resource_get_app_trait", "out");
	void *t = NULL;
	int rc = trait_get_rc(r, BATON__TRAIT_APP, "baton_resource_get_app_trait", &t);
	*out = t;
	return rc;
}

baton_app_trait *baton_resource_app_trait(baton_resource *r)
{
	return (baton_app_trait *)baton__trait_get(r, BATON__TRAIT_APP, false, "baton_resource_app_trait");
}

int baton_app_trait_set_help_url(baton_app_trait *t, const char *url)
{
	CHECK_T(t, "baton_app_trait_set_help_url");
	int rc = baton__check_len("app trait help_url", url, 0, 1024);
	if (rc < 0)
		return rc;
	if (url && *url && strncmp(url, "https://", 8) != 0)
		return baton_error_set(BATON_EINVALID, "app trait help_url must start with https://");
	return set_str(&t->t, "app trait help_url", url, 1024, &AT(t)->help_url);
}

int baton_app_trait_set_logo(baton_app_trait *t, const char *asset_id)
{
	CHECK_T(t, "baton_app_trait_set_logo");
	return set_icon(&t->t, "app trait logo id", asset_id, &AT(t)->logo);
}

int baton_app_trait_set_flags(baton_app_trait *t, const baton_app_flag *flags, size_t n)
{
	CHECK_T(t, "baton_app_trait_set_flags");
	if (n && !flags)
		return baton__null_arg("baton_app_trait_set_flags", "flags");
	for (size_t i = 0; i < n; i++) {
		if ((int)flags[i] < 0 || flags[i] > BATON_APP_FLAG_BOOKMARK)
			return baton_error_set(BATON_EINVALID, "app trait flags: flag %d is not defined",
			                       (int)flags[i]);
	}
	C1__Connector__V2__AppTrait__AppFlag *v = NULL;
	if (n) {
		v = baton_arena_alloc(&tctx(&t->t)->arena, n * sizeof(*v));
		if (!v)
			return baton__error_oom("app flags");
		for (size_t i = 0; i < n; i++)
			v[i] = (C1__Connector__V2__AppTrait__AppFlag)flags[i];
	}
	AT(t)->flags = v;
	AT(t)->n_flags = n;
	return touch(&t->t);
}

int baton_app_trait_set_source_type(baton_app_trait *t, const char *type)
{
	CHECK_T(t, "baton_app_trait_set_source_type");
	return set_str(&t->t, "app trait app_source_type", type, 64, &AT(t)->app_source_type);
}

int baton_app_trait_set_raw_source_type(baton_app_trait *t, const char *raw)
{
	CHECK_T(t, "baton_app_trait_set_raw_source_type");
	return set_str(&t->t, "app trait raw_app_source_type", raw, 256, &AT(t)->raw_app_source_type);
}

int baton_app_trait_set_icon(baton_app_trait *t, const char *asset_id)
{
	CHECK_T(t, "baton_app_trait_set_icon");
	return set_icon(&t->t, "app trait icon id", asset_id, &AT(t)->icon);
}

int baton_app_trait_set_profile_json(baton_app_trait *t, const char *json_object)
{
	CHECK_T(t, "baton_app_trait_set_profile_json");
	return set_profile(&t->t, "app trait profile", json_object, &AT(t)->profile);
}

const char *baton_app_trait_help_url(const baton_app_trait *t)
{
	return t ? str_or_empty(AT(t)->help_url) : "";
}

const char *baton_app_trait_logo(const baton_app_trait *t)
{
	return t && AT(t)->logo ? str_or_empty(AT(t)->logo->id) : "";
}

size_t baton_app_trait_flag_count(const baton_app_trait *t)
{
	return t ? AT(t)->n_flags : 0;
}

baton_app_flag baton_app_trait_flag_at(const baton_app_trait *t, size_t i)
{
	if (!t || i >= AT(t)->n_flags)
		return BATON_APP_FLAG_UNSPECIFIED;
	return (baton_app_flag)AT(t)->flags[i];
}

const char *baton_app_trait_source_type(const baton_app_trait *t)
{
	return t ? str_or_empty(AT(t)->app_source_type) : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Secret trait                                                                                */

#define ST(h) ((C1__Connector__V2__SecretTrait *)(h)->t.msg)

int baton_resource_get_secret_trait(baton_resource *r, baton_secret_trait **out)
{
	if (!out)
		return baton__null_arg("baton_resource_get_secret_trait", "out");
	void *t = NULL;
	int rc = trait_get_rc(r, BATON__TRAIT_SECRET, "baton_resource_get_secret_trait", &t);
	*out = t;
	return rc;
}

baton_secret_trait *baton_resource_secret_trait(baton_resource *r)
{
	return (baton_secret_trait *)baton__trait_get(r, BATON__TRAIT_SECRET, false, "baton_resource_secret_trait");
}

int baton_secret_trait_set_last_used_at(baton_secret_trait *t, baton_timestamp when)
{
	CHECK_T(t, "baton_secret_trait_set_last_used_at");
	return set_ts(&t->t, "secret trait last_used_at", when, &ST(t)->last_used_at);
}

int baton_secret_trait_set_expires_at(baton_secret_trait *t, baton_timestamp when)
{
	CHECK_T(t, "baton_secret_trait_set_expires_at");
	return set_ts(&t->t, "secret trait expires_at", when, &ST(t)->expires_at);
}

static int set_rid(baton__trait *t, const char *what, const baton_resource_id *id,
                   C1__Connector__V2__ResourceId **field)
{
	C1__Connector__V2__ResourceId *rid = NULL;
	if (id) {
		int rc = baton__resource_id_new(tctx(t), what, id, &rid);
		if (rc < 0)
			return rc;
	}
	*field = rid;
	return touch(t);
}

int baton_secret_trait_set_created_by_id(baton_secret_trait *t, const baton_resource_id *id)
{
	CHECK_T(t, "baton_secret_trait_set_created_by_id");
	return set_rid(&t->t, "secret trait created_by_id", id, &ST(t)->created_by_id);
}

int baton_secret_trait_set_identity_id(baton_secret_trait *t, const baton_resource_id *id)
{
	CHECK_T(t, "baton_secret_trait_set_identity_id");
	return set_rid(&t->t, "secret trait identity_id", id, &ST(t)->identity_id);
}

int baton_secret_trait_set_credential_type(baton_secret_trait *t, baton_credential_type type)
{
	CHECK_T(t, "baton_secret_trait_set_credential_type");
	if ((int)type < 0 || type > BATON_CREDENTIAL_TYPE_CERTIFICATE)
		return baton_error_set(BATON_EINVALID, "secret trait credential_type %d is not defined",
		                       (int)type);
	ST(t)->credential_type = (C1__Connector__V2__SecretTrait__CredentialType)type;
	return touch(&t->t);
}

int baton_secret_trait_set_credential_detail(baton_secret_trait *t, const char *detail)
{
	CHECK_T(t, "baton_secret_trait_set_credential_detail");
	return set_str(&t->t, "secret trait credential_detail", detail, SIZE_MAX,
	               &ST(t)->credential_detail);
}

int baton_secret_trait_set_created_at(baton_secret_trait *t, baton_timestamp when)
{
	CHECK_T(t, "baton_secret_trait_set_created_at");
	return set_ts(&t->t, "secret trait created_at", when, &ST(t)->created_at);
}

int baton_secret_trait_set_profile_json(baton_secret_trait *t, const char *json_object)
{
	CHECK_T(t, "baton_secret_trait_set_profile_json");
	return set_profile(&t->t, "secret trait profile", json_object, &ST(t)->profile);
}

bool baton_secret_trait_last_used_at(const baton_secret_trait *t, baton_timestamp *when)
{
	return t && get_ts(ST(t)->last_used_at, when);
}

bool baton_secret_trait_expires_at(const baton_secret_trait *t, baton_timestamp *when)
{
	return t && get_ts(ST(t)->expires_at, when);
}

static bool get_rid(const C1__Connector__V2__ResourceId *rid, baton_resource_id *id)
{
	if (!rid)
		return false;
	if (id) {
		id->resource_type = str_or_empty(rid->resource_type);
		id->resource = str_or_empty(rid->resource);
	}
	return true;
}

bool baton_secret_trait_created_by_id(const baton_secret_trait *t, baton_resource_id *id)
{
	return t && get_rid(ST(t)->created_by_id, id);
}

bool baton_secret_trait_identity_id(const baton_secret_trait *t, baton_resource_id *id)
{
	return t && get_rid(ST(t)->identity_id, id);
}

baton_credential_type baton_secret_trait_credential_type(const baton_secret_trait *t)
{
	return t ? (baton_credential_type)ST(t)->credential_type : BATON_CREDENTIAL_TYPE_UNSPECIFIED;
}

const char *baton_secret_trait_credential_detail(const baton_secret_trait *t)
{
	return t ? str_or_empty(ST(t)->credential_detail) : "";
}
