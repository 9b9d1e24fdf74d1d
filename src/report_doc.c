/*
 * report_doc - the report's wording and layout blocks; see report_doc.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess_write.h"
#include "report_doc.h"
#include "report_text.h"
#include "timeutil.h"
#include "value.h"
#include "xalloc.h"
#include "banned.h"

#define T(ja, en) TR(d->lang, ja, en)

/* ---- formatting ---- */

void report_doc_time(struct dynbuf *out, double t, const char *tz, enum sg_lang lang)
{
	struct tm tm;

	if (isnan(t)) {
		dynbuf_addstr(out, lang == SG_LANG_EN ? "-" : "－");
		return;
	}
	timeutil_localtime((long long)floor(t), tz, &tm);
	if (lang == SG_LANG_EN)
		dynbuf_printf(out, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		              tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		dynbuf_printf(out, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		              tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static const char *const months_en[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};

void report_doc_period(struct dynbuf *out, const struct timeutil_period *p, const char *tz,
                       enum sg_lang lang)
{
	struct tm a, b;
	int months;

	timeutil_localtime(p->start, tz, &a);
	timeutil_localtime(p->end - 1, tz, &b);
	months = (b.tm_year - a.tm_year) * 12 + b.tm_mon - a.tm_mon + 1;
	if (lang == SG_LANG_EN) {
		if (months == 1)
			dynbuf_printf(out, "%s %d", months_en[a.tm_mon], a.tm_year + 1900);
		else if (months == 3)
			dynbuf_printf(out, "Q%d %d (%s to %s)", a.tm_mon / 3 + 1, a.tm_year + 1900,
			              months_en[a.tm_mon], months_en[b.tm_mon]);
		else
			dynbuf_printf(out, "H%d %d (%s to %s)", a.tm_mon / 6 + 1, a.tm_year + 1900,
			              months_en[a.tm_mon], months_en[b.tm_mon]);
		return;
	}
	if (months == 1)
		dynbuf_printf(out, "%d年%d月", a.tm_year + 1900, a.tm_mon + 1);
	else if (months == 3)
		dynbuf_printf(out, "%d年第%d四半期（%d月〜%d月）", a.tm_year + 1900,
		              a.tm_mon / 3 + 1, a.tm_mon + 1, b.tm_mon + 1);
	else
		dynbuf_printf(out, "%d年%s期（%d月〜%d月）", a.tm_year + 1900,
		              a.tm_mon < 6 ? "上" : "下", a.tm_mon + 1, b.tm_mon + 1);
}

double report_doc_avail_floor(const struct report *r)
{
	static const double floors[] = {99.9, 99.5, 99.0, 98.0, 95.0, 90.0, 80.0, 50.0, 0.0};
	double lo = r->availability.committed;

	for (size_t i = 0; i < r->availability.ndays; i++) {
		double a = r->availability.days[i].achieved;
		if (!isnan(a) && (isnan(lo) || a < lo))
			lo = a;
	}
	if (isnan(lo))
		lo = 99.0;
	for (size_t i = 0; i < sizeof(floors) / sizeof(floors[0]); i++)
		if (floors[i] < lo - 0.05 * (100.0 - floors[i]) || floors[i] == 0.0)
			return floors[i];
	return 0.0;
}

double report_doc_perf_ceiling(const struct report *r, int *ticks)
{
	double hi = 0, step;

	for (size_t i = 0; i < r->nperf; i++)
		if (!isnan(r->perf[i].p99) && r->perf[i].p99 > hi)
			hi = r->perf[i].p99;
	if (hi <= 0)
		hi = 1;
	/* A nice step: 1, 2 or 5 times a power of ten, about 4 ticks. */
	step = pow(10, floor(log10(hi / 4)));
	if (hi / step > 20)
		step *= 5;
	else if (hi / step > 8)
		step *= 2;
	*ticks = (int)ceil(hi / step);
	if (*ticks < 1)
		*ticks = 1;
	return *ticks * step;
}

int report_doc_day_label(const struct report *r, size_t i, char out[8])
{
	size_t n = r->availability.ndays;
	int every = n > 62 ? 14 : n > 31 ? 7 : 5;
	int mday;

	if (i >= n)
		return 0;
	mday = atoi(r->availability.days[i].day + 8);
	if (n > 31)
		snprintf(out, 8, "%d/%d", atoi(r->availability.days[i].day + 5) % 100, mday % 100);
	else
		snprintf(out, 8, "%d", mday % 100);
	if (n > 31)
		return i % (size_t)every == 0;
	return mday == 1 || mday % every == 0;
}

/* ---- blocks ---- */

static struct rdoc_block *add_block(struct rdoc *d, enum rdoc_kind kind, const char *text)
{
	struct rdoc_block *b;

	ALLOC_GROW(d->blocks, d->n, d->alloc);
	b = &d->blocks[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->text = text ? xstrdup(text) : NULL;
	return b;
}

static void add_cell(struct rdoc_block *b, enum rdoc_tone tone, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_cell(struct rdoc_block *b, enum rdoc_tone tone, const char *fmt, ...)
{
	struct dynbuf t = DYNBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	dynbuf_vprintf(&t, fmt, ap);
	va_end(ap);
	ALLOC_GROW(b->cells, b->ncells, b->alloc);
	b->cells[b->ncells].tone = tone;
	b->cells[b->ncells++].text = dynbuf_detach(&t, NULL);
}

static void add_cell_buf(struct rdoc_block *b, enum rdoc_tone tone, struct dynbuf *t)
{
	add_cell(b, tone, "%s", dynbuf_ptr(t));
	dynbuf_reset(t);
}

static struct rdoc_block *add_table(struct rdoc *d, size_t ncols, const char *const *heads,
                                    const double *widths)
{
	struct rdoc_block *b = add_block(d, RDOC_TABLE, NULL);

	b->ncols = ncols;
	for (size_t i = 0; i < ncols; i++) {
		add_cell(b, TONE_NONE, "%s", heads[i]);
		b->widths[i] = widths[i];
	}
	return b;
}

static void para(struct rdoc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(struct rdoc *d, const char *fmt, ...)
{
	struct dynbuf t = DYNBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	dynbuf_vprintf(&t, fmt, ap);
	va_end(ap);
	add_block(d, RDOC_PARA, dynbuf_ptr(&t));
	dynbuf_release(&t);
}

static void heading(struct rdoc *d, int *sec, const char *ja, const char *en)
{
	struct rdoc_block *b = add_block(d, RDOC_HEADING, NULL);
	b->text = xstrfmt("%d. %s", (*sec)++, T(ja, en));
}

static void note(struct rdoc *d, const char *text)
{
	struct rdoc_block *b = add_block(d, RDOC_PARA, text);
	b->sub = xstrdup("note");
}

static const char *kind_label(const struct rdoc *d, const char *kind)
{
	if (!strcmp(kind, "outage"))
		return T("稼働停止", "Outage");
	if (!strcmp(kind, "fault"))
		return T("障害", "Fault");
	if (!strcmp(kind, "degradation"))
		return T("性能低下", "Degradation");
	if (!strcmp(kind, "external_network"))
		return T("外部ネットワーク障害", "External network");
	return kind;
}

static const char *deadline_label(const struct rdoc *d, enum report_deadline dl,
                                  enum rdoc_tone *tone)
{
	switch (dl) {
	case DEADLINE_MET:
		*tone = TONE_OK;
		return T("期限内", "Met");
	case DEADLINE_MISSED:
		*tone = TONE_BAD;
		return T("期限超過", "Missed");
	case DEADLINE_PENDING:
		*tone = TONE_WARN;
		return T("期限前", "Pending");
	case DEADLINE_NONE:
		break;
	}
	*tone = TONE_MUTED;
	return T("期限なし", "No deadline");
}

static const char *verdict_label(const struct rdoc *d, enum report_sla_verdict v,
                                 enum rdoc_tone *tone)
{
	switch (v) {
	case SLA_MET:
		*tone = TONE_OK;
		return T("達成", "Met");
	case SLA_MISSED:
		*tone = TONE_BAD;
		return T("未達", "Missed");
	case SLA_NO_DATA:
		*tone = TONE_MUTED;
		return T("データなし", "No data");
	case SLA_NO_COMMITMENT:
		break;
	}
	*tone = TONE_MUTED;
	return T("参照値なし", "No commitment");
}

static const char *source_label(const struct rdoc *d, const char *src)
{
	if (!src)
		return "-";
	if (!strcmp(src, "monitor"))
		return T("監視", "monitor");
	if (!strcmp(src, "report"))
		return T("本報告", "this report");
	if (!strcmp(src, "declared"))
		return T("申告", "declared");
	if (!strncmp(src, "collector:", 10))
		return T("収集", "collector");
	return src;
}

/* What users experienced in an event of this kind (customer texts). */
static const char *experience(const struct rdoc *d, const char *kind)
{
	if (!strcmp(kind, "outage"))
		return T("サービスをご利用いただけない状態", "the service could not be used");
	if (!strcmp(kind, "fault"))
		return T("一部の機能がご利用いただけない状態", "some functions could not be used");
	if (!strcmp(kind, "degradation"))
		return T("画面の表示に時間がかかる状態", "pages were slow to respond");
	if (!strcmp(kind, "external_network"))
		return T("外部の通信回線の障害により、つながりにくい状態",
		         "a failure of an outside network made the service hard to reach");
	return T("サービスの稼働確認で異常を検知した状態",
	         "the service's availability checks found a problem");
}

static const char *severity_label(const struct rdoc *d, const char *sev)
{
	if (!strcmp(sev, "critical"))
		return T("重大", "critical");
	if (!strcmp(sev, "high"))
		return T("高", "high");
	if (!strcmp(sev, "medium"))
		return T("中", "medium");
	if (!strcmp(sev, "low"))
		return T("低", "low");
	return sev;
}

static const char *status_label(const struct rdoc *d, const char *status)
{
	if (!strcmp(status, "finding"))
		return T("指摘", "finding");
	if (!strcmp(status, "unavailable"))
		return T("計測不能", "not measurable");
	if (!strcmp(status, "error"))
		return T("計測エラー", "error");
	if (!strcmp(status, "ok"))
		return T("問題なし", "ok");
	return status;
}

static const char *collector_label(const struct rdoc *d, const char *c)
{
	static const struct {
		const char *name, *ja, *en;
	} names[] = {
	    {"backup", "バックアップ", "backups"},
	    {"patch", "パッチ適用", "patches"},
	    {"tls", "TLS 設定", "TLS"},
	    {"timesync", "時刻同期", "time sync"},
	    {"antivirus", "ウイルス対策", "antivirus"},
	    {"firewall", "ファイアウォール", "firewall"},
	    {"ids", "侵入検知", "intrusion detection"},
	    {"logs", "ログ", "logs"},
	    {"accounts", "アカウント", "accounts"},
	    {"monitor", "監視", "monitor"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(c, names[i].name))
			return T(names[i].ja, names[i].en);
	return c;
}

static const char *purpose_label(const struct rdoc *d, const char *p)
{
	if (!strcmp(p, "incident_open"))
		return T("障害の第一報", "first notice");
	if (!strcmp(p, "incident_resolved"))
		return T("復旧のお知らせ", "recovery notice");
	if (!strcmp(p, "followup"))
		return T("追加報告", "follow-up");
	if (!strncmp(p, "maintenance", 11))
		return T("計画保守のお知らせ", "maintenance notice");
	if (!strcmp(p, "report"))
		return T("定期報告書", "periodic report");
	return T("通知", "notice");
}

/* A measured value token ("30h") as the reader writes it ("1日6時間");
 * other kinds as measured. Written into t. */
static void value_words(const struct rdoc *d, struct dynbuf *t, const char *raw)
{
	struct value v;

	if (!raw) {
		dynbuf_addstr(t, "-");
		return;
	}
	memset(&v, 0, sizeof(v));
	if (!value_parse(raw, &v, NULL) && v.type == VALUE_DURATION)
		report_text_duration(t, v.seconds, d->lang);
	else
		dynbuf_addstr(t, raw);
}

static const char *zone_label(const struct rdoc *d, const char *tz)
{
	if (!strcmp(tz, "Asia/Tokyo"))
		return T("日本時間", "Japan time");
	return tz;
}

static void pct(struct dynbuf *b, double v)
{
	if (isnan(v))
		dynbuf_addstr(b, "-");
	else
		dynbuf_printf(b, "%.3f%%", v);
}

static void ms(struct dynbuf *b, double v)
{
	if (isnan(v))
		dynbuf_addstr(b, "-");
	else if (v >= 100)
		dynbuf_printf(b, "%.0f ms", v);
	else
		dynbuf_printf(b, "%.1f ms", v);
}

/* The availability figure: "99.682%", "44.154%（暫定値）", or "記録なし". */
static void avail_figure(const struct rdoc *d, struct dynbuf *t)
{
	const struct report_availability *a = &d->r->availability;

	if (isnan(a->achieved)) {
		dynbuf_addstr(t, T("記録なし", "no records"));
		return;
	}
	pct(t, a->achieved);
	if (a->provisional)
		dynbuf_addstr(t, T("（暫定値）", " (provisional)"));
}

/* The committed availability, written one way everywhere: "99.5% 以上". */
static void committed_figure(const struct rdoc *d, struct dynbuf *t)
{
	const struct report_availability *a = &d->r->availability;

	if (isnan(a->committed))
		dynbuf_addstr(t, "-");
	else
		dynbuf_printf(t, T("%g%% 以上", "at least %g%%"), a->committed);
}

/* Why this period, whether it has data, and whether its figure is final. */
static void period_choice_note(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	const struct report_availability *a = &r->availability;

	if (r->period_choice == REPORT_PERIOD_LAST_WITH_DATA)
		para(d, "%s",
		     T("対象期間は、監視の記録がある直近の完了した期間です。",
		       "The period is the last complete one with monitoring records."));
	else if (r->period_choice == REPORT_PERIOD_CURRENT) {
		report_doc_time(t, r->generated_at, r->tz, d->lang);
		para(d,
		     T("完了した期間に監視の記録がないため、現在の期間の %s までを対象とした中間の"
		       "ご報告です。",
		       "No complete period has monitoring records, so this is an interim report "
		       "of the current period up to %s."),
		     dynbuf_ptr(t));
		dynbuf_reset(t);
	}
	if (!r->has_data)
		para(d, "%s",
		     T("対象期間には監視の記録がありません。このため、稼働率・応答時間等の実績は"
		       "算出しておりません。",
		       "There are no monitoring records for this period, so no availability, "
		       "response time or other achieved figure is given."));
	else if (a->provisional)
		para(d,
		     T("暫定値: 監視の記録があるのは対象時間の %.1f%% のみのため、稼働率は暫定値と"
		       "してお示しします。",
		       "Provisional: monitoring records cover only %.1f%% of the time counted, so "
		       "the availability figure is provisional."),
		     isnan(a->coverage) ? 0.0 : a->coverage * 100);
}

static void summary(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	const struct report_availability *a = &r->availability;
	struct rdoc_block *c;
	enum rdoc_tone tone = TONE_NONE;

	add_block(d, RDOC_HEADING, T("1. 概要", "1. Summary"));
	if (r->audience == REPORT_MANAGERS)
		para(d, "%s",
		     T("本報告書は、ASP・SaaS における情報セキュリティ対策ガイドライン III.1.1.4 "
		       "に基づき、当該期間の稼働監視・障害監視・パフォーマンス監視の結果を評価・"
		       "総括し、管理責任者へご報告するものです。",
		       "This summary reports the results of liveness, fault and performance "
		       "monitoring in the period, evaluated and summarised for the responsible "
		       "manager, as the MIC ASP/SaaS guideline asks in III.1.1.4."));
	else
		para(d,
		     T("平素より%sをご利用いただき、誠にありがとうございます。本報告書は、当該期間"
		       "における%sの稼働状況、サービスレベルの実施結果及び応答時間の状況をご報告"
		       "申し上げるものです。",
		       "Thank you for using %s. This report presents the availability of %s, the "
		       "results against its service levels and its response times in the period."),
		     r->service, r->service);
	period_choice_note(d, t);
	c = add_block(d, RDOC_CARDS, NULL);
	add_cell(c, TONE_NONE, "%s", T("稼働率", "Availability"));
	avail_figure(d, t);
	if (!isnan(a->achieved) && !isnan(a->committed))
		tone = a->provisional                       ? TONE_WARN
		       : a->achieved + 1e-9 >= a->committed ? TONE_OK
		                                            : TONE_BAD;
	add_cell_buf(c, tone, t);
	add_cell(c, TONE_NONE, "%s", T("稼働率の約定値", "Committed availability"));
	committed_figure(d, t);
	add_cell_buf(c, TONE_NONE, t);
	add_cell(c, TONE_NONE, "%s", T("障害・インシデント", "Incidents"));
	add_cell(c, r->nincidents ? TONE_WARN : TONE_OK, T("%zu 件", "%zu"), r->nincidents);
	add_cell(c, TONE_NONE, "%s", T("第一報の期限遵守", "First notices on time"));
	add_cell(c, r->notices_missed ? TONE_BAD : TONE_OK, "%zu / %zu", r->notices_met,
	         r->notices_met + r->notices_missed);
	add_cell(c, TONE_NONE, "%s", T("追加報告の期限遵守", "Follow-ups on time"));
	add_cell(c, r->followups_missed ? TONE_BAD : TONE_OK, "%zu / %zu", r->followups_met,
	         r->followups_met + r->followups_missed);
	add_cell(c, TONE_NONE, "%s", T("応答時間 p95", "Response time p95"));
	ms(t, r->p95);
	add_cell_buf(c, TONE_NONE, t);

	{
		static const double w[] = {1, 1};
		const char *h[] = {T("監視の概要", "Monitoring"), T("内容", "Value")};
		struct rdoc_block *b = add_table(d, 2, h, w);
		add_cell(b, TONE_NONE, "%s", T("サービス", "Service"));
		if (r->audience == REPORT_MANAGERS)
			add_cell(b, TONE_NONE, T("%s（パターン %d）", "%s (pattern %d)"),
			         r->service, r->pattern);
		else
			add_cell(b, TONE_NONE, "%s", r->service);
		add_cell(b, TONE_NONE, "%s", T("対象期間", "Period"));
		report_doc_period(t, &r->period, r->tz, d->lang);
		dynbuf_addstr(t, T("：", ": "));
		report_doc_time(t, (double)r->period.start, r->tz, d->lang);
		dynbuf_addstr(t, T(" 〜 ", " to "));
		report_doc_time(t, (double)r->period.end, r->tz, d->lang);
		dynbuf_printf(t, T("（%s）", " (%s)"), zone_label(d, r->tz));
		add_cell_buf(b, TONE_NONE, t);
		add_cell(b, TONE_NONE, "%s", T("監視項目数", "Checks"));
		add_cell(b, TONE_NONE,
		         T("%lld（死活 %lld・障害 %lld・性能 %lld・外部ネットワーク %lld）",
		           "%lld (liveness %lld, fault %lld, performance %lld, external network "
		           "%lld)"),
		         r->checks.checks, r->checks.liveness, r->checks.fault,
		         r->checks.performance, r->checks.external_network);
		add_cell(b, TONE_NONE, "%s", T("監視回数（うち失敗）", "Probes (failed)"));
		add_cell(b, TONE_NONE, T("%llu（%llu）", "%llu (%llu)"), r->checks.probes,
		         r->checks.failures);
		add_cell(
		    b, TONE_NONE, "%s",
		    r->audience == REPORT_MANAGERS
		        ? T("定期報告の間隔（III.1.1.7.a）", "Reporting interval (III.1.1.7.a)")
		        : T("定期報告の間隔", "Reporting interval"));
		add_cell(b, TONE_NONE, "%d%s", r->interval_months,
		         d->lang != SG_LANG_EN     ? "ヶ月"
		         : r->interval_months == 1 ? " month"
		                                   : " months");
	}
}

static void availability(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	const struct report_availability *a = &r->availability;
	static const double w[] = {1, 1};
	const char *h[] = {T("項目", "Item"), T("値", "Value")};
	struct rdoc_block *b;

	add_block(d, RDOC_HEADING, T("2. 稼働率", "2. Availability"));
	add_block(d, RDOC_CHART_AVAIL, T("日別稼働率", "Daily availability"));
	b = add_table(d, 2, h, w);
	add_cell(b, TONE_NONE, "%s", T("稼働率（実績）", "Availability achieved"));
	avail_figure(d, t);
	add_cell_buf(b,
	             isnan(a->achieved) || isnan(a->committed) ? TONE_NONE
	             : a->provisional                          ? TONE_WARN
	             : a->achieved + 1e-9 >= a->committed      ? TONE_OK
	                                                       : TONE_BAD,
	             t);
	add_cell(b, TONE_NONE, "%s", T("稼働率（約定値）", "Availability committed"));
	committed_figure(d, t);
	add_cell_buf(b, TONE_NONE, t);
	add_cell(b, TONE_NONE, "%s", T("停止時間の合計", "Total downtime"));
	report_text_duration(t, a->down_s, d->lang);
	add_cell_buf(b, TONE_NONE, t);
	add_cell(b, TONE_NONE, "%s", T("集計対象時間", "Time counted"));
	report_text_duration(t, a->measured_s, d->lang);
	add_cell_buf(b, TONE_NONE, t);
	add_cell(b, TONE_NONE, "%s", T("監視の記録がある割合", "Share with monitoring records"));
	if (isnan(a->coverage))
		dynbuf_addstr(t, "-");
	else
		dynbuf_printf(t, "%.1f%%", a->coverage * 100);
	add_cell_buf(b, a->provisional ? TONE_WARN : TONE_NONE, t);
	add_block(d, RDOC_HEADING, T("稼働率の算定方法", "How availability is counted"))->sub =
	    xstrdup("minor");
	para(d, "%s", d->lang == SG_LANG_EN ? a->method_en : a->method_ja);
}

static void sla(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	static const double w[] = {1.15, 3.0, 1.9, 1.5, 0.75, 1.15};
	const char *h[] = {T("評価項目", "Item"),    T("内容", "Description"),
	                   T("約定値", "Committed"), T("実績", "Achieved"),
	                   T("根拠", "Source"),      T("判定", "Result")};
	struct rdoc_block *b;
	size_t met = 0, missed = 0;

	add_block(d, RDOC_HEADING, T("3. SLA の実施結果", "3. Service levels"));
	for (size_t i = 0; i < r->nsla; i++) {
		met += r->sla[i].verdict == SLA_MET;
		missed += r->sla[i].verdict == SLA_MISSED;
	}
	para(d,
	     T("評価項目 %zu 件のうち、達成 %zu 件、未達 %zu 件です。約定値は当社の目標値"
	       "（設定のない項目はガイドラインのパターン %d の対策参照値）、実績は当該期間の"
	       "計測値（監視・収集）又は当社の申告値です。＊は特に達成すべき項目です。",
	       "Of %zu evaluation items, %zu were met and %zu missed. The committed value is "
	       "our target (else the guideline's reference value for pattern %d); achieved is "
	       "what was measured in the period (monitor, collectors) or declared. * marks "
	       "items that should especially be achieved."),
	     r->nsla, met, missed, r->pattern);
	b = add_table(d, 6, h, w);
	for (size_t i = 0; i < r->nsla; i++) {
		const struct report_sla_row *s = &r->sla[i];
		enum rdoc_tone tone;
		const char *v = verdict_label(d, s->verdict, &tone);
		add_cell(b, TONE_NONE, "%s%s", s->item->id, s->required ? " ＊" : "");
		add_cell(b, TONE_NONE, "%s",
		         d->lang == SG_LANG_EN ? s->item->name_en : s->item->name_ja);
		add_cell(b, TONE_NONE, "%s", s->committed ? s->committed : "-");
		add_cell(b, TONE_NONE, "%s", s->achieved ? s->achieved : "-");
		add_cell(b, TONE_MUTED, "%s", source_label(d, s->source));
		add_cell(b, tone, "%s", v);
	}
	(void)t;
}

static void incidents(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	static const double w[] = {0.5, 1.2, 1.6, 1.6, 0.9, 1.7, 0.9, 1.6};
	int mgr = r->audience == REPORT_MANAGERS;
	const char *h[] = {T("No.", "No."),
	                   mgr ? T("種別・監視項目", "Kind, checks") : T("事象", "Event"),
	                   T("検知", "Detected"),
	                   T("第一報の送付", "First notice"),
	                   T("第一報の期限", "Notice deadline"),
	                   T("追加報告", "Follow-ups"),
	                   T("追加報告期限", "Follow-up deadline"),
	                   T("復旧", "Resolved")};
	struct rdoc_block *b;

	add_block(d, RDOC_HEADING, T("4. 障害・インシデント", "4. Incidents"));
	if (!r->nincidents) {
		para(d, "%s",
		     T("当該期間中に検知したインシデントはありません。",
		       "No incident was detected in the period."));
		return;
	}
	para(d,
	     T("当該期間中に %zu 件の障害・インシデントを検知いたしました。第一報（お客様への"
	       "お知らせ）の期限遵守は %zu 件中 %zu 件、追加のご報告の期限遵守は %zu 件中 %zu "
	       "件です。期限は検知時刻から起算しております。",
	       "%zu incidents were detected in the period. First notices to customers were on "
	       "time for %zu of %zu; follow-up reports for %zu of %zu. Deadlines run from "
	       "detection."),
	     r->nincidents, r->notices_met + r->notices_missed, r->notices_met,
	     r->followups_met + r->followups_missed, r->followups_met);
	if (mgr) {
		dynbuf_printf(
		    t,
		    T("同じ時間帯に重なって発生したインシデントは、一つの事象として数えます"
		      "（監視のインシデント記録 %zu 件を %zu 件の事象にまとめています）。"
		      "No. は事象の最初のインシデント番号です。",
		      "Incidents that overlap in time count as one event (%zu incident "
		      "records make %zu events). No. is the event's first incident number."),
		    r->nraw_incidents, r->nincidents);
		note(d, dynbuf_ptr(t));
		dynbuf_reset(t);
	} else
		note(d, T("同じ時間帯に重なって発生した事象は、一件として数えております。",
		          "Problems that overlapped in time count as one."));
	b = add_table(d, 8, h, w);
	for (size_t i = 0; i < r->nincidents; i++) {
		const struct report_incident *in = &r->incidents[i];
		enum rdoc_tone tone;
		const char *l;

		if (mgr) {
			add_cell(b, TONE_NONE, "%lld", in->id);
			add_cell(b, TONE_NONE, "%s%s%s", kind_label(d, in->kind),
			         in->check_name ? "\n" : "", in->check_name ? in->check_name : "");
		} else {
			/* What users experienced: never a check's name or URL. */
			add_cell(b, TONE_NONE, "%zu", i + 1);
			if (in->label)
				add_cell(b, TONE_NONE, T("%s\n%s\n（%s）", "%s\n%s\n(%s)"),
				         kind_label(d, in->kind), experience(d, in->kind),
				         in->label);
			else
				add_cell(b, TONE_NONE, "%s\n%s", kind_label(d, in->kind),
				         experience(d, in->kind));
		}
		dynbuf_addstr(t, "");
		report_doc_time(t, in->detected, r->tz, d->lang);
		if (in->started < in->detected - 0.5) {
			dynbuf_addstr(t, T("\n（発生 ", "\n(started "));
			report_doc_time(t, in->started, r->tz, d->lang);
			dynbuf_addstr(t, T("）", ")"));
		}
		add_cell_buf(b, TONE_NONE, t);
		report_doc_time(t, in->first_notice, r->tz, d->lang);
		if (!isnan(in->first_notice)) {
			dynbuf_addstr(t, T("\n（検知後 ", "\n("));
			report_text_duration(t, in->first_notice - in->detected, d->lang);
			dynbuf_addstr(t, T("）", " after)"));
		}
		add_cell_buf(b, TONE_NONE, t);
		l = deadline_label(d, in->notice, &tone);
		if (!isnan(in->notify_deadline_s)) {
			dynbuf_printf(t, T("%s\n（", "%s\n("), l);
			report_text_duration(t, in->notify_deadline_s, d->lang);
			dynbuf_addstr(t, T("）", ")"));
			add_cell_buf(b, tone, t);
		} else {
			add_cell(b, tone, "%s", l);
		}
		for (size_t f = 0; f < in->nfollowups; f++) {
			if (f)
				dynbuf_addch(t, '\n');
			report_doc_time(t, in->followups[f], r->tz, d->lang);
		}
		if (!in->nfollowups)
			dynbuf_addstr(t, T("なし", "none"));
		add_cell_buf(b, TONE_NONE, t);
		l = deadline_label(d, in->followup, &tone);
		if (!isnan(in->followup_deadline_s)) {
			dynbuf_printf(t, T("%s\n（", "%s\n("), l);
			report_text_duration(t, in->followup_deadline_s, d->lang);
			dynbuf_addstr(t, T("）", ")"));
			add_cell_buf(b, tone, t);
		} else {
			add_cell(b, tone, "%s", l);
		}
		if (isnan(in->resolved)) {
			add_cell(b, TONE_WARN, "%s", T("継続中", "Ongoing"));
		} else {
			report_doc_time(t, in->resolved, r->tz, d->lang);
			dynbuf_addstr(t, T("\n（継続 ", "\n(lasted "));
			report_text_duration(t, in->resolved - in->started, d->lang);
			dynbuf_addstr(t, T("）", ")"));
			add_cell_buf(b, TONE_NONE, t);
		}
	}
	/* Managers: what the monitor saw, translated, below the table. */
	for (size_t i = 0; mgr && i < r->nincidents; i++) {
		char *e = report_text_error(r->incidents[i].summary, d->lang);
		if (!e)
			continue;
		dynbuf_printf(t, T("No.%lld: %s", "No.%lld: %s"), r->incidents[i].id, e);
		note(d, dynbuf_ptr(t));
		dynbuf_reset(t);
		free(e);
	}
}

static void performance(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	static const double w[] = {1, 1, 1, 1};
	const char *h[] = {T("監視回数", "Probes"), "p50", "p95", "p99"};
	struct rdoc_block *b;

	add_block(d, RDOC_HEADING, T("5. 応答時間（パフォーマンス監視）", "5. Response times"));
	add_block(d, RDOC_CHART_PERF,
	          T("日別応答時間（p50・p95・p99）", "Daily response time (p50, p95, p99)"));
	b = add_table(d, 4, h, w);
	add_cell(b, TONE_NONE, "%llu", (unsigned long long)r->perf_n);
	ms(t, r->p50);
	add_cell_buf(b, TONE_NONE, t);
	ms(t, r->p95);
	add_cell_buf(b, TONE_NONE, t);
	ms(t, r->p99);
	add_cell_buf(b, TONE_NONE, t);
	note(d, T("応答時間は全監視項目の日次集計（対数目盛のヒストグラム）から求めた百分位値"
	          "です（誤差は 1 区間幅（約 19%）以内）。",
	          "Response times are percentiles of the daily roll-ups of every check "
	          "(logarithmic histograms), accurate to one bucket (about 19%)."));
}

static void maintenance(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	const struct report_availability *a = &r->availability;
	static const double w[] = {1.4, 1.4, 1.4, 2};
	const char *h[] = {T("開始", "Start"), T("終了", "End"), T("事前告知", "Announced"),
	                   T("内容", "Note")};
	struct rdoc_block *b;

	add_block(d, RDOC_HEADING, T("6. 計画保守", "6. Planned maintenance"));
	if (!a->nmaintenance) {
		para(d, "%s",
		     T("当該期間中に実施した計画保守はありません。",
		       "No planned maintenance took place in the period."));
		return;
	}
	b = add_table(d, 4, h, w);
	for (size_t i = 0; i < a->nmaintenance; i++) {
		const struct report_maintenance *m = &a->maintenance[i];
		report_doc_time(t, (double)m->start, r->tz, d->lang);
		add_cell_buf(b, TONE_NONE, t);
		report_doc_time(t, (double)m->end, r->tz, d->lang);
		add_cell_buf(b, TONE_NONE, t);
		report_doc_time(t, m->announced ? (double)m->announced : NAN, r->tz, d->lang);
		add_cell_buf(b, m->announced ? TONE_NONE : TONE_WARN, t);
		add_cell(b, TONE_NONE, "%s", m->note ? m->note : "");
	}
}

static void managers(struct rdoc *d, struct dynbuf *t)
{
	const struct report *r = d->r;
	int sec = 7;

	if (r->has_assessment) {
		struct rdoc_block *c;
		heading(d, &sec, "評価結果（要対応の対策項目）", "Assessment: to be addressed");
		/* the guideline's terms, never pass/fail (I.8.1, I.8.5; issue 11) */
		para(d,
		     T("対策項目 %lld 件のうち対策済み %lld 件、要対応 %lld 件、その他（未評価・"
		       "対象外・リスク受容）%lld "
		       "件です。参照値に達しない評価項目を重要度別に示します。"
		       "当該期間に監視で計測した項目は、当該期間の実績で判定しています。",
		       "Of %lld countermeasures, %lld are in place, %lld are to be addressed and "
		       "%lld "
		       "are otherwise (not assessed, not applicable, risk accepted). Evaluation "
		       "items "
		       "short of the reference value, by severity; items the monitor measured are "
		       "judged on this period's figures:"),
		     r->controls_total, r->controls_compliant, r->controls_gap,
		     r->controls_total - r->controls_compliant - r->controls_gap);
		para(d, "%s", assess_caveat_text(d->lang));
		c = add_block(d, RDOC_CARDS, NULL);
		add_cell(c, TONE_NONE, "%s", T("重大（＊項目）", "Critical (*)"));
		add_cell(c, r->gaps_critical ? TONE_BAD : TONE_OK, "%lld", r->gaps_critical);
		add_cell(c, TONE_NONE, "%s", T("高（基本）", "High (basic)"));
		add_cell(c, r->gaps_high ? TONE_BAD : TONE_OK, "%lld", r->gaps_high);
		add_cell(c, TONE_NONE, "%s", T("中（推奨）", "Medium (recommended)"));
		add_cell(c, r->gaps_medium ? TONE_WARN : TONE_OK, "%lld", r->gaps_medium);
		if (r->nshort_items) {
			static const double w[] = {1.2, 2.6, 1.6, 1};
			const char *h[] = {T("評価項目（＊）", "Item (*)"),
			                   T("対策参照値", "Reference"), T("現状", "Value"),
			                   T("重要度", "Severity")};
			struct rdoc_block *b = add_table(d, 4, h, w);
			for (size_t i = 0; i < r->nshort_items; i++) {
				const struct report_short_item *s = &r->short_items[i];
				add_cell(b, TONE_NONE, "%s", s->id);
				add_cell(b, TONE_NONE, "%s", s->reference ? s->reference : "-");
				value_words(d, t, s->value);
				add_cell_buf(b, TONE_BAD, t);
				add_cell(b, TONE_BAD, "%s", severity_label(d, s->severity));
			}
		} else {
			para(d, "%s",
			     T("＊の評価項目に未達はありません。", "No * item falls short."));
		}
	}

	heading(d, &sec, "期限を過ぎた追加報告", "Overdue follow-ups");
	if (!r->noverdue) {
		para(d, "%s", T("期限を過ぎた追加報告はありません。", "No follow-up is overdue."));
	} else {
		static const double w[] = {0.7, 1.4, 1.8, 1.8, 1.8};
		const char *h[] = {T("No.", "No."), T("種別", "Kind"), T("検知", "Detected"),
		                   T("期限", "Due"), T("送付", "Sent")};
		struct rdoc_block *b = add_table(d, 5, h, w);
		for (size_t i = 0; i < r->noverdue; i++) {
			const struct report_overdue *o = &r->overdue[i];
			add_cell(b, TONE_NONE, "%lld", o->incident_id);
			add_cell(b, TONE_NONE, "%s", kind_label(d, o->kind));
			report_doc_time(t, o->detected, r->tz, d->lang);
			add_cell_buf(b, TONE_NONE, t);
			report_doc_time(t, o->due, r->tz, d->lang);
			add_cell_buf(b, TONE_BAD, t);
			if (isnan(o->sent))
				dynbuf_addstr(t, T("未送付", "not sent"));
			else
				report_doc_time(t, o->sent, r->tz, d->lang);
			add_cell_buf(b, TONE_BAD, t);
		}
	}

	heading(d, &sec, "収集結果の指摘事項", "Collector findings");
	if (!r->nfindings) {
		para(d, "%s",
		     T("当該期間の収集結果に指摘事項はありません。",
		       "The collectors found nothing in the period."));
	} else {
		static const double w[] = {1, 1.2, 1.6, 0.9, 1, 2.2};
		const char *h[] = {T("収集", "Collector"), T("評価項目", "Item"),
		                   T("対象", "Subject"),   T("状態", "Status"),
		                   T("値", "Value"),       T("内容", "Detail")};
		struct rdoc_block *b = add_table(d, 6, h, w);
		for (size_t i = 0; i < r->nfindings; i++) {
			const struct report_finding *f = &r->findings[i];
			add_cell(b, TONE_NONE, "%s", collector_label(d, f->collector));
			add_cell(b, TONE_NONE, "%s", f->item_id ? f->item_id : "-");
			add_cell(b, TONE_NONE, "%s", f->subject ? f->subject : "-");
			add_cell(b, !strcmp(f->status, "finding") ? TONE_BAD : TONE_WARN, "%s",
			         status_label(d, f->status));
			value_words(d, t, f->value);
			add_cell_buf(b, TONE_NONE, t);
			add_cell(b, TONE_NONE, "%s", f->detail ? f->detail : "");
		}
	}

	heading(d, &sec, "送達にリスクのある通知", "Notification deliveries at risk");
	if (!r->ndeliveries) {
		para(d, "%s", T("送達にリスクのある通知はありません。", "No delivery is at risk."));
	} else {
		static const double w[] = {0.6, 1.1, 1.9, 0.7, 1.6, 1, 2};
		const char *h[] = {T("ID", "ID"),
		                   T("用途", "Purpose"),
		                   T("宛先", "Recipient"),
		                   T("試行", "Tries"),
		                   T("期限", "Deadline"),
		                   T("状態", "State"),
		                   T("最後のエラー", "Last error")};
		struct rdoc_block *b = add_table(d, 7, h, w);
		for (size_t i = 0; i < r->ndeliveries; i++) {
			const struct report_delivery *v = &r->deliveries[i];
			add_cell(b, TONE_NONE, "%lld", v->id);
			add_cell(b, TONE_NONE, "%s", purpose_label(d, v->purpose));
			add_cell(b, TONE_NONE, T("%s\n（%s）", "%s\n(%s)"), v->recipient,
			         !strcmp(v->channel, "email") ? T("メール", "e-mail") : v->channel);
			add_cell(b, TONE_NONE, "%lld", v->attempts);
			report_doc_time(t, v->deadline, r->tz, d->lang);
			add_cell_buf(b, TONE_NONE, t);
			add_cell(b, !strcmp(v->state, "failing") ? TONE_WARN : TONE_BAD, "%s",
			         !strcmp(v->state, "late") ? T("期限後に送達", "delivered late")
			         : !strcmp(v->state, "overdue") ? T("期限超過・未送達", "overdue")
			                                        : T("再送中", "retrying"));
			{
				char *e = report_text_error(v->last_error, d->lang);
				add_cell(b, TONE_NONE, "%s", e ? e : "");
				free(e);
			}
		}
	}

	heading(d, &sec, "証跡台帳の検証状況", "Evidence ledger verification");
	para(d, "%s%s%s",
	     r->ledger_status == REPORT_LEDGER_VERIFIED
	         ? T("証跡台帳は検証に成功しました。", "The evidence ledger verified.")
	     : r->ledger_status == REPORT_LEDGER_FAILED
	         ? T("証跡台帳の検証に失敗しました。直ちに確認してください。",
	             "The evidence ledger FAILED verification. Investigate at once.")
	         : T("証跡台帳の検証は本報告書の作成時には実施していません。",
	             "The evidence ledger was not verified when this report was made."),
	     r->ledger_detail ? " " : "", r->ledger_detail ? r->ledger_detail : "");
}

void report_doc_build(const struct report *r, struct rdoc *d)
{
	struct dynbuf t = DYNBUF_INIT, sub = DYNBUF_INIT;
	struct rdoc_block *b;

	memset(d, 0, sizeof(*d));
	d->r = r;
	d->lang = r->lang;
	report_doc_period(&t, &r->period, r->tz, d->lang);
	/* One name per document, the same in the title, the footer and the
	 * mail that carries it (notify_enqueue_report()). */
	if (d->lang == SG_LANG_EN)
		d->title =
		    xstrfmt("%s %s, %s", r->service,
		            r->audience == REPORT_MANAGERS ? "monitoring summary for management"
		                                           : "service report",
		            dynbuf_ptr(&t));
	else
		d->title = xstrfmt("%s %s（%s）", r->service,
		                   r->audience == REPORT_MANAGERS ? "監視結果総括報告書"
		                                                  : "サービス稼働状況報告書",
		                   dynbuf_ptr(&t));
	d->footer = xstrdup(d->title);
	b = add_block(
	    d, RDOC_TITLE,
	    r->audience == REPORT_MANAGERS
	        ? T("監視結果総括報告書（管理責任者向け）", "Monitoring summary for management")
	        : T("サービス稼働状況報告書", "Service report"));
	if (r->audience == REPORT_MANAGERS)
		dynbuf_printf(&sub, T("宛先：%s 管理責任者\n", "To: the managers of %s\n"),
		              r->service);
	else
		dynbuf_printf(&sub, T("宛先：%sをご利用のお客様各位\n", "To: the users of %s\n"),
		              r->service);
	dynbuf_printf(&sub, T("対象期間：%s\n", "Period: %s\n"), dynbuf_ptr(&t));
	dynbuf_reset(&t);
	report_doc_time(&t, r->generated_at, r->tz, d->lang);
	dynbuf_printf(&sub, T("発行：%s　発行日時：%s", "Issued by %s on %s"),
	              r->provider ? r->provider : r->service, dynbuf_ptr(&t));
	if (r->audience == REPORT_MANAGERS)
		dynbuf_printf(&sub, T("　パターン %d", ", pattern %d"), r->pattern);
	b->sub = dynbuf_detach(&sub, NULL);
	dynbuf_reset(&t);
	summary(d, &t);
	availability(d, &t);
	sla(d, &t);
	incidents(d, &t);
	performance(d, &t);
	maintenance(d, &t);
	if (r->audience == REPORT_MANAGERS)
		managers(d, &t);
	dynbuf_release(&t);
	dynbuf_release(&sub);
}

void report_doc_release(struct rdoc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct rdoc_block *b = &d->blocks[i];
		free(b->text);
		free(b->sub);
		for (size_t c = 0; c < b->ncells; c++)
			free(b->cells[c].text);
		free(b->cells);
	}
	free(d->blocks);
	free(d->title);
	free(d->footer);
	memset(d, 0, sizeof(*d));
}
