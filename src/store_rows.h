/*
 * store_rows - reads every row of a statement into one growing array, the
 * loop each "all the rows" query of the store_MODULE.c files wrote again
 * (grow the array, fill the next element, hand the array over). A query
 * says only how one row becomes one element.
 *
 * Ownership: store_rows_read() and store_rows_ids() finalize the statement.
 * The array they return, also on failure (then with the rows read before
 * it), is the caller's: it frees what the fill function allocated in each
 * element, then the array with free().
 */
#ifndef SG_STORE_ROWS_H
#define SG_STORE_ROWS_H

#include <stddef.h>

#include "store.h"

/* Fills row, an element of the array zeroed beforehand, from st's row. */
typedef void (*store_rows_fill)(struct store_stmt *st, void *row);

/* Steps st to the end, one element of size bytes per row, filled by fill;
 * *rows and *n are the array and its count (NULL and 0 when no row). */
enum sg_code store_rows_read(struct store *s, struct store_stmt *st, size_t size,
                             store_rows_fill fill, void **rows, size_t *n, const char *what,
                             struct sg_error *err);

/* store_rows_read() for the integers in column 0 of st's rows. */
enum sg_code store_rows_ids(struct store *s, struct store_stmt *st, long long **ids, size_t *n,
                            const char *what, struct sg_error *err);

#endif
