/* The SDK's logger (see log.h). */
#include "core/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static bool log_configured;
static baton_log_level log_level = BATON_LOG_INFO;
static baton__log_format log_format = BATON__LOG_CONSOLE;
static FILE *log_stream;
static char *status_line;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const level_upper[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int baton__log_parse_level(const char *s, baton_log_level *out)
{
	if (s) {
		for (int i = 0; i < 4; i++) {
			if (!strcasecmp(s, level_names[i])) {
				*out = (baton_log_level)i;
				return 0;
			}
		}
		if (!strcasecmp(s, "warning")) {
			*out = BATON_LOG_WARN;
			return 0;
		}
	}
	return baton_error_set(BATON_EINVALID, "invalid log level '%s': use debug, info, warn or error",
	                       s ? s : "");
}

int baton__log_parse_format(const char *s, baton__log_format *out)
{
	if (s && !strcasecmp(s, "console")) {
		*out = BATON__LOG_CONSOLE;
		return 0;
	}
	if (s && !strcasecmp(s, "json")) {
		*out = BATON__LOG_JSON;
		return 0;
	}
	return baton_error_set(BATON_EINVALID, "invalid log format '%s': use console or json", s ? s : "");
}

/* Caller holds log_mu. */
static void ensure_configured(void)
{
	if (log_configured)
		return;
	log_configured = true;
	baton_log_level lvl = BATON_LOG_INFO;
	const char *env = getenv("BATON_LOG_LEVEL");
	if (env && *env && baton__log_parse_level(env, &lvl) == 0)
		log_level = lvl;
	baton__log_format fmt = BATON__LOG_CONSOLE;
	env = getenv("BATON_LOG_FORMAT");
	if (env && *env && baton__log_parse_format(env, &fmt) == 0)
		log_format = fmt;
}

void baton__log_configure(baton_log_level level, baton__log_format format)
{
	pthread_mutex_lock(&log_mu);
	log_configured = true;
	log_level = level;
	log_format = format;
	pthread_mutex_unlock(&log_mu);
}

bool baton__log_enabled(baton_log_level level)
{
	pthread_mutex_lock(&log_mu);
	ensure_configured();
	bool on = level >= log_level;
	pthread_mutex_unlock(&log_mu);
	return on;
}

baton__log_format baton__log_get_format(void)
{
	pthread_mutex_lock(&log_mu);
	ensure_configured();
	baton__log_format f = log_format;
	pthread_mutex_unlock(&log_mu);
	return f;
}

void baton__log_set_stream(FILE *f)
{
	pthread_mutex_lock(&log_mu);
	log_stream = f;
	pthread_mutex_unlock(&log_mu);
}

/* JSON string body (no quotes), escaping as Go's encoding/json does for log output. */
static void put_json_str(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
}

void baton__logv(baton_log_level level, const char *msg, va_list fields)
{
	if ((int)level < 0 || level > BATON_LOG_ERROR)
		level = BATON_LOG_ERROR;
	pthread_mutex_lock(&log_mu);
	ensure_configured();
	if (level < log_level) {
		pthread_mutex_unlock(&log_mu);
		return;
	}
	FILE *f = log_stream ? log_stream : stderr;
	if (status_line)
		fputs("\r\033[K", f);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (log_format == BATON__LOG_JSON) {
		fprintf(f, "{\"level\":\"%s\",\"ts\":%lld.%06ld,\"msg\":\"", level_names[level],
		        (long long)ts.tv_sec, ts.tv_nsec / 1000);
		put_json_str(f, msg ? msg : "");
		fputc('"', f);
		const char *k;
		while ((k = va_arg(fields, const char *)) != NULL) {
			const char *v = va_arg(fields, const char *);
			bool raw = k[0] == '#';
			fputs(",\"", f);
			put_json_str(f, raw ? k + 1 : k);
			fputs("\":", f);
			if (raw) {
				fputs(v && *v ? v : "null", f);
			} else {
				fputc('"', f);
				put_json_str(f, v ? v : "");
				fputc('"', f);
			}
		}
		fputs("}\n", f);
	} else {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		char tbuf[32];
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(f, "%s.%03ldZ\t%s\t%s", tbuf, ts.tv_nsec / 1000000, level_upper[level], msg ? msg : "");
		const char *k;
		bool first = true;
		while ((k = va_arg(fields, const char *)) != NULL) {
			const char *v = va_arg(fields, const char *);
			bool raw = k[0] == '#';
			fputs(first ? "\t{\"" : ", \"", f);
			first = false;
			put_json_str(f, raw ? k + 1 : k);
			fputs("\": ", f);
			if (raw) {
				fputs(v && *v ? v : "null", f);
			} else {
				fputc('"', f);
				put_json_str(f, v ? v : "");
				fputc('"', f);
			}
		}
		if (!first)
			fputc('}', f);
		fputc('\n', f);
	}
	if (status_line)
		fputs(status_line, f);
	fflush(f);
	pthread_mutex_unlock(&log_mu);
}

void baton__log(baton_log_level level, const char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	baton__logv(level, msg, ap);
	va_end(ap);
}

void baton__log_status(const char *line)
{
	pthread_mutex_lock(&log_mu);
	FILE *f = log_stream ? log_stream : stderr;
	free(status_line);
	status_line = NULL;
	fputs("\r\033[K", f);
	if (line) {
		status_line = strdup(line);
		fputs(line, f);
	}
	fflush(f);
	pthread_mutex_unlock(&log_mu);
}
