/* libFuzzer target: the notification template language (an override file
 * from a provider's templates directory): notify_template_check, and
 * rendering whatever it accepts with every variable set or empty; and the
 * LINE WORKS token response (hostile input from the network). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify_channels.h"
#include "notify_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sg_error err;
	struct notify_vars v;
	struct dynbuf s = DYNBUF_INIT, b = DYNBUF_INIT;
	size_t i = 0;

	memcpy(text, data, size);
	text[size] = 0;
	memset(&err, 0, sizeof(err));
	memset(&v, 0, sizeof(v));
	for (const char *const *n = notify_template_vars; *n; n++, i++)
		notify_vars_set(&v, *n, i % 2 ? "" : "値\nvalue");
	if (notify_template_check(text, "fuzz.txt", &err) == SG_OK) {
		notify_template_render(text, &v, &s, &b);
		if (strchr(dynbuf_ptr(&s), '\n') || !dynbuf_len(&b))
			abort(); /* a subject is one line; a body ends with a newline */
	}
	{
		char *token = NULL;
		double ttl = 0;
		if (notify_channel_token_parse((const char *)data, size, &token, &ttl, &err) ==
		        SG_OK &&
		    (!token || !*token || strpbrk(token, "\r\n") || !(ttl > 60) || ttl > 172800))
			abort();
		free(token);
	}
	dynbuf_release(&s);
	dynbuf_release(&b);
	free(text);
	return 0;
}
