/* dirs: creating directories durably, for the modules that keep mail
 * and state on disk (maildir, journal). */
#ifndef MAILPIPE_DIRS_H
#define MAILPIPE_DIRS_H

#include "err.h"

/* mkdir -p path, each directory created with mode 0700 and its parent
 * fsynced so that the new entry survives a crash. Symbolic links on the
 * way are followed (callers refuse a final one themselves).
 * ERR_CANTCREATE naming the directory; ERR_INTERNAL out of memory. */
int dirs_make(const char *path, struct mp_err *e);

#endif
