/* MODULES: utf8 mime err */
#include <stdlib.h>

#include "mime.h"
#include "t.h"

/* Decode in[0..n) expecting success and want[0..wn); three checks. */
static void
check(const char *name, const char *in, size_t n, const char *want, size_t wn)
{
	char *out = NULL;
	size_t outlen = 12345;
	struct mp_err e;
	int r = mime_decode_header(in, n, &out, &outlen, &e);

	t_inteq(r, 0, name);
	if (!t_ok(out != NULL && outlen == wn && memcmp(out, want, wn) == 0,
	    "decoded"))
		printf("#   got:  '%s' (%zu)\n#   want: '%s' (%zu)\n",
		    out ? out : "(null)", outlen, want, wn);
	t_ok(out != NULL && out[outlen] == '\0' && outlen <= MIME_DECODE_MAX(n),
	    "terminated, within MIME_DECODE_MAX");
	free(out);
}

/* s repeated times times, NUL-terminated, in a new buffer. */
static char *
repeat(const char *s, size_t times)
{
	size_t l = strlen(s), i;
	char *b = malloc(l * times + 1);

	if (b == NULL)
		abort();
	for (i = 0; i < times; i++)
		memcpy(b + i * l, s, l);
	b[l * times] = '\0';
	return b;
}

int
main(void)
{
	static const struct {
		const char *name, *in, *want;
	} cases[] = {
		{ "RFC 2047 8: Keith Moore",
		  "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
		  "Keith Moore <moore@cs.utk.edu>" },
		{ "RFC 2047 8: Keld",
		  "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
		  "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>" },
		{ "RFC 2047 8: Andre",
		  "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
		  "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>" },
		{ "RFC 2047 8: folded B words, two charsets",
		  "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
		  "If you can read this you understand the example." },
		{ "RFC 2047 8: Olle",
		  "=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
		  "Olle J\xc3\xa4rnefors <ojarnef@admin.kth.se>" },
		{ "RFC 2047 8: plain subject",
		  "Time for ISO 10646?",
		  "Time for ISO 10646?" },
		{ "RFC 2047 8: Nathaniel Borenstein",
		  "Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
		  "Nathaniel Borenstein <nsb@thumper.bellcore.com>    (\xd7\x9d\xd7\x95\xd7\x9c\xd7\xa9 \xd7\x9f\xd7\x91 \xd7\x99\xd7\x9c\xd7\x98\xd7\xa4\xd7\xa0)" },
		{ "RFC 2047 8: Patrik",
		  "=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?= <paf@nada.kth.se>",
		  "Patrik F\xc3\xa4ltstr\xc3\xb6m <paf@nada.kth.se>" },
		{ "RFC 2047 8: (a)",
		  "(=?ISO-8859-1?Q?a?=)",
		  "(a)" },
		{ "RFC 2047 8: (a b)",
		  "(=?ISO-8859-1?Q?a?= b)",
		  "(a b)" },
		{ "RFC 2047 8: (ab) one space",
		  "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)",
		  "(ab)" },
		{ "RFC 2047 8: (ab) two spaces",
		  "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)",
		  "(ab)" },
		{ "RFC 2047 8: (ab) CRLF fold",
		  "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)",
		  "(ab)" },
		{ "RFC 2047 8: (a b) underscore",
		  "(=?ISO-8859-1?Q?a_b?=)",
		  "(a b)" },
		{ "RFC 2047 8: (a b) two charsets",
		  "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)",
		  "(a b)" },
		{ "LF fold with a tab",
		  "(=?ISO-8859-1?Q?a?=\n\t=?ISO-8859-1?Q?b?=)",
		  "(ab)" },
		{ "UTF-8 B, euro split over two words",
		  "=?UTF-8?B?4oI=?= =?utf-8?b?rA==?=",
		  "\xe2\x82\xac" },
		{ "UTF-8 Q, e-acute split, folded",
		  "=?utf-8?q?=C3?=\r\n =?UTF-8?Q?=A9t=C3=A9?=",
		  "\xc3\xa9t\xc3\xa9" },
		{ "split over two charsets stays raw",
		  "=?utf-8?q?=C3?= =?iso-8859-1?q?=A9?=",
		  "=?utf-8?q?=C3?= \xc2\xa9" },
		{ "joined invalid: each word alone",
		  "=?utf-8?q?ok?= =?utf-8?q?=FF?= =?utf-8?q?x?=",
		  "ok =?utf-8?q?=FF?= x" },
		{ "KOI8-R Q",
		  "=?koi8-r?Q?=F0=D2=C9=D7=C5=D4,_=CD=C9=D2?=",
		  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80" },
		{ "Windows-1251 B",
		  "=?windows-1251?B?z/Do4uXyLCDs6PA=?=",
		  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80" },
		{ "ISO-2022-JP B",
		  "=?ISO-2022-JP?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?=",
		  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88" },
		{ "ISO-2022-JP split in two words",
		  "=?iso-2022-jp?b?GyRCRnxL?= =?iso-2022-jp?b?XBsoQg==?=",
		  "\xe6\x97\xa5\xe6\x9c\xac" },
		{ "lowercase q, lowercase hex",
		  "=?iso-8859-1?q?caf=e9?=",
		  "caf\xc3\xa9" },
		{ "lowercase b",
		  "=?utf-8?b?w6k=?=",
		  "\xc3\xa9" },
		{ "B without padding",
		  "=?utf-8?B?w6k?=",
		  "\xc3\xa9" },
		{ "windows-1252 euro",
		  "=?windows-1252?Q?=80_5?=",
		  "\xe2\x82\xac 5" },
		{ "RFC 2231 language",
		  "=?US-ASCII*EN?Q?Keith_Moore?=",
		  "Keith Moore" },
		{ "language with region, joined",
		  "=?utf-8*fr-CA?B?w6k=?= =?UTF-8*en?Q?t=C3=A9?=",
		  "\xc3\xa9t\xc3\xa9" },
		{ "empty language kept raw",
		  "=?utf-8*?q?a?=",
		  "=?utf-8*?q?a?=" },
		{ "unknown charset kept raw",
		  "=?x-no-such-charset?Q?abc?=",
		  "=?x-no-such-charset?Q?abc?=" },
		{ "unknown charset next to a good word",
		  "=?x-unknown?q?a?= =?utf-8?q?b?= c",
		  "=?x-unknown?q?a?= b c" },
		{ "iconv option in charset kept raw",
		  "=?utf-8//IGNORE?q?a=FFb?=",
		  "=?utf-8//IGNORE?q?a=FFb?=" },
		{ "charset name too long",
		  "=?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx?q?a?=",
		  "=?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx?q?a?=" },
		{ "bad base64 character",
		  "=?utf-8?B?w6k*?=",
		  "=?utf-8?B?w6k*?=" },
		{ "base64 length 4n+1",
		  "=?utf-8?B?w6kAw?=",
		  "=?utf-8?B?w6kAw?=" },
		{ "base64 padding inside",
		  "=?utf-8?b?w6k=w6k=?=",
		  "=?utf-8?b?w6k=w6k=?=" },
		{ "bad Q escape",
		  "=?utf-8?q?a=4?= =?utf-8?q?=G1?=",
		  "=?utf-8?q?a=4?= =?utf-8?q?=G1?=" },
		{ "invalid UTF-8 kept raw",
		  "=?utf-8?q?caf=E9?=",
		  "=?utf-8?q?caf=E9?=" },
		{ "8-bit in us-ascii kept raw",
		  "=?us-ascii?q?=80?=",
		  "=?us-ascii?q?=80?=" },
		{ "decoded NUL kept raw",
		  "=?utf-8?q?a=00b?= =?iso-8859-1?b?AA==?=",
		  "=?utf-8?q?a=00b?= =?iso-8859-1?b?AA==?=" },
		{ "unknown encoding",
		  "=?utf-8?x?abc?=",
		  "=?utf-8?x?abc?=" },
		{ "=? without close",
		  "Re: =?utf-8?q?abc",
		  "Re: =?utf-8?q?abc" },
		{ "=? then ? only",
		  "a =? b =?utf-8?q?abc? d",
		  "a =? b =?utf-8?q?abc? d" },
		{ "blank inside a word",
		  "=?utf-8?q?a b?=",
		  "=?utf-8?q?a b?=" },
		{ "empty encoded text",
		  "a =?utf-8?q?\?= b",
		  "a  b" },
		{ "empty B text",
		  "=?utf-8?b?\?=",
		  "" },
		{ "=?=? before a word",
		  "=?=?utf-8?q?x?=",
		  "=?x" },
		{ "word next to text",
		  "x=?utf-8?q?=C3=A9?=y",
		  "x\xc3\xa9y" },
		{ "words without blanks between",
		  "=?utf-8?q?a?==?utf-8?q?b?=",
		  "ab" },
		{ "quoted display name",
		  "\"=?utf-8?q?J=C3=B6rg?= M\" <j@example.org>",
		  "\"J\xc3\xb6rg M\" <j@example.org>" },
		{ "8-bit passthrough",
		  "Caf\xe9 =?utf-8?q?=C3=A9?= \xff",
		  "Caf\xe9 \xc3\xa9 \xff" },
		{ "unfold CRLF and LF",
		  "a\r\n b\n\tc",
		  "a b\tc" },
		{ "line ends not folds kept",
		  "a\r\nb\nc\r\n",
		  "a\r\nb\nc\r\n" },
		{ "TSCII within bound",
		  "=?TSCII?B?gg==?=",
		  "\xe0\xae\xb8\xe0\xaf\x8d\xe0\xae\xb0\xe0\xaf\x80" },
		{ "TSCII beyond 3x kept raw",
		  "=?TSCII?B?goKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKC?=",
		  "=?TSCII?B?goKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKC?=" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(cases[i].name, cases[i].in, strlen(cases[i].in), cases[i].want,
		    strlen(cases[i].want));

	/* A NUL outside encoded-words is kept: *outlen counts it. */
	check("raw NUL passed through", "a\0b =?utf-8?q?c?=", 17, "a\0b c", 5);
	check("empty input", "", 0, "", 0);
	check("latin1 alias through iconv", "=?latin1?q?=E9?=", 16, "\xc3\xa9", 2);
	{
		/* Many folded words in one run; a long plain value; one long
		 * word; the worst ratio a common charset reaches (B of
		 * windows-1252 octets that are 3 UTF-8 octets each). */
		char *in = repeat("=?utf-8?b?w6k=?=\r\n ", 2000);
		char *want = repeat("\xc3\xa9", 2001);
		char *tmp;

		/* The last fold leaves its blank, after the last word. */
		want[4000] = ' ';
		check("2000 folded words", in, strlen(in), want, 4001);
		free(in);
		free(want);
		in = repeat("plain text \xff, ", 20000);
		check("long plain value", in, strlen(in), in, strlen(in));
		free(in);
		tmp = repeat("4oKs", 50000);
		in = malloc(strlen(tmp) + 32);
		want = repeat("\xe2\x82\xac", 50000);
		memcpy(in, "=?UTF-8?B?", 10);
		memcpy(in + 10, tmp, strlen(tmp));
		memcpy(in + 10 + strlen(tmp), "?=", 3);
		check("one long word", in, strlen(in), want, strlen(want));
		free(in);
		free(tmp);
		free(want);
		in = repeat("=?windows-1252?b?gICAgICAgICA?=", 1000);
		want = repeat("\xe2\x82\xac", 9000);
		check("windows-1252 B euros", in, strlen(in), want, strlen(want));
		free(in);
		free(want);
	}
	{
		/* The 1 MiB cap: exactly MIME_HEADER_MAX is decoded. */
		char *in = malloc(MIME_HEADER_MAX + 1), *out = in;
		size_t outlen = 1;
		struct mp_err e;
		int r;

		if (in == NULL)
			abort();
		memset(in, 'a', MIME_HEADER_MAX + 1);
		memcpy(in, "=?utf-8?q?=C3=A9?=", 18);
		r = mime_decode_header(in, MIME_HEADER_MAX + 1, &out, &outlen, &e);
		t_inteq(r, -1, "over 1 MiB refused");
		t_ok(r < 0 && e.kind == ERR_DATA && strstr(e.text, "longer than"),
		    "as bad data: %s", r < 0 ? e.text : "");
		t_ok(out == NULL && outlen == 0, "no output");
		r = mime_decode_header(in, MIME_HEADER_MAX, &out, &outlen, &e);
		t_inteq(r, 0, "1 MiB accepted");
		t_ok(r == 0 && outlen == MIME_HEADER_MAX - 16 &&
		    memcmp(out, "\xc3\xa9" "aaa", 5) == 0 && out[outlen] == '\0' &&
		    out[outlen - 1] == 'a', "1 MiB decoded");
		free(out);
		free(in);
	}
	return t_done();
}
