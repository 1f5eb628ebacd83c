/*
 * Bridges between the library's objects and the generated protobuf-c messages the JSON output is
 * made of: objects are serialized with their public pack functions and decoded into an arena.
 */
#include "cli.h"

#include <string.h>

#include "proto/pbutil.h"
#include "proto/protojson.h"
#include "proto/registry.h"
#include "google/protobuf/any.pb-c.h"

/*
 * Serialization memory: one context reused for a while, then recycled, so reading many rows
 * does not pile up packed bytes. Bytes from it are consumed before the next call.
 */
static baton_ctx *scratch;
static unsigned scratch_uses;

static baton_ctx *scratch_ctx(void)
{
	if (scratch && scratch_uses++ < 512)
		return scratch;
	baton_ctx_free(scratch);
	scratch = NULL;
	scratch_uses = 1;
	if (baton_ctx_new(&scratch) < 0)
		return NULL;
	return scratch;
}

void pb_cleanup(void)
{
	baton_ctx_free(scratch);
	scratch = NULL;
}

ProtobufCMessage *pb_decode(baton_arena *a, const ProtobufCMessageDescriptor *d, const uint8_t *data,
                            size_t len)
{
	ProtobufCAllocator al = baton_arena_pb_allocator(a);
	if (baton__pb_check_depth(d, data, len) != 0)
		return NULL;
	ProtobufCMessage *m = protobuf_c_message_unpack(d, &al, len, data);
	if (!m)
		baton_error_set(BATON_EDATALOSS, "cannot decode a %s", d->name);
	return m;
}

#define DEFINE_PB(fn, obj_t, pack, msg_t, desc)                                       \
	msg_t *fn(baton_arena *a, obj_t *o)                                           \
	{                                                                             \
		const uint8_t *data;                                                  \
		size_t len;                                                           \
		baton_ctx *ctx = scratch_ctx();                                       \
		if (!ctx || pack(o, ctx, &data, &len) < 0)                            \
			return NULL;                                                  \
		return (msg_t *)pb_decode(a, &desc, data, len);                       \
	}

DEFINE_PB(pb_resource_type, baton_resource_type, baton_resource_type_pack,
          C1__Connector__V2__ResourceType, c1__connector__v2__resource_type__descriptor)
DEFINE_PB(pb_resource, baton_resource, baton_resource_pack, C1__Connector__V2__Resource,
          c1__connector__v2__resource__descriptor)
DEFINE_PB(pb_entitlement, baton_entitlement, baton_entitlement_pack, C1__Connector__V2__Entitlement,
          c1__connector__v2__entitlement__descriptor)
DEFINE_PB(pb_grant, baton_grant, baton_grant_pack, C1__Connector__V2__Grant,
          c1__connector__v2__grant__descriptor)

#define DEFINE_BYTES(fn, obj_t, pack)                                                 \
	int fn(baton_arena *a, obj_t *o, uint8_t **data, size_t *len)                 \
	{                                                                             \
		const uint8_t *d;                                                     \
		baton_ctx *ctx = scratch_ctx();                                       \
		int rc;                                                               \
		if (!ctx)                                                             \
			return BATON_EEXHAUSTED;                                      \
		if ((rc = pack(o, ctx, &d, len)) < 0)                                 \
			return rc;                                                    \
		*data = baton_arena_memdup(a, d, *len ? *len : 1);                    \
		return *data ? 0 : baton_error_set(BATON_EEXHAUSTED, "out of memory"); \
	}

DEFINE_BYTES(pb_bytes_resource, baton_resource, baton_resource_pack)
DEFINE_BYTES(pb_bytes_entitlement, baton_entitlement, baton_entitlement_pack)
DEFINE_BYTES(pb_bytes_grant, baton_grant, baton_grant_pack)

/* ---- pruning ----------------------------------------------------------------------------- */

static bool is_any(const ProtobufCMessage *m)
{
	return m->descriptor == &google__protobuf__any__descriptor;
}

static bool any_known(const ProtobufCMessage *m)
{
	const Google__Protobuf__Any *a = (const Google__Protobuf__Any *)m;
	return a->type_url && baton__registry_find_url(a->type_url) != NULL;
}

void pb_prune_unknown_any(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *member = (char *)m + f->offset;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t *n = (size_t *)((char *)m + f->quantifier_offset);
			ProtobufCMessage **arr = *(ProtobufCMessage ***)member;
			size_t keep = 0;
			for (size_t j = 0; j < *n; j++) {
				if (!arr[j])
					continue;
				if (is_any(arr[j])) {
					if (!any_known(arr[j]))
						continue;
				} else {
					pb_prune_unknown_any(arr[j]);
				}
				arr[keep++] = arr[j];
			}
			*n = keep;
			continue;
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(uint32_t *)((char *)m + f->quantifier_offset) != f->id)
			continue;
		ProtobufCMessage **sub = (ProtobufCMessage **)member;
		if (!*sub)
			continue;
		if (is_any(*sub)) {
			if (!any_known(*sub)) {
				*sub = NULL;
				if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
					*(uint32_t *)((char *)m + f->quantifier_offset) = 0;
			}
		} else {
			pb_prune_unknown_any(*sub);
		}
	}
}

/* ---- JSON -------------------------------------------------------------------------------- */

int pb_write_json(FILE *out, const ProtobufCMessage *msg)
{
	baton_arena a;
	baton_protojson_opts opts = {false, false};
	char *text;
	size_t len;
	int rc;

	baton_arena_init(&a);
	rc = baton__protojson_write(&a, msg, &opts, &text, &len);
	if (rc == 0 && fwrite(text, 1, len, out) != len)
		rc = baton_error_set(BATON_EUNAVAILABLE, "cannot write the output");
	baton_arena_release(&a);
	return rc;
}

void json_list_begin(json_list *l, FILE *out, const char *field)
{
	l->out = out;
	l->field = field;
	l->n = 0;
}

int json_list_add(json_list *l, const ProtobufCMessage *element)
{
	if (l->n == 0)
		fprintf(l->out, "{\"%s\":[", l->field);
	else
		fputc(',', l->out);
	l->n++;
	return pb_write_json(l->out, element);
}

int json_list_end(json_list *l)
{
	fputs(l->n ? "]}" : "{}", l->out);
	if (fflush(l->out) != 0 || ferror(l->out))
		return baton_error_set(BATON_EUNAVAILABLE, "cannot write the output");
	return 0;
}

/* ---- time -------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool tool_parse_time(const char *text, int64_t *sec, int32_t *nanos)
{
	int Y, M, D, h, m, s;

	if (!text || strlen(text) < 19)
		return false;
	if (!digits(text, 4, &Y) || text[4] != '-' || !digits(text + 5, 2, &M) || text[7] != '-' ||
	    !digits(text + 8, 2, &D) || (text[10] != ' ' && text[10] != 'T') ||
	    !digits(text + 11, 2, &h) || text[13] != ':' || !digits(text + 14, 2, &m) ||
	    text[16] != ':' || !digits(text + 17, 2, &s))
		return false;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60)
		return false;
	int32_t ns = 0;
	const char *p = text + 19;
	if (*p == '.') {
		int scale = 100000000;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ns += (*p - '0') * scale;
			scale /= 10;
		}
	}
	*sec = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + s;
	*nanos = ns;
	return true;
}

Google__Protobuf__Timestamp *pb_timestamp(baton_arena *a, const char *text)
{
	int64_t sec;
	int32_t ns;
	if (!tool_parse_time(text, &sec, &ns))
		return NULL;
	Google__Protobuf__Timestamp *t = baton_arena_alloc(a, sizeof(*t));
	if (!t)
		return NULL;
	google__protobuf__timestamp__init(t);
	t->seconds = sec;
	t->nanos = ns;
	return t;
}

void tool_format_time(const char *text, char *buf, size_t cap)
{
	int64_t sec;
	int32_t ns;
	if (!tool_parse_time(text, &sec, &ns)) {
		snprintf(buf, cap, "%s", text ? text : "");
		return;
	}
	int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
	int64_t rem = sec - days * 86400;
	/* civil_from_days */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned mo = mp < 10 ? mp + 3 : mp - 9;
	y += mo <= 2;
	snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, mo, d, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60));
}
