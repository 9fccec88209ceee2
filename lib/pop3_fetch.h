/* pop3_fetch: one POP3 session's worth of moving mail to a local target,
 * exactly once (see lib/deliver and lib/journal for how): scan the
 * maildrop, retrieve what was not delivered before (pipelined), deliver
 * it in batches made durable before anything is deleted, DELE what is
 * delivered (pipelined), QUIT to commit the deletes. */
#ifndef MAILPIPE_POP3_FETCH_H
#define MAILPIPE_POP3_FETCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "deliver.h"
#include "err.h"
#include "journal.h"
#include "pop3.h"

struct pop3_fetch_opts {
	bool keep;		/* leave mail on the server; skip what was seen */
	bool all;		/* fetch everything again, seen or not */
	uint64_t max_size;	/* 0: no limit */
	bool delete_oversized;	/* DELE messages over max_size unread */
	long headers_only;	/* >= 0: TOP n instead of RETR (implies keep) */
	bool dry_run;		/* print the plan, change nothing */
	FILE *plan;		/* where --dry-run prints (stdout) */
	size_t batch_max;	/* messages per durable batch (default 100) */
	uint64_t batch_octets;	/* octets per batch (default 8 MiB) */
	/* Progress, called after each message (may be NULL). */
	void (*progress)(void *arg, uint64_t done, uint64_t total,
		uint64_t octets);
	void *progress_arg;
};

struct pop3_fetch_result {
	uint64_t messages;	/* delivered */
	uint64_t octets;	/* their size as retrieved */
	uint64_t skipped;	/* too big, or vanished */
	uint64_t deleted;	/* DELE confirmed (committed by QUIT) */
	uint64_t seen_deleted;	/* of those: delivered in an earlier session */
	uint64_t on_server;	/* messages in the maildrop at the start */
	bool quit_ok;		/* QUIT answered +OK: the deletes happened */
	bool uidl;		/* the server gave UIDLs */
};

/* Run the session on c (logged in). The journal j must be open and
 * recovered (deliver_recover); d may be NULL with dry_run. ERR_USAGE
 * for --keep on a server without UIDL; ERR_IO/ERR_CANTCREATE from the
 * target (then nothing more is deleted, and what was durable before is
 * still deleted by QUIT); ERR_TEMP for a dropped connection (nothing
 * deleted this session: the next one deletes without delivering again);
 * ERR_PROTOCOL for a garbled reply. r is filled in every case. */
int pop3_fetch_run(struct conn *c, struct journal *j, struct deliver *d,
	const struct pop3_fetch_opts *o, struct pop3_fetch_result *r,
	struct mp_err *e);

#endif
