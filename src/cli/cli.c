/*
 * cli - shared command-line plumbing; see cli.h.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "profile.h"
#include "sdnotify.h"
#include "store.h"
#include "xalloc.h"
#include "timeutil.h"
#include "banned.h"

const struct catalog *cli_catalog(struct cli *cli)
{
	struct sg_error err;

	if (cli->catalog)
		return cli->catalog;
	cli_error_init(cli, &err);
	if (catalog_load(&cli->catalog, &err)) {
		cli_report(cli, &err);
		exit(2);
	}
	return cli->catalog;
}

void cli_error_init(struct cli *cli, struct sg_error *err)
{
	memset(err, 0, sizeof(*err));
	err->lang = (int)cli->lang;
}

/* Writes one line to standard error with the control characters of every
 * argument escaped: messages quote file names, keys and peers' words, and a
 * CR or LF in them must not forge a line of their own. */
static void put_line(const char *fmt, ...)
{
	struct dynbuf b = DYNBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f == '%' && f[1] == 's') {
			dynbuf_add_line_escaped(&b, va_arg(ap, const char *));
			f++;
		} else if (*f == '%' && f[1] == 'd') {
			dynbuf_printf(&b, "%d", va_arg(ap, int));
			f++;
		} else {
			dynbuf_addch(&b, *f);
		}
	}
	va_end(ap);
	dynbuf_addch(&b, '\n');
	/* msg: not translated (the line could not be built: no room for a choice) */
	fputs(dynbuf_status(&b) ? "saasguard: (message too long)\n" : dynbuf_ptr(&b), stderr);
	dynbuf_release(&b);
}

int cli_report(struct cli *cli, const struct sg_error *err)
{
	const char *label = TR(cli->lang, "エラー", "error");

	if (err->code == SG_ERR_VERIFY)
		label = TR(cli->lang, "検証失敗", "verification failed");
	if (err->file[0] && err->line)
		put_line("saasguard: %s:%d:%d: %s: %s", err->file, err->line,
		         err->col ? err->col : 1, label, err->msg);
	else if (err->file[0])
		put_line("saasguard: %s: %s: %s", err->file, label, err->msg);
	else
		put_line("saasguard: %s: %s", label, err->msg);
	if (err->hint[0])
		put_line("  %s: %s", TR(cli->lang, "ヒント", "hint"), err->hint);
	return sg_code_exit_status(err->code);
}

void cli_log_line(const char *who, const char *line)
{
	char ts[32];

	if (sdnotify_stderr_is_journal()) { /* the journal stamps the time */
		(void)who;                  /* the unit names the process */
		put_line("<%d>%s", (int)sdnotify_classify(line), line);
		fflush(stderr);
		return;
	}
	timeutil_utc((long long)timeutil_now(), ts);
	put_line("%s saasguard %s: %s", ts, who, line);
	fflush(stderr);
}

int cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "saasguard %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fprintf(stderr,
	        TR(cli->lang, "使い方は 'saasguard %s --help' を参照してください。\n",
	           "See 'saasguard %s --help'.\n"),
	        cmd);
	return 2;
}

int cli_bad_option(struct cli *cli, const char *cmd, const char *arg)
{
	return cli_usage_error(cli, cmd,
	                       TR(cli->lang, "'%s' は使えないオプションか、値がありません",
	                          "'%s' is not an option here, or lacks its value"),
	                       arg);
}

int cli_extra_argument(struct cli *cli, const char *cmd, const char *arg)
{
	return cli_usage_error(
	    cli, cmd, TR(cli->lang, "余分な引数 '%s' があります", "unexpected argument '%s'"), arg);
}

int cli_need_one_profile(struct cli *cli, const char *cmd)
{
	return cli_usage_error(cli, cmd, "%s",
	                       TR(cli->lang, "プロファイルのファイルを 1 つ指定してください",
	                          "give one profile file"));
}

int cli_choice(struct cli *cli, const char *cmd, const char *option, const char *arg,
               const char *const *names)
{
	struct dynbuf list = DYNBUF_INIT;

	for (int i = 0; names[i]; i++)
		if (!strcmp(arg, names[i]))
			return i;
	for (int i = 0; names[i]; i++)
		dynbuf_printf(&list, "%s%s", i ? ", " : "", names[i]);
	cli_usage_error(cli, cmd,
	                TR(cli->lang,
	                   "%s に '%s' は指定できません。次のいずれかを指定してください: %s",
	                   "%s does not take '%s'; use one of: %s"),
	                option, arg, dynbuf_ptr(&list));
	dynbuf_release(&list);
	return -1;
}

int cli_int(struct cli *cli, const char *cmd, const char *option, const char *arg, int lo, int hi,
            long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		cli_usage_error(cli, cmd,
		                TR(cli->lang,
		                   "%s には %d から %d の整数を指定してください ('%s' は不可)",
		                   "%s takes a whole number from %d to %d, not '%s'"),
		                option, lo, hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_emit(struct cli *cli, const char *path, const struct dynbuf *out)
{
	struct sg_error err;

	cli_error_init(cli, &err);
	if (!path)
		path = "-";
	if (fileio_write_atomic(path, dynbuf_ptr(out), dynbuf_len(out), 0666, 0, &err))
		return cli_report(cli, &err);
	return 0;
}

void cli_add_json(struct dynbuf *out, json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2));

	if (t)
		dynbuf_printf(out, "%s\n", t);
	free(t);
	json_decref(j);
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return 0;
}

void cli_getopt_reset(void)
{
	optind = 0; /* glibc: 0 re-initialises getopt completely */
	opterr = 0;
}

int cli_option(struct cli *cli, const char *cmd, const char *usage, int argc, char **argv,
               const struct option *opts, int *status)
{
	int idx = -1, c = getopt_long(argc, argv, usage ? "h" : "", opts, &idx);

	if (c == -1)
		return 0;
	if (usage && (c == 'h' || (idx >= 0 && !strcmp(opts[idx].name, "help")))) {
		*status = cli_help(usage);
		return -1;
	}
	if (c == '?' || c == ':') {
		*status = cli_bad_option(cli, cmd, argv[optind - 1]);
		return -1;
	}
	return c;
}

int cli_not_to_terminal(struct cli *cli, const char *cmd, const char *what, const char *output)
{
	if ((output && strcmp(output, "-")) || !isatty(STDOUT_FILENO))
		return 0;
	return cli_usage_error(cli, cmd,
	                       TR(cli->lang, "%s は --output でファイルに書き出してください",
	                          "write %s to a file with --output"),
	                       what);
}

int cli_profile_arg(struct cli *cli, const char *cmd, int argc, char **argv, struct profile **p,
                    struct sg_error *err)
{
	cli_error_init(cli, err);
	if (optind != argc - 1)
		return cli_need_one_profile(cli, cmd);
	if (profile_load(argv[optind], cli_catalog(cli), p, err))
		return cli_report(cli, err);
	return 0;
}

int cli_dispatch_sub(struct cli *cli, const char *cmd, const struct cli_sub *subs,
                     const char *usage, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc < 2) {
			fputs(usage, stderr);
			return 2;
		}
		return cli_help(usage);
	}
	for (int i = 0; subs[i].name; i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(cli, argc - 1, argv + 1);
	return cli_usage_error(
	    cli, cmd,
	    TR(cli->lang, "'%s' というサブコマンドはありません", "there is no subcommand '%s'"),
	    argv[1]);
}

int cli_store_open(struct cli *cli, const char *db, int flags, struct store **s)
{
	struct sg_error err;
	char *path = db ? xstrdup(db) : store_default_path();
	int rc = 0;

	cli_error_init(cli, &err);
	if (store_open(path, flags, s, &err))
		rc = cli_report(cli, &err);
	free(path);
	return rc;
}
