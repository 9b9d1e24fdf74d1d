/*
 * report_text - a report's numbers and errors as words; see report_text.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

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

char *report_text_error(const char *raw, enum sg_lang lang)
{
	static const struct {
		const char *prefix, *ja, *en;
	} known[] = {
	    {"Couldn't connect to server", "サーバに接続できませんでした",
	     "could not connect to the server"},
	    {"Could not connect to server", "サーバに接続できませんでした",
	     "could not connect to the server"},
	    {"Timeout was reached", "応答が時間内にありませんでした（タイムアウト）",
	     "no response in time (timeout)"},
	    {"Couldn't resolve host", "ホスト名を解決できませんでした（DNS）",
	     "the host name did not resolve (DNS)"},
	    {"Could not resolve host", "ホスト名を解決できませんでした（DNS）",
	     "the host name did not resolve (DNS)"},
	    {"SSL", "TLS の接続又は証明書の検証に失敗しました",
	     "the TLS connection or certificate check failed"},
	    {"Server returned nothing", "サーバから応答がありませんでした",
	     "the server sent no response"},
	    {"Failure when receiving data", "サーバからの受信に失敗しました",
	     "receiving from the server failed"},
	    {"Failed sending data", "サーバへの送信に失敗しました", "sending to the server failed"},
	    {"Weird server reply", "サーバの応答が不正でした", "the server's reply was invalid"},
	    {"body lacks", "応答の本文に期待した内容がありませんでした",
	     "the response lacked the expected content"},
	    {"body does not match", "応答の本文が期待した形式と一致しませんでした",
	     "the response did not match the expected content"},
	    {"cannot start transfer", "通信を開始できませんでした",
	     "the request could not be started"},
	};
	unsigned code = 0;
	double a = 0, b = 0;

	if (!raw || !*raw)
		return NULL;
	/* Already written for people (a Japanese summary): kept as is. */
	for (const unsigned char *c = (const unsigned char *)raw; *c; c++)
		if (*c >= 0x80)
			return xstrdup(raw);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strncmp(raw, known[i].prefix, strlen(known[i].prefix)))
			return xstrdup(TR(lang, known[i].ja, known[i].en));
	if (sscanf(raw, "HTTP %u", &code) == 1)
		return lang == SG_LANG_EN
		           ? xstrfmt("the server answered with an error (HTTP status %u)", code)
		           : xstrfmt("サーバがエラーを返しました（HTTP ステータス %u）", code);
	if (sscanf(raw, "slow: %lf ms > %lf ms", &a, &b) == 2)
		return lang == SG_LANG_EN
		           ? xstrfmt("slow response: %.0f ms against a limit of %.0f ms", a, b)
		           : xstrfmt("応答の遅延: %.0f ミリ秒（しきい値 %.0f ミリ秒）", a, b);
	if (sscanf(raw, "SMTP %u", &code) == 1 || sscanf(raw, "%u", &code) == 1) {
		if (code >= 400 && code < 500)
			return lang == SG_LANG_EN
			           ? xstrfmt("the mail server deferred the message (%u)", code)
			           : xstrfmt("メールサーバが一時的に受け付けませんでした（%u）",
			                     code);
		if (code >= 500 && code < 600)
			return lang == SG_LANG_EN
			           ? xstrfmt("the mail server refused the message (%u)", code)
			           : xstrfmt("メールサーバが受け付けを拒否しました（%u）", code);
	}
	/* Anything else: said in the reader's language, the raw text kept for
	 * the engineer as a quotation. */
	return lang == SG_LANG_EN ? xstrfmt("other error (\"%s\")", raw)
	                          : xstrfmt("その他のエラー（原文:「%s」）", raw);
}
