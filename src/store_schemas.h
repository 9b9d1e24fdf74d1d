/*
 * store_schemas - what a module's tables look like to the store: the schema
 * type and the list of every module's schema that store_open() migrates. A
 * module with tables defines its store_MODULE_schema in store_MODULE.c and
 * adds it here. This header knows nothing of struct store, so the core
 * (store.c) includes it and not the other way round. Everything here is
 * static data; nothing is owned or freed.
 */
#ifndef SG_STORE_SCHEMAS_H
#define SG_STORE_SCHEMAS_H

/* A migration is written once in the SQL both engines share; each engine's
 * ddl() maps the column types (INTEGER, REAL, BLOB) to its own. Where the
 * engines really differ (triggers, partitions, grants), pg_sql is the
 * PostgreSQL text and sql the SQLite one; either may be "" (nothing to do
 * on that engine at this version). */
struct store_migration {
	int version; /* 1, 2, 3 ... in order */
	const char *sql;
	const char *pg_sql; /* NULL: sql serves both */
};

/* A module's schema: its name and migrations, applied in order once each. */
struct store_schema {
	const char *module;
	const struct store_migration *migrations;
	int count;
};

extern const struct store_schema store_ledger_schema;
extern const struct store_schema store_monitor_schema;
extern const struct store_schema store_monitor_components_schema;
extern const struct store_schema store_collect_schema;
extern const struct store_schema store_report_schema;
extern const struct store_schema store_web_schema;
extern const struct store_schema store_cluster_schema;

/* NULL-terminated, in the order migrations run. */
extern const struct store_schema *const store_schemas[];

#endif
