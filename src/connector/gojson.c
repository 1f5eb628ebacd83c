/* A growable text buffer and Go encoding/json string escaping. */
#include "connector/connector.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static bool grow(baton__buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void baton__buf_put(baton__buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void baton__buf_puts(baton__buf *b, const char *s)
{
	baton__buf_put(b, s, strlen(s));
}

void baton__buf_printf(baton__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		baton__buf_put(b, tmp, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void baton__buf_free(baton__buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is invalid. */
static size_t utf8_len(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2; v = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3; v = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

void baton__buf_go_string(baton__buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	baton__buf_put(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
				/* a run of safe bytes */
				const unsigned char *q = p;
				while (*q && *q < 0x80 && *q >= 0x20 && *q != '"' && *q != '\\' && *q != '<' &&
				       *q != '>' && *q != '&')
					q++;
				baton__buf_put(b, (const char *)p, (size_t)(q - p));
				p = q;
				continue;
			}
			switch (c) {
			case '"': baton__buf_put(b, "\\\"", 2); break;
			case '\\': baton__buf_put(b, "\\\\", 2); break;
			case '\b': baton__buf_put(b, "\\b", 2); break;
			case '\f': baton__buf_put(b, "\\f", 2); break;
			case '\n': baton__buf_put(b, "\\n", 2); break;
			case '\r': baton__buf_put(b, "\\r", 2); break;
			case '\t': baton__buf_put(b, "\\t", 2); break;
			default: {
				char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
				baton__buf_put(b, e, 6);
			}
			}
			p++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_len(p, &cp);
		if (!n) {
			baton__buf_put(b, "\\ufffd", 6);
			p++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			baton__buf_put(b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
		} else {
			baton__buf_put(b, (const char *)p, n);
		}
		p += n;
	}
	baton__buf_put(b, "\"", 1);
}
