/* smtp: the SMTP client (RFC 5321) over a conn: reply reader and
 * commands. */
#ifndef MAILPIPE_SMTP_H
#define MAILPIPE_SMTP_H

#include <stddef.h>

#include "conn.h"
#include "err.h"

#define SMTP_TEXT_MAX 4096	/* reply text kept; longer replies are cut */

struct smtp_reply {
	int code;		/* 200..599 */
	char enhanced[16];	/* "2.1.0" when the server sends one, else "" */
	char text[SMTP_TEXT_MAX]; /* the lines' texts joined by '\n' */
	size_t lines;
};

/* Called with each raw reply line (no CRLF) as it arrives. */
typedef void smtp_line_fn(void *arg, const char *line, size_t n);

/* Read one complete (possibly multi-line) reply into r; each raw line is
 * also handed to fn when it is not NULL. Every line must carry the same
 * three-digit code 2xx-5xx followed by '-' (more follow), ' ' or the end
 * of line: otherwise ERR_PROTOCOL. Connection loss: ERR_TEMP. */
int smtp_read_reply(struct conn *c, struct smtp_reply *r, smtp_line_fn *fn,
	void *arg, struct mp_err *e);

/* Parse one reply line: its code, whether it is the last line, and where
 * its text starts. -1 when the line is not a reply line. Pure. */
int smtp_parse_line(const char *line, size_t n, int *code, int *last,
	size_t *text_off);

/* What an EHLO reply offers (RFC 5321 and its extensions). */
struct smtp_caps {
	bool esmtp;		/* EHLO was accepted (else HELO) */
	bool pipelining;	/* RFC 2920 */
	bool eightbitmime;	/* RFC 6152 */
	bool smtputf8;		/* RFC 6531 */
	bool dsn;		/* RFC 3461 */
	bool chunking;		/* RFC 3030 BDAT */
	bool starttls;		/* RFC 3207 */
	bool enhanced;		/* RFC 2034 ENHANCEDSTATUSCODES */
	bool vrfy;		/* VRFY advertised (most servers take it anyway) */
	bool size;		/* RFC 1870 */
	unsigned long long size_max;	/* SIZE n; 0: no limit given */
	char auth[256];		/* AUTH mechanisms, blank-separated */
};

/* Fill caps from an EHLO reply's text (struct smtp_reply.text: the first
 * line is the server's name, each further line one extension). Pure. */
void smtp_caps_parse(const char *text, struct smtp_caps *caps);

/* Begin the session: on a session libcurl opened, take the capabilities
 * from the EHLO reply it read; on our own socket, read the greeting and
 * send EHLO `name` (the host name when NULL), falling back to HELO when
 * EHLO is refused with a 5xx. A 4xx greeting: ERR_TEMP; a 5xx greeting
 * or HELO refused: ERR_UNAVAILABLE. */
int smtp_start(struct conn *c, const char *name, struct smtp_caps *caps,
	struct mp_err *e);

/* Send QUIT and read the reply; a server that closes without one is fine.
 * -1 only when QUIT could not be sent. */
int smtp_quit(struct conn *c, struct mp_err *e);

#endif
