/*
 * report_text - a report's numbers as words; see report_text.h.
 */
#include <math.h>

#include "report_text.h"
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
		t = it->refs[p].quantity.type;
	if (isnan(num))
		dynbuf_addstr(&b, "-");
	else if (t == VALUE_PERCENT)
		dynbuf_printf(&b, "%.3f%%", num);
	else if (t == VALUE_COUNT)
		dynbuf_printf(&b, "%.0f", num);
	else if (t == VALUE_DURATION && num >= 28 * 86400.0 &&
	         fabs(num / VALUE_MONTH_SECONDS - round(num / VALUE_MONTH_SECONDS)) < 0.01)
		dynbuf_printf(&b, lang == SG_LANG_EN ? "%.0f mo" : "%.0fヶ月",
		              round(num / VALUE_MONTH_SECONDS));
	else
		report_text_duration(&b, num, lang);
	return dynbuf_detach(&b, NULL);
}
