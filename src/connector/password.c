/* baton_ctx_generate_password: random passwords from the system CSPRNG. */
#include "connector/connector.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "core/error.h"

static const char upper_set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char lower_set[] = "abcdefghijklmnopqrstuvwxyz";
static const char digit_set[] = "0123456789";
static const char symbol_set[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
static const char all_set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                              "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

static int random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return baton_error_set(BATON_EINTERNAL, "getrandom: %s", strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* A uniform integer in [0, n), n > 0, by rejection sampling. */
static int random_below(uint32_t n, uint32_t *out)
{
	uint32_t limit = UINT32_MAX - (UINT32_MAX % n);
	for (;;) {
		uint32_t v;
		int rc = random_bytes(&v, sizeof(v));
		if (rc)
			return rc;
		if (v < limit) {
			*out = v % n;
			return 0;
		}
	}
}

static int pick(char *pw, size_t *len, const char *set)
{
	size_t n = strlen(set);
	if (!n)
		return baton_error_set(BATON_EINVALID, "password constraint has an empty character set");
	uint32_t i;
	int rc = random_below((uint32_t)n, &i);
	if (rc)
		return rc;
	pw[(*len)++] = set[i];
	return 0;
}

BATON_API int baton_ctx_generate_password(baton_ctx *ctx, const baton_credential_options *opts,
                                          char **password)
{
	if (!ctx || !opts || !password)
		return baton__null_arg("baton_ctx_generate_password", !ctx ? "ctx" : !opts ? "opts" : "password");
	uint32_t want = opts->password_length;
	if (want < 8 || want > 64)
		return baton_error_set(BATON_EINVALID, "invalid password length %u: must be 8..64", want);
	uint64_t min_total = 0;
	for (size_t i = 0; i < opts->n_constraints; i++)
		min_total += opts->constraints[i].min_count;
	if (opts->n_constraints == 0)
		min_total = 4;
	if (min_total > want)
		return baton_error_set(BATON_EINVALID,
		                       "password length %u is less than the sum of constraints minimums (%llu)", want,
		                       (unsigned long long)min_total);
	char *pw = baton_ctx_alloc(ctx, want + 1);
	if (!pw)
		return BATON_EEXHAUSTED;
	size_t len = 0;
	int rc = 0;
	if (opts->n_constraints) {
		for (size_t i = 0; !rc && i < opts->n_constraints; i++)
			for (uint32_t j = 0; !rc && j < opts->constraints[i].min_count; j++)
				rc = pick(pw, &len, opts->constraints[i].char_set ? opts->constraints[i].char_set : "");
	} else {
		rc = pick(pw, &len, upper_set);
		if (!rc)
			rc = pick(pw, &len, lower_set);
		if (!rc)
			rc = pick(pw, &len, digit_set);
		if (!rc)
			rc = pick(pw, &len, symbol_set);
	}
	while (!rc && len < want)
		rc = pick(pw, &len, all_set);
	/* Fisher-Yates, so the required characters are not at the front. */
	for (size_t i = len; !rc && i > 1; i--) {
		uint32_t j;
		rc = random_below((uint32_t)i, &j);
		if (!rc) {
			char t = pw[i - 1];
			pw[i - 1] = pw[j];
			pw[j] = t;
		}
	}
	if (rc) {
		memset(pw, 0, want + 1);
		return rc;
	}
	pw[len] = '\0';
	*password = pw;
	return 0;
}
