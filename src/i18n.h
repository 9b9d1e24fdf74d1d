/*
 * i18n - the user's language and the display width of UTF-8 text.
 *
 * saasguard speaks Japanese by default and English with --lang en or a LANG
 * that starts with "en". Messages are chosen at the call site with TR(), so a
 * Japanese text and its English twin always sit side by side in the source.
 */
#ifndef SG_I18N_H
#define SG_I18N_H

#include <stddef.h>

enum sg_lang {
	SG_LANG_JA = 0,
	SG_LANG_EN,
};

#define TR(lang, ja, en) ((lang) == SG_LANG_EN ? (en) : (ja))

/* Sets up the C library for UTF-8 text (width of wide characters). */
void i18n_setup(void);

/* From LANG / LC_ALL / LC_MESSAGES: English when it starts with "en". */
enum sg_lang i18n_lang_from_env(void);

/* Parses "ja" or "en"; returns -1 for anything else. */
int i18n_lang_parse(const char *s);

/* Terminal columns the UTF-8 string takes (East Asian wide = 2). Invalid
 * bytes count as one column each. */
size_t i18n_display_width(const char *s);

/* Bytes of s that fit in max_cols columns without splitting a character. */
size_t i18n_fit_bytes(const char *s, size_t max_cols);

/* Levenshtein distance in bytes, for "did you mean" suggestions (ASCII names and ids). */
size_t i18n_edit_distance(const char *a, const char *b);

#endif
