/*
 * Linked into the *_scan variants of the expansion tests (tests/CMakeLists.txt): every expansion
 * they run goes through scan mode (src/sync/expand_scan.c), whatever its size, so each graph and
 * each check of those tests also holds without the two grant indexes expansion reads.
 */
#include "sync/expand_int.h"

__attribute__((constructor)) static void force_scan_mode(void)
{
	baton__expand_scan_mode = 1;
}
