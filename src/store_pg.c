/*
 * store_pg - the PostgreSQL engine behind store.h; see store_backend.h and
 * store_pg.h. `where` is a libpq URI or keyword=value string; a password in
 * it is refused (store.h's promise). The store modules write SQLite's
 * dialect; prepare() and ddl() rewrite it (store_pg.h), and open() creates
 * the one function PostgreSQL lacks (unixepoch()).
 *
 * Parameters travel as text (reals with 17 digits, so they read back
 * exactly), blobs as binary; results come back as text and are converted
 * by the col_* functions. A statement runs with one round trip
 * (PQexecParams) the first time; a statement run again after reset (the
 * writer's and the ledger's hot statements) becomes a named server-side
 * prepared statement, parsed and planned once.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "dynbuf.h"
#include "store.h"
#include "store_backend.h"
#include "store_pg.h"
#include "xalloc.h"
#include "banned.h"

/* Type OIDs from PostgreSQL's pg_type.dat (stable since 7.x); the server
 * headers that define them are not part of libpq-dev. */
#define PG_OID_BYTEA   17
#define PG_OID_INT8    20
#define PG_OID_INT2    21
#define PG_OID_INT4    23
#define PG_OID_FLOAT4  700
#define PG_OID_FLOAT8  701
#define PG_OID_NUMERIC 1700

#define STR_(x) #x
#define STR(x)  STR_(x)

/* What s->conn points to: the connection and the state SQLite keeps per
 * connection that libpq does not (changes(), the kind of the last failure). */
struct pg_conn {
	PGconn *pg;
	long long changes;
	int constraint; /* the last failure was SQLSTATE class 23 or P0001 */
	int flags;      /* store_open()'s, for the session set up again */
	int wait_ms;    /* lock_timeout (store_set_wait()) */
	long long gen;  /* sessions so far: a new one has no prepared statements */
	/* Prepared statements finalized inside a failed transaction, where
	 * DEALLOCATE is refused: deallocated at the next chance. */
	long long *stale;
	size_t nstale, astale;
};

struct pg_blob {
	unsigned char *p;
	size_t n;
	int valid;
};

struct pg_stmt {
	struct store_stmt_head h;
	char *sql; /* translated to $n */
	int nparams;
	char **vals; /* text, or bytes for blobs; NULL is SQL NULL */
	int *lens;
	int *fmts;   /* 1 for blobs (binary), else 0 */
	Oid *types;  /* of the current bindings (0: the server infers) */
	Oid *ptypes; /* the types the server-side statement was prepared with */
	PGresult *res;
	int nrows, row;        /* row: the current row, -1 before the first */
	int ran;               /* executed since prepare or reset */
	int runs;              /* executions so far: the second one prepares */
	long long prep;        /* "sg<prep>" on the server; 0: not prepared */
	long long prep_gen;    /* the session prep lives in */
	struct pg_blob *blobs; /* decoded bytea per column of the current row */
	int nblobs;
};

static struct pg_stmt *P(struct store_stmt *st)
{
	return (struct pg_stmt *)(void *)st;
}

static struct pg_conn *C(struct store *s)
{
	return s->conn;
}

/* ---- the dialect rewrites (store_pg.h) ---- */

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static int word_start_char(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

/* Length of the quoted text starting at p (the quote q included), with qq
 * doubling as an escape and, in an E'' string, backslash escapes too. An
 * unterminated one runs to the end: the server will reject it, and nothing
 * in it is rewritten. */
static size_t quoted_len(const char *p, size_t left, char q, int backslash)
{
	size_t j = 1;

	while (j < left) {
		if (backslash && p[j] == '\\' && j + 1 < left) {
			j += 2;
			continue;
		}
		if (p[j] == q) {
			if (j + 1 < left && p[j + 1] == q) {
				j += 2;
				continue;
			}
			return j + 1;
		}
		j++;
	}
	return left;
}

/* Length of the literal, quoted identifier, dollar-quoted body or comment
 * starting at sql[i] (0: none starts there). */
static size_t skip_len(const char *sql, size_t i, size_t len)
{
	const char *p = sql + i;
	size_t left = len - i, j;

	switch (p[0]) {
	case '\'': {
		/* E'...' (not part of a longer word) takes backslash escapes. */
		int e = i > 0 && (p[-1] == 'E' || p[-1] == 'e') &&
		        !(i > 1 && ident_char((unsigned char)p[-2]));
		return quoted_len(p, left, '\'', e);
	}
	case '"':
		return quoted_len(p, left, '"', 0);
	case '-':
		if (left < 2 || p[1] != '-')
			return 0;
		for (j = 2; j < left && p[j] != '\n'; j++)
			;
		return j;
	case '/': {
		int depth = 1;

		if (left < 2 || p[1] != '*')
			return 0;
		/* PostgreSQL nests block comments. */
		for (j = 2; j < left && depth; j++) {
			if (p[j] == '*' && j + 1 < left && p[j + 1] == '/') {
				depth--;
				j++;
			} else if (p[j] == '/' && j + 1 < left && p[j + 1] == '*') {
				depth++;
				j++;
			}
		}
		return j;
	}
	case '$': {
		const char *end;

		/* $tag$ or $$; "$1" is a parameter and "a$b" an identifier. */
		if (i > 0 && ident_char((unsigned char)p[-1]))
			return 0;
		for (j = 1; j < left && ident_char((unsigned char)p[j]) && p[j] != '$'; j++)
			if (j == 1 && isdigit((unsigned char)p[j]))
				return 0;
		if (j >= left || p[j] != '$')
			return 0;
		j++; /* the tag, both dollars included, is p[0..j) */
		end = memmem(p + j, left - j, p, j);
		return end ? (size_t)(end - p) + j : left;
	}
	default:
		return 0;
	}
}

/* Reads up to 5 digits at p as a parameter number 1..65535 (0: not one).
 * *n gets how many digits there are. */
static long param_number(const char *p, size_t left, size_t *n)
{
	long v = 0;
	size_t j;

	for (j = 0; j < left && isdigit((unsigned char)p[j]); j++)
		if (v <= 65535)
			v = v * 10 + (p[j] - '0');
	*n = j;
	return j && v >= 1 && v <= 65535 ? v : 0;
}

char *store_pg_translate(const char *sql, int *nparams)
{
	struct dynbuf out = DYNBUF_INIT;
	size_t len = strlen(sql), i = 0, k, nd;
	long top = 0, n;

	while (i < len) {
		if ((k = skip_len(sql, i, len))) {
			dynbuf_add(&out, sql + i, k);
			i += k;
			continue;
		}
		if (sql[i] == '?') {
			n = param_number(sql + i + 1, len - i - 1, &nd);
			if (nd && !n) { /* ?0, ?99999: the server says what is wrong */
				dynbuf_add(&out, sql + i, nd + 1);
				i += nd + 1;
				continue;
			}
			if (!nd)
				n = top + 1;
			if (n > 65535) { /* more than the protocol carries */
				dynbuf_addch(&out, '?');
				i++;
				continue;
			}
			if (n > top)
				top = n;
			/* "a?" and "?AND" would lex as one word ("a$1", "$1AND"):
			 * keep the parameter a token of its own. */
			if (dynbuf_len(&out) &&
			    ident_char((unsigned char)dynbuf_ptr(&out)[dynbuf_len(&out) - 1]))
				dynbuf_addch(&out, ' ');
			dynbuf_printf(&out, "$%ld", n);
			i += nd + 1;
			/* After "?N" the text goes on after a digit as before, so
			 * only a bare "?" needs the space. */
			if (!nd && i < len && ident_char((unsigned char)sql[i]))
				dynbuf_addch(&out, ' ');
			continue;
		}
		if (sql[i] == '$' && !(i > 0 && ident_char((unsigned char)sql[i - 1]))) {
			/* a $N already written for PostgreSQL counts too */
			n = param_number(sql + i + 1, len - i - 1, &nd);
			if (n > top)
				top = n;
			dynbuf_add(&out, sql + i, nd + 1);
			i += nd + 1;
			continue;
		}
		if (ident_char((unsigned char)sql[i])) {
			/* copy whole words, so "a?" and "x$1" are handled as above */
			for (k = i; k < len && ident_char((unsigned char)sql[k]); k++)
				;
			dynbuf_add(&out, sql + i, k - i);
			i = k;
			continue;
		}
		dynbuf_addch(&out, sql[i++]);
	}
	*nparams = (int)top;
	if (dynbuf_status(&out)) {
		dynbuf_release(&out);
		return NULL;
	}
	return dynbuf_detach(&out, NULL);
}

/* The word at sql[i] ends at the returned index (a word: letters, digits,
 * _, $ and non-ASCII bytes). */
static size_t word_end(const char *sql, size_t i, size_t len)
{
	while (i < len && ident_char((unsigned char)sql[i]))
		i++;
	return i;
}

static int word_is(const char *sql, size_t i, size_t end, const char *w)
{
	size_t n = strlen(w);

	return end - i == n && strncasecmp(sql + i, w, n) == 0;
}

/* If whitespace and then the word w follow sql[i], the index past w. */
static size_t next_word_is(const char *sql, size_t i, size_t len, const char *w)
{
	size_t j = i, e;

	while (j < len && isspace((unsigned char)sql[j]))
		j++;
	if (j == i || j >= len || !word_start_char((unsigned char)sql[j]))
		return 0;
	e = word_end(sql, j, len);
	return word_is(sql, j, e, w) ? e : 0;
}

char *store_pg_ddl(const char *sql)
{
	struct dynbuf out = DYNBUF_INIT;
	size_t len = strlen(sql), i = 0, k, e, a, b;

	while (i < len) {
		if ((k = skip_len(sql, i, len))) {
			dynbuf_add(&out, sql + i, k);
			i += k;
			continue;
		}
		if (!ident_char((unsigned char)sql[i])) {
			dynbuf_addch(&out, sql[i++]);
			continue;
		}
		e = word_end(sql, i, len);
		if (!word_start_char((unsigned char)sql[i])) {
			dynbuf_add(&out, sql + i, e - i); /* a number or $1 */
		} else if (word_is(sql, i, e, "INTEGER")) {
			if ((a = next_word_is(sql, e, len, "PRIMARY")) &&
			    (b = next_word_is(sql, a, len, "KEY"))) {
				dynbuf_addstr(&out, "BIGINT GENERATED BY DEFAULT AS IDENTITY "
				                    "PRIMARY KEY");
				e = b;
			} else {
				dynbuf_addstr(&out, "BIGINT");
			}
		} else if (word_is(sql, i, e, "REAL")) {
			dynbuf_addstr(&out, "DOUBLE PRECISION");
		} else if (word_is(sql, i, e, "BLOB")) {
			dynbuf_addstr(&out, "BYTEA");
		} else if (word_is(sql, i, e, "AUTOINCREMENT")) {
			; /* identity columns count on their own */
		} else if (word_is(sql, i, e, "WITHOUT") &&
		           (a = next_word_is(sql, e, len, "ROWID"))) {
			e = a; /* every PostgreSQL table is organised alike */
		} else {
			dynbuf_add(&out, sql + i, e - i);
		}
		i = e;
	}
	if (dynbuf_status(&out)) {
		dynbuf_release(&out);
		return NULL;
	}
	return dynbuf_detach(&out, NULL);
}

/* ---- connection ---- */

static char *trimmed(const char *msg);

/* Keeps msg as the store's message. */
static void set_errmsg(struct store *s, const char *msg)
{
	free(s->errmsg);
	s->errmsg = trimmed(msg);
}

/* Records a failed result r (NULL: libpq could not even make one). */
static void fail_with(struct store *s, PGresult *r)
{
	struct pg_conn *pc = C(s);
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	/* P0001: RAISE EXCEPTION, which the ledger's append-only triggers use,
	 * as SQLite's RAISE(ABORT) counts as a constraint there. */
	pc->constraint = state && (!strncmp(state, "23", 2) || !strcmp(state, "P0001"));
	set_errmsg(s, primary ? primary : PQerrorMessage(pc->pg));
}

static int result_ok(PGresult *r)
{
	ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK || t == PGRES_EMPTY_QUERY;
}

/* Counts the rows an INSERT, UPDATE, DELETE or MERGE changed (a SELECT's
 * count is no change, as in SQLite). */
static void note_changes(struct pg_conn *pc, PGresult *r)
{
	const char *cmd = PQcmdStatus(r);

	pc->constraint = 0;
	if (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) ||
	    !strncmp(cmd, "DELETE", 6) || !strncmp(cmd, "MERGE", 5))
		pc->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

/* Deallocates the prepared statements finalize() had to leave behind, once
 * the connection accepts commands again. */
static void flush_stale(struct pg_conn *pc)
{
	struct dynbuf sql = DYNBUF_INIT;
	PGTransactionStatusType t = PQtransactionStatus(pc->pg);
	size_t i;

	if (!pc->nstale || (t != PQTRANS_IDLE && t != PQTRANS_INTRANS))
		return;
	for (i = 0; i < pc->nstale; i++)
		dynbuf_printf(&sql, "DEALLOCATE sg%lld;", pc->stale[i]);
	pc->nstale = 0;
	if (!dynbuf_status(&sql))
		PQclear(PQexec(pc->pg, dynbuf_ptr(&sql)));
	dynbuf_release(&sql);
}

/* Runs parameterless SQL on pc, 0 or -1 (the result's message in *res). */
static int run(struct pg_conn *pc, const char *sql, PGresult **res)
{
	*res = PQexec(pc->pg, sql);
	return result_ok(*res) ? 0 : -1;
}

/* libpq prints server notices on stderr by default; a library never
 * prints, and client_min_messages=warning leaves only what a person would
 * have to act on, which the caller's error already says. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* What the shared dialect calls that PostgreSQL lacks, and the safe
 * lastval() behind last_id(). */
static const char setup_sql[] =
    "CREATE OR REPLACE FUNCTION unixepoch() RETURNS bigint LANGUAGE sql STABLE"
    " AS 'SELECT floor(extract(epoch FROM statement_timestamp()))::bigint';"
    /* lastval() fails, aborting the caller's transaction, in a session
     * that has not inserted into a table with a sequence yet; SQLite's
     * last_insert_rowid() says 0 then. The handler's subtransaction
     * keeps the caller's transaction alive. */
    "CREATE OR REPLACE FUNCTION saasguard_lastval() RETURNS bigint LANGUAGE plpgsql"
    " VOLATILE AS $$BEGIN RETURN lastval();"
    " EXCEPTION WHEN object_not_in_prerequisite_state THEN RETURN 0; END$$;";

static const char have_setup_sql[] = "SELECT to_regprocedure('unixepoch()') IS NOT NULL AND "
                                     "to_regprocedure('saasguard_lastval()') IS NOT NULL";

static int setup_present(struct pg_conn *pc, PGresult **r)
{
	if (run(pc, have_setup_sql, r))
		return -1;
	return PQntuples(*r) == 1 && !strcmp(PQgetvalue(*r, 0, 0), "t");
}

/* Creates the functions unless they are there (a role that may not create
 * them still opens a store an owner set up). The advisory lock serialises
 * processes starting together: concurrent CREATE OR REPLACE FUNCTION of
 * one function fails with "tuple concurrently updated". */
static int setup_functions(struct pg_conn *pc, PGresult **r)
{
	int have = setup_present(pc, r), rc;

	if (have)
		return have < 0 ? -1 : 0;
	PQclear(*r);
	if (run(pc, "SELECT pg_advisory_lock(" STR(STORE_PG_LOCK_SETUP) ")", r))
		return -1;
	PQclear(*r);
	have = setup_present(pc, r);
	rc = have < 0 ? -1 : 0;
	if (have == 0) {
		PQclear(*r);
		rc = run(pc, setup_sql, r);
	}
	/* The lock is the session's: release it whatever happened. */
	PQclear(PQexec(pc->pg, "SELECT pg_advisory_unlock(" STR(STORE_PG_LOCK_SETUP) ")"));
	return rc;
}

static void pg_release(struct pg_conn *pc)
{
	if (!pc)
		return;
	PQfinish(pc->pg);
	free(pc->stale);
	free(pc);
}

/* The connection string is never echoed: it holds the password. */
static enum sg_code refuse_password(struct sg_error *err)
{
	enum sg_code rc = sg_error_set(
	    err, SG_ERR_USAGE, "%s",
	    ETR(err,
	        "PostgreSQL の接続文字列にパスワードを書かないでください。パスワードは ~/.pgpass、"
	        "または passfile= か PGPASSFILE で指定したパーミッション 0600 "
	        "のファイルから読み込み、"
	        "コマンドラインからは受け取りません",
	        "refusing a password in the PostgreSQL connection string: passwords are read from "
	        "~/.pgpass or the 0600 file given by passfile= or PGPASSFILE, never from the "
	        "command line"));

	sg_error_hint(err, "%s",
	              ETR(err,
	                  "例: --db 'postgresql://saasguard@db.example.jp/saasguard' と ~/.pgpass "
	                  "の 1 行 'db.example.jp:5432:saasguard:saasguard:PASSWORD'",
	                  "for example --db 'postgresql://saasguard@db.example.jp/saasguard' and "
	                  "the ~/.pgpass line 'db.example.jp:5432:saasguard:saasguard:PASSWORD'"));
	return rc;
}

/* Copies libpq's message as one line: its lines ("FATAL: ...\n\tThis
 * probably means ...") joined by a space, the trailing newline dropped. */
static char *trimmed(const char *msg)
{
	struct dynbuf d = DYNBUF_INIT;
	const char *p = msg;

	while (*p) {
		if (*p == '\n' || *p == '\r') {
			while (*p && isspace((unsigned char)*p))
				p++;
			if (*p)
				dynbuf_addch(&d, ' ');
			continue;
		}
		dynbuf_addch(&d, *p++);
	}
	if (dynbuf_status(&d)) {
		dynbuf_release(&d);
		return xstrdup("");
	}
	return dynbuf_detach(&d, NULL);
}

/* The session every store gets: no notices, read-only when asked, and
 * (for a writer) the functions the shared dialect needs. A reader never
 * creates them: STORE_READONLY promises no writes. */
static int setup_session(struct pg_conn *pc, int flags, int create, PGresult **r)
{
	char sql[96];

	/* lock_timeout: a writer waits for another as long as SQLite's busy
	 * timeout lets it (store_set_wait() changes both). */
	snprintf(sql, sizeof(sql), "SET client_min_messages=warning; SET lock_timeout=%d",
	         pc->wait_ms);
	if (run(pc, sql, r))
		return -1;
	PQclear(*r);
	if (flags & STORE_READONLY)
		return run(pc, "SET default_transaction_read_only=on", r);
	return create ? setup_functions(pc, r) : run(pc, "SELECT 1", r);
}

/*
 * A connection the server dropped (PostgreSQL restarted, a failover) is
 * made again before the next command, so a long-running monitor carries on
 * once the server is back. Never inside a transaction: what it had done is
 * gone, and its COMMIT must fail rather than succeed on a new session. The
 * command that found the connection dead has failed already; nothing is
 * run twice.
 */
static void revive(struct store *s, int outside_tx)
{
	struct pg_conn *pc = C(s);
	PGresult *r = NULL;

	if (PQstatus(pc->pg) != CONNECTION_BAD || !outside_tx)
		return;
	PQreset(pc->pg);
	if (PQstatus(pc->pg) != CONNECTION_OK)
		return; /* the command fails with libpq's message */
	pc->gen++;
	pc->nstale = 0; /* the old session's statements went with it */
	setup_session(pc, pc->flags, 0, &r);
	PQclear(r);
}

static enum sg_code pg_open(struct store *s, const char *where, int flags, struct sg_error *err)
{
	PQconninfoOption *opts, *o;
	char *perr = NULL;
	int has_app = 0, has_timeout = 0, has_password = 0, n = 0;
	const char *keys[4], *vals[4];
	struct pg_conn *pc;
	PGresult *r = NULL;
	enum sg_code rc;

	opts = PQconninfoParse(where, &perr);
	if (!opts) {
		char *msg = trimmed(perr ? perr : "out of memory");

		PQfreemem(perr);
		rc = sg_error_set(err, SG_ERR_USAGE,
		                  ETR(err, "PostgreSQL の接続文字列が正しくありません: %s",
		                      "not a valid PostgreSQL connection string: %s"),
		                  msg);
		sg_error_hint(err, "%s",
		              ETR(err,
		                  "postgresql://USER@HOST/DB の形か 'host=HOST dbname=DB' の形で"
		                  "書いてください",
		                  "write postgresql://USER@HOST/DB or 'host=HOST dbname=DB'"));
		free(msg);
		return rc;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "password") && o->val[0])
			has_password = 1;
		else if (!strcmp(o->keyword, "application_name"))
			has_app = 1;
		else if (!strcmp(o->keyword, "connect_timeout"))
			has_timeout = 1;
	}
	PQconninfoFree(opts);
	if (has_password)
		return refuse_password(err);

	/* dbname first, expanded as the whole string; what follows only fills
	 * what the user left out. */
	keys[n] = "dbname";
	vals[n++] = where;
	if (!has_app) {
		keys[n] = "application_name";
		vals[n++] = "saasguard";
	}
	if (!has_timeout) { /* a monitor must not hang on a dead host forever */
		keys[n] = "connect_timeout";
		vals[n++] = "10";
	}
	keys[n] = vals[n] = NULL;
	pc = xcalloc(1, sizeof(*pc));
	pc->pg = PQconnectdbParams(keys, vals, 1);
	if (!pc->pg || PQstatus(pc->pg) != CONNECTION_OK) {
		char *msg = trimmed(pc->pg ? PQerrorMessage(pc->pg) : "out of memory");

		rc = sg_error_set(err, SG_ERR_DB,
		                  ETR(err, "%s: PostgreSQL に接続できません: %s",
		                      "%s: cannot connect to PostgreSQL: %s"),
		                  where, msg);
		sg_error_hint(
		    err, "%s",
		    ETR(err,
		        "--db の接続文字列（ホスト、データベース名、ユーザー）と ~/.pgpass "
		        "を確かめてください。データベースは saasguard では作らず、"
		        "createdb などで用意します",
		        "check the connection string given with --db (host, database, user) "
		        "and ~/.pgpass; saasguard does not create the database (createdb "
		        "does)"));
		free(msg);
		pg_release(pc);
		return rc;
	}
	PQsetNoticeProcessor(pc->pg, quiet, NULL);
	pc->flags = flags;
	pc->wait_ms = 10000;
	if (setup_session(pc, flags, 1, &r)) {
		char *msg = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(pc->pg));

		rc = sg_error_set(err, SG_ERR_DB,
		                  ETR(err, "%s: PostgreSQL の接続を準備できません: %s",
		                      "%s: cannot set up the PostgreSQL session: %s"),
		                  where, msg);
		free(msg);
		PQclear(r);
		pg_release(pc);
		return rc;
	}
	PQclear(r);
	s->conn = pc;
	return SG_OK;
}

static void pg_close(struct store *s)
{
	pg_release(C(s));
	s->conn = NULL;
	free(s->errmsg);
	s->errmsg = NULL;
}

static int pg_exec(struct store *s, const char *sql)
{
	struct pg_conn *pc = C(s);
	PGresult *r;

	/* store_begin() counts its transaction before it runs begin_sql */
	revive(s, !s->in_tx || sql == s->be->begin_sql || sql == s->be->begin_shared_sql);
	flush_stale(pc);
	if (run(pc, sql, &r)) {
		fail_with(s, r);
		PQclear(r);
		return -1;
	}
	note_changes(pc, r);
	PQclear(r);
	return 0;
}

static char *pg_ddl(const char *sql)
{
	char *out = store_pg_ddl(sql);

	return out ? out : xstrdup(sql); /* > 1 GiB: the server will say */
}

/* ---- statements ---- */

static struct store_stmt *pg_prepare(struct store *s, const char *sql)
{
	struct pg_stmt *st;
	int n;
	char *t = store_pg_translate(sql, &n);

	if (!t) {
		set_errmsg(s, "statement too long");
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->h.s = s;
	st->sql = t;
	st->nparams = n;
	st->row = -1;
	if (n) {
		st->vals = xcalloc((size_t)n, sizeof(*st->vals));
		st->lens = xcalloc((size_t)n, sizeof(*st->lens));
		st->fmts = xcalloc((size_t)n, sizeof(*st->fmts));
		st->types = xcalloc((size_t)n, sizeof(*st->types));
	}
	/* Syntax errors surface at the first step, where PostgreSQL parses. */
	return (struct store_stmt *)(void *)st;
}

/* Replaces parameter i (from 1) with v (NULL: SQL NULL); v is taken over. */
static void bind(struct pg_stmt *st, int i, char *v, int len, int fmt, Oid type)
{
	if (i < 1 || i > st->nparams) {
		free(v); /* as SQLite: a bind out of range changes nothing */
		return;
	}
	i--;
	free(st->vals[i]);
	st->vals[i] = v;
	st->lens[i] = len;
	st->fmts[i] = fmt;
	st->types[i] = type;
}

/* Ints go as bigint: left to the server, "? - 86400000" would be an int4
 * and a time in ms would overflow it. */
static void pg_bind_int(struct store_stmt *x, int i, long long v)
{
	bind(P(x), i, xstrfmt("%lld", v), 0, 0, PG_OID_INT8);
}

static void pg_bind_real(struct store_stmt *x, int i, double v)
{
	if (isnan(v))
		bind(P(x), i, NULL, 0, 0, 0);
	else
		bind(P(x), i, xstrfmt("%.17g", v), 0, 0, PG_OID_FLOAT8);
}

static void pg_bind_text(struct store_stmt *x, int i, const char *v, size_t n)
{
	bind(P(x), i, v ? xstrndup(v, n) : NULL, 0, 0, 0);
}

static void pg_bind_blob(struct store_stmt *x, int i, const void *v, size_t n)
{
	char *copy;

	if (!v || n > INT32_MAX) {
		bind(P(x), i, NULL, 0, 0, 0);
		return;
	}
	copy = xmalloc(n ? n : 1);
	memcpy(copy, v, n);
	bind(P(x), i, copy, (int)n, 1, PG_OID_BYTEA);
}

static void pg_bind_null(struct store_stmt *x, int i)
{
	bind(P(x), i, NULL, 0, 0, 0);
}

static void drop_row(struct pg_stmt *st)
{
	int i;

	for (i = 0; i < st->nblobs; i++) {
		free(st->blobs[i].p);
		st->blobs[i].p = NULL;
		st->blobs[i].valid = 0;
	}
}

static void forget(struct pg_conn *pc, long long prep)
{
	if (!prep)
		return;
	ALLOC_GROW(pc->stale, pc->nstale, pc->astale);
	pc->stale[pc->nstale++] = prep;
}

/* Whether the bindings still fit the types the statement was prepared
 * with (a NULL fits any). */
static int types_fit(const struct pg_stmt *st)
{
	int i;

	for (i = 0; i < st->nparams; i++)
		if (st->types[i] && st->types[i] != st->ptypes[i])
			return 0;
	return 1;
}

static PGresult *execute(struct pg_stmt *st)
{
	struct store *s = st->h.s;
	struct pg_conn *pc = C(s);
	const char *const *vals = (const char *const *)st->vals;
	char name[32];
	PGresult *r;

	revive(s, !s->in_tx);
	if (st->prep && st->prep_gen != pc->gen)
		st->prep = 0; /* prepared in a session that is gone */
	flush_stale(pc);
	if (!st->runs++)
		return PQexecParams(pc->pg, st->sql, st->nparams, st->types, vals, st->lens,
		                    st->fmts, 0);
	if (st->prep && !types_fit(st)) {
		forget(pc, st->prep);
		flush_stale(pc);
		st->prep = 0;
	}
	if (!st->prep) {
		long long id = ++s->stmt_seq;

		snprintf(name, sizeof(name), "sg%lld", id);
		r = PQprepare(pc->pg, name, st->sql, st->nparams, st->types);
		if (!result_ok(r))
			return r;
		PQclear(r);
		st->prep = id;
		st->prep_gen = pc->gen;
		if (st->nparams) {
			free(st->ptypes);
			st->ptypes = xmalloc((size_t)st->nparams * sizeof(*st->ptypes));
			memcpy(st->ptypes, st->types, (size_t)st->nparams * sizeof(*st->ptypes));
		}
	}
	snprintf(name, sizeof(name), "sg%lld", st->prep);
	return PQexecPrepared(pc->pg, name, st->nparams, vals, st->lens, st->fmts, 0);
}

static int pg_step(struct store_stmt *x)
{
	struct pg_stmt *st = P(x);

	drop_row(st);
	if (!st->ran) {
		PGresult *r = execute(st);

		st->ran = 1;
		if (!result_ok(r)) {
			fail_with(st->h.s, r);
			PQclear(r);
			return STORE_ERROR;
		}
		note_changes(C(st->h.s), r);
		st->res = r;
		st->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
		st->row = -1;
		if (PQnfields(r) > st->nblobs) {
			st->blobs =
			    xreallocarray(st->blobs, (size_t)PQnfields(r), sizeof(*st->blobs));
			memset(st->blobs + st->nblobs, 0,
			       (size_t)(PQnfields(r) - st->nblobs) * sizeof(*st->blobs));
			st->nblobs = PQnfields(r);
		}
	}
	if (st->row < st->nrows)
		st->row++;
	return st->row < st->nrows ? STORE_ROW : STORE_DONE;
}

static void pg_reset(struct store_stmt *x)
{
	struct pg_stmt *st = P(x);

	drop_row(st);
	PQclear(st->res);
	st->res = NULL;
	st->ran = 0;
	st->nrows = 0;
	st->row = -1;
}

static void pg_finalize(struct store_stmt *x)
{
	struct pg_stmt *st = P(x);
	int i;

	if (!st)
		return;
	/* Queued, not run here: finalize() must leave the store's last
	 * message alone for the caller that reports it afterwards. */
	if (st->prep_gen == C(st->h.s)->gen)
		forget(C(st->h.s), st->prep);
	pg_reset(x);
	for (i = 0; i < st->nparams; i++)
		free(st->vals[i]);
	free(st->vals);
	free(st->lens);
	free(st->fmts);
	free(st->types);
	free(st->ptypes);
	free(st->blobs);
	free(st->sql);
	free(st);
}

/* The current row's column i, or NULL when there is none (no row, out of
 * range, or SQL NULL). */
static const char *value(struct pg_stmt *st, int i)
{
	if (!st->res || st->row < 0 || st->row >= st->nrows || i < 0 || i >= PQnfields(st->res) ||
	    PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

static int pg_col_count(struct store_stmt *x)
{
	struct pg_stmt *st = P(x);

	return st->res ? PQnfields(st->res) : 0;
}

static const char *pg_col_name(struct store_stmt *x, int i)
{
	struct pg_stmt *st = P(x);

	return st->res && i >= 0 && i < PQnfields(st->res) ? PQfname(st->res, i) : NULL;
}

static int pg_col_is_null(struct store_stmt *x, int i)
{
	return value(P(x), i) == NULL;
}

long long store_pg_int_of(const char *v)
{
	char *end;
	long long n;

	if (!v)
		return 0;
	if (!strcmp(v, "t")) /* a boolean, where SQLite has 1 and 0 */
		return 1;
	if (!strcmp(v, "f"))
		return 0;
	n = strtoll(v, &end, 10);
	if (*end) { /* a real ("12.5", "1e+20"): truncated, saturating, as SQLite's */
		double d = strtod(v, NULL);

		if (isnan(d))
			return 0;
		if (d >= 9223372036854775807.0)
			return LLONG_MAX;
		if (d <= -9223372036854775808.0)
			return LLONG_MIN;
		return (long long)d;
	}
	return n;
}

double store_pg_real_of(const char *v)
{
	if (!v)
		return NAN;
	if (!strcmp(v, "t"))
		return 1;
	if (!strcmp(v, "f"))
		return 0;
	return strtod(v, NULL); /* also "Infinity", "-Infinity", "NaN" */
}

static long long pg_col_int(struct store_stmt *x, int i)
{
	return store_pg_int_of(value(P(x), i));
}

static double pg_col_real(struct store_stmt *x, int i)
{
	return store_pg_real_of(value(P(x), i));
}

static const char *pg_col_text(struct store_stmt *x, int i)
{
	return value(P(x), i);
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static const void *pg_col_blob(struct store_stmt *x, int i, size_t *n)
{
	struct pg_stmt *st = P(x);
	const char *v = value(st, i);
	struct pg_blob *b;
	size_t len, j;

	*n = 0;
	if (!v)
		return NULL;
	len = (size_t)PQgetlength(st->res, st->row, i);
	/* Only bytea comes hex-encoded; any other column's bytes are its text,
	 * as SQLite gives them. */
	if (PQftype(st->res, i) != PG_OID_BYTEA || len < 2 || v[0] != '\\' || v[1] != 'x') {
		*n = len;
		return v;
	}
	b = &st->blobs[i];
	if (!b->valid) {
		b->p = xmalloc((len - 2) / 2 + 1);
		b->n = 0;
		for (j = 2; j + 1 < len; j += 2) {
			int hi = unhex((unsigned char)v[j]), lo = unhex((unsigned char)v[j + 1]);

			if (hi < 0 || lo < 0)
				break; /* cannot happen: the server writes the hex */
			b->p[b->n++] = (unsigned char)(hi << 4 | lo);
		}
		b->valid = 1;
	}
	*n = b->n;
	return b->p;
}

static int pg_col_type(struct store_stmt *x, int i)
{
	struct pg_stmt *st = P(x);

	if (!value(st, i))
		return STORE_T_NULL;
	switch (PQftype(st->res, i)) {
	case PG_OID_INT2:
	case PG_OID_INT4:
	case PG_OID_INT8:
		return STORE_T_INTEGER;
	case PG_OID_FLOAT4:
	case PG_OID_FLOAT8:
	case PG_OID_NUMERIC:
		return STORE_T_REAL;
	case PG_OID_BYTEA:
		return STORE_T_BLOB;
	default:
		return STORE_T_TEXT;
	}
}

static long long pg_changes(struct store *s)
{
	return C(s)->changes;
}

static long long pg_last_id(struct store *s)
{
	struct pg_conn *pc = C(s);
	PGresult *r = PQexec(pc->pg, "SELECT saasguard_lastval()");
	long long id = 0;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

static int pg_failed_constraint(struct store *s)
{
	return s->conn && C(s)->constraint;
}

static const char *pg_errmsg(struct store *s)
{
	if (!s->conn)
		return "not open";
	return s->errmsg ? s->errmsg : "";
}

/* The writer lock (an advisory lock) and any row lock wait at most ms. */
static void pg_set_wait(struct store *s, int ms)
{
	char sql[64];
	PGresult *r;

	C(s)->wait_ms = ms > 0 ? ms : 0;
	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", C(s)->wait_ms);
	r = PQexec(C(s)->pg, sql);
	PQclear(r);
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .kind = STORE_POSTGRES,
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .begin_sql = "BEGIN; SELECT pg_advisory_xact_lock(" STR(STORE_PG_LOCK_WRITER) ")",
    .begin_shared_sql = "BEGIN",
    .lock_sql = "SELECT pg_advisory_xact_lock(" STR(STORE_PG_LOCK_WRITER) ")",
    .ddl = pg_ddl,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_real = pg_bind_real,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_is_null = pg_col_is_null,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_type = pg_col_type,
    .changes = pg_changes,
    .last_id = pg_last_id,
    .failed_constraint = pg_failed_constraint,
    .errmsg = pg_errmsg,
    .set_wait = pg_set_wait,
};
