/*
 * cli-probe: a connector whose configuration uses every field kind, flag and constraint, for the
 * command-line tests (test_cli.c). Its init prints what the baton_ctx_config_* readers give, one
 * "name=value" line per field on stdout, then fails with FailedPrecondition "probe done" (exit 9),
 * so no sync runs. PROBE_VARIANT=groups selects a schema with field groups (auth methods).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <baton.h>

static const char *const regions[] = {"us", "eu"};
static const char *const pem[] = {".pem"};
static const char *const together[] = {"user", "password"};
static const char *const exclusive[] = {"token", "user"};
static const char *const dependent[] = {"cert"};
static const char *const dependent_on[] = {"token"};

static const baton_field basic_fields[] = {
	{.name = "base-url", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED, .display_name = "Base URL",
	 .description = "The API's base URL", .placeholder = "https://api.example.com", .pattern = "^https?://"},
	{.name = "api-key", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_SECRET, .description = "The API key",
	 .default_value = "default-key-value", .min_len = 8},
	{.name = "region", .kind = BATON_FIELD_SELECT, .description = "Where the tenant lives", .default_value = "us",
	 .options = regions, .n_options = 2},
	{.name = "tags", .kind = BATON_FIELD_STRING_LIST, .description = "Tags to sync", .default_value = "a,b",
	 .max_len = 5},
	{.name = "labels", .kind = BATON_FIELD_STRING_MAP, .description = "Labels to add", .default_value = "k=v"},
	{.name = "limit", .kind = BATON_FIELD_INT, .description = "A limit", .default_value = "10", .min = 1, .max = 100},
	{.name = "verbose", .kind = BATON_FIELD_BOOL, .short_name = 'V', .description = "Talk more"},
	{.name = "cert", .kind = BATON_FIELD_FILE, .description = "A CA certificate", .options = pem, .n_options = 1},
	{.name = "user", .kind = BATON_FIELD_STRING, .description = "A user name"},
	{.name = "password", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_SECRET, .description = "The user's password"},
	{.name = "token", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_SECRET, .description = "A token"},
	{.name = "debug-dump", .kind = BATON_FIELD_BOOL, .flags = BATON_FIELD_HIDDEN | BATON_FIELD_CLI_ONLY,
	 .description = "A hidden, CLI-only switch"},
	{.name = "tuning", .kind = BATON_FIELD_INT, .flags = BATON_FIELD_OPS, .description = "An ops knob"},
};

static const baton_constraint basic_constraints[] = {
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, together, 2, NULL, 0},
	{BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE, exclusive, 2, NULL, 0},
	{BATON_CONSTRAINT_DEPENDENT_ON, dependent, 1, dependent_on, 1},
};

static const baton_config_schema basic = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = basic_fields,
	.n_fields = sizeof(basic_fields) / sizeof(basic_fields[0]),
	.constraints = basic_constraints,
	.n_constraints = 3,
	.help_url = "https://example.com/probe",
	.catalog_id = "probe",
};

/* ---- the groups variant ---- */

static const char *const g_key[] = {"base-url", "key-a"};
static const char *const g_oauth[] = {"base-url", "oauth-id", "oauth-secret", "key-b"};
static const char *const one_of[] = {"key-a", "key-b"};

static const baton_field group_fields[] = {
	{.name = "base-url", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED, .description = "The API's base URL"},
	{.name = "key-a", .kind = BATON_FIELD_STRING, .description = "Key A"},
	{.name = "key-b", .kind = BATON_FIELD_STRING, .description = "Key B"},
	{.name = "oauth-id", .kind = BATON_FIELD_STRING, .description = "OAuth client id"},
	{.name = "oauth-secret", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED | BATON_FIELD_SECRET,
	 .description = "OAuth client secret"},
};

static const baton_constraint group_constraints[] = {
	{BATON_CONSTRAINT_AT_LEAST_ONE, one_of, 2, NULL, 0},
};

static const baton_field_group groups[] = {
	{.name = "api-key", .display_name = "API key", .help_text = "Authenticate with a key", .fields = g_key,
	 .n_fields = 2, .is_default = true},
	{.name = "oauth", .display_name = "OAuth", .help_text = "Authenticate with OAuth", .fields = g_oauth,
	 .n_fields = 4},
};

static const baton_config_schema grouped = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = group_fields,
	.n_fields = sizeof(group_fields) / sizeof(group_fields[0]),
	.constraints = group_constraints,
	.n_constraints = 1,
	.groups = groups,
	.n_groups = 2,
};

/* ---- the kinds variant: Oauth2Field, RandomField, the v2 rules, suggested values, a computed
 * default and re-exported SDK flags (tests/interop/democonn/probe.go has the Go equivalent) ---- */

static const char *computed_default(void)
{
	return getenv("PROBE_COMPUTED") ? getenv("PROBE_COMPUTED") : "computed";
}

static const char *const bad_codes[] = {"0000", "1234"};
static const int64_t ports[] = {80, 443, 8080};
static const int64_t unlucky[] = {13};

static const baton_field kinds_fields[] = {
	{.name = "token", .kind = BATON_FIELD_OAUTH2, .flags = BATON_FIELD_SECRET, .description = "An OAuth2 token"},
	{.name = "nonce", .kind = BATON_FIELD_RANDOM, .description = "A random value"},
	{.name = "email", .kind = BATON_FIELD_STRING, .description = "An email", .well_known = BATON_WELL_KNOWN_EMAIL},
	{.name = "site", .kind = BATON_FIELD_STRING, .description = "A URL", .well_known = BATON_WELL_KNOWN_URI,
	 .suggested_value = "https://example.com"},
	{.name = "host", .kind = BATON_FIELD_STRING, .description = "A host", .well_known = BATON_WELL_KNOWN_HOSTNAME},
	{.name = "addr", .kind = BATON_FIELD_STRING, .description = "An IP", .well_known = BATON_WELL_KNOWN_IP},
	{.name = "addr4", .kind = BATON_FIELD_STRING, .description = "An IPv4", .well_known = BATON_WELL_KNOWN_IPV4},
	{.name = "addr6", .kind = BATON_FIELD_STRING, .description = "An IPv6", .well_known = BATON_WELL_KNOWN_IPV6},
	{.name = "tenant-id", .kind = BATON_FIELD_STRING, .description = "A UUID", .well_known = BATON_WELL_KNOWN_UUID},
	{.name = "key", .kind = BATON_FIELD_STRING, .description = "A key", .prefix = "ak_", .suffix = "_z",
	 .contains = "-"},
	{.name = "scopes", .kind = BATON_FIELD_STRING_LIST, .description = "Scopes", .min_items = 1, .max_items = 3,
	 .unique_items = true, .prefix = "s:", .suggested_value = "s:read,s:write"},
	{.name = "retries", .kind = BATON_FIELD_INT, .description = "Retries", .suggested_value = "3"},
	{.name = "dry-run", .kind = BATON_FIELD_BOOL, .description = "Dry run", .suggested_value = "true"},
	{.name = "started", .kind = BATON_FIELD_STRING, .description = "A computed default",
	 .default_value_func = computed_default},
	{.name = "code", .kind = BATON_FIELD_STRING, .description = "A code", .exact_len = 4, .not_in = bad_codes,
	 .n_not_in = 2},
	{.name = "port", .kind = BATON_FIELD_INT, .description = "A port", .int_in = ports, .n_int_in = 3},
	{.name = "level", .kind = BATON_FIELD_INT, .description = "A level", .min = 1, .max = 20, .int_not_in = unlucky,
	 .n_int_not_in = 1},
	{.name = "ticketing", .flags = BATON_FIELD_REEXPORT},
	{.name = "http-timeout-seconds", .flags = BATON_FIELD_REEXPORT},
};

static const baton_config_schema kinds = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = kinds_fields,
	.n_fields = sizeof(kinds_fields) / sizeof(kinds_fields[0]),
};

/* ---- the v1 variant: a schema compiled against BATON_CONFIG_SCHEMA_VERSION 1's baton_field ---- */

typedef struct v1_field {
	const char *name;
	baton_field_kind kind;
	unsigned int flags;
	const char *display_name, *description, *placeholder, *default_value;
	char short_name;
	const char *const *options;
	size_t n_options;
	int64_t min, max;
	size_t min_len, max_len;
	const char *pattern;
} v1_field;

static const v1_field v1_fields[] = {
	{.name = "alpha", .kind = BATON_FIELD_STRING, .description = "First", .default_value = "a1", .min_len = 2},
	{.name = "beta", .kind = BATON_FIELD_INT, .description = "Second", .default_value = "7", .min = 1, .max = 9},
	{.name = "gamma", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED, .description = "Third",
	 .pattern = "^g"},
};

static const baton_config_schema v1 = {
	.version = 1,
	.fields = (const baton_field *)(const void *)v1_fields,
	.n_fields = 3,
};

static const baton_config_schema *probe_schema(void)
{
	const char *v = getenv("PROBE_VARIANT");
	if (v && !strcmp(v, "groups"))
		return &grouped;
	if (v && !strcmp(v, "kinds"))
		return &kinds;
	if (v && !strcmp(v, "v1"))
		return &v1;
	return &basic;
}

/* ---- the connector ---- */

/*
 * PROBE_HTTP_URL: a GET through a baton_http_client made with the default timeout (so the SDK's
 * --http-timeout-seconds applies), retries off; prints "http=<code> <milliseconds>".
 */
static void probe_http(const char *url)
{
	baton_http_client_options o = BATON_HTTP_CLIENT_OPTIONS_INIT;
	o.base_url = url;
	o.retry.disabled = true;
	baton_http_client *c;
	int rc = baton_http_client_new(&o, &c);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!rc) {
		baton_http_request *req;
		baton_http_response *resp = NULL;
		rc = baton_http_request_new(c, "GET", "/", &req);
		if (!rc) {
			rc = baton_http_do(c, req, NULL, &resp);
			baton_http_response_free(resp);
			baton_http_request_free(req);
		}
		baton_http_client_free(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("http=%d %lld\n", rc,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
}

static int probe_init(baton_ctx *ctx, void **userdata)
{
	if (getenv("PROBE_HTTP_URL"))
		probe_http(getenv("PROBE_HTTP_URL"));
	const baton_config_schema *s = probe_schema();
	(void)userdata;
	if (s == &v1) {
		printf("alpha=%s\nbeta=%lld\ngamma=%s\n", baton_ctx_config_string(ctx, "alpha"),
		       (long long)baton_ctx_config_int(ctx, "beta"), baton_ctx_config_string(ctx, "gamma"));
		fflush(stdout);
		return baton_error_set(BATON_EPRECONDITION, "probe done");
	}
	for (size_t i = 0; i < s->n_fields; i++) {
		const baton_field *f = &s->fields[i];
		const char *const *items;
		size_t n;
		printf("%s=", f->name);
		switch (f->kind) {
		case BATON_FIELD_BOOL:
			printf("%s", baton_ctx_config_bool(ctx, f->name) ? "true" : "false");
			break;
		case BATON_FIELD_INT:
			printf("%lld", (long long)baton_ctx_config_int(ctx, f->name));
			break;
		case BATON_FIELD_STRING_LIST:
			n = baton_ctx_config_list(ctx, f->name, &items);
			for (size_t j = 0; j < n; j++)
				printf("%s[%s]", j ? "," : "", items[j]);
			break;
		case BATON_FIELD_STRING_MAP:
			n = baton_ctx_config_map_keys(ctx, f->name, &items);
			for (size_t j = 0; j < n; j++)
				printf("%s%s:%s", j ? "," : "", items[j], baton_ctx_config_map_get(ctx, f->name, items[j]));
			break;
		case BATON_FIELD_FILE: {
			const uint8_t *data;
			size_t len;
			if (baton_ctx_config_file(ctx, f->name, &data, &len))
				printf("%zu bytes:%.*s", len, (int)len, (const char *)data);
			break;
		}
		default:
			printf("%s", baton_ctx_config_string(ctx, f->name));
			break;
		}
		printf(" (%s)\n", baton_ctx_config_is_set(ctx, f->name) ? "set" : "default");
	}
	printf("auth-method=%s\n", baton_ctx_config_auth_method(ctx));
	printf("sdk.file=%s\n", baton_ctx_config_string(ctx, "file"));
	printf("sdk.http-timeout-seconds=%lld\n", (long long)baton_ctx_config_int(ctx, "http-timeout-seconds"));
	fflush(stdout);
	return baton_error_set(BATON_EPRECONDITION, "probe done");
}

static int list_nothing(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = list_nothing,
};
static const baton_resource_syncer *const types[] = {&users};

int main(int argc, char **argv)
{
	baton_connector c = {
		.version = BATON_CONNECTOR_VERSION,
		.display_name = "CLI Probe",
		.description = "Every kind of configuration field",
		.init = probe_init,
		.resource_types = types,
		.n_resource_types = 1,
		.config = probe_schema(),
	};
	return baton_main(argc, argv, &c);
}
