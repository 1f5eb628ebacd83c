/*
 * Service mode internals shared by manager.c (the loop) and tasks.c (the task handlers).
 */
#ifndef BATON_SERVICE_TASKS_H
#define BATON_SERVICE_TASKS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "c1/connectorapi/baton/v1/baton.pb-c.h"
#include "cli/modes.h"
#include "connector/connector.h"
#include "service/queue.h"
#include "service/service.h"

typedef struct baton__svc {
	baton__cli_env *env;
	baton__svc_tokens tokens;
	baton__svc_conn conn;
	const char *tmp_dir;
	int concurrency;
	pthread_mutex_t mu;      /* running */
	pthread_cond_t cv;
	int running;
	int threads;             /* worker threads not yet ended */
	pthread_t *reap;         /* ended worker threads, to join */
	size_t n_reap;
	/* BATON_GET_TASKS: tasks come from GetTasks batches through `queue` */
	bool get_tasks;
	baton__svc_queue queue;
	/* release idle memory when the last running task ends (idle.c) */
	bool idle_trim;
	/* Actions live across tasks (invoke, then status): one running connector and its action
	 * manager, opened at the first action task, used under ext_mu. */
	pthread_mutex_t ext_mu;
	struct baton__runtime *ext_rt;
	struct baton__actions *actions;
} baton__svc;

/* A task's heartbeat thread (Go's HeartbeatTask). */
typedef struct baton__svc_heartbeat {
	baton__svc *s;
	const char *task_id;
	void (*on_cancel)(void *);  /* called on the heartbeat thread when the task must stop */
	void *cancel_arg;
	int max_failures;
	int64_t interval_ms;
	/* one heartbeat: 0 with *cancelled and *interval_ms set, or an error (tests replace it) */
	int (*send)(struct baton__svc_heartbeat *h, bool *cancelled, int64_t *interval_ms);
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, started;
	atomic_bool cancelled;       /* the server said so */
	atomic_bool failed;          /* too many heartbeat failures */
	atomic_bool stop;            /* baton__svc_heartbeat_stop: a heartbeat in flight is given up */
} baton__svc_heartbeat;

/* manager.c */
bool baton__svc_stopping(void);
bool baton__svc_sleep_ms(int64_t ms);
int64_t baton__svc_now_ms(void);
int baton__svc_hello(baton__svc *s, const char *task_id);
/*
 * FinishTask: success (task_rc 0) with `response` packed in an Any (NULL: none), or an error with
 * status {code of task_rc, message} and Error{non_retryable}; `annos` go in Success / Error.
 */
int baton__svc_finish(baton__svc *s, const char *task_id, const ProtobufCMessage *response,
                      Google__Protobuf__Any **annos, size_t n_annos, int task_rc, const char *message,
                      bool non_retryable);
/* The server's next_poll clamped to 0..5 min (unset: 0). */
int64_t baton__svc_next_poll_ms(const Google__Protobuf__Duration *d);
/* The server's next_heartbeat clamped to 1 s..5 min; unset or zero: 30 s. */
int64_t baton__svc_heartbeat_interval_ms(const Google__Protobuf__Duration *d);
/*
 * Sends the first heartbeat (its failure or a cancellation is returned) and starts the thread that
 * keeps heartbeating until baton__svc_heartbeat_stop.
 */
int baton__svc_heartbeat_start(baton__svc_heartbeat *h, baton__svc *s, const char *task_id,
                               void (*on_cancel)(void *), void *arg);
void baton__svc_heartbeat_stop(baton__svc_heartbeat *h);
/* baton__svc_heartbeat_start's work on a prepared struct (send, task_id, on_cancel, max_failures
 * set; the rest zero): for tests. */
int baton__svc_heartbeat_begin(baton__svc_heartbeat *h);

/* tasks.c */
const char *baton__svc_task_type_name(const C1__Connectorapi__Baton__V1__Task *task);
/* Frees what tasks kept across tasks (the action manager). */
void baton__svc_tasks_cleanup(baton__svc *s);
/* Runs one task to its end (FinishTask included, except for Hello tasks, as Go). */
void baton__svc_process(baton__svc *s, C1__Connectorapi__Baton__V1__Task *task);
/*
 * How a failed task is finished, as Go's task manager does with the error its handler returns:
 * the status code is rc's (a plain error of the handler's own: Unknown); non_retryable is whether
 * the handler joined ErrTaskNonRetryable, and then the message is the joined error's text: the
 * connector's gRPC status as its client prints it ("rpc error: code = X desc = M", or M alone for a
 * handler's own error) + "\ntask failed and is non-retryable". A retryable failure's message is M.
 */
enum {
	BATON__SVC_FAIL_STATUS = 1,        /* the error is the connector's status (not the handler's own) */
	BATON__SVC_FAIL_NON_RETRYABLE = 2, /* errors.Join(err, ErrTaskNonRetryable) */
};
/* Go's ErrTaskNonRetryable as errors.Join appends it. */
#define BATON__SVC_NON_RETRYABLE "\ntask failed and is non-retryable"
/* The failure message FinishTask carries for `message` (malloc'd; NULL when out of memory). */
char *baton__svc_fail_message(int rc, const char *message, unsigned how);
/* FinishTask with the last error (rc, baton_error_last()'s message) and `annos` (borrowed) in its
 * Error part. */
int baton__svc_finish_error(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task, Google__Protobuf__Any **annos,
                            size_t n_annos, int rc, unsigned how);
/* The last error as the connector builder's fmt.Errorf("<outer>: %w", err) reaches the task: a
 * status error's text is "rpc error: code = X desc = M" inside it (its code kept), a plain one
 * (Unknown) stays M. Returns rc. */
int baton__svc_wrap_status(int rc, const char *outer);

/*
 * Go's runner without --provisioning / --ticketing: the connector's noop provisioner or ticketing
 * answers the call, so a well-formed task (the handlers call this past their malformed checks)
 * fails there. Finishes the task and returns true when `task` (a provisioning, credential or
 * ticket task) is refused.
 */
bool baton__svc_gated(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);

/* tasks_prov.c: the provisioning tasks */
void baton__svc_do_grant(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_revoke(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_create_resource(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_delete_resource(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_create_account(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_rotate(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
/* Every secret of `call` encrypted for every config (EncryptedData in ctx, Go's order). */
int baton__svc_encrypt_secrets(baton_ctx *ctx, const baton__call *call, C1__Connector__V2__EncryptionConfig **confs,
                               size_t n_confs, C1__Connector__V2__EncryptedData ***out, size_t *n_out);

/* tasks_issue.c: IssueCredential */
void baton__svc_do_issue_credential(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);

/* tasks_ext.c: events, actions, tickets */
void baton__svc_do_list_event_feeds(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_list_events(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_action(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);
void baton__svc_do_ticket(baton__svc *s, const C1__Connectorapi__Baton__V1__Task *task);

#endif
