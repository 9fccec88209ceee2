/* dirs: mkdir -p with fsync of each new entry's parent. */
#include "dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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
