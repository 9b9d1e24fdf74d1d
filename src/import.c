/*
 * import - checklists (xlsx or CSV) into starter profiles (see import.h).
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "assess.h"
#include "i18n.h"
#include "import.h"
#include "judge.h"
#include "profile.h"
#include "timeutil.h"
#include "value.h"
#include "xalloc.h"
#include "banned.h"

/* ---- grids: one per sheet (or the CSV), cells by 1-based row and column ---- */

struct grid {
	char *where; /* for messages */
	char *sheet; /* NULL for CSV */
	size_t nrows;
	char **cells; /* nrows * IMPORT_MAX_COLS */
	int too_wide; /* a cell beyond IMPORT_MAX_COLS was dropped */
};

static void grid_free(struct grid *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nrows * IMPORT_MAX_COLS; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->where);
	free(g->sheet);
	free(g);
}

static struct grid *grid_new(const char *file, const char *sheet)
{
	struct grid *g = xcalloc(1, sizeof(*g));

	g->where = sheet ? xstrfmt("%s[%s]", file, sheet) : xstrdup(file);
	g->sheet = sheet ? xstrdup(sheet) : NULL;
	return g;
}

/* Takes text (heap). Returns -1 when the row is beyond the limit. */
static int grid_set(struct grid *g, size_t row, size_t col, char *text)
{
	if (row < 1 || row > IMPORT_MAX_ROWS) {
		free(text);
		return -1;
	}
	if (col < 1 || col > IMPORT_MAX_COLS) {
		g->too_wide = 1;
		free(text);
		return 0;
	}
	if (row > g->nrows) {
		size_t n = row + 64 > IMPORT_MAX_ROWS ? IMPORT_MAX_ROWS : row + 64;
		g->cells = xreallocarray(g->cells, n * IMPORT_MAX_COLS, sizeof(char *));
		memset(g->cells + g->nrows * IMPORT_MAX_COLS, 0,
		       (n - g->nrows) * IMPORT_MAX_COLS * sizeof(char *));
		g->nrows = n;
	}
	free(g->cells[(row - 1) * IMPORT_MAX_COLS + col - 1]);
	g->cells[(row - 1) * IMPORT_MAX_COLS + col - 1] = text;
	return 0;
}

static const char *cell(const struct grid *g, size_t row, size_t col)
{
	const char *s;

	if (row < 1 || row > g->nrows || col < 1 || col > IMPORT_MAX_COLS)
		return "";
	s = g->cells[(row - 1) * IMPORT_MAX_COLS + col - 1];
	return s ? s : "";
}

struct grids {
	struct grid **v;
	size_t n;
};

static void grids_release(struct grids *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		grid_free(gs->v[i]);
	free(gs->v);
	gs->v = NULL;
	gs->n = 0;
}

static void grids_add(struct grids *gs, struct grid *g)
{
	gs->v = xreallocarray(gs->v, gs->n + 1, sizeof(*gs->v));
	gs->v[gs->n++] = g;
}

/* ---- text: UTF-8 check, CP932 (Excel's "CSV") to UTF-8 ---- */

static int valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		if (c < 0x80) {
			if (!c)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static enum sg_code from_cp932(const char *file, const char *in, size_t n, struct dynbuf *out,
                               struct sg_error *err)
{
	iconv_t cd = iconv_open("UTF-8", "CP932");
	char buf[4096];
	char *ip = (char *)in;
	size_t il = n;
	enum sg_code rc = SG_OK;

	if (cd == (iconv_t)-1)
		return sg_error_set(err, SG_ERR_INPUT, "%s: %s", file,
		                    ETR(err, "UTF-8 ではありません", "not UTF-8"));
	while (il) {
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		dynbuf_add(out, buf, (size_t)(op - buf));
		if (r == (size_t)-1 && errno != E2BIG) {
			rc = sg_error_at(
			    err, SG_ERR_INPUT, file, 0, 0,
			    ETR(err,
			        "文字コードが UTF-8 でも Shift_JIS（CP932）でもありません"
			        "（%zu バイト目）",
			        "the text is neither UTF-8 nor Shift_JIS (CP932) (byte %zu)"),
			    (size_t)(ip - in) + 1);
			sg_error_hint(err, "%s",
			              ETR(err, "Excel で「CSV UTF-8」として保存し直してください",
			                  "save it again from Excel as \"CSV UTF-8\""));
			break;
		}
	}
	iconv_close(cd);
	return rc;
}

/* ---- CSV (RFC 4180) ---- */

static enum sg_code parse_csv(const char *file, const char *data, size_t len, struct grids *gs,
                              struct sg_error *err)
{
	struct grid *g = grid_new(file, NULL);
	struct dynbuf f = DYNBUF_INIT;
	size_t i = 0, line = 1, rec_line = 1, row = 0, col = 1;
	int quoted = 0, any = 0;
	enum sg_code rc = SG_OK;

	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		i = 3;
	for (; i <= len; i++) {
		char c = i < len ? data[i] : '\n';
		if (quoted) {
			if (i == len) {
				rc = sg_error_at(err, SG_ERR_INPUT, file, (int)rec_line, (int)col,
				                 "%s",
				                 ETR(err, "引用符（\"）が閉じていません",
				                     "a quoted field is not closed"));
				sg_error_hint(err, "%s",
				              ETR(err, "フィールドの終わりに \" を書いてください",
				                  "end the field with \""));
				goto out;
			}
			if (c == '"') {
				if (i + 1 < len && data[i + 1] == '"') {
					dynbuf_addch(&f, '"');
					i++;
				} else {
					quoted = 0;
				}
			} else {
				if (c == '\n')
					line++;
				if (c != '\r' || i + 1 >= len || data[i + 1] != '\n')
					dynbuf_addch(&f, c);
			}
			continue;
		}
		if (c == '"' && f.len == 0) {
			quoted = 1;
			any = 1;
			continue;
		}
		if (c == ',' || c == '\n' || (c == '\r' && i + 1 < len && data[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			if (any || f.len || col > 1 || c == ',') {
				if (col == 1)
					row++;
				if (f.len &&
				    grid_set(g, rec_line, col, xstrdup(dynbuf_ptr(&f))) < 0) {
					rc = sg_error_at(err, SG_ERR_INPUT, file, (int)rec_line, 1,
					                 ETR(err, "行が多すぎます（%d 行まで）",
					                     "too many rows (at most %d)"),
					                 IMPORT_MAX_ROWS);
					goto out;
				}
			}
			dynbuf_reset(&f);
			any = 0;
			if (c == ',') {
				col++;
			} else {
				col = 1;
				line++;
				rec_line = line;
			}
			continue;
		}
		/* A quote inside an unquoted field is literal, as Excel reads it. */
		dynbuf_addch(&f, c);
	}
	(void)row;
	grids_add(gs, g);
	g = NULL;
out:
	dynbuf_release(&f);
	grid_free(g);
	return rc;
}

/* ---- xlsx: libzip + expat ---- */

static enum sg_code zip_part(zip_t *z, const char *file, const char *name, int required,
                             struct dynbuf *out, struct sg_error *err)
{
	zip_file_t *zf = zip_fopen(z, name, 0);
	char buf[16384];
	zip_int64_t n;

	if (!zf) {
		if (!required)
			return SG_ERR_NOT_FOUND;
		sg_error_at(err, SG_ERR_INPUT, file, 0, 0,
		            ETR(err, "xlsx の中に %s がありません", "the xlsx has no %s"), name);
		sg_error_hint(err, "%s",
		              ETR(err, "Excel で保存し直した .xlsx を指定してください",
		                  "give a .xlsx saved by Excel"));
		return SG_ERR_INPUT;
	}
	dynbuf_init(out, IMPORT_MAX_BYTES);
	while ((n = zip_fread(zf, buf, sizeof(buf))) > 0) {
		dynbuf_add(out, buf, (size_t)n);
		if (dynbuf_status(out)) {
			zip_fclose(zf);
			return sg_error_at(
			    err, SG_ERR_INPUT, file, 0, 0,
			    ETR(err, "xlsx の %s が大きすぎます（展開後 %zu MiB まで）",
			        "%s in the xlsx is too large (%zu MiB uncompressed at most)"),
			    name, IMPORT_MAX_BYTES >> 20);
		}
	}
	zip_fclose(zf);
	if (n < 0)
		return sg_error_at(err, SG_ERR_INPUT, file, 0, 0,
		                   ETR(err, "xlsx の %s が読めません（壊れています）",
		                       "cannot read %s in the xlsx (damaged)"),
		                   name);
	return SG_OK;
}

static const char *local_name(const char *n)
{
	const char *c = strrchr(n, ':');
	return c ? c + 1 : n;
}

static const char *attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	return NULL;
}

/* A relationship id attribute ("r:id", whatever the prefix). */
static const char *attr_rid(const char **atts)
{
	for (size_t i = 0; atts[i]; i += 2) {
		const char *c = strrchr(atts[i], ':');
		if (c && !strcmp(c + 1, "id"))
			return atts[i + 1];
	}
	return NULL;
}

struct xml_state {
	/* sharedStrings */
	char **strings;
	size_t nstrings;
	int in_si, in_rph, in_t, in_v, in_is;
	struct dynbuf text;
	/* workbook + rels */
	char **sheet_names, **sheet_rids, **rel_ids, **rel_targets;
	size_t nsheets, nrels;
	/* a worksheet */
	struct grid *g;
	size_t row, col, next_col;
	char type[16];
	int bad; /* a limit was hit */
};

static void str_push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
}

static void strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void XMLCALL on_start(void *ud, const char *el, const char **atts)
{
	struct xml_state *x = ud;
	const char *n = local_name(el);

	if (!strcmp(n, "si")) {
		x->in_si = 1;
		dynbuf_reset(&x->text);
	} else if (!strcmp(n, "rPh")) {
		x->in_rph = 1; /* furigana: not part of the cell's text */
	} else if (!strcmp(n, "t")) {
		x->in_t = 1;
	} else if (!strcmp(n, "v")) {
		x->in_v = 1;
	} else if (!strcmp(n, "is")) {
		x->in_is = 1;
	} else if (!strcmp(n, "sheet")) {
		const char *name = attr(atts, "name"), *rid = attr_rid(atts);
		if (name && rid && x->nsheets < 256) {
			str_push(&x->sheet_names, &x->nsheets, name);
			x->nsheets--;
			str_push(&x->sheet_rids, &x->nsheets, rid);
		}
	} else if (!strcmp(n, "Relationship")) {
		const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
		if (id && target && x->nrels < 1024) {
			str_push(&x->rel_ids, &x->nrels, id);
			x->nrels--;
			str_push(&x->rel_targets, &x->nrels, target);
		}
	} else if (!strcmp(n, "row")) {
		const char *r = attr(atts, "r");
		x->row = r ? strtoul(r, NULL, 10) : x->row + 1;
		x->next_col = 1;
	} else if (!strcmp(n, "c")) {
		const char *r = attr(atts, "r"), *t = attr(atts, "t");
		size_t col = 0;
		if (r) {
			for (; *r >= 'A' && *r <= 'Z' && col <= IMPORT_MAX_COLS + 1; r++)
				col = col * 26 + (size_t)(*r - 'A' + 1);
			if (*r >= '0' && *r <= '9')
				x->row = strtoul(r, NULL, 10);
		}
		x->col = col ? col : x->next_col;
		x->next_col = x->col + 1;
		snprintf(x->type, sizeof(x->type), "%s", t ? t : "n");
		dynbuf_reset(&x->text);
	}
}

static void XMLCALL on_end(void *ud, const char *el)
{
	struct xml_state *x = ud;
	const char *n = local_name(el);

	if (!strcmp(n, "si")) {
		x->in_si = 0;
		if (x->nstrings < 1000000)
			str_push(&x->strings, &x->nstrings, dynbuf_ptr(&x->text));
		else
			x->bad = 1;
	} else if (!strcmp(n, "rPh")) {
		x->in_rph = 0;
	} else if (!strcmp(n, "t")) {
		x->in_t = 0;
	} else if (!strcmp(n, "v")) {
		x->in_v = 0;
	} else if (!strcmp(n, "is")) {
		x->in_is = 0;
	} else if (!strcmp(n, "c") && x->g) {
		const char *v = dynbuf_ptr(&x->text);
		char *text = NULL;
		if (!strcmp(x->type, "s")) {
			char *end;
			unsigned long k = strtoul(v, &end, 10);
			if (*v && !*end && k < x->nstrings)
				text = xstrdup(x->strings[k]);
		} else if (!strcmp(x->type, "b")) {
			text = xstrdup(!strcmp(v, "1") ? "TRUE" : "FALSE");
		} else if (*v) {
			text = xstrdup(v);
		}
		if (text && *text) {
			if (grid_set(x->g, x->row, x->col, text) < 0)
				x->bad = 1;
		} else {
			free(text);
		}
		dynbuf_reset(&x->text);
	}
}

static void XMLCALL on_text(void *ud, const char *s, int len)
{
	struct xml_state *x = ud;

	if (x->in_rph)
		return;
	if ((x->in_si && x->in_t) || (x->g && (x->in_v || (x->in_is && x->in_t)))) {
		dynbuf_add(&x->text, s, (size_t)len);
		if (dynbuf_status(&x->text))
			x->bad = 1;
	}
}

static enum sg_code parse_xml(const char *file, const char *part, const struct dynbuf *d,
                              struct xml_state *x, struct sg_error *err)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	enum sg_code rc = SG_OK;

	if (!p)
		return sg_error_set(err, SG_ERR_NOMEM,
		                    ETR(err, "XML パーサ（expat）を作れません（メモリ不足）",
		                        "cannot create the XML parser (expat): out of memory"));
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (XML_Parse(p, dynbuf_ptr(d), (int)dynbuf_len(d), 1) == XML_STATUS_ERROR)
		rc = sg_error_at(err, SG_ERR_INPUT, file, 0, 0,
		                 ETR(err, "xlsx の %s が壊れています（%lu 行 %lu 桁: %s）",
		                     "%s in the xlsx is damaged (line %lu column %lu: %s)"),
		                 part, (unsigned long)XML_GetCurrentLineNumber(p),
		                 (unsigned long)XML_GetCurrentColumnNumber(p) + 1,
		                 XML_ErrorString(XML_GetErrorCode(p)));
	else if (x->bad)
		rc = sg_error_at(err, SG_ERR_INPUT, file, 0, 0,
		                 ETR(err, "xlsx の %s が大きすぎます（%d 行まで）",
		                     "%s in the xlsx is too large (%d rows at most)"),
		                 part, IMPORT_MAX_ROWS);
	XML_ParserFree(p);
	return rc;
}

static enum sg_code parse_xlsx(const char *file, const void *data, size_t len, struct grids *gs,
                               struct sg_error *err)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z = NULL;
	struct xml_state x;
	struct dynbuf d = DYNBUF_INIT;
	enum sg_code rc;

	memset(&x, 0, sizeof(x));
	dynbuf_init(&x.text, (size_t)1 << 20);
	zip_error_init(&ze);
	src = zip_source_buffer_create(data, len, 0, &ze);
	if (src && !(z = zip_open_from_source(src, ZIP_RDONLY, &ze)))
		zip_source_free(src);
	if (!z) {
		rc = sg_error_at(
		    err, SG_ERR_INPUT, file, 0, 0,
		    ETR(err, "xlsx（ZIP）として読めません: %s", "cannot read it as xlsx (ZIP): %s"),
		    zip_error_strerror(&ze));
		sg_error_hint(err, "%s",
		              ETR(err, "Excel で保存した .xlsx か、CSV を指定してください",
		                  "give a .xlsx saved by Excel, or a CSV"));
		goto out;
	}
	rc = zip_part(z, file, "xl/sharedStrings.xml", 0, &d, err);
	if (rc == SG_OK)
		rc = parse_xml(file, "xl/sharedStrings.xml", &d, &x, err);
	else if (rc == SG_ERR_NOT_FOUND)
		rc = SG_OK;
	dynbuf_release(&d);
	if (rc || (rc = zip_part(z, file, "xl/workbook.xml", 1, &d, err)) ||
	    (rc = parse_xml(file, "xl/workbook.xml", &d, &x, err)))
		goto out;
	dynbuf_release(&d);
	if ((rc = zip_part(z, file, "xl/_rels/workbook.xml.rels", 1, &d, err)) ||
	    (rc = parse_xml(file, "xl/_rels/workbook.xml.rels", &d, &x, err)))
		goto out;
	dynbuf_release(&d);
	for (size_t i = 0; i < x.nsheets; i++) {
		const char *target = NULL;
		char *part;
		for (size_t k = 0; k < x.nrels; k++)
			if (!strcmp(x.rel_ids[k], x.sheet_rids[i]))
				target = x.rel_targets[k];
		if (!target)
			continue;
		part = target[0] == '/' ? xstrdup(target + 1) : xstrfmt("xl/%s", target);
		x.g = grid_new(file, x.sheet_names[i]);
		x.row = 0;
		rc = zip_part(z, file, part, 1, &d, err);
		if (!rc)
			rc = parse_xml(file, part, &d, &x, err);
		dynbuf_release(&d);
		free(part);
		if (rc) {
			grid_free(x.g);
			x.g = NULL;
			goto out;
		}
		grids_add(gs, x.g);
		x.g = NULL;
	}
	if (!gs->n)
		rc = sg_error_at(
		    err, SG_ERR_INPUT, file, 0, 0, "%s",
		    ETR(err, "xlsx にワークシートがありません", "the xlsx has no worksheet"));
out:
	dynbuf_release(&d);
	dynbuf_release(&x.text);
	strs_free(x.strings, x.nstrings);
	strs_free(x.sheet_names, x.nsheets);
	strs_free(x.sheet_rids, x.nsheets);
	strs_free(x.rel_ids, x.nrels);
	strs_free(x.rel_targets, x.nrels);
	if (z)
		zip_discard(z);
	return rc;
}

/* ---- from cells to declarations ---- */

enum field {
	F_ANNEX = 0,
	F_ID,
	F_LETTER,
	F_CONTROL,
	F_LEVEL,
	F_ITEM,
	F_REF,
	F_TARGET,
	F_VALUE,
	F_SOURCE,
	F_VERDICT,
	F_MARK,
	F_STATUS,
	F_OWNER,
	F_EVIDENCE,
	F_NOTES,
	NFIELDS
};

/* The column headers of assess_checklist_table() in both languages, and the
 * guideline's own Annex 3 heading for the id. */
static const struct {
	enum field f;
	const char *name;
} headers[] = {
    {F_ANNEX, "一覧表"},
    {F_ANNEX, "annex"},
    {F_ID, "項番"},
    {F_ID, "対策項目番号"},
    {F_ID, "id"},
    {F_LETTER, "評価項目番号"},
    {F_LETTER, "item"},
    {F_CONTROL, "対策項目"},
    {F_CONTROL, "control"},
    {F_LEVEL, "区分"},
    {F_LEVEL, "level"},
    {F_ITEM, "評価項目"},
    {F_ITEM, "evaluation item"},
    {F_REF, "対策参照値"},
    {F_REF, "reference value"},
    {F_TARGET, "目標"},
    {F_TARGET, "target"},
    {F_VALUE, "値"},
    {F_VALUE, "value"},
    {F_SOURCE, "値の出所"},
    {F_SOURCE, "source"},
    {F_VERDICT, "評価項目の判定"},
    {F_VERDICT, "item verdict"},
    {F_MARK, "実施チェック"},
    {F_MARK, "implemented"},
    {F_STATUS, "状況"},
    {F_STATUS, "status"},
    {F_OWNER, "担当"},
    {F_OWNER, "担当者"},
    {F_OWNER, "owner"},
    {F_EVIDENCE, "証跡"},
    {F_EVIDENCE, "evidence"},
    {F_NOTES, "理由・備考"},
    {F_NOTES, "備考"},
    {F_NOTES, "reason / notes"},
    {F_NOTES, "notes"},
};

#define MAX_ITEMS 8

struct decl {
	int seen;
	enum control_status status;
	char *owner, *reason, *notes, *expires;
	char **ev_title, **ev_ref; /* ev_ref: "url:…" or "path:…" or NULL */
	size_t nev;
	char *values[MAX_ITEMS], *targets[MAX_ITEMS];
};

struct importer {
	const struct catalog *cat;
	const struct import_opts *o;
	struct import_result *res;
	struct decl *decls;
	unsigned patterns; /* bit p-1: every reference cell so far fits pattern p */
	size_t ref_cells;
	struct sg_error *err;
};

static void issue(struct importer *im, const struct grid *g, size_t row, size_t col,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void issue(struct importer *im, const struct grid *g, size_t row, size_t col,
                  const char *fmt, ...)
{
	struct import_result *r = im->res;
	struct import_issue *is;
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	dynbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	r->issues = xreallocarray(r->issues, r->nissues + 1, sizeof(*r->issues));
	is = &r->issues[r->nissues++];
	is->where = xstrdup(g->where);
	is->row = (int)row;
	is->col = (int)col;
	is->msg = dynbuf_detach(&b, NULL);
	if (!is->msg)
		is->msg = xstrdup("");
}

#define IL(im, ja, en) ((im)->o->lang == SG_LANG_EN ? (en) : (ja))

/* A copy of s without surrounding blanks (ASCII and the ideographic space). */
static char *trimmed(const char *s)
{
	const char *e;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		else if (!strncmp(s, "\xE3\x80\x80", 3))
			s += 3;
		else
			break;
	}
	e = s + strlen(s);
	for (;;) {
		if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
			e--;
		else if (e - s >= 3 && !strncmp(e - 3, "\xE3\x80\x80", 3))
			e -= 3;
		else
			break;
	}
	return xstrndup(s, (size_t)(e - s));
}

static int field_of(const char *text)
{
	char *t = trimmed(text);
	int f = -1;

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]) && f < 0; i++)
		if (!strcasecmp(t, headers[i].name))
			f = (int)headers[i].f;
	free(t);
	return f;
}

/* The header row of a checklist sheet: a row with an id column and at least
 * one other known column, within the first 30 rows. 0: none. */
static size_t find_header(const struct grid *g, size_t fc[NFIELDS])
{
	for (size_t r = 1; r <= g->nrows && r <= 30; r++) {
		size_t known = 0;
		memset(fc, 0, NFIELDS * sizeof(fc[0]));
		for (size_t c = 1; c <= IMPORT_MAX_COLS; c++) {
			int f = field_of(cell(g, r, c));
			if (f >= 0 && !fc[f]) {
				fc[f] = c;
				known++;
			}
		}
		if (fc[F_ID] && known >= 2)
			return r;
	}
	return 0;
}

static void summary(struct importer *im, const struct grid *g, char **name, int *pattern)
{
	for (size_t r = 1; r <= g->nrows; r++) {
		char *k = trimmed(cell(g, r, 1)), *v = trimmed(cell(g, r, 2));
		if ((!strcmp(k, "サービス名") || !strcasecmp(k, "service")) && *v && !*name) {
			*name = v;
			v = NULL;
		} else if ((!strcmp(k, "パターン") || !strcasecmp(k, "pattern")) && *v) {
			char *end;
			long p = strtol(v, &end, 10);
			if (p >= 1 && p <= CATALOG_PATTERNS && (!*end || !strcmp(end, ".0")))
				*pattern = (int)p;
			else
				issue(im, g, r, 2,
				      IL(im, "パターン '%s' は 1〜6 ではありません",
				         "pattern '%s' is not 1-6"),
				      v);
		}
		free(k);
		free(v);
	}
}

static int parse_status(const char *s, enum control_status *out)
{
	for (int st = STATUS_UNSET; st <= STATUS_ACCEPTED_RISK; st++) {
		if (!strcmp(s, assess_control_status_label((enum control_status)st, 0)) ||
		    !strcasecmp(s, assess_control_status_label((enum control_status)st, 1)) ||
		    (st != STATUS_UNSET &&
		     !strcasecmp(s, profile_control_status_name((enum control_status)st)))) {
			*out = (enum control_status)st;
			return 0;
		}
	}
	return -1;
}

static int parse_mark(const char *s, enum control_status *out)
{
	static const struct {
		const char *mark;
		enum control_status st;
	} marks[] = {
	    {"○", STATUS_IMPLEMENTED},      {"〇", STATUS_IMPLEMENTED},
	    {"yes", STATUS_IMPLEMENTED},    {"×", STATUS_NOT_IMPLEMENTED},
	    {"no", STATUS_NOT_IMPLEMENTED}, {"－", STATUS_NOT_APPLICABLE},
	    {"-", STATUS_NOT_APPLICABLE},   {"n/a", STATUS_NOT_APPLICABLE},
	    {"△", STATUS_ACCEPTED_RISK},    {"accepted", STATUS_ACCEPTED_RISK},
	};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (!strcasecmp(s, marks[i].mark)) {
			*out = marks[i].st;
			return 0;
		}
	return -1;
}

/* "YYYY-MM-DD" at s: a copy, or NULL. */
static char *date_at(const char *s)
{
	if (strlen(s) >= 10 && s[4] == '-' && s[7] == '-') {
		long long t;
		char *d = xstrndup(s, 10);
		if (!timeutil_parse(d, &t, NULL))
			return d;
		free(d);
	}
	return NULL;
}

/* The notes cell: reason [（期限 DATE）] / notes lines / "ギャップ: …" (added
 * by assess, not declared). */
static void notes_cell(struct decl *d, const char *text)
{
	struct dynbuf notes = DYNBUF_INIT;
	const char *line = text;
	int first = 1;
	int wants_reason = d->status == STATUS_NOT_APPLICABLE || d->status == STATUS_ACCEPTED_RISK;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *one = xstrndup(line, len);
		line += len + (nl ? 1 : 0);
		if (!strncmp(one, "ギャップ: ", strlen("ギャップ: ")) ||
		    !strncmp(one, "要対応: ", strlen("要対応: ")) ||
		    !strncmp(one, "to be addressed: ", 17) || !strncmp(one, "gap: ", 5)) {
			free(one);
			continue;
		}
		if (first && wants_reason) {
			char *p;
			first = 0;
			if ((!strncmp(one, "期限 ", strlen("期限 ")) &&
			     (d->expires = date_at(one + strlen("期限 ")))) ||
			    (!strncmp(one, "until ", 6) && (d->expires = date_at(one + 6)))) {
				free(one);
				continue;
			}
			if ((p = strstr(one, "（期限 ")) &&
			    (d->expires = date_at(p + strlen("（期限 "))))
				*p = '\0';
			else if ((p = strstr(one, " (until ")) && (d->expires = date_at(p + 8)))
				*p = '\0';
			d->reason = one;
			continue;
		}
		first = 0;
		dynbuf_printf(&notes, "%s%s", notes.len ? "\n" : "", one);
		free(one);
	}
	if (notes.len)
		d->notes = dynbuf_detach(&notes, NULL);
	dynbuf_release(&notes);
}

static void evidence_cell(struct decl *d, const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *one = xstrndup(line, len), *t, *open;
		line += len + (nl ? 1 : 0);
		t = trimmed(one);
		free(one);
		if (!*t) {
			free(t);
			continue;
		}
		d->ev_title = xreallocarray(d->ev_title, d->nev + 1, sizeof(char *));
		d->ev_ref = xreallocarray(d->ev_ref, d->nev + 1, sizeof(char *));
		d->ev_ref[d->nev] = NULL;
		len = strlen(t);
		/* "title (path)": the parenthesis that closes at the end, so a path
		 * with parentheses of its own stays whole. */
		open = NULL;
		if (t[len - 1] == ')') {
			int depth = 0;
			for (size_t i = len; i-- > 0;) {
				depth += t[i] == ')' ? 1 : t[i] == '(' ? -1 : 0;
				if (!depth) {
					if (i > 0 && t[i - 1] == ' ')
						open = t + i - 1;
					break;
				}
			}
		}
		if (open) {
			t[len - 1] = '\0';
			*open = '\0';
			d->ev_ref[d->nev] = xstrfmt("%s:%s",
			                            !strncmp(open + 2, "http://", 7) ||
			                                    !strncmp(open + 2, "https://", 8)
			                                ? "url"
			                                : "path",
			                            open + 2);
		}
		d->ev_title[d->nev++] = t;
	}
}

/* A declared value or target as written in the cell: 0 when it parses (a
 * list of method names, or a scalar in the value grammar). */
static int check_value(const char *v, struct dynbuf *why)
{
	struct sg_error e;

	memset(&e, 0, sizeof(e));
	if (v[0] == '[') {
		size_t n = strlen(v);
		char *in, *tok, *save = NULL;
		int ok = v[n - 1] == ']';
		enum value_set set = SET_NONE;
		if (!ok) {
			dynbuf_addstr(why, "[ … ]");
			return -1;
		}
		in = xstrndup(v + 1, n - 2);
		for (tok = strtok_r(in, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
			char *t = trimmed(tok);
			enum value_set s = value_set_of(t);
			if (s == SET_NONE || (set && s != set)) {
				dynbuf_addstr(why, t);
				ok = 0;
			}
			set = s;
			free(t);
		}
		free(in);
		return ok && set ? 0 : -1;
	}
	{
		struct value val;
		if (value_parse(v, &val, &e)) {
			dynbuf_addstr(why, e.msg);
			return -1;
		}
	}
	return 0;
}

/* The checklists print values in words (「ホットスタンバイ」「3世代」, judge.h):
 * *v becomes the value grammar's token for them; 0 when it did. */
static int words_to_token(char **v)
{
	struct dynbuf tok = DYNBUF_INIT;

	if (judge_words_token(*v, &tok)) {
		dynbuf_release(&tok);
		return -1;
	}
	free(*v);
	*v = dynbuf_detach(&tok, NULL);
	return 0;
}

static void item_cell(struct importer *im, const struct grid *g, size_t row, size_t col,
                      const struct eval_item *it, char **slot, int target)
{
	char *v = trimmed(cell(g, row, col));
	struct dynbuf why = DYNBUF_INIT;

	if (!*v || !strcmp(v, "-")) {
		free(v);
		return;
	}
	int bad;

	words_to_token(&v); /* 「24時間」 -> 24h; other text stays as written */
	bad = check_value(v, &why);
	if (bad) {
		issue(im, g, row, col,
		      IL(im, "%s の%s '%s' を値として読めません（%s）",
		         "%s: the %s '%s' is not a value (%s)"),
		      it->id, target ? IL(im, "目標", "target") : IL(im, "値", "value"), v,
		      dynbuf_ptr(&why));
		free(v);
	} else if (*slot && strcmp(*slot, v)) {
		issue(im, g, row, col,
		      IL(im, "%s の値が2か所で異なります（'%s' と '%s'）。最初の値を使います",
		         "%s has two different values ('%s' and '%s'); the first is used"),
		      it->id, *slot, v);
		free(v);
	} else {
		free(*slot);
		*slot = v;
	}
	dynbuf_release(&why);
}

static void pattern_hint(struct importer *im, const struct eval_item *it, const char *ref)
{
	char *t = trimmed(ref);
	size_t n = strlen(t);
	int req = n && t[n - 1] == '*';
	unsigned fits = 0;

	if (req)
		t[n - 1] = '\0';
	if (*t) {
		for (int p = 0; p < CATALOG_PATTERNS; p++)
			if (!strcmp(t, catalog_item_ref(it, p + 1)->text_ja) &&
			    req == !!catalog_item_ref(it, p + 1)->required)
				fits |= 1u << p;
		im->patterns &= fits;
		im->ref_cells++;
	}
	free(t);
}

static void checklist_rows(struct importer *im, const struct grid *g, size_t h,
                           const size_t fc[NFIELDS])
{
	for (size_t c = 1; c <= IMPORT_MAX_COLS; c++) {
		const char *hd = cell(g, h, c);
		if (*hd && field_of(hd) < 0)
			issue(im, g, h, c,
			      IL(im, "列「%s」は取り込みません（対応する項目がありません）",
			         "column '%s' is not imported (no profile field for it)"),
			      hd);
	}
	if (g->too_wide)
		issue(im, g, h, IMPORT_MAX_COLS + 1,
		      IL(im, "%d 列目より右は読みません", "columns beyond %d are not read"),
		      IMPORT_MAX_COLS);
	for (size_t r = h + 1; r <= g->nrows; r++) {
		char *id = trimmed(cell(g, r, fc[F_ID]));
		char norm[64], letter;
		const struct control *ctl;
		const struct eval_item *it = NULL;
		struct decl *d;
		struct sg_error e;

		memset(&e, 0, sizeof(e));
		letter = 0;
		/* The guideline's own Annex 3 writes "Ⅲ. 1. 1. 1 a" and "Ⅲ. 1. 1. 4 -". */
		if (*id && catalog_normalize_id(id, norm, sizeof(norm), &e)) {
			char *sp = strrchr(id, ' ');
			if (sp && sp[1] && !sp[2] &&
			    (sp[1] == '-' || (sp[1] >= 'a' && sp[1] <= 'z'))) {
				letter = sp[1] == '-' ? 0 : sp[1];
				*sp = '\0';
			}
		}
		if (!*id || catalog_normalize_id(id, norm, sizeof(norm), &e)) {
			if (*id)
				issue(im, g, r, fc[F_ID],
				      IL(im, "'%s' は対策項目番号ではありません",
				         "'%s' is not a countermeasure id"),
				      id);
			free(id);
			continue;
		}
		ctl = catalog_control(im->cat, norm);
		if (!ctl && (it = catalog_item(im->cat, norm)))
			ctl = it->control;
		for (size_t k = 0; ctl && !it && letter && k < ctl->nitems; k++)
			if (ctl->items[k].letter == letter)
				it = &ctl->items[k];
		if (!ctl) {
			if (!catalog_section(im->cat, norm)) /* section headings are fine */
				issue(im, g, r, fc[F_ID],
				      IL(im, "対策項目 %s はガイドラインにありません",
				         "there is no countermeasure %s in the guideline"),
				      id);
			free(id);
			continue;
		}
		free(id);
		im->res->rows++;
		if (!it && fc[F_LETTER]) {
			char *l = trimmed(cell(g, r, fc[F_LETTER]));
			if (*l && strcmp(l, "-")) {
				for (size_t k = 0; k < ctl->nitems; k++)
					if (l[0] == ctl->items[k].letter && !l[1])
						it = &ctl->items[k];
				if (!it)
					issue(im, g, r, fc[F_LETTER],
					      IL(im, "%s に評価項目 '%s' はありません",
					         "%s has no evaluation item '%s'"),
					      ctl->id, l);
			}
			free(l);
		}
		d = &im->decls[ctl - im->cat->controls];
		if (!d->seen) {
			char *st = trimmed(fc[F_STATUS] ? cell(g, r, fc[F_STATUS]) : "");
			char *mk = trimmed(fc[F_MARK] ? cell(g, r, fc[F_MARK]) : "");
			d->seen = 1;
			if (*st && parse_status(st, &d->status) && parse_mark(st, &d->status))
				issue(im, g, r, fc[F_STATUS],
				      IL(im,
				         "状況 '%s' "
				         "を読めません（実施済み・一部実施・計画中・未実施・"
				         "対象外・リスク受容）",
				         "status '%s' is not one of implemented, partial, planned, "
				         "not "
				         "implemented, not applicable, accepted risk"),
				      st);
			else if (!*st && *mk && parse_mark(mk, &d->status))
				issue(im, g, r, fc[F_MARK],
				      IL(im, "実施チェック '%s' を読めません（○ × － △）",
				         "implemented mark '%s' is not one of yes, no, n/a, "
				         "accepted"),
				      mk);
			free(st);
			free(mk);
			if (fc[F_OWNER]) {
				char *ow = trimmed(cell(g, r, fc[F_OWNER]));
				if (*ow)
					d->owner = ow;
				else
					free(ow);
			}
			if (fc[F_EVIDENCE])
				evidence_cell(d, cell(g, r, fc[F_EVIDENCE]));
			if (fc[F_NOTES])
				notes_cell(d, cell(g, r, fc[F_NOTES]));
		}
		if (!it || it - ctl->items >= MAX_ITEMS) {
			static const enum field vf[] = {F_VALUE, F_TARGET};
			for (size_t k = 0; k < 2; k++)
				if (fc[vf[k]] && *cell(g, r, fc[vf[k]]))
					issue(im, g, r, fc[vf[k]],
					      IL(im,
					         "%s "
					         "のどの評価項目の値かわかりません（評価項目番号の"
					         "列か "
					         "%s.a のような項番が必要です）",
					         "which evaluation item of %s this is for is not "
					         "known (give "
					         "an item column, or an id such as %s.a)"),
					      ctl->id, ctl->id);
			continue;
		}
		if (fc[F_REF])
			pattern_hint(im, it, cell(g, r, fc[F_REF]));
		if (fc[F_VALUE]) {
			char *src = trimmed(fc[F_SOURCE] ? cell(g, r, fc[F_SOURCE]) : "");
			if (!*src || !strcmp(src, "申告") || !strcasecmp(src, "declared"))
				item_cell(im, g, r, fc[F_VALUE], it, &d->values[it - ctl->items],
				          0);
			else if (*cell(g, r, fc[F_VALUE]))
				issue(im, g, r, fc[F_VALUE],
				      IL(im,
				         "%s の値 '%s' "
				         "は計測値（%s）です。申告値としては取り込みません",
				         "%s: the value '%s' was measured (%s), not declared; not "
				         "imported"),
				      it->id, cell(g, r, fc[F_VALUE]), src);
			free(src);
		}
		if (fc[F_TARGET])
			item_cell(im, g, r, fc[F_TARGET], it, &d->targets[it - ctl->items], 1);
	}
}

/* ---- the profile ---- */

static void yq(struct dynbuf *out, const char *s)
{
	dynbuf_addch(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			dynbuf_printf(out, "\\%c", c);
		else if (c == '\n')
			dynbuf_addstr(out, "\\n");
		else if (c == '\t')
			dynbuf_addstr(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			dynbuf_printf(out, "\\x%02x", c);
		else
			dynbuf_addch(out, (char)c);
	}
	dynbuf_addch(out, '"');
}

/* A value: a list as a YAML flow sequence, a scalar quoted. */
static void yvalue(struct dynbuf *out, const char *v)
{
	if (v[0] == '[') {
		char *in = xstrndup(v + 1, strlen(v) - 2), *tok, *save = NULL;
		int first = 1;
		dynbuf_addch(out, '[');
		for (tok = strtok_r(in, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *t = trimmed(tok);
			dynbuf_printf(out, "%s%s", first ? "" : ", ", t);
			first = 0;
			free(t);
		}
		dynbuf_addch(out, ']');
		free(in);
	} else {
		yq(out, v);
	}
}

static void emit(struct importer *im, const char *file)
{
	const struct catalog *cat = im->cat;
	struct dynbuf *y = &im->res->yaml;
	char now[32];

	timeutil_utc((long long)timeutil_now(), now);
	dynbuf_printf(y,
	              IL(im, "# saasguard プロファイル: %s から saasguard import で作成（%s）\n",
	                 "# saasguard profile imported from %s by saasguard import (%s)\n"),
	              file, now);
	if (im->res->nissues)
		dynbuf_printf(
		    y,
		    IL(im, "# 取り込めなかったセルが %zu 件あります（import の報告を参照）。\n",
		       "# %zu cells could not be imported (see the import report).\n"),
		    im->res->nissues);
	dynbuf_addstr(y, "service:\n  name: ");
	yq(y, im->res->name);
	dynbuf_printf(y, "\n  pattern: %d\n", im->res->pattern);
	dynbuf_addstr(y, "controls:\n");
	for (size_t i = 0; i < cat->ncontrols; i++) {
		const struct control *ctl = &cat->controls[i];
		struct decl *d = &im->decls[i];
		int any_v = 0, any_t = 0;
		if (!d->seen || d->status == STATUS_UNSET)
			continue;
		im->res->controls++;
		dynbuf_printf(y, "  %s:\n    status: %s\n", ctl->id,
		              profile_control_status_name(d->status));
		if (d->owner) {
			dynbuf_addstr(y, "    owner: ");
			yq(y, d->owner);
			dynbuf_addch(y, '\n');
		}
		if (d->reason) {
			dynbuf_addstr(y, "    reason: ");
			yq(y, d->reason);
			dynbuf_addch(y, '\n');
		}
		if (d->expires)
			dynbuf_printf(y, "    expires: %s\n", d->expires);
		if (d->notes) {
			dynbuf_addstr(y, "    notes: ");
			yq(y, d->notes);
			dynbuf_addch(y, '\n');
		}
		if (d->nev) {
			dynbuf_addstr(y, "    evidence:\n");
			for (size_t e = 0; e < d->nev; e++) {
				dynbuf_addstr(y, "      - {title: ");
				yq(y, d->ev_title[e]);
				if (d->ev_ref[e]) {
					int url = !strncmp(d->ev_ref[e], "url:", 4);
					dynbuf_addstr(y, url ? ", url: " : ", path: ");
					yq(y, d->ev_ref[e] + (url ? 4 : 5));
				}
				dynbuf_addstr(y, "}\n");
			}
		}
		for (size_t k = 0; k < ctl->nitems && k < MAX_ITEMS; k++) {
			any_v |= d->values[k] != NULL;
			any_t |= d->targets[k] != NULL;
		}
		for (int t = 0; t < 2; t++) {
			char **slot = t ? d->targets : d->values;
			int first = 1;
			if (!(t ? any_t : any_v))
				continue;
			dynbuf_addstr(y, t ? "    targets: {" : "    values: {");
			for (size_t k = 0; k < ctl->nitems && k < MAX_ITEMS; k++) {
				if (!slot[k])
					continue;
				dynbuf_printf(y, "%s%c: ", first ? "" : ", ", ctl->items[k].letter);
				yvalue(y, slot[k]);
				first = 0;
			}
			dynbuf_addstr(y, "}\n");
		}
	}
}

static void decls_free(struct decl *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++) {
		free(d[i].owner);
		free(d[i].reason);
		free(d[i].notes);
		free(d[i].expires);
		for (size_t e = 0; e < d[i].nev; e++) {
			free(d[i].ev_title[e]);
			free(d[i].ev_ref[e]);
		}
		free(d[i].ev_title);
		free(d[i].ev_ref);
		for (size_t k = 0; k < MAX_ITEMS; k++) {
			free(d[i].values[k]);
			free(d[i].targets[k]);
		}
	}
	free(d);
}

static char *base_name(const char *file)
{
	const char *b = strrchr(file, '/');
	const char *dot;

	b = b ? b + 1 : file;
	dot = strrchr(b, '.');
	return dot && dot > b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
}

enum sg_code import_run(const char *file, const void *data, size_t len, const struct catalog *cat,
                        const struct import_opts *o, struct import_result *out,
                        struct sg_error *err)
{
	struct grids gs = {NULL, 0};
	struct importer im;
	struct dynbuf text = DYNBUF_INIT;
	enum sg_code rc;
	size_t sheets = 0;
	char *name = NULL;
	int pattern = 0;

	memset(out, 0, sizeof(*out));
	dynbuf_init(&out->yaml, DYNBUF_DEFAULT_MAX);
	memset(&im, 0, sizeof(im));
	im.cat = cat;
	im.o = o;
	im.res = out;
	im.err = err;
	im.patterns = (1u << CATALOG_PATTERNS) - 1;
	if (len >= 4 && !memcmp(data, "PK\x03\x04", 4)) {
		rc = parse_xlsx(file, data, len, &gs, err);
	} else if (valid_utf8(data, len)) {
		rc = parse_csv(file, data, len, &gs, err);
	} else if (!(rc = from_cp932(file, data, len, &text, err))) {
		rc = parse_csv(file, dynbuf_ptr(&text), dynbuf_len(&text), &gs, err);
	}
	dynbuf_release(&text);
	if (rc)
		goto out;
	im.decls = xcalloc(cat->ncontrols, sizeof(*im.decls));
	for (size_t i = 0; i < gs.n; i++) {
		size_t fc[NFIELDS], h = find_header(gs.v[i], fc);
		if (h) {
			checklist_rows(&im, gs.v[i], h, fc);
			sheets++;
		} else {
			summary(&im, gs.v[i], &name, &pattern);
		}
	}
	if (!sheets) {
		rc = sg_error_at(
		    err, SG_ERR_INPUT, file, 1, 1, "%s",
		    ETR(err, "チェックリストの見出し行（項番 と 状況 など）が見つかりません",
		        "no checklist header row (id, status ...) found"));
		sg_error_hint(
		    err, "%s",
		    ETR(err,
		        "saasguard assess --format xlsx か csv で書き出した表、または見出し"
		        "に「項番」「状況」「担当」「証跡」「理由・備考」を持つ表を指定してくださ"
		        "い",
		        "give a table exported by saasguard assess --format xlsx or csv, or "
		        "one headed id, status, owner, evidence, reason / notes"));
		goto out;
	}
	out->name = o->name ? xstrdup(o->name) : name ? name : base_name(file);
	if (o->name)
		free(name);
	name = NULL;
	out->pattern = o->pattern ? o->pattern : pattern;
	if (!out->pattern && im.ref_cells)
		for (int p = 0; p < CATALOG_PATTERNS; p++)
			if (im.patterns == 1u << p)
				out->pattern = p + 1;
	if (!out->pattern) {
		rc = sg_error_at(err, SG_ERR_USAGE, file, 0, 0, "%s",
		                 ETR(err, "サービスのパターンがわかりません",
		                     "the service's pattern is not known"));
		sg_error_hint(
		    err, "%s",
		    ETR(err, "--pattern 1〜6 を指定してください", "give it with --pattern 1-6"));
		goto out;
	}
	emit(&im, file);
out:
	free(name);
	decls_free(im.decls, cat->ncontrols);
	grids_release(&gs);
	if (rc) {
		import_result_release(out);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

void import_result_release(struct import_result *r)
{
	if (!r)
		return;
	dynbuf_release(&r->yaml);
	free(r->name);
	for (size_t i = 0; i < r->nissues; i++) {
		free(r->issues[i].where);
		free(r->issues[i].msg);
	}
	free(r->issues);
	r->issues = NULL;
	r->nissues = 0;
	r->name = NULL;
}
