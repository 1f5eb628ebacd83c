/*
 * baton-demo: what model.c (the company and its changes) and model_state.c (the state file, the
 * locks) share. Not for the connector's files: they use model.h.
 */
#ifndef BATON_DEMO_MODEL_INT_H
#define BATON_DEMO_MODEL_INT_H

#include <jansson.h>

#include "model.h"

/*
 * A change to the model: demo_state_begin takes the state file's lock and catches up with the
 * file (model.h, "Other processes"); it returns DEMO_OK or the reason the change cannot be saved
 * (kept in m->tx_rc until the end). Changes nest: only the outermost begin locks and reads, a
 * nested one returns the outer one's result. Without a state file, or while the file is being
 * replayed, nothing is locked. demo_state_end ends one level (releasing the lock with the last)
 * and returns rc. Both run under the model's write lock or in a single thread.
 */
int demo_state_begin(demo_model *m);
int demo_state_end(demo_model *m, int rc);
/* `expr` (a change's body) inside a change: refused with the begin's result when it failed. */
#define DEMO_CHANGE(m, expr) \
	demo_state_end((m), demo_state_begin(m) != DEMO_OK ? (m)->tx_rc : (expr))

/*
 * Appends `op` (taken over) to the operations and writes the state file with it, inside a change.
 * Returns DEMO_OK, DEMO_NOMEM or DEMO_IO; on failure the operations are as before. Replaying or
 * without a state file it only frees op.
 */
int demo_state_append(demo_model *m, json_t *op);

/* Replays the state file over a freshly generated company (demo_model_new). */
int demo_state_load(demo_model *m);

/* The lock of a new model (model.h, "Locking"): 0 or -1. */
int demo_state_lock_init(pthread_rwlock_t *lock);

#endif /* BATON_DEMO_MODEL_INT_H */
