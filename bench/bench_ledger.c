/*
 * bench_ledger - measures the evidence ledger (see bench/ledger.sh):
 *
 *   bench_ledger append DB N BATCH   durable appends, BATCH per transaction
 *   bench_ledger verify DB KEY       seal with KEY, then time a full verify
 *   bench_ledger forever DB          append until killed, printing the last
 *                                    committed seq after every commit (the
 *                                    crash test kills it with SIGKILL)
 *
 * Prints one "name value unit" line per figure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledger_key.h"
#include "ledger_verify.h"
#include "store.h"
#include "timeutil.h"
#include "banned.h"

static json_t *payload(long long i)
{
	return json_pack("{s:s,s:s,s:b,s:f,s:i,s:I}", "service", "payroll-cloud", "check",
	                 "web-https", "ok", (int)(i % 97 != 0), "latency_ms",
	                 (double)(i % 1000) / 7.0, "status", 200, "probe", (json_int_t)i);
}

static int die(const char *what, const struct sg_error *err)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, err->msg);
	return 1;
}

static int append(const char *db, long long n, long long batch, int forever)
{
	struct store *s;
	struct ledger_writer *w;
	struct sg_error err;
	long long seq = -1;
	double t0;

	memset(&err, 0, sizeof(err));
	if (store_open(db, 0, &s, &err) || ledger_writer_open(s, &w, &err))
		return die("open", &err);
	t0 = timeutil_monotonic_ms();
	for (long long i = 0; forever || i < n; i += batch) {
		if (store_begin(s, &err))
			return die("begin", &err);
		for (long long j = 0; j < batch && (forever || i + j < n); j++) {
			json_t *p = payload(i + j);
			if (ledger_writer_append(w, "check_result", p, &seq, &err))
				return die("append", &err);
			json_decref(p);
		}
		if (store_commit(s, &err))
			return die("commit", &err);
		if (forever) {
			printf("%lld\n", seq);
			fflush(stdout);
		}
	}
	printf("appends_per_second %.0f entries/s (%lld entries, %lld per commit, "
	       "synchronous=FULL)\n",
	       (double)n / ((timeutil_monotonic_ms() - t0) / 1000.0), n, batch);
	ledger_writer_close(w);
	store_close(s);
	return 0;
}

static int verify(const char *db, const char *key)
{
	struct store *s;
	struct ledger_config c;
	struct ledger_seal_result sr;
	struct ledger_key k;
	struct ledger_verify_opts o;
	struct ledger_verify_report r;
	struct sg_error err;
	double t0, t;
	char *pub = NULL;

	memset(&err, 0, sizeof(err));
	if (store_open(db, STORE_READONLY, &s, &err))
		return die("open", &err);
	store_close(s);
	if (store_open(db, 0, &s, &err))
		return die("open", &err);
	ledger_config_init(&c);
	free(c.key_path);
	c.key_path = strdup(key);
	t0 = timeutil_monotonic_ms();
	if (ledger_seal_now(s, &c, &sr, &err))
		return die("seal", &err);
	printf("seal_ms %.1f ms (root over %lld entries)\n", timeutil_monotonic_ms() - t0,
	       sr.tree_size);
	ledger_config_release(&c);
	if (!(pub = malloc(strlen(key) + 5)))
		return 1;
	snprintf(pub, strlen(key) + 5, "%s.pub", key);
	if (ledger_key_load_public(pub, &k, &err))
		return die("public key", &err);
	free(pub);
	memset(&o, 0, sizeof(o));
	o.keys = &k;
	o.nkeys = 1;
	o.from_ms = INT64_MIN;
	o.to_ms = INT64_MAX;
	t0 = timeutil_monotonic_ms();
	if (ledger_verify(s, &o, &r, &err))
		return die("verify", &err);
	t = (timeutil_monotonic_ms() - t0) / 1000.0;
	printf("verified_entries_per_second %.0f entries/s (%lld entries, %lld heads, %.3f s)\n",
	       (double)r.entries / t, r.entries, r.heads, t);
	printf("verify_seconds %.3f s\n", t);
	store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "append"))
		return append(argv[2], atoll(argv[3]), atoll(argv[4]), 0);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return verify(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "forever"))
		return append(argv[2], 0, 50, 1);
	fprintf(stderr, "usage: bench_ledger append DB N BATCH | verify DB KEY | forever DB\n");
	return 2;
}
