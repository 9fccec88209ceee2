/* maildir: deliver messages into a Maildir, line by line as they arrive,
 * so that memory does not grow with a message's size. A message is
 * written to tmp/ under a unique name; maildir_commit then makes a batch
 * of them durable with one sync of the file system and links each into
 * new/ under the same name (never replacing a file), then syncs the
 * directories. Errors name the file and leave no tmp file behind. */
#ifndef MAILPIPE_MAILDIR_H
#define MAILPIPE_MAILDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define MAILDIR_NAME_MAX 255	/* octets in a file name maildir_begin makes */

struct maildir;

/* Open dir/{tmp,new,cur}, creating what is missing with mode 0700 (dir
 * itself too, with its parents). ERR_CANTCREATE when that is impossible
 * or when dir or a subdirectory is a symbolic link or not a directory. */
int maildir_open(struct maildir **mp, const char *dir, struct mp_err *e);

/* Start a message: a new file in tmp/ named time.M<usec>P<pid>Q<counter>.
 * <host> ('/' and ':' in the host name escaped as \057 and \072, as are
 * octets outside 0x21-0x7e), created O_EXCL|O_NOFOLLOW with mode 0600.
 * ERR_CANTCREATE when it cannot be created, ERR_INTERNAL when a message
 * is already being written. */
int maildir_begin(struct maildir *m, struct mp_err *e);

/* The file name of the message being written (the name it will have in
 * new/), so that it can be journaled before the message is linked there;
 * "" when none is. */
const char *maildir_name(const struct maildir *m);

/* Append line[0..n) and "\n" to the message (64 KiB buffered). ERR_IO
 * when writing fails (disk full included): the message is dropped. */
int maildir_line(struct maildir *m, const char *line, size_t n, struct mp_err *e);

/* The flags of the message being written, as maildir info letters (D
 * draft, F flagged, P passed, R replied, S seen, T trashed; others are
 * ignored, the order does not matter): with any, maildir_end puts it in
 * cur/ as NAME:2,LETTERS instead of new/NAME. Cleared by maildir_end. */
void maildir_set_info(struct maildir *m, const char *flags);

/* Finish the message: write it out and close it; it waits in tmp/ for
 * maildir_commit. *name, when not NULL, receives its name (cap at least
 * MAILDIR_NAME_MAX + 1). ERR_IO when a step fails: the message is
 * dropped. */
int maildir_end(struct maildir *m, char *name, size_t cap, struct mp_err *e);

/* Drop the message being written, if any (its tmp file is removed). */
void maildir_abort(struct maildir *m);

/* Deliver the messages ended since the last commit: sync the file system
 * (their content is durable before any of them is visible), link each
 * from tmp/ into new/ (or cur/ with its info), remove it from tmp/, and
 * fsync the directories. After it, every one survives a crash. ERR_IO on
 * failure: those not yet linked are removed from tmp/, those linked stay
 * (not synced: maildir_exists tells after a crash). */
int maildir_commit(struct maildir *m, struct mp_err *e);

/* Roll back a delivery (after a crash, one whose journal record was not
 * written): remove new/NAME, or cur/NAME and cur/NAME:<info> if a reader
 * moved it there, and tmp/NAME; durably (the directory is fsynced). A
 * file that is not there is no error. ERR_DATA for a name that is not a
 * plain file name, ERR_IO when removing fails. */
int maildir_remove(struct maildir *m, const char *name, struct mp_err *e);

/* Whether the message NAME is in new/ (or already in cur/ as NAME or
 * NAME:info, moved there by a mail reader). */
bool maildir_exists(struct maildir *m, const char *name);

/* Drop any message being written or ended and not committed (removed
 * from tmp/) and free m. */
void maildir_close(struct maildir *m);

#endif
