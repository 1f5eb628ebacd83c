/*
 * Resource references (baton_sync_options.sync_resources, --sync-resources, the provisioning
 * modes' parents): "type/id", "parentType/parentId/type/id" or a BID. Here, below both the syncer
 * and the command line, so that neither reaches into the other.
 */
#include "types/types.h"

#include <stdlib.h>
#include <string.h>

#include "baton/common.h"
#include "core/error.h"

/* ---- resource references (--sync-resources) ---- */

/* Splits on unescaped '/', removing backslash escapes. */
static int split_ref(const char *s, char *parts[4], size_t *n)
{
	*n = 0;
	size_t len = strlen(s);
	char *cur = malloc(len + 1);
	if (!cur)
		return baton__error_oom("resource reference");
	size_t k = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len) {
			cur[k++] = s[++i];
			continue;
		}
		if (c == '/' || c == '\0') {
			if (*n == 4) {
				free(cur);
				return -1;
			}
			cur[k] = '\0';
			if (!(parts[(*n)++] = strdup(cur))) {
				free(cur);
				return baton__error_oom("resource reference");
			}
			k = 0;
			continue;
		}
		cur[k++] = c;
	}
	free(cur);
	return 0;
}

int baton__parse_resource_ref(const char *s, char *out[4])
{
	memset(out, 0, 4 * sizeof(char *));
	const char *body = s ? s : "";
	if (!strncmp(body, "bid:r:", 6))
		body += 6;
	else if (!strncmp(body, "bid:", 4))
		return baton_error_set(BATON_EINVALID, "invalid resource reference '%s': only resource BIDs (bid:r:...) "
		                       "can be synced", s);
	char *parts[4] = {NULL, NULL, NULL, NULL};
	size_t n = 0;
	int rc = split_ref(body, parts, &n);
	bool ok = rc == 0 && (n == 2 || n == 4);
	for (size_t i = 0; ok && i < n; i++)
		if (!*parts[i])
			ok = false;
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(parts[i]);
		if (rc < -1 || rc > 0)
			return rc;
		return baton_error_set(BATON_EINVALID, "invalid resource reference '%s': expected type/id, "
		                       "parentType/parentId/type/id or bid:r:[parentType/parentId/]type/id", s ? s : "");
	}
	if (n == 2) {
		out[0] = parts[0];
		out[1] = parts[1];
	} else {
		out[2] = parts[0];
		out[3] = parts[1];
		out[0] = parts[2];
		out[1] = parts[3];
	}
	return 0;
}
