/*
 * SIGINT/SIGTERM during a command other than `explorer` (which takes them itself and stops
 * cleanly): the process still ends with the signal's default action (status 128+n, as the Go
 * tool), but the working copies it decompressed do not stay behind in $TMPDIR. The command runs
 * with $TMPDIR set to a private directory (baton-XXXXXX under the caller's $TMPDIR, or /tmp); the
 * two signals are blocked in every thread and taken by one thread, which removes that directory
 * and raises the signal again with its default action. Outputs are unaffected (they are written
 * next to their target and renamed), and so is a directory the user names (to-pebble --tmp-dir).
 * When the private directory cannot be made, nothing changes.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char private_dir[4096];
static sigset_t taken;

/* Removes a directory tree (does not follow symbolic links). */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char child[4096];
			int n = snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
			if (n < 0 || (size_t)n >= sizeof(child))
				continue;
			struct stat st;
			if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(child);
			else
				unlink(child);
		}
		closedir(d);
	}
	rmdir(path);
}

static void *signal_thread(void *arg)
{
	(void)arg;
	int sig = 0;
	while (sigwait(&taken, &sig) != 0)
		;
	remove_tree(private_dir);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &taken, NULL); /* in this thread only: the raise below ends it */
	raise(sig);
	_exit(128 + sig);
}

void tool_signals_begin(void)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	int n = snprintf(private_dir, sizeof(private_dir), "%s/baton-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(private_dir) - 64 || !mkdtemp(private_dir)) {
		private_dir[0] = '\0';
		return;
	}
	/* a signal the caller set to be ignored (nohup, a background job) stays ignored */
	sigemptyset(&taken);
	static const int sigs[] = {SIGINT, SIGTERM};
	for (size_t i = 0; i < 2; i++) {
		struct sigaction sa;
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&taken, sigs[i]);
	}
	sigset_t old;
	pthread_sigmask(SIG_BLOCK, &taken, &old);
	pthread_t th;
	pthread_attr_t attr;
	bool started = pthread_attr_init(&attr) == 0 &&
	               pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
	               pthread_create(&th, &attr, signal_thread, NULL) == 0;
	pthread_attr_destroy(&attr);
	if (!started || setenv("TMPDIR", private_dir, 1) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		rmdir(private_dir);
		private_dir[0] = '\0';
		/* a started thread stays in sigwait on signals no thread blocks any more: harmless */
	}
}

void tool_signals_end(void)
{
	/* The signals stay blocked: a late one is dropped at exit rather than racing this removal. */
	if (private_dir[0])
		remove_tree(private_dir);
}

bool tool_stop_pending(void)
{
	sigset_t p;
	return sigpending(&p) == 0 && (sigismember(&p, SIGINT) == 1 || sigismember(&p, SIGTERM) == 1);
}

void tool_test_pause(void)
{
	const char *v = getenv("BATON_TOOL_TEST_PAUSE_MS");
	if (!v || !*v)
		return;
	long ms = strtol(v, NULL, 10);
	fprintf(stderr, "baton: test pause (%ld ms)\n", ms);
	fflush(stderr);
	for (long i = 0; i < ms / 10; i++) {
		if (tool_stop_pending())
			return; /* explorer: a signal waits for it */
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
}
