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

/* ---- The session: commands in flight, responses parsed and dispatched.
 *
 * A struct imap wraps an opened conn (see cli_session_open). Commands are
 * built with imap_cmd_begin and the imap_cmd_* appenders (errors are
 * remembered and reported by imap_cmd_send), sent with imap_cmd_send
 * (queued: several may be in flight, up to IMAP_INFLIGHT_MAX), and
 * completed by imap_wait. Every untagged response is parsed
 * (imap_parse) and handed to the handler set with imap_set_handler;
 * the session itself tracks CAPABILITY and BYE. */

#include "imap_parse.h"
#include "seqset.h"

#define IMAP_INFLIGHT_MAX	64		/* commands sent, not completed */
#define IMAP_RESPONSE_MAX	(4 * 1024 * 1024) /* one response, literals
						 * included, held to parse */
#define IMAP_COMMAND_MAX	(256 * 1024)	/* one command being built */
#define IMAP_CMD_LITERALS_MAX	16		/* literals in one command */

struct imap;

/* The completion of one command; the caller owns it and keeps it alive
 * until imap_wait returns for it (or the session fails). */
struct imap_cmd {
	char tag[16];
	enum imap_status status;	/* IMAP_NONE while in flight */
	char code[64];			/* response code atom, upper case, or "" */
	char text[256];			/* the tagged reply's text, sanitized */
	struct seqset *code_set;	/* see imap_cmd_code_set */
	uint64_t code_number;		/* the response code's first argument
					 * when it is a number ([APPENDUID 38505
					 * 3955]: 38505), else 0 */
};

/* Handler for untagged responses. Non-zero (with e filled) stops the
 * session's reading with -1. */
typedef int imap_untagged_fn(void *arg, const struct imap_response *r,
	struct mp_err *e);

/* Wrap an opened session: take the capabilities libcurl saw at login,
 * or ask with CAPABILITY, and ENABLE UTF8=ACCEPT when offered (then
 * mailbox names travel as UTF-8). ERR_INTERNAL when out of memory. */
int imap_open(struct imap **imp, struct conn *c, struct mp_err *e);

/* Free the session wrapper (not the conn). NULL is fine. */
void imap_free(struct imap *im);

struct conn *imap_conn(const struct imap *im);

void imap_set_handler(struct imap *im, imap_untagged_fn *fn, void *arg);

/* Also hand each tagged reply, parsed, to fn (NULL: none), before the
 * command it completes is marked complete: what its response code says
 * beyond one set (imap_cmd_code_set), such as COPYUID's UIDVALIDITY and
 * two sets, is in r->code and r->code_args. Non-zero from fn stops as
 * for the untagged handler. */
void imap_set_tagged_handler(struct imap *im, imap_untagged_fn *fn, void *arg);

/* Whether the server offers capability cap ("LIST-STATUS", "AUTH=PLAIN");
 * case-insensitive. */
bool imap_has_cap(const struct imap *im, const char *cap);

/* The capability list as the server sent it ("IMAP4rev1 LITERAL+ ..."). */
const char *imap_caps(const struct imap *im);

/* Whether ENABLE UTF8=ACCEPT succeeded. */
bool imap_utf8(const struct imap *im);

/* Start building a command: "TAG " then verb (e.g. "UID FETCH"). */
void imap_cmd_begin(struct imap *im, const char *verb);

/* For the command being built: add the set argument of its tagged
 * reply's response code ("OK [MODIFIED 7,9]") to set, which must
 * outlive the reply. */
void imap_cmd_code_set(struct imap *im, struct seqset *set);

/* Append " " and text as it is (atoms, numbers, parenthesised lists the
 * caller wrote). CR, LF or NUL: the command fails with ERR_DATA. */
void imap_cmd_add(struct imap *im, const char *text);

/* Append " " and s[0..n) as an IMAP string: quoted when it is short
 * printable ASCII (or UTF-8 after ENABLE), else a literal (LITERAL+ when
 * offered). NUL fails the command with ERR_DATA. */
void imap_cmd_string(struct imap *im, const char *s, size_t n);

/* Fills buf with up to cap octets of a streamed literal: *n > 0 of them,
 * or returns -1 with e filled. */
typedef int imap_literal_fn(void *arg, char *buf, size_t cap, size_t *n,
	struct mp_err *e);

/* Append " " and a literal of exactly size octets that fn produces when
 * the command is sent, in chunks through a fixed buffer (so the command
 * stays small whatever the size): "{size+}" with LITERAL+ (or LITERAL-
 * up to 4096 octets), else "{size}" and imap_cmd_send waits for the
 * server's "+". fn and arg must stay valid until imap_cmd_send returns.
 * When fn fails or ends early, imap_cmd_send fails and the session is
 * unusable (the literal is incomplete): close it without LOGOUT. */
void imap_cmd_literal_stream(struct imap *im, uint64_t size, imap_literal_fn *fn,
	void *arg);

/* Append " " and a mailbox name given in UTF-8: modified UTF-7 on the
 * wire unless UTF8=ACCEPT is enabled. Invalid UTF-8: ERR_DATA. */
void imap_cmd_mailbox(struct imap *im, const char *name);

/* Append IMAP SEARCH criteria a user wrote ("UNSEEN FROM \"bob\""):
 * atoms and parentheses as written, each quoted string re-sent as an
 * IMAP string, so that text with 8-bit UTF-8 goes as a literal. The
 * caller adds "CHARSET UTF-8" first when imap_criteria_8bit says so.
 * ERR_USAGE for an unterminated quoted string or unbalanced
 * parentheses. */
void imap_cmd_criteria(struct imap *im, const char *text);

/* Whether criteria text needs "CHARSET UTF-8" (8-bit octets, and UTF-8
 * is not enabled). */
bool imap_criteria_8bit(const struct imap *im, const char *text);

/* Send the command built and register cmd for its tagged reply. A
 * synchronising literal waits for the server's "+" here (reading and
 * dispatching other responses meanwhile); a tagged reply instead
 * completes cmd at once. Also waits for a free slot when
 * IMAP_INFLIGHT_MAX are in flight. Errors of building (ERR_DATA,
 * ERR_USAGE for a command over IMAP_COMMAND_MAX), of I/O and of
 * responses as for imap_wait. */
int imap_cmd_send(struct imap *im, struct imap_cmd *cmd, struct mp_err *e);

/* Flush and read responses until cmd is complete; cmd->status tells how.
 * -1 when reading fails: ERR_TEMP for a dropped connection or timeout
 * (naming the server's BYE text when it said one), ERR_PROTOCOL for a
 * malformed response or a tagged reply nobody waits for, or the
 * handler's error. */
int imap_wait(struct imap *im, struct imap_cmd *cmd, struct mp_err *e);

/* imap_cmd_send then imap_wait. */
int imap_run(struct imap *im, struct imap_cmd *cmd, struct mp_err *e);

/* Turn a completed, failed (NO or BAD) command into e: "what: text" with
 * the kind its response code implies (NONEXISTENT, TRYCREATE: ERR_NOINPUT;
 * AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, NOPERM: ERR_AUTH;
 * UNAVAILABLE, INUSE, LIMIT, OVERQUOTA, SERVERBUG, EXPUNGEISSUED:
 * ERR_TEMP), else no_kind for NO and bad_kind for BAD. Returns -1. */
int imap_cmd_error(const struct imap_cmd *cmd, const char *what,
	enum err_kind no_kind, enum err_kind bad_kind, struct mp_err *e);

/* A mailbox name from the server (LIST, STATUS) in UTF-8, allocated:
 * decoded from modified UTF-7, or as sent after ENABLE UTF8=ACCEPT or
 * when it is not valid modified UTF-7 (shown, not dropped). */
char *imap_mailbox_name(const struct imap *im, const char *s, size_t n);

/* From now on, a literal of at least min octets (0: none) in an untagged
 * response is not held in memory: its octets go to a temporary file and
 * the response the handler sees has an empty literal in its place. One
 * literal per response at most (the first large one); the file is
 * reused by the next response. For message bodies of any size. */
void imap_spool_literals(struct imap *im, uint64_t min);

/* While the handler runs: whether the response's large literal was
 * spooled, and then the file (read it with pread from offset 0) and its
 * size. */
bool imap_spooled(const struct imap *im, int *fd, uint64_t *size);

/* LOGOUT through the session, once; quietly (see imap_logout). */
int imap_close(struct imap *im, struct mp_err *e);

#endif
