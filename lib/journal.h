/* journal: an account's delivery state for popfetch, so that every
 * message is delivered exactly once across kill -9, power loss and full
 * disks. The state directory holds "lock" (held while open), "seen" (one
 * delivered UIDL per line, replaced whole by journal_compact) and
 * "journal" (records appended since, each line checksummed: "B <pos>
 * <uidl> <name-or-dash> <crc32>", "D <uidl> <crc32>", "C <crc32>").
 *
 * The caller's protocol: journal_begin and journal_sync before the
 * target is written; write the message and make it durable (fsync,
 * maildir_sync); then journal_done (synced with the next begin, or at
 * the end). After a crash journal_pending names the deliveries to roll
 * back (truncate the mbox to the first pos) or forward (a maildir file
 * made durable under its name), then journal_clear_pending. Files are created with mode 0600. */
#ifndef MAILPIPE_JOURNAL_H
#define MAILPIPE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JOURNAL_UIDL_MAX 70	/* octets in a UIDL (RFC 1939), at most */
#define JOURNAL_NAME_MAX 255	/* octets in a target name, at most */

#define JOURNAL_PENDING_MAX 4096	/* deliveries begun, not done */

struct journal;

/* Open the state directory dir (created 0700 with its parents if
 * missing) and lock dir/lock (flock, non-blocking): ERR_TEMP when another
 * process holds it. Load dir/seen and replay dir/journal. Replay stops at
 * the first bad record (no final newline, bad checksum or syntax: a torn
 * write never acknowledged by journal_sync), which is cut off so that new
 * records follow good ones. A bad line in seen is ERR_DATA; a state file
 * that is a symbolic link or not a regular file, ERR_CANTCREATE. */
int journal_open(struct journal **jp, const char *dir, struct mp_err *e);

/* Whether the message with this UIDL was delivered (in seen or journaled
 * done). */
bool journal_delivered(const struct journal *j, const char *uidl);

/* Record that delivery of uidl begins at position pos of the target (an
 * mbox offset; 0 for a maildir or an MDA) under the target's name for it
 * (a maildir file name; NULL or "" for none). ERR_DATA for a UIDL that is
 * not 1 to JOURNAL_UIDL_MAX octets of 0x21-0x7e, or such a name too long;
 * ERR_INTERNAL past JOURNAL_PENDING_MAX deliveries pending. A batch
 * begins all its messages, syncs, writes them, makes them durable, then
 * records each done. */
int journal_begin(struct journal *j, const char *uidl, uint64_t pos, const char *name,
	struct mp_err *e);

/* Record that uidl is delivered (durably in the target); it is no longer
 * pending. ERR_DATA for a bad UIDL. */
int journal_done(struct journal *j, const char *uidl, struct mp_err *e);

/* Write the buffered records and fsync the journal: once per batch, and
 * after journal_begin before the target is written. ERR_IO on failure,
 * after which the journal refuses everything but journal_close. */
int journal_sync(struct journal *j, struct mp_err *e);

/* After a crash: the deliveries begun (journal_begin) and neither done
 * nor cleared, in the order begun (a batch), so that the caller can roll
 * them back (cut an mbox at the first one's pos) or forward (publish a
 * maildir file by its name). journal_pending gives the i-th, with its
 * UIDL (ucap at least JOURNAL_UIDL_MAX + 1), pos and name ("" when none;
 * ncap at least JOURNAL_NAME_MAX + 1; pos and name may be NULL); false
 * when i >= journal_pending_count. */
size_t journal_pending_count(const struct journal *j);
bool journal_pending(const struct journal *j, size_t i, char *uidl, size_t ucap,
	uint64_t *pos, char *name, size_t ncap);

/* Forget every pending delivery once the caller dealt with them
 * (journaled; durable with the next journal_sync). */
int journal_clear_pending(struct journal *j, struct mp_err *e);

/* Compact: write dir/seen.tmp with the delivered UIDLs for which
 * keep(arg, uidl) is true (all when keep is NULL), fsync it, rename it
 * over dir/seen, fsync dir, then empty the journal (fsync). A crash at any
 * point leaves a consistent state. ERR_INTERNAL while a delivery is
 * pending, ERR_IO on failure (then as for journal_sync). */
int journal_compact(struct journal *j, bool (*keep)(void *arg, const char *uidl),
	void *arg, struct mp_err *e);

/* The number of delivered UIDLs known. */
size_t journal_count(const struct journal *j);

/* Call fn for every delivered UIDL known, in no particular order. */
void journal_each(const struct journal *j, void (*fn)(void *arg,
	const char *uidl), void *arg);

/* Release the lock and free j; buffered records are not written. */
void journal_close(struct journal *j);

#endif
