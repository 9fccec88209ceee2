/* out: JSON and TSV escaping. */
#include "out.h"

#include <stdint.h>

#include "utf8.h"

/* Length of the valid UTF-8 sequence at s (at most n octets), or 0. */
static size_t
out_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;

	return utf8_decode(s, n, &cp);
}

/* Whether byte c can be written as it is: printable ASCII other than
 * the backslash, and (JSON) the double quote. */
static int
out_plain(unsigned char c, int json)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && (!json || c != '"');
}

/* Write runs of plain bytes with one fwrite each: a listing writes
 * millions of bytes, and putc per byte was most of imapls's output time. */
void
out_json_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;

	putc('"', f);
	while (i < n) {
		for (run = i; run < n && out_plain(p[run], 1); run++)
			;
		if (run > i) {
			fwrite(p + i, 1, run - i, f);
			i = run;
			continue;
		}
		size_t len = out_utf8_len(p + i, n - i);
		if (len == 0) {
			/* Shown, not dropped: the text \xNN. */
			fprintf(f, "\\\\x%02x", p[i]);
			i++;
			continue;
		}
		if (len > 1) {
			fwrite(p + i, 1, len, f);
			i += len;
			continue;
		}
		switch (p[i]) {
		case '"':	fputs("\\\"", f); break;
		case '\\':	fputs("\\\\", f); break;
		case '\n':	fputs("\\n", f); break;
		case '\r':	fputs("\\r", f); break;
		case '\t':	fputs("\\t", f); break;
		default:	fprintf(f, "\\u%04x", p[i]); break;
		}
		i++;
	}
	putc('"', f);
}

void
out_tsv_field(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;

	while (i < n) {
		for (run = i; run < n && out_plain(p[run], 0); run++)
			;
		if (run > i) {
			fwrite(p + i, 1, run - i, f);
			i = run;
			continue;
		}
		size_t len = out_utf8_len(p + i, n - i);
		if (len > 1) {
			fwrite(p + i, 1, len, f);
			i += len;
			continue;
		}
		switch (len == 0 ? -1 : p[i]) {
		case '\t':	fputs("\\t", f); break;
		case '\n':	fputs("\\n", f); break;
		case '\r':	fputs("\\r", f); break;
		case '\\':	fputs("\\\\", f); break;
		default:	fprintf(f, "\\x%02x", p[i]); break;
		}
		i++;
	}
}
