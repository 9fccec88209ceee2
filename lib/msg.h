/* msg: RFC 5322 messages as mailsend needs them: a streaming scanner that
 * validates and measures the input, header fields, address lists,
 * envelope paths (RFC 5321) and the Date and Message-ID we generate.
 * Pure: no I/O but getrandom(2) and the clock. */
#ifndef MAILPIPE_MSG_H
#define MAILPIPE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define MSG_LINE_MAX 998	/* octets in a line without its end (RFC 5321) */
#define MSG_FIELDS_MAX 10000	/* header fields in one message */
#define MSG_ADDR_MAX 998	/* octets in one address from an address list */
#define MSG_PATH_MAX 256	/* a path with its angle brackets (RFC 5321) */
#define MSG_LOCAL_MAX 64	/* octets in a local part */

/* The scanner. Fill with msg_scan_init, feed the input in pieces of any
 * size, then msg_scan_finish; the results do not depend on how the input
 * was split. */
struct msg_scan {
	/* results, valid after msg_scan_finish */
	unsigned long lines;	/* lines seen */
	unsigned long long size; /* octets on the wire with CRLF line ends,
				 * before dot-stuffing, including the CRLF
				 * added to a last line that lacks one */
	unsigned long long consumed; /* input octets of the message: the first
				 * `consumed` octets of the input are the
				 * message (a "." line that ended it is not) */
	bool eightbit;		/* some octet >= 0x80 */
	bool dot_ended;		/* input ended by a lone "." line */
	long long header_end;	/* input offset just after the empty line that
				 * ends the header block (the body's start),
				 * or -1 when there is no such line; set as
				 * soon as that line has been fed */
	/* private state below */
	bool want_dot;		/* a lone "." line ends the input */
	bool cr;		/* the last octet was a CR, undecided yet */
	bool dot;		/* the current line so far is "." */
	bool in_header;		/* no empty line seen yet */
	bool done;		/* the "." line was seen */
	bool failed;		/* an error was reported */
	size_t col;		/* octets in the current line so far */
	unsigned long long off;	/* input octets processed */
	unsigned long long line_start; /* input offset of the current line */
};

/* Start scanning; with dot_ends a lone "." line ends the input (sendmail
 * without -i). */
void msg_scan_init(struct msg_scan *s, bool dot_ends);

/* Feed the next n input octets. Returns n, or fewer when a lone "." line
 * (".\n" or ".\r\n", only with dot_ends) ended the message in this piece:
 * then it is the number of this piece's octets that belong to the message
 * (those before the "." line, maybe 0) and the caller stops reading. A
 * "." line split over pieces was counted in earlier returns: the message
 * is the first s->consumed octets of the input. After the end, 0. -1 with
 * ERR_DATA naming the line ("line 12: bare CR", "line 3: NUL byte", "line
 * 7: longer than 998 octets"); the scanner then stays failed. */
ssize_t msg_scan_feed(struct msg_scan *s, const char *p, size_t n,
	struct mp_err *e);

/* Call at end of input; fills in the results. ERR_DATA for a CR as the
 * last octet ("line N: bare CR"), for "empty message" when nothing but
 * maybe the "." line was read, and after a failed feed. */
int msg_scan_finish(struct msg_scan *s, struct mp_err *e);

/* One header field; pointers go into the parsed buffer. */
struct msg_field {
	const char *name;	/* points into the buffer */
	size_t name_len;
	const char *value;	/* after the colon, leading blanks skipped, up
				 * to (not including) the final line end;
				 * folded lines included as they are */
	size_t value_len;
	size_t start, len;	/* the whole field in the buffer: from its first
				 * octet through its last line end */
};

struct msg_headers {
	struct msg_field *fields; /* allocated */
	size_t count;
};

/* Split buf[0..n) (a header block with LF or CRLF line ends) into fields.
 * Parsing stops at the empty line that ends the block (not a field);
 * whatever follows it is ignored. A line starting with a space or tab
 * continues the previous field. A field is a name of printable ASCII
 * (33..126 but ':') then ':' (blanks before the ':' are accepted, the
 * obsolete syntax of RFC 5322 4.5). ERR_DATA "line N: not a header field"
 * for any other line, "line 1: continuation line without a field",
 * "line N: NUL byte" or "bare CR", and for more than MSG_FIELDS_MAX
 * fields; ERR_INTERNAL when out of memory. Allocates h->fields (h is
 * empty on error); msg_headers_free. */
int msg_headers_parse(const char *buf, size_t n, struct msg_headers *h,
	struct mp_err *e);
void msg_headers_free(struct msg_headers *h);

/* The first field named name (ASCII case-insensitive) at index *from or
 * later: returns its index and sets *from to index + 1; -1 if none. */
long msg_headers_next(const struct msg_headers *h, const char *name,
	size_t *from);

/* Called with each address; non-zero stops msg_addrlist with that value. */
typedef int msg_addr_fn(void *arg, const char *addr, size_t n);

/* Call fn once per mailbox of the address-list (RFC 5322 3.4, obsolete
 * forms included) in value[0..n): with the addr-spec (alice@example.org,
 * "john q"@example.org with its quotes as written) or, for an angle
 * address, what is between < and > (an obsolete route "@a,@b:" kept).
 * Display names, comments, blanks and folds around and inside the
 * address are dropped; groups, empty elements (",,") and a group not
 * closed by ';' at the end are accepted. The address passed is never
 * empty, holds no CR, LF or NUL, is at most MSG_ADDR_MAX octets and is
 * NUL-terminated at addr[n]. Returns 0 or what fn returned. ERR_DATA,
 * quoting the offending text, for unbalanced quotes, comments, brackets
 * or angle brackets, an address without '@' or with an empty local part
 * or domain, "<>", control characters and misplaced specials; fn has
 * then seen the addresses before the error. */
int msg_addrlist(const char *value, size_t n, msg_addr_fn *fn, void *arg,
	struct mp_err *e);

enum msg_path_kind { MSG_PATH_NULL, MSG_PATH_ASCII, MSG_PATH_UTF8 };

/* Check addr[0..n), the inside of the <...> of a reverse- or forward-path
 * (RFC 5321 4.1.2): "" (the null path; only when allow_null),
 * local@domain or a source route "@ONE,@TWO:local@domain". The local part
 * is a dot-atom or a quoted string of at most 64 octets; the domain is
 * dot-separated labels of letters, digits and inner hyphens, or [IPv4] or
 * [IPv6:...]. UTF-8 (valid only) is allowed in local part and domain and
 * makes the kind MSG_PATH_UTF8. The whole path with its brackets is at
 * most 256 octets. ERR_DATA "'bob@@x': ..." saying what is wrong (control
 * characters, '<' or '>', blanks outside quotes, no '@', an empty local
 * part or domain, a bad label, too long). Returns the kind or -1. */
int msg_path_check(const char *addr, size_t n, bool allow_null,
	struct mp_err *e);

/* Whether name is a host name or address literal fit for EHLO (the
 * domain rules of msg_path_check, ASCII only). ERR_USAGE saying so. */
int msg_host_check(const char *name, struct mp_err *e);

/* Remove blanks around *addr[0..n), then one pair of <> around it and the
 * blanks inside that pair, moving *addr; returns the new length. */
size_t msg_path_strip(const char **addr, size_t n);

/* t as an RFC 5322 date-time in local time with its numeric offset, e.g.
 * "Fri, 27 Nov 2026 09:05:01 +0100" (English names whatever the locale),
 * NUL-terminated. Returns its length, or 0 if cap is too small or the
 * year is not 1900..9999. */
size_t msg_date(char *buf, size_t cap, time_t t);

/* A new Message-ID "<32 hex digits of getrandom(2) . unix time @domain>"
 * into buf (NUL-terminated). domain must be a domain name or address
 * literal as for msg_path_check, ASCII only: else ERR_DATA. ERR_INTERNAL
 * when getrandom fails or cap is too small. */
int msg_message_id(char *buf, size_t cap, const char *domain,
	struct mp_err *e);

/* The envelope sender of a received message, for an mbox From line:
 * the address in its first Return-Path header ("" when none, or when it
 * does not fit cap) into out. hdr[0..n) is the header block, or the
 * start of the message (reading stops at the empty line). */
void msg_return_path(const char *hdr, size_t n, char *out, size_t cap);

#endif
