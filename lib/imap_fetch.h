/* imap_fetch: one IMAP mailbox's new messages to a local target, exactly
 * once (see lib/deliver and lib/journal for how), incrementally.
 *
 * The state of a mailbox is its journal (one state directory per
 * mailbox): every delivered message is journaled as "UIDVALIDITY:UID",
 * and compaction keeps a marker "top:UIDVALIDITY:UID" for the highest
 * UID delivered, plus (with delete) the messages delivered whose removal
 * the server has not confirmed. A run fetches the UIDs above the highest
 * (that match the criteria), in batches: journal, write, fsync, journal
 * done; then, when asked, flags them \Deleted and expunges exactly them
 * (UID EXPUNGE), or flags them \Seen. Bodies are fetched with BODY.PEEK[]
 * (fetching sets no \Seen) and never held whole in memory: large ones
 * are spooled by the session (imap_spool_literals). */
#ifndef MAILPIPE_IMAP_FETCH_H
#define MAILPIPE_IMAP_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "deliver.h"
#include "err.h"
#include "imap.h"
#include "journal.h"

#define IMAP_FETCH_LINE_MAX (1024 * 1024)	/* octets in a message line */
#define IMAP_FETCH_SPOOL_MIN (256 * 1024)	/* larger bodies go to a file */

struct imap_fetch_opts {
	const char *criteria;	/* IMAP SEARCH criteria, or NULL for all */
	bool refetch;		/* UIDVALIDITY changed: fetch all again */
	bool delete;		/* \Deleted + UID EXPUNGE once durable */
	bool mark_seen;		/* +FLAGS \Seen once durable */
	bool flags_headers;	/* Status:/X-Status: headers from the flags */
	bool dry_run;		/* print the UIDs, fetch nothing */
	FILE *plan;		/* where dry_run prints */
	size_t batch_max;	/* messages per durable batch (default 100) */
	uint64_t batch_octets;	/* octets per batch, about (default 8 MiB) */
	void (*progress)(void *arg, uint64_t done, uint64_t total,
		uint64_t octets);
	void *progress_arg;
};

struct imap_fetch_result {
	uint32_t uidvalidity;	/* the mailbox's */
	uint32_t old_uidvalidity; /* the state's, 0 when new */
	uint32_t highest;	/* the highest UID delivered, after the run */
	uint64_t found;		/* new messages found */
	uint64_t messages;	/* delivered */
	uint64_t octets;	/* their size as fetched */
	uint64_t vanished;	/* found, then gone before fetched */
	uint64_t deleted;	/* expunged (delete) */
};

/* Fetch mailbox (UTF-8) on the session im into d, journaled in j (open
 * and recovered, the mailbox's own). ERR_DATA when the UIDVALIDITY
 * changed and refetch is not set (nothing fetched); ERR_NOINPUT for a
 * mailbox that does not exist; ERR_AUTH (77) when delete or mark_seen and
 * the mailbox is read-only; ERR_UNAVAILABLE for delete without UIDPLUS;
 * ERR_DATA for a message line over IMAP_FETCH_LINE_MAX; the target's and
 * the session's errors. What was made durable before an error stays
 * delivered and journaled. r is filled in every case. */
int imap_fetch_mailbox(struct imap *im, const char *mailbox, struct journal *j,
	struct deliver *d, const struct imap_fetch_opts *o,
	struct imap_fetch_result *r, struct mp_err *e);

#endif
