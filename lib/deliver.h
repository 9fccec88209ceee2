/* deliver: the three local targets of a fetching tool (an mbox, a
 * maildir, an MDA command) behind one interface, each kept in step with
 * the delivery journal (lib/journal) so that every message lands exactly
 * once across crashes:
 *
 *   mbox:    the batch's messages are journaled as begun at the mbox's
 *            end, the journal synced, the messages appended, the mbox
 *            fsynced, then each recorded done. After a crash the mbox is
 *            cut back to where the unfinished batch began.
 *   maildir: each message is written to tmp/ and journaled as begun
 *            under its file name; at the batch's end the journal is
 *            synced, the file system synced, the files linked into new/
 *            and the directories synced, then each is recorded done.
 *            After a crash a file found in new/ is recorded done, one
 *            not found never appeared (its tmp/ file is removed).
 *   MDA:     each message is spooled, journaled as begun, piped to the
 *            command, and recorded done (synced) when it exits 0. After a
 *            crash between the two the message is delivered again: the
 *            command sees its identity in the environment to notice. */
#ifndef MAILPIPE_DELIVER_H
#define MAILPIPE_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "journal.h"

enum deliver_kind { DELIVER_MBOX, DELIVER_MAILDIR, DELIVER_MDA };

struct deliver;

/* Open the target: an mbox path ("-": standard output, then without
 * rollback), a maildir directory, or an MDA command run with sh -c and
 * env_name set to each message's identity. ERR_CANTCREATE, ERR_TEMP
 * (mbox locked). */
int deliver_open(struct deliver **dp, enum deliver_kind kind, const char *where,
	const char *env_name, struct journal *j, struct mp_err *e);

/* After a crash: roll the journal's pending deliveries back or forward
 * (see above) and clear them. *back and *forward count them. */
int deliver_recover(struct deliver *d, unsigned *back, unsigned *forward,
	struct mp_err *e);

/* Before the messages ids[0..n) of a batch are written: for an mbox,
 * journal them as begun at the current end and sync the journal (the
 * other targets journal each message in deliver_begin). */
int deliver_batch(struct deliver *d, const char *const *ids, size_t n,
	struct mp_err *e);

/* Start the message id (sender and t for an mbox's From line). */
int deliver_begin(struct deliver *d, const char *id, const char *sender,
	time_t t, struct mp_err *e);

/* The message's identity is known only now (a digest of its content, for
 * a server without usable UIDLs): use id from here on. */
void deliver_set_id(struct deliver *d, const char *id);

/* The message's flags as maildir info letters (see maildir_set_info):
 * a maildir target files it in cur/ with them; the others ignore them. */
void deliver_set_flags(struct deliver *d, const char *letters);

/* One line of it, without its line end. */
int deliver_line(struct deliver *d, const char *line, size_t n, struct mp_err *e);

/* The message is complete: for an MDA it is delivered now (and journaled
 * done); for the others it is durable only after deliver_commit. */
int deliver_end(struct deliver *d, struct mp_err *e);

/* The message being written did not complete (a dropped connection, a
 * write error): remove what was written of it. */
int deliver_abort(struct deliver *d, struct mp_err *e);

/* Make the batch durable (fsync) and journal ids[0..n) done, synced;
 * pending records of messages that were not written are cleared. */
int deliver_commit(struct deliver *d, const char *const *ids, size_t n,
	struct mp_err *e);

void deliver_close(struct deliver *d);

#endif
