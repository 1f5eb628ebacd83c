/*
 * baton: look into c1z files written by connectors.
 *
 *   baton [-f FILE] [-o console|json] <command> [flags]
 *
 * Commands that write: `expand` (rewrites -f unless --output), `optimize` and `recalculate-stats`
 * (rewrite -f), `export c1z|csv|json|xlsx` and `dump-db` (write --out, never -f); every other
 * command only reads. Files are replaced atomically (a temporary file renamed over the target);
 * in-place rewrites are refused while a connector's sync of the file is unfinished
 * ("<file>.wip/" exists), and targets that are not regular files are refused. Errors are one
 * line on stderr, "baton: <problem>", with exit status 1; command-line mistakes exit with 2.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define F(x) (1u << (x))
#define GLOBAL_FLAGS (F(FLAG_FILE) | F(FLAG_OUTPUT) | F(FLAG_HELP))

typedef struct command {
	const char *word1, *word2;
	int (*run)(tool *t);
	unsigned flags;          /* accepted flags besides the global ones */
	const char *summary;
	const char *usage;       /* the part after "baton " */
	const char *details;     /* flag descriptions and notes */
	unsigned marks;          /* MARK_* */
} command;

#define MARK_WRITES 1u  /* writes a file (listed as such in the help) */
#define MARK_EXT 2u     /* a libbaton extension: not in the Go SDK's tool */
#define MARK_HIDDEN 4u  /* hidden from the command list, as in the Go tool */

static const command commands[] = {
	{"resource-types", NULL, cmd_resource_types, F(FLAG_SYNC_ID),
	 "List resource types",
	 "resource-types [--sync-id ID]",
	 "  --sync-id ID            read this sync (default: the latest finished sync)\n"
	 "\nConsole columns: ID, Display Name, Traits. JSON: baton.v1.ResourceTypeListOutput.\n", 0},
	{"resources", NULL, cmd_resources, F(FLAG_SYNC_ID) | F(FLAG_RESOURCE_TYPE),
	 "List resources",
	 "resources [-t TYPE] [--sync-id ID]",
	 "  -t, --resource-type TYPE  only resources of this resource type\n"
	 "  --sync-id ID              read this sync (default: the latest finished sync)\n"
	 "\nConsole columns: ID, Display Name, Resource Type, Parent Resource.\n"
	 "JSON: baton.v1.ResourceListOutput.\n", 0},
	{"entitlements", NULL, cmd_entitlements, F(FLAG_SYNC_ID) | F(FLAG_RESOURCE_TYPE) | F(FLAG_RESOURCE),
	 "List entitlements",
	 "entitlements [-t TYPE [-r ID]] [--sync-id ID]",
	 "  -t, --resource-type TYPE  only entitlements on resources of this type\n"
	 "  -r, --resource ID         only entitlements on this resource (needs -t; libbaton\n"
	 "                            extension)\n"
	 "  --sync-id ID              read this sync (default: the latest finished sync)\n"
	 "\nConsole columns: ID, Display Name, Resource Type, Resource, Permission.\n"
	 "JSON: baton.v1.EntitlementListOutput.\n", 0},
	{"grants", NULL, cmd_grants,
	 F(FLAG_SYNC_ID) | F(FLAG_RESOURCE_TYPE) | F(FLAG_RESOURCE) | F(FLAG_ENTITLEMENT),
	 "List grants",
	 "grants [-t TYPE [-r ID] | -e ENTITLEMENT] [--sync-id ID]",
	 "  -t, --resource-type TYPE  grants on resources of this type\n"
	 "  -r, --resource ID         grants on this resource (needs -t)\n"
	 "  -e, --entitlement ID      grants of this entitlement (not with -r)\n"
	 "  --sync-id ID              read this sync (default: the latest finished sync)\n"
	 "\nConsole columns: ID, Resource Type, Resource, Entitlement, Principal.\n"
	 "JSON: baton.v1.GrantListOutput.\n", 0},
	{"principals", NULL, cmd_principals,
	 F(FLAG_SYNC_ID) | F(FLAG_RESOURCE_TYPE) | F(FLAG_RESOURCE) | F(FLAG_ENTITLEMENT),
	 "List the principals that hold grants",
	 "principals [-t TYPE -r ID | -e ENTITLEMENT] [--sync-id ID]",
	 "  -t, --resource-type TYPE  with -r: principals with grants on that resource\n"
	 "  -r, --resource ID         (needs -t; not with -e)\n"
	 "  -e, --entitlement ID      principals granted this entitlement\n"
	 "  --sync-id ID              read this sync (default: the latest finished sync)\n"
	 "\nEach principal is listed once. Output as for `resources`.\n", 0},
	{"access", NULL, cmd_access,
	 F(FLAG_SYNC_ID) | F(FLAG_RESOURCE_TYPE) | F(FLAG_RESOURCE) | F(FLAG_WITH_EXPANSION),
	 "Show the effective access of a principal",
	 "access -t TYPE -r ID [--sync-id ID] [--with-expansion]",
	 "  -t, --resource-type TYPE  the principal's resource type\n"
	 "  -r, --resource ID         the principal's id\n"
	 "  --sync-id ID              read this sync (default: the latest finished sync; libbaton\n"
	 "                            extension)\n"
	 "  --with-expansion          also list what grant expansion would add when the sync has not\n"
	 "                            been expanded yet (each entitlement once; libbaton extension)\n"
	 "\nLists the entitlements of the principal's stored grants (direct and expanded), one per\n"
	 "grant, grouped by resource, as the Go tool does. JSON: baton.v1.ResourceAccessListOutput.\n", 0},
	{"syncs", NULL, cmd_syncs, 0,
	 "List the sync runs in the file",
	 "syncs",
	 "\nIn the file's order, i.e. the order the runs were created in (as the Go tool lists them;\n"
	 "not sorted by start or end time: a run created later may have started earlier).\n"
	 "Console columns: ID, Started At, Ended At, Type, Parent ID, Token.\n"
	 "JSON: baton.v1.SyncListOutput.\n", 0},
	{"stats", NULL, cmd_stats, F(FLAG_SYNC_ID),
	 "Show row counts of the latest finished sync",
	 "stats [--sync-id ID]",
	 "  --sync-id ID   count this sync instead, finished or not (libbaton extension)\n"
	 "\nJSON: c1.reader.v2.SyncRun with its stats.\n", 0},
	{"diff", NULL, cmd_diff, F(FLAG_SYNC_ID) | F(FLAG_BASE_SYNC_ID) | F(FLAG_AGAINST),
	 "Compare two syncs: created, deleted and modified rows",
	 "diff [--sync-id NEW] [--base-sync-id OLD] [--against OLD_FILE]",
	 "  (the flags are libbaton extensions: the Go tool compares the two latest full syncs)\n"
	 "  --sync-id NEW        the newer sync (default: the latest finished full sync of -f)\n"
	 "  --base-sync-id OLD   the older sync (default: the finished full sync before NEW)\n"
	 "  --against OLD_FILE   take the older sync from this c1z instead of -f (default there:\n"
	 "                       its latest finished full sync)\n"
	 "\nResources are matched by type and id, entitlements and grants by id; a row is modified\n"
	 "when its serialized form differs. Always prints JSON (baton.v1.C1ZDiffOutput), as the Go\n"
	 "tool does.\n", 0},
	{"export", "json", cmd_export_json, F(FLAG_OUT) | F(FLAG_SYNC_ID),
	 "Write every row of a sync as protojson",
	 "export json [--out PATH] [--sync-id ID]",
	 "  --out PATH     where to write (default ./sync.json)\n"
	 "  --sync-id ID   export this sync (default: the latest finished sync)\n"
	 "\nWrites one JSON object: {\"syncId\", \"resourceTypes\", \"resources\", \"entitlements\",\n"
	 "\"grants\"}, each list holding the c1.connector.v2 messages as protojson.\n", MARK_WRITES | MARK_EXT},
	{"expand", NULL, cmd_expand, F(FLAG_SYNC_ID) | F(FLAG_OUTPUT_PATH),
	 "Run the grant-expansion step of a sync",
	 "expand [--output PATH] [--sync-id ID]",
	 "  --output PATH  write the expanded file here and leave -f as it is (default: expand -f in\n"
	 "                 place, replacing it atomically; refused while a connector's sync of -f\n"
	 "                 is unfinished, i.e. <file>.wip/ exists)\n"
	 "  --sync-id ID   expand this sync (default: the newest sync stopped at its grant-expansion\n"
	 "                 step, else the newest finished sync with grants to expand)\n"
	 "\nFollows GrantExpandable annotations as the syncer does: cycles collapsed, no depth limit.\n"
	 "A sync stopped at expansion is finished afterwards; the sync is marked supports_diff, as\n"
	 "the Go syncer marks it (Go's rollback-expansion needs it). A finished sync expanded already\n"
	 "(some grant carries expansion sources: by the Go SDK, or by us) is left alone, so running\n"
	 "it again changes nothing.\n", MARK_WRITES | MARK_EXT},
	{"explorer", NULL, cmd_explorer, F(FLAG_SYNC_ID) | F(FLAG_RESOURCE_TYPE) | F(FLAG_PORT) | F(FLAG_HOST),
	 "Serve a local web page to explore the file: who has access, and why",
	 "explorer [-p PORT] [--host HOST] [-t TYPE] [--sync-id ID]",
	 "  -p, --port PORT           port to listen on (default 8080; 0 picks a free one)\n"
	 "  --host HOST               address to listen on (default 127.0.0.1); the server has no\n"
	 "                            authentication: a non-loopback address prints a warning\n"
	 "  -t, --resource-type TYPE  resources listed by default (/api/resources without a type)\n"
	 "  --sync-id ID              read this sync (default: the latest finished sync)\n"
	 "\nOpens the file read-only, prints the URL and serves until SIGINT/SIGTERM. The page and its\n"
	 "JSON API (/api/..., as the Go explorer's) are described in docs/baton-tool.md.\n", 0},
	{"export", "csv", cmd_export_csv, F(FLAG_OUT),
	 "Write identities, entitlements and grants as CSV",
	 "export csv [--out PATH]",
	 "  --out PATH     where to write (default ./sync.csv)\n"
	 "\nColumns: Type, Last Name, First Name, User ID, User Status, Email Address, Entitlement\n"
	 "Display Name, Entitlement, Resource Type, Resource Name, Entitlement Description,\n"
	 "Entitlement Slug. Rows: Identity (users), Entitlement, Grant (grants to users).\n", MARK_WRITES},
	{"principals", "compare", cmd_principals_compare,
	 F(FLAG_ENTITLEMENT) | F(FLAG_COMPARE_FILE) | F(FLAG_COMPARE_ENTITLEMENT),
	 "Compare the principals of two entitlements, possibly in different files",
	 "principals compare -e ENTITLEMENT --compare-entitlement ID [--compare-file PATH]",
	 "  -e, --entitlement ID        the base entitlement (in -f)\n"
	 "  --compare-entitlement ID    the entitlement to compare with (in --compare-file)\n"
	 "  --compare-file PATH         the c1z holding it (default sync.c1z)\n"
	 "\nRelative to the base: \"missing\" principals have no match among the compared ones,\n"
	 "\"extra\" compared principals match no base one. Principals match when they are the same\n"
	 "resource, else (both users) share an email address, else have the same display name.\n"
	 "JSON: baton.v1.PrincipalsCompareOutput {missing, extra, base, compared}.\n", 0},
	{"recalculate-stats", NULL, cmd_recalculate_stats, F(FLAG_SYNC_ID),
	 "Recalculate and persist the cached stats for a c1z",
	 "recalculate-stats [--sync-id ID]",
	 "  --sync-id ID   only this sync (default: every finished sync)\n"
	 "\nRewrites -f in place (atomically; refused while <file>.wip/ exists).\n", MARK_WRITES},
	{"export", "xlsx", cmd_export_xlsx, F(FLAG_OUT),
	 "Export XLSX for upload",
	 "export xlsx [--out PATH]",
	 "  --out PATH     where to write (default ./sync.xlsx)\n"
	 "\nThe rows and columns of `export csv`, in the sheet \"Sheet1\".\n", MARK_WRITES},
	{"export", "c1z", cmd_export_c1z, F(FLAG_OUT) | F(FLAG_SYNC_ID),
	 "Export one finished sync to its own c1z",
	 "export c1z [--out PATH] [--sync-id ID]",
	 "  --out PATH     the new file (default ./latest.c1z; must not exist)\n"
	 "  --sync-id ID   the sync to export (default: the latest finished full sync)\n", MARK_WRITES},
	{"rollback-expansion", NULL, cmd_rollback_expansion,
	 F(FLAG_SYNC_ID) | F(FLAG_OUT) | F(FLAG_DRY_RUN) | F(FLAG_REPLAY) | F(FLAG_PRESERVE_SUSPECT) | F(FLAG_VALIDATE),
	 "Roll back grant expansion in a c1z so it can be replayed",
	 "rollback-expansion (--out PATH | --dry-run) [--sync-id ID] [--preserve-suspect-grants] [--replay [--validate]]",
	 "  --sync-id ID               the sync (default: the latest finished sync)\n"
	 "  --out PATH                 the new rolled-back c1z (must not exist; the input is never modified)\n"
	 "  --dry-run                  report what would change without modifying anything\n"
	 "  --preserve-suspect-grants  keep suspect connector-sourced grants instead of deleting them\n"
	 "  --replay                   re-run grant expansion over the output (recommended)\n"
	 "  --validate                 with --replay: fail (and write nothing) if any grant's sources\n"
	 "                             differ before the rollback and after the replay\n"
	 "\nClassifies the sync's grants as the Go tool does: a grant with sources but none from its\n"
	 "own entitlement was made by expansion and is deleted (suspect when it lacks GrantImmutable);\n"
	 "one with its own source has its sources cleared. The output holds only that sync, its token\n"
	 "marked for expansion and its stats dropped.\n", MARK_WRITES},
	{"sanitize", NULL, cmd_sanitize,
	 F(FLAG_OUT) | F(FLAG_OUT_ENGINE) | F(FLAG_SECRET_FILE) | F(FLAG_ANCHOR) | F(FLAG_ALLOW_UNKNOWN),
	 "Write an identity-stripped copy of a c1z whose graph topology and cardinalities are preserved",
	 "sanitize --out PATH [--secret-file PATH] [--anchor TIME] [--allow-unknown-annotations] [--out-engine sqlite]",
	 "  --out PATH                   the sanitized c1z (required; must not exist; -f is never modified)\n"
	 "  --secret-file PATH           the HMAC secret (at least 32 bytes, used as they are); default: 32\n"
	 "                               fresh random bytes written to <--out>.secret (mode 0600, never\n"
	 "                               over an existing file): archive it for reversibility\n"
	 "  --anchor TIME                RFC 3339 time the newest source timestamp lands on (default: now)\n"
	 "  --allow-unknown-annotations  pass annotations of unknown type through unchanged instead of\n"
	 "                               dropping them (dangerous on real customer data)\n"
	 "  --out-engine ENGINE          sqlite (the default, as the source's); pebble is refused: libbaton\n"
	 "                               writes v1 (SQLite) c1z files only\n"
	 "\nEvery sync is copied to a new sync (new id, same type, parent mapped) with ids, names,\n"
	 "descriptions, logins, emails (dom-<id>.example domains) and profile strings replaced by keyed\n"
	 "HMAC-SHA256 values, URLs by https://redacted.example, resource-type ids kept, and timestamps\n"
	 "shifted so that the newest lands on --anchor. Annotations: the trait, expansion, immutable,\n"
	 "external-link and child-type ones are rebuilt the same way; others are dropped. Assets get\n"
	 "placeholder bytes. With the same secret and anchor the rows are those the Go tool writes.\n",
	 MARK_WRITES},
	{"dump-db", NULL, cmd_dump_db, F(FLAG_OUT),
	 "Dump the underlying database for the c1z provided",
	 "dump-db [--out PATH]",
	 "  --out PATH     where to write the SQLite database (default ./sync.db)\n", MARK_WRITES | MARK_HIDDEN},
	{"optimize", NULL, cmd_optimize, 0,
	 "Optimize the c1z file. This may result in a reduction in filesize.",
	 "optimize",
	 "\nVACUUMs the database and rewrites -f in place (atomically; refused while <file>.wip/\n"
	 "exists).\n", MARK_WRITES | MARK_HIDDEN},
	{"to-pebble", NULL, cmd_to_pebble, F(FLAG_OUT) | F(FLAG_SYNC_ID) | F(FLAG_BATCH_SIZE) | F(FLAG_TMP_DIR),
	 "Convert a SQLite c1z file to Pebble (not supported by libbaton)",
	 "to-pebble [--out PATH] [--sync-id ID] [--batch-size N] [--tmp-dir DIR]",
	 "  (the Go tool's flags, accepted so that any invocation gets the same answer)\n"
	 "\nNot supported: libbaton reads and writes v1 (SQLite) c1z files only. Always fails.\n", 0},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void vfail(const char *fmt, va_list ap) BATON_PRINTF(1, 0);
static void vfail(const char *fmt, va_list ap)
{
	fputs("baton: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int tool_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(fmt, ap);
	va_end(ap);
	return TOOL_EXIT_FAIL;
}

int tool_usage_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(fmt, ap);
	va_end(ap);
	return TOOL_EXIT_USAGE;
}

int tool_fail_last(void)
{
	const baton_error *e = baton_error_last();
	return tool_fail("%s", e->message[0] ? e->message : baton_error_code_name(e->code));
}

static void print_flag_line(FILE *out, const char *left, const char *right)
{
	fprintf(out, "  %-26s%s\n", left, right);
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: baton [-f FILE] [-o console|json] <command> [flags]\n"
	        "\n"
	        "Look into c1z files written by Baton connectors. Commands marked [writes] write files:\n"
	        "`expand`, `optimize` and `recalculate-stats` rewrite -f (atomically); the `export`\n"
	        "commands, `sanitize` and `dump-db` write --out and leave -f as it is. The others only read.\n"
	        "Commands marked [ext] are libbaton extensions, not in the Go SDK's baton tool.\n"
	        "\n"
	        "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char name[64];
		if (commands[i].marks & MARK_HIDDEN)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", commands[i].word1, commands[i].word2 ? " " : "",
		         commands[i].word2 ? commands[i].word2 : "");
		fprintf(out, "  %-20s%s%s%s\n", name, commands[i].summary,
		        commands[i].marks & MARK_WRITES ? " [writes]" : "",
		        commands[i].marks & MARK_EXT ? " [ext]" : "");
	}
	fprintf(out, "  %-20s%s\n", "version", "Print the version [ext]");
	fprintf(out, "\nHidden, as in the Go tool: dump-db, optimize [writes].\n");
	fprintf(out, "\nGlobal flags:\n");
	print_flag_line(out, "-f, --file PATH", "the c1z file to work with (default sync.c1z)");
	print_flag_line(out, "-o, --output-format FMT", "console (default) or json");
	print_flag_line(out, "-h, --help", "help for baton or for a command");
	print_flag_line(out, "--version", "print the version");
	fprintf(out, "\nRun `baton <command> --help` for a command's flags.\n");
}

static void command_help(FILE *out, const command *c)
{
	fprintf(out, "%s%s%s\n\nUsage: baton [-f FILE] [-o console|json] %s\n\nFlags:\n%s", c->summary,
	        c->marks & MARK_WRITES ? " [writes]" : "", c->marks & MARK_EXT ? " [libbaton extension]" : "",
	        c->usage, c->details);
	fprintf(out, "\nGlobal flags:\n");
	print_flag_line(out, "-f, --file PATH", "the c1z file to work with (default sync.c1z)");
	print_flag_line(out, "-o, --output-format FMT", "console (default) or json");
}

static const command *find_command(const tool_args *a, size_t *used)
{
	/* Two-word commands first: "principals compare" is not "principals" with an argument. */
	for (size_t i = 0; i < N_COMMANDS && a->n_words >= 2; i++) {
		const command *c = &commands[i];
		if (c->word2 && strcmp(a->words[0], c->word1) == 0 && strcmp(a->words[1], c->word2) == 0) {
			*used = 2;
			return c;
		}
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const command *c = &commands[i];
		if (a->n_words >= 1 && !c->word2 && strcmp(a->words[0], c->word1) == 0) {
			*used = 1;
			return c;
		}
	}
	return NULL;
}

static bool group_exists(const char *word)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (commands[i].word2 && strcmp(commands[i].word1, word) == 0)
			return true;
	}
	return false;
}

static void group_help(FILE *out, const char *word)
{
	fprintf(out, "Usage: baton %s <kind> [flags]\n\nKinds:\n", word);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (commands[i].word2 && strcmp(commands[i].word1, word) == 0)
			fprintf(out, "  %-10s%s\n", commands[i].word2, commands[i].summary);
	}
}

static int check_flags(const tool_args *a, const command *c)
{
	unsigned allowed = GLOBAL_FLAGS | c->flags;
	for (unsigned i = 0; i < FLAG_COUNT; i++) {
		if (!a->given[i] || (allowed & F(i)))
			continue;
		const tool_flag_def *f = tool_flag_get((tool_flag_id)i);
		return tool_usage_fail("unknown flag: --%s for \"%s%s%s\" (see baton %s%s%s --help)", f->name,
		                       c->word1, c->word2 ? " " : "", c->word2 ? c->word2 : "", c->word1,
		                       c->word2 ? " " : "", c->word2 ? c->word2 : "");
	}
	return 0;
}

/* ---- opening ----------------------------------------------------------------------------- */

int tool_open_path(const char *path, baton_store **out)
{
	struct stat st;
	baton_store_options opts = BATON_STORE_OPTIONS_INIT;

	if (stat(path, &st) != 0)
		return baton_error_set(errno == ENOENT ? BATON_ENOTFOUND : BATON_EUNAVAILABLE, "%s: %s",
		                       path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return baton_error_set(BATON_EINVALID, "%s: is a directory, not a c1z file", path);
	if (!S_ISREG(st.st_mode)) /* a FIFO, a device, a socket: never read as an (empty) c1z */
		return baton_error_set(BATON_EINVALID, "%s: is %s, not a c1z file", path,
		                       S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)
		                                                            ? "a device" : "not a regular file");
	if (st.st_size == 0)
		return baton_error_set(BATON_EINVALID, "%s: empty file, not a c1z file", path);
	opts.read_only = true;
	int rc = baton_store_open(path, &opts, out);
	if (rc == 0)
		tool_test_pause();
	return rc;
}

int tool_open(tool *t, bool use_sync_flag)
{
	baton_ctx *ctx;
	baton_sync_run run;
	int rc;

	if (tool_open_path(t->file, &t->store) < 0)
		return tool_fail_last();
	if ((rc = baton_ctx_new(&ctx)) < 0)
		return tool_fail_last();
	if (use_sync_flag && t->args.given[FLAG_SYNC_ID]) {
		const char *id = t->args.value[FLAG_SYNC_ID];
		rc = baton_store_sync_get(t->store, id, ctx, &run);
		if (rc == BATON_ENOTFOUND)
			rc = baton_error_set(rc, "%s: no sync with id \"%s\" (see baton syncs)", t->file, id);
	} else {
		rc = baton_store_sync_latest_finished(t->store, BATON_SYNC_TYPE_ANY, ctx, &run);
		if (rc == BATON_ENOTFOUND) {
			/* Nothing finished: leave the choice to the store's fallbacks. */
			baton_ctx_free(ctx);
			baton_error_clear();
			t->sync_id[0] = '\0';
			return 0;
		}
	}
	if (rc == 0) {
		snprintf(t->sync_id, sizeof(t->sync_id), "%s", run.id);
		rc = baton_store_sync_set_current(t->store, run.id);
	}
	baton_ctx_free(ctx);
	return rc < 0 ? tool_fail_last() : 0;
}

const char *tool_query_sync(const tool *t)
{
	return t->sync_id[0] ? t->sync_id : NULL;
}

int main(int argc, char **argv)
{
	tool t;
	size_t used = 0;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = tool_args_parse(argc, argv, &t.args)) != 0)
		return rc;
	tool_args *a = &t.args;

	if (a->given[FLAG_VERSION] || (a->n_words == 1 && strcmp(a->words[0], "version") == 0)) {
		printf("baton (libbaton) %s\n", baton_version());
		return TOOL_EXIT_OK;
	}
	if (a->n_words == 0) {
		if (a->given[FLAG_HELP]) {
			usage(stdout);
			return TOOL_EXIT_OK;
		}
		usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(a->words[0], "help") == 0) {
		if (a->n_words == 1) {
			usage(stdout);
			return TOOL_EXIT_OK;
		}
		tool_args sub = *a;
		memmove(sub.words, sub.words + 1, (sub.n_words - 1) * sizeof(sub.words[0]));
		sub.n_words--;
		const command *c = find_command(&sub, &used);
		if (c) {
			command_help(stdout, c);
			return TOOL_EXIT_OK;
		}
		if (group_exists(sub.words[0])) {
			group_help(stdout, sub.words[0]);
			return TOOL_EXIT_OK;
		}
		return tool_usage_fail("unknown command \"%s\" (see baton --help)", sub.words[0]);
	}

	const command *c = find_command(a, &used);
	if (!c) {
		if (group_exists(a->words[0])) {
			if (a->given[FLAG_HELP] && a->n_words == 1) {
				group_help(stdout, a->words[0]);
				return TOOL_EXIT_OK;
			}
			if (a->n_words == 1) {
				group_help(stderr, a->words[0]);
				return TOOL_EXIT_USAGE;
			}
			return tool_usage_fail("unknown command \"%s %s\" (see baton %s --help)", a->words[0],
			                       a->words[1], a->words[0]);
		}
		return tool_usage_fail("unknown command \"%s\" (see baton --help)", a->words[0]);
	}
	if (a->given[FLAG_HELP]) {
		command_help(stdout, c);
		return TOOL_EXIT_OK;
	}
	if (a->n_words > used || a->extra)
		return tool_usage_fail("unexpected argument \"%s\" for \"%s\"",
		                       a->n_words > used ? a->words[used] : a->extra, c->word1);
	if ((rc = check_flags(a, c)) != 0)
		return rc;

	t.file = a->given[FLAG_FILE] ? a->value[FLAG_FILE] : "sync.c1z";
	if (!t.file[0])
		return tool_usage_fail("flag -f/--file needs a non-empty path");
	if (a->given[FLAG_OUTPUT]) {
		const char *fmt = a->value[FLAG_OUTPUT];
		if (strcmp(fmt, "json") == 0)
			t.format = FORMAT_JSON;
		else if (strcmp(fmt, "console") == 0)
			t.format = FORMAT_CONSOLE;
		else
			return tool_usage_fail("unknown output format \"%s\" (use console or json)", fmt);
	}

	baton_arena_init(&t.arena);
	/* explorer takes SIGINT/SIGTERM itself (and stops cleanly); the others end on them, without
	 * leaving their working copies (signals.c) */
	bool private_tmp = c->run != cmd_explorer;
	if (private_tmp)
		tool_signals_begin();
	rc = c->run(&t);
	lookup_free(t.lk);
	if (t.store)
		baton_store_discard(t.store);
	if (private_tmp)
		tool_signals_end();
	baton_arena_release(&t.arena);
	pb_cleanup();
	if (fflush(stdout) != 0 && rc == 0)
		rc = tool_fail("cannot write to standard output");
	return rc;
}
