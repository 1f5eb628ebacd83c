/*
 * `baton sanitize`: the transform of one row, as the Go SDK's pkg/c1zsanitize (transform.go,
 * handlers.go, annotations.go); single values go through cmd_sanitize_id.c.
 *
 *  - ids and free text: HMAC-SHA256(secret) truncated to 12 bytes, unpadded base32;
 *  - composite ids ("type:id:perm", "entId:type:id"): per ':' component, declared resource-type
 *    tokens kept, every other component HMAC'd (fail-closed: position is not trusted);
 *  - emails: local part HMAC'd, the domain mapped to "dom-<lower-case id>.example";
 *  - timestamps: shifted by one constant so the newest source timestamp lands on the anchor;
 *  - Struct profiles: keys kept, string leaves HMAC'd, numbers/booleans/nulls kept;
 *  - URLs (ExternalLink, AppTrait.help_url): "https://redacted.example";
 *  - annotations: the twelve types Go has a handler for are rebuilt; others dropped (or, with
 *    --allow-unknown-annotations, passed through unchanged); ones that fail to decode dropped.
 * Messages are rebuilt with only the fields Go's builders set, so anything else (external ids,
 * unknown fields, trait fields Go does not copy) is left out.
 */
#include "cmd_sanitize.h"

#include <stdlib.h>
#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"
#include "c1/connector/v2/annotation_entitlement.pb-c.h"
#include "c1/connector/v2/annotation_external_link.pb-c.h"
#include "c1/connector/v2/annotation_resource_tree.pb-c.h"
#include "c1/connector/v2/asset.pb-c.h"

#define S(x) ((x) ? (x) : "")
#define REDACTED_URL "https://redacted.example"
#define TYPE_URL_PREFIX "type.googleapis.com/"

/* A writable pointer (protobuf-c fields are char *); the text is never written through it. */
static char *wr(const char *s)
{
	return (char *)(uintptr_t)s;
}

/* ---- messages ------------------------------------------------------------------------------ */

static void *mk(sz *s, const ProtobufCMessageDescriptor *d)
{
	void *m = baton_arena_alloc(s->a, d->sizeof_message);
	if (!m) {
		s->oom = true;
		return NULL;
	}
	protobuf_c_message_init(d, m);
	return m;
}

static void *arr(sz *s, size_t n, size_t size)
{
	void *p = baton_arena_alloc(s->a, (n ? n : 1) * size);
	if (!p)
		s->oom = true;
	return p;
}

/* Each string HMAC'd (Go's loops over login aliases, employee ids, middle names). */
static char **id_list(sz *s, char *const *in, size_t n)
{
	if (!n)
		return NULL;
	char **out = arr(s, n, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = sz_hid(s, in[i]);
	return out;
}

static char **xid_list(sz *s, char *const *in, size_t n)
{
	if (!n)
		return NULL;
	char **out = arr(s, n, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = sz_xid(s, in[i]);
	return out;
}

/* Go's timestampShifter.shift: nil, a zero delta and Go's zero time (year 1) stay as they are. */
static Google__Protobuf__Timestamp *shift(sz *s, const Google__Protobuf__Timestamp *in)
{
	if (!in)
		return NULL;
	Google__Protobuf__Timestamp *out = mk(s, &google__protobuf__timestamp__descriptor);
	if (!out)
		return NULL;
	if (s->delta_ns == 0) {
		out->seconds = in->seconds;
		out->nanos = in->nanos;
		return out;
	}
	/* time.Unix(sec, nanos) normalizes the nanoseconds first. */
	int64_t sec = in->seconds, ns = in->nanos;
	sec += ns / 1000000000;
	ns %= 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	if (sec == -62135596800LL && ns == 0) { /* time.Time{}: IsZero */
		out->seconds = in->seconds;
		out->nanos = in->nanos;
		return out;
	}
	int64_t dsec = s->delta_ns / 1000000000, dns = s->delta_ns % 1000000000;
	ns += dns;
	if (ns >= 1000000000) {
		dsec++;
		ns -= 1000000000;
	} else if (ns < 0) {
		dsec--;
		ns += 1000000000;
	}
	/* Go saturates instead of wrapping. */
	if (dsec > 0 && sec > INT64_MAX - dsec)
		sec = INT64_MAX;
	else if (dsec < 0 && sec < INT64_MIN - dsec)
		sec = INT64_MIN;
	else
		sec += dsec;
	out->seconds = sec;
	out->nanos = (int32_t)ns;
	return out;
}

static Google__Protobuf__Struct *sstruct(sz *s, const Google__Protobuf__Struct *in);

static Google__Protobuf__Value *svalue(sz *s, const Google__Protobuf__Value *in)
{
	if (!in)
		return NULL;
	Google__Protobuf__Value *out;
	switch (in->kind_case) {
	case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
		if (!(out = mk(s, &google__protobuf__value__descriptor)))
			return NULL;
		out->kind_case = in->kind_case;
		out->string_value = sz_hid(s, in->string_value);
		return out;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
		if (!(out = mk(s, &google__protobuf__value__descriptor)))
			return NULL;
		out->kind_case = in->kind_case;
		out->struct_value = sstruct(s, in->struct_value);
		if (!out->struct_value) /* NewStructValue(nil) */
			out->struct_value = mk(s, &google__protobuf__struct__descriptor);
		return out;
	case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
		const Google__Protobuf__ListValue *lv = in->list_value;
		Google__Protobuf__ListValue *ol = mk(s, &google__protobuf__list_value__descriptor);
		if (!(out = mk(s, &google__protobuf__value__descriptor)) || !ol)
			return NULL;
		out->kind_case = in->kind_case;
		out->list_value = ol;
		if (lv && lv->n_values) {
			if (!(ol->values = arr(s, lv->n_values, sizeof(*ol->values))))
				return NULL;
			for (size_t i = 0; i < lv->n_values; i++) {
				ol->values[i] = svalue(s, lv->values[i]);
				if (!ol->values[i]) /* a nil item marshals as an empty Value */
					ol->values[i] = mk(s, &google__protobuf__value__descriptor);
				if (!ol->values[i])
					return NULL;
			}
			ol->n_values = lv->n_values;
		}
		return out;
	}
	default:
		return (Google__Protobuf__Value *)(uintptr_t)in;
	}
}

static Google__Protobuf__Struct *sstruct(sz *s, const Google__Protobuf__Struct *in)
{
	if (!in)
		return NULL;
	Google__Protobuf__Struct *out = mk(s, &google__protobuf__struct__descriptor);
	if (!out || !in->n_fields)
		return out;
	if (!(out->fields = arr(s, in->n_fields, sizeof(*out->fields))))
		return NULL;
	for (size_t i = 0; i < in->n_fields; i++) {
		Google__Protobuf__Struct__FieldsEntry *e = mk(s, &google__protobuf__struct__fields_entry__descriptor);
		if (!e)
			return NULL;
		e->key = in->fields[i]->key;
		e->value = svalue(s, in->fields[i]->value);
		if (!e->value)
			e->value = mk(s, &google__protobuf__value__descriptor);
		out->fields[i] = e;
	}
	out->n_fields = in->n_fields;
	return out;
}

/* Go's sanitizeAssetRef: registers the source id for the sync's asset copy. */
static C1__Connector__V2__AssetRef *asset_ref(sz *s, const C1__Connector__V2__AssetRef *in)
{
	if (!in || !in->id || !*in->id)
		return NULL;
	size_t len = strlen(in->id);
	if (!strmap_get(&s->asset_seen, in->id, len)) {
		if (s->n_assets == s->cap_assets) {
			size_t cap = s->cap_assets ? s->cap_assets * 2 : 16;
			char **p = realloc(s->assets, cap * sizeof(*p));
			if (!p) {
				s->oom = true;
				return NULL;
			}
			s->assets = p;
			s->cap_assets = cap;
		}
		char *copy = baton_arena_strdup(&s->run, in->id);
		if (!copy || strmap_put(&s->asset_seen, in->id, len, copy) < 0) {
			s->oom = true;
			return NULL;
		}
		s->assets[s->n_assets++] = copy;
	}
	C1__Connector__V2__AssetRef *out = mk(s, &c1__connector__v2__asset_ref__descriptor);
	if (out)
		out->id = sz_hid(s, in->id);
	return out;
}

void sz_assets_reset(sz *s)
{
	strmap_free(&s->asset_seen);
	strmap_init(&s->asset_seen, &s->run);
	s->n_assets = 0;
}

/* Go's transformResourceID: the type kept, the id HMAC'd; both empty gives nil. */
static C1__Connector__V2__ResourceId *rid(sz *s, const C1__Connector__V2__ResourceId *in)
{
	if (!in || (!*S(in->resource) && !*S(in->resource_type)))
		return NULL;
	C1__Connector__V2__ResourceId *out = mk(s, &c1__connector__v2__resource_id__descriptor);
	if (!out)
		return NULL;
	out->resource_type = wr(S(in->resource_type));
	out->resource = sz_hid(s, in->resource);
	out->baton_resource = in->baton_resource;
	return out;
}

/* ---- annotation handlers (Go's handlers.go) ------------------------------------------------ */

typedef ProtobufCMessage *(*handler_fn)(sz *s, const ProtobufCMessage *msg);

#define H(name, T) static ProtobufCMessage *name(sz *s, const ProtobufCMessage *msg_)
#define IN(T) const T *in = (const T *)(const void *)msg_

H(h_user, C1__Connector__V2__UserTrait)
{
	IN(C1__Connector__V2__UserTrait);
	C1__Connector__V2__UserTrait *out = mk(s, &c1__connector__v2__user_trait__descriptor);
	if (!out)
		return NULL;
	if (in->n_emails) {
		if (!(out->emails = arr(s, in->n_emails, sizeof(*out->emails))))
			return NULL;
		for (size_t i = 0; i < in->n_emails; i++) {
			C1__Connector__V2__UserTrait__Email *e = mk(s, &c1__connector__v2__user_trait__email__descriptor);
			if (!e)
				return NULL;
			e->address = sz_email(s, in->emails[i]->address);
			e->is_primary = in->emails[i]->is_primary;
			out->emails[i] = e;
		}
		out->n_emails = in->n_emails;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	out->profile = sstruct(s, in->profile);
	out->icon = asset_ref(s, in->icon);
	out->account_type = in->account_type;
	out->login = sz_hid(s, in->login);
	out->login_aliases = id_list(s, in->login_aliases, in->n_login_aliases);
	out->n_login_aliases = in->n_login_aliases;
	out->employee_ids = id_list(s, in->employee_ids, in->n_employee_ids);
	out->n_employee_ids = in->n_employee_ids;
	if (in->status) {
		C1__Connector__V2__UserTrait__Status *st = mk(s, &c1__connector__v2__user_trait__status__descriptor);
		if (!st)
			return NULL;
		st->status = in->status->status;
		st->details = sz_hid(s, in->status->details);
		out->status = st;
	}
	out->created_at = shift(s, in->created_at);
#pragma GCC diagnostic pop
	out->last_login = shift(s, in->last_login);
	if (in->mfa_status) {
		if (!(out->mfa_status = mk(s, &c1__connector__v2__user_trait__mfastatus__descriptor)))
			return NULL;
		out->mfa_status->mfa_enabled = in->mfa_status->mfa_enabled;
	}
	if (in->sso_status) {
		if (!(out->sso_status = mk(s, &c1__connector__v2__user_trait__ssostatus__descriptor)))
			return NULL;
		out->sso_status->sso_enabled = in->sso_status->sso_enabled;
	}
	if (in->structured_name) {
		const C1__Connector__V2__UserTrait__StructuredName *sn = in->structured_name;
		C1__Connector__V2__UserTrait__StructuredName *o =
			mk(s, &c1__connector__v2__user_trait__structured_name__descriptor);
		if (!o)
			return NULL;
		o->given_name = sz_hid(s, sn->given_name);
		o->family_name = sz_hid(s, sn->family_name);
		o->middle_names = id_list(s, sn->middle_names, sn->n_middle_names);
		o->n_middle_names = sn->n_middle_names;
		o->prefix = sz_hid(s, sn->prefix);
		o->suffix = sz_hid(s, sn->suffix);
		out->structured_name = o;
	}
	return &out->base;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
H(h_group, C1__Connector__V2__GroupTrait)
{
	IN(C1__Connector__V2__GroupTrait);
	C1__Connector__V2__GroupTrait *out = mk(s, &c1__connector__v2__group_trait__descriptor);
	if (!out)
		return NULL;
	out->icon = asset_ref(s, in->icon);
	out->profile = sstruct(s, in->profile);
	return &out->base;
}

H(h_app, C1__Connector__V2__AppTrait)
{
	IN(C1__Connector__V2__AppTrait);
	C1__Connector__V2__AppTrait *out = mk(s, &c1__connector__v2__app_trait__descriptor);
	if (!out)
		return NULL;
	out->help_url = wr(*S(in->help_url) ? REDACTED_URL : "");
	out->icon = asset_ref(s, in->icon);
	out->logo = asset_ref(s, in->logo);
	out->profile = sstruct(s, in->profile);
	out->n_flags = in->n_flags;
	out->flags = in->flags;
	return &out->base;
}

H(h_role, C1__Connector__V2__RoleTrait)
{
	IN(C1__Connector__V2__RoleTrait);
	C1__Connector__V2__RoleTrait *out = mk(s, &c1__connector__v2__role_trait__descriptor);
	if (!out)
		return NULL;
	out->profile = sstruct(s, in->profile);
	const C1__Connector__V2__RoleScopeConditions *rsc = in->role_scope_conditions;
	if (rsc) {
		C1__Connector__V2__RoleScopeConditions *o = mk(s, &c1__connector__v2__role_scope_conditions__descriptor);
		if (!o)
			return NULL;
		o->type = rsc->type;
		if (rsc->n_conditions) {
			if (!(o->conditions = arr(s, rsc->n_conditions, sizeof(*o->conditions))))
				return NULL;
			for (size_t i = 0; i < rsc->n_conditions; i++) {
				C1__Connector__V2__RoleScopeCondition *c =
					mk(s, &c1__connector__v2__role_scope_condition__descriptor);
				if (!c)
					return NULL;
				c->expression = sz_hid(s, rsc->conditions[i]->expression);
				o->conditions[i] = c;
			}
			o->n_conditions = rsc->n_conditions;
		}
		out->role_scope_conditions = o;
	}
	return &out->base;
}

H(h_secret, C1__Connector__V2__SecretTrait)
{
	IN(C1__Connector__V2__SecretTrait);
	C1__Connector__V2__SecretTrait *out = mk(s, &c1__connector__v2__secret_trait__descriptor);
	if (!out)
		return NULL;
	out->profile = sstruct(s, in->profile);
	out->created_by_id = rid(s, in->created_by_id);
	out->identity_id = rid(s, in->identity_id);
	out->created_at = shift(s, in->created_at);
	out->expires_at = shift(s, in->expires_at);
	out->last_used_at = shift(s, in->last_used_at);
	return &out->base;
}
#pragma GCC diagnostic pop

H(h_license, C1__Connector__V2__LicenseProfileTrait)
{
	IN(C1__Connector__V2__LicenseProfileTrait);
	C1__Connector__V2__LicenseProfileTrait *out = mk(s, &c1__connector__v2__license_profile_trait__descriptor);
	if (!out)
		return NULL;
	out->license_name = in->license_name;
	out->purchased_seats = in->purchased_seats;
	out->consumed_seats = in->consumed_seats;
	out->cost_per_unit_in_cents = in->cost_per_unit_in_cents;
	out->currency = in->currency;
	out->entitlement_ids = xid_list(s, in->entitlement_ids, in->n_entitlement_ids);
	out->n_entitlement_ids = in->n_entitlement_ids;
	return &out->base;
}

H(h_scope_binding, C1__Connector__V2__ScopeBindingTrait)
{
	IN(C1__Connector__V2__ScopeBindingTrait);
	C1__Connector__V2__ScopeBindingTrait *out = mk(s, &c1__connector__v2__scope_binding_trait__descriptor);
	if (!out)
		return NULL;
	out->role_id = rid(s, in->role_id);
	out->scope_resource_id = rid(s, in->scope_resource_id);
	return &out->base;
}

H(h_grant_expandable, C1__Connector__V2__GrantExpandable)
{
	IN(C1__Connector__V2__GrantExpandable);
	C1__Connector__V2__GrantExpandable *out = mk(s, &c1__connector__v2__grant_expandable__descriptor);
	if (!out)
		return NULL;
	out->entitlement_ids = xid_list(s, in->entitlement_ids, in->n_entitlement_ids);
	out->n_entitlement_ids = in->n_entitlement_ids;
	out->shallow = in->shallow;
	if (in->n_resource_type_ids) {
		if (!(out->resource_type_ids = arr(s, in->n_resource_type_ids, sizeof(char *))))
			return NULL;
		for (size_t i = 0; i < in->n_resource_type_ids; i++)
			out->resource_type_ids[i] = sz_type_token(s, in->resource_type_ids[i]);
		out->n_resource_type_ids = in->n_resource_type_ids;
	}
	return &out->base;
}

H(h_grant_immutable, C1__Connector__V2__GrantImmutable)
{
	IN(C1__Connector__V2__GrantImmutable);
	C1__Connector__V2__GrantImmutable *out = mk(s, &c1__connector__v2__grant_immutable__descriptor);
	if (!out)
		return NULL;
	out->source_id = sz_xid(s, in->source_id);
	out->metadata = sstruct(s, in->metadata);
	return &out->base;
}

H(h_entitlement_immutable, C1__Connector__V2__EntitlementImmutable)
{
	IN(C1__Connector__V2__EntitlementImmutable);
	C1__Connector__V2__EntitlementImmutable *out = mk(s, &c1__connector__v2__entitlement_immutable__descriptor);
	if (!out)
		return NULL;
	out->source_id = sz_xid(s, in->source_id);
	out->metadata = sstruct(s, in->metadata);
	return &out->base;
}

H(h_external_link, C1__Connector__V2__ExternalLink)
{
	IN(C1__Connector__V2__ExternalLink);
	C1__Connector__V2__ExternalLink *out = mk(s, &c1__connector__v2__external_link__descriptor);
	if (!out)
		return NULL;
	out->url = wr(*S(in->url) ? REDACTED_URL : "");
	return &out->base;
}

H(h_child_type, C1__Connector__V2__ChildResourceType)
{
	IN(C1__Connector__V2__ChildResourceType);
	C1__Connector__V2__ChildResourceType *out = mk(s, &c1__connector__v2__child_resource_type__descriptor);
	if (!out)
		return NULL;
	out->resource_type_id = sz_type_token(s, in->resource_type_id);
	return &out->base;
}

static const struct {
	const ProtobufCMessageDescriptor *d;
	handler_fn fn;
} handlers[] = {
	{&c1__connector__v2__user_trait__descriptor, h_user},
	{&c1__connector__v2__group_trait__descriptor, h_group},
	{&c1__connector__v2__app_trait__descriptor, h_app},
	{&c1__connector__v2__role_trait__descriptor, h_role},
	{&c1__connector__v2__secret_trait__descriptor, h_secret},
	{&c1__connector__v2__license_profile_trait__descriptor, h_license},
	{&c1__connector__v2__scope_binding_trait__descriptor, h_scope_binding},
	{&c1__connector__v2__grant_expandable__descriptor, h_grant_expandable},
	{&c1__connector__v2__grant_immutable__descriptor, h_grant_immutable},
	{&c1__connector__v2__entitlement_immutable__descriptor, h_entitlement_immutable},
	{&c1__connector__v2__external_link__descriptor, h_external_link},
	{&c1__connector__v2__child_resource_type__descriptor, h_child_type},
};

static int find_handler(const char *type_url)
{
	size_t pl = sizeof(TYPE_URL_PREFIX) - 1;
	if (!type_url || strncmp(type_url, TYPE_URL_PREFIX, pl) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(type_url + pl, handlers[i].d->name) == 0)
			return (int)i;
	return -1;
}

static void count(sz *s, sz_counts *l, const char *type_url)
{
	type_url = S(type_url);
	sz_count *c = strmap_get(&l->by_url, type_url, strlen(type_url));
	if (!c) {
		c = baton_arena_alloc(&s->run, sizeof(*c));
		if (!c || !(c->type_url = baton_arena_strdup(&s->run, type_url)) ||
		    strmap_put(&l->by_url, type_url, strlen(type_url), c) < 0) {
			s->oom = true;
			return;
		}
		*l->tail = c;
		l->tail = &c->next;
	}
	c->n++;
}

/* Go's transformAnnotations: the output list, NULL when nothing is left. */
static Google__Protobuf__Any **annos(sz *s, Google__Protobuf__Any *const *in, size_t n_in, size_t *n_out)
{
	*n_out = 0;
	if (!n_in)
		return NULL;
	Google__Protobuf__Any **out = arr(s, n_in, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n_in; i++) {
		const Google__Protobuf__Any *a = in[i];
		if (!a)
			continue;
		int h = find_handler(a->type_url);
		if (h < 0) {
			if (s->drop_unknown) {
				count(s, &s->dropped, a->type_url);
				continue;
			}
			count(s, &s->passed, a->type_url);
			out[(*n_out)++] = (Google__Protobuf__Any *)(uintptr_t)a;
			continue;
		}
		ProtobufCMessage *msg = pb_decode(s->a, handlers[h].d, a->value.data, a->value.len);
		if (!msg) {
			baton_error_clear();
			count(s, &s->failed, a->type_url);
			continue;
		}
		ProtobufCMessage *san = handlers[h].fn(s, msg);
		if (!san)
			continue;
		size_t len = protobuf_c_message_get_packed_size(san);
		uint8_t *buf = baton_arena_alloc_raw(s->a, len ? len : 1);
		Google__Protobuf__Any *o = mk(s, &google__protobuf__any__descriptor);
		if (!buf || !o) {
			s->oom = true;
			return NULL;
		}
		protobuf_c_message_pack(san, buf);
		o->type_url = a->type_url;
		o->value.data = buf;
		o->value.len = len;
		out[(*n_out)++] = o;
	}
	return *n_out ? out : NULL;
}

/* ---- rows (Go's transform.go) -------------------------------------------------------------- */

C1__Connector__V2__ResourceType *sz_resource_type(sz *s, const C1__Connector__V2__ResourceType *in)
{
	if (!in)
		return NULL;
	C1__Connector__V2__ResourceType *out = mk(s, &c1__connector__v2__resource_type__descriptor);
	if (!out)
		return NULL;
	out->annotations = annos(s, in->annotations, in->n_annotations, &out->n_annotations);
	out->id = wr(S(in->id));
	out->display_name = sz_hid(s, in->display_name);
	out->description = sz_hid(s, in->description);
	out->n_traits = in->n_traits;
	out->traits = in->traits;
	out->sourced_externally = in->sourced_externally;
	return out;
}

C1__Connector__V2__Resource *sz_resource(sz *s, const C1__Connector__V2__Resource *in)
{
	if (!in)
		return NULL;
	C1__Connector__V2__Resource *out = mk(s, &c1__connector__v2__resource__descriptor);
	if (!out)
		return NULL;
	out->annotations = annos(s, in->annotations, in->n_annotations, &out->n_annotations);
	out->id = rid(s, in->id);
	out->parent_resource_id = rid(s, in->parent_resource_id);
	out->display_name = sz_hid(s, in->display_name);
	out->description = sz_hid(s, in->description);
	out->baton_resource = in->baton_resource;
	out->profile = sstruct(s, in->profile);
	out->icon = asset_ref(s, in->icon);
	if (in->status) {
		C1__Connector__V2__Status *st = mk(s, &c1__connector__v2__status__descriptor);
		if (!st)
			return NULL;
		st->status = in->status->status;
		st->details = sz_hid(s, in->status->details);
		out->status = st;
	}
	out->created_at = shift(s, in->created_at);
	return out;
}

C1__Connector__V2__Entitlement *sz_entitlement(sz *s, const C1__Connector__V2__Entitlement *in)
{
	if (!in)
		return NULL;
	C1__Connector__V2__Entitlement *out = mk(s, &c1__connector__v2__entitlement__descriptor);
	if (!out)
		return NULL;
	out->annotations = annos(s, in->annotations, in->n_annotations, &out->n_annotations);
	out->id = sz_xid(s, in->id);
	out->resource = sz_resource(s, in->resource);
	out->display_name = sz_hid(s, in->display_name);
	out->description = sz_hid(s, in->description);
	if (in->n_grantable_to) {
		if (!(out->grantable_to = arr(s, in->n_grantable_to, sizeof(*out->grantable_to))))
			return NULL;
		for (size_t i = 0; i < in->n_grantable_to; i++) {
			out->grantable_to[i] = sz_resource_type(s, in->grantable_to[i]);
			if (!out->grantable_to[i]) /* a nil element marshals as an empty message */
				out->grantable_to[i] = mk(s, &c1__connector__v2__resource_type__descriptor);
			if (!out->grantable_to[i])
				return NULL;
		}
		out->n_grantable_to = in->n_grantable_to;
	}
	out->purpose = in->purpose;
	out->slug = sz_hid(s, in->slug);
	return out;
}

void sz_grant_cache_reset(sz *s)
{
	strmap_free(&s->ent_cache);
	strmap_free(&s->principal_cache);
	baton_arena_reset(&s->cache);
	strmap_init(&s->ent_cache, &s->cache);
	strmap_init(&s->principal_cache, &s->cache);
	s->n_principals = 0;
}

/* A deep copy of a transformed message in the cache arena (it outlives the page, whose input
 * strings the transform points at). NULL (oom set) on failure, or when m is NULL. */
static void *keep_copy(sz *s, const ProtobufCMessage *m)
{
	if (!m || s->oom)
		return NULL;
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = baton_arena_alloc_raw(s->a, len ? len : 1);
	if (!buf) {
		s->oom = true;
		return NULL;
	}
	protobuf_c_message_pack(m, buf);
	ProtobufCMessage *copy = pb_decode(&s->cache, m->descriptor, buf, len);
	if (!copy)
		s->oom = true;
	return copy;
}

/* Go's cachedEntitlement: the first transform of an entitlement id in the sync is reused. */
static C1__Connector__V2__Entitlement *cached_entitlement(sz *s, const C1__Connector__V2__Entitlement *in)
{
	if (!in)
		return NULL;
	const char *key = S(in->id);
	if (!*key)
		return sz_entitlement(s, in);
	C1__Connector__V2__Entitlement *got = strmap_get(&s->ent_cache, key, strlen(key));
	if (got)
		return got;
	got = sz_entitlement(s, in);
	C1__Connector__V2__Entitlement *keep = keep_copy(s, got ? &got->base : NULL);
	if (keep && strmap_put(&s->ent_cache, key, strlen(key), keep) < 0)
		s->oom = true;
	return got;
}

/* Go's cachedPrincipal: keyed by source type and id (not cached when the id is empty). */
static C1__Connector__V2__Resource *cached_principal(sz *s, const C1__Connector__V2__Resource *in)
{
	if (!in)
		return NULL;
	if (!in->id || !*S(in->id->resource))
		return sz_resource(s, in);
	const char *t = S(in->id->resource_type), *r = in->id->resource;
	size_t tl = strlen(t), rl = strlen(r);
	char *key = baton_arena_alloc_raw(s->a, tl + 1 + rl);
	if (!key) {
		s->oom = true;
		return NULL;
	}
	memcpy(key, t, tl);
	key[tl] = '\0';
	memcpy(key + tl + 1, r, rl);
	C1__Connector__V2__Resource *got = strmap_get(&s->principal_cache, key, tl + 1 + rl);
	if (got)
		return got;
	if (s->n_principals >= SZ_MAX_PRINCIPALS)
		return sz_resource(s, in);
	got = sz_resource(s, in);
	C1__Connector__V2__Resource *keep = keep_copy(s, got ? &got->base : NULL);
	if (keep) {
		if (strmap_put(&s->principal_cache, key, tl + 1 + rl, keep) < 0)
			s->oom = true;
		s->n_principals++;
	}
	return got;
}

C1__Connector__V2__Grant *sz_grant(sz *s, const C1__Connector__V2__Grant *in)
{
	if (!in)
		return NULL;
	C1__Connector__V2__Grant *out = mk(s, &c1__connector__v2__grant__descriptor);
	if (!out)
		return NULL;
	out->annotations = annos(s, in->annotations, in->n_annotations, &out->n_annotations);
	out->id = sz_xid(s, in->id);
	out->entitlement = cached_entitlement(s, in->entitlement);
	out->principal = cached_principal(s, in->principal);
	if (in->sources) {
		C1__Connector__V2__GrantSources *gs = mk(s, &c1__connector__v2__grant_sources__descriptor);
		if (!gs)
			return NULL;
		size_t n = in->sources->n_sources;
		if (n) {
			if (!(gs->sources = arr(s, n, sizeof(*gs->sources))))
				return NULL;
			for (size_t i = 0; i < n; i++) {
				const C1__Connector__V2__GrantSources__SourcesEntry *e = in->sources->sources[i];
				C1__Connector__V2__GrantSources__SourcesEntry *o =
					mk(s, &c1__connector__v2__grant_sources__sources_entry__descriptor);
				C1__Connector__V2__GrantSources__GrantSource *v =
					mk(s, &c1__connector__v2__grant_sources__grant_source__descriptor);
				if (!o || !v)
					return NULL;
				o->key = sz_xid(s, e->key);
				v->is_direct = e->value ? e->value->is_direct : false;
				o->value = v;
				gs->sources[i] = o;
			}
			gs->n_sources = n;
		}
		out->sources = gs;
	}
	return out;
}
