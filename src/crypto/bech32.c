/* Bech32 (BIP 173 checksum), as age writes its keys: no 90-character limit. */
#include "crypto/crypto.h"

#include <ctype.h>
#include <string.h>

#include "core/error.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu, 0x2a1462b3u};
	uint8_t top = (uint8_t)(chk >> 25);
	chk = ((chk & 0x1ffffffu) << 5) ^ v;
	for (int i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static uint32_t hrp_polymod(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)(tolower((unsigned char)hrp[i]) >> 5));
	chk = polymod_step(chk, 0);
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)(tolower((unsigned char)hrp[i]) & 31));
	return chk;
}

int baton__bech32_encode(const char *hrp, const uint8_t *data, size_t n, bool upper, char *out,
                         size_t out_size)
{
	size_t hlen = strlen(hrp);
	size_t n5 = (n * 8 + 4) / 5;
	if (hlen == 0 || hlen + 1 + n5 + 6 + 1 > out_size)
		return baton_error_set(BATON_EINVALID, "bech32: output buffer too small");
	size_t o = 0;
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)hrp[i];
		if (c < 33 || c > 126)
			return baton_error_set(BATON_EINVALID, "bech32: invalid human-readable part");
		out[o++] = (char)(upper ? toupper(c) : tolower(c));
	}
	out[o++] = '1';
	uint32_t chk = hrp_polymod(hrp, hlen);
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			uint8_t v = (uint8_t)((acc >> bits) & 31);
			chk = polymod_step(chk, v);
			out[o++] = charset[v];
		}
	}
	if (bits > 0) {
		uint8_t v = (uint8_t)((acc << (5 - bits)) & 31);
		chk = polymod_step(chk, v);
		out[o++] = charset[v];
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (int i = 0; i < 6; i++)
		out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
	if (upper)
		for (size_t i = hlen + 1; i < o; i++)
			out[i] = (char)toupper((unsigned char)out[i]);
	out[o] = '\0';
	return 0;
}

int baton__bech32_decode(const char *s, char *hrp_out, size_t hrp_size, uint8_t *data, size_t data_size,
                         size_t *n)
{
	size_t len = strlen(s);
	bool lower = false, upper = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126)
			return baton_error_set(BATON_EINVALID, "bech32: invalid character");
		if (islower(c))
			lower = true;
		else if (isupper(c))
			upper = true;
	}
	if (lower && upper)
		return baton_error_set(BATON_EINVALID, "bech32: mixed case");
	const char *sep = strrchr(s, '1');
	if (!sep || sep == s || (size_t)(s + len - sep - 1) < 6)
		return baton_error_set(BATON_EINVALID, "bech32: separator or checksum missing");
	size_t hlen = (size_t)(sep - s);
	if (hlen + 1 > hrp_size)
		return baton_error_set(BATON_EINVALID, "bech32: human-readable part too long");
	for (size_t i = 0; i < hlen; i++)
		hrp_out[i] = (char)tolower((unsigned char)s[i]);
	hrp_out[hlen] = '\0';
	uint32_t chk = hrp_polymod(s, hlen);
	size_t ndata = len - hlen - 1;
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < ndata; i++) {
		const char *p = strchr(charset, tolower((unsigned char)sep[1 + i]));
		if (!p || !*p)
			return baton_error_set(BATON_EINVALID, "bech32: invalid data character");
		uint8_t v = (uint8_t)(p - charset);
		chk = polymod_step(chk, v);
		if (i >= ndata - 6)
			continue; /* checksum */
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= data_size)
				return baton_error_set(BATON_EINVALID, "bech32: data too long");
			data[o++] = (uint8_t)((acc >> bits) & 0xff);
		}
	}
	if (chk != 1)
		return baton_error_set(BATON_EINVALID, "bech32: invalid checksum");
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return baton_error_set(BATON_EINVALID, "bech32: invalid padding");
	*n = o;
	return 0;
}
