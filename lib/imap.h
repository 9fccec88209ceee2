/* imap: the IMAP4rev1 client (RFC 3501) over a conn: tags, response
 * framing with literals, and commands. */
#ifndef MAILPIPE_IMAP_H
#define MAILPIPE_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "err.h"

enum imap_kind { IMAP_UNTAGGED, IMAP_TAGGED, IMAP_CONTINUATION };

enum imap_status { IMAP_NONE, IMAP_OK, IMAP_NO, IMAP_BAD, IMAP_BYE, IMAP_PREAUTH };

struct imap_resp {
	enum imap_kind kind;
	enum imap_status status;	/* IMAP_NONE for data responses */
	char tag[32];			/* tagged responses only */
};

/* Pieces of a response as they arrive: TEXT is one line of it (no CRLF;
 * the response's first line, then one after each literal), LITERAL a
 * chunk of a literal's bytes (a literal may come in several chunks). */
enum imap_piece { IMAP_PIECE_TEXT, IMAP_PIECE_LITERAL };

/* Non-zero stops reading with that value. */
typedef int imap_piece_fn(void *arg, enum imap_piece kind, const char *p,
	size_t n);

/* Classify a response's first line. ERR_PROTOCOL for a line that is none
 * of "* ...", "+ ..." or "TAG OK|NO|BAD ...". Pure. */
int imap_classify(const char *line, size_t n, struct imap_resp *r,
	struct mp_err *e);

/* Whether line ends with a literal announcement "{N}" or "~{N}"; *size is
 * N. When nonsync is not NULL the client's non-synchronising form "{N+}"
 * (RFC 7888) is accepted too and *nonsync tells which it was. 0 no, 1 yes,
 * -1 malformed or N >= 2^63. Pure. */
int imap_literal_at_end(const char *line, size_t n, uint64_t *size,
	bool *nonsync);

/* Read one whole response, literals included, streaming its pieces to fn
 * (which may be NULL). Literal sizes are never used to allocate. */
int imap_read_response(struct conn *c, struct imap_resp *r, imap_piece_fn *fn,
	void *arg, struct mp_err *e);

/* Write the next tag ("A0001", "A0002", ...) into buf. */
void imap_next_tag(unsigned *counter, char *buf, size_t cap);

/* Begin the session: on our own socket, read the greeting ("* OK" or
 * "* PREAUTH"; "* BYE": ERR_TEMP); libcurl has done so on the others. */
int imap_start(struct conn *c, struct mp_err *e);

/* Send LOGOUT and read up to its tagged reply (a server that closes after
 * BYE is fine). */
int imap_logout(struct conn *c, unsigned *counter, struct mp_err *e);

#endif
