/*
 * i18n - language selection and display width; see i18n.h.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "i18n.h"
#include "xalloc.h"
#include "banned.h"

void i18n_setup(void)
{
	/* wcwidth() knows East Asian widths only in a UTF-8 locale. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
}

enum sg_lang i18n_lang_from_env(void)
{
	const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "en", 2) == 0 ? SG_LANG_EN : SG_LANG_JA;
	}
	return SG_LANG_JA;
}

int i18n_lang_parse(const char *s)
{
	if (!strcmp(s, "ja"))
		return SG_LANG_JA;
	if (!strcmp(s, "en"))
		return SG_LANG_EN;
	return -1;
}

static size_t step(const char *s, size_t len, int *cols)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*cols = 1;
		return 1;
	}
	w = wcwidth(wc);
	*cols = w < 0 ? 1 : w;
	return n;
}

size_t i18n_display_width(const char *s)
{
	size_t len = strlen(s), cols = 0;

	while (len) {
		int c;
		size_t n = step(s, len, &c);
		cols += (size_t)c;
		s += n;
		len -= n;
	}
	return cols;
}

size_t i18n_fit_bytes(const char *s, size_t max_cols)
{
	size_t len = strlen(s), cols = 0, used = 0;

	while (used < len) {
		int c;
		size_t n = step(s + used, len - used, &c);
		if (cols + (size_t)c > max_cols)
			break;
		cols += (size_t)c;
		used += n;
	}
	return used;
}

size_t i18n_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row)), d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	d = row[lb];
	free(row);
	return d;
}
