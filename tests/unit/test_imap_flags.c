/* MODULES: imap_flags err */
#include <string.h>

#include "imap_flags.h"
#include "t.h"

static void
check_flags(void)
{
	static const struct {
		const char *in, *out;	/* out NULL: refused */
		const char *why;	/* part of the message when refused */
	} cases[] = {
		{ "\\Seen", "\\Seen", NULL },
		{ "\\seen", "\\Seen", NULL },
		{ "\\ANSWERED", "\\Answered", NULL },
		{ "\\Flagged", "\\Flagged", NULL },
		{ "\\deleted", "\\Deleted", NULL },
		{ "\\Draft", "\\Draft", NULL },
		{ "$Label1", "$Label1", NULL },
		{ "Junk", "Junk", NULL },
		{ "$MDNSent", "$MDNSent", NULL },
		{ "a-b_c.d+e", "a-b_c.d+e", NULL },
		{ "\\Recent", NULL, "only the server" },
		{ "\\recent", NULL, "only the server" },
		{ "\\Important", NULL, "unknown system flag" },
		{ "\\", NULL, "unknown system flag" },
		{ "", NULL, "empty" },
		{ "two words", NULL, "space" },
		{ "a(b", NULL, "'('" },
		{ "a)b", NULL, "')'" },
		{ "a{3}", NULL, "'{'" },
		{ "a]", NULL, "']'" },
		{ "50%", NULL, "'%'" },
		{ "a*", NULL, "'*'" },
		{ "a\"b", NULL, "'\"'" },
		{ "a\\b", NULL, "'\\'" },
		{ "a\rb", NULL, "outside printable ASCII" },
		{ "a\nb", NULL, "outside printable ASCII" },
		{ "a\tb", NULL, "outside printable ASCII" },
		{ "K\xc3\xb6ln", NULL, "outside printable ASCII" },
		{ "a\x7f", NULL, "outside printable ASCII" },
	};
	char out[300];
	struct mp_err e;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = imap_flags_check(cases[i].in, out, sizeof out, &e);
		if (cases[i].out != NULL) {
			t_ok(r == 0 && strcmp(out, cases[i].out) == 0, "'%s' -> '%s'",
			    cases[i].in, cases[i].out);
		} else {
			t_ok(r == -1 && e.kind == ERR_USAGE &&
			    strstr(e.text, cases[i].why) != NULL, "'%s' refused: %s",
			    cases[i].in, e.text);
		}
	}
	/* Length: 255 octets fine, 256 refused. */
	char long_kw[300];
	memset(long_kw, 'k', 255);
	long_kw[255] = '\0';
	t_ok(imap_flags_check(long_kw, out, sizeof out, &e) == 0, "255-octet keyword");
	long_kw[255] = 'k';
	long_kw[256] = '\0';
	t_ok(imap_flags_check(long_kw, out, sizeof out, &e) == -1 &&
	    e.kind == ERR_USAGE, "256-octet keyword refused");
}

static void
check_permitted(void)
{
	const char *pf = "\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*";
	const char *closed = "\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known";

	t_ok(imap_flags_permitted(pf, true, "\\Seen"), "system flag listed");
	t_ok(imap_flags_permitted(pf, true, "$Anything"), "keyword with \\*");
	t_ok(imap_flags_permitted(closed, true, "$Known"), "listed keyword without \\*");
	t_ok(imap_flags_permitted(closed, true, "$known"), "  any case");
	t_ok(!imap_flags_permitted(closed, true, "$Other"), "other keyword without \\*");
	t_ok(!imap_flags_permitted("\\Seen \\*", true, "\\Deleted"),
	    "\\* does not cover a system flag not listed");
	t_ok(!imap_flags_permitted("", true, "\\Seen"), "PERMANENTFLAGS () keeps nothing");
	t_ok(imap_flags_permitted("", false, "$Any"), "no PERMANENTFLAGS: all kept");
	t_ok(!imap_flags_permitted("\\Seen $K", true, "$"), "a prefix is no match");
}

int
main(void)
{
	check_flags();
	check_permitted();
	return t_done();
}
