/* MODULES: utf8 */
#include <string.h>

#include "t.h"
#include "utf8.h"

int
main(void)
{
	static const struct {
		const char *in;
		size_t n, len;
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 1, 0x41 },
		{ "", 1, 1, 0 },			/* NUL is ASCII */
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xe2\x82\xac", 3, 3, 0x20ac },
		{ "\xf0\x9f\x93\xa7", 4, 4, 0x1f4e7 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xc3", 1, 0, 0 },			/* cut short */
		{ "\xe2\x82", 2, 0, 0 },
		{ "\x80", 1, 0, 0 },			/* stray continuation */
		{ "\xc0\xaf", 2, 0, 0 },		/* overlong */
		{ "\xc1\xbf", 2, 0, 0 },
		{ "\xe0\x80\xaf", 3, 0, 0 },
		{ "\xf0\x80\x80\xaf", 4, 0, 0 },
		{ "\xed\xa0\x80", 3, 0, 0 },		/* surrogate */
		{ "\xed\xbf\xbf", 3, 0, 0 },
		{ "\xf4\x90\x80\x80", 4, 0, 0 },	/* past U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, 0, 0 },
		{ "\xc3\x28", 2, 0, 0 },		/* bad continuation */
		{ "\xff", 1, 0, 0 },
	};
	size_t i;
	uint32_t cp;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cp = 0xdeadbeef;
		size_t len = utf8_decode((const unsigned char *)cases[i].in, cases[i].n, &cp);
		t_ok(len == cases[i].len && (len == 0 || cp == cases[i].cp),
		    "case %zu: length %zu, U+%04X", i, len, len ? (unsigned)cp : 0u);
	}
	t_ok(utf8_valid((const unsigned char *)"Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5", 11),
	    "valid text");
	t_ok(utf8_valid((const unsigned char *)"", 0), "empty is valid");
	t_ok(!utf8_valid((const unsigned char *)"ok \xed\xa0\x80", 6), "a surrogate inside");
	t_ok(!utf8_valid((const unsigned char *)"cut \xe2\x82", 6), "cut at the end");
	return t_done();
}
