/* spool: a message read from the caller's input and checked line by line
 * (msg_scan), then read again as it is sent. A pipe is kept in memory up
 * to 1 MiB and beyond that in an unlinked temporary file, and checked
 * whole before anything is sent. A regular file is read in place: up to
 * 1 MiB it is checked whole first too; a larger one is read only once,
 * its header block checked first and the rest as spool_pread reads it
 * (spool_streaming), so a bad line is found while the message is sent and
 * the caller must abandon the transfer. Memory stays small for any size. */
#ifndef MAILPIPE_SPOOL_H
#define MAILPIPE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "msg.h"

#define SPOOL_HEADER_MAX (1024 * 1024)	/* the header block is held in memory */

struct spool;

/* Read fd to its end (or to a lone "." line when dot_ends), checking every
 * line with msg_scan (whose results are left in *scan). On success *sp
 * holds the message. ERR_DATA for bad input (naming the line), ERR_IO
 * when reading or spooling fails. */
int spool_read(struct spool **sp, int fd, bool dot_ends, struct msg_scan *scan,
	struct mp_err *e);

/* The header block: the input up to and including the empty line that
 * ends it, or all of it when there is none. *cut tells that there was no
 * end within the first SPOOL_HEADER_MAX octets, which are what is
 * returned then. */
const char *spool_header(const struct spool *s, size_t *n, bool *cut);

/* The message's length in input octets (while streaming: the file's, an
 * upper bound until a "." line ends it). */
unsigned long long spool_length(const struct spool *s);

/* Whether the message is still being checked as it is read: then
 * *scan holds the results only at the end (spool_pread returned 0). */
bool spool_streaming(const struct spool *s);

/* Read up to cap octets from offset off of the message; returns the count
 * (0 at the end) or -1 with ERR_IO. While streaming, reads must go
 * forward and what is read for the first time is checked: ERR_DATA for a
 * bad line. */
ssize_t spool_pread(struct spool *s, unsigned long long off, char *buf,
	size_t cap, struct mp_err *e);

void spool_free(struct spool *s);

#endif
