/*
 * store_backup - online backup and restore of the store (see store_backup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_backup.h"
#include "xalloc.h"
#include "banned.h"

/* The SQLite handle under s: the online backup is SQLite's own API. */
static sqlite3 *lite(struct store *s)
{
	return s->conn;
}

/* PostgreSQL has its own tools for this, and they are what its operators
 * already run. */
static enum sg_code need_sqlite(struct store *s, struct sg_error *err)
{
	if (store_kind(s) == STORE_SQLITE)
		return SG_OK;
	sg_error_set(err, SG_ERR_USAGE,
	             ETR(err, "%s: PostgreSQL のストアは store backup/restore の対象外です",
	                 "%s: store backup and restore work on SQLite stores only"),
	             s->path);
	sg_error_hint(
	    err, "%s",
	    ETR(err,
	        "PostgreSQL は pg_dump / pg_basebackup でバックアップしてください。SQLite "
	        "からの移行は saasguard store migrate です",
	        "back PostgreSQL up with pg_dump or pg_basebackup; to move a SQLite store "
	        "to PostgreSQL, use saasguard store migrate"));
	return SG_ERR_USAGE;
}

static void nap(void)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

/* Copies every page of src's main database into dst's; retries while a
 * writer holds a lock (the backup restarts itself when the source changes,
 * so what lands is one committed state). */
static enum sg_code copy_pages(sqlite3 *dst, sqlite3 *src, long long *pages, struct sg_error *err)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc, tries = 0;

	if (!b)
		return sg_error_set(
		    err, SG_ERR_DB,
		    ETR(err, "バックアップを開始できません: %s", "cannot start the backup: %s"),
		    sqlite3_errmsg(dst));
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (++tries > 200)
				break;
			nap();
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	if (pages)
		*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return sg_error_set(err, SG_ERR_DB,
		                    ETR(err, "バックアップのコピーに失敗しました: %s",
		                        "copying the database failed: %s"),
		                    sqlite3_errstr(rc));
	return SG_OK;
}

static enum sg_code check_integrity(sqlite3 *db, const char *path, struct sg_error *err)
{
	sqlite3_stmt *st = NULL;
	enum sg_code rc = SG_OK;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok"))
		rc = sg_error_set(
		    err, SG_ERR_DB,
		    ETR(err, "%s: データベースが壊れているか、SQLite のファイルではありません",
		        "%s: the database is damaged or not an SQLite file"),
		    path);
	sqlite3_finalize(st);
	return rc;
}

/* -1 when the table is absent. */
static long long count_rows(sqlite3 *db, const char *table)
{
	char *sql = xstrfmt("SELECT count(*) FROM \"%s\"", table);
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	free(sql);
	return n;
}

static enum sg_code fsync_path(const char *path, int dir, struct sg_error *err)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);

	if (fd < 0 || fsync(fd)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return sg_error_set(
		    err, SG_ERR_IO,
		    ETR(err, "%s: ディスクに書き込めません（fsync）: %s", "%s: fsync: %s"), path,
		    strerror(e));
	}
	close(fd);
	return SG_OK;
}

enum sg_code store_backup_write(struct store *s, const char *path, int overwrite,
                                struct store_backup_info *info, struct sg_error *err)
{
	char *tmp, *dircopy;
	sqlite3 *dst = NULL;
	struct store_backup_info local = {0, -1};
	enum sg_code rc;
	int fd;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (!overwrite && access(path, F_OK) == 0) {
		sg_error_set(err, SG_ERR_EXISTS, ETR(err, "%s は既にあります", "%s already exists"),
		             path);
		sg_error_hint(err, "%s",
		              ETR(err, "別のパスを指定するか、--force で上書きしてください",
		                  "name another path, or overwrite it with --force"));
		return SG_ERR_EXISTS;
	}
	tmp = xstrfmt("%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "%s: 書き込めません: %s", "%s: cannot write: %s"), path,
		                  strerror(errno));
		free(tmp);
		return rc;
	}
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		rc = sg_error_set(err, SG_ERR_DB, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	if ((rc = copy_pages(dst, lite(s), &local.pages, err)))
		goto fail;
	/* A backup is one self-contained file: no -wal beside it. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sg_error_set(err, SG_ERR_DB, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	if ((rc = check_integrity(dst, path, err)))
		goto fail;
	local.ledger_entries = count_rows(dst, "ledger_entries");
	sqlite3_close_v2(dst);
	dst = NULL;
	if ((rc = fsync_path(tmp, 0, err)))
		goto fail;
	if (rename(tmp, path)) {
		rc = sg_error_set(err, SG_ERR_IO,
		                  ETR(err, "%s: 書き込めません: %s", "%s: cannot write: %s"), path,
		                  strerror(errno));
		goto fail;
	}
	dircopy = xstrdup(path);
	rc = fsync_path(dirname(dircopy), 1, err);
	free(dircopy);
	free(tmp);
	if (info)
		*info = local;
	return rc;
fail:
	sqlite3_close_v2(dst);
	unlink(tmp);
	free(tmp);
	return rc;
}

/* Refuses a backup whose schema is newer than this binary's. */
static enum sg_code check_schema(struct store *s, sqlite3 *src, const char *path,
                                 struct sg_error *err)
{
	sqlite3_stmt *st = NULL;
	enum sg_code rc = SG_OK;

	if (sqlite3_prepare_v2(src, "SELECT module, version FROM schema_versions", -1, &st, NULL) !=
	    SQLITE_OK) {
		sg_error_set(err, SG_ERR_INPUT,
		             ETR(err, "%s: saasguard のデータベースではありません",
		                 "%s: not a saasguard database"),
		             path);
		sg_error_hint(err, "%s",
		              ETR(err, "saasguard store backup で作ったファイルを指定してください",
		                  "name a file written by saasguard store backup"));
		return SG_ERR_INPUT;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *module = (const char *)sqlite3_column_text(st, 0);
		int v = sqlite3_column_int(st, 1);
		if (module && v > store_schema_version(s, module)) {
			rc = sg_error_set(
			    err, SG_ERR_INPUT,
			    ETR(err,
			        "%s: このバックアップ（%s のスキーマ %d）はこの saasguard "
			        "より新しい版で作られています",
			        "%s: this backup (%s schema %d) was written by a newer "
			        "saasguard"),
			    path, module, v);
			sg_error_hint(err, "%s",
			              ETR(err, "saasguard を更新してから復元してください",
			                  "upgrade saasguard, then restore"));
			break;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

enum sg_code store_backup_restore(struct store *s, const char *path, struct store_backup_info *info,
                                  struct sg_error *err)
{
	sqlite3 *src = NULL;
	struct store_backup_info local = {0, -1};
	enum sg_code rc;

	if ((rc = need_sqlite(s, err)))
		return rc;
	if (access(path, R_OK)) {
		sg_error_set(err, SG_ERR_NOT_FOUND,
		             ETR(err, "%s: 読めません: %s", "%s: cannot read: %s"), path,
		             strerror(errno));
		return SG_ERR_NOT_FOUND;
	}
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		rc = sg_error_set(err, SG_ERR_DB, "%s: %s", path, sqlite3_errmsg(src));
		goto done;
	}
	if ((rc = check_integrity(src, path, err)) || (rc = check_schema(s, src, path, err)))
		goto done;
	if ((rc = copy_pages(lite(s), src, &local.pages, err)))
		goto done;
	local.ledger_entries = count_rows(lite(s), "ledger_entries");
	if (info)
		*info = local;
done:
	sqlite3_close_v2(src);
	return rc;
}
