/*
 * debver - Debian version comparison; see debver.h. Follows dpkg's
 * lib/dpkg/version.c (order(), verrevcmp(), dpkg_version_compare()).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "debver.h"
#include "banned.h"

struct parts {
	long epoch;
	const char *up, *up_end;   /* upstream version */
	const char *rev, *rev_end; /* debian revision ("" when none) */
};

static void split(const char *s, struct parts *p)
{
	const char *colon = strchr(s, ':'), *hyphen, *end;

	while (*s == ' ')
		s++;
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		end--;
	p->epoch = 0;
	if (colon && colon < end) {
		p->epoch = strtol(s, NULL, 10);
		s = colon + 1;
	}
	hyphen = NULL;
	for (const char *q = s; q < end; q++)
		if (*q == '-')
			hyphen = q;
	p->up = s;
	p->up_end = hyphen ? hyphen : end;
	p->rev = hyphen ? hyphen + 1 : end;
	p->rev_end = end;
}

/* dpkg's order(): '~' < end < letters < other characters. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !isdigit((unsigned char)*a)) ||
		       (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? order((unsigned char)*a) : 0;
			int bc = b < be ? order((unsigned char)*b) : 0;
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && isdigit((unsigned char)*a) && b < be &&
		       isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

int debver_cmp(const char *a, const char *b)
{
	struct parts pa, pb;
	int r;

	split(a, &pa);
	split(b, &pb);
	if (pa.epoch != pb.epoch)
		return pa.epoch > pb.epoch ? 1 : -1;
	r = verrevcmp(pa.up, pa.up_end, pb.up, pb.up_end);
	if (r)
		return r;
	return verrevcmp(pa.rev, pa.rev_end, pb.rev, pb.rev_end);
}
