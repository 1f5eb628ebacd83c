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

/* libbaton's provisioning flags that are not in the Go SDK (hidden, CLI only). The SDK table
 * (flags.c) appends these. */
extern const baton_field baton__provision_fields[];
extern const size_t baton__n_provision_fields;

#endif
