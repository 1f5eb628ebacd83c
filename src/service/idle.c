/*
 * Service mode between tasks (service.h, baton__svc_idle_trim): what an idle daemon keeps
 * resident. Most of its RSS is not its data but pages of the shared libraries it maps (gRPC,
 * OpenSSL, libstdc++, SQLite, ...): the code and tables that startup, Hello and the last task ran
 * through, which the kernel keeps mapped (with its fault-around neighbours) until the process
 * exits. The idle loop needs a small part of them. So, when no task runs:
 *   - malloc_trim(0) hands the free heap of every malloc arena back to the system;
 *   - every mapping of a shared library (a path with ".so") or of the program itself that is
 *     read-only or executable, and whose pages all still are the file's (no private copy: Anonymous and Private_Dirty are 0 in /proc/self/smaps), is
 *     dropped from the page tables with MADV_DONTNEED. Its pages stay in the page cache; the next
 *     use maps them again (a minor fault, no disk read unless the system evicted them). Mappings
 *     with a private copy (relocated RELRO data, written pages) are never touched: dropping those
 *     would lose data. Only these files' mappings are considered because they stay where they
 *     are for the life of the process (nothing here unloads a library), so no other mapping can
 *     take their place between reading smaps and the madvise.
 * BATON_SERVICE_IDLE_TRIM=0 turns it off (for measuring its effect).
 */
#define _GNU_SOURCE
#include "service/service.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/log.h"

typedef struct vma {
	unsigned long start, end;
	bool candidate;     /* file-backed, r--p / r-xp */
	long rss, anon, dirty;
} vma;

static void drop(const vma *v, size_t *dropped_kb)
{
	if (!v->candidate || v->rss <= 0 || v->anon != 0 || v->dirty != 0)
		return;
	if (madvise((void *)v->start, v->end - v->start, MADV_DONTNEED) == 0)
		*dropped_kb += (size_t)v->rss;
}

bool baton__svc_idle_trim_enabled(void)
{
	const char *e = getenv("BATON_SERVICE_IDLE_TRIM");
	return !(e && !strcmp(e, "0"));
}

/* A shared library ("/x/libfoo.so.1", "/x/foo.so") or the program itself. */
static bool kept_file(const char *path, const char *exe)
{
	size_t n = strcspn(path, "\n");
	if (exe[0] && strlen(exe) == n && !strncmp(path, exe, n))
		return true;
	const char *base = strrchr(path, '/');
	const char *so = base ? strstr(base, ".so") : NULL;
	return so && (so[3] == '.' || so[3] == '\n' || so[3] == '\0');
}

size_t baton__svc_idle_trim(void)
{
	malloc_trim(0);
	char exe[512] = "";
	ssize_t en = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[en > 0 ? en : 0] = '\0';
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return 0;
	char line[1024];
	vma cur = {0};
	bool have = false;
	size_t dropped = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perms[8];
		int path_at = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &a, &b, perms, &path_at) == 3) {
			if (have)
				drop(&cur, &dropped);
			memset(&cur, 0, sizeof(cur));
			have = true;
			cur.start = a;
			cur.end = b;
			cur.candidate = path_at > 0 && line[path_at] == '/' && kept_file(line + path_at, exe) &&
			                (!strcmp(perms, "r--p") || !strcmp(perms, "r-xp"));
			/* a mapping of a deleted file (" (deleted)") is left alone */
			if (cur.candidate && strstr(line + path_at, " (deleted)"))
				cur.candidate = false;
			continue;
		}
		long kb;
		if (sscanf(line, "Rss: %ld kB", &kb) == 1)
			cur.rss = kb;
		else if (sscanf(line, "Anonymous: %ld kB", &kb) == 1)
			cur.anon = kb;
		else if (sscanf(line, "Private_Dirty: %ld kB", &kb) == 1)
			cur.dirty = kb;
	}
	if (have)
		drop(&cur, &dropped);
	fclose(f);
	return dropped;
}
