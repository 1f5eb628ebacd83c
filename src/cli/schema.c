/*
 * The `config` subcommand: the configuration schema as c1.config.v1.Configuration protojson, in
 * the Go SDK's shape. Fields: the SDK's exported (ops) fields in their table order, then the
 * connector's exported ones (not CLI_ONLY); constraints: the connector's, minus any naming a field
 * that is not exported; field groups: those not cli_only. The schema's display name is the
 * connector's.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/error.h"
#include "proto/any.h"
#include "proto/protojson.h"
#include "c1/config/v1/config.pb-c.h"
#include "c1/config/v1/rules.pb-c.h"
#include "google/protobuf/struct.pb-c.h"

#define ALLOC(ctx, T) ((T *)baton_ctx_alloc((ctx), sizeof(T)))

static bool exported(const baton_field *d)
{
	return !(d->flags & BATON_FIELD_CLI_ONLY);
}

static char *dup_or_empty(baton_ctx *ctx, const char *s)
{
	return baton_ctx_strdup(ctx, s ? s : "");
}

static char **dup_list(baton_ctx *ctx, char *const *items, size_t n)
{
	char **out = baton_ctx_alloc(ctx, (n ? n : 1) * sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = baton_ctx_strdup(ctx, items[i])))
			return NULL;
	return out;
}

/* String rules for a declaration (NULL when it has none). */
static C1__Config__V1__StringRules *string_rules(baton_ctx *ctx, const baton_field *d, bool required, bool *oom)
{
	bool any = required || d->min_len > 0 || d->max_len > 0 || d->pattern || d->kind == BATON_FIELD_SELECT ||
	           d->prefix || d->suffix || d->contains || d->well_known || d->exact_len || d->n_not_in;
	if (!any)
		return NULL;
	C1__Config__V1__StringRules *r = ALLOC(ctx, C1__Config__V1__StringRules);
	if (!r) {
		*oom = true;
		return NULL;
	}
	c1__config__v1__string_rules__init(r);
	r->is_required = required;
	if (d->min_len > 0) {
		r->_min_len_case = C1__CONFIG__V1__STRING_RULES___MIN_LEN_MIN_LEN;
		r->min_len = d->min_len;
	}
	if (d->max_len > 0) {
		r->_max_len_case = C1__CONFIG__V1__STRING_RULES___MAX_LEN_MAX_LEN;
		r->max_len = d->max_len;
	}
	if (d->pattern) {
		r->_pattern_case = C1__CONFIG__V1__STRING_RULES___PATTERN_PATTERN;
		r->pattern = baton_ctx_strdup(ctx, d->pattern);
	}
	if (d->prefix) {
		r->_prefix_case = C1__CONFIG__V1__STRING_RULES___PREFIX_PREFIX;
		r->prefix = baton_ctx_strdup(ctx, d->prefix);
	}
	if (d->suffix) {
		r->_suffix_case = C1__CONFIG__V1__STRING_RULES___SUFFIX_SUFFIX;
		r->suffix = baton_ctx_strdup(ctx, d->suffix);
	}
	if (d->contains) {
		r->_contains_case = C1__CONFIG__V1__STRING_RULES___CONTAINS_CONTAINS;
		r->contains = baton_ctx_strdup(ctx, d->contains);
	}
	r->well_known = (C1__Config__V1__WellKnownString)d->well_known;
	if (d->exact_len) {
		r->_len_case = C1__CONFIG__V1__STRING_RULES___LEN_LEN;
		r->len = d->exact_len;
	}
	if (d->n_not_in) {
		r->n_not_in = d->n_not_in;
		if (!(r->not_in = dup_list(ctx, (char *const *)d->not_in, d->n_not_in)))
			*oom = true;
	}
	if ((d->pattern && !r->pattern) || (d->prefix && !r->prefix) || (d->suffix && !r->suffix) ||
	    (d->contains && !r->contains))
		*oom = true;
	if (d->kind == BATON_FIELD_SELECT) {
		r->n_in = d->n_options;
		r->in = dup_list(ctx, (char *const *)d->options, d->n_options);
		if (!r->in)
			*oom = true;
	}
	return r;
}

/* A suggested value's list items (command-line form, comma-separated), arena-allocated. */
static char **split_list(baton_ctx *ctx, const char *v, size_t *n)
{
	*n = 0;
	size_t cap = 1;
	for (const char *p = v; *p; p++)
		cap += *p == ',';
	char **out = baton_ctx_alloc(ctx, cap * sizeof(*out));
	for (const char *p = v; out && *v;) {
		size_t k = strcspn(p, ",");
		char *item = baton_ctx_alloc(ctx, k + 1);
		if (!item)
			return NULL;
		memcpy(item, p, k);
		item[k] = '\0';
		out[(*n)++] = item;
		if (!p[k])
			break;
		p += k + 1;
	}
	return out;
}

static int build_field(baton_ctx *ctx, const baton__flag *f, unsigned int export_flags, C1__Config__V1__Field **out)
{
	const baton_field *d = f->field;
	/* the v2 members, only for the connector's own declarations (the SDK table has none) */
	const char *suggested = f->sdk ? NULL : d->suggested_value;
	bool required = (d->flags & BATON_FIELD_REQUIRED) != 0, oom = false;
	C1__Config__V1__Field *x = ALLOC(ctx, C1__Config__V1__Field);
	if (!x)
		return BATON_EEXHAUSTED;
	c1__config__v1__field__init(x);
	x->name = dup_or_empty(ctx, d->name);
	x->display_name = dup_or_empty(ctx, d->display_name);
	x->description = dup_or_empty(ctx, d->description);
	x->placeholder = dup_or_empty(ctx, d->placeholder);
	x->is_required = required;
	x->is_ops = (export_flags & BATON_FIELD_OPS) != 0;
	x->is_secret = (d->flags & BATON_FIELD_SECRET) != 0;
	/* the default as the flag table parsed it (f holds the default: the schema is printed
	 * before any source is read) */
	const char *def = f->def;
	switch (d->kind) {
	case BATON_FIELD_BOOL: {
		C1__Config__V1__BoolField *b = ALLOC(ctx, C1__Config__V1__BoolField);
		if (!b)
			return BATON_EEXHAUSTED;
		c1__config__v1__bool_field__init(b);
		b->default_value = f->b;
		b->suggested_value = suggested && (!strcmp(suggested, "true") || !strcmp(suggested, "1"));
		x->field_case = C1__CONFIG__V1__FIELD__FIELD_BOOL_FIELD;
		x->bool_field = b;
		break;
	}
	case BATON_FIELD_INT: {
		C1__Config__V1__IntField *i = ALLOC(ctx, C1__Config__V1__IntField);
		if (!i)
			return BATON_EEXHAUSTED;
		c1__config__v1__int_field__init(i);
		i->default_value = f->i;
		i->suggested_value = suggested ? strtoll(suggested, NULL, 10) : 0;
		bool sets = !f->sdk && (d->n_int_in || d->n_int_not_in);
		if (required || d->min < d->max || sets) {
			C1__Config__V1__Int64Rules *r = ALLOC(ctx, C1__Config__V1__Int64Rules);
			if (!r)
				return BATON_EEXHAUSTED;
			c1__config__v1__int64_rules__init(r);
			r->is_required = required;
			if (sets && d->n_int_in) {
				if (!(r->in = baton_ctx_alloc(ctx, d->n_int_in * sizeof(*r->in))))
					return BATON_EEXHAUSTED;
				memcpy(r->in, d->int_in, d->n_int_in * sizeof(*r->in));
				r->n_in = d->n_int_in;
			}
			if (sets && d->n_int_not_in) {
				if (!(r->not_in = baton_ctx_alloc(ctx, d->n_int_not_in * sizeof(*r->not_in))))
					return BATON_EEXHAUSTED;
				memcpy(r->not_in, d->int_not_in, d->n_int_not_in * sizeof(*r->not_in));
				r->n_not_in = d->n_int_not_in;
			}
			if (d->min < d->max) {
				r->_lte_case = C1__CONFIG__V1__INT64_RULES___LTE_LTE;
				r->lte = d->max;
				r->_gte_case = C1__CONFIG__V1__INT64_RULES___GTE_GTE;
				r->gte = d->min;
			}
			i->_rules_case = C1__CONFIG__V1__INT_FIELD___RULES_RULES;
			i->rules = r;
		}
		x->field_case = C1__CONFIG__V1__FIELD__FIELD_INT_FIELD;
		x->int_field = i;
		break;
	}
	case BATON_FIELD_STRING_LIST: {
		C1__Config__V1__StringSliceField *s = ALLOC(ctx, C1__Config__V1__StringSliceField);
		if (!s)
			return BATON_EEXHAUSTED;
		c1__config__v1__string_slice_field__init(s);
		s->n_default_value = f->n_list;
		if (f->n_list && !(s->default_value = dup_list(ctx, f->list, f->n_list)))
			return BATON_EEXHAUSTED;
		if (suggested && !(s->suggested_value = split_list(ctx, suggested, &s->n_suggested_value)))
			return BATON_EEXHAUSTED;
		C1__Config__V1__StringRules *items = NULL;
		if (d->min_len > 0 || d->max_len > 0 || d->pattern || d->prefix || d->suffix || d->contains ||
		    (!f->sdk && (d->well_known || d->exact_len || d->n_not_in)))
			items = string_rules(ctx, d, false, &oom);
		if (oom)
			return BATON_EEXHAUSTED;
		bool counts = !f->sdk && (d->min_items || d->max_items || d->unique_items);
		if (required || items || counts) {
			C1__Config__V1__RepeatedStringRules *r = ALLOC(ctx, C1__Config__V1__RepeatedStringRules);
			if (!r)
				return BATON_EEXHAUSTED;
			c1__config__v1__repeated_string_rules__init(r);
			r->is_required = required;
			r->item_rules = items;
			if (counts && d->min_items) {
				r->_min_items_case = C1__CONFIG__V1__REPEATED_STRING_RULES___MIN_ITEMS_MIN_ITEMS;
				r->min_items = d->min_items;
			}
			if (counts && d->max_items) {
				r->_max_items_case = C1__CONFIG__V1__REPEATED_STRING_RULES___MAX_ITEMS_MAX_ITEMS;
				r->max_items = d->max_items;
			}
			r->unique = counts && d->unique_items;
			s->_rules_case = C1__CONFIG__V1__STRING_SLICE_FIELD___RULES_RULES;
			s->rules = r;
		}
		x->field_case = C1__CONFIG__V1__FIELD__FIELD_STRING_SLICE_FIELD;
		x->string_slice_field = s;
		break;
	}
	case BATON_FIELD_STRING_MAP: {
		C1__Config__V1__StringMapField *m = ALLOC(ctx, C1__Config__V1__StringMapField);
		if (!m)
			return BATON_EEXHAUSTED;
		c1__config__v1__string_map_field__init(m);
		if (f->n_list) {
			m->default_value = baton_ctx_alloc(ctx, f->n_list * sizeof(*m->default_value));
			if (!m->default_value)
				return BATON_EEXHAUSTED;
			for (size_t i = 0; i < f->n_list; i++) {
				C1__Config__V1__StringMapField__DefaultValueEntry *e =
					ALLOC(ctx, C1__Config__V1__StringMapField__DefaultValueEntry);
				Google__Protobuf__Value *v = ALLOC(ctx, Google__Protobuf__Value);
				if (!e || !v)
					return BATON_EEXHAUSTED;
				c1__config__v1__string_map_field__default_value_entry__init(e);
				google__protobuf__value__init(v);
				v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
				v->string_value = baton_ctx_strdup(ctx, f->values[i]);
				e->key = baton_ctx_strdup(ctx, f->list[i]);
				int rc = baton__any_pack(&ctx->arena, &v->base, &e->value);
				if (rc)
					return rc;
				m->default_value[m->n_default_value++] = e;
			}
		}
		if (required) {
			C1__Config__V1__StringMapRules *r = ALLOC(ctx, C1__Config__V1__StringMapRules);
			if (!r)
				return BATON_EEXHAUSTED;
			c1__config__v1__string_map_rules__init(r);
			r->is_required = true;
			m->_rules_case = C1__CONFIG__V1__STRING_MAP_FIELD___RULES_RULES;
			m->rules = r;
		}
		x->field_case = C1__CONFIG__V1__FIELD__FIELD_STRING_MAP_FIELD;
		x->string_map_field = m;
		break;
	}
	default: { /* STRING, SELECT, FILE, OAUTH2, RANDOM */
		C1__Config__V1__StringField *s = ALLOC(ctx, C1__Config__V1__StringField);
		if (!s)
			return BATON_EEXHAUSTED;
		c1__config__v1__string_field__init(s);
		s->default_value = dup_or_empty(ctx, def);
		s->suggested_value = dup_or_empty(ctx, suggested);
		if (d->kind == BATON_FIELD_OAUTH2)
			s->type = C1__CONFIG__V1__STRING_FIELD_TYPE__STRING_FIELD_TYPE_OAUTH2;
		else if (d->kind == BATON_FIELD_RANDOM)
			s->type = C1__CONFIG__V1__STRING_FIELD_TYPE__STRING_FIELD_TYPE_RANDOM;
		C1__Config__V1__StringRules *r = string_rules(ctx, d, required, &oom);
		if (oom)
			return BATON_EEXHAUSTED;
		if (r) {
			s->_rules_case = C1__CONFIG__V1__STRING_FIELD___RULES_RULES;
			s->rules = r;
		}
		if (d->kind == BATON_FIELD_FILE) {
			s->type = C1__CONFIG__V1__STRING_FIELD_TYPE__STRING_FIELD_TYPE_FILE_UPLOAD;
			s->n_allowed_extensions = d->n_options;
			if (d->n_options && !(s->allowed_extensions = dup_list(ctx, (char *const *)d->options, d->n_options)))
				return BATON_EEXHAUSTED;
		}
		x->field_case = C1__CONFIG__V1__FIELD__FIELD_STRING_FIELD;
		x->string_field = s;
		break;
	}
	}
	if (!x->name || !x->display_name || !x->description || !x->placeholder)
		return BATON_EEXHAUSTED;
	*out = x;
	return 0;
}

static bool all_exported(const baton__cli *cli, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const baton__flag *f = baton__cli_flag((baton__cli *)cli, names[i]);
		if (!f || !exported(f->export_as ? f->export_as : f->field))
			return false;
	}
	return true;
}

static int build(const baton__cli *cli, baton_ctx *ctx, C1__Config__V1__Configuration **out)
{
	C1__Config__V1__Configuration *c = ALLOC(ctx, C1__Config__V1__Configuration);
	if (!c)
		return BATON_EEXHAUSTED;
	c1__config__v1__configuration__init(c);
	const baton_config_schema *s = cli->schema;
	c->fields = baton_ctx_alloc(ctx, (cli->n_flags + 1) * sizeof(*c->fields));
	if (!c->fields)
		return BATON_EEXHAUSTED;
	/* the SDK's fields, but those the connector re-exports, which come at their place among its own */
	for (size_t i = 0; i < cli->n_sdk; i++) {
		const baton__flag *f = &cli->flags[i];
		if (f->export_as || !exported(f->field))
			continue;
		int rc = build_field(ctx, f, f->field->flags, &c->fields[c->n_fields]);
		if (rc)
			return rc;
		c->n_fields++;
	}
	for (size_t i = 0; i < cli->n_fields; i++) {
		const baton_field *d = &cli->fields[i];
		const baton__flag *f = baton__cli_flag((baton__cli *)cli, d->name);
		if (!f || !exported(d))
			continue;
		int rc = build_field(ctx, f, d->flags, &c->fields[c->n_fields]);
		if (rc)
			return rc;
		c->n_fields++;
	}
	if (s) {
		c->constraints = baton_ctx_alloc(ctx, (s->n_constraints + 1) * sizeof(*c->constraints));
		c->field_groups = baton_ctx_alloc(ctx, (s->n_groups + 1) * sizeof(*c->field_groups));
		if (!c->constraints || !c->field_groups)
			return BATON_EEXHAUSTED;
		for (size_t i = 0; i < s->n_constraints; i++) {
			const baton_constraint *k = &s->constraints[i];
			if (!all_exported(cli, k->fields, k->n_fields) || !all_exported(cli, k->secondary_fields, k->n_secondary))
				continue;
			C1__Config__V1__Constraint *x = ALLOC(ctx, C1__Config__V1__Constraint);
			if (!x)
				return BATON_EEXHAUSTED;
			c1__config__v1__constraint__init(x);
			x->kind = (C1__Config__V1__ConstraintKind)k->kind;
			x->n_field_names = k->n_fields;
			x->field_names = dup_list(ctx, (char *const *)k->fields, k->n_fields);
			x->n_secondary_field_names = k->n_secondary;
			x->secondary_field_names = dup_list(ctx, (char *const *)k->secondary_fields, k->n_secondary);
			if (!x->field_names || !x->secondary_field_names)
				return BATON_EEXHAUSTED;
			c->constraints[c->n_constraints++] = x;
		}
		for (size_t i = 0; i < s->n_groups; i++) {
			const baton_field_group *g = &s->groups[i];
			if (g->cli_only)
				continue;
			C1__Config__V1__FieldGroup *x = ALLOC(ctx, C1__Config__V1__FieldGroup);
			if (!x)
				return BATON_EEXHAUSTED;
			c1__config__v1__field_group__init(x);
			x->name = dup_or_empty(ctx, g->name);
			x->display_name = dup_or_empty(ctx, g->display_name);
			x->help_text = dup_or_empty(ctx, g->help_text);
			x->n_fields = g->n_fields;
			x->fields = dup_list(ctx, (char *const *)g->fields, g->n_fields);
			x->default_ = g->is_default;
			if (!x->name || !x->display_name || !x->help_text || !x->fields)
				return BATON_EEXHAUSTED;
			c->field_groups[c->n_field_groups++] = x;
		}
		c->help_url = dup_or_empty(ctx, s->help_url);
		c->icon_url = dup_or_empty(ctx, s->icon_url);
		c->catalog_id = dup_or_empty(ctx, s->catalog_id);
		c->is_directory = s->is_directory;
		c->supports_external_resources = s->supports_external_resources;
		c->requires_external_connector = s->requires_external_connector;
		if (!c->help_url || !c->icon_url || !c->catalog_id)
			return BATON_EEXHAUSTED;
	}
	c->display_name = dup_or_empty(ctx, cli->connector ? cli->connector->display_name : NULL);
	if (!c->display_name)
		return BATON_EEXHAUSTED;
	*out = c;
	return 0;
}

int baton__config_schema_json(const baton__cli *cli, char **json)
{
	*json = NULL;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	C1__Config__V1__Configuration *c = NULL;
	int rc = build(cli, &ctx, &c);
	if (rc == BATON_EEXHAUSTED)
		rc = baton__error_oom("config schema");
	char *text = NULL;
	if (!rc) {
		baton_protojson_opts o = {true, false};
		rc = baton__protojson_write(&ctx.arena, &c->base, &o, &text, NULL);
	}
	if (!rc && !(*json = strdup(text)))
		rc = baton__error_oom("config schema");
	baton__ctx_release(&ctx);
	return rc;
}
