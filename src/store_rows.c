/*
 * store_rows - a statement's rows into an array; see store_rows.h.
 */
#include <string.h>

#include "store_rows.h"
#include "xalloc.h"
#include "banned.h"

struct rows {
	char *v;
	size_t n, alloc, size;
	store_rows_fill fill;
};

static int grow_row(struct store_stmt *st, void *ctx)
{
	struct rows *r = ctx;
	void *row;

	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 8;
		r->v = xreallocarray(r->v, r->alloc, r->size);
	}
	row = r->v + r->n * r->size;
	memset(row, 0, r->size);
	r->fill(st, row);
	r->n++;
	return 0;
}

enum sg_code store_rows_read(struct store *s, struct store_stmt *st, size_t size,
                             store_rows_fill fill, void **rows, size_t *n, const char *what,
                             struct sg_error *err)
{
	struct rows r = {NULL, 0, 0, size, fill};
	enum sg_code rc = store_each(s, st, grow_row, &r, what, err);

	*rows = r.v;
	*n = r.n;
	return rc;
}

static void id_fill(struct store_stmt *st, void *row)
{
	*(long long *)row = store_col_int(st, 0);
}

enum sg_code store_rows_ids(struct store *s, struct store_stmt *st, long long **ids, size_t *n,
                            const char *what, struct sg_error *err)
{
	void *v;
	enum sg_code rc = store_rows_read(s, st, sizeof(**ids), id_fill, &v, n, what, err);

	*ids = v;
	return rc;
}
