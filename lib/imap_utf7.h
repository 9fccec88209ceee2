/* imap_utf7: mailbox names between UTF-8 and IMAP's modified UTF-7
 * (RFC 3501 section 5.1.3). Pure. */
#ifndef MAILPIPE_IMAP_UTF7_H
#define MAILPIPE_IMAP_UTF7_H

#include <stddef.h>

#include "err.h"

/* UTF-8 name[0..n) to modified UTF-7 in *out (allocated, NUL-terminated).
 * ERR_DATA for invalid UTF-8 (overlong forms, surrogates, > U+10FFFF) or
 * a NUL. */
int imap_utf7_encode(const char *name, size_t n, char **out, struct mp_err *e);

/* Modified UTF-7 name[0..n) to UTF-8 in *out (allocated). ERR_PROTOCOL
 * (a server sent it) for: an unterminated or empty shift ("&" without
 * "-", other than "&-"), characters outside the base64 alphabet, non-zero
 * padding bits, a lone or reversed surrogate, encoded printable ASCII,
 * two shifts back to back, and octets outside 0x20..0x7e. */
int imap_utf7_decode(const char *name, size_t n, char **out, struct mp_err *e);

#endif
