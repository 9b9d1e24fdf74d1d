/*
 * report_text - a report's numbers and errors as words; see report_text.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "notify_template.h"
#include "report_text.h"
#include "xalloc.h"
#include "banned.h"

void report_text_duration(struct dynbuf *out, double seconds, enum sg_lang lang)
{
	static const struct {
		double s;
		const char *ja, *en;
	} units[] = {
	    {86400, "日", " d"}, {3600, "時間", " h"}, {60, "分", " min"}, {1, "秒", " s"}};
	long long left = llround(seconds < 0 ? 0 : seconds);
	int shown = 0;

	for (size_t i = 0; i < 4 && shown < 2; i++) {
		long long n = left / (long long)units[i].s;
		if (!n && !(i == 3 && !shown))
			continue;
		if (shown && lang == SG_LANG_EN)
			dynbuf_addch(out, ' ');
		dynbuf_printf(out, "%lld%s", n, lang == SG_LANG_EN ? units[i].en : units[i].ja);
		left -= n * (long long)units[i].s;
		shown++;
		if (!left)
			break;
		/* the second unit must be the next one down, or stop */
		if (shown == 1 && i < 3 && left < (long long)units[i + 1].s)
			break;
	}
}

char *report_text_measure(const struct eval_item *it, enum ref_kind kind,
                          const struct value *commit, double num, enum sg_lang lang)
{
	struct dynbuf b = DYNBUF_INIT;
	enum value_type t = commit ? commit->type : VALUE_NONE;

	(void)kind;
	for (int p = 0; t == VALUE_NONE && p < CATALOG_PATTERNS; p++)
		t = catalog_item_ref(it, p + 1)->quantity.type;
	if (isnan(num))
		dynbuf_addstr(&b, "-");
	else if (t == VALUE_PERCENT)
		dynbuf_printf(&b, "%.3f%%", num);
	else if (t == VALUE_COUNT)
		dynbuf_printf(&b, "%.0f", num);
	else /* the words of the SLA table and the assessment */
		judge_duration_words(round(num), lang == SG_LANG_EN, &b);
	return dynbuf_detach(&b, NULL);
}

char *report_text_error(const char *raw, enum sg_lang lang)
{
	int en = lang == SG_LANG_EN;
	unsigned code = 0;
	struct dynbuf b = DYNBUF_INIT;

	if (!raw || !*raw)
		return NULL;
	/* Already written for people (a Japanese summary): kept as is. */
	for (const unsigned char *c = (const unsigned char *)raw; *c; c++)
		if (*c >= 0x80)
			return xstrdup(raw);
	/* A mail server's reply ("421 4.7.0 try again later", "SMTP 550"). */
	if ((sscanf(raw, "SMTP %u", &code) == 1 || sscanf(raw, "%u", &code) == 1) && code >= 400 &&
	    code < 600) {
		if (code < 500)
			return en ? xstrfmt("the mail server deferred the message (%u)", code)
			          : xstrfmt("メールサーバが一時的に受け付けませんでした（%u）",
			                    code);
		return en ? xstrfmt("the mail server refused the message (%u)", code)
		          : xstrfmt("メールサーバが受け付けを拒否しました（%u）", code);
	}
	/* A probe's result: the words the incident mail uses, so a manager
	 * reads one explanation in the mail and in the report. */
	notify_template_explain(raw, en, &b);
	if (!strcmp(dynbuf_ptr(&b), en ? "the check failed" : "監視で異常を検知しました")) {
		/* Unknown: said in the reader's language, the raw text quoted
		 * for the engineer. */
		dynbuf_release(&b);
		return en ? xstrfmt("other error (\"%s\")", raw)
		          : xstrfmt("その他のエラー（原文:「%s」）", raw);
	}
	return dynbuf_detach(&b, NULL);
}
