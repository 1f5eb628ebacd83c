/*
 * baton-demo: the in-memory company the demo connector serves.
 *
 * The model is plain C with no libbaton types in it: it is generated deterministically from a
 * seed and sizes (the same parameters always give the same company, byte for byte), and changed
 * only by the provisioning operations below. Every change is appended to a small JSON state file
 * (a log of operations) that is replayed on top of the generated company the next time the model
 * is loaded, so provisioning survives between runs of the program.
 *
 * Resource kinds and their entitlements:
 *   user       none
 *   group      member (assignment; users and groups), admin (permission; users)
 *   role       assigned (assignment; users and groups)
 *   workspace  none (its type is annotated SkipEntitlementsAndGrants); parent of projects
 *   project    access (assignment; users and groups), owner (ownership; users),
 *              viewer (permission; users; a static entitlement of the type)
 * A grant to a group is expandable: the group's members get it too.
 *
 * Locking. The SDK calls the connector's callbacks from several threads at once (a sync with
 * --workers runs list/entitlements/grants/get on worker threads; service mode runs up to
 * --task-concurrency tasks at once, a sync among them, each on its own thread), so a model shared
 * by callbacks is guarded by its lock, a reader/writer lock:
 *  - a callback that only looks at the model holds the read lock for its whole body, one that
 *    changes the model, its operations log or its kept answers holds the write lock for its whole
 *    body (DEMO_READING / DEMO_WRITING below). "Whole" matters: a check-then-act sequence such
 *    as "count the tokens, mint t000N, log it, save" is atomic only under one lock, and the
 *    demo_obj pointers and strings a callback reads stay valid only while it holds the lock (a
 *    new object may move the arrays);
 *  - the functions of this header take no model lock themselves (the caller holds it; changes
 *    take the state file's lock, "Other processes" below) and a callback takes it once: the
 *    lock is not recursive, and it prefers writers (on glibc) so that provisioning is not
 *    starved by a sync's workers;
 *  - service mode opens the connector (init) for every task: connectors open at the same time
 *    share one model per state file (demo_open.c, share_model), so the lock covers tasks too;
 *  - demo_model_new and demo_model_free run before and after every callback that uses the model
 *    (init, the last close); single-threaded users (the model tests) need no lock at all.
 * The params are read-only after demo_model_new and need no lock.
 *
 * Other processes. Several processes may use one state file at once (a service and one-shot
 * `--grant-entitlement` runs, or two one-shots). Each change is made under an exclusive lock of
 * "<state>.lock" (flock(2), next to the state file, created 0600, never removed), taken by the
 * write lock (DEMO_WRITING) or by the model function itself, and released with it. Under it, the
 * model first catches up with the file: when the file is not the one it last read or wrote
 * (device, inode, size, modification time), it reads it and replays the operations it has not
 * seen yet (another process appended them), so the change is decided on the current company
 * (a second revoke of one grant is DEMO_ABSENT, ids of new tokens, tickets, users and objects
 * continue the other process's). A file that is not an extension of what the model knew (it was
 * deleted, replaced or edited) is loaded afresh over the generated company. Then the operation
 * is appended and the whole file written to a temporary file of a unique name in the same
 * directory, flushed to the disk (fsync), and renamed over the state file, whose directory is
 * flushed too: a change reported done survives a crash, and a reader (a model being loaded
 * elsewhere) sees the old file or the new one, never a part. A writer killed between creating its
 * temporary file ("<state>.tmp-" and six letters or digits) and the rename leaves it behind: the
 * next change removes such files once it holds the lock (no live writer has one then), and only
 * regular files of exactly that name; one it cannot remove (or a directory it cannot list) is said
 * on stderr and does not fail the change. A file or lock that cannot be read,
 * written or taken refuses the change (DEMO_IO) and leaves the model as it was. Readers catch
 * up too: the read lock (DEMO_READING) looks at the file (a stat) and, when another process
 * changed it, catches up under the write lock before it takes the read lock, without the file's
 * lock (a rename replaces the file whole); a file it cannot read is left for the next change to
 * report, and the model serves what it has.
 */
#ifndef BATON_DEMO_MODEL_H
#define BATON_DEMO_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum demo_kind {
	DEMO_USER = 0,
	DEMO_GROUP,
	DEMO_ROLE,
	DEMO_WORKSPACE,
	DEMO_PROJECT,
	DEMO_N_KINDS
} demo_kind;

/* Results of model operations (the connector maps them to baton error codes). */
typedef enum demo_result {
	DEMO_OK = 0,
	DEMO_EXISTS = 1,       /* grant already held / account already there */
	DEMO_ABSENT = 2,       /* grant not held (revoke) */
	DEMO_NOTFOUND = -1,    /* no such resource or entitlement */
	DEMO_INVALID = -2,     /* the request makes no sense (wrong principal type, self-membership) */
	DEMO_NOMEM = -3,
	DEMO_IO = -4           /* the state file could not be read or written */
} demo_result;

typedef struct demo_params {
	uint64_t seed;
	size_t users, groups, roles, workspaces, projects;
	uint32_t page_size;
} demo_params;

/* Defaults: 50 users, 8 groups, 5 roles, 4 workspaces, 10 projects, seed 1, pages of 3. */
void demo_params_default(demo_params *p);
/*
 * Reads BATON_DEMO_USERS, _GROUPS, _ROLES, _WORKSPACES, _PROJECTS, _SEED and _PAGE_SIZE over
 * the defaults. A value that is not a number in range is an error (-1): *bad names the variable;
 * projects without a workspace are -2 (*bad is BATON_DEMO_WORKSPACES).
 */
int demo_params_from_env(demo_params *p, const char **bad);

typedef struct demo_ref {
	demo_kind kind;
	size_t idx;
} demo_ref;

/* One grant held on a resource: entitlement `ent` (index into demo_entitlements(kind)) to a
 * principal. */
typedef struct demo_grant {
	unsigned int ent;
	demo_ref principal;
} demo_grant;

typedef struct demo_obj {
	demo_kind kind;
	char *id;
	char *name;
	char *description;
	bool deleted;
	size_t parent;          /* projects: index of their workspace */

	/* users */
	char *login;
	char *given_name, *family_name;
	char *email, *email2;   /* email2 may be NULL */
	char *employee_id;
	char *department, *title, *location;
	char *profile_json;     /* create_account's profile (NULL for generated users) */
	bool disabled;
	bool service_account;
	bool mfa;
	int64_t created_at, last_login; /* Unix seconds; last_login 0: never */
	unsigned int rotations;         /* rotate_credentials calls so far */

	/* groups, roles, projects: the grants on this resource, in a stable order */
	demo_grant *grants;
	size_t n_grants, cap_grants;
} demo_obj;

/*
 * An API token this process issued (demo_tokens.c), kept to answer its request id again; in
 * memory only, never in the state file. The value is wiped before it is freed.
 */
typedef struct demo_answer {
	char *request_id;
	char *token;            /* t0001, ... */
	char *value;            /* the secret */
} demo_answer;

/*
 * The state file as this model last read or wrote it (model_state.c): when a change finds the
 * file different, another process changed it since.
 */
typedef struct demo_file_seen {
	bool known;             /* false: no file read or written yet */
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec;
} demo_file_seen;

typedef struct demo_model {
	pthread_rwlock_t lock;  /* see "Locking" above */
	bool lock_ready;
	demo_params params;
	demo_obj *objs[DEMO_N_KINDS];
	size_t n[DEMO_N_KINDS], cap[DEMO_N_KINDS];
	char *state_path;       /* NULL: changes are not persisted */
	void *ops;              /* the state file's operations (a jansson array) */
	bool replaying;         /* replaying the state file: do not log again */
	/* a change in progress ("Other processes" above; the write lock or a single thread) */
	unsigned int tx_depth;  /* changes nest: a callback's body, the model function it calls */
	int lock_fd;            /* <state>.lock, locked while tx_depth > 0; -1 otherwise */
	int tx_rc;              /* DEMO_OK, or why the change cannot be saved (refused) */
	demo_file_seen seen;
	demo_file_seen seen_bad;  /* a state file that could not be read (listings skip it) */
	int64_t now;            /* creation time for new objects; 0: the clock */
	demo_answer *answers;   /* demo_tokens.c's answers (in no particular order) */
	size_t n_answers, cap_answers;
} demo_model;

/* The model's lock (see "Locking" above); DEMO_READING / DEMO_WRITING wrap a callback's body. */
void demo_model_read_lock(demo_model *m);
void demo_model_write_lock(demo_model *m);
void demo_model_unlock(demo_model *m);
/* Releases the lock and returns rc. */
int demo_model_unlock_rc(demo_model *m, int rc);
/*
 * DEMO_READING(m, expr) evaluates the int expression `expr` (a callback's body) holding m's read
 * lock, DEMO_WRITING holding its write lock, and yields its value: the comma operator takes the
 * lock before `expr` is evaluated, demo_model_unlock_rc releases it after.
 */
#define DEMO_READING(m, expr) (demo_model_read_lock(m), demo_model_unlock_rc((m), (expr)))
#define DEMO_WRITING(m, expr) (demo_model_write_lock(m), demo_model_unlock_rc((m), (expr)))

/* "user", "group", ... and "User", "Group", ... */
const char *demo_kind_id(demo_kind kind);
const char *demo_kind_name(demo_kind kind);
/* The kind of a resource type id; false when it is not one of ours. */
bool demo_kind_parse(const char *type_id, demo_kind *kind);

/* The entitlement names of a kind (NULL-terminated; empty for users and workspaces). */
const char *const *demo_entitlements(demo_kind kind);
/* Index of an entitlement name of `kind`, or -1. */
int demo_entitlement_index(demo_kind kind, const char *name);
/* Whether `principal` may hold entitlement `ent` of `kind`. */
bool demo_entitlement_grantable(demo_kind kind, unsigned int ent, demo_kind principal);

/*
 * Generates the company for `params`, then replays the state file at `state_path` (NULL or a
 * missing file: nothing to replay). Operations of the log that no longer apply are skipped.
 */
int demo_model_new(const demo_params *params, const char *state_path, demo_model **out);
void demo_model_free(demo_model *m);

/* The object of `kind` with id `id` that is not deleted, or NULL. */
demo_obj *demo_model_find(demo_model *m, demo_kind kind, const char *id, size_t *idx);
demo_obj *demo_model_obj(demo_model *m, demo_ref ref);

/* Index of the grant of (ent, principal) on `obj`, or -1. */
long demo_obj_find_grant(const demo_obj *obj, unsigned int ent, demo_ref principal);

/*
 * Provisioning. Each successful change is appended to the state file before returning (a change
 * that cannot be saved is undone and reported as DEMO_IO).
 *  - grant: DEMO_OK (granted), DEMO_EXISTS (already held), DEMO_NOTFOUND, DEMO_INVALID.
 *  - revoke: DEMO_OK, DEMO_ABSENT (was not held), DEMO_NOTFOUND, DEMO_INVALID.
 */
int demo_model_grant(demo_model *m, demo_kind kind, const char *resource_id, const char *ent_name,
                     demo_kind principal_kind, const char *principal_id);
int demo_model_revoke(demo_model *m, demo_kind kind, const char *resource_id, const char *ent_name,
                      demo_kind principal_kind, const char *principal_id);

/*
 * A new user: DEMO_OK with *idx the new user, or DEMO_EXISTS with *idx the user that already has
 * that login (or primary email). emails[0] is the primary one; profile_json is an object or NULL.
 */
int demo_model_create_user(demo_model *m, const char *login, const char *const *emails,
                           size_t n_emails, const char *profile_json, size_t *idx);
/* Counts a credential rotation of a user (DEMO_NOTFOUND when there is no such user). */
int demo_model_rotate(demo_model *m, const char *user_id);
/*
 * A new group, or a new project in workspace `parent_id` (required for projects). The id is
 * derived from the kind and the next free index; *idx receives the new object.
 */
int demo_model_create(demo_model *m, demo_kind kind, const char *name, const char *description,
                      const char *parent_id, size_t *idx);
/*
 * Deletes a user, group or project, and every grant to it or on it. DEMO_NOTFOUND when absent;
 * for projects a parent that does not match is DEMO_NOTFOUND too.
 */
int demo_model_delete(demo_model *m, demo_kind kind, const char *id, const char *parent_id);

/*
 * For the event feeds, actions and tickets (demo_events.c, demo_actions.c, demo_tickets.c):
 *  - demo_model_log appends an operation (a jansson object, taken over) to the state file; every
 *    logged operation carries "at", the Unix time it was logged;
 *  - demo_model_ops is the state file's operations so far (a jansson array, borrowed);
 *  - demo_model_set_disabled disables or enables a user (logged, replayed).
 */
int demo_model_log(demo_model *m, void *op);
const void *demo_model_ops(const demo_model *m);
int demo_model_set_disabled(demo_model *m, const char *user_id, bool disabled);

/*
 * demo_tokens.c's answers by request id: demo_model_answer finds one (or NULL);
 * demo_model_keep_answer copies the three strings (DEMO_OK, DEMO_NOMEM); demo_model_forget_answer
 * drops one, wiping its value (no-op when absent). demo_model_free wipes every kept value.
 */
const demo_answer *demo_model_answer(const demo_model *m, const char *request_id);
int demo_model_keep_answer(demo_model *m, const char *request_id, const char *token, const char *value);
void demo_model_forget_answer(demo_model *m, const char *request_id);

/* Number of objects of a kind that are not deleted, and of grants on them. */
size_t demo_model_count(const demo_model *m, demo_kind kind);
size_t demo_model_count_grants(const demo_model *m, demo_kind kind);

#endif /* BATON_DEMO_MODEL_H */
