/*
 * Service mode's HTTP health server (health.c): Go v0.25's pkg/healthcheck endpoints /health,
 * /ready and /live, served by libmicrohttpd while the daemon runs.
 */
#ifndef BATON_SERVICE_HEALTH_H
#define BATON_SERVICE_HEALTH_H

#include "baton/connector.h"

typedef struct baton__svc_health baton__svc_health;

/*
 * Listens on bind_addr:port ("" = every address, port 0 = any free one) and serves from a thread
 * of its own; `conn` is borrowed for the server's life. Errors: "failed to start health check
 * server: ..." (an invalid port, an address that does not resolve or cannot be bound).
 */
int baton__svc_health_start(baton__svc_health **out, const baton_connector *conn, const char *bind_addr,
                            long long port);
/* Stops serving (waits for requests in progress) and frees h; NULL is a no-op. */
void baton__svc_health_stop(baton__svc_health *h);

#endif
