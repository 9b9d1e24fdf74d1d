/* libFuzzer target: redact_url() over any string (check URLs come from
 * profiles; webhook URLs too). The input is split at the first NUL byte:
 * the URL, then secret parameter names separated by newlines. Besides
 * memory safety: the result is never NULL and a password in the URL's
 * userinfo never survives, in either mode (exact names, and
 * REDACT_CONTAINS as notify uses it), and redact_url_ex() says it took
 * something out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2), *url, *extra, *out, *out2;
	const char *names[8] = {NULL};
	size_t n = 0;
	int redacted = -1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	buf[size + 1] = 0;
	url = buf;
	extra = buf + strlen(buf) + 1;
	if (extra <= buf + size)
		for (char *t = strtok(extra, "\n"); t && n < 7; t = strtok(NULL, "\n"))
			names[n++] = t;
	out = redact_url(url, names);
	out2 = redact_url_ex(url, names, REDACT_CONTAINS, &redacted);
	if (!out || !out2 || (redacted != 0 && redacted != 1))
		abort();
	{
		/* A password the URL parser sees (and that appears nowhere else in
		 * the URL) must not survive. */
		CURLU *u = curl_url();
		char *pw = NULL;
		if (u && !curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) &&
		    !curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) && pw && strlen(pw) >= 8) {
			int seen = 0;
			for (const char *q = strstr(url, pw); q; q = strstr(q + 1, pw))
				seen++;
			if (seen == 1 && (strstr(out, pw) || strstr(out2, pw) || !redacted))
				abort();
		}
		curl_free(pw);
		curl_url_cleanup(u);
	}
	free(out);
	free(out2);
	free(buf);
	return 0;
}
