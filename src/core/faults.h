/*
 * Test-only fault injection at named sites of the SDK (the crash, chaos and storage-fault tests
 * in tests/crash/; documented for users in include/baton/sync.h). Always compiled in; when none
 * of the variables below is set, a site costs one atomic load.
 *
 *   BATON_TEST_KILL_AT=<pattern>:<n>          the n-th hit of a matching site raises SIGKILL
 *   BATON_TEST_FAIL_AT=<pattern>:<n>[+][:<errno>]
 *                                             the n-th hit (n+: every hit from the n-th on) fails:
 *                                             I/O sites return -1 with errno (EIO by default;
 *                                             ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EIO or a
 *                                             number), other sites return a BATON_EINTERNAL
 *                                             error naming the site
 *   BATON_TEST_PAUSE_AT=<pattern>:<n>:<ms>   the n-th hit sleeps <ms> milliseconds (default 1000)
 *                                             after printing "baton-fault: paused at <site>"
 *   BATON_TEST_FAULT_TRACE=1                  prints "baton-fault: <n> <site>" to stderr at every
 *                                             hit of any site (n counts all sites)
 *
 * A pattern is a site name ("c1z.rename"), a prefix ending in '*' ("c1z.*", "sync.step.*") or "*".
 * Hits are counted per variable, over the matching sites only, for the whole process.
 *
 * Sites: sync.step.<op> (before each sync step: list-resource-types, list-resources,
 * list-static-entitlements, list-entitlements, list-grants, grant-expansion, ...),
 * sync.checkpoint (before a checkpoint is stored), sync.end (before the sync is ended),
 * store.commit (before a COMMIT of buffered rows), store.unique (building the unique grant index
 * after the bulk phase), store.unique.replay (before grants put twice are merged), expand.load,
 * expand.node (before each node of the expansion graph), c1z.open, c1z.write (each buffer of the
 * packed file), c1z.fsync, c1z.rename, c1z.dirsync, wip.marker (writing the working copy's
 * marker), sync.external.match (in the external-resources step, between the copies and the
 * matching).
 */
#ifndef BATON_CORE_FAULTS_H
#define BATON_CORE_FAULTS_H

/* At a site that is not an I/O call: 0, or a recorded BATON_EINTERNAL error (not retried) (may not return:
 * SIGKILL). */
int baton__fault(const char *site);

/* The same with a suffix appended to the site name ("sync.step." + op). */
int baton__fault2(const char *site, const char *suffix);

/* Before an I/O call: 0, or -1 with errno set (the caller reports it as it would the call's own
 * failure). May not return: SIGKILL. */
int baton__fault_io(const char *site);

#endif
