/*
 * Progress: the caller's callback, the live line on a terminal or a periodic record, the
 * summary at the end of a sync, and the debug record of every page a list callback answers.
 */
#include "sync/syncer_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Progress                                                                                    */

static void fill_progress(baton__syncer *s, baton_sync_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->phase = s->phase ? s->phase : "";
	baton__action *a = baton__state_current(&s->st);
	p->resource_type_id = a ? baton__nz(a->resource_type_id) : "";
	p->resource_id = a ? baton__nz(a->resource_id) : "";
	p->resource_types = s->n_resource_types;
	p->resources = s->n_resources;
	p->entitlements = s->n_entitlements;
	p->grants = s->n_grants;
	p->pages = s->pages;
}

/* Calls the caller's progress callback (at most every progress_interval_ms unless forced). */
void baton__syncer_progress_notify(baton__syncer *s, int64_t now, bool force)
{
	if (!s->opts->progress)
		return;
	unsigned iv = s->opts->progress_interval_ms ? s->opts->progress_interval_ms : 1000;
	if (force || now - s->last_progress_ms >= (int64_t)iv) {
		baton_sync_progress p;
		fill_progress(s, &p);
		s->opts->progress(&p, s->opts->progress_userdata);
		s->last_progress_ms = now;
	}
}

/* Progress for the callback, and for people: the live line on a terminal (redrawn at most 10
 * times a second, and whenever the phase changes), else a log record every 10 s. */
void baton__syncer_progress_tick(baton__syncer *s, bool force)
{
	int64_t now = baton__sync_now_ms();
	baton__syncer_progress_notify(s, now, force);
	if (s->tty) {
		if (force || s->phase != s->line_phase || now - s->last_line_ms >= 100) {
			s->line_phase = s->phase;
			double secs = (double)(now - s->started_ms) / 1000.0;
			uint64_t items = s->n_resources + s->n_entitlements + s->n_grants;
			char line[256];
			snprintf(line, sizeof(line), "%s %s | types %" PRIu64 " resources %" PRIu64 " entitlements %" PRIu64
			         " grants %" PRIu64 " | %.0f/s", s->phase ? s->phase : "starting",
			         baton__state_current(&s->st) ? baton__nz(baton__state_current(&s->st)->resource_type_id) : "",
			         s->n_resource_types, s->n_resources, s->n_entitlements, s->n_grants,
			         secs > 0 ? (double)items / secs : 0.0);
			baton__log_status(line);
			s->last_line_ms = now;
		}
	} else if (force || now - s->last_log_ms >= 10000) {
		char r[24], e[24], g[24];
		snprintf(r, sizeof(r), "%" PRIu64, s->n_resources);
		snprintf(e, sizeof(e), "%" PRIu64, s->n_entitlements);
		snprintf(g, sizeof(g), "%" PRIu64, s->n_grants);
		if (now != s->last_log_ms && !force)
			baton__log(BATON_LOG_INFO, "Sync progress", "phase", s->phase ? s->phase : "", "#resources", r,
			           "#entitlements", e, "#grants", g, NULL);
		s->last_log_ms = now;
	}
}

void baton__syncer_summary(baton__syncer *s)
{
	if (s->tty)
		baton__log_status(NULL);
	for (size_t i = 0; i < s->n_types; i++) {
		baton__type_info *t = &s->types[i];
		if (!t->resources && !t->entitlements && !t->grants)
			continue;
		char r[24], e[24], g[24];
		snprintf(r, sizeof(r), "%" PRIu64, t->resources);
		snprintf(e, sizeof(e), "%" PRIu64, t->entitlements);
		snprintf(g, sizeof(g), "%" PRIu64, t->grants);
		baton__log(BATON_LOG_INFO, "Synced resource type", "resource_type_id", t->id, "#resources", r,
		           "#entitlements", e, "#grants", g, NULL);
	}
	char d[32];
	snprintf(d, sizeof(d), "%.3f", (double)(baton__sync_now_ms() - s->started_ms) / 1000.0);
	baton__log(BATON_LOG_INFO, "Sync complete.", "sync_id", s->sync_id, "#duration_seconds", d, NULL);
}

/*
 * Pagination is invisible to an author otherwise: at debug level, one record per page a list
 * callback answered (called on the loop thread when the page is written), with the operation, the
 * resource type, the parent ("type/id": the parent resource of a list-resources call, the resource
 * whose entitlements or grants are listed; "none" for top-level resources and static
 * entitlements), the page number (1-based, per listing), the items the callback emitted and
 * whether it set a next page token. A listing whose first page in this run started from a page
 * token (resumed from a checkpoint, or a cursor spawned by EnqueuePageTokens) counts its pages
 * from there and says so with "started_mid_listing". Nothing is counted when debug records are
 * off; a count that cannot be kept (out of memory) only restarts the numbering.
 */
void baton__syncer_log_page(baton__syncer *s, const baton__action *a, const char *op, const char *parent_type,
                            const char *parent_id, size_t items, const char *next_page)
{
	if (!baton__log_enabled(BATON_LOG_DEBUG))
		return;
	size_t i = 0;
	while (i < s->n_page_counts && s->page_counts[i].action_id != a->id)
		i++;
	bool known = i < s->n_page_counts;
	uint64_t page = (known ? s->page_counts[i].pages : 0) + 1;
	bool mid = !known && a->page_token && *a->page_token;
	bool more = next_page && *next_page;
	if (more && known) {
		s->page_counts[i].pages = page;
	} else if (more) {
		if (s->n_page_counts == s->cap_page_counts) {
			size_t cap = s->cap_page_counts ? s->cap_page_counts * 2 : 16;
			baton__page_count *v = realloc(s->page_counts, cap * sizeof(*v));
			if (v) {
				s->page_counts = v;
				s->cap_page_counts = cap;
			}
		}
		if (s->n_page_counts < s->cap_page_counts)
			s->page_counts[s->n_page_counts++] = (baton__page_count){a->id, page};
	} else if (known) {
		s->page_counts[i] = s->page_counts[--s->n_page_counts];
	}
	baton__buf parent = {0};
	if (parent_type && parent_id)
		baton__buf_printf(&parent, "%s/%s", parent_type, parent_id);
	char pg[24], n[24];
	snprintf(pg, sizeof(pg), "%" PRIu64, page);
	snprintf(n, sizeof(n), "%zu", items);
	baton__log(BATON_LOG_DEBUG, "listed page", "operation", op, "resource_type_id", baton__nz(a->resource_type_id),
	           "parent", parent.oom ? "?" : parent.data ? parent.data : "none", "#page", pg, "#items", n,
	           "#has_next_token", more ? "true" : "false", mid ? "#started_mid_listing" : NULL, "true", NULL);
	baton__buf_free(&parent);
}
