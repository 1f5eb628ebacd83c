/*
 * `baton sanitize`: what its two files share.
 *
 *   cmd_sanitize.c        the command: flags, secret, anchor, the sync-by-sync copy, assets,
 *                         sync-run links, the output written atomically
 *   cmd_sanitize_xform.c  the transform of one row (messages rebuilt, Struct profiles,
 *                         timestamps, annotations), as the Go SDK's pkg/c1zsanitize
 *   cmd_sanitize_id.c     the keyed transforms of single values (ids, composite ids, emails),
 *                         the keyed hash itself, RFC 3339 anchors
 *
 * Every transformed string is HMAC-SHA256(secret, text) truncated to 12 bytes and written in
 * unpadded upper-case base32 (20 characters); "" stays "". Messages are rebuilt from scratch with
 * only the fields Go's c1zsanitize keeps, in the sanitizer's page arena.
 */
#ifndef BATON_TOOL_CMD_SANITIZE_H
#define BATON_TOOL_CMD_SANITIZE_H

#include "cli.h"

#include <openssl/evp.h>

#define SZ_MIN_SECRET 32    /* Go's MinSecretBytes */
#define SZ_ID_BYTES 12      /* HMAC bytes kept */
#define SZ_ID_CHARS 20      /* their base32 length */
#define SZ_MAX_PRINCIPALS 1000000 /* Go's maxCachedPrincipals */

/* Per-type-URL counter of annotations dropped, passed or failed. */
typedef struct sz_count {
	uint64_t n;
	const char *type_url;
	struct sz_count *next;   /* the next counter of the same list, in first-seen order */
} sz_count;

typedef struct sz_counts {
	strmap by_url;
	sz_count *head, **tail;
} sz_counts;

typedef struct sz {
	EVP_MD_CTX *inner, *outer;   /* SHA-256 states keyed with the HMAC pads */
	EVP_MD_CTX *work;            /* scratch copy */
	baton_arena *a;              /* the page arena every output lives in */
	baton_arena run;             /* lives for the whole run (maps below) */
	strmap known_types;          /* declared resource-type ids (all syncs so far) */
	strmap domains;              /* source email domain -> "dom-<id>.example" */
	sz_counts dropped, passed, failed; /* per type URL */
	strmap asset_seen;           /* source asset ids of the current sync */
	char **assets;               /* ... in the order first seen */
	size_t n_assets, cap_assets;
	/* Go's per-sync grant sub-cache: a grant's embedded entitlement (by source id) and principal
	 * (by source type + id, at most SZ_MAX_PRINCIPALS) are transformed once, the first time seen,
	 * and reused for every later grant of the sync. */
	baton_arena cache;
	strmap ent_cache, principal_cache;
	size_t n_principals;
	bool drop_unknown;           /* !--allow-unknown-annotations */
	int64_t delta_ns;            /* anchor - newest source timestamp (saturated) */
	uint64_t missing_assets;
	bool oom;                    /* an allocation failed: the row is unusable */
} sz;

/* Sets up the keyed hash; 0 or a negative code (last error set). */
int sz_init(sz *s, const uint8_t *secret, size_t secret_len);
void sz_free(sz *s);

/* HMAC id of text into the page arena ("" for ""); sz_id_n of the first len bytes. */
const char *sz_id(sz *s, const char *text);
const char *sz_id_n(sz *s, const char *text, size_t len);
/* The same as a protobuf-c field value. */
char *sz_hid(sz *s, const char *text);
/* Go's transformID: composite ids per ':' component. */
char *sz_xid(sz *s, const char *id);
/* Go's sanitizeResourceTypeToken: a declared type kept, else HMAC'd. */
char *sz_type_token(sz *s, const char *token);
/* Go's sanitizeEmail, with the run's domain map. */
char *sz_email(sz *s, const char *addr);
/* Whether tok (len bytes) is a declared resource-type id. */
bool sz_known_type(sz *s, const char *tok, size_t len);
/* Records a declared resource type id. */
void sz_add_known_type(sz *s, const char *id);
/* Empties the grant sub-cache (at each new sync). */
void sz_grant_cache_reset(sz *s);
/* Forgets the asset ids collected for the previous sync. */
void sz_assets_reset(sz *s);

/* Timestamps (Go's time.Time arithmetic, saturating). */
bool sz_parse_rfc3339(const char *text, int64_t *sec, int32_t *nsec);
int64_t sz_delta(int64_t anchor_sec, int32_t anchor_ns, int64_t max_sec, int32_t max_ns);

/* The row transforms; NULL in gives NULL out. On allocation failure s->oom is set. */
C1__Connector__V2__ResourceType *sz_resource_type(sz *s, const C1__Connector__V2__ResourceType *in);
C1__Connector__V2__Resource *sz_resource(sz *s, const C1__Connector__V2__Resource *in);
C1__Connector__V2__Entitlement *sz_entitlement(sz *s, const C1__Connector__V2__Entitlement *in);
C1__Connector__V2__Grant *sz_grant(sz *s, const C1__Connector__V2__Grant *in);

#endif
