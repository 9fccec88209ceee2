/* mda: spool, then pipe to a delivery command. */
#include "mda.h"
#include "dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MDA_BUF	(64 * 1024)

struct mda {
	char *cmd;
	int fd;			/* the spooled message, or -1 */
	char buf[MDA_BUF];
	size_t len;
};

int
mda_open(struct mda **mp, const char *cmd, struct mp_err *e)
{
	struct mda *m;

	if ((m = calloc(1, sizeof *m)) == NULL || (m->cmd = strdup(cmd)) == NULL) {
		free(m);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	m->fd = -1;
	*mp = m;
	return 0;
}

int
mda_begin(struct mda *m, struct mp_err *e)
{
	mda_abort(m);
	if ((m->fd = dirs_tempfile("the MDA's spool", e)) < 0)
		return -1;
	m->len = 0;
	return 0;
}

static int
mda_flush(struct mda *m, struct mp_err *e)
{
	if (dirs_write_all(m->fd, m->buf, m->len, "spooling the message for the "
	    "MDA", e) < 0)
		return -1;
	m->len = 0;
	return 0;
}

int
mda_line(struct mda *m, const char *line, size_t n, struct mp_err *e)
{
	if (m->len + n + 1 > sizeof m->buf && mda_flush(m, e) < 0)
		return -1;
	if (n + 1 > sizeof m->buf) {
		/* A line longer than the buffer goes straight out. */
		m->len = 0;
		if (dirs_write_all(m->fd, line, n, "spooling the message for the MDA",
		    e) < 0)
			return -1;
		m->buf[m->len++] = '\n';
		return 0;
	}
	memcpy(m->buf + m->len, line, n);
	m->len += n;
	m->buf[m->len++] = '\n';
	return 0;
}

int
mda_end(struct mda *m, const char *name, const char *value, struct mp_err *e)
{
	pid_t pid;
	int status;

	if (m->fd < 0)
		return err_set(e, ERR_INTERNAL, "no message spooled");
	if (mda_flush(m, e) < 0)
		return -1;
	if (lseek(m->fd, 0, SEEK_SET) < 0)
		return err_set(e, ERR_IO, "rewinding the spooled message: %s",
		    strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0)
		return err_set(e, ERR_IO, "cannot start the MDA: %s", strerror(errno));
	if (pid == 0) {
		/* stdin: the message; stdout: our stderr (data stays clean). */
		if (dup2(m->fd, 0) < 0 || dup2(2, 1) < 0)
			_exit(127);
		if (name != NULL && setenv(name, value, 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", m->cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return err_set(e, ERR_IO, "waiting for the MDA: %s",
			    strerror(errno));
	}
	mda_abort(m);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_set(e, ERR_UNAVAILABLE, "the MDA could not be run (exit "
		    "127): %s", m->cmd);
	if (WIFEXITED(status))
		return err_set(e, WEXITSTATUS(status) == 75 ? ERR_TEMP : ERR_UNAVAILABLE,
		    "the MDA exited with status %d", WEXITSTATUS(status));
	return err_set(e, ERR_TEMP, "the MDA was killed by signal %d",
	    WTERMSIG(status));
}

void
mda_abort(struct mda *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->len = 0;
}

void
mda_close(struct mda *m)
{
	if (m == NULL)
		return;
	mda_abort(m);
	free(m->cmd);
	free(m);
}
