/* Sending one request with libcurl: the header and body callbacks, libcurl's errors mapped to
 * the SDK's codes (no cache, limiter or retries here: see send.c). */
#include "http/http_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

typedef struct recv_state {
	baton_http_response *resp;
	size_t max_body;
	bool too_big;
	size_t header_bytes; /* of the current response (a redirect or 100 Continue starts over) */
	bool headers_too_big;
	bool in_headers; /* between a status line and the blank line that ends the headers */
	bool stopped;    /* a stop request ended the transfer */
	int rc;
} recv_state;

static size_t on_header(char *data, size_t size, size_t nitems, void *ud)
{
	recv_state *st = ud;
	size_t len = size * nitems;
	size_t n = len;
	while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		st->header_bytes = 0;
	st->header_bytes += len;
	if (st->header_bytes > BATON__HTTP_MAX_HEADER_BYTES) {
		st->headers_too_big = true;
		return 0;
	}
	st->in_headers = n > 0;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue or a redirect): start over */
		baton__headers_free(&st->resp->headers);
		free(st->resp->status_line);
		st->resp->status_line = NULL;
		const char *sp = memchr(data, ' ', n);
		int status = 0;
		const char *reason = "";
		size_t rlen = 0;
		if (sp) {
			const char *p = sp + 1;
			/* a status has three digits; a longer run must not overflow (libcurl reports its
			 * own reading of the code once the transfer is done) */
			while (p < data + n && isdigit((unsigned char)*p)) {
				if (status < 100000)
					status = status * 10 + (*p - '0');
				p++;
			}
			if (p < data + n && *p == ' ') {
				reason = p + 1;
				rlen = (size_t)(data + n - reason);
			}
		}
		st->resp->status = status;
		if (!rlen) {
			reason = reason_phrase(status);
			rlen = strlen(reason);
		}
		baton__hbuf b = {0};
		if (baton__hbuf_printf(&b, "%d", status) || (rlen && (baton__hbuf_put(&b, " ", 1) ||
		                                                      baton__hbuf_put(&b, reason, rlen)))) {
			st->rc = BATON_EEXHAUSTED;
			return 0;
		}
		st->resp->status_line = b.data;
		return len;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon || colon == data)
		return len;
	const char *v = colon + 1;
	while (v < data + n && (*v == ' ' || *v == '\t'))
		v++;
	size_t vlen = (size_t)(data + n - v);
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (baton__headers_add(&st->resp->headers, data, (size_t)(colon - data), v, vlen)) {
		st->rc = BATON_EEXHAUSTED;
		return 0;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t nitems, void *ud)
{
	recv_state *st = ud;
	size_t len = size * nitems;
	st->in_headers = false;
	if (st->resp->body.len + len > st->max_body) {
		st->too_big = true;
		return 0;
	}
	if (baton__hbuf_put(&st->resp->body, data, len)) {
		st->rc = BATON_EEXHAUSTED;
		return 0;
	}
	return len;
}

/* The error code and a short reason for a libcurl failure. */
static int map_curl(CURLcode cc, const recv_state *st, const char *errbuf, const char *method,
                    const char *url)
{
	if (st->stopped)
		return baton_error_set(BATON_ECANCELLED, "%s %s: stop requested (SIGINT/SIGTERM) during the request",
		                       method, url);
	if (st->headers_too_big)
		return baton_error_set(BATON_EEXHAUSTED,
		                       "%s %s: response headers too large (more than %zu bytes in all)", method, url,
		                       BATON__HTTP_MAX_HEADER_BYTES);
	if (st->in_headers && (cc == CURLE_OUT_OF_MEMORY
#if CURL_AT_LEAST_VERSION(8, 6, 0)
	                       || cc == CURLE_TOO_LARGE
#endif
	                       ))
		/* libcurl refuses a header line longer than its limit with "Out of memory" */
		return baton_error_set(BATON_EEXHAUSTED,
		                       "%s %s: response header too large (a header line longer than %d bytes, "
		                       "libcurl's limit)", method, url, (int)CURL_MAX_HTTP_HEADER);
	/* libcurl's message may quote the server */
	const char *raw = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);
	char *why = baton__http_redact_text(&st->resp->secrets, raw, strlen(raw), NULL);
	if (!why)
		return BATON_EEXHAUSTED;
	int code;
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		code = BATON_EDEADLINE;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		code = BATON_EUNAVAILABLE;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		code = BATON_EINVALID;
		break;
	case CURLE_WRITE_ERROR:
		if (st->too_big) {
			free(why);
			return baton_error_set(BATON_EEXHAUSTED, "%s %s: response body larger than %zu bytes",
			                       method, url, st->max_body);
		}
		code = st->rc ? st->rc : BATON_EUNKNOWN;
		break;
	case CURLE_OUT_OF_MEMORY:
		code = BATON_EEXHAUSTED;
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		code = BATON_ECANCELLED;
		break;
	default:
		code = BATON_EUNKNOWN;
		break;
	}
	baton_error_set(code, "%s %s: %s", method, url, why);
	free(why);
	return code;
}

/* Runs the transfer on the client's multi handle, looking at the stop request between polls. */
static CURLcode run_transfer(baton_http_client *c, recv_state *st)
{
	if (baton__sync_stop_requested()) {
		st->stopped = true;
		return CURLE_ABORTED_BY_CALLBACK;
	}
	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	CURLcode cc = CURLE_OK;
	for (;;) {
		int running = 0;
		CURLMcode mc = curl_multi_perform(c->multi, &running);
		if (mc != CURLM_OK) {
			cc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
			break;
		}
		if (!running) {
			int left;
			CURLMsg *msg;
			cc = CURLE_GOT_NOTHING;
			while ((msg = curl_multi_info_read(c->multi, &left)))
				if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->curl)
					cc = msg->data.result;
			break;
		}
		if (baton__sync_stop_requested()) {
			st->stopped = true;
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		mc = curl_multi_poll(c->multi, NULL, 0, BATON__HTTP_STOP_POLL_MS, NULL);
		if (mc != CURLM_OK && baton__sync_stop_requested()) {
			st->stopped = true; /* a poll the signal interrupted */
			cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if (mc != CURLM_OK) {
			cc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
			break;
		}
	}
	curl_multi_remove_handle(c->multi, c->curl);
	return cc;
}

int baton__http_perform(baton_http_client *c, const char *method, const char *url,
                        const baton__headers *headers, const baton__hbuf *body, bool has_body,
                        baton_http_response **out, int *curl_code)
{
	*out = NULL;
	if (curl_code)
		*curl_code = CURLE_OK;
	CURL *h = c->curl;
	curl_easy_reset(h);
	baton_http_response *resp = baton__response_new();
	if (!resp)
		return BATON_EEXHAUSTED;
	recv_state st = {.resp = resp, .max_body = c->max_body, .in_headers = true};
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *list = NULL, *tmp;
	int rc = 0;
	char *redacted = baton__http_redact_url(url);
	if (!redacted) {
		baton_http_response_free(resp);
		return BATON_EEXHAUSTED;
	}

	if ((rc = baton__secrets_from_headers(&resp->secrets, headers)) != 0 ||
	    (rc = baton__auth_secrets(&c->auth, &resp->secrets)) != 0)
		goto done;
	bool has_ua = false, has_expect = false;
	for (size_t i = 0; headers && i < headers->n; i++) {
		baton__hbuf line = {0};
		const char *bad = baton__http_header_value_bad(headers->v[i].value, strlen(headers->v[i].value));
		if (bad) {
			/* the last gate: every value built from user input or a token server is checked where
			 * it enters, this catches what was missed */
			rc = baton_error_set(BATON_EINVALID, "%s %s: header %s: the value contains %s; refusing to send it",
			                     method, redacted, headers->v[i].name, bad);
			goto done;
		}
		if (strcasecmp(headers->v[i].name, "User-Agent") == 0)
			has_ua = true;
		if (strcasecmp(headers->v[i].name, "Expect") == 0)
			has_expect = true;
		if (*headers->v[i].value)
			rc = baton__hbuf_printf(&line, "%s: %s", headers->v[i].name, headers->v[i].value);
		else
			rc = baton__hbuf_printf(&line, "%s;", headers->v[i].name);
		if (rc || !(tmp = curl_slist_append(list, line.data))) {
			baton__hbuf_free(&line, true);
			rc = baton__error_oom("http headers");
			goto done;
		}
		list = tmp;
		baton__hbuf_free(&line, true);
	}
	if (!has_expect && (tmp = curl_slist_append(list, "Expect:")))
		list = tmp;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_SSLVERSION,
	                 c->min_tls == BATON_HTTP_TLS_1_3 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_path)
		curl_easy_setopt(h, CURLOPT_CAPATH, c->ca_path);
	if (c->proxy)
		curl_easy_setopt(h, CURLOPT_PROXY, c->proxy);
	if (!has_ua)
		curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &st);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body && body->data ? body->data : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body->len : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}

	CURLcode cc = run_transfer(c, &st);
	resp->now_ms = baton__http_now_ms(&c->clock);
	if (curl_code)
		*curl_code = (int)cc;
	if (cc != CURLE_OK) {
		rc = st.rc && !st.stopped ? st.rc : map_curl(cc, &st, errbuf, method, redacted);
		goto done;
	}
	if (st.rc) {
		rc = st.rc;
		goto done;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	resp->status = (int)code;
	if (!resp->status_line) {
		baton__hbuf b = {0};
		if (baton__hbuf_printf(&b, "%d %s", resp->status, reason_phrase(resp->status))) {
			rc = BATON_EEXHAUSTED;
			goto done;
		}
		resp->status_line = b.data;
	}
	/* the reason phrase is the server's text: it may echo a credential */
	char *sl = baton__http_redact_text(&resp->secrets, resp->status_line, strlen(resp->status_line), NULL);
	if (!sl) {
		rc = BATON_EEXHAUSTED;
		goto done;
	}
	free(resp->status_line);
	resp->status_line = sl;
	if (!resp->body.data && baton__hbuf_put(&resp->body, "", 0)) {
		rc = BATON_EEXHAUSTED;
		goto done;
	}
	resp->method = baton__strdup(method);
	resp->url_redacted = redacted;
	redacted = NULL;
	if (!resp->method) {
		rc = BATON_EEXHAUSTED;
		goto done;
	}
	*out = resp;
	resp = NULL;
done:
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(list);
	baton_http_response_free(resp);
	free(redacted);
	return rc;
}
