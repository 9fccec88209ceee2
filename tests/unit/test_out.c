/* MODULES: utf8 out */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "t.h"

static char *
render(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, s, n);
	fclose(f);
	return buf;
}

int
main(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *tsv, *json;
	} cases[] = {
		{ "plain text", 10, "plain text", "\"plain text\"" },
		{ "", 0, "", "\"\"" },
		{ "a\tb\nc\rd\\e", 9, "a\\tb\\nc\\rd\\\\e", "\"a\\tb\\nc\\rd\\\\e\"" },
		{ "say \"hi\"", 8, "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "\\Seen \\Flagged", 14, "\\\\Seen \\\\Flagged", "\"\\\\Seen \\\\Flagged\"" },
		{ "Gr\xc3\xbc\xc3\x9f" "e", 7, "Gr\xc3\xbc\xc3\x9f" "e", "\"Gr\xc3\xbc\xc3\x9f" "e\"" },
		{ "\xe6\x97\xa5\xe6\x9c\xac", 6, "\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"" },
		{ "\xf0\x9f\x93\xa7 mail", 9, "\xf0\x9f\x93\xa7 mail", "\"\xf0\x9f\x93\xa7 mail\"" },
		{ "bad \xff byte", 10, "bad \\xff byte", "\"bad \\\\xff byte\"" },
		{ "latin1 caf\xe9", 11, "latin1 caf\\xe9", "\"latin1 caf\\\\xe9\"" },
		{ "cut \xc3", 5, "cut \\xc3", "\"cut \\\\xc3\"" },
		{ "overlong \xc0\xaf", 11, "overlong \\xc0\\xaf", "\"overlong \\\\xc0\\\\xaf\"" },
		{ "surrogate \xed\xa0\x80", 13, "surrogate \\xed\\xa0\\x80",
		  "\"surrogate \\\\xed\\\\xa0\\\\x80\"" },
		{ "nul\0x", 5, "nul\\x00x", "\"nul\\u0000x\"" },
		{ "bell\a del\x7f", 10, "bell\\x07 del\\x7f", "\"bell\\u0007 del\\u007f\"" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *tsv = render(out_tsv_field, cases[i].in, cases[i].n);
		char *json = render(out_json_str, cases[i].in, cases[i].n);
		t_streq(tsv, cases[i].tsv, "TSV");
		t_streq(json, cases[i].json, "JSON");
		free(tsv);
		free(json);
	}
	return t_done();
}
