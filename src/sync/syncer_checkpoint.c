/*
 * Checkpoints (the sync token in the store) and the start of a sync: a new one, the one to
 * resume, or a finished one a previous run did not save.
 */
#include "sync/syncer_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Checkpoints                                                                                 */

int baton__syncer_checkpoint(baton__syncer *s, bool force)
{
	int64_t now = baton__sync_now_ms();
	if (!force && s->checkpointed && now - s->last_checkpoint_ms < (int64_t)s->checkpoint_interval)
		return 0;
	s->last_checkpoint_ms = now;
	s->checkpointed = true;
	char *tok = NULL;
	int rc = baton__fault("sync.checkpoint");
	if (!rc)
		rc = baton__state_marshal(&s->st, &tok);
	if (rc)
		return rc;
	rc = baton_store_sync_checkpoint(s->store, tok);
	free(tok);
	return rc;
}

int baton__syncer_pick_sync(baton__syncer *s)
{
	int rc;
	if (!s->n_targets) {
		bool resumed = false;
		rc = baton_store_sync_start_or_resume(s->store, s->type, NULL, s->sync_id, &resumed);
		s->resumed = resumed;
		return rc;
	}
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_sync_run run;
	const char *parent = NULL;
	rc = baton_store_sync_latest_finished(s->store, BATON_SYNC_TYPE_FULL, &tmp, &run);
	if (rc == 0)
		parent = run.id;
	else if (rc == BATON_ENOTFOUND)
		rc = 0;
	if (!rc)
		rc = baton_store_sync_start(s->store, BATON_SYNC_TYPE_PARTIAL, parent, s->sync_id);
	baton__ctx_release(&tmp);
	return rc;
}

/*
 * A previous run that ended its sync but was stopped before saving the c1z left that finished
 * sync in the working copy: this run only saves it (the sync is the same kind as this run's).
 */
int baton__syncer_find_unsaved_end(baton__syncer *s, bool *ended)
{
	*ended = false;
	if (!baton_store_resumed(s->store))
		return 0;
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_sync_run run;
	int rc = baton_store_sync_unsaved_finished(s->store, &tmp, &run);
	if (rc == BATON_ENOTFOUND) {
		rc = 0;
	} else if (rc == 0 && run.type == s->type) {
		snprintf(s->sync_id, sizeof(s->sync_id), "%s", run.id);
		s->resumed = true;
		*ended = true;
		baton_store_counts c;
		if (baton_store_count(s->store, s->sync_id, &c) == 0) {
			s->n_resource_types = c.resource_types;
			s->n_resources = c.resources;
			s->n_entitlements = c.entitlements;
			s->n_grants = c.grants;
		}
		baton__log(BATON_LOG_INFO, "the previous run finished its sync but stopped before saving the "
		           "file; saving it", "sync_id", s->sync_id, NULL);
	}
	baton__ctx_release(&tmp);
	return rc;
}

int baton__syncer_load_state(baton__syncer *s)
{
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_sync_run run;
	int rc = baton_store_sync_get(s->store, s->sync_id, &tmp, &run);
	if (!rc)
		rc = baton__state_unmarshal(&s->st, s->resumed ? baton__nz(run.sync_token) : "");
	baton__ctx_release(&tmp);
	if (rc)
		return rc;
	if (!s->resumed) {
		s->st.ingest_quality.known = true;
	} else if (!s->st.ingest_quality.known) {
		s->st.ingest_quality.known = true;
		s->st.ingest_quality.source_cache_replay_blocked = true;
		s->st.ingest_quality.reason_flags = 64;
	}
	if (s->resumed) {
		baton__action *a = baton__state_current(&s->st);
		char done[24];
		snprintf(done, sizeof(done), "%" PRIu64, s->st.completed_actions_count);
		baton__log(BATON_LOG_INFO, "resumed previous sync", "sync_id", s->sync_id, "current_action_op",
		           a ? baton__op_name(a->op) : "", "current_action_resource_type_id",
		           a ? baton__nz(a->resource_type_id) : "", "current_action_resource_id",
		           a ? baton__nz(a->resource_id) : "", "current_action_page_token", a ? baton__nz(a->page_token) : "",
		           "#completed_actions", done, NULL);
		if (!a) {
			baton__action init = {0};
			init.op = BATON__OP_INIT;
			if ((rc = baton__state_push(&s->st, &init, NULL)) || (rc = baton__syncer_checkpoint(s, true)))
				return rc;
		}
	}
	return 0;
}
