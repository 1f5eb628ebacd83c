/*
 * --event-feed=true [--event-feed-id ID] [--event-feed-start-at RFC3339] [--event-feed-cursor C]:
 * pages ListEvents of the feed with page size 100 from the cursor (or the start time), printing
 * each Event as one line of compact protojson on stdout, until the feed has no more. The cursor
 * the stream ends at is logged at debug level, for resuming with --event-feed-cursor.
 */
#include "cli/mode_ext.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "proto/protojson.h"
#include "google/protobuf/timestamp.pb-c.h"

#define EVENTS_PER_PAGE 100

/* RFC 3339 (any offset, optional fraction) or a bare YYYY-MM-DD date (midnight UTC). */
static int parse_time(baton_ctx *ctx, const char *s, Google__Protobuf__Timestamp **out)
{
	char buf[96];
	size_t n = strlen(s);
	if (n == 10 && s[4] == '-' && s[7] == '-')
		snprintf(buf, sizeof(buf), "\"%sT00:00:00Z\"", s);
	else if (n < sizeof(buf) - 2 && !strchr(s, '"') && !strchr(s, '\\'))
		snprintf(buf, sizeof(buf), "\"%s\"", s);
	else
		return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"--event-feed-start-at\" flag: "
		                       "not an RFC 3339 time", s);
	ProtobufCMessage *m;
	if (baton__protojson_read(&ctx->arena, &google__protobuf__timestamp__descriptor, buf, strlen(buf), &m))
		return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"--event-feed-start-at\" flag: "
		                       "not an RFC 3339 time", s);
	*out = (Google__Protobuf__Timestamp *)m;
	return 0;
}

int baton__mode_event_feed(baton__cli_env *env)
{
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton__runtime rt;
	int status = 0, rc;
	const char *feed = baton__cli_string(env->cli, "event-feed-id");
	const char *start = baton__cli_string(env->cli, "event-feed-start-at");
	const char *cursor_flag = baton__cli_string(env->cli, "event-feed-cursor");

	Google__Protobuf__Timestamp *start_at = NULL;
	if (*start && (rc = parse_time(&ctx, start, &start_at))) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		baton__ctx_release(&ctx);
		return 2;
	}
	/* The request's strings must outlive the per-page resets: copy them out of ctx. */
	Google__Protobuf__Timestamp start_copy = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	if (start_at) {
		start_copy.seconds = start_at->seconds;
		start_copy.nanos = start_at->nanos;
	}
	if (baton__mode_open(env, &rt, &status)) {
		baton__ctx_release(&ctx);
		return status;
	}
	char *cursor = strdup(cursor_flag);
	size_t pages = 0, total = 0;
	while (cursor) {
		baton__ctx_reset(&ctx);
		C1__Connector__V2__ListEventsRequest req = C1__CONNECTOR__V2__LIST_EVENTS_REQUEST__INIT;
		req.page_size = EVENTS_PER_PAGE;
		req.cursor = cursor;
		req.start_at = start_at ? &start_copy : NULL;
		req.event_feed_id = (char *)feed;
		C1__Connector__V2__ListEventsResponse *resp;
		if ((rc = baton__list_events(&rt, &ctx, &req, &resp))) {
			status = baton__mode_fail(rc);
			break;
		}
		for (size_t i = 0; i < resp->n_events; i++) {
			char *line;
			baton_protojson_opts o = {false, false};
			if ((rc = baton__protojson_write(&ctx.arena, &resp->events[i]->base, &o, &line, NULL))) {
				status = baton__mode_fail(rc);
				goto out;
			}
			fputs(line, stdout);
			fputc('\n', stdout);
		}
		fflush(stdout);
		pages++;
		total += resp->n_events;
		const char *next = resp->cursor ? resp->cursor : "";
		if (resp->has_more && !resp->n_events && !strcmp(next, cursor)) {
			baton_error_set(BATON_EINTERNAL, "error: listing events failed: the feed reported more events but "
			                "returned none and did not move its cursor - likely a connector bug");
			status = baton__mode_fail(BATON_EINTERNAL);
			break;
		}
		char *copy = strdup(next);
		free(cursor);
		cursor = copy;
		if (!cursor) {
			status = baton__mode_fail(baton__error_oom("cursor"));
			break;
		}
		if (!resp->has_more) {
			char np[32], ne[32];
			snprintf(np, sizeof(np), "%zu", pages);
			snprintf(ne, sizeof(ne), "%zu", total);
			baton__log(BATON_LOG_DEBUG, "event feed done", "event_feed_id", *feed ? feed : BATON_EVENT_FEED_DEFAULT_ID,
			           "cursor", cursor, "#pages", np, "#events", ne, NULL);
			break;
		}
	}
out:
	free(cursor);
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
	return status;
}
