/* pop3: the POP3 client (RFC 1939, RFC 2449) over a conn. */
#ifndef MAILPIPE_POP3_H
#define MAILPIPE_POP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- The maildrop: capabilities, listing, pipelined retrieval */

#define POP3_UIDL_MAX	70	/* RFC 1939: 1 to 70 characters 0x21-0x7e */
#define POP3_QUEUE_MAX	1024	/* commands in flight at most */

/* What CAPA says (RFC 2449); all false when the server has no CAPA. */
struct pop3_caps {
	bool capa;		/* the server answered CAPA */
	bool pipelining, uidl, top, resp_codes;
	long login_delay;	/* LOGIN-DELAY seconds, or -1 */
};

/* Send CAPA and read the answer into caps. */
int pop3_capa(struct conn *c, struct pop3_caps *caps, struct mp_err *e);

/* Whether the server listed cap (a CAPA line, e.g. "PIPELINING") before
 * login, as seen by lib/pop3 or libcurl while opening the session. */
bool pop3_offered_before(const struct conn *c, const char *cap);

/* One message of the maildrop, by its number in this session. */
struct pop3_msg {
	unsigned num;
	uint64_t size;			/* octets, as LIST says */
	char uidl[POP3_UIDL_MAX + 1];	/* "" without UIDL */
};

/* STAT, LIST and (when want_uidl) UIDL, pipelined when pipelining:
 * the messages in *msgs (allocated, *n of them, ascending numbers). A
 * -ERR to UIDL leaves every uidl empty and *uidl_ok false; a malformed
 * listing or a UIDL outside RFC 1939's syntax: ERR_PROTOCOL. */
int pop3_scan(struct conn *c, bool pipelining, bool want_uidl,
	struct pop3_msg **msgs, size_t *n, bool *uidl_ok, struct mp_err *e);

/* pop3_scan with a CAPA sent first in the same write (when PIPELINING
 * was offered before login), its answer in *caps; always asks UIDL when
 * want_uidl. */
int pop3_capa_scan(struct conn *c, struct pop3_caps *caps, bool pipelining,
	bool want_uidl, struct pop3_msg **msgs, size_t *n, bool *uidl_ok,
	struct mp_err *e);

enum pop3_kind { POP3_Q_RETR, POP3_Q_TOP, POP3_Q_DELE, POP3_Q_NOOP, POP3_Q_QUIT };

/* Commands sent and not yet answered, oldest first: POP3 answers in
 * order, so each reply is matched to the command at the head. */
struct pop3_queue {
	struct conn *c;
	size_t window;		/* commands in flight at most (1: lock-step) */
	size_t head, len;
	struct {
		enum pop3_kind kind;
		unsigned num;
	} q[POP3_QUEUE_MAX];
};

/* window: 1 without PIPELINING, else up to POP3_QUEUE_MAX. */
void pop3_queue_init(struct pop3_queue *q, struct conn *c, size_t window);

/* Whether another command may be sent now. */
bool pop3_queue_room(const struct pop3_queue *q);

/* Queue "RETR num", "TOP num lines", "DELE num", "NOOP" or "QUIT" (sent on the
 * next flush or when the buffer fills). ERR_INTERNAL when there is no
 * room (see pop3_queue_room). */
int pop3_queue_send(struct pop3_queue *q, enum pop3_kind kind, unsigned num,
	unsigned lines, struct mp_err *e);

/* Flush, and read the status line of the oldest command: its kind, number
 * and status; text (sanitized) for messages. For RETR and TOP with
 * POP3_OK the caller reads the message next with pop3_read_multiline.
 * ERR_INTERNAL when nothing is in flight. */
int pop3_queue_next(struct pop3_queue *q, enum pop3_kind *kind, unsigned *num,
	enum pop3_status *st, char *text, size_t cap, struct mp_err *e);

/* Whether s[0..n) is a UIDL by RFC 1939 (1-70 octets 0x21-0x7e). Pure. */
bool pop3_uidl_valid(const char *s, size_t n);

#endif
