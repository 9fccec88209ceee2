/* MODULES: conn err utf8 trace
 * Fuzz target: URL parsing accepts only our schemes, never a password,
 * and never yields a control character. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct conn_url u;
	struct mp_err e;
	char *s;

	if (n > 4096)
		return 0;
	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	if (conn_url_parse(s, &u, &e) == 0) {
		if (u.host == NULL || u.port == 0 || u.port > 65535)
			abort();
		if (u.user != NULL && strpbrk(u.user, "\r\n") != NULL)
			abort();
		conn_url_free(&u);
	} else if (e.kind != ERR_USAGE && e.kind != ERR_INTERNAL) {
		abort();
	}
	free(s);
	return 0;
}
