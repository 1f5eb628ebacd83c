/*
 * baton-ldap: a small client over OpenLDAP's libldap.
 *
 * One lc_conn is one bound connection (ldap://, ldaps:// or ldap:// + StartTLS), reconnected
 * transparently once when the server went away. Searches come back one page at a time through
 * the RFC 2696 simple paged results control; the cookie travels as base64 text so that it fits in
 * a page token. Errors are libbaton error codes with a message set (baton_error_set): NotFound for
 * noSuchObject, Unavailable for connection trouble (the SDK retries those with backoff), and the
 * LDAP result text otherwise.
 *
 * DNs are compared and used as resource ids in canonical form (lc_dn_canonical): attribute types
 * lowercased, values trimmed, values of the usual case-insensitive attributes lowercased, RDN
 * parts sorted, and the RFC 4514 escapes go-ldap writes -- so ids match the Go connector's.
 */
#ifndef BATON_LDAP_CLIENT_H
#define BATON_LDAP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <ldap.h>

typedef struct lc_options {
	const char *url;            /* ldap://host:port or ldaps://host:port */
	const char *bind_dn;        /* "" or NULL: anonymous */
	const char *password;       /* "" or NULL: unauthenticated bind */
	bool start_tls;             /* ldap:// + StartTLS (required when set) */
	bool insecure_skip_verify;  /* do not verify the server certificate */
	const char *ca_cert_file;   /* PEM bundle to verify the server with, or NULL */
	int timeout_seconds;        /* network and operation timeout; 0: 30 */
} lc_options;

typedef struct lc_conn {
	LDAP *ld;
	lc_options opts;            /* strings borrowed from the caller */
} lc_conn;

/* Connects and binds. On failure conn->ld is NULL and the error is set. */
int lc_open(lc_conn *conn, const lc_options *opts);
void lc_close(lc_conn *conn);

/* One page of a search. Entries are walked with ldap_first_entry / ldap_next_entry on `res`. */
typedef struct lc_page {
	LDAPMessage *res;           /* free with lc_page_free */
	char *next_cookie;          /* base64 (malloc), NULL when this was the last page */
	int count;
} lc_page;

/*
 * Runs one page of a search: `cookie` is NULL/"" for the first page or the base64 cookie of the
 * previous one; page_size 0 asks for a plain (unpaged) search. A cookie the server no longer
 * knows (a new connection, a restarted server) restarts the search from its first page, once, as
 * the Go connector does: *restarted tells the caller.
 */
int lc_search_page(lc_conn *conn, const char *base, int scope, const char *filter,
                   const char *const *attrs, const char *cookie, int page_size, lc_page *page,
                   bool *restarted);
void lc_page_free(lc_page *page);

/* A base-scoped read of one entry (NotFound when absent or filtered out). *res freed by caller
 * with ldap_msgfree; *entry points into it. */
int lc_get(lc_conn *conn, const char *dn, const char *filter, const char *const *attrs,
           LDAPMessage **res, LDAPMessage **entry);

/* Writes. Each returns 0 or an error; *ldap_rc (may be NULL) gets the LDAP result code so callers
 * can treat "already there" / "already gone" as success. */
int lc_modify(lc_conn *conn, const char *dn, LDAPMod **mods, int *ldap_rc);
int lc_add(lc_conn *conn, const char *dn, LDAPMod **mods, int *ldap_rc);
int lc_delete(lc_conn *conn, const char *dn, int *ldap_rc);

/* The first value of an attribute (case-insensitive name) as a NUL-terminated malloc'd string,
 * or NULL. */
char *lc_first_value(lc_conn *conn, LDAPMessage *entry, const char *attr);
/* Whether the entry's objectClass has `oc` (case-insensitive). */
bool lc_has_object_class(lc_conn *conn, LDAPMessage *entry, const char *oc);

/* The canonical form of a DN (malloc), or NULL when it does not parse (error set). */
char *lc_dn_canonical(const char *dn);
/* The value of the first RDN's first attribute (malloc), or NULL. */
char *lc_dn_first_value(const char *dn);
/* Whether canonical DN `dn` is `scope` or below it (both canonical). */
bool lc_dn_within(const char *dn, const char *scope);
/* RFC 4514 escaping of an attribute value for use in a DN (malloc). */
char *lc_dn_escape_value(const char *value);
/* RFC 4515 escaping of an assertion value for use in a filter (malloc). */
char *lc_filter_escape(const char *value);

/* base64 (standard alphabet, padded). Both return malloc'd buffers or NULL. */
char *lc_base64_encode(const unsigned char *data, size_t len);
unsigned char *lc_base64_decode(const char *text, size_t *len);

/* The libbaton error code for an LDAP result code. */
int lc_error_code(int ldap_rc);

#endif
