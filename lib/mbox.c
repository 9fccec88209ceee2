/* mbox: locked, buffered, rollback-able mboxrd appending. */
#include "mbox.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MBOX_BUF	(64 * 1024)
#define MBOX_RETRY_MS	100

struct mbox {
	int fd;
	bool is_stdout;		/* "-": no lock, no fsync, no cutting */
	bool dotlocked;		/* we created lockpath */
	bool in_msg;		/* between mbox_begin and mbox_end */
	char *name;		/* for messages: the path or "standard output" */
	char *lockpath;
	char *buf;		/* octets [flushed, flushed + blen) */
	size_t blen;
	uint64_t flushed;	/* octets in the file (since open for stdout) */
	uint64_t synced;	/* the file's size at the last sync or at open */
	unsigned char last[2];	/* the last two octets before flushed + blen */
	unsigned char ftail[2];	/* stdout: the last two octets before flushed */
};

static void
mbox_shift(unsigned char t[2], const char *p, size_t n)
{
	if (n >= 2) {
		t[0] = (unsigned char)p[n - 2];
		t[1] = (unsigned char)p[n - 1];
	} else if (n == 1) {
		t[0] = t[1];
		t[1] = (unsigned char)p[0];
	}
}

/* Write the buffer out. On failure what was written is accounted for and
 * the rest stays buffered, so flushed always equals the file's size. */
static int
mbox_flush(struct mbox *m, struct mp_err *e)
{
	size_t done = 0;
	int err = 0;

	while (done < m->blen) {
		ssize_t w = write(m->fd, m->buf + done, m->blen - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			break;
		}
		mbox_shift(m->ftail, m->buf + done, (size_t)w);
		done += (size_t)w;
	}
	m->flushed += done;
	m->blen -= done;
	if (m->blen > 0)
		memmove(m->buf, m->buf + done, m->blen);
	if (err != 0)
		return err_set(e, ERR_IO, "cannot write to %s: %s", m->name,
		    strerror(err));
	return 0;
}

static int
mbox_put(struct mbox *m, const char *p, size_t n, struct mp_err *e)
{
	mbox_shift(m->last, p, n);
	while (n > 0) {
		size_t k;
		if (m->blen == MBOX_BUF && mbox_flush(m, e) < 0)
			return -1;
		k = MBOX_BUF - m->blen;
		if (k > n)
			k = n;
		memcpy(m->buf + m->blen, p, k);
		m->blen += k;
		p += k;
		n -= k;
	}
	return 0;
}

uint64_t
mbox_offset(const struct mbox *m)
{
	return m->flushed + m->blen;
}

/* The octet at pos (< mbox_offset), or -1 when it cannot be read. */
static int
mbox_octet(const struct mbox *m, uint64_t pos)
{
	unsigned char c;

	if (pos >= m->flushed)
		return (unsigned char)m->buf[pos - m->flushed];
	if (m->is_stdout)
		return pos + 2 >= m->flushed ? m->ftail[2 - (m->flushed - pos)] : -1;
	if (pread(m->fd, &c, 1, (off_t)pos) != 1)
		return -1;
	return c;
}

/* Recompute last[] for the end at mbox_offset. */
static void
mbox_retail(struct mbox *m)
{
	uint64_t off = mbox_offset(m);
	int c;

	m->last[0] = m->last[1] = 0;
	if (off >= 1 && (c = mbox_octet(m, off - 1)) >= 0)
		m->last[1] = (unsigned char)c;
	if (off >= 2 && (c = mbox_octet(m, off - 2)) >= 0)
		m->last[0] = (unsigned char)c;
}

static long long
mbox_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the dotlock names a process (its content a PID, as ours and
 * many others write) that no longer exists: left by a program killed
 * with -9, and stale at once rather than after MBOX_STALE_SECONDS. */
static bool
mbox_dotlock_dead(const char *path)
{
	char buf[32], *end;
	long pid;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') || pid <= 0)
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* One try at the dotlock: 1 taken, 0 held by someone else, -1 error. */
static int
mbox_dotlock(struct mbox *m, bool *stale_done, struct mp_err *e)
{
	struct stat st;
	char pid[32];
	int fd, n;

	fd = open(m->lockpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd >= 0) {
		n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		/* The content is a courtesy for people; the name is the lock. */
		if (n > 0 && write(fd, pid, (size_t)n) < 0)
			(void)0;
		close(fd);
		m->dotlocked = true;
		return 1;
	}
	if (errno != EEXIST)
		return err_set(e, ERR_CANTCREATE, "cannot create the lock file %s: %s",
		    m->lockpath, strerror(errno));
	if (!*stale_done && lstat(m->lockpath, &st) == 0 &&
	    (st.st_mtime < time(NULL) - MBOX_STALE_SECONDS ||
	    mbox_dotlock_dead(m->lockpath))) {
		*stale_done = true;
		if (unlink(m->lockpath) == 0 || errno == ENOENT)
			return mbox_dotlock(m, stale_done, e);
	}
	return 0;
}

/* Both locks or none, retried until timeout_ms have passed. Neither is
 * held while waiting, so that a program taking them in the other order
 * cannot deadlock with us. */
static int
mbox_lock(struct mbox *m, int timeout_ms, struct mp_err *e)
{
	long long deadline = mbox_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	bool stale_done = false;
	const char *by;

	for (;;) {
		struct flock fl;
		struct timespec ts;
		long long left;
		int r;

		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(m->fd, F_SETLK, &fl) < 0) {
			if (errno != EACCES && errno != EAGAIN)
				return err_set(e, ERR_IO, "cannot lock %s: %s", m->name,
				    strerror(errno));
			by = "an fcntl lock";
		} else {
			if ((r = mbox_dotlock(m, &stale_done, e)) != 0)
				return r > 0 ? 0 : -1;
			fl.l_type = F_UNLCK;
			fcntl(m->fd, F_SETLK, &fl);
			by = m->lockpath;
		}
		if ((left = deadline - mbox_now_ms()) <= 0)
			return err_set(e, ERR_TEMP, "mbox %s is locked by another "
			    "program (%s)", m->name, by);
		if (left > MBOX_RETRY_MS)
			left = MBOX_RETRY_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

static int
mbox_open_file(struct mbox *m, const char *path, struct mp_err *e)
{
	const int flags = O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
	struct stat st;
	int tries, fl;

	/* Create, else open what exists; around again if it vanished. */
	for (tries = 0; tries < 3; tries++) {
		if ((m->fd = open(path, flags | O_CREAT | O_EXCL, 0600)) >= 0 ||
		    errno != EEXIST)
			break;
		if ((m->fd = open(path, flags)) >= 0 || errno != ENOENT)
			break;
	}
	if (m->fd < 0 && errno == ELOOP)
		return err_set(e, ERR_CANTCREATE, "%s is a symbolic link: refused",
		    path);
	if (m->fd < 0)
		return err_set(e, ERR_CANTCREATE, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(m->fd, &st) < 0)
		return err_set(e, ERR_CANTCREATE, "cannot open %s: %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_CANTCREATE, "%s is not a regular file", path);
	/* O_NONBLOCK only kept a FIFO from blocking the open. */
	if ((fl = fcntl(m->fd, F_GETFL)) < 0 ||
	    fcntl(m->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return err_set(e, ERR_CANTCREATE, "cannot open %s: %s", path,
		    strerror(errno));
	return 0;
}

int
mbox_open(struct mbox **mp, const char *path, int lock_timeout_ms,
    struct mp_err *e)
{
	struct mbox *m;
	struct stat st, now;
	size_t len = strlen(path);

	*mp = NULL;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->buf = malloc(MBOX_BUF)) == NULL) {
		free(m);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	m->fd = -1;
	if (strcmp(path, "-") == 0) {
		m->is_stdout = true;
		m->fd = STDOUT_FILENO;
		if ((m->name = strdup("standard output")) == NULL)
			goto nomem;
		*mp = m;
		return 0;
	}
	if ((m->name = strdup(path)) == NULL || (m->lockpath = malloc(len + 6)) == NULL)
		goto nomem;
	memcpy(m->lockpath, path, len);
	memcpy(m->lockpath + len, ".lock", 6);
	if (mbox_open_file(m, path, e) < 0 || mbox_lock(m, lock_timeout_ms, e) < 0)
		goto fail;
	/* The size counts only now that nobody else writes; and the name must
	 * still be this file (not renamed away while we waited). */
	if (fstat(m->fd, &st) < 0 || lstat(path, &now) < 0 ||
	    st.st_dev != now.st_dev || st.st_ino != now.st_ino) {
		err_set(e, ERR_TEMP, "mbox %s was replaced while it was being locked",
		    path);
		goto fail;
	}
	m->flushed = m->synced = (uint64_t)st.st_size;
	mbox_retail(m);
	*mp = m;
	return 0;
nomem:
	err_set(e, ERR_INTERNAL, "out of memory");
fail:
	m->synced = UINT64_MAX;		/* nothing of ours to take back */
	mbox_close(m);
	return -1;
}

int
mbox_begin(struct mbox *m, const char *sender, time_t t, struct mp_err *e)
{
	static const char days[][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char date[64];
	struct tm tm;
	size_t i, n;
	uint64_t off = mbox_offset(m);
	int nl;

	if (m->in_msg)
		return err_set(e, ERR_INTERNAL, "mbox_begin inside a message");
	if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return err_set(e, ERR_DATA, "message date out of range");
	snprintf(date, sizeof date, " %s %s %2d %02d:%02d:%02d %lld\n",
	    days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long long)tm.tm_year + 1900);
	/* A blank line before the separator, unless at the very start. */
	if (off == 0)
		nl = 0;
	else if (m->last[1] != '\n')
		nl = 2;
	else
		nl = off >= 2 && m->last[0] == '\n' ? 0 : 1;
	if (mbox_put(m, "\n\n", (size_t)nl, e) < 0 || mbox_put(m, "From ", 5, e) < 0)
		return -1;
	if (sender == NULL || *sender == '\0')
		sender = "MAILER-DAEMON";
	for (n = strlen(sender), i = 0; i < n; i++) {
		unsigned char c = (unsigned char)sender[i];
		char o = c <= ' ' || c == 0x7f ? '_' : (char)c;
		if (mbox_put(m, &o, 1, e) < 0)
			return -1;
	}
	if (mbox_put(m, date, strlen(date), e) < 0)
		return -1;
	m->in_msg = true;
	return 0;
}

/* Whether p[0..n) matches ^>*From (a line that needs one more '>'). */
static bool
mbox_fromish(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '>')
		i++;
	return n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

int
mbox_line(struct mbox *m, const char *line, size_t n, struct mp_err *e)
{
	if (!m->in_msg)
		return err_set(e, ERR_INTERNAL, "mbox_line outside a message");
	for (;;) {
		const char *nl = n > 0 ? memchr(line, '\n', n) : NULL;
		size_t k = nl ? (size_t)(nl - line) : n;

		if ((mbox_fromish(line, k) && mbox_put(m, ">", 1, e) < 0) ||
		    mbox_put(m, line, k, e) < 0 || mbox_put(m, "\n", 1, e) < 0)
			return -1;
		if (nl == NULL)
			return 0;
		line += k + 1;
		n -= k + 1;
	}
}

int
mbox_end(struct mbox *m, struct mp_err *e)
{
	if (!m->in_msg)
		return err_set(e, ERR_INTERNAL, "mbox_end outside a message");
	if (mbox_put(m, "\n", 1, e) < 0)
		return -1;
	m->in_msg = false;
	return 0;
}

int
mbox_sync(struct mbox *m, struct mp_err *e)
{
	if (mbox_flush(m, e) < 0)
		return -1;
	if (!m->is_stdout && fsync(m->fd) < 0)
		return err_set(e, ERR_IO, "cannot write to %s: %s", m->name,
		    strerror(errno));
	m->synced = m->flushed;
	return 0;
}

int
mbox_truncate(struct mbox *m, uint64_t offset, struct mp_err *e)
{
	int ret = 0;

	if (offset > mbox_offset(m))
		return err_set(e, ERR_INTERNAL, "mbox_truncate beyond the end");
	m->in_msg = false;
	if (offset >= m->flushed) {
		m->blen = (size_t)(offset - m->flushed);
	} else if (m->is_stdout) {
		/* What has gone out cannot be recalled; at least send no
		 * more of the message. */
		m->blen = 0;
		ret = err_set(e, ERR_IO, "cannot take back what was written to "
		    "standard output");
	} else {
		m->blen = 0;
		if (ftruncate(m->fd, (off_t)offset) < 0 || fsync(m->fd) < 0) {
			/* Where the file ends is unknown now: keep appending
			 * after whatever is there. */
			struct stat st;
			ret = err_set(e, ERR_IO, "cannot cut %s back: %s", m->name,
			    strerror(errno));
			if (fstat(m->fd, &st) == 0)
				m->flushed = (uint64_t)st.st_size;
		} else {
			m->flushed = offset;
		}
		if (m->synced > m->flushed)
			m->synced = m->flushed;
	}
	mbox_retail(m);
	return ret;
}

void
mbox_close(struct mbox *m)
{
	if (m == NULL)
		return;
	if (m->fd >= 0 && !m->is_stdout) {
		/* Take back what was not synced, before unlocking. */
		if (m->synced != UINT64_MAX && m->flushed > m->synced &&
		    ftruncate(m->fd, (off_t)m->synced) < 0)
			(void)0;
		if (m->dotlocked)
			unlink(m->lockpath);
		close(m->fd);	/* releases the fcntl lock */
	}
	free(m->name);
	free(m->lockpath);
	free(m->buf);
	free(m);
}

int
mbox_parse(const char *text, size_t n,
    int (*fn)(void *arg, enum mbox_item item, const char *line, size_t len),
    void *arg, struct mp_err *e)
{
	size_t pos = 0, blanks = 0;
	bool started = false;
	int r;

	while (pos < n) {
		const char *p = text + pos, *nl = memchr(p, '\n', n - pos);
		size_t k = nl ? (size_t)(nl - p) : n - pos;

		pos += nl ? k + 1 : k;
		if (k >= 5 && memcmp(p, "From ", 5) == 0) {
			/* The blank line before is the end of the last one. */
			if (blanks > 0)
				blanks--;
			for (; blanks > 0; blanks--)
				if ((r = fn(arg, MBOX_LINE, "", 0)) != 0)
					return r;
			started = true;
			if ((r = fn(arg, MBOX_FROM, p, k)) != 0)
				return r;
			continue;
		}
		if (!started)
			return err_set(e, ERR_DATA, "an mbox must begin with \"From \"");
		/* Blank lines wait: the last one ends the message. */
		if (k == 0) {
			blanks++;
			continue;
		}
		for (; blanks > 0; blanks--)
			if ((r = fn(arg, MBOX_LINE, "", 0)) != 0)
				return r;
		if (p[0] == '>' && mbox_fromish(p, k))
			p++, k--;
		if ((r = fn(arg, MBOX_LINE, p, k)) != 0)
			return r;
	}
	if (blanks > 0)
		blanks--;
	for (; blanks > 0; blanks--)
		if ((r = fn(arg, MBOX_LINE, "", 0)) != 0)
			return r;
	return 0;
}
