/* imap_parse: one IMAP4rev1 server response (RFC 3501 sections 7 and 9),
 * held in memory with its literals inline, parsed into a tree of values.
 * Pure: no I/O, hard caps, announced sizes never used to allocate. */
#ifndef MAILPIPE_IMAP_PARSE_H
#define MAILPIPE_IMAP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define IMAP_PARSE_MAX_DEPTH	64	/* nested parenthesised lists */
#define IMAP_PARSE_MAX_VALUES	100000	/* values in one response */

enum imap_vtype {
	IMAP_V_ATOM,
	IMAP_V_NUMBER,
	IMAP_V_STRING,		/* quoted or literal */
	IMAP_V_NIL,
	IMAP_V_LIST,
};

struct imap_value {
	enum imap_vtype type;
	const char *str;	/* ATOM, STRING, NUMBER (its digits): not
				 * NUL-terminated; into the input, or the
				 * arena for unescaped quoted strings; NULL
				 * for NIL and LIST */
	size_t len;
	uint64_t num;		/* NUMBER */
	bool literal8;		/* STRING sent as ~{n} */
	struct imap_value *items; /* LIST: count values, in the arena */
	size_t count;
};

enum imap_parse_kind { IMAP_R_UNTAGGED, IMAP_R_TAGGED, IMAP_R_CONTINUATION };

struct imap_parse_arena;

struct imap_response {
	enum imap_parse_kind kind;
	char tag[32];		/* tagged responses only */
	char status[16];	/* OK NO BAD BYE PREAUTH (upper case), or "" */
	char code[64];		/* response code atom in [...] (upper case), or "" */
	struct imap_value code_args; /* the rest of the [...], a LIST */
	uint64_t number;	/* "* 172 EXISTS": 172 */
	bool has_number;
	char name[32];		/* EXISTS, FETCH, LIST, FLAGS ... (upper case), or "" */
	struct imap_value data;	/* what follows the name, a LIST */
	const char *text;	/* text after status and code, into the input */
	size_t text_len;
	struct imap_parse_arena *arena;	/* private: owns lists and copies */
};

/* Parse the response buf[0..n) (one trailing CRLF allowed) into r, whose
 * strings point into buf: buf must outlive r. 0, or -1 with ERR_PROTOCOL
 * naming the fault and its offset (nothing to free then); ERR_INTERNAL
 * when out of memory. Free a parsed r with imap_parse_free. */
int imap_parse_response(const char *buf, size_t n, struct imap_response *r,
	struct mp_err *e);

/* Free what r allocated and clear r; harmless on a cleared r. */
void imap_parse_free(struct imap_response *r);

/* In a key-value list (FETCH, STATUS: atom key, value, ...), the value
 * after the atom key (compared case-insensitively), or NULL. */
const struct imap_value *imap_parse_find(const struct imap_value *list,
	const char *key);

/* Whether p[0..len) lies in memory r's arena owns (for checks). */
bool imap_parse_owns(const struct imap_response *r, const char *p, size_t len);

#endif
