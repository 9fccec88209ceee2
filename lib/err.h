/* err: what went wrong, filled by lib/, mapped to one sysexits code. */
#ifndef MAILPIPE_ERR_H
#define MAILPIPE_ERR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE,	/* bad option or argument: 64 */
	ERR_DATA,	/* bad input data: 65 */
	ERR_NOINPUT,	/* input missing, mailbox does not exist: 66 */
	ERR_NOUSER,	/* recipient rejected: 67 */
	ERR_NOHOST,	/* host unknown: 68 */
	ERR_UNAVAILABLE, /* service refused for good: 69 */
	ERR_TLS_VERIFY,	/* peer certificate not trusted: 69, with a hint */
	ERR_INTERNAL,	/* a bug or out of memory: 70 */
	ERR_CANTCREATE,	/* cannot create output: 73 */
	ERR_IO,		/* local I/O error: 74 */
	ERR_TEMP,	/* try again later: 75 */
	ERR_PROTOCOL,	/* unparsable or impossible server reply: 76 */
	ERR_AUTH,	/* authentication failed: 77 */
	ERR_CONFIG,	/* configuration error: 78 */
	ERR_REPLY,	/* a server reply: its code decides (4xx 75, 5xx 69) */
};

struct mp_err {
	enum err_kind kind;
	int code;		/* SMTP/POP3/IMAP reply code when known, else 0 */
	char enhanced[16];	/* enhanced status code ("5.1.1") or "" */
	char text[512];		/* one line, no trailing newline */
};

/* Fill e with kind and a printf-formatted one-line text; returns -1 so
 * callers can write `return err_set(e, ...)`. Control characters in the
 * text are replaced so that a hostile server cannot forge output lines. */
int err_set(struct mp_err *e, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As err_set, for a server reply with its numeric and enhanced code. */
int err_reply(struct mp_err *e, int code, const char *enhanced,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Clear e to ERR_NONE. */
void err_clear(struct mp_err *e);

/* The sysexits(3) code for e (0 for ERR_NONE). */
int err_sysexit(const struct mp_err *e);

/* Copy at most n bytes of s into dst (size cap), replacing control
 * characters with '?' and octets that are not UTF-8 with "\xNN", and
 * always terminating (never inside a character). Used for server text
 * that goes into messages. */
void err_sanitize(char *dst, size_t cap, const char *s, size_t n);

#endif
