/*
 * xalloc - checked allocation. Running out of memory is not an error the
 * program can report usefully, so these abort with a message instead of
 * returning NULL (as git's xmalloc does). Everything they return is freed
 * with free().
 */
#ifndef SG_XALLOC_H
#define SG_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Resizes p to nmemb elements of size bytes each, aborting on overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Allocates a formatted string. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Gives freed memory back to the system, after a phase that freed much
 * of it (jemalloc would otherwise keep it for some seconds, glibc for good). */
void xalloc_trim(void);

/* Grows *arr (with *alloc slots) so that index nr is valid. */
#define ALLOC_GROW(arr, nr, alloc)                                                                 \
	do {                                                                                       \
		if ((nr) >= (alloc)) {                                                             \
			(alloc) = (alloc) ? (alloc)*2 : 8;                                         \
			if ((alloc) <= (nr))                                                       \
				(alloc) = (nr) + 1;                                                \
			(arr) = xreallocarray((arr), (alloc), sizeof(*(arr)));                     \
		}                                                                                  \
	} while (0)

#endif
