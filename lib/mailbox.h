/* mailbox: IMAP mailbox operations over a session (lib/imap): list
 * mailboxes with their STATUS, open one (EXAMINE or SELECT), search it
 * and fetch from it by UID, pipelined. Shared by the IMAP tools. */
#ifndef MAILPIPE_MAILBOX_H
#define MAILPIPE_MAILBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "imap.h"
#include "imap_data.h"
#include "seqset.h"

/* One mailbox from LIST or LSUB. */
struct mailbox_entry {
	char *name;		/* UTF-8 (decoded from modified UTF-7) */
	char *wire;		/* the name as the server sent it */
	char delim;		/* '\0' when the server has no hierarchy */
	char *attrs;		/* "\HasNoChildren \Sent", as sent */
	bool noselect;		/* \Noselect or \NonExistent */
	struct imap_data_status status;	/* with MAILBOX_STATUS */
};

enum {
	MAILBOX_SUBSCRIBED = 1 << 0,	/* only subscribed mailboxes */
	MAILBOX_STATUS = 1 << 1,	/* and their STATUS counts */
};

/* LIST reference pattern (UTF-8; "*" and "%" wildcards) into *list
 * (allocated, *n entries, in the server's order; mailbox_list_free).
 * MAILBOX_SUBSCRIBED uses LIST (SUBSCRIBED) with LIST-EXTENDED, else
 * LSUB; MAILBOX_STATUS asks LIST-STATUS when offered, else one STATUS
 * per selectable mailbox, pipelined (SIZE too with STATUS=SIZE).
 * Special-use attributes are asked for when SPECIAL-USE is offered.
 * ERR_USAGE when the server refuses the pattern (BAD), ERR_UNAVAILABLE
 * for NO, and the session's errors. */
int mailbox_list(struct imap *im, const char *reference, const char *pattern,
	int how, struct mailbox_entry **list, size_t *n, struct mp_err *e);

void mailbox_list_free(struct mailbox_entry *list, size_t n);

/* What opening a mailbox told. */
struct mailbox_info {
	uint64_t exists;
	uint32_t uidvalidity;	/* 0 when the server sent none */
	uint32_t uidnext;
	uint64_t highestmodseq;	/* 0 when none (no CONDSTORE) */
	char flags[512];	/* FLAGS, as sent */
	char permanentflags[512]; /* PERMANENTFLAGS, as sent; "" when none */
	bool has_permanentflags;
	bool read_only;		/* [READ-ONLY] */
};

/* EXAMINE (read_only) or SELECT the mailbox name (UTF-8). ERR_NOINPUT
 * when it does not exist, ERR_PROTOCOL when the server sent no
 * UIDVALIDITY, and the session's errors. */
int mailbox_open(struct imap *im, const char *name, bool read_only,
	struct mailbox_info *info, struct mp_err *e);

/* UID SEARCH criteria (written as IMAP SEARCH keys, UTF-8 text allowed;
 * see imap_cmd_criteria), adding the UIDs found to set. ESEARCH's
 * compact "ALL" result when offered. ERR_USAGE when the server rejects
 * the criteria (BAD, or NO [BADCHARSET]). */
int mailbox_search(struct imap *im, const char *criteria, struct seqset *set,
	struct mp_err *e);

/* Called for each message a FETCH returns with its UID; r is the whole
 * response. Non-zero (with e filled) stops. */
typedef int mailbox_fetch_fn(void *arg, const struct imap_response *r,
	const struct imap_data_fetch *f, struct mp_err *e);

/* UID FETCH set (normalized; NULL for every message, "1:*") items
 * ("(UID FLAGS ...)"), split into commands of at most about 1,000
 * octets, each sent when the one before has completed: servers run
 * pipelined FETCH commands side by side, and the rows must come in
 * mailbox order. fn sees each message as its response arrives. FETCH
 * responses without a UID (unsolicited flag changes) are not passed
 * on. *expunged counts EXPUNGE responses seen meanwhile (may be NULL). */
int mailbox_fetch(struct imap *im, const struct seqset *set, const char *items,
	mailbox_fetch_fn *fn, void *arg, uint64_t *expunged, struct mp_err *e);

/* Fetch items of the messages matching criteria (see mailbox_search),
 * in mailbox order; *found is the number passed to fn. With SEARCHRES
 * (RFC 5182) as "UID SEARCH RETURN (SAVE)" and "UID FETCH $" sent
 * together, else mailbox_search then mailbox_fetch. Errors as those. */
int mailbox_fetch_search(struct imap *im, const char *criteria,
	const char *items, mailbox_fetch_fn *fn, void *arg, uint64_t *found,
	struct mp_err *e);

/* The UIDs of set that exist in the selected mailbox, added to found
 * (normalized): UID SEARCH UID for each piece of set, pipelined. */
int mailbox_existing(struct imap *im, const struct seqset *set,
	struct seqset *found, struct mp_err *e);

/* Called when the command for ranges [from, to) of set has completed
 * with OK: only then is that part confirmed. */
typedef int mailbox_piece_fn(void *arg, const struct seqset *set, size_t from,
	size_t to, struct mp_err *e);

/* "UID STORE piece [(UNCHANGEDSINCE n)] action" for every piece of set
 * (normalized), action such as "+FLAGS.SILENT (\Seen)", at most window
 * commands in flight (0: IMAP_INFLIGHT_MAX). fn (may be NULL) sees the
 * FETCH responses a non-silent STORE brings; done (may be NULL) each
 * confirmed piece. With unchangedsince, the UIDs the server left alone
 * ([MODIFIED set]) are added to modified. A NO or BAD stops at that
 * piece: ERR_UNAVAILABLE, ERR_TEMP (by its code), ERR_PROTOCOL. */
int mailbox_store(struct imap *im, const struct seqset *set, const char *action,
	uint64_t unchangedsince, size_t window, mailbox_fetch_fn *fn,
	mailbox_piece_fn *done, void *arg, struct seqset *modified,
	struct mp_err *e);

/* UID EXPUNGE of set (UIDPLUS), pipelined, or with set NULL a plain
 * EXPUNGE of every \Deleted message. *count: EXPUNGE responses seen. */
int mailbox_expunge(struct imap *im, const struct seqset *set, uint64_t *count,
	struct mp_err *e);

/* Called for each message a COPY or MOVE confirmed: its UID in the
 * source, the UID of its copy and the destination's UIDVALIDITY, from
 * the COPYUID response code (RFC 4315). Non-zero (with e filled) stops. */
typedef int mailbox_copied_fn(void *arg, uint32_t src, uint32_t dst,
	uint32_t uidvalidity, struct mp_err *e);

/* "UID COPY piece to" (with move "UID MOVE piece to", RFC 6851) for
 * every piece of set (normalized), to a mailbox name in UTF-8,
 * pipelined. When a piece's command has completed with OK, copied (may
 * be NULL) sees the pairs its COPYUID gave (in the tagged reply, or in
 * an untagged OK before it, as MOVE sends it; none from a server without
 * UIDPLUS), then done (may be NULL) the piece. A NO or BAD stops once
 * the commands in flight have completed: ERR_NOINPUT for [TRYCREATE]
 * or [NONEXISTENT] (no such destination), ERR_TEMP by its code, else
 * ERR_UNAVAILABLE, and ERR_PROTOCOL for BAD or a COPYUID that names
 * UIDs not copied; the session's errors. */
int mailbox_copy(struct imap *im, const struct seqset *set, const char *to,
	bool move, mailbox_copied_fn *copied, mailbox_piece_fn *done, void *arg,
	struct mp_err *e);

/* The hierarchy delimiter of the personal namespace, from LIST "" ""
 * ('\0' for a flat server). */
int mailbox_delimiter(struct imap *im, char *delim, struct mp_err *e);

/* STATUS name (MESSAGES): *count, or *count unchanged and cmd telling
 * the server's NO (no such mailbox). -1 for I/O and protocol errors. */
int mailbox_messages(struct imap *im, const char *name, uint64_t *count,
	struct imap_cmd *cmd, struct mp_err *e);

/* One of CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE name, or RENAME name to
 * (names in UTF-8): 0 with *cmd telling how the server answered (OK,
 * NO with its code and text), -1 for I/O and protocol errors. */
int mailbox_manage(struct imap *im, const char *verb, const char *name,
	const char *to, struct imap_cmd *cmd, struct mp_err *e);

#endif
