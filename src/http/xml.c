/*
 * XML request and response bodies with libxml2 (Go's uhttp WithXMLResponse and
 * WithAlwaysXMLResponse). The parser is set up once; documents are parsed with no network access
 * and no external entity or DTD loading (libxml2 does neither unless asked: we never ask).
 */
#include "http/http_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "core/error.h"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

int baton_http_request_set_xml(baton_http_request *r, const struct _xmlDoc *doc)
{
	if (!r || !doc)
		return baton_error_set(BATON_EINVALID, "baton_http_request_set_xml: NULL argument");
	pthread_once(&xml_once, xml_init);
	xmlChar *buf = NULL;
	int len = 0;
	xmlDocDumpMemoryEnc((xmlDocPtr)doc, &buf, &len, "UTF-8");
	if (!buf || len <= 0) {
		xmlFree(buf);
		return baton_error_set(BATON_EINVALID, "http request: the XML body could not be encoded");
	}
	int rc = baton_http_request_set_body(r, "application/xml", (const char *)buf, (size_t)len);
	xmlFree(buf);
	return rc;
}

/* text/xml or application/xml, any case, parameters after ';' allowed (Go's IsXMLContentType). */
static bool is_xml_type(const char *ct)
{
	static const char *const types[] = {"text/xml", "application/xml"};
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(types[i]);
		if (strncasecmp(ct, types[i], n) == 0)
			return true;
	}
	return false;
}

int baton_http_response_xml(const baton_http_response *resp, bool any_content_type, struct _xmlDoc **doc)
{
	if (!resp || !doc)
		return baton_error_set(BATON_EINVALID, "baton_http_response_xml: NULL argument");
	*doc = NULL;
	if (!any_content_type) {
		const char *ct = baton_http_response_header(resp, "Content-Type");
		if (!is_xml_type(ct))
			return baton_error_set(BATON_EINVALID, "unexpected content type for xml response: %s (%s %s, %s)",
			                       ct ? ct : "(none)", resp->method ? resp->method : "?",
			                       resp->url_redacted ? resp->url_redacted : "?",
			                       baton_http_response_status_line(resp));
	}
	if (resp->body.len > (size_t)INT32_MAX)
		return baton_error_set(BATON_EINVALID, "xml response too large");
	pthread_once(&xml_once, xml_init);
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return baton__error_oom("xml parser");
	const char *data = resp->body.data ? resp->body.data : "";
	xmlDocPtr d = xmlCtxtReadMemory(ctxt, data, (int)resp->body.len, NULL, NULL,
	                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!d || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not well-formed XML");
		size_t n = strlen(msg);
		while (n && isspace((unsigned char)msg[n - 1]))
			msg[--n] = '\0';
		int line = e ? e->line : 0;
		xmlFreeDoc(d);
		xmlFreeParserCtxt(ctxt);
		return baton_error_set(BATON_EINVALID, "invalid XML in response to %s %s (%s): %s at line %d",
		                       resp->method ? resp->method : "?", resp->url_redacted ? resp->url_redacted : "?",
		                       baton_http_response_status_line(resp), msg, line);
	}
	xmlFreeParserCtxt(ctxt);
	*doc = d;
	return 0;
}
