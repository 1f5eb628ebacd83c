/*
 * JSON text to jansson for the protojson reader and writer: json_loadb, also accepting integer
 * literals beyond int64, and keeping the sign of -0 (see baton__protojson_load in pbutil.h).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/pbutil.h"

/* Whether the integer literal s[0..n) (optional '-', digits) lies outside int64. */
static bool int_literal_overflows(const char *s, size_t n)
{
	bool neg = s[0] == '-';
	const char *limit = neg ? "9223372036854775808" : "9223372036854775807";
	size_t nd = n - (neg ? 1 : 0);
	const char *d = s + (neg ? 1 : 0);
	while (nd > 1 && *d == '0') {
		d++;
		nd--;
	}
	if (nd != 19)
		return nd > 19;
	return memcmp(d, limit, 19) > 0;
}

/*
 * A copy of the JSON text in which every integer literal outside int64, and every -0, gets a ".0"
 * suffix, so that jansson reads it as a real: jansson refuses integers beyond int64 (Go writes
 * doubles of 2^63 and more, below 1e21, as plain integers, e.g. 100000000000000000000), and reads
 * -0 as the integer 0, losing the sign Go writes and reads back for a negative-zero double.
 * Caller frees; NULL when out of memory.
 */
static char *widen_big_integers(const char *json, size_t len, size_t *out_len)
{
	/* A widened literal has at least 2 characters ("-0") and grows by 2: len extra bytes suffice. */
	char *out = malloc(2 * len + 3);
	size_t o = 0, i = 0;
	if (!out)
		return NULL;
	while (i < len) {
		char c = json[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < len && json[j] != '"')
				j += json[j] == '\\' ? 2 : 1;
			j = j < len ? j + 1 : len;
			memcpy(out + o, json + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i + 1;
			bool integral = true;
			while (j < len && strchr("0123456789.eE+-", json[j])) {
				if (json[j] == '.' || json[j] == 'e' || json[j] == 'E')
					integral = false;
				j++;
			}
			bool minus_zero = j - i == 2 && c == '-' && json[i + 1] == '0';
			bool widen = integral && (minus_zero || int_literal_overflows(json + i, j - i));
			memcpy(out + o, json + i, j - i);
			o += j - i;
			if (widen) {
				memcpy(out + o, ".0", 2);
				o += 2;
			}
			i = j;
			continue;
		}
		out[o++] = c;
		i++;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Whether the text has "-0" anywhere (a quick test before the scan for the literal). */
static bool has_minus_zero(const char *s, size_t len)
{
	const char *end = s + len, *p = s;
	while ((p = memchr(p, '-', (size_t)(end - p))) != NULL && p + 1 < end) {
		if (p[1] == '0')
			return true;
		p++;
	}
	return false;
}

json_t *baton__protojson_load(const char *json, size_t len, size_t flags)
{
	json_error_t err;
	/* "-0" anywhere (dates have it too: only then is the text scanned for the literal) */
	bool minus_zero = has_minus_zero(json, len);
	json_t *j = minus_zero ? NULL : json_loadb(json, len, flags, &err);
	if (minus_zero || (!j && strstr(err.text, "too big"))) {
		size_t wlen;
		char *wide = widen_big_integers(json, len, &wlen);
		if (!wide) {
			baton__error_oom("protojson read");
			return NULL;
		}
		j = json_loadb(wide, wlen, flags, &err);
		free(wide);
	}
	if (!j)
		baton_error_set(BATON_EINVALID, "invalid JSON at line %d, column %d: %s", err.line,
		                err.column, err.text);
	return j;
}
