/* smtp: the SMTP client (RFC 5321) over a conn: reply reader and
 * commands. */
#ifndef MAILPIPE_SMTP_H
#define MAILPIPE_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
	char banner[512];	/* the greeting line, code included */
	char name[256];		/* the name the server gave in its EHLO reply */
	char extensions[2048];	/* the EHLO reply's extension lines, '\n'-separated */
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

enum smtp_verb { SMTP_MAIL, SMTP_SEND, SMTP_SOML, SMTP_SAML };

/* One recipient and what the server said to it. */
struct smtp_rcpt {
	const char *addr;	/* the path, without <> */
	int code;		/* its reply code; 0 when none came */
	char enhanced[16];
	char text[256];
};

struct smtp_envelope {
	enum smtp_verb verb;	/* MAIL, or the lecture's SEND/SOML/SAML */
	const char *from;	/* reverse-path without <>; "" is the null path */
	struct smtp_rcpt *rcpts;
	size_t nrcpts;
	unsigned long long size; /* the message's octets (SIZE=), 0: unknown */
	bool eightbit;		/* BODY=8BITMIME */
	bool eightbit_unknown;	/* not known yet: BODY=8BITMIME when offered */
	bool smtputf8;		/* an address is UTF-8: SMTPUTF8 */
	const char *dsn_notify;	/* "SUCCESS,FAILURE,DELAY" or "NEVER", or NULL */
	const char *dsn_ret;	/* "FULL" or "HDRS", or NULL */
	const char *dsn_envid;	/* or NULL */
	bool partial;		/* send to the accepted when some are refused */
};

/* The message: fills buf with up to cap octets of CRLF-terminated lines
 * (not dot-stuffed); returns the count, 0 at the end, -1 with e set (the
 * transfer is then abandoned by dropping the connection). */
typedef ssize_t smtp_body_fn(void *arg, char *buf, size_t cap,
	struct mp_err *e);

struct smtp_result {
	size_t accepted;	/* recipients accepted */
	struct smtp_reply reply; /* the final reply to the message, or the
				 * reply that stopped the transaction */
	bool data_sent;		/* the whole message went to the server */
};

/* Submit one message: MAIL (or SEND/SOML/SAML) FROM with SIZE, BODY,
 * SMTPUTF8 and DSN parameters as needed, RCPT TO for each recipient
 * (each one's reply is stored in env->rcpts), then DATA with
 * dot-stuffing, or BDAT for a small message when CHUNKING allows sending
 * it with the envelope. With PIPELINING the envelope goes in one write,
 * and so does DATA when waiting for the recipients' replies cannot change
 * anything (one recipient, or env->partial). When a recipient is refused
 * and env->partial is not set, the transaction is abandoned with RSET
 * before any data is sent. Returns 0 once the server has accepted the
 * message (for all recipients, or with partial for res->accepted of
 * them); otherwise -1 and e says why: ERR_DATA (8-bit or UTF-8 that the
 * server cannot take), ERR_UNAVAILABLE (over the SIZE limit, DSN not
 * offered), ERR_NOUSER (a recipient refused with 5xx), ERR_TEMP (a
 * recipient refused with 4xx only, or the connection lost), ERR_REPLY
 * with the code (sender or message refused), ERR_PROTOCOL. */
int smtp_submit(struct conn *c, const struct smtp_caps *caps,
	struct smtp_envelope *env, smtp_body_fn *body, void *arg,
	struct smtp_result *res, struct mp_err *e);

/* What a reply to VRFY, EXPN or RCPT says about an address (RFC 5321
 * 3.5.3, 4.2): the lecture's 250, 251, 252, 550, 551 and 553. */
enum smtp_verdict {
	SMTP_DELIVERABLE,	/* 250 */
	SMTP_FORWARDED,		/* 251: not local, will forward */
	SMTP_UNKNOWN,		/* 252 cannot verify, or a 4xx: try later */
	SMTP_UNSUPPORTED,	/* 500, 502, 504: the command is not offered */
	SMTP_UNDELIVERABLE,	/* 550 and other 5xx */
	SMTP_NOT_LOCAL,		/* 551: not local, try the address given */
	SMTP_AMBIGUOUS,		/* 553 (to VRFY) */
};

/* The verdict of reply code `code`. Pure. */
enum smtp_verdict smtp_verdict_of(int code);

/* "deliverable", "forwarded", ... */
const char *smtp_verdict_name(enum smtp_verdict v);

/* Send "VERB arg" (arg may be NULL) and read the reply. arg must not
 * hold CR, LF or NUL (ERR_DATA). */
int smtp_command(struct conn *c, const char *verb, const char *arg,
	struct smtp_reply *r, struct mp_err *e);

/* Send RSET and read its reply (abandons a transaction). */
int smtp_rset(struct conn *c, struct mp_err *e);

/* Send QUIT and read the reply; a server that closes without one is fine.
 * -1 only when QUIT could not be sent. */
int smtp_quit(struct conn *c, struct mp_err *e);

#endif
