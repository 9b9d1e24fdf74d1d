/*
 * doctor - checks a host's set-up for saasguard and says how to fix each
 * finding (`saasguard doctor [FILE]`): the store's permissions (database
 * 0600, directory 0700, owned by the user that runs saasguard), the ledger's
 * signing key (present, 0600), the SMTP server (reachable and greeting; a
 * test mail only when asked), ICMP (the group inside
 * net.ipv4.ping_group_range, when the profile has ICMP checks), the TSA (a
 * real RFC 3161 request), the clock (synchronised per the kernel's adjtimex), and free
 * disk space beside the store.
 *
 * Network checks go only where the caller's configuration points. Nothing is
 * printed and nothing on the host is changed.
 *
 * Ownership: doctor_run() fills a report the caller releases with
 * doctor_report_release().
 */
#ifndef SG_DOCTOR_H
#define SG_DOCTOR_H

#include <stddef.h>

enum doctor_status {
	DOCTOR_OK = 0,
	DOCTOR_WARN, /* works, but should be fixed */
	DOCTOR_FAIL, /* saasguard will not work as configured */
	DOCTOR_SKIP, /* not configured, nothing to check */
};

struct doctor_finding {
	const char *check; /* "store", "key", "smtp", "icmp", "tsa", "time", "disk" */
	enum doctor_status status;
	char msg[512];
	char fix[512]; /* how to fix it; "" when status is OK or SKIP */
};

struct doctor_opts {
	const char *db;                 /* the database path */
	const char *key;                /* the ledger's private key path */
	const char *smtp_url;           /* smtp://host:port or smtps://; NULL: not configured */
	const char *smtp_from;          /* for the test mail */
	const char *smtp_username;      /* NULL: no authentication */
	const char *smtp_password_file; /* must be 0600 */
	const char *smtp_starttls;      /* "required" (NULL), "off", "opportunistic" */
	int smtp_no_verify;             /* notify.smtp.tls_verify: false */
	const char *test_mail_to;       /* send a test mail to this address; NULL: do not */
	const char *tsa_url;            /* NULL: not configured */
	const char *tsa_ca_file;
	int needs_icmp;   /* the profile has ICMP checks */
	double timeout_s; /* per network check */
	int lang;         /* enum sg_lang */
	/* For tests; NULL: the real files. */
	const char *ping_range_file; /* /proc/sys/net/ipv4/ping_group_range */
	long long min_free_bytes;    /* 0: 1 GiB */
};

struct doctor_report {
	struct doctor_finding *f;
	size_t n;
};

void doctor_run(const struct doctor_opts *o, struct doctor_report *out);
void doctor_report_release(struct doctor_report *r);

/* The worst status among the findings (OK when all are OK or SKIP). */
enum doctor_status doctor_worst(const struct doctor_report *r);

const char *doctor_status_label(enum doctor_status s, int lang);

#endif
