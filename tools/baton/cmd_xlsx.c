/*
 * `export xlsx`: the rows of `export csv` (the Go tool writes the same rows into both) in the
 * first sheet ("Sheet1") of an XLSX workbook, written with libxlsxwriter. The CSV is made first
 * in a private work directory and read back, so both exports share one row builder.
 *
 * The workbook is written to "<out>.tmp" and renamed over --out; a target that is not a regular
 * file is refused. Built only with libxlsxwriter (pkg-config xlsxwriter); otherwise refused.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/file.h"
#include "store/store.h"

#ifdef BATON_HAVE_XLSXWRITER
#include <xlsxwriter.h>

/* Reads one CSV field (RFC 4180 quoting) from *p; returns it malloc'ed; *end_row at a newline. */
static char *csv_next(const char **p, const char *end, bool *end_row)
{
	size_t cap = 64, n = 0;
	char *s = malloc(cap);
	const char *c = *p;
	bool quoted = c < end && *c == '"';

	if (!s)
		return NULL;
	if (quoted)
		c++;
	while (c < end) {
		if (quoted && *c == '"') {
			if (c + 1 < end && c[1] == '"') {
				c++;
			} else {
				quoted = false;
				c++;
				continue;
			}
		} else if (!quoted && (*c == ',' || *c == '\n')) {
			break;
		}
		if (n + 2 > cap) {
			char *ns = realloc(s, cap *= 2);
			if (!ns) {
				free(s);
				return NULL;
			}
			s = ns;
		}
		s[n++] = *c++;
	}
	s[n] = '\0';
	*end_row = c >= end || *c == '\n';
	*p = c < end ? c + 1 : end;
	return s;
}

static int write_xlsx(const char *csv, size_t len, const char *tmp)
{
	lxw_workbook *wb = workbook_new(tmp);
	lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "Sheet1") : NULL;
	const char *p = csv, *end = csv + len;
	lxw_row_t row = 0;
	lxw_col_t col = 0;
	int rc = 0;

	if (!ws) {
		if (wb)
			workbook_close(wb);
		return baton_error_set(BATON_EUNAVAILABLE, "%s: cannot create the workbook", tmp);
	}
	while (p < end && rc == 0) {
		bool end_row;
		char *cell = csv_next(&p, end, &end_row);
		if (!cell) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if (*cell && worksheet_write_string(ws, row, col, cell, NULL) != LXW_NO_ERROR)
			rc = baton_error_set(BATON_EINVALID, "cannot write cell %u,%u", (unsigned)row, (unsigned)col);
		free(cell);
		if (end_row) {
			row++;
			col = 0;
		} else {
			col++;
		}
	}
	lxw_error e = workbook_close(wb);
	if (rc == 0 && e != LXW_NO_ERROR)
		rc = baton_error_set(BATON_EUNAVAILABLE, "%s: %s", tmp, lxw_strerror(e));
	return rc;
}

int cmd_export_xlsx(tool *t)
{
	const char *out = t->args.given[FLAG_OUT] ? t->args.value[FLAG_OUT] : "./sync.xlsx";
	char csv_path[4200], tmp[4200];
	char *dir = NULL, *csv = NULL;
	struct stat st;
	int rc;

	if (!*out)
		return tool_usage_fail("--out needs a non-empty path");
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode))
		return tool_fail("%s: not a regular file (export xlsx refuses to replace it)", out);
	if (baton__work_dir_create(NULL, &dir) < 0)
		return tool_fail_last();
	snprintf(csv_path, sizeof(csv_path), "%s/rows.csv", dir);
	t->args.given[FLAG_OUT] = true;
	t->args.value[FLAG_OUT] = csv_path;
	if ((rc = cmd_export_csv(t)) != TOOL_EXIT_OK)
		goto out;
	FILE *f = fopen(csv_path, "rb");
	long n = -1;
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (csv = malloc((size_t)n + 1)) && fread(csv, 1, (size_t)n, f) == (size_t)n) {
		csv[n] = '\0';
	} else {
		rc = tool_fail("%s: cannot read back the rows: %s", csv_path, strerror(errno));
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	unlink(tmp);
	if (write_xlsx(csv, (size_t)n, tmp) < 0) {
		unlink(tmp);
		rc = tool_fail_last();
		goto out;
	}
	if (chmod(tmp, baton__file_replace_mode(out)) != 0 || rename(tmp, out) != 0) {
		rc = tool_fail("%s: %s", out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = TOOL_EXIT_OK;
out:
	free(csv);
	if (dir)
		baton__work_dir_remove(dir);
	free(dir);
	return rc;
}

#else

int cmd_export_xlsx(tool *t)
{
	(void)t;
	return tool_fail("export xlsx is not available: this baton was built without libxlsxwriter");
}

#endif
