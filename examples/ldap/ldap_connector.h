/*
 * baton-ldap: the connector (connector.c), shared by the program (main.c) and the tests.
 */
#ifndef BATON_LDAP_CONNECTOR_H
#define BATON_LDAP_CONNECTOR_H

#include <stdbool.h>

#include "baton.h"

extern const baton_connector ldap_connector;

/* The connector's settings, as read from its configuration fields by init. */
typedef struct ldap_settings {
	const char *url;              /* --url (or ldap://<--domain>) */
	const char *bind_dn;          /* --bind-dn (or the deprecated --user-dn) */
	const char *password;         /* --password */
	const char *base_dn;          /* --base-dn */
	const char *user_search_dn;   /* default: base_dn */
	const char *group_search_dn;  /* default: base_dn */
	const char *role_search_dn;   /* default: base_dn */
	const char *filter;           /* --filter, ANDed into every search; "" for none */
	int page_size;                /* --page-size; 0: 50 */
	bool start_tls;               /* --start-tls */
	bool insecure_skip_verify;    /* --insecure-skip-verify */
	const char *ca_cert_file;     /* --ca-cert-file */
	bool disable_operational_attrs; /* --disable-operational-attrs */
} ldap_settings;

/*
 * For tests that call the callbacks directly (without baton_main): when set before init, init
 * uses these settings instead of reading the configuration. NULL: read the configuration.
 */
extern const ldap_settings *ldap_settings_override;

#endif
