/*
 * Tutorial step 3 (docs/tutorial.md): configuration, state set up by init, paging, errors.
 * The "system" is a text file named by --directory, one record per line:
 *     user|alice|Alice Example
 *     group|eng|Engineering|user:alice group:oncall
 * Built and run by the test suite (tests/examples/, ctest -R tutorial).
 */
#include <baton.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct record {
	char *kind, *id, *name, *members; /* members: space-separated "type:id" */
};

struct directory {
	char *text; /* the file's bytes, which the records point into */
	struct record *records;
	size_t n;
};

/* Splits one line at '|' (in place) into a record. */
static int parse_line(char *line, struct record *r)
{
	char *fields[4] = {line, NULL, NULL, ""};

	for (int i = 1; i < 4; i++) {
		char *bar = strchr(fields[i - 1], '|');
		if (bar == NULL) {
			if (i < 3)
				return baton_error_set(BATON_EINVALID, "directory: bad line \"%s\"", line);
			break;
		}
		*bar = '\0';
		fields[i] = bar + 1;
	}
	r->kind = fields[0];
	r->id = fields[1];
	r->name = fields[2];
	r->members = fields[3];
	return 0;
}

/* init: called once before anything else; what it puts in *userdata every callback gets back. */
static int directory_init(baton_ctx *ctx, void **userdata)
{
	const uint8_t *data;
	size_t len;
	struct directory *d;
	char *text, *line, *next;

	if (!baton_ctx_config_file(ctx, "directory", &data, &len))
		return baton_error_set(BATON_EINVALID, "--directory is required");
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->text = text = malloc(len + 1)) == NULL ||
	    (d->records = calloc(len / 4 + 1, sizeof(*d->records))) == NULL) {
		if (d != NULL)
			free(d->text);
		free(d);
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	memcpy(text, data, len);
	text[len] = '\0';
	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		int rc = parse_line(line, &d->records[d->n]);
		if (rc != 0) {
			free(d->records);
			free(d);
			free(text);
			return rc;
		}
		d->n++;
	}
	baton_ctx_log(ctx, BATON_LOG_INFO, "directory: %zu records", d->n);
	*userdata = d;
	return 0;
}

/* close: called once at the end, errors or not. */
static void directory_close(void *userdata)
{
	struct directory *d = userdata;

	if (d != NULL) {
		free(d->records);
		free(d->text);
	}
	free(d);
}

/* validate: called at the start of every sync; say what is wrong with the configuration. */
static int directory_validate(baton_ctx *ctx)
{
	struct directory *d = baton_ctx_userdata(ctx);

	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->records[i].kind, "user") == 0)
			return 0;
	return baton_error_set(BATON_EINVALID, "the directory has no users");
}

/* One page of the records of `kind`, PAGE_SIZE at a time, the token being the next index. */
#define PAGE_SIZE 2

static int list_kind(baton_ctx *ctx, const char *kind)
{
	struct directory *d = baton_ctx_userdata(ctx);
	size_t i = strtoul(baton_ctx_page_token(ctx), NULL, 10), emitted = 0;

	for (; i < d->n && emitted < PAGE_SIZE; i++) {
		struct record *r = &d->records[i];
		baton_resource *res;
		int rc;

		if (strcmp(r->kind, kind) != 0)
			continue;
		if (strcmp(kind, "user") == 0)
			rc = baton_user_resource_new(ctx, r->name, baton_ctx_resource_type(ctx), r->id, &res);
		else
			rc = baton_group_resource_new(ctx, r->name, baton_ctx_resource_type(ctx), r->id, &res);
		if (rc == 0)
			rc = baton_ctx_emit_resource(ctx, res);
		if (rc != 0)
			return rc;
		emitted++;
	}
	if (i >= d->n)
		return 0; /* the last page */
	return baton_ctx_set_next_page(ctx, baton_ctx_sprintf(ctx, "%zu", i));
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent; /* NULL for a top-level type; see callbacks/list.md */
	return list_kind(ctx, "user");
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent; /* NULL for a top-level type; see callbacks/list.md */
	return list_kind(ctx, "group");
}

static int group_entitlements(baton_ctx *ctx, const baton_resource *group)
{
	baton_entitlement *member;
	int rc = baton_assignment_entitlement_new(ctx, group, "member", &member);

	if (rc == 0)
		rc = baton_ctx_emit_entitlement(ctx, member);
	return rc;
}

static int group_grants(baton_ctx *ctx, const baton_resource *group)
{
	struct directory *d = baton_ctx_userdata(ctx);
	const char *id = baton_resource_get_id(group).resource;

	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->records[i].kind, "group") != 0 || strcmp(d->records[i].id, id) != 0)
			continue;
		/* members: "user:alice group:oncall" */
		char *list = baton_ctx_strdup(ctx, d->records[i].members);
		for (char *m = list; m != NULL && *m != '\0';) {
			char *end = strchr(m, ' '), *colon = strchr(m, ':');
			if (end != NULL)
				*end = '\0';
			if (colon == NULL)
				return baton_error_set(BATON_EINVALID, "group %s: bad member \"%s\"", id, m);
			*colon = '\0';
			baton_resource_id principal = {m, colon + 1};
			baton_grant *grant;
			int rc = baton_grant_new(ctx, group, "member", &principal, &grant);
			if (rc == 0 && strcmp(m, "group") == 0) {
				const char *source = baton_ctx_sprintf(ctx, "group:%s:member", colon + 1);
				rc = baton_grant_set_expandable(grant, &source, 1, false, NULL, 0);
			}
			if (rc == 0)
				rc = baton_ctx_emit_grant(ctx, grant);
			if (rc != 0)
				return rc;
			m = end != NULL ? end + 1 : NULL;
		}
		return 0;
	}
	return baton_error_set(BATON_ENOTFOUND, "no group %s", id);
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = list_users,
};

static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};
static const baton_resource_syncer group_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group",
	.traits = group_traits,
	.n_traits = 1,
	.list = list_groups,
	.entitlements = group_entitlements,
	.grants = group_grants,
};

static const baton_resource_syncer *const types[] = {&users, &group_type};

static const baton_field fields[] = {
	{.name = "directory", .kind = BATON_FIELD_FILE, .flags = BATON_FIELD_REQUIRED,
	 .description = "The directory file: user|id|name and group|id|name|members lines"},
};
static const baton_config_schema config = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = fields,
	.n_fields = 1,
};

static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Tutorial",
	.init = directory_init,
	.close = directory_close,
	.validate = directory_validate,
	.resource_types = types,
	.n_resource_types = 2,
	.config = &config,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
