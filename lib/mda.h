/* mda: a message spooled whole to an unlinked temporary file, then piped
 * to a command (a mail delivery agent such as procmail or maildrop) whose
 * exit status says whether it was delivered. */
#ifndef MAILPIPE_MDA_H
#define MAILPIPE_MDA_H

#include <stddef.h>

#include "err.h"

struct mda;

/* Prepare to run cmd (with sh -c) for each message. */
int mda_open(struct mda **mp, const char *cmd, struct mp_err *e);

/* Start a message: an unlinked temporary file in $TMPDIR (or /tmp).
 * ERR_IO when it cannot be made. */
int mda_begin(struct mda *m, struct mp_err *e);

/* One line of the message, without its line end; written with "\n".
 * ERR_IO (disk full included). */
int mda_line(struct mda *m, const char *line, size_t n, struct mp_err *e);

/* Run the command with the whole message on its standard input and the
 * environment variable name=value set (e.g. POPFETCH_UIDL), wait for it:
 * 0 when it exited 0; ERR_TEMP naming the status when it exited 75
 * (EX_TEMPFAIL) or was killed, ERR_UNAVAILABLE for another status,
 * ERR_IO when it could not be started. The command's stdout goes to our
 * stderr, so it cannot mix with a tool's data. */
int mda_end(struct mda *m, const char *name, const char *value, struct mp_err *e);

/* Drop the message being spooled. */
void mda_abort(struct mda *m);

void mda_close(struct mda *m);

#endif
