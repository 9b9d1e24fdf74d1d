/*
 * hex - lowercase hexadecimal text of bytes (hashes, nonces), the one
 * encoder behind every digest saasguard prints or stores. Owns no memory:
 * the caller passes the output buffer.
 */
#ifndef SG_HEX_H
#define SG_HEX_H

#include <stddef.h>

/* Writes 2*n lowercase hex digits and a NUL to out (2*n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

#endif
