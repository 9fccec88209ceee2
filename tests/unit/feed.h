/* feed: a conn that reads the given bytes, for testing protocol readers
 * without a server. */
#ifndef MAILPIPE_FEED_H
#define MAILPIPE_FEED_H

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"

/* A conn whose peer has sent `data` and closed. NULL on failure. The
 * data must fit in a socket buffer (a few hundred KiB). */
static __attribute__((unused)) struct conn *
feed_conn(enum conn_proto proto, const char *data, size_t n, size_t line_max)
{
	int sv[2];
	size_t off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return NULL;
	while (off < n) {
		ssize_t w = write(sv[1], data + off, n - off);
		if (w <= 0) {
			close(sv[0]);
			close(sv[1]);
			return NULL;
		}
		off += (size_t)w;
	}
	close(sv[1]);
	return conn_open_fd(sv[0], proto, 2000, line_max, NULL);
}

#endif
