/*
 * The well-known string formats of c1.config.v1 (baton_well_known), accepting what the Go SDK's
 * field validation accepts: net/mail.ParseAddress for emails, url.ParseRequestURI for URIs,
 * google/uuid.Parse for UUIDs, net.ParseIP for IP addresses, and the SDK's own hostname rule (an
 * IP address, or labels of 1..63 letters, digits and '-' not starting or ending with '-', at most
 * 253 bytes in all).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool ipv4(const char *v)
{
	unsigned char b[4];
	return inet_pton(AF_INET, v, b) == 1;
}

static bool ipv6(const char *v)
{
	unsigned char b[16];
	return inet_pton(AF_INET6, v, b) == 1;
}

static bool ip(const char *v)
{
	return ipv4(v) || ipv6(v);
}

/* net.IP.To4 of a parsed address: IPv4, or IPv4-mapped IPv6 (::ffff:a.b.c.d). */
static bool ip_to4(const char *v)
{
	if (ipv4(v))
		return true;
	unsigned char b[16];
	if (inet_pton(AF_INET6, v, b) != 1)
		return false;
	static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return !memcmp(b, prefix, 12);
}

static bool hostname(const char *v)
{
	if (ip(v))
		return true;
	size_t n = strlen(v);
	if (!n || n > 253 || v[0] == '.' || v[n - 1] == '.')
		return false;
	const char *label = v;
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t len = dot ? (size_t)(dot - label) : strlen(label);
		if (!len || len > 63 || !alnum(label[0]) || !alnum(label[len - 1]))
			return false;
		for (size_t i = 0; i < len; i++)
			if (!alnum(label[i]) && label[i] != '-')
				return false;
		if (!dot)
			return true;
		label = dot + 1;
	}
}

static bool hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

static bool uuid(const char *v)
{
	size_t n = strlen(v);
	if (n == 45) {
		if (strncasecmp(v, "urn:uuid:", 9))
			return false;
		v += 9;
		n = 36;
	} else if (n == 38) {
		if (v[0] != '{' || v[37] != '}')
			return false;
		v++;
		n = 36;
	}
	if (n == 32) {
		for (size_t i = 0; i < 32; i++)
			if (!hex(v[i]))
				return false;
		return true;
	}
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? v[i] != '-' : !hex(v[i]))
			return false;
	}
	return true;
}

/* RFC 5322 atext (and any non-ASCII byte, as Go's parser allows UTF-8). */
static bool atext(char c)
{
	return alnum(c) || (unsigned char)c >= 0x80 || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A dot-atom from *p; false when there is none. */
static bool dot_atom(const char **p)
{
	const char *s = *p;
	for (;;) {
		const char *start = s;
		while (atext(*s))
			s++;
		if (s == start)
			return false;
		if (*s != '.')
			break;
		s++;
	}
	*p = s;
	return true;
}

static bool quoted_string(const char **p)
{
	const char *s = *p;
	if (*s++ != '"')
		return false;
	while (*s && *s != '"') {
		if (*s == '\\' && s[1])
			s++;
		else if ((unsigned char)*s < 0x20 && *s != '\t')
			return false;
		s++;
	}
	if (*s != '"')
		return false;
	*p = s + 1;
	return true;
}

/* local@domain from *p. */
static bool addr_spec(const char **p)
{
	const char *s = *p;
	if (!(*s == '"' ? quoted_string(&s) : dot_atom(&s)))
		return false;
	if (*s++ != '@')
		return false;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end || end == s + 1)
			return false;
		s = end + 1;
	} else if (!dot_atom(&s)) {
		return false;
	}
	*p = s;
	return true;
}

static void skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static bool email(const char *v)
{
	const char *s = v;
	skip_space(&s);
	const char *lt = strchr(s, '<');
	if (lt) {
		/* a display name: words or quoted strings */
		while (s < lt) {
			if (*s == '"') {
				if (!quoted_string(&s))
					return false;
			} else if (atext(*s) || *s == '.' || *s == ' ' || *s == '\t') {
				s++;
			} else {
				return false;
			}
		}
		s++;
		if (!addr_spec(&s) || *s++ != '>')
			return false;
	} else if (!addr_spec(&s)) {
		return false;
	}
	skip_space(&s);
	return *s == '\0';
}

static bool valid_escapes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '%' && (i + 2 >= n || !hex(s[i + 1]) || !hex(s[i + 2])))
			return false;
	return true;
}

/* url.ParseRequestURI: an absolute URI (scheme:...) or an absolute path. */
static bool uri(const char *v)
{
	if (!*v)
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	if (!strcmp(v, "*"))
		return true;
	const char *rest = v;
	bool scheme = false;
	for (const char *p = v; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			continue;
		if (isdigit((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.') {
			if (p == v)
				break;
			continue;
		}
		if (*p == ':') {
			if (p == v)
				return false; /* missing protocol scheme */
			scheme = true;
			rest = p + 1;
		}
		break;
	}
	size_t rn = strcspn(rest, "?");
	if (rest[0] != '/')
		return scheme; /* opaque (mailto:x) with a scheme; a relative path without */
	if (scheme && !strncmp(rest, "//", 2) && strncmp(rest, "///", 3)) {
		const char *auth = rest + 2;
		size_t an = strcspn(auth, "/?");
		const char *at = NULL;
		for (size_t i = 0; i < an; i++)
			if (auth[i] == '@')
				at = auth + i;
		if (at) {
			for (const char *u = auth; u < at; u++)
				if (!alnum(*u) && !strchr("-._:~!$&'()*+,;=%@", *u) && (unsigned char)*u < 0x80)
					return false;
		}
		const char *host = at ? at + 1 : auth;
		size_t hn = (size_t)(auth + an - host);
		if (hn && host[0] == '[') {
			const char *close = memchr(host, ']', hn);
			if (!close)
				return false;
			const char *after = close + 1;
			if (after < host + hn) {
				if (*after != ':')
					return false;
				for (const char *q = after + 1; q < host + hn; q++)
					if (!isdigit((unsigned char)*q))
						return false;
			}
		} else {
			const char *colon = NULL;
			for (size_t i = 0; i < hn; i++)
				if (host[i] == ':')
					colon = host + i;
			if (colon)
				for (const char *q = colon + 1; q < host + hn; q++)
					if (!isdigit((unsigned char)*q))
						return false;
			for (size_t i = 0; i < hn; i++) {
				char c = host[i];
				if ((unsigned char)c < 0x80 && !alnum(c) && !strchr("-._~!$&'()*+,;=:[]<>\"%", c))
					return false;
			}
			if (!valid_escapes(host, hn))
				return false;
		}
		rest = auth + an;
		rn = strcspn(rest, "?");
	}
	return valid_escapes(rest, rn);
}

const char *baton__well_known_check(baton_well_known wk, const char *v)
{
	switch (wk) {
	case BATON_WELL_KNOWN_EMAIL:
		return email(v) ? NULL : "email address";
	case BATON_WELL_KNOWN_URI:
		return uri(v) ? NULL : "URL";
	case BATON_WELL_KNOWN_UUID:
		return uuid(v) ? NULL : "UUID";
	case BATON_WELL_KNOWN_HOSTNAME:
		return hostname(v) ? NULL : "hostname";
	case BATON_WELL_KNOWN_IP:
		return ip(v) ? NULL : "IP address";
	case BATON_WELL_KNOWN_IPV4:
		return ip_to4(v) ? NULL : "IPv4 address";
	case BATON_WELL_KNOWN_IPV6:
		return ip(v) ? NULL : "IPv6 address";
	default:
		return NULL;
	}
}
