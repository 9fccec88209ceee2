/* MODULES: seqset err utf8
 * Fuzz target: whatever a user types as UIDs is refused with ERR_USAGE or
 * becomes ascending, disjoint ranges whose written form reads back to the
 * same set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seqset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct seqset s = { NULL, 0, 0 }, back = { NULL, 0, 0 };
	struct mp_err e;
	char buf[200];
	size_t pos = 0, i, len;

	if (n > 4096)
		return 0;
	if (seqset_parse(&s, (const char *)data, n, &e) < 0) {
		if (e.kind != ERR_USAGE && e.kind != ERR_INTERNAL)
			abort();
		seqset_free(&s);
		return 0;
	}
	seqset_normalize(&s);
	for (i = 0; i < s.n; i++) {
		if (s.r[i].lo == 0 || s.r[i].lo > s.r[i].hi)
			abort();
		if (i > 0 && s.r[i].lo <= (uint64_t)s.r[i - 1].hi + 1)
			abort();
	}
	while ((len = seqset_format(&s, &pos, buf, sizeof buf)) > 0) {
		if (len >= sizeof buf || seqset_parse(&back, buf, len, &e) < 0)
			abort();
	}
	if (pos != s.n)
		abort();
	seqset_normalize(&back);
	if (back.n != s.n || (s.n && memcmp(back.r, s.r, s.n * sizeof *s.r) != 0))
		abort();
	seqset_free(&s);
	seqset_free(&back);
	return 0;
}
