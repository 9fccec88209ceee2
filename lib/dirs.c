/* dirs: mkdir -p with fsync of each new entry's parent; temp files. */
#include "dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Make a created directory entry durable: fsync path's parent. */
static void
dirs_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	int fd;

	if (slash == NULL)
		parent = strdup(".");
	else if (slash == path)
		parent = strdup("/");
	else
		parent = strndup(path, (size_t)(slash - path));
	if (parent == NULL)
		return;
	if ((fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(parent);
}

int
dirs_make(const char *path, struct mp_err *e)
{
	char *p, *s;
	int ret = 0;

	if ((p = strdup(path)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (s = p + 1; ; s++) {
		bool last = *s == '\0';
		if (*s != '/' && !last)
			continue;
		if (s[-1] != '/') {
			*s = '\0';
			if (mkdir(p, 0700) == 0) {
				dirs_fsync_parent(p);
			} else if (errno != EEXIST) {
				ret = err_set(e, ERR_CANTCREATE, "cannot create %s: %s",
				    p, strerror(errno));
				break;
			}
			if (!last)
				*s = '/';
		}
		if (last)
			break;
	}
	free(p);
	return ret;
}

int
dirs_tempfile(const char *what, struct mp_err *e)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd, n;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	/* O_TMPFILE leaves no name behind even after a kill -9. */
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	n = snprintf(path, sizeof path, "%s/mailpipe.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		return err_set(e, ERR_IO, "cannot create %s: TMPDIR is too long", what);
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		return err_set(e, ERR_IO, "cannot create %s in %s: %s", what, dir,
		    strerror(errno));
	unlink(path);
	return fd;
}

int
dirs_write_all(int fd, const void *p, size_t n, const char *what,
    struct mp_err *e)
{
	const char *q = p;

	while (n > 0) {
		ssize_t w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_set(e, ERR_IO, "%s: %s", what, strerror(errno));
		q += w;
		n -= (size_t)w;
	}
	return 0;
}
