/* mbox: appending messages to an mbox file (mboxrd quoting) for a
 * fetcher that must deliver each message exactly once. The file is
 * locked against other mail programs the way mutt and procmail do it (an
 * fcntl write lock and a dotlock "PATH.lock"); writes are buffered and
 * streamed, so memory does not grow with a message. A message is written
 * with mbox_begin, mbox_line for each line and mbox_end; a batch is made
 * durable with mbox_sync; a message that did not complete is taken back
 * with mbox_truncate to the mbox_offset noted before its mbox_begin.
 * mbox_parse reads an mbox back (for tests and checks). */
#ifndef MAILPIPE_MBOX_H
#define MAILPIPE_MBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define MBOX_STALE_SECONDS 300	/* a dotlock older than this is removed */

struct mbox;

/* Open path for appending and lock it; "-" is standard output (no lock,
 * no fsync, rollback only of what is still buffered). A missing file is
 * created 0600; an existing one keeps its mode and owner. Symbolic links,
 * directories and anything but a regular file: ERR_CANTCREATE, as is a
 * dotlock that cannot be created. Both locks are retried every 100 ms for
 * up to lock_timeout_ms (0: once), then ERR_TEMP; a dotlock older than
 * MBOX_STALE_SECONDS is removed, once. */
int mbox_open(struct mbox **mp, const char *path, int lock_timeout_ms,
	struct mp_err *e);

/* Where the next message will begin: the file's size when opened, then
 * the end of what was written. Note it before mbox_begin to roll back. */
uint64_t mbox_offset(const struct mbox *m);

/* Start a message with "From SENDER DATE\n": sender (NULL or "" gives
 * MAILER-DAEMON; blanks and control characters become '_') and t in
 * asctime form, UTC. Line ends are added first where needed so that the
 * separator follows a blank line (none at the start of an empty file). */
int mbox_begin(struct mbox *m, const char *sender, time_t t, struct mp_err *e);

/* Write one line of the message, given without its line end; it gets
 * "\n" and mboxrd quoting (">" before a line matching ^>*From ). A '\n'
 * inside line[0..n) ends a line there, so none can forge a separator. */
int mbox_line(struct mbox *m, const char *line, size_t n, struct mp_err *e);

/* End the message with the blank line mboxrd puts after each. */
int mbox_end(struct mbox *m, struct mp_err *e);

/* Write out the buffer and fsync (once per batch). ERR_IO naming the file
 * and the cause (disk full included); then mbox_truncate to the start of
 * the message being written and stop, or try again later. */
int mbox_sync(struct mbox *m, struct mp_err *e);

/* Take back everything from offset on (at most mbox_offset): buffered
 * octets are dropped, the file is cut and fsynced. Leaves no message
 * open. For standard output only what is still buffered can be taken
 * back: ERR_IO otherwise. */
int mbox_truncate(struct mbox *m, uint64_t offset, struct mp_err *e);

/* Release the locks and close. Does not sync: what mbox_sync did not make
 * durable is taken back (the buffer is dropped and the file cut back to
 * its size at the last mbox_sync or at open), so that no partial message
 * is left behind. NULL is ignored. */
void mbox_close(struct mbox *m);

enum mbox_item {
	MBOX_FROM,	/* a separator line, whole ("From ...") */
	MBOX_LINE,	/* a line of the message, quoting undone */
};

/* Split the mbox text[0..n) into messages: fn gets each separator line
 * and then each line of its message without its line end, with one '>'
 * taken from lines matching ^>+From and without the blank line that ends
 * the message. A last line without "\n" counts as a line. Returns 0,
 * fn's value when not 0 (which stops), or -1 with ERR_DATA when the text
 * does not begin with "From ". */
int mbox_parse(const char *text, size_t n,
	int (*fn)(void *arg, enum mbox_item item, const char *line, size_t len),
	void *arg, struct mp_err *e);

#endif
