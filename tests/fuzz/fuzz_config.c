/* MODULES: account err utf8
 * Fuzz target: the config file parser must never crash, leak or accept a
 * file and then report an error for the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const char *names[] = { NULL, "a", "default", "work" };
	struct account a;
	struct mp_err e;
	bool found;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		int r = account_parse((const char *)data, n, "fuzz", names[i], &a,
		    &found, &e);
		if (r < 0 && (found || e.kind != ERR_CONFIG))
			abort();
		if (r == 0 && found && a.name == NULL)
			abort();
		account_free(&a);
	}
	return 0;
}
