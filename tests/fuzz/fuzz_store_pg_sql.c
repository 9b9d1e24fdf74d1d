/* libFuzzer target: store_pg's dialect rewrites take any text (a module's
 * SQL, a migration) and must neither crash nor read past it; translating
 * twice changes nothing more, nor does rewriting a migration
 * twice (when it drops no words). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = malloc(size + 1), *t, *d, *dd, *tt;
	int n = 0, n2 = 0;

	memcpy(sql, data, size);
	sql[size] = '\0'; /* the SQL ends at the first NUL, as in C callers */
	t = store_pg_translate(sql, &n);
	d = store_pg_ddl(sql);
	if (!t || !d || n < 0 || n > 65535)
		abort();
	dd = store_pg_ddl(d);
	/* ddl is idempotent, unless dropping words joined what was around them */
	if (!strcasestr(sql, "AUTOINCREMENT") && !strcasestr(sql, "WITHOUT") && strcmp(d, dd))
		abort();
	tt = store_pg_translate(t, &n2);
	if (strcmp(t, tt) || n2 != n)
		abort(); /* $n text translates to itself */
	free(sql);
	free(t);
	free(d);
	free(dd);
	free(tt);
	return 0;
}
