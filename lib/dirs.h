/* dirs: directories created durably and temporary files, for the
 * modules that keep mail and state on disk (maildir, journal, spools). */
#ifndef MAILPIPE_DIRS_H
#define MAILPIPE_DIRS_H

#include <stddef.h>

#include "err.h"

/* mkdir -p path, each directory created with mode 0700 and its parent
 * fsynced so that the new entry survives a crash. Symbolic links on the
 * way are followed (callers refuse a final one themselves).
 * ERR_CANTCREATE naming the directory; ERR_INTERNAL out of memory. */
int dirs_make(const char *path, struct mp_err *e);

/* A temporary file opened for reading and writing, mode 0600, in $TMPDIR
 * (else /tmp), with no name: O_TMPFILE, or a mkstemp name unlinked at
 * once. what names its use in the ERR_IO message ("the MDA's spool").
 * Returns the descriptor or -1. */
int dirs_tempfile(const char *what, struct mp_err *e);

/* Write all of p[0..n) to fd (retrying short writes and EINTR): 0, or -1
 * with ERR_IO "what: strerror". */
int dirs_write_all(int fd, const void *p, size_t n, const char *what,
	struct mp_err *e);

#endif
