/*
 * collect_time - the time synchronisation collector [III.1.1.5]: whether the
 * clock is synchronised and how far off it may be. From the kernel
 * (ntp_adjtime(2) with no modes: the clock state, STA_UNSYNC and the
 * estimated error that NTP daemons such as systemd-timesyncd and chrony
 * maintain) and, when chrony is installed, from `chronyc -c tracking` (the
 * system time offset, root delay and dispersion, leap status). A source is
 * a finding when unsynchronised or when its offset bound exceeds
 * max_offset (default 100 ms).
 *
 * Configuration: `time: {max_offset: 100ms, chronyc: /usr/bin/chronyc,
 * kernel: true}`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "collect.h"
#include "subproc.h"
#include "xalloc.h"
#include "banned.h"

struct time_cfg {
	double max_offset;
	char *chronyc;
	int kernel;
};

static enum sg_code time_parse(const struct ydoc *doc, const struct ydoc_node *n, void **out,
                               struct sg_error *err)
{
	static const char *const keys[] = {"max_offset", "chronyc", "kernel", NULL};
	struct time_cfg *c = xcalloc(1, sizeof(*c));
	const struct ydoc_node *k;
	enum sg_code rc;

	*out = c;
	c->max_offset = 0.1;
	c->kernel = 1;
	if (!n)
		return SG_OK;
	if ((rc = ydoc_want(doc, n, YDOC_MAP, "collectors.time", err)) ||
	    (rc = ydoc_check_keys(doc, n, keys, "collectors.time", err)) ||
	    (rc = collect_cfg_duration(doc, n, "max_offset", "collectors.time.max_offset",
	                               &c->max_offset, err)) ||
	    (rc = collect_cfg_str(doc, n, "chronyc", "collectors.time.chronyc", &c->chronyc, err)))
		return rc;
	if ((k = ydoc_get(n, "kernel")) &&
	    (rc = ydoc_bool(doc, k, "collectors.time.kernel", &c->kernel, err)))
		return rc;
	if (c->max_offset <= 0)
		return ydoc_error(doc, ydoc_get(n, "max_offset"), err, "%s",
		                  ETR(err, "max_offset は 0 より大きくしてください（例: 100ms）",
		                      "max_offset must be above zero (e.g. 100ms)"));
	return SG_OK;
}

static void time_free(void *p)
{
	struct time_cfg *c = p;
	free(c->chronyc);
	free(c);
}

static void kernel(struct time_cfg *c, const struct collect_ctx *ctx, struct collect_results *out)
{
	struct timex tx;
	int state;
	double est, maxe;
	char ev[256];

	memset(&tx, 0, sizeof(tx));
	state = ntp_adjtime(&tx);
	if (state < 0) {
		collect_add(out, "time", "III.1.1.5", "kernel", MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL, "ntp_adjtime failed");
		return;
	}
	est = (double)tx.esterror / 1e6;
	maxe = (double)tx.maxerror / 1e6;
	snprintf(ev, sizeof(ev),
	         "ntp_adjtime: state %d%s, status 0x%x%s, esterror %.6fs, maxerror %.6fs", state,
	         state == TIME_ERROR ? " (TIME_ERROR)" : "", (unsigned)tx.status,
	         (tx.status & STA_UNSYNC) ? " (STA_UNSYNC)" : "", est, maxe);
	if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
		collect_add(out, "time", "III.1.1.5", "kernel", MEASUREMENT_FINDING, "false", est,
		            "s", ev,
		            ctx->lang ? "the kernel clock is not synchronised (no NTP daemon "
		                        "disciplines it)"
		                      : "カーネルの時計が同期されていません（NTP デーモンが"
		                        "時刻を合わせていません）");
	} else if (est > c->max_offset) {
		char *d = xstrfmt(ctx->lang ? "estimated error %.3fs exceeds the limit %.3fs"
		                            : "推定誤差 %.3f 秒が上限 %.3f 秒を超えています",
		                  est, c->max_offset);
		collect_add(out, "time", "III.1.1.5", "kernel", MEASUREMENT_FINDING, "false", est,
		            "s", ev, d);
		free(d);
	} else {
		collect_add(out, "time", "III.1.1.5", "kernel", MEASUREMENT_OK, "true", est, "s",
		            ev, NULL);
	}
}

static void chrony(struct time_cfg *c, const struct collect_ctx *ctx, struct collect_results *out)
{
	const char *prog = c->chronyc ? c->chronyc : "chronyc";
	const char *argv[] = {prog, "-c", "tracking", NULL};
	struct subproc_opts o = {ctx->timeout_s, 1u << 20, NULL};
	struct subproc_result r;
	struct sg_error e;
	char *f[16], *line, *d = NULL;
	size_t nf = 0;
	double offset, delay, disp, bound;

	memset(&e, 0, sizeof(e));
	e.lang = ctx->lang;
	if (subproc_run(argv, &o, &r, &e)) {
		if (e.code != SG_ERR_NOT_FOUND || c->chronyc)
			collect_add(out, "time", "III.1.1.5", "chrony",
			            e.code == SG_ERR_NOT_FOUND ? MEASUREMENT_UNAVAILABLE
			                                       : MEASUREMENT_ERROR,
			            NULL, NAN, NULL, NULL, e.msg);
		subproc_result_release(&r);
		return;
	}
	if (!r.exited || r.status) {
		d = xstrfmt(ctx->lang ? "chronyd is not answering: %.200s"
		                      : "chronyd が応答しません: %.200s",
		            r.timed_out ? "timed out" : dynbuf_ptr(&r.err));
		collect_add(out, "time", "III.1.1.5", "chrony", MEASUREMENT_FINDING, "false", NAN,
		            NULL, NULL, d);
		goto done;
	}
	line = r.out.buf ? r.out.buf : (char *)"";
	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; p && nf < 16;) {
		f[nf++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
	}
	if (nf < 14) {
		collect_add(out, "time", "III.1.1.5", "chrony", MEASUREMENT_ERROR, NULL, NAN, NULL,
		            NULL, "chronyc -c tracking: unexpected output");
		goto done;
	}
	/* ref id, name, stratum, ref time, system time, last offset, rms offset,
	 * frequency, residual freq, skew, root delay, root dispersion, update
	 * interval, leap status */
	offset = fabs(strtod(f[4], NULL));
	delay = strtod(f[10], NULL);
	disp = strtod(f[11], NULL);
	bound = offset + delay / 2 + disp;
	{
		char ev[300];
		snprintf(ev, sizeof(ev),
		         "chronyc tracking: reference %.60s stratum %s, system time offset %.6fs, "
		         "root delay %.6fs, root dispersion %.6fs, leap %s",
		         f[1], f[2], offset, delay, disp, f[13]);
		if (!strcmp(f[13], "Not synchronised") || !strcmp(f[2], "0")) {
			collect_add(out, "time", "III.1.1.5", "chrony", MEASUREMENT_FINDING,
			            "false", offset, "s", ev,
			            ctx->lang ? "chrony is not synchronised"
			                      : "chrony が同期していません");
		} else if (offset > c->max_offset) {
			d = xstrfmt(ctx->lang ? "offset %.3fs exceeds the limit %.3fs"
			                      : "時刻のずれ %.3f 秒が上限 %.3f 秒を超えています",
			            offset, c->max_offset);
			collect_add(out, "time", "III.1.1.5", "chrony", MEASUREMENT_FINDING,
			            "false", offset, "s", ev, d);
		} else {
			struct measurement *x =
			    collect_add(out, "time", "III.1.1.5", "chrony", MEASUREMENT_OK, "true",
			                offset, "s", ev, NULL);
			if (bound > c->max_offset)
				x->detail = xstrfmt(ctx->lang ? "worst-case error bound %.3fs"
				                              : "最大誤差の見積り %.3f 秒",
				                    bound);
		}
	}
done:
	free(d);
	subproc_result_release(&r);
}

static enum sg_code time_run(void *p, const struct collect_ctx *ctx, struct collect_results *out,
                             struct sg_error *err)
{
	struct time_cfg *c = p;

	(void)err;
	if (c->kernel)
		kernel(c, ctx, out);
	chrony(c, ctx, out);
	return SG_OK;
}

const struct collector collector_time = {
    "time", "III.1.1.5", time_parse, time_run, time_free,
};
