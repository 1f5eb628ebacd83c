/*
 * baton-ldap: the libldap client (see ldap_client.h).
 */
#include "ldap_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "baton.h"

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */

int lc_error_code(int ldap_rc)
{
	switch (ldap_rc) {
	case LDAP_SUCCESS:
		return 0;
	case LDAP_NO_SUCH_OBJECT:
		return BATON_ENOTFOUND;
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
		return BATON_EUNAVAILABLE;
	case LDAP_TIMEOUT:
	case LDAP_TIMELIMIT_EXCEEDED:
		return BATON_EDEADLINE;
	case LDAP_ADMINLIMIT_EXCEEDED:
	case LDAP_SIZELIMIT_EXCEEDED:
		return BATON_EEXHAUSTED;
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_STRONG_AUTH_REQUIRED:
	case LDAP_CONFIDENTIALITY_REQUIRED:
		return BATON_EPERM;
	case LDAP_INVALID_CREDENTIALS:
	case LDAP_INAPPROPRIATE_AUTH:
		return BATON_EUNAUTHENTICATED;
	case LDAP_OBJECT_CLASS_VIOLATION:
	case LDAP_CONSTRAINT_VIOLATION:
	case LDAP_INVALID_SYNTAX:
	case LDAP_UNDEFINED_TYPE:
	case LDAP_INVALID_DN_SYNTAX:
	case LDAP_NOT_ALLOWED_ON_RDN:
	case LDAP_FILTER_ERROR:
	case LDAP_PARAM_ERROR:
		return BATON_EINVALID;
	case LDAP_ALREADY_EXISTS:
	case LDAP_TYPE_OR_VALUE_EXISTS:
		return BATON_EEXISTS;
	case LDAP_UNWILLING_TO_PERFORM:
		return BATON_EPRECONDITION;
	case LDAP_NO_MEMORY:
		return BATON_EEXHAUSTED;
	default:
		return BATON_EUNKNOWN;
	}
}

static bool connection_lost(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR;
}

/* Sets the error for a failed operation, with the server's diagnostic when there is one. */
static int lc_fail(lc_conn *conn, int rc, const char *what, const char *dn)
{
	char *diag = NULL;
	int code = lc_error_code(rc);

	if (conn->ld != NULL)
		ldap_get_option(conn->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	baton_error_set(code, "ldap: %s%s%s: %s%s%s", what, dn ? " " : "", dn ? dn : "",
	                ldap_err2string(rc), diag && *diag ? ": " : "", diag && *diag ? diag : "");
	ldap_memfree(diag);
	return code;
}

/* ------------------------------------------------------------------------------------------ */
/* Connecting                                                                                  */

static int set_opt(LDAP *ld, int option, const void *value, const char *name)
{
	int rc = ldap_set_option(ld, option, value);

	if (rc != LDAP_OPT_SUCCESS)
		return baton_error_set(BATON_EINVALID, "ldap: cannot set %s: %s", name, ldap_err2string(rc));
	return 0;
}

static int connect_and_bind(lc_conn *conn)
{
	const lc_options *o = &conn->opts;
	int version = LDAP_VERSION3, req, zero = 0, rc;
	struct timeval tv;
	struct berval cred;
	LDAP *ld = NULL;

	tv.tv_sec = o->timeout_seconds > 0 ? o->timeout_seconds : 30;
	tv.tv_usec = 0;
	rc = ldap_initialize(&ld, o->url);
	if (rc != LDAP_SUCCESS)
		return baton_error_set(BATON_EINVALID, "ldap: invalid url %s: %s", o->url, ldap_err2string(rc));
	conn->ld = ld;
	req = o->insecure_skip_verify ? LDAP_OPT_X_TLS_NEVER : LDAP_OPT_X_TLS_DEMAND;
	if ((rc = set_opt(ld, LDAP_OPT_PROTOCOL_VERSION, &version, "protocol version")) != 0 ||
	    (rc = set_opt(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals")) != 0 ||
	    (rc = set_opt(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout")) != 0 ||
	    (rc = set_opt(ld, LDAP_OPT_TIMEOUT, &tv, "timeout")) != 0 ||
	    (rc = set_opt(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &req, "TLS certificate check")) != 0)
		goto fail;
	if (o->ca_cert_file != NULL && *o->ca_cert_file != '\0') {
		/* libldap says "Can't contact LDAP server" for a CA file it cannot use: name the file */
		FILE *ca = fopen(o->ca_cert_file, "r");
		char line[256];
		bool pem = false;
		if (ca == NULL) {
			rc = baton_error_set(BATON_EINVALID, "ldap: ca-cert-file %s: %s", o->ca_cert_file,
			                     strerror(errno));
			goto fail;
		}
		while (!pem && fgets(line, sizeof(line), ca) != NULL)
			pem = strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
		fclose(ca);
		if (!pem) {
			rc = baton_error_set(BATON_EINVALID, "ldap: ca-cert-file %s: no certificate in it (a PEM "
			                     "bundle is expected)", o->ca_cert_file);
			goto fail;
		}
		if ((rc = set_opt(ld, LDAP_OPT_X_TLS_CACERTFILE, o->ca_cert_file, "TLS CA file")) != 0)
			goto fail;
	}
	/* the TLS options above take effect in a new TLS context for this handle */
	if ((rc = set_opt(ld, LDAP_OPT_X_TLS_NEWCTX, &zero, "TLS context")) != 0) {
		if (o->ca_cert_file != NULL && *o->ca_cert_file != '\0')
			rc = baton_error_set(BATON_EINVALID, "ldap: ca-cert-file %s: the TLS library cannot use it: %s",
			                     o->ca_cert_file, baton_error_last()->message);
		goto fail;
	}
	if (o->start_tls) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			rc = lc_fail(conn, rc, "StartTLS with", o->url);
			goto fail;
		}
	}
	cred.bv_val = (char *)(o->password ? o->password : "");
	cred.bv_len = strlen(cred.bv_val);
	rc = ldap_sasl_bind_s(ld, o->bind_dn && *o->bind_dn ? o->bind_dn : NULL, LDAP_SASL_SIMPLE, &cred,
	                      NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		/* never name the password; the bind DN is fine */
		rc = lc_fail(conn, rc, "bind to", o->url);
		goto fail;
	}
	return 0;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	conn->ld = NULL;
	return rc;
}

int lc_open(lc_conn *conn, const lc_options *opts)
{
	conn->ld = NULL;
	conn->opts = *opts;
	return connect_and_bind(conn);
}

void lc_close(lc_conn *conn)
{
	if (conn->ld != NULL)
		ldap_unbind_ext_s(conn->ld, NULL, NULL);
	conn->ld = NULL;
}

/* Drops a broken connection and binds again. */
static int reconnect(lc_conn *conn)
{
	lc_close(conn);
	return connect_and_bind(conn);
}

static int ensure_open(lc_conn *conn)
{
	return conn->ld != NULL ? 0 : connect_and_bind(conn);
}

/* ------------------------------------------------------------------------------------------ */
/* Searching                                                                                   */

void lc_page_free(lc_page *page)
{
	if (page->res != NULL)
		ldap_msgfree(page->res);
	free(page->next_cookie);
	memset(page, 0, sizeof(*page));
}

/* One attempt; *ldap_rc gets the result code. */
static int search_once(lc_conn *conn, const char *base, int scope, const char *filter,
                       const char *const *attrs, const struct berval *cookie, int page_size,
                       lc_page *page, int *ldap_rc)
{
	LDAPControl *pctrl = NULL, *ctrls[2] = {NULL, NULL}, **rctrls = NULL, *found;
	struct timeval tv;
	struct berval next = {0, NULL};
	ber_int_t estimate = 0;
	int rc, err = LDAP_SUCCESS;

	tv.tv_sec = conn->opts.timeout_seconds > 0 ? conn->opts.timeout_seconds : 30;
	tv.tv_usec = 0;
	if (page_size > 0) {
		rc = ldap_create_page_control(conn->ld, (ber_int_t)page_size,
		                              cookie && cookie->bv_len ? (struct berval *)cookie : NULL, 0,
		                              &pctrl);
		if (rc != LDAP_SUCCESS) {
			*ldap_rc = rc;
			return lc_fail(conn, rc, "paged results control for", base);
		}
		ctrls[0] = pctrl;
	}
	rc = ldap_search_ext_s(conn->ld, base, scope, filter, (char **)attrs, 0, ctrls, NULL, &tv,
	                       LDAP_NO_LIMIT, &page->res);
	if (pctrl != NULL)
		ldap_control_free(pctrl);
	*ldap_rc = rc;
	if (rc != LDAP_SUCCESS) {
		if (page->res != NULL) {
			ldap_msgfree(page->res);
			page->res = NULL;
		}
		return lc_fail(conn, rc, "search under", base);
	}
	rc = ldap_parse_result(conn->ld, page->res, &err, NULL, NULL, NULL, &rctrls, 0);
	if (rc != LDAP_SUCCESS) {
		*ldap_rc = rc;
		return lc_fail(conn, rc, "search result under", base);
	}
	page->count = ldap_count_entries(conn->ld, page->res);
	found = rctrls ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL) : NULL;
	if (found != NULL && ldap_parse_pageresponse_control(conn->ld, found, &estimate, &next) == LDAP_SUCCESS) {
		if (next.bv_len > 0) {
			page->next_cookie = lc_base64_encode((unsigned char *)next.bv_val, next.bv_len);
			if (page->next_cookie == NULL) {
				ber_memfree(next.bv_val);
				ldap_controls_free(rctrls);
				return baton_error_set(BATON_EEXHAUSTED, "ldap: out of memory");
			}
		}
		ber_memfree(next.bv_val);
	}
	ldap_controls_free(rctrls);
	return 0;
}

int lc_search_page(lc_conn *conn, const char *base, int scope, const char *filter,
                   const char *const *attrs, const char *cookie, int page_size, lc_page *page,
                   bool *restarted)
{
	struct berval bv = {0, NULL};
	size_t len = 0;
	int rc, ldap_rc = 0, attempt;

	memset(page, 0, sizeof(*page));
	if (restarted)
		*restarted = false;
	if (cookie != NULL && *cookie != '\0') {
		bv.bv_val = (char *)lc_base64_decode(cookie, &len);
		if (bv.bv_val == NULL)
			return baton_error_set(BATON_EINVALID, "ldap: page token corrupt: bad paging cookie");
		bv.bv_len = (ber_len_t)len;
	}
	for (attempt = 0; attempt < 3; attempt++) {
		if ((rc = ensure_open(conn)) != 0)
			break;
		rc = search_once(conn, base, scope, filter, attrs, &bv, page_size, page, &ldap_rc);
		if (rc == 0)
			break;
		if (connection_lost(ldap_rc) && attempt == 0) {
			baton_error_clear();
			if ((rc = reconnect(conn)) != 0)
				break;
			continue;
		}
		/* a cookie from another connection (or an old one): start over from the first page */
		if (bv.bv_len > 0 && (ldap_rc == LDAP_PROTOCOL_ERROR || ldap_rc == LDAP_UNWILLING_TO_PERFORM)) {
			free(bv.bv_val);
			bv.bv_val = NULL;
			bv.bv_len = 0;
			if (restarted)
				*restarted = true;
			baton_error_clear();
			continue;
		}
		break;
	}
	free(bv.bv_val);
	if (rc != 0)
		lc_page_free(page);
	return rc;
}

int lc_get(lc_conn *conn, const char *dn, const char *filter, const char *const *attrs,
           LDAPMessage **res, LDAPMessage **entry)
{
	lc_page page;
	int rc;

	*res = NULL;
	*entry = NULL;
	rc = lc_search_page(conn, dn, LDAP_SCOPE_BASE, filter ? filter : "(objectClass=*)", attrs, NULL, 0,
	                    &page, NULL);
	if (rc != 0)
		return rc;
	if (page.count < 1) {
		lc_page_free(&page);
		return baton_error_set(BATON_ENOTFOUND, "ldap: no such object: %s", dn);
	}
	*res = page.res;
	*entry = ldap_first_entry(conn->ld, page.res);
	page.res = NULL;
	lc_page_free(&page);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                     */

typedef enum { OP_MODIFY, OP_ADD, OP_DELETE } write_op;

static int write_entry(lc_conn *conn, write_op op, const char *dn, LDAPMod **mods, int *ldap_rc)
{
	static const char *const what[] = {"modify", "add", "delete"};
	int rc = 0, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = ensure_open(conn)) != 0)
			return rc;
		switch (op) {
		case OP_MODIFY:
			rc = ldap_modify_ext_s(conn->ld, dn, mods, NULL, NULL);
			break;
		case OP_ADD:
			rc = ldap_add_ext_s(conn->ld, dn, mods, NULL, NULL);
			break;
		default:
			rc = ldap_delete_ext_s(conn->ld, dn, NULL, NULL);
			break;
		}
		if (connection_lost(rc) && attempt == 0) {
			if (reconnect(conn) != 0)
				break;
			continue;
		}
		break;
	}
	if (ldap_rc)
		*ldap_rc = rc;
	if (rc == LDAP_SUCCESS)
		return 0;
	return lc_fail(conn, rc, what[op], dn);
}

int lc_modify(lc_conn *conn, const char *dn, LDAPMod **mods, int *ldap_rc)
{
	return write_entry(conn, OP_MODIFY, dn, mods, ldap_rc);
}

int lc_add(lc_conn *conn, const char *dn, LDAPMod **mods, int *ldap_rc)
{
	return write_entry(conn, OP_ADD, dn, mods, ldap_rc);
}

int lc_delete(lc_conn *conn, const char *dn, int *ldap_rc)
{
	return write_entry(conn, OP_DELETE, dn, NULL, ldap_rc);
}

/* ------------------------------------------------------------------------------------------ */
/* Entries                                                                                     */

char *lc_first_value(lc_conn *conn, LDAPMessage *entry, const char *attr)
{
	struct berval **vals = ldap_get_values_len(conn->ld, entry, attr);
	char *s = NULL;

	if (vals == NULL)
		return NULL;
	if (vals[0] != NULL) {
		s = malloc(vals[0]->bv_len + 1);
		if (s != NULL) {
			memcpy(s, vals[0]->bv_val, vals[0]->bv_len);
			s[vals[0]->bv_len] = '\0';
		}
	}
	ldap_value_free_len(vals);
	return s;
}

bool lc_has_object_class(lc_conn *conn, LDAPMessage *entry, const char *oc)
{
	struct berval **vals = ldap_get_values_len(conn->ld, entry, "objectClass");
	size_t n = strlen(oc);
	bool found = false;

	for (size_t i = 0; vals != NULL && vals[i] != NULL && !found; i++)
		found = vals[i]->bv_len == n && strncasecmp(vals[i]->bv_val, oc, n) == 0;
	ldap_value_free_len(vals);
	return found;
}

/* ------------------------------------------------------------------------------------------ */
/* DNs                                                                                         */

/* Attribute types whose values are compared without case (as the Go connector lowercases). */
static bool case_insensitive_type(const char *t)
{
	static const char *const types[] = {
		"cn", "uid", "ou", "dc", "sn", "givenname", "mail", "member", "memberof", "o", "c", "l",
		"st", "telephonenumber", "description",
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *np;
		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_putc(sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

/* RFC 4514 escaping as go-ldap writes it: leading ' ' or '#', trailing ' ', the specials, '='
 * in types, and bytes outside printable ASCII as \xx. */
static void put_escaped(sbuf *b, const char *v, size_t n, bool is_value)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((i == 0 && (c == ' ' || c == '#')) || (i == n - 1 && c == ' ') ||
		    strchr("\"+,;<>\\", c) != NULL || (!is_value && c == '=')) {
			if (c != '\0') {
				sb_putc(b, '\\');
				sb_putc(b, (char)c);
				continue;
			}
		}
		if (c < ' ' || c > '~') {
			sb_putc(b, '\\');
			sb_putc(b, hex[c >> 4]);
			sb_putc(b, hex[c & 15]);
			continue;
		}
		sb_putc(b, (char)c);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *lc_dn_canonical(const char *dn)
{
	LDAPDN parsed = NULL;
	sbuf out = {0};
	int rc;

	if (dn == NULL)
		dn = "";
	rc = ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3);
	if (rc != LDAP_SUCCESS) {
		baton_error_set(BATON_EINVALID, "ldap: invalid DN \"%s\": %s", dn, ldap_err2string(rc));
		return NULL;
	}
	for (int i = 0; parsed != NULL && parsed[i] != NULL; i++) {
		LDAPRDN rdn = parsed[i];
		char *parts[64];
		int n = 0;

		if (i > 0)
			sb_putc(&out, ',');
		for (int j = 0; rdn[j] != NULL && n < 64; j++) {
			LDAPAVA *ava = rdn[j];
			sbuf one = {0};
			char type[256];
			const char *v = ava->la_value.bv_val ? ava->la_value.bv_val : "";
			size_t vl = ava->la_value.bv_len, k, tl = ava->la_attr.bv_len;
			char *low = NULL;

			if (tl >= sizeof(type))
				tl = sizeof(type) - 1;
			for (k = 0; k < tl; k++)
				type[k] = (char)tolower((unsigned char)ava->la_attr.bv_val[k]);
			type[tl] = '\0';
			/* trim spaces */
			while (vl > 0 && *v == ' ') {
				v++;
				vl--;
			}
			while (vl > 0 && v[vl - 1] == ' ')
				vl--;
			if (case_insensitive_type(type)) {
				low = malloc(vl + 1);
				if (low == NULL) {
					out.oom = true;
					break;
				}
				for (k = 0; k < vl; k++)
					low[k] = (char)tolower((unsigned char)v[k]);
				low[vl] = '\0';
				v = low;
			}
			put_escaped(&one, type, tl, false);
			sb_putc(&one, '=');
			put_escaped(&one, v, vl, true);
			if (one.p == NULL)
				sb_putn(&one, "", 0);
			free(low);
			if (one.oom) {
				free(one.p);
				out.oom = true;
				break;
			}
			parts[n++] = one.p;
		}
		qsort(parts, (size_t)n, sizeof(parts[0]), cmp_str);
		for (int j = 0; j < n; j++) {
			if (j > 0)
				sb_putc(&out, '+');
			sb_putn(&out, parts[j], strlen(parts[j]));
			free(parts[j]);
		}
	}
	ldap_dnfree(parsed);
	if (out.p == NULL && !out.oom)
		sb_putn(&out, "", 0);
	if (out.oom) {
		free(out.p);
		baton_error_set(BATON_EEXHAUSTED, "ldap: out of memory");
		return NULL;
	}
	return out.p;
}

char *lc_dn_first_value(const char *dn)
{
	LDAPDN parsed = NULL;
	char *v = NULL;

	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return NULL;
	if (parsed != NULL && parsed[0] != NULL && parsed[0][0] != NULL) {
		struct berval *bv = &parsed[0][0]->la_value;
		v = malloc(bv->bv_len + 1);
		if (v != NULL) {
			memcpy(v, bv->bv_val, bv->bv_len);
			v[bv->bv_len] = '\0';
		}
	}
	ldap_dnfree(parsed);
	return v;
}

bool lc_dn_within(const char *dn, const char *scope)
{
	size_t n = strlen(dn), m = strlen(scope);

	if (m == 0)
		return true;
	if (n == m)
		return strcmp(dn, scope) == 0;
	return n > m && dn[n - m - 1] == ',' && strcmp(dn + n - m, scope) == 0;
}

char *lc_dn_escape_value(const char *value)
{
	sbuf b = {0};

	put_escaped(&b, value, strlen(value), true);
	if (b.p == NULL)
		sb_putn(&b, "", 0);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

char *lc_filter_escape(const char *value)
{
	static const char hex[] = "0123456789abcdef";
	sbuf b = {0};

	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '*' || *p == '(' || *p == ')' || *p == '\\' || *p < ' ' || *p > '~') {
			sb_putc(&b, '\\');
			sb_putc(&b, hex[*p >> 4]);
			sb_putc(&b, hex[*p & 15]);
		} else {
			sb_putc(&b, (char)*p);
		}
	}
	if (b.p == NULL)
		sb_putn(&b, "", 0);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ------------------------------------------------------------------------------------------ */
/* base64                                                                                      */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *lc_base64_encode(const unsigned char *data, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

unsigned char *lc_base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text), i, o = 0;
	unsigned char *out;
	unsigned v = 0;
	int bits = 0;

	if (n % 4 != 0)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *p;
		if (text[i] == '=') {
			if (i < n - 2)
				goto bad;
			break;
		}
		p = strchr(b64, text[i]);
		if (p == NULL || text[i] == '\0')
			goto bad;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	*len = o;
	return out;
bad:
	free(out);
	return NULL;
}
