/* MODULES: utf8 uidlist seqset err
 * Fuzz target: the input read line by line as imapflag reads its
 * standard input. A line is refused with ERR_USAGE (naming its number)
 * and changes nothing, or is taken; the set then normalizes to ascending,
 * disjoint ranges of UIDs >= 1 whose written form reads back to the same
 * set. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uidlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct uidlist l, back;
	struct mp_err e;
	const char *p = (const char *)data, *end = p + n;
	char buf[200], want[32];
	size_t pos = 0, i, len;

	if (n > 65536)
		return 0;
	memset(&l, 0, sizeof l);
	memset(&back, 0, sizeof back);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t before = l.set.n;
		uint32_t uidvalidity = l.uidvalidity;
		char *mailbox = l.mailbox;

		if (uidlist_line(&l, p, k, &e) < 0) {
			/* Refused: named, and nothing else changed. */
			snprintf(want, sizeof want, "line %lu", l.lines);
			if (e.kind != ERR_USAGE && e.kind != ERR_INTERNAL)
				abort();
			if (strncmp(e.text, want, strlen(want)) != 0)
				abort();
			if (l.set.n != before || l.uidvalidity != uidvalidity ||
			    l.mailbox != mailbox)
				abort();
		} else {
			if (l.set.n < before)
				abort();
			if (uidvalidity != 0 && l.uidvalidity != uidvalidity)
				abort();
			if (mailbox != NULL && l.mailbox != mailbox)
				abort();
			if (l.mailbox != NULL && l.mailbox[0] == '\0')
				abort();
		}
		p = nl ? nl + 1 : end;
	}
	uidlist_finish(&l);
	for (i = 0; i < l.set.n; i++) {
		if (l.set.r[i].lo == 0 || l.set.r[i].lo > l.set.r[i].hi)
			abort();
		if (i > 0 && l.set.r[i].lo <= (uint64_t)l.set.r[i - 1].hi + 1)
			abort();
	}
	/* Written out in pieces, one a line, and read back. */
	while ((len = seqset_format(&l.set, &pos, buf, sizeof buf)) > 0) {
		if (len >= sizeof buf || uidlist_line(&back, buf, len, &e) < 0)
			abort();
	}
	if (pos != l.set.n)
		abort();
	uidlist_finish(&back);
	if (back.set.n != l.set.n ||
	    (l.set.n && memcmp(back.set.r, l.set.r, l.set.n * sizeof *l.set.r) != 0))
		abort();
	uidlist_free(&l);
	uidlist_free(&back);
	return 0;
}
