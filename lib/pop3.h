/* pop3: the POP3 client (RFC 1939, RFC 2449) over a conn. */
#ifndef MAILPIPE_POP3_H
#define MAILPIPE_POP3_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "err.h"

enum pop3_status {
	POP3_OK,	/* "+OK" */
	POP3_ERR,	/* "-ERR" */
	POP3_CONT,	/* "+ " SASL continuation */
};

/* Classify a status line. -1 when it is none of the three. Pure. */
int pop3_parse_status(const char *line, size_t n, enum pop3_status *st);

/* Read a status line; *line and *n give it whole (valid until the next read).
 * A line that is not +OK, -ERR or "+ ": ERR_PROTOCOL. */
int pop3_read_status(struct conn *c, enum pop3_status *st, const char **line,
	size_t *n, struct mp_err *e);

/* Called for each line of a multi-line reply (without the final ".");
 * non-zero stops reading with that return value. */
typedef int pop3_line_fn(void *arg, const char *line, size_t n);

/* Read the lines of a multi-line reply up to the "." line. With unstuff,
 * a leading "." is removed from lines that start with "..". The
 * terminator itself is not passed to fn. */
int pop3_read_multiline(struct conn *c, bool unstuff, pop3_line_fn *fn,
	void *arg, struct mp_err *e);

/* Whether a +OK reply to this command line is multi-line: CAPA, RETR,
 * TOP, and LIST and UIDL without an argument. Pure. */
bool pop3_multiline_command(const char *line, size_t n);

/* Begin the session: on our own socket, read the greeting (-ERR:
 * ERR_TEMP); libcurl has done so already on the others. */
int pop3_start(struct conn *c, struct mp_err *e);

/* Send QUIT: the server then deletes what DELE marked (UPDATE state).
 * A -ERR reply means the deletes failed: ERR_REPLY. */
int pop3_quit(struct conn *c, struct mp_err *e);

#endif
