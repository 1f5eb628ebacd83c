#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static int64_t fc_now(void *ud)
{
	return ((fake_clock *)ud)->now_ms;
}

static void fc_sleep(void *ud, int64_t ms)
{
	fake_clock *fc = ud;
	if (fc->n_sleeps < sizeof(fc->sleeps) / sizeof(fc->sleeps[0]))
		fc->sleeps[fc->n_sleeps++] = ms;
	fc->total_slept += ms;
	fc->now_ms += ms;
}

static uint64_t fc_random(void *ud)
{
	return ((fake_clock *)ud)->random_value;
}

void fake_clock_init(fake_clock *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->now_ms = FAKE_EPOCH_MS;
}

void fake_clock_install(fake_clock *fc, baton_http_client_options *opts)
{
	opts->clock.now_ms = fc_now;
	opts->clock.sleep_ms = fc_sleep;
	opts->clock.random = fc_random;
	opts->clock.userdata = fc;
}

static FILE *capture;

void log_capture_begin(void)
{
	capture = tmpfile();
	assert_non_null(capture);
	baton__log_set_stream(capture);
	baton__log_configure(BATON_LOG_DEBUG, BATON__LOG_JSON);
}

char *log_capture_end(void)
{
	fflush(capture);
	long n = ftell(capture);
	char *out = calloc(1, (size_t)n + 1);
	rewind(capture);
	size_t r = fread(out, 1, (size_t)n, capture);
	out[r] = '\0';
	fclose(capture);
	capture = NULL;
	baton__log_set_stream(NULL);
	baton__log_configure(BATON_LOG_INFO, BATON__LOG_CONSOLE);
	return out;
}

baton_annotations *test_annotations(baton_ctx *ctx)
{
	baton_resource_type *rt;
	assert_int_equal(baton_resource_type_new(ctx, "annos", NULL, 0, &rt), 0);
	return baton_resource_type_annotations(rt);
}

json_t *test_rate_limit_json(baton_annotations *a, baton_ctx *ctx)
{
	char *json;
	if (baton_annotations_pick_json(a, "c1.connector.v2.RateLimitDescription", ctx, &json) != 0)
		return NULL;
	return test_json_parse(json);
}

void test_client_options(baton_http_client_options *o, const test_server *s, fake_clock *fc)
{
	*o = (baton_http_client_options)BATON_HTTP_CLIENT_OPTIONS_INIT;
	o->base_url = s ? test_server_base(s) : NULL;
	o->cache.mode = BATON_HTTP_CACHE_DISABLED;
	o->retry.disabled = true;
	o->timeout_ms = 10000;
	if (fc)
		fake_clock_install(fc, o);
}

void assert_no_substring(const char *hay, const char *needle)
{
	if (hay && needle && strstr(hay, needle))
		fail_msg("\"%s\" found in:\n%s", needle, hay);
}
