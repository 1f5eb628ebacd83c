/*
 * The provisioning one-shots (mode_provision.c): what they need beyond modes.h.
 *
 * Secrets (create-account and rotate-credentials passwords) never reach a log or the terminal in
 * clear. Without a recipient they are encrypted to a throw-away key that is discarded at once, as
 * the Go SDK's one-shots do, and only their names are logged. With --secret-recipient (or
 * $BATON_SECRET_RECIPIENT) each one is printed on stdout as an armored age file encrypted to the
 * user's key: an age X25519 recipient "age1...", an OpenSSH "ssh-ed25519 AAAA..." public key line,
 * an Ed25519 public JWK (what the Go SDK's baton/jwk/v1 provider takes; encrypted as age does
 * to the matching ssh-ed25519 key), a PEM Ed25519/X25519 public key, or the path of a file holding
 * one of these. `age -d -i <identity or ssh key>` decrypts it.
 */
#ifndef BATON_CLI_PROVISION_H
#define BATON_CLI_PROVISION_H

#include <stddef.h>

#include "baton/config.h"
#include "baton/store.h"
#include "cli/modes.h"
#include "connector/connector.h"
#include "crypto/crypto.h"

/* libbaton's provisioning flags that are not in the Go SDK (hidden, CLI only). The SDK table
 * (flags.c) appends these. */
extern const baton_field baton__provision_fields[];
extern const size_t baton__n_provision_fields;

/* The state of one provisioning one-shot (mode_provision.c), shared with mode_credentials.c. */
typedef struct baton__prov {
	baton__cli_env *env;
	const char *op;              /* "grant", ... (messages) */
	baton__runtime rt;
	bool rt_open;
	baton_ctx data;              /* objects read from the c1z and built by the SDK */
	baton_ctx cctx;              /* the callback's context */
	baton__call call;
	baton_store *store;
	const char *c1z;
	bool have_recipient;
	baton__age_recipient recipient;
	char key_id[65];
} baton__prov;

typedef int (*baton__prov_invoke_fn)(baton__prov *p, const baton__rtype *t, void *arg);
typedef int (*baton__prov_consume_fn)(baton__prov *p, void *arg);

/* The steps of a one-shot, for the one-shots in other files (see mode_provision.c). */
void baton__prov_init(baton__prov *p, baton__cli_env *env, const char *op);
void baton__prov_free(baton__prov *p);
int baton__prov_open_connector(baton__prov *p);
int baton__prov_load_recipient(baton__prov *p);
int baton__prov_run_call(baton__prov *p, baton__call_kind kind, const baton__rtype *t, baton__prov_invoke_fn invoke,
                         baton__prov_consume_fn consume, void *arg);
int baton__prov_deliver_secrets(baton__prov *p);
int baton__prov_failed(int rc);
int baton__prov_usage_error(const char *fmt, ...) BATON_PRINTF(1, 2);

/* Credential issuing (mode_credentials.c; its hidden flags are in baton__provision_fields). */
int baton__mode_issue_credential(baton__cli_env *env);

#endif
