/* MODULES: utf8 imap_utf7 err
 * Fuzz target: modified UTF-7 both ways. A name the decoder accepts
 * encodes back to exactly the same octets (there is one spelling of each
 * name), and valid UTF-8 survives encode then decode unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_utf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char *s = (const char *)data;
	char *a = NULL, *b = NULL;
	struct mp_err e;

	if (n > 4096)
		return 0;
	if (imap_utf7_decode(s, n, &a, &e) == 0) {
		if (imap_utf7_encode(a, strlen(a), &b, &e) < 0)
			abort();
		if (strlen(b) != n || memcmp(b, s, n) != 0)
			abort();
	} else if (e.kind != ERR_PROTOCOL && e.kind != ERR_INTERNAL) {
		abort();
	}
	free(a);
	free(b);
	a = b = NULL;
	if (memchr(s, '\0', n) == NULL && imap_utf7_encode(s, n, &a, &e) == 0) {
		if (imap_utf7_decode(a, strlen(a), &b, &e) < 0)
			abort();
		if (strlen(b) != n || memcmp(b, s, n) != 0)
			abort();
	}
	free(a);
	free(b);
	return 0;
}
