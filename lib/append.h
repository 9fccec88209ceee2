/* append: upload messages into a mailbox with APPEND (RFC 3501 6.3.11)
 * over lib/imap. Each message is a literal streamed from its source
 * (imap_cmd_literal_stream), so memory does not grow with its size.
 * With MULTIAPPEND (RFC 3502) several messages go in one command; with
 * LITERAL+ (RFC 7888) commands are pipelined, a bounded number in
 * flight, else each waits for its "+" and its reply. The UIDs come from
 * APPENDUID (UIDPLUS, RFC 4315). A mailbox that does not exist
 * ([TRYCREATE]) is created when asked. Messages are reported in the
 * order they were added, and only an APPEND that completed OK reports a
 * message stored. */
#ifndef MAILPIPE_APPEND_H
#define MAILPIPE_APPEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "imap.h"

#define APPEND_WINDOW	16		/* commands in flight with LITERAL+ */
#define APPEND_BATCH	IMAP_CMD_LITERALS_MAX /* messages in one MULTIAPPEND */
#define APPEND_BATCH_OCTETS (4 * 1024 * 1024) /* and their octets, at most
					 * (a bigger message goes alone) */

/* One message to upload. */
struct append_msg {
	uint64_t size;		/* octets of its literal */
	const char *flags;	/* "\Seen \Flagged", or NULL */
	const char *date;	/* INTERNALDATE, or NULL */
	imap_literal_fn *read;	/* produces the literal, size octets */
	void *arg;		/* read's and rewind's argument; handed back
				 * to done */
};

/* What became of one message: stored (with its UID when the server said
 * APPENDUID, else uid 0), or not; then cmd is the server's refusal, or
 * NULL when the message was not sent or its fate is unknown (the
 * session stopped). Non-zero (with e filled) stops everything. */
typedef int append_done_fn(void *arg, void *msg, bool stored,
	uint32_t uidvalidity, uint32_t uid, const struct imap_cmd *cmd,
	struct mp_err *e);

struct append_params {
	const char *mailbox;	/* UTF-8 */
	bool create;		/* CREATE it on [TRYCREATE], then again */
	append_done_fn *done;
	void *done_arg;
	void (*rewind)(void *msg); /* start a message's read over */
};

struct append;

/* Begin uploading with the session im. p is copied (its strings
 * borrowed). ERR_INTERNAL when out of memory. */
int append_begin(struct append **ap, struct imap *im,
	const struct append_params *p, struct mp_err *e);

/* Queue m (copied; m->arg must live until done has been called for it);
 * this may send commands and wait for replies. -1 stops the upload,
 * after done has been called for every message added: ERR_TEMP for a
 * lost session and for [OVERQUOTA], [LIMIT], [UNAVAILABLE], [INUSE],
 * [SERVERBUG]; ERR_NOINPUT for a mailbox that does not exist (without
 * create); ERR_CANTCREATE when its CREATE failed; ERR_AUTH for
 * [NOPERM]; ERR_PROTOCOL for BAD; and the errors of done and of the
 * messages' read. Another NO refuses only the messages of that command
 * (done with cmd); those of a refused MULTIAPPEND are then tried one by
 * one, so that only the bad one stays out. */
int append_add(struct append *a, const struct append_msg *m, struct mp_err *e);

/* Send what is queued and wait for every reply. Errors as append_add. */
int append_finish(struct append *a, struct mp_err *e);

/* Messages confirmed stored so far. */
uint64_t append_stored(const struct append *a);

/* Whether the session can still say LOGOUT (it was not lost, and no
 * literal was left half-sent). */
bool append_session_ok(const struct append *a);

void append_free(struct append *a);

/* The Message-IDs of the messages in a mailbox, sorted, to skip those
 * uploaded before. */
struct append_ids {
	char **id;
	size_t n, cap;
};

/* EXAMINE mailbox and fetch every message's Message-ID (one UID FETCH
 * of BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) into ids. A mailbox that
 * does not exist leaves ids empty and *exists false. */
int append_ids_load(struct imap *im, const char *mailbox,
	struct append_ids *ids, bool *exists, struct mp_err *e);

bool append_ids_has(const struct append_ids *ids, const char *id);

void append_ids_free(struct append_ids *ids);

#endif
