/*
 * sg-store-tx - holds one transaction of a store open for a while, so a test
 * can look at which locks it holds (tests/integration/test_pg_write.py):
 * MODE locked (store_begin()), shared (store_begin_shared()) or nested (a
 * store_begin() inside a store_begin_shared(): takes the writer lock there).
 * Prints "begun" once the transaction is open, then sleeps SECONDS and
 * commits.
 * usage: sg-store-tx DB locked|shared|nested SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "banned.h"

int main(int argc, char **argv)
{
	struct store *s = NULL;
	struct sg_error err = {0};
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: sg-store-tx DB locked|shared|nested SECONDS\n");
		return 2;
	}
	if (store_open(argv[1], 0, &s, &err))
		goto fail;
	if (!strcmp(argv[2], "locked"))
		rc = store_begin(s, &err);
	else
		rc = store_begin_shared(s, &err) ||
		     (!strcmp(argv[2], "nested") && store_begin(s, &err));
	if (rc)
		goto fail;
	printf("begun shared=%d\n", store_tx_shared(s));
	fflush(stdout);
	sleep((unsigned)atoi(argv[3]));
	if (!strcmp(argv[2], "nested") && store_commit(s, &err)) /* the inner one */
		goto fail;
	if (store_commit(s, &err))
		goto fail;
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "sg-store-tx: %s\n", err.msg);
	store_close(s);
	return 1;
}
