/* imap_flags: message flags as the lecture describes them (RFC 3501
 * section 2.3.2): the system flags \Seen \Answered \Flagged \Deleted
 * \Draft (and \Recent, which only the server sets) and keywords. Pure. */
#ifndef MAILPIPE_IMAP_FLAGS_H
#define MAILPIPE_IMAP_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define IMAP_FLAGS_KEYWORD_MAX	255	/* octets in a keyword */

/* Check one flag a user gave and write it to out as it goes on the wire:
 * a system flag in its canonical case ("\seen" -> "\Seen"), a keyword
 * as given. ERR_USAGE naming the flag for \Recent (clients cannot set
 * it), an unknown "\" flag, an empty flag, and a keyword that is not an
 * IMAP atom: characters ( ) { ] % * " \ space, control characters,
 * 8-bit octets, or longer than IMAP_FLAGS_KEYWORD_MAX. */
int imap_flags_check(const char *flag, char *out, size_t cap, struct mp_err *e);

/* The next of the blank-separated flags at *p, checked as by
 * imap_flags_check into out (at least IMAP_FLAGS_KEYWORD_MAX + 2 octets);
 * *p moves past it. 1 for a flag, 0 when only blanks are left, -1 with
 * ERR_USAGE for a flag that is not one or is too long. */
int imap_flags_next(const char **p, char *out, size_t cap, struct mp_err *e);

/* Whether the mailbox keeps flag across sessions, by its PERMANENTFLAGS
 * (space-separated, as sent): a flag listed there (any case), or a
 * keyword when "\*" is listed. Without PERMANENTFLAGS (has false) every
 * flag is kept (RFC 3501 7.1). */
bool imap_flags_permitted(const char *permanentflags, bool has,
	const char *flag);

#endif
