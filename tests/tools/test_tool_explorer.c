/*
 * `baton explorer` API tests: starts the built binary (argv[1]) on a free loopback port (-p 0; the
 * URL is read from its first line), asks every endpoint with libcurl and checks the answers
 * against SQLite queries on the decompressed file (c1z_raw, which shares nothing with the store),
 * then the bad requests (one 4xx JSON error each), the flags, SIGTERM (while serving and during
 * start-up), and that the file is left byte for byte.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "testutil.h"
#include "c1z_raw.h"
#include "baton.h"
#include "baton/store.h"

#define EXPANDED "c1z/expansion-small.expanded.c1z"
#define UNEXPANDED "c1z/expansion-small.unexpanded.c1z"

static const char *baton_bin;

/* Servers started and not yet stopped: a failed test leaves its server here, ended at exit. */
static pid_t live[64];

static void remember(pid_t pid, bool add)
{
	for (size_t i = 0; i < 64; i++) {
		if (add ? live[i] == 0 : live[i] == pid) {
			live[i] = add ? pid : 0;
			return;
		}
	}
}

static void kill_live(void)
{
	for (size_t i = 0; i < 64; i++) {
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
		}
	}
}

typedef struct server {
	pid_t pid;
	FILE *out;      /* its stdout (kept open: it prints again when it stops) */
	char url[256];
	char err_path[4096];
} server;

/* Starts `baton -f file explorer -p 0 <extra...>`; fails the test unless it prints its URL. */
static void start(server *sv, const char *file, const char *const *extra)
{
	int fds[2];
	static unsigned seq;
	assert_int_equal(pipe(fds), 0);
	snprintf(sv->err_path, sizeof(sv->err_path), "%s/explorer-%d-%u.err", test_out_dir(), (int)getpid(), seq++);
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[32];
		size_t n = 0;
		argv[n++] = baton_bin;
		argv[n++] = "-f";
		argv[n++] = file;
		argv[n++] = "explorer";
		argv[n++] = "-p";
		argv[n++] = "0";
		for (size_t i = 0; extra && extra[i] && n < 30; i++)
			argv[n++] = extra[i];
		argv[n] = NULL;
		int e = open(sv->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fds[1], 1);
		if (e >= 0)
			dup2(e, 2);
		close(fds[0]);
		execv(baton_bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	sv->pid = pid;
	remember(pid, true);
	FILE *f = fdopen(fds[0], "r");
	char line[1024] = "";
	sv->out = f;
	if (!fgets(line, sizeof(line), f))
		fail_msg("explorer printed nothing (see %s)", sv->err_path);
	const char *u = strstr(line, "http://");
	assert_non_null(u);
	size_t n = strcspn(u, " ");
	assert_true(n < sizeof(sv->url));
	memcpy(sv->url, u, n);
	sv->url[n] = '\0';
	assert_non_null(strstr(line, "loopback only"));
}

/* Sends sig, checks the "stopped" line, returns the exit status (fails after 10 s). */
static int stop(server *sv, int sig)
{
	int status = -1;
	char line[256] = "";
	kill(sv->pid, sig);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(sv->pid, &status, WNOHANG) == sv->pid) {
			remember(sv->pid, false);
			if (sv->out) {
				if (!fgets(line, sizeof(line), sv->out) || !strstr(line, "stopped"))
					fail_msg("no \"stopped\" line after signal %d: \"%s\"", sig, line);
				fclose(sv->out);
				sv->out = NULL;
			}
			if (!WIFEXITED(status))
				fail_msg("explorer ended by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
			return WEXITSTATUS(status);
		}
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	kill(sv->pid, SIGKILL);
	waitpid(sv->pid, &status, 0);
	fail_msg("explorer did not stop on signal %d", sig);
	return -1;
}

typedef struct body {
	char *p;
	size_t len;
} body;

static size_t on_data(char *d, size_t size, size_t n, void *ud)
{
	body *b = ud;
	char *np = realloc(b->p, b->len + size * n + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, d, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* GET <url><path>; the status in *status; the body text (caller frees). */
static char *get_text(const server *sv, const char *path, long *status, const char *method)
{
	char url[2048];
	body b = {NULL, 0};
	snprintf(url, sizeof(url), "%s%s", sv->url, path);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* send dot segments as they are */
	if (method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fail_msg("GET %s: %s", url, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	char *ct = NULL;
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (!ct || !strstr(ct, "application/json"))
		fail_msg("GET %s: content type %s", path, ct ? ct : "(none)");
	curl_easy_cleanup(c);
	return b.p ? b.p : strdup("");
}

/* GET <url><path>; the status in *status; the parsed JSON body (caller frees). */
static json_t *get(const server *sv, const char *path, long *status, const char *method)
{
	char *text = get_text(sv, path, status, method);
	json_t *j = test_json_parse(text);
	free(text);
	return j;
}

/* GET that must answer 200; returns "data" (borrowed from *root, which the caller frees). */
static json_t *get_ok(const server *sv, const char *path, json_t **root)
{
	long status;
	*root = get(sv, path, &status, NULL);
	if (status != 200)
		fail_msg("GET %s: status %ld: %s", path, status, json_string_value(json_object_get(*root, "error")));
	json_t *d = json_object_get(*root, "data");
	assert_non_null(d);
	return d;
}

static size_t arr_len(json_t *o, const char *field)
{
	json_t *a = json_object_get(o, field);
	if (!a)
		return 0; /* omitempty */
	assert_true(json_is_array(a));
	return json_array_size(a);
}

static const char *str_at(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_string_value(v);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_lists(void **state)
{
	(void)state;
	const char *file = test_data_path(EXPANDED);
	c1z_raw *raw = c1z_raw_open(file);
	server sv;
	json_t *root;
	start(&sv, file, NULL);

	json_t *d = get_ok(&sv, "api/info", &root);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "counts"), "grants")),
	                 c1z_raw_count(raw, "v1_grants"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "counts"), "resources")),
	                 c1z_raw_count(raw, "v1_resources"));
	assert_true(json_is_true(json_object_get(d, "read_only")));
	json_decref(root);

	d = get_ok(&sv, "api/resourceTypes", &root);
	assert_int_equal(arr_len(d, "resource_types"), c1z_raw_count(raw, "v1_resource_types"));
	/* encoding/json names (snake_case), enums as numbers */
	json_t *user = NULL;
	for (size_t i = 0; i < arr_len(d, "resource_types"); i++) {
		json_t *rt = json_object_get(json_array_get(json_object_get(d, "resource_types"), i), "resource_type");
		if (strcmp(json_string_value(json_object_get(rt, "id")), "user") == 0)
			user = rt;
	}
	assert_non_null(user);
	assert_string_equal(json_string_value(json_object_get(user, "display_name")), "User");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(user, "traits"), 0)), 1);
	json_decref(root);

	/* Paging through every user, 100 a page: each once, total_count on the first page. */
	int64_t users = c1z_raw_int(raw, "SELECT count(*) FROM v1_resources WHERE resource_type_id = 'user'", NULL, NULL);
	char path[512], token[128] = "";
	size_t seen = 0, pages = 0;
	do {
		snprintf(path, sizeof(path), "api/resources?resource_type_id=user&page_size=100%s%s",
		         token[0] ? "&page_token=" : "", token);
		d = get_ok(&sv, path, &root);
		if (!token[0])
			assert_int_equal(json_integer_value(json_object_get(root, "total_count")), users);
		size_t n = arr_len(d, "resources");
		assert_true(n <= 100);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(str_at(json_array_get(json_object_get(d, "resources"), i), "resource", "id",
			                           "resource_type"), "user");
		seen += n;
		pages++;
		const char *nt = json_string_value(json_object_get(root, "next_page_token"));
		snprintf(token, sizeof(token), "%s", nt ? nt : "");
		json_decref(root);
	} while (token[0] && pages < 100);
	assert_int_equal(seen, users);
	assert_true(pages >= 10);

	/* Without page_size, as Go: the store's largest page (10,000), so every user at once. */
	d = get_ok(&sv, "api/resources?resource_type_id=user", &root);
	assert_int_equal(arr_len(d, "resources"), users);
	assert_null(json_object_get(root, "next_page_token"));
	json_decref(root);

	/* Search: every match contains the text, as many as SQL finds; paged by offset. */
	int64_t want = c1z_raw_int(raw, "SELECT count(*) FROM v1_resources WHERE resource_type_id = 'user' AND "
	                                "external_id LIKE '%user-000020%'", NULL, NULL);
	assert_true(want > 1);
	d = get_ok(&sv, "api/resources?resource_type_id=user&q=USER-000020&page_size=5", &root);
	assert_int_equal(json_integer_value(json_object_get(root, "total_count")), want);
	assert_int_equal(arr_len(d, "resources"), 5);
	assert_string_equal(json_string_value(json_object_get(root, "next_page_token")), "5");
	for (size_t i = 0; i < 5; i++)
		assert_non_null(strstr(str_at(json_array_get(json_object_get(d, "resources"), i), "resource", "id", "resource"),
		                       "user-000020"));
	json_decref(root);
	d = get_ok(&sv, "api/resources?resource_type_id=user&q=user-000020&page_size=5&page_token=5", &root);
	assert_int_equal(arr_len(d, "resources"), (size_t)(want - 5 > 5 ? 5 : want - 5));
	json_decref(root);
	d = get_ok(&sv, "api/resources?q=no-such-thing-anywhere", &root);
	assert_int_equal(arr_len(d, "resources"), 0);
	assert_int_equal(json_integer_value(json_object_get(root, "total_count")), 0);
	json_decref(root);

	/* A resource's entitlements (libbaton filter) and all entitlements paged. */
	d = get_ok(&sv, "api/entitlements?resource_type_id=group&resource_id=group-0000003", &root);
	assert_int_equal(arr_len(d, "entitlements"),
	                 c1z_raw_int(raw, "SELECT count(*) FROM v1_entitlements WHERE resource_type_id='group' AND "
	                                  "resource_id='group-0000003'", NULL, NULL));
	assert_true(arr_len(d, "entitlements") > 0);
	assert_string_equal(str_at(json_array_get(json_object_get(d, "entitlements"), 0), "resource", "display_name", NULL),
	                    "Group 0000003");
	json_decref(root);
	d = get_ok(&sv, "api/entitlements?page_size=1000", &root);
	assert_int_equal(arr_len(d, "entitlements"), c1z_raw_count(raw, "v1_entitlements"));
	json_decref(root);

	/* One resource: Go's ResourceDetailOutput with the profile (primary email of the trait). */
	d = get_ok(&sv, "api/user/user-0000001", &root);
	assert_string_equal(str_at(d, "resource", "display_name", NULL), "User 0000001");
	assert_string_equal(str_at(d, "resource_type", "id", NULL), "user");
	assert_string_equal(str_at(d, "profile", "email", NULL), "user-1@example.com");
	json_decref(root);

	/* principals/group: users granted on each group, as SQL counts them. */
	d = get_ok(&sv, "api/principals/group", &root);
	json_t *list = json_object_get(d, "resources");
	assert_int_equal(json_array_size(list),
	                 c1z_raw_int(raw, "SELECT count(*) FROM v1_resources WHERE resource_type_id='group'", NULL, NULL));
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *o = json_array_get(list, i);
		const char *gid = str_at(o, "resource", "id", "resource");
		assert_int_equal(json_integer_value(json_object_get(o, "userCount")),
		                 c1z_raw_int(raw, "SELECT count(DISTINCT principal_resource_id) FROM v1_grants WHERE "
		                                  "resource_type_id='group' AND resource_id=? AND principal_resource_type_id='user'",
		                             gid, NULL));
	}
	json_decref(root);

	assert_int_equal(stop(&sv, SIGINT), 0);
	c1z_raw_close(raw);
}

static void test_grants_of_resource(void **state)
{
	(void)state;
	const char *file = test_data_path(EXPANDED);
	c1z_raw *raw = c1z_raw_open(file);
	server sv;
	json_t *root;
	start(&sv, file, NULL);

	int64_t principals = c1z_raw_int(raw, "SELECT count(*) FROM (SELECT DISTINCT principal_resource_type_id, "
	                                      "principal_resource_id FROM v1_grants WHERE resource_type_id='project' AND "
	                                      "resource_id='project-0000010')", NULL, NULL);
	int64_t grants = c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE resource_type_id='project' AND "
	                                  "resource_id='project-0000010'", NULL, NULL);
	int64_t groups = c1z_raw_int(raw, "SELECT count(DISTINCT principal_resource_id) FROM v1_grants WHERE "
	                                  "resource_type_id='project' AND resource_id='project-0000010' AND "
	                                  "principal_resource_type_id='group'", NULL, NULL);
	char path[256], token[64] = "";
	size_t seen = 0, seen_grants = 0, pages = 0;
	do {
		snprintf(path, sizeof(path), "api/grants/project/project-0000010?page_size=7%s%s",
		         token[0] ? "&page_token=" : "", token);
		json_t *d = get_ok(&sv, path, &root);
		assert_int_equal(json_integer_value(json_object_get(root, "total_count")), principals);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "counts_by_type"), "group")), groups);
		assert_string_equal(str_at(d, "resource", "display_name", NULL), "Project 0000010");
		json_t *acc = json_object_get(d, "access");
		assert_true(json_array_size(acc) <= 7);
		for (size_t i = 0; i < json_array_size(acc); i++) {
			json_t *a = json_array_get(acc, i);
			assert_int_equal(arr_len(a, "grants"), arr_len(a, "entitlements"));
			/* as Go lists them: without the GrantExpandable annotation (kept in its own column) */
			for (size_t k = 0; k < arr_len(a, "grants"); k++) {
				json_t *ann = json_object_get(json_array_get(json_object_get(a, "grants"), k), "annotations");
				for (size_t m = 0; m < json_array_size(ann); m++)
					assert_null(strstr(json_string_value(json_object_get(json_array_get(ann, m), "type_url")),
					                   "GrantExpandable"));
			}
			/* every grant of that principal on the resource, whatever page it came up on */
			char want_sql[512];
			snprintf(want_sql, sizeof(want_sql),
			         "SELECT count(*) FROM v1_grants WHERE resource_type_id='project' AND "
			         "resource_id='project-0000010' AND principal_resource_type_id=? AND principal_resource_id=?");
			assert_int_equal(arr_len(a, "grants"),
			                 c1z_raw_int(raw, want_sql, str_at(a, "resource", "id", "resource_type"),
			                             str_at(a, "resource", "id", "resource")));
			seen_grants += arr_len(a, "grants");
		}
		seen += json_array_size(acc);
		pages++;
		const char *nt = json_string_value(json_object_get(root, "next_page_token"));
		snprintf(token, sizeof(token), "%s", nt ? nt : "");
		json_decref(root);
	} while (token[0] && pages < 100);
	assert_int_equal(seen, principals);
	assert_int_equal(seen_grants, grants);
	assert_int_equal(stop(&sv, SIGTERM), 0);
	c1z_raw_close(raw);
}

/* The set of entitlement ids in an access answer, sorted, as one string. */
static char *access_set(json_t *d)
{
	size_t n = 0, len = 1;
	const char *ids[4096];
	json_t *acc = json_object_get(d, "access");
	for (size_t i = 0; i < json_array_size(acc); i++) {
		json_t *ents = json_object_get(json_array_get(acc, i), "entitlements");
		json_t *how = json_object_get(json_array_get(acc, i), "how");
		assert_int_equal(json_array_size(ents), json_array_size(how));
		for (size_t j = 0; j < json_array_size(ents) && n < 4096; j++) {
			ids[n] = json_string_value(json_object_get(json_array_get(ents, j), "id"));
			assert_string_equal(ids[n], json_string_value(json_object_get(json_array_get(how, j), "entitlement_id")));
			len += strlen(ids[n++]) + 1;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
			const char *t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	char *s = calloc(1, len);
	for (size_t i = 0; i < n; i++) {
		strcat(s, ids[i]);
		strcat(s, "\n");
	}
	return s;
}

static void test_access_and_path(void **state)
{
	(void)state;
	char fe[4096], fu[4096];
	snprintf(fe, sizeof(fe), "%s", test_data_path(EXPANDED));
	snprintf(fu, sizeof(fu), "%s", test_data_path(UNEXPANDED));
	c1z_raw *raw = c1z_raw_open(fe);
	server se, su;
	json_t *root, *root2;
	start(&se, fe, NULL);
	start(&su, fu, NULL);

	/* Effective access = the expanded file's grants of the principal; the unexpanded file shows the
	 * same (computed expansion), marked as not stored. */
	json_t *d = get_ok(&se, "api/access/user/user-0000200", &root);
	json_t *du = get_ok(&su, "api/access/user/user-0000200", &root2);
	assert_string_equal(str_at(d, "principal", "display_name", NULL), "User 0000200");
	char *a = access_set(d), *b = access_set(du);
	assert_string_equal(a, b);
	size_t n_lines = 0;
	for (const char *p = a; *p; p++)
		n_lines += *p == '\n';
	assert_int_equal(n_lines, c1z_raw_int(raw, "SELECT count(DISTINCT entitlement_id) FROM v1_grants WHERE "
	                                           "principal_resource_type_id='user' AND principal_resource_id='user-0000200'",
	                                      NULL, NULL));
	free(a);
	free(b);
	size_t not_stored = 0;
	json_t *acc = json_object_get(du, "access");
	for (size_t i = 0; i < json_array_size(acc); i++) {
		json_t *how = json_object_get(json_array_get(acc, i), "how");
		for (size_t j = 0; j < json_array_size(how); j++)
			not_stored += !json_is_true(json_object_get(json_array_get(how, j), "stored"));
	}
	assert_true(not_stored > 0);
	json_decref(root);
	json_decref(root2);

	/* The path of an expanded grant: principal -> groups -> project access, the stored sources
	 * marked, every edge between nodes of the graph, the target reachable from the principal. */
	const char *ent = "project:project-0000010:access";
	d = get_ok(&se, "api/path/user/user-0000200?entitlement_id=project%3Aproject-0000010%3Aaccess", &root);
	assert_false(json_is_true(json_object_get(d, "direct")));
	assert_true(json_is_true(json_object_get(d, "stored")));
	json_t *nodes = json_object_get(d, "nodes"), *edges = json_object_get(d, "edges"),
	       *sources = json_object_get(d, "sources");
	assert_true(json_array_size(sources) > 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 0), "kind")), "principal");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 0), "label")), "User 0000200");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 1), "id")), ent);
	assert_true(json_is_true(json_object_get(json_array_get(nodes, 1), "target")));
	for (size_t i = 0; i < json_array_size(sources); i++) {
		const char *sid = json_string_value(json_object_get(json_array_get(sources, i), "entitlement_id"));
		bool found = false;
		for (size_t j = 0; j < json_array_size(nodes) && !found; j++) {
			json_t *nd = json_array_get(nodes, j);
			found = strcmp(json_string_value(json_object_get(nd, "id")), sid) == 0 &&
			        json_is_true(json_object_get(nd, "source"));
		}
		if (!found)
			fail_msg("source %s is not a marked node of the graph", sid);
	}
	/* reachability over the edges */
	size_t nn = json_array_size(nodes);
	bool *reach = calloc(nn, sizeof(bool));
	reach[0] = true;
	for (size_t round = 0; round < nn; round++) {
		for (size_t k = 0; k < json_array_size(edges); k++) {
			json_t *e = json_array_get(edges, k);
			size_t from = nn, to = nn;
			for (size_t j = 0; j < nn; j++) {
				const char *id = json_string_value(json_object_get(json_array_get(nodes, j), "id"));
				if (strcmp(id, json_string_value(json_object_get(e, "from"))) == 0)
					from = j;
				if (strcmp(id, json_string_value(json_object_get(e, "to"))) == 0)
					to = j;
			}
			assert_true(from < nn && to < nn);
			if (reach[from])
				reach[to] = true;
			if (strcmp(json_string_value(json_object_get(e, "kind")), "expands") == 0)
				assert_non_null(str_at(e, "via", "resource", NULL));
		}
	}
	assert_true(reach[1]);
	free(reach);
	json_decref(root);

	/* A direct grant: a one-edge graph. */
	d = get_ok(&se, "api/path/user/user-0000001?entitlement_id=project:project-0000001:owner", &root);
	assert_true(json_is_true(json_object_get(d, "direct")));
	assert_int_equal(arr_len(d, "nodes"), 2);
	assert_int_equal(arr_len(d, "edges"), 1);
	json_decref(root);

	/* The unexpanded file explains the same entitlement (computed, not stored). */
	d = get_ok(&su, "api/path/user/user-0000200?entitlement_id=project:project-0000010:access", &root);
	assert_false(json_is_true(json_object_get(d, "stored")));
	assert_true(arr_len(d, "edges") > 1);
	json_decref(root);

	assert_int_equal(stop(&se, SIGTERM), 0);
	assert_int_equal(stop(&su, SIGINT), 0);
	c1z_raw_close(raw);
}


/*
 * A small file written with the store, not expanded: groups eng, ops, sre; sre's members are
 * members of ops (a deep edge), ops's members of eng (a shallow edge: direct members only);
 * carol is in sre, dave in ops; alice holds eng member and admin, with bob's grant between them;
 * groups x and y contain each other (a cycle) and erin is in x.
 */
static char *make_nested(void)
{
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/explorer-%d-nested.c1z", test_out_dir(), (int)getpid());
	unlink(path);
	baton_store *s;
	baton_ctx *ctx;
	baton_resource_type *ut, *gt;
	baton_resource *grp[5];
	const char *gid[5] = {"eng", "ops", "sre", "x", "y"};
	char sync_id[28];
	CHECK(baton_ctx_new(&ctx));
	CHECK(baton_store_open(path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, sync_id));
	CHECK(baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut));
	CHECK(baton_resource_type_new(ctx, "group", (const baton_trait[]){BATON_TRAIT_GROUP}, 1, &gt));
	CHECK(baton_store_put_resource_type(s, ut));
	CHECK(baton_store_put_resource_type(s, gt));
	for (int i = 0; i < 5; i++) {
		baton_entitlement *e;
		CHECK(baton_group_resource_new(ctx, gid[i], gt, gid[i], &grp[i]));
		if (i == 3) /* a profile (google.protobuf.Struct) of every kind of value */
			CHECK(baton_resource_set_profile_json(grp[i], "{\"tenth\":0.1,\"n\":1.5,\"big\":1e21,\"small\":0.0000001,"
			                                              "\"a\":\"x<y\",\"list\":[true,null,2],"
			                                              "\"obj\":{\"b\":-1,\"a\":\"z\"}}"));
		CHECK(baton_store_put_resource(s, grp[i]));
		CHECK(baton_assignment_entitlement_new(ctx, grp[i], "member", &e));
		CHECK(baton_store_put_entitlement(s, e));
	}
	baton_entitlement *admin;
	CHECK(baton_assignment_entitlement_new(ctx, grp[0], "admin", &admin));
	CHECK(baton_store_put_entitlement(s, admin));
	static const char *const users[] = {"alice", "bob", "carol", "dave", "erin"};
	for (int i = 0; i < 5; i++) {
		baton_resource *u;
		CHECK(baton_user_resource_new(ctx, users[i], ut, users[i], &u));
		CHECK(baton_store_put_resource(s, u));
	}
	static const struct {
		int group;
		const char *ent, *ptype, *pid, *from;
		bool shallow;
	} grants[] = {
		{0, "member", "user", "alice", NULL, false},
		{0, "member", "user", "bob", NULL, false},
		{0, "admin", "user", "alice", NULL, false},
		{2, "member", "user", "carol", NULL, false},
		{1, "member", "user", "dave", NULL, false},
		{1, "member", "group", "sre", "group:sre:member", false},
		{0, "member", "group", "ops", "group:ops:member", true},
		/* a cycle: x's members are y's and y's are x's; erin is in x */
		{3, "member", "user", "erin", NULL, false},
		{4, "member", "group", "x", "group:x:member", false},
		{3, "member", "group", "y", "group:y:member", false},
	};
	for (size_t i = 0; i < sizeof(grants) / sizeof(grants[0]); i++) {
		baton_grant *g;
		baton_resource_id pid = {grants[i].ptype, grants[i].pid};
		CHECK(baton_grant_new(ctx, grp[grants[i].group], grants[i].ent, &pid, &g));
		if (grants[i].from)
			CHECK(baton_grant_set_expandable(g, &grants[i].from, 1, grants[i].shallow, NULL, 0));
		CHECK(baton_store_put_grant(s, g));
	}
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	baton_ctx_free(ctx);
	return path;
}

static bool has_node(json_t *d, const char *id)
{
	json_t *nodes = json_object_get(d, "nodes");
	for (size_t i = 0; i < json_array_size(nodes); i++) {
		if (strcmp(json_string_value(json_object_get(json_array_get(nodes, i), "id")), id) == 0)
			return true;
	}
	return false;
}

static void test_nested_file(void **state)
{
	(void)state;
	char *file = make_nested();
	server sv;
	json_t *root;
	long status;
	start(&sv, file, NULL);

	/* Grants grouped by principal, one principal a page: alice's two grants stay together even
	 * though bob's grant was stored between them. */
	json_t *d = get_ok(&sv, "api/grants/group/eng?page_size=1", &root);
	assert_int_equal(json_integer_value(json_object_get(root, "total_count")), 3); /* alice, bob, ops */
	assert_string_equal(json_string_value(json_object_get(root, "next_page_token")), "1");
	json_t *a = json_array_get(json_object_get(d, "access"), 0);
	assert_string_equal(str_at(a, "resource", "id", "resource"), "alice");
	assert_int_equal(arr_len(a, "grants"), 2);
	json_decref(root);
	d = get_ok(&sv, "api/grants/group/eng?page_size=1&page_token=1", &root);
	a = json_array_get(json_object_get(d, "access"), 0);
	assert_string_equal(str_at(a, "resource", "id", "resource"), "bob");
	assert_int_equal(arr_len(a, "grants"), 1);
	json_decref(root);

	/* carol (in sre) gets ops member through sre, but not eng member: ops -> eng is shallow. */
	d = get_ok(&sv, "api/path/user/carol?entitlement_id=group:ops:member", &root);
	assert_int_equal(arr_len(d, "nodes"), 3);
	assert_true(has_node(d, "group:sre:member"));
	assert_false(json_is_true(json_object_get(d, "stored")));
	json_t *e = json_array_get(json_object_get(d, "edges"), 1);
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "expands");
	assert_string_equal(str_at(e, "via", "resource", NULL), "sre");
	json_decref(root);
	root = get(&sv, "api/path/user/carol?entitlement_id=group:eng:member", &status, NULL);
	assert_int_equal(status, 404);
	json_decref(root);
	/* dave, a direct member of ops, does get eng member through the shallow edge. */
	d = get_ok(&sv, "api/path/user/dave?entitlement_id=group:eng:member", &root);
	assert_int_equal(arr_len(d, "nodes"), 3);
	assert_true(has_node(d, "group:ops:member"));
	e = json_array_get(json_object_get(d, "edges"), 1);
	assert_true(json_is_true(json_object_get(e, "shallow")));
	json_decref(root);
	/* access: carol holds sre (direct) and ops (computed), nothing on eng. */
	d = get_ok(&sv, "api/access/user/carol", &root);
	char *set = access_set(d);
	assert_string_equal(set, "group:ops:member\ngroup:sre:member\n");
	free(set);
	json_decref(root);

	/* The cycle: erin holds y through x; the graph shows both edges of the cycle, once each. */
	d = get_ok(&sv, "api/path/user/erin?entitlement_id=group:y:member", &root);
	assert_int_equal(arr_len(d, "nodes"), 3);
	assert_int_equal(arr_len(d, "edges"), 3);
	json_decref(root);
	d = get_ok(&sv, "api/access/user/erin", &root);
	set = access_set(d);
	assert_string_equal(set, "group:x:member\ngroup:y:member\n");
	free(set);
	json_decref(root);

	/* google.protobuf.Struct as the Go explorer writes it (its Go type marshals itself with
	 * protojson): plain JSON, keys sorted, numbers in their shortest form, <>& escaped. */
	char *text = get_text(&sv, "api/group/x", &status, NULL);
	assert_int_equal(status, 200);
	if (!strstr(text, "\"profile\":{\"a\":\"x\\u003cy\",\"big\":1e+21,\"list\":[true,null,2],\"n\":1.5,"
	                  "\"obj\":{\"a\":\"z\",\"b\":-1},\"small\":1e-7,\"tenth\":0.1}"))
		fail_msg("api/group/x: %s", text);
	free(text);

	assert_int_equal(stop(&sv, SIGTERM), 0);
	unlink(file);
	free(file);
}

static void test_bad_requests(void **state)
{
	(void)state;
	static const struct {
		const char *path;
		long status;
		const char *method;
	} cases[] = {
		{"api/resources?page_size=0", 400, NULL},
		{"api/resources?page_size=10001", 400, NULL},
		{"api/resources?page_size=abc", 400, NULL},
		{"api/resources?page_token=zz", 400, NULL},
		{"api/resources?q=x&page_token=-3", 400, NULL},
		{"api/resources?unknown=1", 400, NULL},
		{"api/resources?resource_type_id=nope", 404, NULL},
		{"api/resourceTypes?page_token=notanumber", 400, NULL},
		{"api/entitlements?resource_id=x", 400, NULL},
		{"api/entitlements?resource_type_id=nope", 404, NULL},
		{"api/grants/group/no-such-group", 404, NULL},
		{"api/grants/group/group-0000001?page_token=x", 400, NULL},
		{"api/access/user/nobody", 404, NULL},
		{"api/access/nope/x", 404, NULL},
		{"api/path/user/user-0000200", 400, NULL},
		{"api/path/user/user-0000200?entitlement_id=", 400, NULL},
		{"api/path/user/user-0000200?entitlement_id=nope", 404, NULL},
		{"api/path/user/user-0000001?entitlement_id=project:project-0000050:owner", 404, NULL},
		{"api/user/nobody", 404, NULL},
		{"api/principals/nope", 404, NULL},
		{"api/no/such/endpoint/here", 404, NULL},
		{"api/info%zz", 400, NULL},
		{"api/user/user-0000001%00", 400, NULL},
		{"api/info", 405, "POST"},
		{"api/info", 405, "DELETE"},
	};
	const char *file = test_data_path(EXPANDED);
	server sv;
	start(&sv, file, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long status;
		json_t *j = get(&sv, cases[i].path, &status, cases[i].method);
		if (status != cases[i].status)
			fail_msg("%s %s: status %ld, want %ld", cases[i].method ? cases[i].method : "GET", cases[i].path,
			         status, cases[i].status);
		const char *msg = json_string_value(json_object_get(j, "error"));
		if (!msg || !*msg)
			fail_msg("%s: no error message", cases[i].path);
		assert_int_equal(json_object_size(j), 1);
		json_decref(j);
	}
	/* DNS rebinding: a foreign Host is refused while bound to loopback. */
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Host: attacker.example");
	char url[512];
	body b = {NULL, 0};
	long status = 0;
	snprintf(url, sizeof(url), "%sapi/info", sv.url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 403);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(b.p);
	/* Random requests built from pieces: every answer is JSON with a known status. */
	static const char *const pieces[] = {"api", "grants", "access", "path", "principals", "resources",
	                                     "user", "group", "user-0000001", "%2F", "%41", "%",
	                                     "%zz", "..", ".", "?", "&", "=", "page_size=", "page_token=",
	                                     "q=", "entitlement_id=", "resource_type_id=", "99999999999999999999",
	                                     "-1", "\xc3\xa9", "%00", "+", "a b", "x/"};
	srand(12345);
	for (int n = 0; n < 300; n++) {
		char path[512] = "api/";
		int k = 1 + rand() % 6;
		for (int i = 0; i < k; i++) {
			strncat(path, pieces[rand() % (int)(sizeof(pieces) / sizeof(pieces[0]))], sizeof(path) - strlen(path) - 2);
			if (rand() % 2)
				strncat(path, "/", sizeof(path) - strlen(path) - 1);
		}
		/* curl refuses spaces and raw bytes in URLs: escape them */
		char esc[1600] = "";
		for (const unsigned char *cp = (const unsigned char *)path; *cp; cp++) {
			char hb[4];
			if (*cp <= ' ' || *cp >= 0x7f)
				snprintf(hb, sizeof(hb), "%%%02X", *cp);
			else
				snprintf(hb, sizeof(hb), "%c", *cp);
			strcat(esc, hb);
		}
		long st;
		json_t *j = get(&sv, esc, &st, NULL);
		if (st != 200 && st != 400 && st != 404)
			fail_msg("%s: status %ld", esc, st);
		if (st != 200 && !json_string_value(json_object_get(j, "error")))
			fail_msg("%s: %ld without an error message", esc, st);
		json_decref(j);
	}
	/* still serving after all that */
	json_t *root;
	get_ok(&sv, "api/info", &root);
	json_decref(root);
	assert_int_equal(stop(&sv, SIGTERM), 0);
}

/* Runs baton with args; returns its exit status and stderr (caller frees). */
static int run_status(const char *const *args, char **err)
{
	char path[4096];
	static unsigned seq;
	snprintf(path, sizeof(path), "%s/explorer-run-%d-%u.err", test_out_dir(), (int)getpid(), seq++);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		const char *argv[32];
		size_t n = 0;
		argv[n++] = baton_bin;
		for (size_t i = 0; args[i] && n < 30; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		int e = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 1);
		dup2(e, 2);
		execv(baton_bin, (char *const *)argv);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	FILE *f = fopen(path, "r");
	*err = calloc(1, 4096);
	if (f) {
		size_t n = fread(*err, 1, 4095, f);
		(*err)[n] = '\0';
		fclose(f);
	}
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *file_hash(const char *path, struct stat *st)
{
	assert_int_equal(stat(path, st), 0);
	FILE *f = fopen(path, "rb");
	uint64_t h = 1469598103934665603ull;
	int ch;
	while ((ch = fgetc(f)) != EOF)
		h = (h ^ (uint64_t)ch) * 1099511628211ull;
	fclose(f);
	char *s = malloc(32);
	snprintf(s, 32, "%016llx", (unsigned long long)h);
	return s;
}

static void test_flags(void **state)
{
	(void)state;
	const char *file = test_data_path(UNEXPANDED);
	char *err;

	static const char *const bad_port[] = {"-f", "x.c1z", "explorer", "--port", "abc", NULL};
	assert_int_equal(run_status(bad_port, &err), 2);
	assert_non_null(strstr(err, "--port"));
	free(err);
	static const char *const big_port[] = {"-f", "x.c1z", "explorer", "-p", "70000", NULL};
	assert_int_equal(run_status(big_port, &err), 2);
	free(err);
	const char *const bad_type[] = {"-f", file, "explorer", "-p", "0", "-t", "nope", NULL};
	assert_int_equal(run_status(bad_type, &err), 1);
	assert_non_null(strstr(err, "nope"));
	free(err);
	const char *const bad_sync[] = {"-f", file, "explorer", "-p", "0", "--sync-id", "nope", NULL};
	assert_int_equal(run_status(bad_sync, &err), 1);
	assert_non_null(strstr(err, "nope"));
	free(err);
	static const char *const missing[] = {"-f", "/nonexistent/x.c1z", "explorer", "-p", "0", NULL};
	assert_int_equal(run_status(missing, &err), 1);
	free(err);
	const char *const unknown_flag[] = {"-f", file, "explorer", "--out", "x", NULL};
	assert_int_equal(run_status(unknown_flag, &err), 2);
	free(err);

	/* --resource-type is the default of /api/resources; the file is left as it was. */
	struct stat st1, st2;
	char *h1 = file_hash(file, &st1);
	server sv;
	json_t *root;
	static const char *const extra[] = {"-t", "group", NULL};
	start(&sv, file, extra);
	json_t *d = get_ok(&sv, "api/resources?page_size=1000", &root);
	assert_int_equal(arr_len(d, "resources"), 21);
	for (size_t i = 0; i < arr_len(d, "resources"); i++)
		assert_string_equal(str_at(json_array_get(json_object_get(d, "resources"), i), "resource", "id", "resource_type"),
		                    "group");
	json_decref(root);
	d = get_ok(&sv, "api/info", &root);
	assert_string_equal(str_at(d, "default_resource_type", NULL, NULL), "group");
	json_decref(root);
	assert_int_equal(stop(&sv, SIGTERM), 0);
	char *h2 = file_hash(file, &st2);
	assert_string_equal(h1, h2);
	assert_true(st1.st_mtime == st2.st_mtime);
	free(h1);
	free(h2);

	/* A non-loopback --host warns on start. */
	static const char *const wide[] = {"--host", "0.0.0.0", NULL};
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	server w;
	memset(&w, 0, sizeof(w));
	snprintf(w.err_path, sizeof(w.err_path), "%s/explorer-wide-%d.err", test_out_dir(), (int)getpid());
	pid_t pid = fork();
	if (pid == 0) {
		const char *argv[] = {baton_bin, "-f", file, "explorer", "-p", "0", wide[0], wide[1], NULL};
		int e = open(w.err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fds[1], 1);
		dup2(e, 2);
		close(fds[0]);
		execv(baton_bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	w.pid = pid;
	remember(pid, true);
	FILE *f = fdopen(fds[0], "r");
	char line[1024] = "";
	w.out = f;
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "NOT loopback"));
	assert_int_equal(stop(&w, SIGTERM), 0);
	size_t elen;
	char *e = NULL;
	FILE *ef = fopen(w.err_path, "r");
	assert_non_null(ef);
	e = calloc(1, 4096);
	elen = fread(e, 1, 4095, ef);
	e[elen] = '\0';
	fclose(ef);
	assert_non_null(strstr(e, "warning"));
	assert_non_null(strstr(e, "not a loopback"));
	free(e);
	unlink(w.err_path);
}

static void test_static(void **state)
{
	(void)state;
	const char *file = test_data_path(EXPANDED);
	server sv;
	start(&sv, file, NULL);
	static const struct {
		const char *path, *type, *needle;
	} cases[] = {
		{"", "text/html", "explorer.js"},
		{"index.html", "text/html", "<main"},
		{"explorer.js", "text/javascript", "api('path/"},
		{"explorer.css", "text/css", ".node"},
		{"some/deep/link", "text/html", "explorer.js"}, /* the page handles its own routes */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char url[512];
		body b = {NULL, 0};
		long status = 0;
		char *ct = NULL;
		snprintf(url, sizeof(url), "%s%s", sv.url, cases[i].path);
		CURL *c = curl_easy_init();
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		assert_int_equal(status, 200);
		assert_non_null(strstr(ct, cases[i].type));
		if (!strstr(b.p, cases[i].needle))
			fail_msg("%s: no \"%s\"", cases[i].path, cases[i].needle);
		curl_easy_cleanup(c);
		free(b.p);
	}
	assert_int_equal(stop(&sv, SIGTERM), 0);
}

/* Entries of a directory other than . and .. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* A signal while the file is being opened and indexed (held there by the test hook
 * BATON_TOOL_TEST_PAUSE_MS, once the temporary copy exists) stops it as one while serving:
 * the "stopped" line, exit 0, and no temporary file left in $TMPDIR. */
static void stop_during_startup(int sig)
{
	char tmp[4000], err_path[4100];
	snprintf(tmp, sizeof(tmp), "%s/explorer-tmp-%d-%d", test_out_dir(), (int)getpid(), sig);
	mkdir(tmp, 0700);
	assert_int_equal(dir_entries(tmp), 0);
	snprintf(err_path, sizeof(err_path), "%s.err", tmp);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fds[1], 1);
		if (e >= 0)
			dup2(e, 2);
		close(fds[0]);
		setenv("TMPDIR", tmp, 1);
		setenv("BATON_TOOL_TEST_PAUSE_MS", "20000", 1);
		execl(baton_bin, baton_bin, "-f", test_data_path(EXPANDED), "explorer", "-p", "0", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	remember(pid, true);
	/* wait for the pause (the file is open: its temporary copy is in $TMPDIR) */
	bool paused = false;
	for (int i = 0; i < 1000 && !paused; i++) {
		FILE *f = fopen(err_path, "r");
		char line[256] = "";
		if (f) {
			paused = fgets(line, sizeof(line), f) && strstr(line, "test pause");
			fclose(f);
		}
		if (!paused)
			nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	assert_true(paused);
	assert_true(dir_entries(tmp) > 0);
	kill(pid, sig);
	int status = -1;
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	remember(pid, false);
	FILE *out = fdopen(fds[0], "r");
	char all[1024] = "";
	size_t n = fread(all, 1, sizeof(all) - 1, out);
	all[n] = '\0';
	fclose(out);
	if (!WIFEXITED(status))
		fail_msg("explorer ended by signal %d during start-up", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(all, sig == SIGINT ? "baton explorer: stopped (SIGINT)\n" : "baton explorer: stopped (SIGTERM)\n");
	assert_int_equal(dir_entries(tmp), 0);
	rmdir(tmp);
	unlink(err_path);
}

static void test_signal_during_startup(void **state)
{
	(void)state;
	stop_during_startup(SIGTERM);
	stop_during_startup(SIGINT);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <path to baton>\n", argv[0]);
		return 2;
	}
	baton_bin = argv[1];
	/* A baton built without libmicrohttpd has no server: skip. */
	char *err;
	static const char *const probe[] = {"-f", "x.c1z", "explorer", "-p", "abc", NULL};
	int st = run_status(probe, &err);
	bool without = strstr(err, "without libmicrohttpd") != NULL;
	free(err);
	if (without) {
		printf("skipped: baton was built without libmicrohttpd\n");
		return 77;
	}
	if (st != 2) {
		fprintf(stderr, "baton explorer -p abc: exit %d, want 2\n", st);
		return 1;
	}
	atexit(kill_live);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_grants_of_resource),
		cmocka_unit_test(test_access_and_path),
		cmocka_unit_test(test_nested_file),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_signal_during_startup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
