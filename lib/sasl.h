/* sasl: the SASL PLAIN credentials (RFC 4616) the IMAP and POP3 logins
 * of lib/ send themselves. */
#ifndef MAILPIPE_SASL_H
#define MAILPIPE_SASL_H

#include <stddef.h>

#include "err.h"

#define SASL_PLAIN_MAX	1400	/* octets of base64 SASL PLAIN, NUL included */

/* Base64 of "\0user\0password" into out (cap at least SASL_PLAIN_MAX),
 * the clear text wiped after use. ERR_USAGE when the two are too long. */
int sasl_plain(const char *user, const char *password, char *out, size_t cap,
	struct mp_err *e);

#endif
