/*
 * `baton explorer`: what the server (explorer.c), the endpoints (explorer_api.c, explorer_access.c)
 * and the JSON writer (explorer_json.c) share.
 */
#ifndef BATON_TOOL_EXPLORER_H
#define BATON_TOOL_EXPLORER_H

#include "cli.h"

/* A growing text buffer; `oom` sticks once an allocation failed (then writes are dropped). */
typedef struct xbuf {
	char *p;
	size_t len, cap;
	bool oom;
} xbuf;

void xb_free(xbuf *b);
void xb_putn(xbuf *b, const char *s, size_t n);
void xb_puts(xbuf *b, const char *s);
void xb_printf(xbuf *b, const char *fmt, ...) BATON_PRINTF(2, 3);
/* A JSON string literal (quotes included), escaped as Go's encoding/json does (<, >, & too). */
void xb_str(xbuf *b, const char *s);

/*
 * A protobuf-c message as Go's encoding/json writes the generated Go struct (which is what the Go
 * explorer's gin handlers send): proto field names, zero values left out, enums and 64-bit
 * integers as numbers, bytes in base64, Any as {"type_url","value"}, maps as objects sorted by
 * key, google.protobuf.Value as {"Kind":{"StringValue":...}}. NULL writes `null`.
 */
void xb_msg(xbuf *b, const ProtobufCMessage *m);

/* Embedded web assets (generated at build time from tools/baton/explorer/). */
typedef struct explorer_asset {
	const char *path;          /* "/index.html" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
} explorer_asset;
extern const explorer_asset explorer_assets[];
extern const size_t explorer_n_assets;

#endif
