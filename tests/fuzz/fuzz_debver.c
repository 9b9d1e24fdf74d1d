/* libFuzzer target: Debian version comparison must be a consistent order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debver.h"

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t la = nl ? (size_t)(nl - data) : size;
	char *a = malloc(la + 1), *b;
	size_t lb = nl ? size - la - 1 : 0;

	memcpy(a, data, la);
	a[la] = '\0';
	b = malloc(lb + 1);
	if (lb)
		memcpy(b, nl + 1, lb);
	b[lb] = '\0';
	if (sign(debver_cmp(a, b)) != -sign(debver_cmp(b, a)))
		abort(); /* antisymmetric */
	if (debver_cmp(a, a) != 0)
		abort(); /* reflexive */
	free(a);
	free(b);
	return 0;
}
