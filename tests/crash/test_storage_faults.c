/*
 * Storage faults under a real sync (baton-demo in a child process), each over a previous c1z that
 * must come out intact: failing writes, fsyncs, renames and commits injected at the SDK's I/O
 * sites (BATON_TEST_FAIL_AT, src/core/faults.h); a full file system and a read-only one (small
 * tmpfs mounts, when this process may mount: root; else the read-only case uses a 0555
 * directory and the disk-full case, its own ctest entry, exits 77: Skipped); a missing output
 * directory; and a c1z replaced by another process while the sync runs. Each must fail with a
 * clear error naming the file and the problem, leave the previous file byte for byte, and let the
 * next run complete.
 *
 *   test_storage_faults path/to/baton-demo [--disk-full]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "demo_testutil.h"

static const char *demo_bin;
static char dir[4096], prev[4200], ref2[4200], other[4200], c1z[4200], err_path[4200];
static int faults_injected;

static void run_sh(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

#define sh(...) do { \
		char cmd_[9000]; \
		snprintf(cmd_, sizeof(cmd_), __VA_ARGS__); \
		run_sh(cmd_); \
	} while (0)

static bool same_file(const char *a, const char *b)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("reading %s", path);
	fclose(f);
	return buf;
}

static int run(const char *path, const char *const *env)
{
	const char *e[8] = {"BATON_LOG_LEVEL=warn", NULL};
	size_t n = 1;

	for (size_t i = 0; env && env[i] && n < 7; i++)
		e[n++] = env[i];
	e[n] = NULL;
	return demo_run(demo_bin, path, e, err_path);
}

static void reset_to_prev(const char *path)
{
	sh("rm -rf '%s.wip' '%s.tmp'", path, path);
	sh("cp '%s' '%s'", prev, path);
}

/* The run failed, said `want` (and the file's name), and left the previous file as it was. */
static void expect_failure(const char *label, int st, const char *path, const char *want)
{
	char *err = slurp(err_path);
	char tmp[4300];

	if (!(WIFEXITED(st) && WEXITSTATUS(st) != 0))
		fail_msg("%s: the run ended with %s, want a failure:\n%s", label, demo_status_str(st), err);
	if (want && !strstr(err, want))
		fail_msg("%s: the error does not say \"%s\":\n%s", label, want, err);
	if (!same_file(path, prev))
		fail_msg("%s: the previous c1z was changed", label);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (access(tmp, F_OK) == 0)
		fail_msg("%s: %s was left behind", label, tmp);
	{
		const char *line = strstr(err, "c1z ");
		if (!line)
			line = strstr(err, "fault injected");
		printf("ok   %-34s fails, previous file intact: %.*s\n", label, line ? (int)strcspn(line, "\n\"") : 0,
		       line ? line : "");
	}
	free(err);
}

/* A clean rerun completes with the content of two clean syncs. */
static void expect_rerun_ok(const char *label, const char *path)
{
	demo_content want, got;
	char msg[2048];
	int st = run(path, NULL);

	if (st != 0) {
		char *err = slurp(err_path);
		fail_msg("%s: the clean rerun: %s\n%s", label, demo_status_str(st), err);
	}
	demo_content_read(ref2, &want);
	demo_content_read(path, &got);
	if (demo_content_compare(&want, &got, msg, sizeof(msg)) != 0 || got.syncs_finished != 2)
		fail_msg("%s: after the rerun: %s (%lld finished syncs)", label, msg, (long long)got.syncs_finished);
	demo_content_free(&want);
	demo_content_free(&got);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/storage-XXXXXX", test_out_dir());
	assert_non_null(mkdtemp(dir));
	snprintf(prev, sizeof(prev), "%s/prev.c1z", dir);
	snprintf(ref2, sizeof(ref2), "%s/ref2.c1z", dir);
	snprintf(other, sizeof(other), "%s/other.c1z", dir);
	snprintf(c1z, sizeof(c1z), "%s/sync.c1z", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr.txt", dir);
	assert_int_equal(run(prev, NULL), 0);
	sh("cp '%s' '%s'", prev, ref2);
	assert_int_equal(run(ref2, NULL), 0);
	{
		const char *env[] = {"BATON_SEED=2", NULL};
		assert_int_equal(run(other, env), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	char m[4300];

	(void)state;
	snprintf(m, sizeof(m), "%s/full", dir);
	umount2(m, MNT_DETACH);
	snprintf(m, sizeof(m), "%s/ro", dir);
	umount2(m, MNT_DETACH);
	sh("rm -rf '%s'", dir);
	return 0;
}

static void test_injected_io_faults(void **state)
{
	static const struct {
		const char *spec, *want;
	} faults[] = {
		{"BATON_TEST_FAIL_AT=c1z.open:1:EACCES", "create: Permission denied"},
		{"BATON_TEST_FAIL_AT=c1z.write:1:ENOSPC", "write: No space left on device"},
		{"BATON_TEST_FAIL_AT=c1z.write:2+:EIO", "write: Input/output error"},
		{"BATON_TEST_FAIL_AT=c1z.write:3+:EDQUOT", "write: Disk quota exceeded"},
		{"BATON_TEST_FAIL_AT=c1z.fsync:1:EIO", "fsync: Input/output error"},
		{"BATON_TEST_FAIL_AT=c1z.rename:1:EROFS", "rename: Read-only file system"},
		{"BATON_TEST_FAIL_AT=c1z.rename:1:ENOSPC", "rename: No space left on device"},
		{"BATON_TEST_FAIL_AT=c1z.decode:2:ENOSPC", "No space left on device"},
		{"BATON_TEST_FAIL_AT=wip.marker:1:ENOSPC", "working copy marker: No space left on device"},
		{"BATON_TEST_FAIL_AT=store.commit:2", "fault injected at store.commit"},
		{"BATON_TEST_FAIL_AT=sync.checkpoint:2", "fault injected at sync.checkpoint"},
		{"BATON_TEST_FAIL_AT=expand.node:3", "fault injected at expand.node"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		const char *env[] = {faults[i].spec, NULL};
		reset_to_prev(c1z);
		expect_failure(faults[i].spec + 19, run(c1z, env), c1z, faults[i].want);
		expect_rerun_ok(faults[i].spec + 19, c1z);
		faults_injected++;
	}
	{
		/* a directory that cannot be synced after the rename: the file is saved, with a warning */
		const char *env[] = {"BATON_TEST_FAIL_AT=c1z.dirsync:1:EIO", NULL};
		char *err;
		reset_to_prev(c1z);
		assert_int_equal(run(c1z, env), 0);
		err = slurp(err_path);
		assert_non_null(strstr(err, "could not sync its directory"));
		free(err);
		{
			demo_content want, got;
			char msg[2048];
			demo_content_read(ref2, &want);
			demo_content_read(c1z, &got);
			assert_int_equal(demo_content_compare(&want, &got, msg, sizeof(msg)), 0);
			demo_content_free(&want);
			demo_content_free(&got);
		}
		faults_injected++;
		printf("ok   %-34s saved, with a warning\n", "c1z.dirsync:1:EIO");
	}
}

static bool try_mount_tmpfs(const char *where, const char *opts)
{
	if (geteuid() != 0)
		return false;
	if (mkdir(where, 0700) != 0 && errno != EEXIST)
		return false;
	return mount("tmpfs", where, "tmpfs", 0, opts) == 0;
}

static void test_disk_full(void **state)
{
	char mnt[4300], path[4400];
	int st;

	(void)state;
	snprintf(mnt, sizeof(mnt), "%s/full", dir);
	/* main() checked that this process may mount before choosing to run this case */
	if (!try_mount_tmpfs(mnt, "size=3m,mode=0700"))
		fail_msg("cannot mount a tmpfs on %s: %s", mnt, strerror(errno));
	snprintf(path, sizeof(path), "%s/sync.c1z", mnt);
	reset_to_prev(path);
	{
		/* a company a hundred times larger than the previous file's: its working copy does not fit */
		const char *env[] = {"BATON_USERS=5000", "BATON_GROUPS=40", "BATON_PROJECTS=200", NULL};
		st = run(path, env);
	}
	{
		char *err = slurp(err_path);
		bool said = strstr(err, "full") || strstr(err, "No space left");
		if (!said)
			printf("%s\n", err);
		free(err);
		assert_true(said);
	}
	expect_failure("tmpfs of 3 MiB: disk full", st, path, NULL);
	/* the space comes back: the next run (the small company again) completes */
	sh("rm -rf '%s.wip'", path);
	expect_rerun_ok("tmpfs of 3 MiB: disk full", path);
	faults_injected++;
	umount2(mnt, MNT_DETACH);
}

static void test_read_only_directory(void **state)
{
	char ro[4300], path[4400];
	bool mounted;

	(void)state;
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	mounted = try_mount_tmpfs(ro, "size=4m,mode=0755");
	if (!mounted)
		assert_true(mkdir(ro, 0755) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/sync.c1z", ro);
	reset_to_prev(path);
	if (mounted)
		assert_int_equal(mount("tmpfs", ro, "tmpfs", MS_REMOUNT | MS_RDONLY, NULL), 0);
	else
		assert_int_equal(chmod(ro, 0555), 0);
	expect_failure(mounted ? "read-only file system" : "read-only directory (0555)", run(path, NULL), path,
	               mounted ? "Read-only file system" : "Permission denied");
	faults_injected++;
	if (mounted)
		umount2(ro, MNT_DETACH);
	else
		chmod(ro, 0755);
}

static void test_missing_directory(void **state)
{
	char path[4400];
	int st;
	char *err;

	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/dir/sync.c1z", dir);
	st = run(path, NULL);
	err = slurp(err_path);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	assert_non_null(strstr(err, "no/such/dir"));
	assert_non_null(strstr(err, "No such file or directory"));
	free(err);
	faults_injected++;
	printf("ok   %-34s fails naming the path\n", "missing output directory");
}

/*
 * The c1z is replaced (or, with no previous file, created) by another process while the sync is
 * paused at `site`: before its end (caught by the check before the pack) or just before the
 * rename (caught as the file is swapped in). The run must fail saying so, keep the other file
 * byte for byte and leave no .tmp; the next run syncs over it.
 */
static void replaced_at(const char *site, bool fresh, const char *label)
{
	char repl[4400], pause[128], paused_msg[128];
	pid_t pid;
	int st;
	double t0;

	snprintf(repl, sizeof(repl), "%s/replacement.c1z", dir);
	snprintf(pause, sizeof(pause), "%s:1:3000", site);
	snprintf(paused_msg, sizeof(paused_msg), "paused at %s", site);
	reset_to_prev(c1z);
	if (fresh)
		unlink(c1z);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		setenv("BATON_LOG_LEVEL", "warn", 1);
		setenv("BATON_TEST_PAUSE_AT", pause, 1);
		execl(demo_bin, demo_bin, "-f", c1z, (char *)NULL);
		_exit(127);
	}
	/* wait until the child is paused there, then replace the file */
	t0 = (double)time(NULL);
	for (;;) {
		char *err = slurp(err_path);
		bool paused = strstr(err, paused_msg) != NULL;
		free(err);
		if (paused)
			break;
		if ((double)time(NULL) - t0 > 30 * test_time_scale())
			fail_msg("%s: the child never paused", label);
		usleep(10000);
	}
	sh("cp '%s' '%s'", other, repl);
	{
		char tmp[4500];
		snprintf(tmp, sizeof(tmp), "%s.new", c1z);
		sh("cp '%s' '%s'", other, tmp);
		assert_int_equal(rename(tmp, c1z), 0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	{
		char *err = slurp(err_path);
		if (!(WIFEXITED(st) && WEXITSTATUS(st) != 0) || !strstr(err, "was replaced or changed by another process"))
			fail_msg("%s: %s\n%s", label, demo_status_str(st), err);
		free(err);
	}
	assert_true(same_file(c1z, repl));
	{
		char tmp[4300];
		snprintf(tmp, sizeof(tmp), "%s.tmp", c1z);
		assert_int_equal(access(tmp, F_OK), -1);
	}
	printf("ok   %-34s fails, the replacement kept\n", label);
	/* the next run discards the stale working copy and syncs over the replacement */
	assert_int_equal(run(c1z, NULL), 0);
	{
		demo_content got;
		demo_content_read(c1z, &got);
		assert_int_equal(got.syncs_finished, 2);
		demo_content_free(&got);
	}
	faults_injected++;
}

static void test_replaced_underneath(void **state)
{
	(void)state;
	replaced_at("sync.end", false, "c1z replaced during the sync");
	replaced_at("c1z.rename", false, "c1z replaced just before the rename");
	replaced_at("c1z.rename", true, "c1z created just before the rename");
}

static void test_summary(void **state)
{
	(void)state;
	printf("STORAGE-FIGURES faults=%d\n", faults_injected);
}

/* Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN): tried once on a scratch
 * directory, which is removed again. */
static bool may_mount(char *why, size_t len)
{
	char probe[4200];
	bool ok;

	snprintf(probe, sizeof(probe), "%s/mount-probe-XXXXXX", test_out_dir());
	if (!mkdtemp(probe)) {
		snprintf(why, len, "mkdtemp %s: %s", probe, strerror(errno));
		return false;
	}
	ok = try_mount_tmpfs(probe, "size=1m,mode=0700");
	if (ok)
		umount2(probe, MNT_DETACH);
	else
		snprintf(why, len, "%s", geteuid() != 0 ? "not root" : strerror(errno));
	rmdir(probe);
	return ok;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_injected_io_faults),
		cmocka_unit_test(test_read_only_directory),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_replaced_underneath),
		cmocka_unit_test(test_summary),
	};
	/* The disk-full case needs a tmpfs mount. It is its own ctest entry (--disk-full) so that
	 * "cannot mount here" shows as Skipped (exit 77) in ctest's summary instead of hiding inside
	 * a pass. */
	const struct CMUnitTest disk_full[] = {
		cmocka_unit_test(test_disk_full),
	};
	char why[4400];

	if (argc < 2 || (argc > 2 && strcmp(argv[2], "--disk-full") != 0) || argc > 3) {
		fprintf(stderr, "usage: %s path/to/baton-demo [--disk-full]\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("BATON_LOG_LEVEL", "error", 1);
	if (argc == 3) {
		if (!may_mount(why, sizeof(why))) {
			printf("skipped: cannot mount a tmpfs here (%s); the disk-full case needs one\n", why);
			return 77;
		}
		return cmocka_run_group_tests_name("disk_full", disk_full, setup, teardown);
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
