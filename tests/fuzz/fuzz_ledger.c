/* libFuzzer target: what the ledger reads back from a database someone may
 * have edited: tree head texts (ledger_head_parse) and RFC 3161 tokens
 * (ledger_tsa_check). The first byte picks which. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledger_tsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_head_info h;
	long long at;
	char *s, *again;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		ledger_tsa_check(data + 1, size - 1, "head", 4, NULL, &at, NULL);
		return 0;
	}
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (ledger_head_parse(s, &h) == 0) {
		/* A head that parses is exactly the text made from its values. */
		again = ledger_head_text(&h);
		if (strcmp(again, s))
			abort();
		free(again);
	}
	free(s);
	return 0;
}
