/*
 * Custom actions: registration rules, schemas as c1.connector.v2.BatonActionSchema, invocation on
 * a thread per action with statuses PENDING -> RUNNING -> COMPLETE / FAILED, the inline wait,
 * status polling, and the typed argument readers of include/baton/actions.h.
 */
#include "connector/ext.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "proto/protojson.h"
#include "types/types.h"
#include "google/protobuf/struct.pb-c.h"

#define MAX_OLD_ACTIONS 1000
#define DEFAULT_INLINE_WAIT_MS 1000
#define MAX_INLINE_WAIT_MS (3600 * 1000)

static size_t n_actions(const baton_connector *c)
{
	return c->version >= 2 && c->actions ? c->n_actions : 0;
}

static bool is_global(const baton_action *a)
{
	return !a->resource_type_id || !*a->resource_type_id;
}

static const char *rtype_of(const baton_action *a)
{
	return is_global(a) ? "" : a->resource_type_id;
}

static const char *action_type_name(baton_action_type t)
{
	static const char *const names[] = {
		"ACTION_TYPE_UNSPECIFIED", "ACTION_TYPE_DYNAMIC", "ACTION_TYPE_ACCOUNT",
		"ACTION_TYPE_ACCOUNT_UPDATE_PROFILE", "ACTION_TYPE_ACCOUNT_DISABLE", "ACTION_TYPE_ACCOUNT_ENABLE",
		"ACTION_TYPE_RESOURCE_CREATE", "ACTION_TYPE_RESOURCE_DELETE", "ACTION_TYPE_RESOURCE_ENABLE",
		"ACTION_TYPE_RESOURCE_DISABLE",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "ACTION_TYPE_UNKNOWN";
}

BATON_API const char *baton_action_status_name(baton_action_status status)
{
	switch (status) {
	case BATON_ACTION_STATUS_UNSPECIFIED: return "BATON_ACTION_STATUS_UNSPECIFIED";
	case BATON_ACTION_STATUS_UNKNOWN: return "BATON_ACTION_STATUS_UNKNOWN";
	case BATON_ACTION_STATUS_PENDING: return "BATON_ACTION_STATUS_PENDING";
	case BATON_ACTION_STATUS_RUNNING: return "BATON_ACTION_STATUS_RUNNING";
	case BATON_ACTION_STATUS_COMPLETE: return "BATON_ACTION_STATUS_COMPLETE";
	case BATON_ACTION_STATUS_FAILED: return "BATON_ACTION_STATUS_FAILED";
	default: return "UNKNOWN";
	}
}

/* ---- registration ---- */

static int check_fields(const baton_action *a, const char *what, const baton_action_field *f, size_t n)
{
	if (n && !f)
		return baton_error_set(BATON_EINVALID, "action %s: %s is NULL", a->name, what);
	for (size_t i = 0; i < n; i++) {
		if (!f[i].name || !*f[i].name)
			return baton_error_set(BATON_EINVALID, "action %s: %s[%zu] has no name", a->name, what, i);
		if ((unsigned)f[i].kind > BATON_ACTION_FIELD_GRANT_LIST)
			return baton_error_set(BATON_EINVALID, "action %s: %s %s: unknown kind %d", a->name, what,
			                       f[i].name, (int)f[i].kind);
		if (f[i].n_options && !f[i].options)
			return baton_error_set(BATON_EINVALID, "action %s: %s %s: options is NULL", a->name, what,
			                       f[i].name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(f[j].name, f[i].name))
				return baton_error_set(BATON_EINVALID, "action %s: duplicate %s field %s", a->name, what,
				                       f[i].name);
	}
	return 0;
}

static int check_action(const baton__runtime *rt, const baton_action *a, size_t index)
{
	if (!a)
		return baton_error_set(BATON_EINVALID, "action %zu is NULL", index);
	if (a->version < 1)
		return baton_error_set(BATON_EINVALID, "action %zu: version must be set (BATON_ACTION_VERSION)", index);
	if (!a->name || !*a->name)
		return baton_error_set(BATON_EINVALID, is_global(a) ? "action name cannot be empty"
		                                                    : "action schema name cannot be empty");
	if (!a->invoke)
		return baton_error_set(BATON_EINVALID, "action handler cannot be nil (action %s: invoke is required)",
		                       a->name);
	if (!is_global(a) && !baton__runtime_find(rt, a->resource_type_id))
		return baton_error_set(BATON_EINVALID, "action %s: resource type %s is not one of the connector's",
		                       a->name, a->resource_type_id);
	if (a->n_action_types && !a->action_types)
		return baton_error_set(BATON_EINVALID, "action %s: action_types is NULL", a->name);
	for (size_t i = 0; i < a->n_action_types; i++)
		if ((unsigned)a->action_types[i] > BATON_ACTION_TYPE_RESOURCE_DISABLE)
			return baton_error_set(BATON_EINVALID, "action %s: unknown action type %d", a->name,
			                       (int)a->action_types[i]);
	int rc = check_fields(a, "argument", a->arguments, a->n_arguments);
	if (!rc)
		rc = check_fields(a, "return", a->return_types, a->n_return_types);
	if (rc)
		return rc;
	if (a->n_constraints && !a->constraints)
		return baton_error_set(BATON_EINVALID, "action %s: constraints is NULL", a->name);
	for (size_t i = 0; i < a->n_constraints; i++) {
		const baton_action_constraint *c = &a->constraints[i];
		if (c->kind < BATON_ACTION_CONSTRAINT_REQUIRED_TOGETHER || c->kind > BATON_ACTION_CONSTRAINT_DEPENDENT_ON)
			return baton_error_set(BATON_EINVALID, "action %s: unknown constraint kind: %d", a->name, (int)c->kind);
		if ((c->n_fields && !c->fields) || (c->n_secondary_fields && !c->secondary_fields))
			return baton_error_set(BATON_EINVALID, "action %s: constraint %zu has NULL field names", a->name, i);
		for (size_t j = 0; j < c->n_fields; j++)
			if (!c->fields[j])
				return baton_error_set(BATON_EINVALID, "action %s: constraint %zu has NULL field names", a->name, i);
		for (size_t j = 0; j < c->n_secondary_fields; j++)
			if (!c->secondary_fields[j])
				return baton_error_set(BATON_EINVALID, "action %s: constraint %zu has NULL field names", a->name, i);
	}
	return 0;
}

int baton__actions_check(const baton__runtime *rt)
{
	const baton_connector *c = rt->conn;
	if (c->version >= 2 && c->n_actions && !c->actions)
		return baton_error_set(BATON_EINVALID, "connector: actions is NULL");
	size_t n = n_actions(c);
	for (size_t i = 0; i < n; i++) {
		const baton_action *a = c->actions[i];
		int rc = check_action(rt, a, i);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++) {
			const baton_action *b = c->actions[j];
			if (strcmp(rtype_of(a), rtype_of(b)))
				continue;
			if (!strcmp(a->name, b->name)) {
				if (is_global(a))
					return baton_error_set(BATON_EINVALID, "action schema %s already registered", a->name);
				return baton_error_set(BATON_EINVALID, "action schema %s already registered for resource type %s",
				                       a->name, a->resource_type_id);
			}
			if (is_global(a))
				continue;
			for (size_t x = 0; x < a->n_action_types; x++) {
				baton_action_type t = a->action_types[x];
				if (t == BATON_ACTION_TYPE_UNSPECIFIED || t == BATON_ACTION_TYPE_DYNAMIC)
					continue;
				for (size_t y = 0; y < b->n_action_types; y++)
					if (b->action_types[y] == t)
						return baton_error_set(BATON_EINVALID, "action type %s already registered for "
						                       "resource type %s (existing action: %s)",
						                       action_type_name(t), a->resource_type_id, b->name);
			}
		}
	}
	return 0;
}

/* ---- schemas ---- */

static void *new_msg(baton_ctx *ctx, const ProtobufCMessageDescriptor *d)
{
	void *p = baton_ctx_alloc(ctx, d->sizeof_message);
	if (p)
		protobuf_c_message_init(d, p);
	else
		baton__error_oom(d->name);
	return p;
}

static char *str(baton_ctx *ctx, const char *s)
{
	return baton__str(ctx, s);
}

/* Splits "a,b" into a string array in ctx. */
static int split_list(baton_ctx *ctx, const char *s, size_t *n, char ***out)
{
	*n = 0;
	*out = NULL;
	if (!s || !*s)
		return 0;
	size_t cnt = 1;
	for (const char *p = s; *p; p++)
		cnt += *p == ',';
	char **v = baton_ctx_alloc(ctx, cnt * sizeof(*v));
	if (!v)
		return BATON_EEXHAUSTED;
	const char *p = s;
	for (size_t i = 0; i < cnt; i++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!(v[i] = baton_ctx_strndup(ctx, p, len)))
			return BATON_EEXHAUSTED;
		p = comma ? comma + 1 : p + len;
	}
	*n = cnt;
	*out = v;
	return 0;
}

static int field_msg(baton_ctx *ctx, const baton_action_field *f, C1__Config__V1__Field **out)
{
	C1__Config__V1__Field *m = new_msg(ctx, &c1__config__v1__field__descriptor);
	if (!m)
		return BATON_EEXHAUSTED;
	if (!(m->name = str(ctx, f->name)) || !(m->display_name = str(ctx, f->display_name)) ||
	    !(m->description = str(ctx, f->description)) || !(m->placeholder = str(ctx, f->placeholder)))
		return BATON_EEXHAUSTED;
	m->is_required = f->required;
	m->is_secret = f->secret;
	switch (f->kind) {
	case BATON_ACTION_FIELD_STRING: {
		C1__Config__V1__StringField *s = new_msg(ctx, &c1__config__v1__string_field__descriptor);
		if (!s || !(s->default_value = str(ctx, f->default_value)))
			return BATON_EEXHAUSTED;
		if (f->n_options) {
			s->options = baton_ctx_alloc(ctx, f->n_options * sizeof(*s->options));
			if (!s->options)
				return BATON_EEXHAUSTED;
			for (size_t i = 0; i < f->n_options; i++) {
				C1__Config__V1__StringFieldOption *o = new_msg(ctx, &c1__config__v1__string_field_option__descriptor);
				if (!o || !(o->name = str(ctx, f->options[i])) || !(o->value = str(ctx, f->options[i])))
					return BATON_EEXHAUSTED;
				s->options[i] = o;
			}
			s->n_options = f->n_options;
		}
		m->field_case = C1__CONFIG__V1__FIELD__FIELD_STRING_FIELD;
		m->string_field = s;
		break;
	}
	case BATON_ACTION_FIELD_INT: {
		C1__Config__V1__IntField *i = new_msg(ctx, &c1__config__v1__int_field__descriptor);
		if (!i)
			return BATON_EEXHAUSTED;
		if (f->default_value)
			i->default_value = strtoll(f->default_value, NULL, 10);
		m->field_case = C1__CONFIG__V1__FIELD__FIELD_INT_FIELD;
		m->int_field = i;
		break;
	}
	case BATON_ACTION_FIELD_BOOL: {
		C1__Config__V1__BoolField *b = new_msg(ctx, &c1__config__v1__bool_field__descriptor);
		if (!b)
			return BATON_EEXHAUSTED;
		b->default_value = f->default_value && (!strcmp(f->default_value, "true") || !strcmp(f->default_value, "1"));
		m->field_case = C1__CONFIG__V1__FIELD__FIELD_BOOL_FIELD;
		m->bool_field = b;
		break;
	}
	case BATON_ACTION_FIELD_STRING_LIST: {
		C1__Config__V1__StringSliceField *s = new_msg(ctx, &c1__config__v1__string_slice_field__descriptor);
		if (!s || split_list(ctx, f->default_value, &s->n_default_value, &s->default_value))
			return BATON_EEXHAUSTED;
		m->field_case = C1__CONFIG__V1__FIELD__FIELD_STRING_SLICE_FIELD;
		m->string_slice_field = s;
		break;
	}
#define SIMPLE(KIND, CASE, member, desc)                                        \
	case KIND:                                                                  \
		if (!(m->member = new_msg(ctx, &desc)))                                 \
			return BATON_EEXHAUSTED;                                            \
		m->field_case = CASE;                                                   \
		break;
	SIMPLE(BATON_ACTION_FIELD_STRING_MAP, C1__CONFIG__V1__FIELD__FIELD_STRING_MAP_FIELD, string_map_field,
	       c1__config__v1__string_map_field__descriptor)
	SIMPLE(BATON_ACTION_FIELD_RESOURCE_ID, C1__CONFIG__V1__FIELD__FIELD_RESOURCE_ID_FIELD, resource_id_field,
	       c1__config__v1__resource_id_field__descriptor)
	SIMPLE(BATON_ACTION_FIELD_RESOURCE_ID_LIST, C1__CONFIG__V1__FIELD__FIELD_RESOURCE_ID_SLICE_FIELD,
	       resource_id_slice_field, c1__config__v1__resource_id_slice_field__descriptor)
	SIMPLE(BATON_ACTION_FIELD_RESOURCE, C1__CONFIG__V1__FIELD__FIELD_RESOURCE_FIELD, resource_field,
	       c1__config__v1__resource_field__descriptor)
	SIMPLE(BATON_ACTION_FIELD_RESOURCE_LIST, C1__CONFIG__V1__FIELD__FIELD_RESOURCE_SLICE_FIELD,
	       resource_slice_field, c1__config__v1__resource_slice_field__descriptor)
	SIMPLE(BATON_ACTION_FIELD_ENTITLEMENT_LIST, C1__CONFIG__V1__FIELD__FIELD_ENTITLEMENT_SLICE_FIELD,
	       entitlement_slice_field, c1__config__v1__entitlement_slice_field__descriptor)
	SIMPLE(BATON_ACTION_FIELD_GRANT_LIST, C1__CONFIG__V1__FIELD__FIELD_GRANT_SLICE_FIELD, grant_slice_field,
	       c1__config__v1__grant_slice_field__descriptor)
#undef SIMPLE
	}
	*out = m;
	return 0;
}

static int fields_msg(baton_ctx *ctx, const baton_action_field *f, size_t n, size_t *n_out,
                      C1__Config__V1__Field ***out)
{
	*n_out = 0;
	*out = NULL;
	if (!n)
		return 0;
	C1__Config__V1__Field **v = baton_ctx_alloc(ctx, n * sizeof(*v));
	if (!v)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < n; i++) {
		int rc = field_msg(ctx, &f[i], &v[i]);
		if (rc)
			return rc;
	}
	*n_out = n;
	*out = v;
	return 0;
}

static int strv(baton_ctx *ctx, const char *const *v, size_t n, size_t *n_out, char ***out)
{
	*n_out = 0;
	*out = NULL;
	if (!n)
		return 0;
	char **c = baton_ctx_alloc(ctx, n * sizeof(*c));
	if (!c)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < n; i++)
		if (!(c[i] = str(ctx, v[i])))
			return BATON_EEXHAUSTED;
	*n_out = n;
	*out = c;
	return 0;
}

static int schema_msg(baton_ctx *ctx, const baton_action *a, C1__Connector__V2__BatonActionSchema **out)
{
	C1__Connector__V2__BatonActionSchema *s = new_msg(ctx, &c1__connector__v2__baton_action_schema__descriptor);
	if (!s)
		return BATON_EEXHAUSTED;
	if (!(s->name = str(ctx, a->name)) || !(s->display_name = str(ctx, a->display_name)) ||
	    !(s->description = str(ctx, a->description)) || !(s->resource_type_id = str(ctx, rtype_of(a))))
		return BATON_EEXHAUSTED;
	int rc = fields_msg(ctx, a->arguments, a->n_arguments, &s->n_arguments, &s->arguments);
	if (!rc)
		rc = fields_msg(ctx, a->return_types, a->n_return_types, &s->n_return_types, &s->return_types);
	if (rc)
		return rc;
	if (a->n_action_types) {
		s->action_type = baton_ctx_alloc(ctx, a->n_action_types * sizeof(*s->action_type));
		if (!s->action_type)
			return BATON_EEXHAUSTED;
		for (size_t i = 0; i < a->n_action_types; i++)
			s->action_type[i] = (C1__Connector__V2__ActionType)a->action_types[i];
		s->n_action_type = a->n_action_types;
	}
	if (a->n_constraints) {
		s->constraints = baton_ctx_alloc(ctx, a->n_constraints * sizeof(*s->constraints));
		if (!s->constraints)
			return BATON_EEXHAUSTED;
		for (size_t i = 0; i < a->n_constraints; i++) {
			const baton_action_constraint *c = &a->constraints[i];
			C1__Config__V1__Constraint *m = new_msg(ctx, &c1__config__v1__constraint__descriptor);
			if (!m)
				return BATON_EEXHAUSTED;
			m->kind = (C1__Config__V1__ConstraintKind)c->kind;
			if ((rc = strv(ctx, c->fields, c->n_fields, &m->n_field_names, &m->field_names)) ||
			    (rc = strv(ctx, c->secondary_fields, c->n_secondary_fields, &m->n_secondary_field_names,
			               &m->secondary_field_names)))
				return rc;
			s->constraints[i] = m;
		}
		s->n_constraints = a->n_constraints;
	}
	*out = s;
	return 0;
}

/* ---- constraints ---- */

static bool present(json_t *args, const char *name)
{
	json_t *v = args ? json_object_get(args, name) : NULL;
	return v && !json_is_null(v);
}

/* "[a b]" of the names without duplicates, as Go prints a []string. */
static void names_list(char *buf, size_t cap, const char *const *v, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	len += (size_t)snprintf(buf + len, cap - len, "[");
	bool first = true;
	for (size_t i = 0; i < n && len < cap; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v[i], v[j]))
				dup = true;
		if (dup)
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", first ? "" : " ", v[i]);
		first = false;
	}
	if (len < cap)
		snprintf(buf + len, cap - len, "]");
}

static size_t count_present(json_t *args, const char *const *v, size_t n, size_t *unique)
{
	size_t cnt = 0, u = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v[i], v[j]))
				dup = true;
		if (dup)
			continue;
		u++;
		cnt += present(args, v[i]);
	}
	*unique = u;
	return cnt;
}

int baton__action_constraints_check(const baton_action *a, void *argsp)
{
	json_t *args = argsp;
	char p[1024], s[1024];
	for (size_t i = 0; i < a->n_constraints; i++) {
		const baton_action_constraint *c = &a->constraints[i];
		size_t unique, have = count_present(args, c->fields, c->n_fields, &unique);
		names_list(p, sizeof(p), c->fields, c->n_fields);
		switch (c->kind) {
		case BATON_ACTION_CONSTRAINT_REQUIRED_TOGETHER:
			if (have > 0 && have < unique)
				return baton_error_set(BATON_EINVALID, "fields required together: %s", p);
			break;
		case BATON_ACTION_CONSTRAINT_MUTUALLY_EXCLUSIVE:
			if (have > 1)
				return baton_error_set(BATON_EINVALID, "fields are mutually exclusive: %s", p);
			break;
		case BATON_ACTION_CONSTRAINT_AT_LEAST_ONE:
			if (have == 0)
				return baton_error_set(BATON_EINVALID, "at least one required: %s", p);
			break;
		case BATON_ACTION_CONSTRAINT_DEPENDENT_ON:
			if (have > 0) {
				for (size_t j = 0; j < c->n_secondary_fields; j++) {
					if (!present(args, c->secondary_fields[j])) {
						names_list(s, sizeof(s), c->secondary_fields, c->n_secondary_fields);
						return baton_error_set(BATON_EINVALID, "fields %s depend on %s which must also be present",
						                       p, s);
					}
				}
			}
			break;
		default:
			return baton_error_set(BATON_EINVALID, "unknown constraint kind: %d", (int)c->kind);
		}
	}
	return 0;
}

/* ---- the manager ---- */

typedef struct outstanding {
	char id[28];
	const baton_action *action;
	baton__actions *am;
	baton_action_status status;  /* under am->mu */
	char *response;              /* JSON object text (malloc) or NULL; under am->mu */
	char *args_json;             /* malloc */
	time_t started;
	pthread_t thread;
	bool started_thread, done, joined;
} outstanding;

struct baton__actions {
	baton__runtime *rt;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	outstanding **list;
	size_t n, cap;
};

int baton__actions_new(baton__runtime *rt, baton__actions **out)
{
	baton__actions *am = calloc(1, sizeof(*am));
	if (!am)
		return baton__error_oom("action manager");
	am->rt = rt;
	pthread_mutex_init(&am->mu, NULL);
	pthread_cond_init(&am->cv, NULL);
	*out = am;
	return 0;
}

static void outstanding_free(outstanding *oa)
{
	if (oa->started_thread && !oa->joined)
		pthread_join(oa->thread, NULL);
	free(oa->response);
	free(oa->args_json);
	free(oa);
}

void baton__actions_free(baton__actions *am)
{
	if (!am)
		return;
	for (size_t i = 0; i < am->n; i++)
		outstanding_free(am->list[i]);
	free(am->list);
	pthread_cond_destroy(&am->cv);
	pthread_mutex_destroy(&am->mu);
	free(am);
}

/* Drops settled actions, oldest first, while more than MAX_OLD_ACTIONS are kept (under mu). */
static void trim_old(baton__actions *am)
{
	if (am->n < MAX_OLD_ACTIONS)
		return;
	size_t excess = am->n - MAX_OLD_ACTIONS, w = 0;
	for (size_t i = 0; i < am->n; i++) {
		outstanding *oa = am->list[i];
		if (excess && oa->done && oa->started_thread) {
			pthread_join(oa->thread, NULL);
			oa->joined = true;
			outstanding_free(oa);
			excess--;
			continue;
		}
		am->list[w++] = oa;
	}
	am->n = w;
}

/* The response object with key "error" = msg added (a new malloc'd text). */
static char *with_error(const char *response, const char *msg)
{
	json_t *o = response ? json_loads(response, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (!o)
		return NULL;
	json_object_set_new(o, "error", json_string(msg));
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

static void *run_action(void *p)
{
	outstanding *oa = p;
	baton__actions *am = oa->am;
	pthread_mutex_lock(&am->mu);
	if (oa->status == BATON_ACTION_STATUS_PENDING)
		oa->status = BATON_ACTION_STATUS_RUNNING;
	pthread_mutex_unlock(&am->mu);

	baton_ctx hctx;
	baton__ctx_init(&hctx);
	json_t *args = json_loads(oa->args_json, 0, NULL);
	baton__ext_call ec;
	baton__ext_begin(&ec, &hctx, am->rt, BATON__EXT_ACTION, "", 0);
	ec.action_name = oa->action->name;
	ec.action_rtype = rtype_of(oa->action);
	ec.args = args;
	baton_error_clear();
	int rc = oa->action->invoke(&hctx, oa->args_json);
	char *response = ec.response;
	ec.response = NULL;
	if (rc) {
		baton__ext_failed(rc, "action");
		char *failed = with_error(response, baton_error_last()->message);
		free(response);
		response = failed;
		baton__log(BATON_LOG_DEBUG, "action failed", "action", oa->action->name, "action_id", oa->id,
		           "error", baton_error_last()->message, NULL);
	}
	baton__ext_end(&ec);
	baton__ctx_release(&hctx);
	json_decref(args);

	pthread_mutex_lock(&am->mu);
	oa->status = rc ? BATON_ACTION_STATUS_FAILED : BATON_ACTION_STATUS_COMPLETE;
	oa->response = response;
	oa->done = true;
	pthread_cond_broadcast(&am->cv);
	pthread_mutex_unlock(&am->mu);
	return NULL;
}

static const baton_action *find_action(baton__actions *am, const char *name, const char *rtype)
{
	const baton_connector *c = am->rt->conn;
	size_t n = n_actions(c);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c->actions[i]->name, name) && !strcmp(rtype_of(c->actions[i]), rtype))
			return c->actions[i];
	return NULL;
}

/* Struct from the JSON object text, in ctx (NULL text: NULL). */
static int response_struct(baton_ctx *ctx, const char *text, Google__Protobuf__Struct **out)
{
	*out = NULL;
	if (!text)
		return 0;
	return baton__struct_from_json(&ctx->arena, text, out);
}

int baton__actions_invoke(baton__actions *am, baton_ctx *ctx, const C1__Connector__V2__InvokeActionRequest *req,
                          C1__Connector__V2__InvokeActionResponse **out)
{
	const char *name = req->name ? req->name : "";
	const char *rtype = req->resource_type_id ? req->resource_type_id : "";
	const baton_action *a;
	if (*rtype) {
		if (!*name)
			return baton_error_set(BATON_EINVALID, "error: invoking action failed: action name is required");
		bool any = false;
		size_t n = n_actions(am->rt->conn);
		for (size_t i = 0; i < n; i++)
			any |= !strcmp(rtype_of(am->rt->conn->actions[i]), rtype);
		if (!any)
			return baton_error_set(BATON_ENOTFOUND, "error: invoking action failed: no actions found for "
			                       "resource type %s", rtype);
		if (!(a = find_action(am, name, rtype)))
			return baton_error_set(BATON_ENOTFOUND, "error: invoking action failed: handler for action %s "
			                       "not found for resource type %s", name, rtype);
	} else if (!(a = find_action(am, name, ""))) {
		return baton_error_set(BATON_ENOTFOUND, "error: invoking action failed: handler for action %s not found",
		                       name);
	}

	/* The arguments as JSON text (a Struct's JSON form is a plain object). */
	char *args_text = NULL;
	int rc;
	if (req->args) {
		baton_protojson_opts o = {false, false};
		if ((rc = baton__protojson_write(&ctx->arena, &req->args->base, &o, &args_text, NULL)))
			return baton__error_prefix("error: invoking action failed");
	}
	json_t *args = json_loads(args_text ? args_text : "{}", 0, NULL);
	if (!json_is_object(args)) {
		json_decref(args);
		return baton_error_set(BATON_EINVALID, "error: invoking action failed: arguments are not an object");
	}
	rc = baton__action_constraints_check(a, args);
	json_decref(args);
	if (rc)
		return baton__error_prefix("error: invoking action failed");

	outstanding *oa = calloc(1, sizeof(*oa));
	if (!oa || !(oa->args_json = strdup(args_text ? args_text : "{}"))) {
		free(oa);
		return baton__error_oom("action");
	}
	if ((rc = baton__ksuid(oa->id))) {
		free(oa->args_json);
		free(oa);
		return rc;
	}
	oa->action = a;
	oa->am = am;
	oa->status = BATON_ACTION_STATUS_PENDING;
	oa->started = time(NULL);

	pthread_mutex_lock(&am->mu);
	trim_old(am);
	if (am->n == am->cap) {
		size_t cap = am->cap ? am->cap * 2 : 16;
		outstanding **v = realloc(am->list, cap * sizeof(*v));
		if (!v) {
			pthread_mutex_unlock(&am->mu);
			free(oa->args_json);
			free(oa);
			return baton__error_oom("action");
		}
		am->list = v;
		am->cap = cap;
	}
	am->list[am->n++] = oa;
	int err = pthread_create(&oa->thread, NULL, run_action, oa);
	if (err) {
		oa->status = BATON_ACTION_STATUS_FAILED;
		oa->done = true;
		oa->response = with_error(NULL, "could not start the action's thread");
	} else {
		oa->started_thread = true;
	}

	/* The inline wait: the request's, else 1 s; at most an hour. */
	int64_t wait_ms = DEFAULT_INLINE_WAIT_MS;
	if (req->inline_wait && (req->inline_wait->seconds > 0 || req->inline_wait->nanos > 0)) {
		if (req->inline_wait->seconds >= MAX_INLINE_WAIT_MS / 1000)
			wait_ms = MAX_INLINE_WAIT_MS;
		else
			wait_ms = req->inline_wait->seconds * 1000 + req->inline_wait->nanos / 1000000;
	}
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(wait_ms / 1000);
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (!oa->done) {
		if (pthread_cond_timedwait(&am->cv, &am->mu, &deadline) == ETIMEDOUT)
			break;
	}
	baton_action_status st = oa->status;
	char *resp_text = oa->response ? baton_ctx_strdup(ctx, oa->response) : NULL;
	bool oom = oa->response && !resp_text;
	pthread_mutex_unlock(&am->mu);

	C1__Connector__V2__InvokeActionResponse *resp = new_msg(ctx, &c1__connector__v2__invoke_action_response__descriptor);
	if (!resp || oom)
		return BATON_EEXHAUSTED;
	if (!(resp->id = str(ctx, oa->id)) || !(resp->name = str(ctx, a->name)))
		return BATON_EEXHAUSTED;
	resp->status = (C1__Connector__V2__BatonActionStatus)st;
	if ((rc = response_struct(ctx, resp_text, &resp->response)))
		return rc;
	*out = resp;
	return 0;
}

int baton__actions_status(baton__actions *am, baton_ctx *ctx, const C1__Connector__V2__GetActionStatusRequest *req,
                          C1__Connector__V2__GetActionStatusResponse **out)
{
	const char *id = req->id ? req->id : "";
	pthread_mutex_lock(&am->mu);
	outstanding *oa = NULL;
	for (size_t i = 0; i < am->n && !oa; i++)
		if (!strcmp(am->list[i]->id, id))
			oa = am->list[i];
	if (!oa) {
		pthread_mutex_unlock(&am->mu);
		/* Go's builder wraps its action manager's NotFound status with %w */
		return baton_error_set(BATON_ENOTFOUND, "error: action status for id %s not found: rpc error: code = NotFound "
		                       "desc = action id %s not found", id, id);
	}
	baton_action_status st = oa->status;
	char *text = oa->response ? baton_ctx_strdup(ctx, oa->response) : NULL;
	bool oom = oa->response && !text;
	const char *name = oa->action->name;
	pthread_mutex_unlock(&am->mu);
	if (oom)
		return BATON_EEXHAUSTED;
	C1__Connector__V2__GetActionStatusResponse *resp =
		new_msg(ctx, &c1__connector__v2__get_action_status_response__descriptor);
	if (!resp || !(resp->id = str(ctx, id)) || !(resp->name = str(ctx, name)))
		return BATON_EEXHAUSTED;
	resp->status = (C1__Connector__V2__BatonActionStatus)st;
	int rc = response_struct(ctx, text, &resp->response);
	if (rc)
		return rc;
	*out = resp;
	return 0;
}

int baton__actions_list_schemas(baton__actions *am, baton_ctx *ctx,
                                const C1__Connector__V2__ListActionSchemasRequest *req,
                                C1__Connector__V2__ListActionSchemasResponse **out)
{
	const baton_connector *c = am->rt->conn;
	const char *rtype = req && req->resource_type_id ? req->resource_type_id : "";
	size_t n = n_actions(c), k = 0;
	C1__Connector__V2__ListActionSchemasResponse *resp =
		new_msg(ctx, &c1__connector__v2__list_action_schemas_response__descriptor);
	C1__Connector__V2__BatonActionSchema **v = baton_ctx_alloc(ctx, (n + 1) * sizeof(*v));
	if (!resp || !v)
		return BATON_EEXHAUSTED;
	/* Global actions first, then the resource-scoped ones, each in declaration order. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const baton_action *a = c->actions[i];
			bool take = *rtype ? !strcmp(rtype_of(a), rtype) && pass == 1 : is_global(a) == (pass == 0);
			if (!take)
				continue;
			int rc = schema_msg(ctx, a, &v[k]);
			if (rc)
				return baton__error_prefix("error: listing action schemas failed");
			k++;
		}
	}
	resp->n_schemas = k;
	resp->schemas = v;
	*out = resp;
	return 0;
}

int baton__actions_get_schema(baton__actions *am, baton_ctx *ctx,
                              const C1__Connector__V2__GetActionSchemaRequest *req,
                              C1__Connector__V2__GetActionSchemaResponse **out)
{
	const char *name = req->name ? req->name : "";
	const baton_action *a = find_action(am, name, "");
	if (!a)
		return baton_error_set(BATON_ENOTFOUND, "error: action schema %s not found: action %s not found", name, name);
	C1__Connector__V2__GetActionSchemaResponse *resp =
		new_msg(ctx, &c1__connector__v2__get_action_schema_response__descriptor);
	if (!resp)
		return BATON_EEXHAUSTED;
	int rc = schema_msg(ctx, a, &resp->schema);
	if (rc)
		return rc;
	*out = resp;
	return 0;
}

/* ---- what invoke does with its context ---- */

#define ACTION_ONLY BATON__EXT_BIT(BATON__EXT_ACTION)

BATON_API const char *baton_ctx_action_name(baton_ctx *ctx)
{
	baton__ext_call *ec = baton__ext_of(ctx, "baton_ctx_action_name", ACTION_ONLY);
	return ec ? ec->action_name : "";
}

BATON_API const char *baton_ctx_action_resource_type(baton_ctx *ctx)
{
	baton__ext_call *ec = baton__ext_of(ctx, "baton_ctx_action_resource_type", ACTION_ONLY);
	return ec ? ec->action_rtype : "";
}

BATON_API int baton_ctx_action_response_json(baton_ctx *ctx, const char *json_object)
{
	static const char fn[] = "baton_ctx_action_response_json";
	baton__ext_call *ec = baton__ext_of(ctx, fn, ACTION_ONLY);
	if (!ec)
		return baton_error_last()->code;
	if (!json_object)
		return baton__null_arg(fn, "json_object");
	json_error_t jerr;
	json_t *o = json_loads(json_object, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		int rc = o ? baton_error_set(BATON_EINVALID, "%s: not a JSON object", fn)
		           : baton_error_set(BATON_EINVALID, "%s: %s (line %d, column %d)", fn, jerr.text, jerr.line,
		                             jerr.column);
		json_decref(o);
		return rc;
	}
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text)
		return baton__error_oom("action response");
	free(ec->response);
	ec->response = text;
	return 0;
}

int baton__action_arg(baton_ctx *ctx, const char *fn, const char *name, json_t **out)
{
	baton__ext_call *ec = baton__ext_of(ctx, fn, ACTION_ONLY);
	if (!ec)
		return baton_error_last()->code;
	if (!name)
		return baton__null_arg(fn, "name");
	json_t *v = ec->args ? json_object_get(ec->args, name) : NULL;
	if (!v || json_is_null(v))
		return baton_error_set(BATON_ENOTFOUND, "required argument %s is missing or invalid", name);
	*out = v;
	return 0;
}

int baton__action_arg_invalid(const char *name)
{
	return baton_error_set(BATON_EINVALID, "required argument %s is missing or invalid", name);
}

BATON_API int baton_ctx_action_arg_string(baton_ctx *ctx, const char *name, const char **out)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_string", name, &v);
	if (rc)
		return rc;
	if (!json_is_string(v))
		return baton__action_arg_invalid(name);
	if (out)
		*out = json_string_value(v);
	return 0;
}

BATON_API int baton_ctx_action_arg_bool(baton_ctx *ctx, const char *name, bool *out)
{
	json_t *v;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_bool", name, &v);
	if (rc)
		return rc;
	if (!json_is_boolean(v))
		return baton__action_arg_invalid(name);
	if (out)
		*out = json_is_true(v);
	return 0;
}

BATON_API int baton_ctx_action_arg_int(baton_ctx *ctx, const char *name, int64_t *out)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_int", name, &v);
	if (rc)
		return rc;
	int64_t x;
	if (json_is_integer(v)) {
		x = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
			return baton__action_arg_invalid(name);
		x = (int64_t)d;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		errno = 0;
		long long ll = strtoll(s, &end, 10);
		if (!*s || *end || errno)
			return baton__action_arg_invalid(name);
		x = ll;
	} else {
		return baton__action_arg_invalid(name);
	}
	if (out)
		*out = x;
	return 0;
}

BATON_API int baton_ctx_action_arg_string_list(baton_ctx *ctx, const char *name, const char *const **items,
                                               size_t *n)
{
	static const char fn[] = "baton_ctx_action_arg_string_list";
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, fn, name, &v);
	if (rc)
		return rc;
	if (!json_is_array(v))
		return baton__action_arg_invalid(name);
	size_t cnt = json_array_size(v);
	const char **list = baton_ctx_alloc(ctx, (cnt + 1) * sizeof(*list));
	if (!list)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < cnt; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			return baton__action_arg_invalid(name);
		list[i] = json_string_value(e);
	}
	if (items)
		*items = list;
	if (n)
		*n = cnt;
	return 0;
}

static const char *member_string(json_t *o, const char *key, const char *alias)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || !*json_string_value(v))
		v = json_object_get(o, alias);
	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

BATON_API int baton_ctx_action_arg_resource_id(baton_ctx *ctx, const char *name, baton_resource_id *out)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_resource_id", name, &v);
	if (rc)
		return rc;
	if (!json_is_object(v))
		return baton__action_arg_invalid(name);
	const char *t = member_string(v, "resource_type_id", "resource_type");
	const char *id = member_string(v, "resource_id", "resource");
	if (!t || !id)
		return baton__action_arg_invalid(name);
	if (out) {
		out->resource_type = t;
		out->resource = id;
	}
	return 0;
}
