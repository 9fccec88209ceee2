/* MODULES: utf8 imap_utf7 err */
#include <stdlib.h>

#include "imap_utf7.h"
#include "t.h"

int
main(void)
{
	static const struct {
		const char *utf8, *mutf7;
	} both[] = {
		/* RFC 3501 section 5.1.3. */
		{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
		{ "INBOX", "INBOX" },
		{ "", "" },
		{ "Tom & Jerry", "Tom &- Jerry" },
		{ "&", "&-" },
		{ "Gr\xc3\xbc\xc3\x9f" "e", "Gr&APwA3w-e" },
		{ "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "&BB8EQAQ4BDIENQRC-" },
		{ "\xf0\x9f\x93\xa7 mail", "&2D3c5w- mail" },
		{ "a\xc3\xa9&b", "a&AOk-&-b" },
	};
	static const struct {
		const char *mutf7, *why;
	} bad[] = {
		{ "&U,BTFw", "shift without its '-'" },
		{ "&-&", "shift without its '-'" },
		{ "&-", NULL },
		{ "a&-b&-", NULL },
		{ "&AGE-", "printable ASCII encoded" },
		{ "&U,B!Fw-", "not in the base64 alphabet" },
		{ "&U,BTFw-&ZeVnLIqe-", "two shifts back to back" },
		{ "&2D0-", "lone surrogate" },
		{ "&3cc-", "lone surrogate" },
		{ "&AOl-", "bad padding" },
		{ "&-x\x80", "octet outside printable ASCII" },
		{ "a\tb", "octet outside printable ASCII" },
		{ "&AAA-", "NUL encoded" },
		{ "&AOkA-", "bad padding" },
	};
	size_t i;

	for (i = 0; i < sizeof both / sizeof both[0]; i++) {
		char *out = NULL;
		struct mp_err e;

		t_inteq(imap_utf7_encode(both[i].utf8, strlen(both[i].utf8), &out, &e), 0,
		    both[i].mutf7);
		t_streq(out, both[i].mutf7, "encoded");
		free(out);
		t_inteq(imap_utf7_decode(both[i].mutf7, strlen(both[i].mutf7), &out, &e), 0,
		    "decodes");
		t_streq(out, both[i].utf8, "decoded");
		free(out);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *out = NULL;
		struct mp_err e;
		int r = imap_utf7_decode(bad[i].mutf7, strlen(bad[i].mutf7), &out, &e);

		if (bad[i].why == NULL) {
			t_inteq(r, 0, bad[i].mutf7);
		} else {
			t_inteq(r, -1, bad[i].mutf7);
			t_ok(r < 0 && e.kind == ERR_PROTOCOL && strstr(e.text, bad[i].why),
			    "why: %s", r < 0 ? e.text : "");
		}
		free(out);
	}
	{
		static const char *invalid[] = {
			"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff",
		};
		for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
			char *out = NULL;
			struct mp_err e;
			t_inteq(imap_utf7_encode(invalid[i], strlen(invalid[i]), &out, &e), -1,
			    "invalid UTF-8 refused");
			t_inteq(e.kind, ERR_DATA, "as bad data");
			free(out);
		}
	}
	{
		/* Round trip over every BMP character that is not ASCII or a
		 * surrogate, in names of three. */
		unsigned cp;
		int fails = 0;
		for (cp = 0x80; cp < 0x10000; cp += 7) {
			char in[16], *enc = NULL, *dec = NULL;
			struct mp_err e;
			size_t k = 0;
			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			in[k++] = 'x';
			if (cp < 0x800) {
				in[k++] = (char)(0xc0 | cp >> 6);
				in[k++] = (char)(0x80 | (cp & 0x3f));
			} else {
				in[k++] = (char)(0xe0 | cp >> 12);
				in[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				in[k++] = (char)(0x80 | (cp & 0x3f));
			}
			in[k++] = 'y';
			in[k] = '\0';
			if (imap_utf7_encode(in, k, &enc, &e) < 0 ||
			    imap_utf7_decode(enc, strlen(enc), &dec, &e) < 0 ||
			    strcmp(dec, in) != 0)
				fails++;
			free(enc);
			free(dec);
		}
		t_inteq(fails, 0, "round trip over the BMP");
	}
	return t_done();
}
