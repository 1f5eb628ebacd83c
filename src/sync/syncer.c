/*
 * baton_sync(): one sync of a connector into a c1z. This file takes the options, opens the store,
 * validates the connector, picks or resumes the sync, runs the loop (syncer_loop.c) and saves the
 * result; syncer_int.h says how the syncer works and which file does what.
 */
#include "sync/syncer_int.h"
#include "baton/http.h"

/* ------------------------------------------------------------------------------------------ */
/* Start, end                                                                                  */

static int validate_connector(baton__syncer *s)
{
	if (!s->rt.conn->validate)
		return 0;
	baton__retryer r = {0, 5, 1000, 60000, 0};
	for (;;) {
		baton__syncer_call_begin(s, &s->main, BATON__CALL_VALIDATE, NULL, "");
		int rc = s->rt.conn->validate(&s->main.ctx);
		rc = baton__syncer_call_result(s, &s->main, rc, "validate");
		baton__ratelimit rl = s->main.rl;
		baton__call_end(&s->main.call, &s->main.ctx);
		if (!rc)
			return 0;
		if (!baton__retry_should(&r, rc, &rl, "validate", NULL))
			return baton__error_prefix("validate");
	}
}

static void syncer_free(baton__syncer *s)
{
	baton__pool_free(s->pool);
	s->pool = NULL;
	baton__state_free(&s->st);
	baton__call_free(&s->main.call);
	baton__ctx_release(&s->main.ctx);
	pthread_mutex_destroy(&s->store_mu);
	baton__ctx_release(&s->sctx);
	for (size_t i = 0; i < s->n_types; i++)
		free(s->types[i].id);
	free(s->types);
	baton__strset_free(&s->child_schedule);
	baton__strset_free(&s->spawned_admitted);
	for (size_t i = 0; i < s->n_targets; i++)
		for (int k = 0; k < 4; k++)
			free(s->targets[i][k]);
	free(s->targets);
	free(s->queue);
	free(s->page_counts);
}

static int sync_body(const baton_connector *connector, const baton_sync_options *opts,
                     baton_sync_summary *summary_out)
{
	baton_sync_options defaults = BATON_SYNC_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (opts->version < 1)
		return baton_error_set(BATON_EINVALID, "baton_sync: options version must be set (BATON_SYNC_OPTIONS_VERSION)");
	if (summary_out)
		memset(summary_out, 0, sizeof(*summary_out));
	baton__syncer *s = calloc(1, sizeof(*s));
	if (!s)
		return baton__error_oom("syncer");
	s->opts = opts;
	baton__ctx_init(&s->main.ctx);
	baton__ctx_init(&s->sctx);
	{
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&s->store_mu, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	s->workers = opts->workers ? baton__pool_workers(opts->workers) : 0;
	s->retry = (baton__retryer){0, 0, 1000, 60000, 0};
	s->checkpoint_interval = opts->checkpoint_interval_ms ? opts->checkpoint_interval_ms : 10000;
	{
		/* a test and tuning knob: wins over the option; 0 checkpoints at every opportunity */
		const char *ci = getenv("BATON_CHECKPOINT_INTERVAL_MS");
		if (ci && *ci) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(ci, &end, 10);
			if (errno || *end || *ci == '-' || v > 86400000ULL) {
				syncer_free(s);
				free(s);
				return baton_error_set(BATON_EINVALID, "BATON_CHECKPOINT_INTERVAL_MS=%s: expected a "
				                       "number of milliseconds (at most a day)", ci);
			}
			s->checkpoint_interval = v;
		}
	}
	s->started_ms = s->last_progress_ms = s->last_log_ms = baton__sync_now_ms();
	s->tty = isatty(2) && baton__log_get_format() == BATON__LOG_CONSOLE;
	s->type = opts->skip_entitlements_and_grants ? BATON_SYNC_TYPE_RESOURCES_ONLY : BATON_SYNC_TYPE_FULL;

	int rc = baton__syncer_parse_targets(s);
	if (rc) {
		syncer_free(s);
		free(s);
		return rc;
	}
	if (s->n_targets)
		s->type = BATON_SYNC_TYPE_PARTIAL;
	if ((rc = baton__runtime_open(&s->rt, connector))) {
		syncer_free(s);
		free(s);
		return rc;
	}
	/* The working copy is "<c1z>.wip/": every checkpoint survives a kill (see sync.h). */
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.tmp_dir = opts->tmp_dir;
	so.resumable_work_dir = true;
	const char *path = opts->c1z_path && *opts->c1z_path ? opts->c1z_path : "sync.c1z";
	bool ended_before = false;
	rc = baton_store_open(path, &so, &s->store);
	if (!rc)
		rc = baton__syncer_find_unsaved_end(s, &ended_before);
	if (!rc && !ended_before)
		rc = validate_connector(s);
	if (!rc && !ended_before)
		rc = baton__syncer_pick_sync(s);
	if (!rc && !ended_before) {
		s->rt.store = s->store;
		s->rt.sync_id = s->sync_id;
		s->rt.store_mu = &s->store_mu;
		rc = baton__syncer_load_state(s);
	}
	if (!rc && !ended_before)
		rc = baton__syncer_loop(s);
	if (!rc && !ended_before)
		rc = baton__syncer_checkpoint(s, true);
	if (!rc && !ended_before)
		rc = baton__fault("sync.end");
	if (!rc && !ended_before)
		rc = baton_store_sync_end(s->store);
	if (!rc) {
		/* the connector's Cleanup: its session store lives for one sync */
		if (baton_store_session_clear(s->store, s->sync_id, NULL))
			baton__log(BATON_LOG_ERROR, "error clearing connector caches", "error", baton_error_last()->message, NULL);
		/* and, as Go's Cleanup, every HTTP response cache of the process */
		baton_http_clear_caches();
		baton__syncer_summary(s);
		if (s->warnings) {
			char w[24];
			snprintf(w, sizeof(w), "%" PRIu64, s->warnings);
			baton__log(BATON_LOG_WARN, "sync completed with warnings", "#warning_count", w, NULL);
		}
	} else if (s->tty) {
		baton__log_status(NULL);
	}
	/* The last word goes to the callback only: the summary above has replaced the live line. */
	baton__syncer_progress_notify(s, baton__sync_now_ms(), true);
	if (summary_out) {
		snprintf(summary_out->sync_id, sizeof(summary_out->sync_id), "%.27s", s->sync_id);
		summary_out->resumed = s->resumed;
		summary_out->resource_types = s->n_resource_types;
		summary_out->resources = s->n_resources;
		summary_out->entitlements = s->n_entitlements;
		summary_out->grants = s->n_grants;
		summary_out->expanded_grants = s->n_expanded;
		summary_out->warnings = s->warnings;
		summary_out->retries = s->retry.retries;
		summary_out->seconds = (double)(baton__sync_now_ms() - s->started_ms) / 1000.0;
	}
	/*
	 * A finished sync is saved into the c1z (and the working copy removed). A failed one is not:
	 * the c1z stays the previous file and the working copy keeps what was done and the last
	 * checkpoint, for the next run to resume.
	 */
	if (s->store) {
		baton_error saved = *baton_error_last();
		char *msg = rc ? strdup(saved.message) : NULL;
		int crc = rc ? baton_store_suspend(s->store) : baton_store_close(s->store);
		s->store = NULL;
		if (rc)
			baton_error_set(rc, "%s", msg ? msg : "");
		else
			rc = crc;
		free(msg);
	}
	s->rt.store = NULL;
	s->rt.store_mu = NULL;
	/* the workers are joined before the connector's close runs */
	baton__pool_free(s->pool);
	s->pool = NULL;
	baton__runtime_close(&s->rt);
	syncer_free(s);
	free(s);
	return rc;
}

BATON_API int baton_sync(const baton_connector *connector, const baton_sync_options *opts,
                         baton_sync_summary *summary_out)
{
	/* this sync's own stop, seen by baton__sync_stop_requested() on this thread and (through the
	 * pool) on its workers; the options (version >= 3) are borrowed for the whole call */
	baton__sync_stop own = {NULL, NULL};
	if (opts && opts->version >= 3 && opts->should_stop) {
		own.fn = opts->should_stop;
		own.user = opts->stop_user;
	}
	const baton__sync_stop *prev = baton__sync_stop_set(own.fn ? &own : NULL);
	baton__sync_stop_enter();
	int rc = sync_body(connector, opts, summary_out);
	baton__sync_stop_leave();
	baton__sync_stop_set(prev);
	return rc;
}
