/*
 * Naming the statement of a failed schema script on one line (store.h): a c1z with a missing
 * column must say which table, not print the whole script.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

void baton__store_failed_stmt(sqlite3 *db, const char *sql, char *what, size_t size)
{
	const char *stmt = sql;
	const char *bad = sqlite3_errmsg(db);
	const char *col = strncmp(bad, "no such column: ", 16) == 0 ? bad + 16 : NULL;
	if (col) {
		/* the statement mentioning the column: a schema script names each table it touches */
		const char *hit = strstr(sql, col);
		if (hit) {
			const char *start = hit;
			while (start > sql && start[-1] != ';')
				start--;
			stmt = start;
		}
	}
	while (*stmt == ' ' || *stmt == '\n' || *stmt == '\t')
		stmt++;
	if (col) {
		/* "table T" from "create table if not exists T (" or "create index ... on T (" */
		size_t line = strcspn(stmt, "\n;");
		const char *t = NULL;
		for (const char *p = stmt; p + 4 <= stmt + line; p++)
			if (strncmp(p, " on ", 4) == 0) {
				t = p + 4;
				break;
			}
		if (!t && strncmp(stmt, "create table if not exists ", 27) == 0)
			t = stmt + 27;
		if (t) {
			int tl = (int)strcspn(t, " (\n;");
			snprintf(what, size, "table %.*s", tl, t);
			return;
		}
	}
	size_t n = strcspn(stmt, "\n;");
	if (n > size - 4)
		n = size - 4;
	snprintf(what, size, "%.*s%s", (int)n, stmt, stmt[n] && stmt[n] != ';' && stmt[n] != '\n' ? "..." : "");
}
