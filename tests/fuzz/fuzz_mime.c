/* MODULES: utf8 mime err
 * Fuzz target: RFC 2047 header decoding. Never fails but for its 1 MiB
 * cap or memory, the output is NUL-terminated, at most MIME_DECODE_MAX
 * octets, holds a NUL only where the input had one, and a value without
 * "=?" comes out as it went in, only unfolded. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

/* s[0..n) without the CRLF or LF before each blank, into u; its length. */
static size_t
unfold(const char *s, size_t n, char *u)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (n - i >= 3 && s[i] == '\r' && s[i + 1] == '\n' &&
		    (s[i + 2] == ' ' || s[i + 2] == '\t'))
			i += 2;
		else if (n - i >= 2 && s[i] == '\n' &&
		    (s[i + 1] == ' ' || s[i + 1] == '\t'))
			i += 1;
		else
			u[k++] = s[i++];
	}
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char *s = (const char *)data;
	char *out = NULL, *u;
	size_t outlen = 0, ulen, i;
	bool encoded = false;
	struct mp_err e;

	if (mime_decode_header(s, n, &out, &outlen, &e) < 0) {
		if (out != NULL || outlen != 0)
			abort();
		if (e.kind != ERR_INTERNAL && !(e.kind == ERR_DATA &&
		    n > MIME_HEADER_MAX))
			abort();
		return 0;
	}
	if (n > MIME_HEADER_MAX || out == NULL || out[outlen] != '\0' ||
	    outlen > MIME_DECODE_MAX(n))
		abort();
	if (memchr(s, '\0', n) == NULL && memchr(out, '\0', outlen) != NULL)
		abort();
	for (i = 0; i + 1 < n && !encoded; i++)
		encoded = s[i] == '=' && s[i + 1] == '?';
	if (!encoded) {
		u = malloc(n + 1);
		if (u == NULL)
			abort();
		ulen = unfold(s, n, u);
		if (ulen != outlen || memcmp(u, out, ulen) != 0)
			abort();
		free(u);
	}
	free(out);
	return 0;
}
