/*
 * c1z-diff-file NEW.c1z OLD.c1z OLD_SYNC_ID NEW_SYNC_ID: runs baton_store_sync_diff_from_file on
 * NEW.c1z (saved in place) and prints "<upserts id> <deletions id>". For the Go interop test
 * (tests/interop/compact_test.go), which runs the Go SDK's GenerateSyncDiffFromFile on a copy.
 */
#include <stdio.h>

#include "baton/compact.h"

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s NEW.c1z OLD.c1z OLD_SYNC_ID NEW_SYNC_ID\n", argv[0]);
		return 2;
	}
	baton_store *s;
	int rc = baton_store_open(argv[1], NULL, &s);
	char up[28], del[28];
	if (!rc) {
		rc = baton_store_sync_diff_from_file(s, argv[2], argv[3], argv[4], up, del);
		if (rc)
			baton_store_discard(s);
		else
			rc = baton_store_close(s);
	}
	if (rc) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		return 1;
	}
	printf("%s %s", up, del);
	return 0;
}
