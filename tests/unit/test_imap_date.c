/* MODULES: imap_date */
#include <string.h>

#include "imap_date.h"
#include "t.h"

static void
check_rfc5322(void)
{
	static const struct {
		const char *in, *out;	/* out NULL: not usable */
	} cases[] = {
		{ "Tue, 1 Jul 2003 10:52:37 +0200", "01-Jul-2003 10:52:37 +0200" },
		{ " Fri, 21 Nov 1997 09:55:06 -0600", "21-Nov-1997 09:55:06 -0600" },
		{ "21 Nov 97 09:55:06 GMT", "21-Nov-1997 09:55:06 +0000" },
		{ "1 Jan 2049 00:00 EST", "01-Jan-2049 00:00:00 -0500" },
		{ "1 Jan 49 00:00:00 +0000", "01-Jan-2049 00:00:00 +0000" },
		{ "Thu,\r\n 13 Feb 1969 23:32:54 -0330 (Newfoundland Time)",
		  "13-Feb-1969 23:32:54 -0330" },
		{ "Mon, 29 Feb 2016 12:00:00 +0100", "29-Feb-2016 12:00:00 +0100" },
		{ "Sat, 31 Dec 2016 23:59:60 +0000", "31-Dec-2016 23:59:59 +0000" },
		{ "Mon, 29 Feb 2015 12:00:00 +0100", NULL },
		{ "31 Apr 2020 10:00:00 +0000", NULL },
		{ "1 Jul 2003 10:52:37", NULL },	/* no zone */
		{ "1 Jul 2003 24:00:00 +0000", NULL },
		{ "1 Jul 2003 10:60:00 +0000", NULL },
		{ "1 Jul 2003 10:00:00 +0260", NULL },
		{ "1 Foo 2003 10:00:00 +0000", NULL },
		{ "1 Jul 1899 10:00:00 +0000", NULL },
		{ "yesterday", NULL },
		{ "", NULL },
	};
	char out[IMAP_DATE_LEN];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = imap_date_rfc5322(cases[i].in, strlen(cases[i].in), out,
		    sizeof out);
		if (cases[i].out == NULL)
			t_ok(r < 0, "rfc5322 '%s': refused", cases[i].in);
		else if (t_ok(r == 0, "rfc5322 '%s': usable", cases[i].in))
			t_streq(out, cases[i].out, cases[i].in);
	}
	t_ok(imap_date_rfc5322("1 Jul 2003 10:52:37 +0200", 25, out, 10) < 0,
	    "rfc5322: a buffer too small");
}

static void
check_mbox(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "From alice@example.org Thu Nov 27 12:11:00 2026",
		  "27-Nov-2026 12:11:00 +0000" },
		{ "From MAILER-DAEMON Mon Jan  6 08:05:09 2025",
		  "06-Jan-2025 08:05:09 +0000" },
		{ "From carol Wed Mar 12 00:00:00 +0100 2025",
		  "12-Mar-2025 00:00:00 +0100" },
		{ "From bob Wed Mar 12 00:00:00 EST 2025",
		  "12-Mar-2025 00:00:00 -0500" },
		{ "From bob@x Sat Jan  3 01:05:34 1996 remote from y",
		  "03-Jan-1996 01:05:34 +0000" },
		{ "From  Thu Nov 27 12:11 2026", "27-Nov-2026 12:11:00 +0000" },
		{ "From alice@example.org", NULL },
		{ "From x Thu Nov 31 12:11:00 2026", NULL },
		{ "From x Thu Nov 27 12:11:00", NULL },
		{ "Subject: Thu Nov 27 12:11:00 2026", NULL },
	};
	char out[IMAP_DATE_LEN];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = imap_date_mbox(cases[i].in, strlen(cases[i].in), out,
		    sizeof out);
		if (cases[i].out == NULL)
			t_ok(r < 0, "mbox '%s': refused", cases[i].in);
		else if (t_ok(r == 0, "mbox '%s': usable", cases[i].in))
			t_streq(out, cases[i].out, cases[i].in);
	}
}

int
main(void)
{
	check_rfc5322();
	check_mbox();
	return t_done();
}
