/* MODULES: imap_flags err utf8 */
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

static void
check_next(void)
{
	char out[IMAP_FLAGS_KEYWORD_MAX + 2], longer[300];
	const char *p = "  \\seen\t$Label  \\FLAGGED ";
	struct mp_err e;

	t_inteq(imap_flags_next(&p, out, sizeof out, &e), 1, "next: first");
	t_streq(out, "\\Seen", "  normalized");
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), 1, "next: after a tab");
	t_streq(out, "$Label", "  a keyword");
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), 1, "next: third");
	t_streq(out, "\\Flagged", "  normalized");
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), 0, "next: only blanks left");
	p = "";
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), 0, "next: empty");
	p = "ok \\Recent";
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), 1, "next: ok");
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), -1, "next: \\Recent refused");
	t_inteq(e.kind, ERR_USAGE, "  ERR_USAGE");
	memset(longer, 'k', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	p = longer;
	t_inteq(imap_flags_next(&p, out, sizeof out, &e), -1, "next: 299 octets refused");
	t_ok(strstr(e.text, "longer than 255") != NULL, "  says so");
}

int
main(void)
{
	check_flags();
	check_permitted();
	check_next();
	return t_done();
}
