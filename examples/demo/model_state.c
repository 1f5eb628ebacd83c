/*
 * baton-demo: the state file and the locks that guard the model, between threads (the model's
 * reader/writer lock) and between processes ("<state>.lock"); see model.h, "Locking" and "Other
 * processes".
 */
#define _GNU_SOURCE 1 /* pthread_rwlockattr_setkind_np on glibc; flock */
#include "model_int.h"
#include "demo_json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* Threads                                                                                     */

/* A reader/writer lock that prefers writers where the platform lets us choose (glibc prefers
 * readers by default, so a sync's workers could keep a provisioning task waiting indefinitely);
 * safe because no thread takes the read lock twice (model.h, "Locking"). */
int demo_state_lock_init(pthread_rwlock_t *lock)
{
#if defined(__GLIBC__)
	pthread_rwlockattr_t attr;
	int rc;

	if (pthread_rwlockattr_init(&attr) != 0)
		return -1;
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return rc;
#else
	return pthread_rwlock_init(lock, NULL);
#endif
}

static int catch_up(demo_model *m);
static void remove_leftovers(const char *path);
static bool file_unchanged(demo_model *m);

/* A reader first lets the model catch up with changes other processes made to the state file
 * (under the write lock, taken and left before the read lock: no thread holds both). A file
 * that cannot be read is left for the next change to report; the model serves what it has. */
void demo_model_read_lock(demo_model *m)
{
	pthread_rwlock_rdlock(&m->lock);
	if (m->state_path == NULL || file_unchanged(m))
		return;
	pthread_rwlock_unlock(&m->lock);
	pthread_rwlock_wrlock(&m->lock);
	if (!file_unchanged(m))
		(void)catch_up(m);
	pthread_rwlock_unlock(&m->lock);
	pthread_rwlock_rdlock(&m->lock);
}

/* A writer changes the model: it also holds the state file's lock, and the model caught up with
 * the file (a failure is kept in m->tx_rc and refuses the body's changes). */
void demo_model_write_lock(demo_model *m)
{
	pthread_rwlock_wrlock(&m->lock);
	demo_state_begin(m);
}

/* tx_depth is only changed under the write lock, so a reader sees 0 here. */
void demo_model_unlock(demo_model *m)
{
	if (m->tx_depth > 0)
		demo_state_end(m, DEMO_OK);
	pthread_rwlock_unlock(&m->lock);
}

int demo_model_unlock_rc(demo_model *m, int rc)
{
	demo_model_unlock(m);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading the state file                                                                      */

const char *demo_json_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static bool jkind(json_t *o, const char *key, demo_kind *kind)
{
	return demo_kind_parse(demo_json_str(o, key), kind);
}

/* Applies one logged operation (m->replaying set: nothing is logged again); an operation that no
 * longer applies changes nothing. */
static void replay_one(demo_model *m, json_t *op)
{
	const char *verb = demo_json_str(op, "op");
	demo_kind kind, pkind;

	if (strcmp(verb, "grant") == 0 || strcmp(verb, "revoke") == 0) {
		if (!jkind(op, "type", &kind) || !jkind(op, "principal_type", &pkind))
			return;
		if (verb[0] == 'g')
			demo_model_grant(m, kind, demo_json_str(op, "resource"), demo_json_str(op, "entitlement"),
			                 pkind, demo_json_str(op, "principal"));
		else
			demo_model_revoke(m, kind, demo_json_str(op, "resource"), demo_json_str(op, "entitlement"),
			                  pkind, demo_json_str(op, "principal"));
	} else if (strcmp(verb, "create_user") == 0) {
		json_t *emails = json_object_get(op, "emails"), *profile = json_object_get(op, "profile");
		const char *list[16];
		char *pj = json_is_object(profile) ? json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		size_t n = 0, i;
		size_t idx;

		for (i = 0; i < json_array_size(emails) && n < sizeof(list) / sizeof(list[0]); i++) {
			if (json_is_string(json_array_get(emails, i)))
				list[n++] = json_string_value(json_array_get(emails, i));
		}
		m->now = (int64_t)json_integer_value(json_object_get(op, "created_at"));
		demo_model_create_user(m, demo_json_str(op, "login"), list, n, pj, &idx);
		m->now = 0;
		free(pj);
	} else if (strcmp(verb, "rotate") == 0) {
		demo_model_rotate(m, demo_json_str(op, "user"));
	} else if (strcmp(verb, "create") == 0) {
		size_t idx;
		if (jkind(op, "type", &kind))
			demo_model_create(m, kind, demo_json_str(op, "name"), demo_json_str(op, "description"),
			                  demo_json_str(op, "parent"), &idx);
	} else if (strcmp(verb, "delete") == 0) {
		if (jkind(op, "type", &kind))
			demo_model_delete(m, kind, demo_json_str(op, "id"), demo_json_str(op, "parent"));
	} else if (strcmp(verb, "set_disabled") == 0) {
		demo_model_set_disabled(m, demo_json_str(op, "user"), json_is_true(json_object_get(op, "disabled")));
	}
}

static demo_file_seen seen_of(const struct stat *st)
{
	demo_file_seen s;

	s.known = true;
	s.dev = (uint64_t)st->st_dev;
	s.ino = (uint64_t)st->st_ino;
	s.size = (uint64_t)st->st_size;
	s.mtime_sec = (int64_t)st->st_mtim.tv_sec;
	s.mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
	return s;
}

/* Whether st is the file as `seen` (every write renames a new file, one operation longer). */
static bool seen_same(const demo_file_seen *seen, const struct stat *st)
{
	demo_file_seen now = seen_of(st);

	return seen->known && seen->dev == now.dev && seen->ino == now.ino && seen->size == now.size &&
	       seen->mtime_sec == now.mtime_sec && seen->mtime_nsec == now.mtime_nsec;
}

/*
 * Whether the state file is the one m last read or wrote (absent: whether m never saw one), or
 * one a reader already failed to read (m->seen_bad: readers do not try it again; a change does).
 */
static bool file_unchanged(demo_model *m)
{
	struct stat st;

	if (stat(m->state_path, &st) != 0)
		return errno != ENOENT || !m->seen.known;
	return seen_same(&m->seen, &st) || seen_same(&m->seen_bad, &st);
}

/* Says on stderr why the state file at `path` cannot be used (`what` `file`: errno's reason;
 * errno 0: no reason given) and returns DEMO_IO. */
static int io_failed(const char *path, const char *what, const char *file)
{
	int err = errno;

	fprintf(stderr, "baton-demo: state file %s: %s %s: %s\n", path, what, file,
	        err != 0 ? strerror(err) : "failed");
	return DEMO_IO;
}

/*
 * Reads the state file: *doc (NULL when there is no file) and *ops (its "ops" array, borrowed
 * from *doc), and what the file was when read (the same open file: a rename meanwhile does not
 * mix two files up). DEMO_IO (said on stderr) when it cannot be read or is not a state file.
 */
static int read_state(const char *path, json_t **doc, json_t **ops, demo_file_seen *seen)
{
	json_error_t err;
	struct stat st;
	FILE *f;
	int fd;

	*doc = NULL;
	*ops = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return DEMO_OK;
	if (fd < 0 || fstat(fd, &st) != 0 || (f = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, "baton-demo: state file %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return DEMO_IO;
	}
	*doc = json_loadf(f, 0, &err);
	fclose(f);
	*ops = json_object_get(*doc, "ops");
	if (*doc == NULL || !json_is_array(*ops)) {
		fprintf(stderr, "baton-demo: state file %s: %s\n", path,
		        *doc == NULL ? err.text : "no \"ops\" array");
		json_decref(*doc);
		*doc = NULL;
		*ops = NULL;
		return DEMO_IO;
	}
	*seen = seen_of(&st);
	return DEMO_OK;
}

/*
 * Says on stderr when the state file was written for another company (its "params": seed and
 * sizes) than m's: its operations are replayed all the same, and those naming objects this
 * company lacks are skipped (they stay in the file), so ids may differ from the first run's.
 */
static void check_params(const demo_model *m, json_t *doc)
{
	static const char *const keys[] = {"seed", "users", "groups", "roles", "workspaces", "projects"};
	const demo_params *p = &m->params;
	uint64_t mine[] = {p->seed, p->users, p->groups, p->roles, p->workspaces, p->projects};
	json_t *fp = json_object_get(doc, "params");
	size_t i;

	if (!json_is_object(fp))
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(fp, keys[i]);
		if (json_is_integer(v) && (uint64_t)json_integer_value(v) != mine[i])
			break;
	}
	if (i == sizeof(keys) / sizeof(keys[0]))
		return;
	fprintf(stderr, "baton-demo: state file %s was written for another company (its %s is %lld, this "
	        "one's %llu): its changes are replayed on this one, those naming objects it lacks are "
	        "skipped\n", m->state_path, keys[i], (long long)json_integer_value(json_object_get(fp, keys[i])),
	        (unsigned long long)mine[i]);
}

int demo_state_load(demo_model *m)
{
	json_t *doc, *ops;
	size_t i;
	int rc;

	if (m->state_path == NULL)
		return DEMO_OK;
	if ((rc = read_state(m->state_path, &doc, &ops, &m->seen)) != DEMO_OK || doc == NULL)
		return rc;
	check_params(m, doc);
	m->replaying = true;
	for (i = 0; i < json_array_size(ops); i++)
		replay_one(m, json_array_get(ops, i));
	m->replaying = false;
	json_decref((json_t *)m->ops);
	m->ops = json_incref(ops);
	json_decref(doc);
	return DEMO_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Catching up with other processes                                                            */

/*
 * The file is not an extension of what m knew (deleted, replaced, edited): m becomes the
 * generated company with the file replayed, as a model loaded now would be. Its kept answers,
 * lock and state of the change in progress stay. On failure m is unchanged.
 */
static int reload(demo_model *m)
{
	demo_model *fresh;
	void *ops;
	int k, rc;

	if ((rc = demo_model_new(&m->params, m->state_path, &fresh)) != DEMO_OK)
		return rc;
	for (k = 0; k < DEMO_N_KINDS; k++) {
		demo_obj *objs = m->objs[k];
		size_t n = m->n[k], cap = m->cap[k];

		m->objs[k] = fresh->objs[k];
		m->n[k] = fresh->n[k];
		m->cap[k] = fresh->cap[k];
		fresh->objs[k] = objs;
		fresh->n[k] = n;
		fresh->cap[k] = cap;
	}
	ops = m->ops;
	m->ops = fresh->ops;
	fresh->ops = ops;
	m->seen = fresh->seen;
	demo_model_free(fresh);
	return DEMO_OK;
}

/* Brings m up to the state file (under the write lock; a change also holds the file's lock, a
 * listing need not: renames replace the file whole): see model.h, "Other processes". */
static int catch_up(demo_model *m)
{
	json_t *mine = (json_t *)m->ops, *doc, *ops;
	demo_file_seen seen;
	size_t nm = json_array_size(mine), nf, i;
	struct stat st;
	bool exists;
	int rc = DEMO_OK;

	memset(&seen, 0, sizeof(seen));
	exists = stat(m->state_path, &st) == 0;
	if (exists && seen_same(&m->seen, &st))
		return DEMO_OK;
	if ((rc = read_state(m->state_path, &doc, &ops, &seen)) != DEMO_OK) {
		if (exists)
			m->seen_bad = seen_of(&st); /* listings do not read it again (file_unchanged) */
		return rc;
	}
	if (doc == NULL) {
		/* no file: nothing to catch up with, unless it held operations and was deleted */
		m->seen.known = false;
		return nm == 0 ? DEMO_OK : reload(m);
	}
	/* writers only append: anything else means the file was replaced (as cheap as reading it) */
	nf = json_array_size(ops);
	for (i = 0; i < nm && nf >= nm; i++) {
		if (!json_equal(json_array_get(ops, i), json_array_get(mine, i)))
			break;
	}
	if (nf < nm || i < nm) {
		json_decref(doc);
		return reload(m);
	}
	/* the other processes' operations, after ours */
	m->replaying = true;
	for (i = nm; i < nf && rc == DEMO_OK; i++) {
		replay_one(m, json_array_get(ops, i));
		if (json_array_append(mine, json_array_get(ops, i)) != 0)
			rc = DEMO_NOMEM;
	}
	m->replaying = false;
	/* short of memory: the next change reloads (the operations no longer match the file) */
	if (rc == DEMO_OK)
		m->seen = seen;
	else
		m->seen.known = false;
	json_decref(doc);
	return rc;
}

int demo_state_begin(demo_model *m)
{
	char *lock_path;
	int fd;

	if (m->tx_depth++ > 0)
		return m->tx_rc;
	m->tx_rc = DEMO_OK;
	if (m->replaying || m->state_path == NULL)
		return DEMO_OK;
	lock_path = malloc(strlen(m->state_path) + sizeof(".lock"));
	if (lock_path == NULL)
		return m->tx_rc = DEMO_NOMEM;
	strcpy(lock_path, m->state_path);
	strcat(lock_path, ".lock");
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		m->tx_rc = io_failed(m->state_path, "cannot open its lock", lock_path);
		free(lock_path);
		return m->tx_rc;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			m->tx_rc = io_failed(m->state_path, "cannot lock", lock_path);
			close(fd);
			free(lock_path);
			return m->tx_rc;
		}
	}
	free(lock_path);
	m->lock_fd = fd;
	remove_leftovers(m->state_path);
	return m->tx_rc = catch_up(m);
}

int demo_state_end(demo_model *m, int rc)
{
	if (m->tx_depth == 0 || --m->tx_depth > 0)
		return rc;
	if (m->lock_fd >= 0) {
		flock(m->lock_fd, LOCK_UN);
		close(m->lock_fd);
		m->lock_fd = -1;
	}
	m->tx_rc = DEMO_OK;
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing the state file                                                                      */

/* Temporary files are "<state>" TEMP_SUFFIX "XXXXXX" (mkstemp). */
#define TEMP_SUFFIX ".tmp-"

/* The directory holding `path` (malloc'd; NULL when memory is short). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL ? strdup(".") : strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Flushes the directory holding `path` (the rename in it); a failure changes nothing we could
 * undo, and some file systems do not flush directories at all, so it is not reported. */
static void sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd;

	if (dir == NULL)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Whether `name` is one of write_state's temporary names for the state file named `base`:
 * "<base>.tmp-" and the six letters or digits mkstemp put in place of its X's. */
static bool is_temp_name(const char *name, const char *base)
{
	size_t nb = strlen(base), i;

	if (strncmp(name, base, nb) != 0 || strncmp(name + nb, TEMP_SUFFIX, sizeof(TEMP_SUFFIX) - 1) != 0)
		return false;
	name += nb + sizeof(TEMP_SUFFIX) - 1;
	for (i = 0; i < 6; i++) {
		char c = name[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return false;
	}
	return name[6] == '\0';
}

/*
 * Removes the temporary files writers left when they were killed between mkstemp and rename
 * (write_state): regular files of the state file's directory named as is_temp_name says, nothing
 * else. Called with the state file's lock held: a writer holds it from before its mkstemp until
 * after its rename or unlink, so no such file belongs to a live writer. A directory that cannot be
 * listed or a file that cannot be removed is said on stderr and left: the change goes on.
 */
static void remove_leftovers(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	char *dir = dir_of(path);
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (dir == NULL)
		return;
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "baton-demo: state file %s: cannot look for temporary files left in %s: %s\n",
		        path, dir, strerror(errno));
		free(dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_temp_name(e->d_name, base) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) != 0)
			fprintf(stderr, "baton-demo: state file %s: cannot remove %s/%s, a temporary file a stopped "
			        "writer left: %s\n", path, dir, e->d_name, strerror(errno));
	}
	closedir(d);
	free(dir);
}

/*
 * Writes doc as the state file: to "<state>.tmp-XXXXXX" (a name no other writer uses; one a
 * killed writer left is removed by the next change, remove_leftovers), flushed to the disk, then
 * renamed over the file. A new file is 0600 (it holds request ids and account profiles); the mode
 * of the file it replaces is kept. m->seen becomes the new file. A step that fails is said on
 * stderr (io_failed), and the temporary file removed.
 */
static int write_state(demo_model *m, json_t *doc)
{
	const char *path = m->state_path, *what = NULL;
	char *tmp = malloc(strlen(path) + sizeof(TEMP_SUFFIX "XXXXXX"));
	struct stat st;
	FILE *f = NULL;
	int fd = -1, rc = DEMO_IO;

	if (tmp == NULL)
		return DEMO_NOMEM;
	strcpy(tmp, path);
	strcat(tmp, TEMP_SUFFIX "XXXXXX");
	if ((fd = mkstemp(tmp)) < 0) {
		rc = io_failed(path, "cannot create", tmp);
		free(tmp);
		return rc;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	errno = 0;
	if ((stat(path, &st) == 0 && fchmod(fd, st.st_mode & 07777) != 0) || (f = fdopen(fd, "w")) == NULL) {
		what = "cannot set up";
		goto out;
	}
	errno = 0;
	if (json_dumpf(doc, f, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 || fflush(f) != 0 || fsync(fd) != 0 ||
	    fstat(fd, &st) != 0) {
		what = "cannot write";
		goto out;
	}
	fd = -1; /* fclose closes it */
	if (fclose(f) != 0) {
		f = NULL;
		what = "cannot write";
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		what = "cannot rename into place";
		goto out;
	}
	sync_dir(path);
	m->seen = seen_of(&st);
	rc = DEMO_OK;
out:
	if (rc != DEMO_OK)
		io_failed(path, what, tmp);
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (rc != DEMO_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

int demo_state_append(demo_model *m, json_t *op)
{
	json_t *doc, *ops = (json_t *)m->ops;
	int rc;

	if (op == NULL)
		return DEMO_NOMEM;
	if (m->replaying || m->state_path == NULL) {
		json_decref(op);
		return DEMO_OK;
	}
	if (m->tx_depth == 0) {
		/* not inside a change: this one is (nothing calls it so today) */
		if ((rc = demo_state_begin(m)) != DEMO_OK) {
			json_decref(op);
			return demo_state_end(m, rc);
		}
		return demo_state_end(m, demo_state_append(m, op));
	}
	if (m->tx_rc != DEMO_OK) {
		json_decref(op);
		return m->tx_rc;
	}
	/* When it happened: the event feeds (demo_events.c) report operations at this time. */
	if (json_object_get(op, "at") == NULL)
		json_object_set_new(op, "at", json_integer((json_int_t)time(NULL)));
	if (json_array_append_new(ops, op) != 0)
		return DEMO_NOMEM;
	doc = json_pack("{s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:O}", "version", 1, "params",
	                "seed", (json_int_t)m->params.seed, "users", (json_int_t)m->params.users,
	                "groups", (json_int_t)m->params.groups, "roles", (json_int_t)m->params.roles,
	                "workspaces", (json_int_t)m->params.workspaces,
	                "projects", (json_int_t)m->params.projects, "ops", ops);
	rc = doc != NULL ? write_state(m, doc) : DEMO_NOMEM;
	if (rc != DEMO_OK)
		json_array_remove(ops, json_array_size(ops) - 1);
	json_decref(doc);
	return rc;
}
