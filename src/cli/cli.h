/*
 * cli - what every command shares: the user's language, the catalog (loaded
 * on first use), error and usage reporting with the exit-status convention
 * (0 success, 1 finding, 2 usage or input error), output format selection and
 * writing results to standard output or atomically to a file.
 *
 * The commands are thin: parse arguments, call a module, pick a writer.
 */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "catalog.h"
#include "dynbuf.h"
#include "error.h"
#include "i18n.h"

struct cli {
	enum sg_lang lang;
	int color; /* standard output is a terminal */
	struct catalog *catalog;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary_ja;
	const char *summary_en;
};

/* The table of commands, defined in main.c. */
extern const struct cli_command cli_commands[];

/* The catalog; loads it on first call. Exits with status 2 if the embedded
 * data is broken (a build defect). */
const struct catalog *cli_catalog(struct cli *cli);

/* An error object ready to pass down, in the user's language. */
void cli_error_init(struct cli *cli, struct sg_error *err);

/* Prints err for a person and returns its exit status. Control characters
 * in the message (a CR or LF in a quoted name) are escaped. */
int cli_report(struct cli *cli, const struct sg_error *err);

/* The daemon's log: "TIME saasguard WHO: LINE" on standard error, one line
 * whatever line contains (control characters escaped here, once, for every
 * module that logs through a callback). */
void cli_log_line(const char *who, const char *line);

/* Prints "saasguard CMD: MESSAGE" and a pointer to --help; returns 2. */
int cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The two usage errors every command has: an unknown option (or one
 * without its value) and an argument too many. Return 2. */
int cli_bad_option(struct cli *cli, const char *cmd, const char *arg);
int cli_extra_argument(struct cli *cli, const char *cmd, const char *arg);
/* A command that takes exactly one profile FILE got none or several. */
int cli_need_one_profile(struct cli *cli, const char *cmd);

/* Index of arg in the NULL-terminated names, or -1 after reporting a usage
 * error naming the allowed values. */
int cli_choice(struct cli *cli, const char *cmd, const char *option, const char *arg,
               const char *const *names);

/* Parses an integer in [lo, hi]; -1 after a usage error. */
int cli_int(struct cli *cli, const char *cmd, const char *option, const char *arg, int lo, int hi,
            long *out);

/* Writes out to path (atomically, mode 0666 less the umask; never onto a
 * symlink, FIFO or device) or standard output (NULL or "-"); returns 0 or an
 * exit status after reporting. */
int cli_emit(struct cli *cli, const char *path, const struct dynbuf *out);

/* Appends j as JSON indented by two and a line break (what a command's
 * --format json prints), then drops the caller's reference to j. */
void cli_add_json(struct dynbuf *out, json_t *j);

/* Prints a usage text (already in the right language) to standard output. */
int cli_help(const char *text);

/* getopt_long setup shared by commands: resets getopt for a subcommand. */
void cli_getopt_reset(void);

struct option;
/* The one option loop of every command: the next option of argv after
 * cli_getopt_reset() (getopt_long with opts). Returns its code (> 0), 0
 * after the last option, or -1 when the command is to end with *status:
 * -h or opts' "help" printed usage (0; only when usage is not NULL), or an
 * unknown option or one without its value was reported (2). */
int cli_option(struct cli *cli, const char *cmd, const char *usage, int argc, char **argv,
               const struct option *opts, int *status);

/* A format that is not text (`what`: "xlsx") is written to a file: 2 after
 * a usage error when the output is standard output and that is a terminal,
 * else 0. */
int cli_not_to_terminal(struct cli *cli, const char *cmd, const char *what, const char *output);

struct profile;
/* Loads the one profile FILE left after the options (argv[optind]): 0, or
 * an exit status after reporting (none or several given, or it does not
 * load). err is initialised, for the command's further use; *p is the
 * caller's (profile_free()). */
int cli_profile_arg(struct cli *cli, const char *cmd, int argc, char **argv, struct profile **p,
                    struct sg_error *err);

/* Dispatches "CMD SUB ..." for commands that have subcommands. */
struct cli_sub {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
};
int cli_dispatch_sub(struct cli *cli, const char *cmd, const struct cli_sub *subs,
                     const char *usage, int argc, char **argv);

/* Command entry points. */
int cmd_attest(struct cli *cli, int argc, char **argv);
int cmd_catalog(struct cli *cli, int argc, char **argv);
int cmd_classify(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_assess(struct cli *cli, int argc, char **argv);
int cmd_sla(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_ledger(struct cli *cli, int argc, char **argv);

/* Options of the ledger commands and attest (cmd_ledger.c). */
struct cli_ledger_opts {
	const char *db, *key, *profile, *tsa_ca, *type, *note;
	const char *files[64]; /* --public-key or --evidence, in order */
	size_t nfiles;
	const char *checkpoints[16]; /* --checkpoint */
	size_t ncheckpoints;
	long long from_ms, to_ms; /* LLONG_MIN / LLONG_MAX when not given */
	long long consistency;
	int format; /* 0 table, 1 json */
	int record; /* verify --record */
};
struct ledger_config;
struct ledger_seal_result;
struct store;
/* Parses options; `allowed` lists the long option names this command takes,
 * each surrounded by spaces. Returns -1 to go on, or an exit status. */
int cli_ledger_opts(struct cli *cli, const char *cmd, const char *usage, int argc, char **argv,
                    const char *allowed, struct cli_ledger_opts *o, int *first);
/* The ledger configuration from --profile, --key and --tsa-ca; 0 or an exit
 * status after reporting. */
int cli_ledger_config(struct cli *cli, const struct cli_ledger_opts *o, struct ledger_config *cfg);
/* Opens --db (or the default database). */
int cli_ledger_open(struct cli *cli, const struct cli_ledger_opts *o, int flags, struct store **s);
void cli_ledger_print_seal(struct cli *cli, const struct ledger_config *cfg,
                           const struct ledger_seal_result *r);
struct profile;
/* The profile's `ledger:` configuration (paths relative to the profile); 0
 * or an exit status after reporting. */
int cli_ledger_load_for(struct cli *cli, const struct profile *p, struct ledger_config *cfg);
/* After appending on behalf of a profile: seals when its interval says so
 * (nothing without a signing key). 0 or an exit status after reporting. */
int cli_ledger_seal_for(struct cli *cli, struct store *s, const struct profile *p);
/* Opens db (NULL: the default database) with store_open() flags; 0 or an
 * exit status after reporting. */
int cli_store_open(struct cli *cli, const char *db, int flags, struct store **s);
int cmd_monitor(struct cli *cli, int argc, char **argv);
int cmd_availability(struct cli *cli, int argc, char **argv);
int cmd_incident(struct cli *cli, int argc, char **argv);
int cmd_cluster(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);

/* Options of the user and token commands (cmd_user.c). */
struct cli_account_opts {
	const char *db, *role, *password_file;
};
/* Parses --db, --role, --password-file; the index of the first operand, or
 * -1 after a usage error. */
int cli_account_opts(struct cli *cli, const char *cmd, int argc, char **argv,
                     struct cli_account_opts *o);
/* 0 when name is 1-64 of [A-Za-z0-9-_.@]; else -1 after a usage error. */
int cli_account_name_ok(struct cli *cli, const char *cmd, const char *name);
/* Who ran the command ($USER). */
const char *cli_account_actor(void);
int cmd_store(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_doctor(struct cli *cli, int argc, char **argv);

#endif
