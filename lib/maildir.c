/* maildir: streaming delivery into a Maildir. */
#include "maildir.h"
#include "dirs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAILDIR_BUF	(64 * 1024)
#define MAILDIR_HOST_MAX 128	/* octets of the escaped host name kept */

struct maildir {
	char *dir;		/* as given, for messages */
	int dfd, tmpfd, newfd, curfd; /* dir, dir/tmp, dir/new, dir/cur */
	char host[MAILDIR_HOST_MAX + 1]; /* escaped host name */
	int fd;			/* the message being written, or -1 */
	char name[MAILDIR_NAME_MAX + 1]; /* its name, "" when none */
	char info[8];		/* its flags ("FS"): into cur/ with ":2,info" */
	char *buf;		/* MAILDIR_BUF octets not yet written */
	size_t len;
	struct maildir_done *done; /* ended, in tmp/, not yet committed */
	size_t ndone, capdone;
};

/* A message complete in tmp/NAME, to go to new/NAME or cur/NAME:2,INFO. */
struct maildir_done {
	char name[MAILDIR_NAME_MAX + 1];
	char info[8];
};

/* tmp/ files untouched this long are left over from a crash (the maildir
 * specification's 36 hours): maildir_open removes them. */
#define MAILDIR_STALE (36 * 60 * 60)

/* Deliveries of this process: with the pid and time, a unique name. */
static unsigned long maildir_counter;

/* Why opening path as a directory without following links failed. */
static const char *
maildir_why(int at, const char *path)
{
	struct stat st;
	int errnum = errno;

	/* O_DIRECTORY reports a symbolic link as ENOTDIR. */
	if (errnum == ELOOP || (fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)))
		return "a symbolic link, refused";
	return strerror(errnum);
}

/* Open (creating it if missing) the subdirectory sub of the maildir. */
static int
maildir_subdir(struct maildir *m, const char *sub, struct mp_err *e)
{
	int fd;

	if (mkdirat(m->dfd, sub, 0700) == 0)
		(void)fsync(m->dfd);
	else if (errno != EEXIST)
		return err_set(e, ERR_CANTCREATE, "cannot create %s/%s: %s",
		    m->dir, sub, strerror(errno));
	fd = openat(m->dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_CANTCREATE, "cannot open %s/%s: %s", m->dir, sub,
		    maildir_why(m->dfd, sub));
	return fd;
}

/* The host name for file names, escaped per the maildir specification. */
static void
maildir_hostname(char *out, size_t cap)
{
	char host[256];
	const unsigned char *p;
	size_t o = 0;

	if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (p = (const unsigned char *)host; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || *p < 0x21 || *p > 0x7e) {
			if (o + 4 >= cap)
				break;
			snprintf(out + o, cap - o, "\\%03o", *p);
			o += 4;
		} else {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
}

/* A handle to read the directory open as dfd (one of the maildir's):
 * NULL with errno set on failure. */
static DIR *
maildir_opendir(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), errnum;
	DIR *dir;

	if (fd < 0)
		return NULL;
	if ((dir = fdopendir(fd)) == NULL) {
		errnum = errno;
		close(fd);
		errno = errnum;
	}
	return dir;
}

/* Remove the files in tmp/ that nobody has touched for MAILDIR_STALE
 * seconds: what a crash left of a message (never in new/ or cur/, so
 * fetched again), as mail readers do. Best effort. */
static void
maildir_clean_tmp(struct maildir *m)
{
	time_t now = time(NULL);
	struct dirent *d;
	struct stat st;
	DIR *dir;

	if ((dir = maildir_opendir(m->tmpfd)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' ||
		    fstatat(m->tmpfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < MAILDIR_STALE ||
		    now - st.st_atime < MAILDIR_STALE)
			continue;
		(void)unlinkat(m->tmpfd, d->d_name, 0);
	}
	closedir(dir);
}

int
maildir_open(struct maildir **mp, const char *dir, struct mp_err *e)
{
	struct maildir *m;
	size_t n;

	*mp = NULL;
	if (dir == NULL || *dir == '\0')
		return err_set(e, ERR_CANTCREATE, "no maildir given");
	if ((m = calloc(1, sizeof *m)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	m->dfd = m->tmpfd = m->newfd = m->curfd = m->fd = -1;
	if ((m->dir = strdup(dir)) == NULL || (m->buf = malloc(MAILDIR_BUF)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	/* "link/" would follow the link despite O_NOFOLLOW. */
	for (n = strlen(m->dir); n > 1 && m->dir[n - 1] == '/'; n--)
		m->dir[n - 1] = '\0';
	dir = m->dir;
	if (dirs_make(dir, e) < 0)
		goto fail;
	m->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (m->dfd < 0) {
		err_set(e, ERR_CANTCREATE, "cannot open %s: %s", dir,
		    maildir_why(AT_FDCWD, dir));
		goto fail;
	}
	if ((m->tmpfd = maildir_subdir(m, "tmp", e)) < 0 ||
	    (m->newfd = maildir_subdir(m, "new", e)) < 0)
		goto fail;
	if ((m->curfd = maildir_subdir(m, "cur", e)) < 0)
		goto fail;
	maildir_hostname(m->host, sizeof m->host);
	maildir_clean_tmp(m);
	*mp = m;
	return 0;
fail:
	maildir_close(m);
	return -1;
}

int
maildir_begin(struct maildir *m, struct mp_err *e)
{
	struct timeval tv;
	int n, tries;

	if (m->fd >= 0)
		return err_set(e, ERR_INTERNAL, "%s: a message is already being written",
		    m->dir);
	for (tries = 0; ; tries++) {
		gettimeofday(&tv, NULL);
		n = snprintf(m->name, sizeof m->name, "%lld.M%ldP%ldQ%lu.%s",
		    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
		    ++maildir_counter, m->host);
		if (n < 0 || (size_t)n >= sizeof m->name) {
			m->name[0] = '\0';
			return err_set(e, ERR_INTERNAL, "maildir file name too long");
		}
		m->fd = openat(m->tmpfd, m->name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (m->fd >= 0)
			break;
		/* Another process with our pid (a reused one, or in another
		 * pid namespace on the same host name): try the next count. */
		if (errno != EEXIST || tries == 100) {
			err_set(e, ERR_CANTCREATE, "cannot create %s/tmp/%s: %s", m->dir,
			    m->name, strerror(errno));
			m->name[0] = '\0';
			return -1;
		}
	}
	m->len = 0;
	m->info[0] = '\0';
	return 0;
}

const char *
maildir_name(const struct maildir *m)
{
	return m->fd >= 0 ? m->name : "";
}

/* Fail the message being written: fill e, drop it. */
static int
maildir_fail(struct maildir *m, const char *what, int errnum, struct mp_err *e)
{
	err_set(e, ERR_IO, "cannot %s %s/tmp/%s: %s", what, m->dir, m->name,
	    strerror(errnum));
	maildir_abort(m);
	return -1;
}

static int
maildir_write(struct maildir *m, const char *p, size_t n, struct mp_err *e)
{
	while (n > 0) {
		ssize_t w = write(m->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return maildir_fail(m, "write", errno, e);
		if (w == 0)
			return maildir_fail(m, "write", EIO, e);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
maildir_flush(struct maildir *m, struct mp_err *e)
{
	size_t n = m->len;

	m->len = 0;
	return maildir_write(m, m->buf, n, e);
}

int
maildir_line(struct maildir *m, const char *line, size_t n, struct mp_err *e)
{
	if (m->fd < 0)
		return err_set(e, ERR_INTERNAL, "%s: no message is being written", m->dir);
	if (m->len + n + 1 > MAILDIR_BUF) {
		if (maildir_flush(m, e) < 0)
			return -1;
		/* A line longer than the buffer goes out directly. */
		if (n >= MAILDIR_BUF && maildir_write(m, line, n, e) < 0)
			return -1;
		if (n >= MAILDIR_BUF)
			n = 0;
	}
	memcpy(m->buf + m->len, line, n);
	m->len += n;
	m->buf[m->len++] = '\n';
	return 0;
}

int
maildir_end(struct maildir *m, char *name, size_t cap, struct mp_err *e)
{
	struct maildir_done *dn;
	int fd;

	if (m->fd < 0)
		return err_set(e, ERR_INTERNAL, "%s: no message is being written", m->dir);
	if (name != NULL && strlen(m->name) >= cap) {
		err_set(e, ERR_INTERNAL, "%s: no room for the file name", m->dir);
		maildir_abort(m);
		return -1;
	}
	if (m->ndone == m->capdone) {
		size_t cap2 = m->capdone ? 2 * m->capdone : 64;
		if ((dn = realloc(m->done, cap2 * sizeof *dn)) == NULL) {
			err_set(e, ERR_INTERNAL, "out of memory");
			maildir_abort(m);
			return -1;
		}
		m->done = dn;
		m->capdone = cap2;
	}
	if (maildir_flush(m, e) < 0)
		return -1;
	fd = m->fd;
	m->fd = -1;
	if (close(fd) < 0) {
		/* Not in new/ yet: the file goes as if aborted. */
		err_set(e, ERR_IO, "cannot close %s/tmp/%s: %s", m->dir, m->name,
		    strerror(errno));
		(void)unlinkat(m->tmpfd, m->name, 0);
		m->name[0] = m->info[0] = '\0';
		return -1;
	}
	dn = &m->done[m->ndone++];
	memcpy(dn->name, m->name, sizeof dn->name);
	memcpy(dn->info, m->info, sizeof dn->info);
	if (name != NULL)
		snprintf(name, cap, "%s", m->name);
	m->name[0] = m->info[0] = '\0';
	return 0;
}

/* Remove the ended messages from i on from tmp/ (not committed). */
static void
maildir_drop_done(struct maildir *m, size_t i)
{
	for (; i < m->ndone; i++)
		(void)unlinkat(m->tmpfd, m->done[i].name, 0);
	m->ndone = 0;
}

/* Move the ended message dn from tmp/ into new/ or cur/. A link fails
 * rather than replace a file there; where links are not supported, a
 * rename that does not replace either. */
static int
maildir_publish(struct maildir *m, const struct maildir_done *dn, struct mp_err *e)
{
	char to[MAILDIR_NAME_MAX + 16];
	int tofd = dn->info[0] != '\0' ? m->curfd : m->newfd;

	snprintf(to, sizeof to, "%s%s%s", dn->name, dn->info[0] ? ":2," : "", dn->info);
	if (linkat(m->tmpfd, dn->name, tofd, to, 0) == 0) {
		(void)unlinkat(m->tmpfd, dn->name, 0);	/* left, it is harmless */
		return 0;
	}
	if ((errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS ||
	    errno == EMLINK) && renameat2(m->tmpfd, dn->name, tofd, to,
	    RENAME_NOREPLACE) == 0)
		return 0;
	return err_set(e, ERR_IO, "cannot move %s/tmp/%s into %s/: %s", m->dir,
	    dn->name, dn->info[0] ? "cur" : "new", strerror(errno));
}

int
maildir_commit(struct maildir *m, struct mp_err *e)
{
	bool cur = false;
	size_t i;

	if (m->ndone == 0)
		return 0;
	/* One sync of the file system makes every ended file durable before
	 * any of them can appear in new/: the cost of a batch, not of each
	 * message (an fsync each is a journal commit each). */
	if (syncfs(m->tmpfd) < 0) {
		err_set(e, ERR_IO, "cannot sync the file system of %s: %s", m->dir,
		    strerror(errno));
		maildir_drop_done(m, 0);
		return -1;
	}
	for (i = 0; i < m->ndone; i++) {
		if (maildir_publish(m, &m->done[i], e) < 0) {
			maildir_drop_done(m, i);
			return -1;
		}
		cur |= m->done[i].info[0] != '\0';
	}
	m->ndone = 0;
	if (fsync(m->newfd) < 0)
		return err_set(e, ERR_IO, "cannot fsync %s/new: %s", m->dir,
		    strerror(errno));
	if (cur && fsync(m->curfd) < 0)
		return err_set(e, ERR_IO, "cannot fsync %s/cur: %s", m->dir,
		    strerror(errno));
	if (fsync(m->tmpfd) < 0)
		return err_set(e, ERR_IO, "cannot fsync %s/tmp: %s", m->dir,
		    strerror(errno));
	return 0;
}

void
maildir_abort(struct maildir *m)
{
	if (m->fd < 0)
		return;
	close(m->fd);
	m->fd = -1;
	(void)unlinkat(m->tmpfd, m->name, 0);
	m->name[0] = '\0';
	m->info[0] = '\0';
	m->len = 0;
}

void
maildir_set_info(struct maildir *m, const char *flags)
{
	static const char letters[] = "DFPRST";	/* ASCII order (maildir spec) */
	size_t n = 0;

	for (const char *l = letters; *l != '\0'; l++) {
		if (strchr(flags, *l) != NULL && n + 1 < sizeof m->info)
			m->info[n++] = *l;
	}
	m->info[n] = '\0';
}

/* Remove sub/name if there; 1 if removed, 0 if not there, -1 on error. */
static int
maildir_unlink(struct maildir *m, int dfd, const char *sub, const char *name,
    struct mp_err *e)
{
	if (unlinkat(dfd, name, 0) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return err_set(e, ERR_IO, "cannot remove %s/%s/%s: %s", m->dir, sub, name,
	    strerror(errno));
}

/* Remove cur/name and cur/name:<info>; 1 if one was, 0 if none, -1. */
static int
maildir_unlink_cur(struct maildir *m, const char *name, struct mp_err *e)
{
	size_t len = strlen(name);
	struct dirent *d;
	DIR *dir;
	int r, ret = 0;

	if ((dir = maildir_opendir(m->curfd)) == NULL)
		return err_set(e, ERR_IO, "cannot read %s/cur: %s", m->dir,
		    strerror(errno));
	errno = 0;
	while (ret >= 0 && (d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, name, len) != 0 ||
		    (d->d_name[len] != '\0' && d->d_name[len] != ':'))
			continue;
		if ((r = maildir_unlink(m, m->curfd, "cur", d->d_name, e)) < 0)
			ret = -1;
		else if (r > 0)
			ret = 1;
	}
	if (ret > 0 && fsync(m->curfd) < 0)
		ret = err_set(e, ERR_IO, "cannot fsync %s/cur: %s", m->dir,
		    strerror(errno));
	closedir(dir);
	return ret;
}

int
maildir_remove(struct maildir *m, const char *name, struct mp_err *e)
{
	int r;

	if (name == NULL || *name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) > MAILDIR_NAME_MAX)
		return err_set(e, ERR_DATA, "%s: not a maildir file name", m->dir);
	if (maildir_unlink(m, m->tmpfd, "tmp", name, e) < 0)
		return -1;
	if ((r = maildir_unlink(m, m->newfd, "new", name, e)) < 0)
		return -1;
	if (r == 0)
		return maildir_unlink_cur(m, name, e) < 0 ? -1 : 0;
	if (fsync(m->newfd) < 0)
		return err_set(e, ERR_IO, "cannot fsync %s/new: %s", m->dir,
		    strerror(errno));
	return 0;
}

bool
maildir_exists(struct maildir *m, const char *name)
{
	size_t len = strlen(name);
	struct stat st;
	struct dirent *d;
	DIR *dir;
	bool found = false;

	if (*name == '\0' || strchr(name, '/') != NULL)
		return false;
	if (fstatat(m->newfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	/* A mail reader may have moved it to cur/ as NAME:2,S already. */
	if ((dir = maildir_opendir(m->curfd)) == NULL)
		return false;
	while (!found && (d = readdir(dir)) != NULL)
		found = strncmp(d->d_name, name, len) == 0 &&
		    (d->d_name[len] == '\0' || d->d_name[len] == ':');
	closedir(dir);
	return found;
}

void
maildir_close(struct maildir *m)
{
	if (m == NULL)
		return;
	maildir_abort(m);
	if (m->ndone > 0)
		maildir_drop_done(m, 0);
	if (m->newfd >= 0)
		close(m->newfd);
	if (m->curfd >= 0)
		close(m->curfd);
	if (m->tmpfd >= 0)
		close(m->tmpfd);
	if (m->dfd >= 0)
		close(m->dfd);
	free(m->done);
	free(m->buf);
	free(m->dir);
	free(m);
}
