/*
 * baton-demo: event feeds (demo_events.c), custom actions (demo_actions.c) and ticketing
 * (demo_tickets.c), hooked into demo_connector.
 *
 * Feeds:
 *   "usage"    a user opened a project, every 10 minutes of wall time (event k at k*600 s since
 *              the epoch; actor and project picked from k), up to now ($BATON_DEMO_NOW, Unix
 *              seconds, overrides the clock). The cursor is the next k.
 *   "changes"  the provisioning operations of the state file, in order: grant and revoke as
 *              CREATE_GRANT / CREATE_REVOKE events, account/group/project creation and deletion as
 *              RESOURCE_CHANGE, at the time they were logged. The cursor is the next operation.
 * Actions:
 *   "rotate_all"      (global) rotates every enabled user's credential, or those in `user_ids`, or
 *                     counts them with `dry_run`; `department` and `user_ids` are exclusive.
 *   "slow_report"     (global) waits `seconds` (0..10) and reports the number of users.
 *   "disable_user"    (user) disables `user`; "enable_user" (user) enables it again.
 *   "add_member"      (group) grants membership (or admin) of the group to `user`.
 * Tickets: schemas "access-request" and "incident"; created tickets are kept in the state file.
 */
#ifndef BATON_DEMO_EXT_H
#define BATON_DEMO_EXT_H

#include <baton.h>

#define DEMO_N_EVENT_FEEDS 2
#define DEMO_N_ACTIONS 6

extern const baton_event_feed *const demo_event_feeds[DEMO_N_EVENT_FEEDS];
extern const baton_action *const demo_actions[DEMO_N_ACTIONS];
extern const baton_ticket_manager demo_tickets;

/* Event period of the "usage" feed, in seconds. */
#define DEMO_USAGE_PERIOD 600

/* API tokens (demo_tokens.c): the user type's credential issuing and the api_token type. */
extern const baton_credential_issue_details demo_token_details;
extern const baton_resource_syncer demo_token_syncer;
int demo_issue_token(baton_ctx *ctx, const baton_credential_issue_request *req);

#endif /* BATON_DEMO_EXT_H */
