/*
 * baton-chaos: a connector that misbehaves on purpose, the way real APIs and real connector bugs
 * do. CHAOS_CASE picks the misbehaviour, CHAOS_SEED where it strikes (which page, which
 * resource); CHAOS_CASE=none (or unset) is a well-behaved connector with the same data:
 * 30 users (u00..u29), 5 groups (g0..g4) with a "member" entitlement, each user a member of
 * group (i % 5); pages of 4.
 *
 * Cases (test_chaos.c says what each must give):
 *  completing:   unavailable-ratelimit (every call fails once with Unavailable and a rate-limit
 *                reset 20 ms ahead), unavailable (up to two calls, chosen by the seed, fail with plain
 *                Unavailable, each retried after 1 s),
 *                notfound (the grants of one group are NotFound), duplicates (every users page
 *                repeats the previous page's last user), empty-pages (an empty page with a next
 *                token before every real page)
 *  failing:      error (one users page fails with Internal), huge-name (a 1,025-byte display
 *                name), huge-description (2,049 bytes), invalid-utf8 (a display name),
 *                invalid-utf8-email (inside the user trait), invalid-utf8-token, missing-id (a
 *                resource with an empty id), missing-principal (a grant to an empty principal id),
 *                same-token (the next token equals the current one), huge-token (over 1 MiB),
 *                too-many-annotations (1,001 on a resource), huge-object (4.8 MB of annotations)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <baton.h>

#define USERS 30
#define GROUPS 5
#define PAGE 4

static const char *mode = "none";
static unsigned long seed = 1;

/* Calls that already failed once (unavailable-ratelimit): keyed by call and token. */
static char *seen[4096];
static size_t n_seen;
static int plain_failures;

static bool is(const char *m)
{
	return strcmp(mode, m) == 0;
}

static bool first_time(const char *what, const char *token)
{
	char key[256];

	snprintf(key, sizeof(key), "%s|%s", what, token);
	for (size_t i = 0; i < n_seen; i++)
		if (strcmp(seen[i], key) == 0)
			return false;
	if (n_seen < sizeof(seen) / sizeof(seen[0]))
		seen[n_seen++] = strdup(key);
	return true;
}

/* The transient failures every callback may return before doing anything. */
static int transient(baton_ctx *ctx, const char *what)
{
	const char *token = baton_ctx_page_token(ctx);

	if (is("unavailable-ratelimit") && first_time(what, token)) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + 20;
		baton_timestamp reset = {ms / 1000, (int32_t)(ms % 1000) * 1000000};
		baton_annotations_set_rate_limit(baton_ctx_annotations(ctx), BATON_RATELIMIT_OVERLIMIT, 100, 0, &reset);
		return baton_error_set(BATON_EUNAVAILABLE, "chaos: rate limited (%s)", what);
	}
	if (is("unavailable") && plain_failures < 2 && first_time(what, token) && (seed + n_seen) % 7 == 0) {
		plain_failures++;
		return baton_error_set(BATON_EUNAVAILABLE, "chaos: service unavailable (%s)", what);
	}
	return 0;
}

static int describe_user(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt));
}

static int set_next(baton_ctx *ctx, int next, int total, int start)
{
	char buf[32];

	if (next >= total)
		return 0;
	if (is("same-token") && start / PAGE == 1 + (int)(seed % (USERS / PAGE - 1)))
		return baton_ctx_set_next_page(ctx, baton_ctx_page_token(ctx));
	if (is("invalid-utf8-token") && start / PAGE == (int)(seed % (USERS / PAGE)))
		return baton_ctx_set_next_page(ctx, "\xc3\x28");
	if (is("huge-token") && start / PAGE == (int)(seed % (USERS / PAGE))) {
		size_t n = 1024 * 1024 + 1;
		char *big = malloc(n + 1);
		int rc;
		if (!big)
			return baton_error_set(BATON_EEXHAUSTED, "chaos: out of memory");
		memset(big, 'x', n);
		big[n] = '\0';
		rc = baton_ctx_set_next_page(ctx, big);
		free(big);
		return rc;
	}
	snprintf(buf, sizeof(buf), "%d", next);
	return baton_ctx_set_next_page(ctx, buf);
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	const char *token = baton_ctx_page_token(ctx);
	int rc = transient(ctx, "list users"), start, page_no, i;
	(void)parent;

	if (rc)
		return rc;
	if (is("empty-pages")) {
		/* "e<n>" is an empty page whose next token is "<n>" */
		if (*token == '\0' || *token != 'e') {
			char buf[32];
			snprintf(buf, sizeof(buf), "e%s", *token ? token : "0");
			return baton_ctx_set_next_page(ctx, buf);
		}
		token++;
	}
	start = *token ? atoi(token) : 0;
	page_no = start / PAGE;
	if (is("error") && page_no == (int)(seed % (USERS / PAGE)))
		return baton_error_set(BATON_EINTERNAL, "chaos: the users API answered 500 on page %d", page_no);
	i = start;
	if (is("duplicates") && start > 0)
		i = start - 1;
	for (; i < USERS && i < start + PAGE; i++) {
		char id[16], name[64];
		baton_resource *r;
		snprintf(id, sizeof(id), "u%02d", i);
		snprintf(name, sizeof(name), "User %02d", i);
		bool strike = (unsigned long)i == seed % USERS;
		if (strike && is("missing-id"))
			id[0] = '\0';
		if (strike && is("invalid-utf8"))
			snprintf(name, sizeof(name), "User \xff\xfe %02d", i);
		if (strike && is("huge-name")) {
			static char big[1026];
			memset(big, 'n', 1025);
			big[1025] = '\0';
			rc = baton_user_resource_new(ctx, big, baton_ctx_resource_type(ctx), id, &r);
		} else {
			rc = baton_user_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		}
		if (!rc && strike && is("huge-description")) {
			static char big[2050];
			memset(big, 'd', 2049);
			big[2049] = '\0';
			rc = baton_resource_set_description(r, big);
		}
		if (!rc) {
			char mail[64];
			if (strike && is("invalid-utf8-email"))
				snprintf(mail, sizeof(mail), "u%02d@exa\x80mple.com", i);
			else
				snprintf(mail, sizeof(mail), "u%02d@example.com", i);
			rc = baton_user_trait_add_email(baton_resource_user_trait(r), mail, true);
		}
		if (!rc && strike && is("too-many-annotations")) {
			for (int k = 0; k < 1001 && !rc; k++) {
				char raw[32];
				snprintf(raw, sizeof(raw), "{\"id\":\"raw-%d\"}", k);
				rc = baton_annotations_append_json(baton_resource_annotations(r), "c1.connector.v2.RawId", raw);
			}
		}
		if (!rc && strike && is("huge-object")) {
			static char raw[8300];
			for (int k = 0; k < 600 && !rc; k++) {
				int n = snprintf(raw, sizeof(raw), "{\"id\":\"%d-", k);
				memset(raw + n, 'r', 8000);
				snprintf(raw + n + 8000, sizeof(raw) - (size_t)n - 8000, "\"}");
				rc = baton_annotations_append_json(baton_resource_annotations(r), "c1.connector.v2.RawId", raw);
			}
		}
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
		if (rc)
			return rc;
	}
	return set_next(ctx, start + PAGE, USERS, start);
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	int rc = transient(ctx, "list groups");
	(void)parent;

	if (rc)
		return rc;
	for (int i = 0; i < GROUPS; i++) {
		char id[16], name[32];
		baton_resource *r;
		snprintf(id, sizeof(id), "g%d", i);
		snprintf(name, sizeof(name), "Group %d", i);
		rc = baton_group_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
		if (rc)
			return rc;
	}
	return 0;
}

static int group_entitlements(baton_ctx *ctx, const baton_resource *resource)
{
	baton_entitlement *e;
	int rc = transient(ctx, "group entitlements");

	if (!rc)
		rc = baton_assignment_entitlement_new(ctx, resource, "member", &e);
	return rc ? rc : baton_ctx_emit_entitlement(ctx, e);
}

static int group_grants(baton_ctx *ctx, const baton_resource *resource)
{
	baton_resource_id rid = baton_resource_get_id(resource);
	int g = atoi(rid.resource + 1), rc = transient(ctx, rid.resource);

	if (rc)
		return rc;
	if (is("notfound") && (unsigned long)g == seed % GROUPS)
		return baton_error_set(BATON_ENOTFOUND, "chaos: group %s is gone", rid.resource);
	for (int i = g; i < USERS; i += GROUPS) {
		char id[16];
		baton_grant *gr;
		snprintf(id, sizeof(id), "u%02d", i);
		if (is("missing-principal") && (unsigned long)i == seed % USERS)
			id[0] = '\0';
		rc = baton_grant_new(ctx, resource, "member", &(baton_resource_id){"user", id}, &gr);
		if (!rc)
			rc = baton_ctx_emit_grant(ctx, gr);
		if (rc)
			return rc;
	}
	return 0;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};

static const baton_resource_syncer user_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User", .id = "user", .traits = user_traits, .n_traits = 1,
	.describe = describe_user,
	.list = list_users,
};
static const baton_resource_syncer group_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group", .id = "group", .traits = group_traits, .n_traits = 1,
	.list = list_groups, .entitlements = group_entitlements, .grants = group_grants,
};

static const baton_resource_syncer *types[] = {&user_syncer, &group_syncer};

static const baton_connector chaos_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "baton-chaos",
	.resource_types = types,
	.n_resource_types = 2,
};

int main(int argc, char **argv)
{
	const char *m = getenv("CHAOS_CASE"), *s = getenv("CHAOS_SEED");
	int rc;

	if (m && *m)
		mode = m;
	if (s && *s)
		seed = strtoul(s, NULL, 10);
	rc = baton_main(argc, argv, &chaos_connector);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	return rc;
}
