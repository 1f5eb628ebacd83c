/* Helpers shared by the baton-demo tests (see demo_testutil.h). */
#include "demo_testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "testutil.h"
#include "c1z_raw.h"
#include "baton.h"
#include "baton/store.h"

void demo_setenv_kv(const char *kv)
{
	const char *eq = strchr(kv, '=');
	char name[128];

	if (eq == NULL || (size_t)(eq - kv) >= sizeof(name))
		return;
	memcpy(name, kv, (size_t)(eq - kv));
	name[eq - kv] = '\0';
	setenv(name, eq + 1, 1);
}

int demo_run(const char *bin, const char *c1z, const char *const *env, const char *stderr_path)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY);
		int err = open(stderr_path ? stderr_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		size_t i;

		if (out < 0 || err < 0)
			_exit(126);
		dup2(out, 1);
		dup2(err, 2);
		for (i = 0; env != NULL && env[i] != NULL; i++)
			demo_setenv_kv(env[i]);
		execl(bin, bin, "-f", c1z, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

const char *demo_status_str(int status)
{
	static char buf[64];

	if (status == -1)
		snprintf(buf, sizeof(buf), "not started");
	else if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "signal %d", WTERMSIG(status));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

const char *const *demo_param_env(const demo_params *p)
{
	static char vars[7][64];
	static const char *env[8];

	snprintf(vars[0], sizeof(vars[0]), "BATON_DEMO_USERS=%zu", p->users);
	snprintf(vars[1], sizeof(vars[1]), "BATON_DEMO_GROUPS=%zu", p->groups);
	snprintf(vars[2], sizeof(vars[2]), "BATON_DEMO_ROLES=%zu", p->roles);
	snprintf(vars[3], sizeof(vars[3]), "BATON_DEMO_WORKSPACES=%zu", p->workspaces);
	snprintf(vars[4], sizeof(vars[4]), "BATON_DEMO_PROJECTS=%zu", p->projects);
	snprintf(vars[5], sizeof(vars[5]), "BATON_DEMO_SEED=%llu", (unsigned long long)p->seed);
	snprintf(vars[6], sizeof(vars[6]), "BATON_DEMO_PAGE_SIZE=%u", p->page_size);
	for (int i = 0; i < 7; i++)
		env[i] = vars[i];
	env[7] = NULL;
	return env;
}

/* ------------------------------------------------------------------------------------------ */
/* Expected grants after expansion                                                             */

static char *ent_id(demo_model *m, demo_kind kind, size_t idx, unsigned int ent)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s:%s:%s", demo_kind_id(kind), m->objs[kind][idx].id,
	         demo_entitlements(kind)[ent]);
	return strdup(buf);
}

static char *principal_key(demo_model *m, demo_ref p)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s:%s", demo_kind_id(p.kind), m->objs[p.kind][p.idx].id);
	return strdup(buf);
}

/* Every principal holding group g's `member`, directly or through nested groups: {key: true}. */
static json_t *member_closure(demo_model *m, size_t g, json_t **memo)
{
	demo_obj *o = &m->objs[DEMO_GROUP][g];
	json_t *set;
	size_t i;

	if (memo[g] != NULL)
		return memo[g];
	set = json_object();
	for (i = 0; i < o->n_grants; i++) {
		if (o->grants[i].ent != 0)
			continue;
		char *k = principal_key(m, o->grants[i].principal);
		json_object_set_new(set, k, json_true());
		free(k);
		if (o->grants[i].principal.kind == DEMO_GROUP)
			json_object_update(set, member_closure(m, o->grants[i].principal.idx, memo));
	}
	memo[g] = set;
	return set;
}

json_t *demo_expected_grants(demo_model *m)
{
	json_t *want = json_object();
	json_t **memo = calloc(m->n[DEMO_GROUP] + 1, sizeof(*memo));
	int k;
	size_t i, j;

	assert_non_null(memo);
	for (k = 0; k < DEMO_N_KINDS; k++) {
		for (i = 0; i < m->n[k]; i++) {
			demo_obj *o = &m->objs[k][i];
			if (o->deleted)
				continue;
			for (j = 0; j < o->n_grants; j++) {
				char *e = ent_id(m, (demo_kind)k, i, o->grants[j].ent);
				char *p = principal_key(m, o->grants[j].principal);
				char id[1200];
				snprintf(id, sizeof(id), "%s:%s", e, p);
				if (json_object_get(want, id) == NULL)
					json_object_set_new(want, id, json_object());
				free(e);
				free(p);
			}
		}
	}
	/* contributions: a grant of E to group H gives E to everyone holding group:H:member */
	for (k = 0; k < DEMO_N_KINDS; k++) {
		for (i = 0; i < m->n[k]; i++) {
			demo_obj *o = &m->objs[k][i];
			if (o->deleted)
				continue;
			for (j = 0; j < o->n_grants; j++) {
				demo_ref h = o->grants[j].principal;
				const char *pk;
				json_t *v;
				char src[512];
				char *e;

				if (h.kind != DEMO_GROUP)
					continue;
				e = ent_id(m, (demo_kind)k, i, o->grants[j].ent);
				snprintf(src, sizeof(src), "group:%s:member", m->objs[DEMO_GROUP][h.idx].id);
				json_object_foreach(member_closure(m, h.idx, memo), pk, v) {
					char id[1200];
					json_t *sources;
					snprintf(id, sizeof(id), "%s:%s", e, pk);
					sources = json_object_get(want, id);
					if (sources == NULL) {
						sources = json_object();
						json_object_set_new(want, id, sources);
					} else if (json_object_size(sources) == 0) {
						/* a direct grant that is also expanded into lists itself */
						json_object_set_new(sources, e, json_true());
					}
					json_object_set_new(sources, src, json_true());
				}
				free(e);
			}
		}
	}
	for (i = 0; i < m->n[DEMO_GROUP]; i++)
		json_decref(memo[i]);
	free(memo);
	return want;
}

/* ------------------------------------------------------------------------------------------ */
/* Content of a c1z                                                                            */

static const char *const content_tables[4] = {"v1_resource_types", "v1_resources", "v1_entitlements",
                                              "v1_grants"};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void demo_content_read(const char *path, demo_content *out)
{
	c1z_raw *raw = c1z_raw_open(path);
	sqlite3 *db = c1z_raw_db(raw);
	size_t cap = 0;
	int t;

	memset(out, 0, sizeof(*out));
	for (t = 0; t < 4; t++) {
		char sql[128];
		sqlite3_stmt *st;

		snprintf(sql, sizeof(sql), "SELECT external_id, data FROM %s", content_tables[t]);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", path, sqlite3_errmsg(db));
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const uint8_t *data = sqlite3_column_blob(st, 1);
			size_t len = (size_t)sqlite3_column_bytes(st, 1), tl = strlen(content_tables[t]);
			size_t il = id ? strlen(id) : 0, i;
			char *row = malloc(tl + il + 2 * len + 3);

			assert_non_null(row);
			memcpy(row, content_tables[t], tl);
			row[tl] = '\t';
			memcpy(row + tl + 1, id ? id : "", il);
			row[tl + 1 + il] = '\t';
			for (i = 0; i < len; i++)
				sprintf(row + tl + il + 2 + 2 * i, "%02x", data[i]);
			row[tl + il + 2 + 2 * len] = '\0';
			if (out->n_rows == cap) {
				cap = cap ? cap * 2 : 1024;
				out->rows = realloc(out->rows, cap * sizeof(*out->rows));
				assert_non_null(out->rows);
			}
			out->rows[out->n_rows++] = row;
			out->per_table[t]++;
		}
		sqlite3_finalize(st);
	}
	{
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, "SELECT count(*) FILTER (WHERE ended_at IS NOT NULL), "
		                           "count(*) FILTER (WHERE ended_at IS NULL) FROM v1_sync_runs",
		                       -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", path, sqlite3_errmsg(db));
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		out->syncs_finished = sqlite3_column_int64(st, 0);
		out->syncs_unfinished = sqlite3_column_int64(st, 1);
		sqlite3_finalize(st);
	}
	c1z_raw_close(raw);
	qsort(out->rows, out->n_rows, sizeof(*out->rows), cmp_str);
}

void demo_content_free(demo_content *c)
{
	size_t i;

	for (i = 0; i < c->n_rows; i++)
		free(c->rows[i]);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

/* The first 160 characters of a row, for messages. */
static const char *row_head(const char *row)
{
	static char buf[2][168];
	static int n;
	char *b = buf[n++ & 1];

	snprintf(b, 168, "%.160s", row);
	return b;
}

int demo_content_compare(const demo_content *want, const demo_content *got, char *msg, size_t msg_size)
{
	size_t i = 0, j = 0, used = 0, shown = 0;
	int t, diff = 0;

	msg[0] = '\0';
#define ADD(...) do { if (used < msg_size) used += (size_t)snprintf(msg + used, msg_size - used, __VA_ARGS__); } while (0)
	if (want->syncs_finished != got->syncs_finished || want->syncs_unfinished != got->syncs_unfinished) {
		ADD("syncs finished/unfinished: want %lld/%lld, got %lld/%lld; ",
		    (long long)want->syncs_finished, (long long)want->syncs_unfinished,
		    (long long)got->syncs_finished, (long long)got->syncs_unfinished);
		diff = 1;
	}
	for (t = 0; t < 4; t++) {
		if (want->per_table[t] != got->per_table[t]) {
			ADD("%s: want %zu rows, got %zu; ", content_tables[t], want->per_table[t], got->per_table[t]);
			diff = 1;
		}
	}
	while (i < want->n_rows || j < got->n_rows) {
		int c = i == want->n_rows ? 1 : j == got->n_rows ? -1 : strcmp(want->rows[i], got->rows[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		diff = 1;
		if (shown++ < 4)
			ADD("%s %s; ", c < 0 ? "missing" : "extra", row_head(c < 0 ? want->rows[i] : got->rows[j]));
		if (c < 0)
			i++;
		else
			j++;
	}
#undef ADD
	return diff;
}

int demo_wip_unfinished(const char *c1z, char *id, size_t id_size, long long *completed, char *msg,
                        size_t msg_size)
{
	char db[4200];
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	snprintf(db, sizeof(db), "%s.wip/db", c1z);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT sync_id, sync_token FROM v1_sync_runs WHERE ended_at IS NULL", -1, &st,
	                       NULL) != SQLITE_OK) {
		snprintf(msg, msg_size, "%s: %s", db, h ? sqlite3_errmsg(h) : "cannot open");
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(msg, msg_size, "%s holds no unfinished sync", db);
		goto out;
	}
	snprintf(id, id_size, "%s", (const char *)sqlite3_column_text(st, 0));
	const char *tok = (const char *)sqlite3_column_text(st, 1);
	json_error_t err;
	json_t *j = tok ? json_loads(tok, 0, &err) : NULL;
	if (!j) {
		snprintf(msg, msg_size, "the unfinished sync in %s has no checkpoint token", db);
		goto out;
	}
	*completed = json_integer_value(json_object_get(j, "completed_actions_count"));
	json_decref(j);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(msg, msg_size, "more than one unfinished sync in %s", db);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

int demo_latest_finished(const char *c1z, char *id, size_t id_size, char *msg, size_t msg_size)
{
	baton_store *s;
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	if (baton_store_open(c1z, &o, &s)) {
		snprintf(msg, msg_size, "open %s: %s", c1z, baton_error_last()->message);
		return -1;
	}
	baton_ctx *ctx;
	int rc = baton_ctx_new(&ctx);
	baton_sync_run run;
	if (!rc)
		rc = baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run);
	if (rc)
		snprintf(msg, msg_size, "no finished sync in %s", c1z);
	else
		snprintf(id, id_size, "%s", run.id);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	return rc ? -1 : 0;
}

size_t demo_count_ops(const demo_model *m, const char *verb)
{
	const json_t *ops = demo_model_ops(m);
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(ops); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(ops, i), "op")), verb) == 0)
			n++;
	return n;
}
