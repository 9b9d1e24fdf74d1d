/*
 * store_pg - placeholder until the PostgreSQL engine lands (branch
 * pgbackend replaces this file).
 */
#include <stddef.h>

#include "store.h"
#include "store_backend.h"
#include "banned.h"

static enum sg_code pg_open(struct store *s, const char *where, int flags, struct sg_error *err)
{
	(void)s;
	(void)flags;
	return sg_error_set(err, SG_ERR_DB,
	                    ETR(err, "%s: この版は PostgreSQL に対応していません",
	                        "%s: PostgreSQL is not available in this build"),
	                    where);
}

static const char *pg_errmsg(struct store *s)
{
	(void)s;
	return "PostgreSQL is not available in this build";
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .kind = STORE_POSTGRES,
    .open = pg_open,
    .errmsg = pg_errmsg,
};
