/* spool: validated, re-readable message input. */
#include "spool.h"
#include "dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_CHUNK	(512 * 1024)
#define SPOOL_MEM_MAX	(1024 * 1024)	/* a pipe's message kept in memory */
#define SPOOL_STREAM_MIN (1024 * 1024) /* a larger file is checked as it is sent */

struct spool {
	int fd;			/* file to read from: the input or a temp file */
	bool own_fd;		/* a temp file we created */
	off_t base;		/* where the message starts in fd */
	char *mem;		/* a small piped message, or NULL */
	size_t mem_len, mem_cap;
	unsigned long long len;	/* the message's octets */
	char *header;		/* the header block */
	size_t header_len;
	bool header_done;	/* the block's end was seen */
	bool header_cut;	/* no end within SPOOL_HEADER_MAX octets */
	struct msg_scan *scan;	/* streaming: checks what is read as it is read */
	unsigned long long scanned; /* streaming: octets fed to scan so far */
	bool streaming;
};

static int
spool_tempfile(struct spool *s, struct mp_err *e)
{
	if ((s->fd = dirs_tempfile("a spool file", e)) < 0)
		return -1;
	s->own_fd = true;
	s->base = 0;
	return 0;
}

static int
spool_write_all(int fd, const char *p, size_t n, struct mp_err *e)
{
	return dirs_write_all(fd, p, n, "cannot spool the message", e);
}

/* Keep the piped octets: in memory while small, then in a temp file. */
static int
spool_keep(struct spool *s, const char *p, size_t n, struct mp_err *e)
{
	if (s->own_fd)
		return spool_write_all(s->fd, p, n, e);
	if (s->mem_len + n <= SPOOL_MEM_MAX) {
		if (s->mem_len + n > s->mem_cap) {
			size_t cap = s->mem_cap ? s->mem_cap : SPOOL_CHUNK;
			char *m;
			while (cap < s->mem_len + n)
				cap *= 2;
			if ((m = realloc(s->mem, cap)) == NULL)
				return err_set(e, ERR_INTERNAL, "out of memory");
			s->mem = m;
			s->mem_cap = cap;
		}
		memcpy(s->mem + s->mem_len, p, n);
		s->mem_len += n;
		return 0;
	}
	if (spool_tempfile(s, e) < 0 ||
	    spool_write_all(s->fd, s->mem, s->mem_len, e) < 0)
		return -1;
	free(s->mem);
	s->mem = NULL;
	s->mem_len = s->mem_cap = 0;
	return spool_write_all(s->fd, p, n, e);
}

/* Copy header octets until the block's end (scan->header_end) is known. */
static int
spool_header_keep(struct spool *s, const struct msg_scan *scan,
    unsigned long long at, const char *p, size_t n, struct mp_err *e)
{
	size_t want = n;

	if (s->header_done)
		return 0;
	if (scan->header_end >= 0 && (unsigned long long)scan->header_end < at + n) {
		want = (size_t)((unsigned long long)scan->header_end - at);
		s->header_done = true;
	}
	(void)e;
	if (s->header_len + want > SPOOL_HEADER_MAX) {
		/* Whether that is a header too large or a message without
		 * one is the caller's to tell from the beginning. */
		want = SPOOL_HEADER_MAX - s->header_len;
		s->header_done = true;
		s->header_cut = true;
	}
	memcpy(s->header + s->header_len, p, want);
	s->header_len += want;
	return 0;
}

int
spool_read(struct spool **sp, int fd, bool dot_ends, struct msg_scan *scan,
    struct mp_err *e)
{
	struct spool *s;
	struct stat st;
	char *buf;
	unsigned long long at = 0;
	bool in_place;
	int ret = -1;

	*sp = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	s->fd = -1;
	buf = malloc(SPOOL_CHUNK);
	s->header = malloc(SPOOL_HEADER_MAX);
	if (buf == NULL || s->header == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	/* A regular file can be read again where it is; a large one is read
	 * only once, checked as it is sent (spool_pread). */
	in_place = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (s->base = lseek(fd, 0, SEEK_CUR)) >= 0;
	if (in_place) {
		s->fd = fd;
		s->streaming = st.st_size - s->base > SPOOL_STREAM_MIN;
	}
	msg_scan_init(scan, dot_ends);
	for (;;) {
		if (s->streaming && (s->header_done || scan->header_end >= 0))
			break;
		ssize_t r = read(fd, buf, SPOOL_CHUNK), used;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, ERR_IO, "reading the message failed: %s",
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if ((used = msg_scan_feed(scan, buf, (size_t)r, e)) < 0)
			goto out;
		if (spool_header_keep(s, scan, at, buf, (size_t)used, e) < 0)
			goto out;
		if (!in_place && spool_keep(s, buf, (size_t)used, e) < 0)
			goto out;
		at += (unsigned long long)used;
		if (used < r)
			break;
	}
	if (s->streaming && !scan->done) {
		/* The header block is checked; the rest waits for pread. */
		s->scan = scan;
		s->scanned = at;
		s->len = (unsigned long long)(st.st_size - s->base);
		*sp = s;
		ret = 0;
		goto out;
	}
	s->streaming = false;
	if (msg_scan_finish(scan, e) < 0)
		goto out;
	s->len = scan->consumed;
	/* The scanner's count is the truth: a "." line split over two reads
	 * was passed on before it was known to end the message. */
	if (s->header_len > s->len)
		s->header_len = (size_t)s->len;
	if (!in_place && s->own_fd && ftruncate(s->fd, (off_t)s->len) < 0) {
		err_set(e, ERR_IO, "cannot spool the message: %s", strerror(errno));
		goto out;
	}
	if (!in_place && !s->own_fd && s->mem_len > s->len)
		s->mem_len = (size_t)s->len;
	*sp = s;
	ret = 0;
out:
	free(buf);
	if (ret < 0)
		spool_free(s);
	return ret;
}

const char *
spool_header(const struct spool *s, size_t *n, bool *cut)
{
	*n = s->header_len;
	*cut = s->header_cut;
	return s->header;
}

unsigned long long
spool_length(const struct spool *s)
{
	return s->len;
}

bool
spool_streaming(const struct spool *s)
{
	return s->streaming;
}

ssize_t
spool_pread(struct spool *s, unsigned long long off, char *buf, size_t cap,
    struct mp_err *e)
{
	ssize_t r;

	if (off >= s->len)
		return 0;
	if (cap > s->len - off)
		cap = (size_t)(s->len - off);
	if (s->fd < 0) {
		memcpy(buf, s->mem + off, cap);
		return (ssize_t)cap;
	}
	do {
		r = pread(s->fd, buf, cap, s->base + (off_t)off);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_set(e, ERR_IO, "reading the message again failed: %s",
		    strerror(errno));
	if (r == 0)
		return err_set(e, ERR_IO, "the message file shrank while it was "
		    "being sent");
	if (s->streaming && off + (unsigned long long)r > s->scanned) {
		/* Check what is read for the first time, in order. */
		size_t skip = (size_t)(s->scanned - off), fed = (size_t)r - skip;
		ssize_t used;
		if (off > s->scanned)
			return err_set(e, ERR_INTERNAL, "message read out of order");
		if ((used = msg_scan_feed(s->scan, buf + skip, fed, e)) < 0)
			return -1;
		s->scanned += fed;
		if ((size_t)used < fed || s->scanned == s->len) {
			if (msg_scan_finish(s->scan, e) < 0)
				return -1;
			s->streaming = false;
			s->len = s->scan->consumed;
			if (off >= s->len)
				return 0;
			if ((unsigned long long)r > s->len - off)
				r = (ssize_t)(s->len - off);
		}
	}
	return r;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->own_fd)
		close(s->fd);
	free(s->mem);
	free(s->header);
	free(s);
}
