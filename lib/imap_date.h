/* imap_date: a message's date as the INTERNALDATE of an APPEND
 * (RFC 3501 "date-time": "17-Jul-1996 02:44:25 -0700"), from its Date
 * header field (RFC 5322 section 3.3, obsolete forms included) or from
 * the "From " separator line of an mbox. Pure. */
#ifndef MAILPIPE_IMAP_DATE_H
#define MAILPIPE_IMAP_DATE_H

#include <stddef.h>

#define IMAP_DATE_LEN	27	/* "17-Jul-1996 02:44:25 -0700" and a NUL */

/* The Date field's value s[0..n) ("Tue, 1 Jul 2003 10:52:37 +0200";
 * folding, comments and an obsolete zone name such as GMT or EST
 * allowed; a two-digit year is 19xx from 50 on, else 20xx) as an
 * INTERNALDATE in out (at least IMAP_DATE_LEN octets) with the field's
 * own offset. -1 when it is not a usable date: no zone, a day the month
 * does not have, a year before 1900 or after 9999, fields out of range. */
int imap_date_rfc5322(const char *s, size_t n, char *out, size_t cap);

/* The date of an mbox separator line[0..n) ("From alice@example.org Thu
 * Nov 27 12:11:00 2026", as asctime(3) writes it, maybe with a numeric
 * offset or a zone name before the year and "remote from ..." after), as
 * an INTERNALDATE in out; without a numeric offset it is taken as UTC.
 * -1 when the line holds no such date. */
int imap_date_mbox(const char *line, size_t n, char *out, size_t cap);

#endif
