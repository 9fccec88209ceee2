/* MODULES: dirs maildir err utf8 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"
#include "t.h"
#include "tdir.h"

static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The file's content, NUL-terminated, or NULL. */
static char *
slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	char *p;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	p = malloc((size_t)st.st_size + 1);
	*n = (size_t)read(fd, p, (size_t)st.st_size);
	p[*n] = '\0';
	close(fd);
	return p;
}

static bool
name_shape(const char *name)
{
	char want[64];
	const char *p = name;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == name || strncmp(p, ".M", 2) != 0)
		return false;
	for (p += 2; *p >= '0' && *p <= '9'; p++)
		;
	snprintf(want, sizeof want, "P%ldQ", (long)getpid());
	if (strncmp(p, want, strlen(want)) != 0)
		return false;
	for (p += strlen(want); *p >= '0' && *p <= '9'; p++)
		;
	return *p == '.' && p[1] != '\0' && strchr(name, '/') == NULL &&
	    strchr(name, ':') == NULL;
}

static void
test_open(void)
{
	struct maildir *m;
	struct mp_err e;

	t_inteq(maildir_open(&m, path_of("a/b/Mail"), &e), 0, "open creates dir and parents");
	t_ok(is_dir(path_of("a/b/Mail")) && mode_of(path_of("a/b/Mail")) == 0700,
	    "maildir is a 0700 directory");
	t_ok(mode_of(path_of("a/b/Mail/tmp")) == 0700, "tmp/ 0700");
	t_ok(mode_of(path_of("a/b/Mail/new")) == 0700, "new/ 0700");
	t_ok(mode_of(path_of("a/b/Mail/cur")) == 0700, "cur/ 0700");
	t_streq(maildir_name(m), "", "no name before begin");
	t_ok(maildir_line(m, "x", 1, &e) < 0 && e.kind == ERR_INTERNAL,
	    "line without begin: ERR_INTERNAL");
	t_ok(maildir_end(m, NULL, 0, &e) < 0 && e.kind == ERR_INTERNAL,
	    "end without begin: ERR_INTERNAL");
	t_inteq(maildir_commit(m, &e), 0, "commit with nothing delivered");
	maildir_close(m);
	t_inteq(maildir_open(&m, path_of("a/b/Mail/"), &e), 0, "reopen (trailing slash)");
	maildir_close(m);
}

static void
test_deliver(void)
{
	struct maildir *m;
	struct mp_err e;
	char name[MAILDIR_NAME_MAX + 1], began[MAILDIR_NAME_MAX + 1], path[8192];
	char *big, *got, *want;
	size_t n, bign = 100 * 1024;

	if (maildir_open(&m, path_of("deliver"), &e) < 0) {
		t_ok(0, "open: %s", e.text);
		return;
	}
	t_inteq(maildir_begin(m, &e), 0, "begin");
	snprintf(began, sizeof began, "%s", maildir_name(m));
	t_ok(name_shape(began), "name time.M<usec>P<pid>Q<n>.<host>: %s", began);
	snprintf(path, sizeof path, "%s/tmp/%s", path_of("deliver"), began);
	t_inteq(mode_of(path), 0600, "tmp file mode 0600");
	t_ok(maildir_begin(m, &e) < 0 && e.kind == ERR_INTERNAL,
	    "begin twice: ERR_INTERNAL");
	big = malloc(bign);
	memset(big, 'x', bign);
	t_inteq(maildir_line(m, "From: a@example.org", 19, &e), 0, "line");
	t_inteq(maildir_line(m, "", 0, &e), 0, "empty line");
	t_inteq(maildir_line(m, big, bign, &e), 0, "line longer than the buffer");
	t_inteq(maildir_line(m, "end", 3, &e), 0, "last line");
	t_inteq(t_entries(path_of("deliver/new")), 0, "nothing in new/ before end");
	t_inteq(maildir_end(m, name, sizeof name, &e), 0, "end");
	t_streq(name, began, "end names the file begin made");
	t_streq(maildir_name(m), "", "no name after end");
	t_ok(t_entries(path_of("deliver/tmp")) == 1 && t_entries(path_of("deliver/new")) == 0,
	    "after end: in tmp/, not yet in new/");
	t_inteq(maildir_commit(m, &e), 0, "commit");
	t_inteq(t_entries(path_of("deliver/tmp")), 0, "tmp/ empty after commit");
	t_inteq(t_entries(path_of("deliver/new")), 1, "one file in new/");
	snprintf(path, sizeof path, "%s/new/%s", path_of("deliver"), name);
	t_inteq(mode_of(path), 0600, "new file mode 0600");
	want = malloc(bign + 64);
	memcpy(want, "From: a@example.org\n\n", 21);
	memcpy(want + 21, big, bign);
	memcpy(want + 21 + bign, "\nend\n", 5);
	got = slurp(path, &n);
	t_ok(got != NULL && n == bign + 26 && memcmp(got, want, n) == 0,
	    "content: lines with \\n");
	free(got);
	free(want);
	free(big);
	t_inteq(maildir_commit(m, &e), 0, "commit again: nothing to do");

	/* Abort. */
	t_inteq(maildir_begin(m, &e), 0, "begin again");
	maildir_line(m, "doomed", 6, &e);
	maildir_abort(m);
	t_inteq(t_entries(path_of("deliver/tmp")), 0, "abort: tmp/ empty");
	t_inteq(t_entries(path_of("deliver/new")), 1, "abort: new/ unchanged");
	maildir_abort(m);
	t_ok(1, "abort twice is harmless");

	/* No room for the name: refused before anything is delivered. */
	maildir_begin(m, &e);
	t_ok(maildir_end(m, name, 5, &e) < 0 && e.kind == ERR_INTERNAL,
	    "end with a small name buffer: ERR_INTERNAL");
	t_ok(t_entries(path_of("deliver/tmp")) == 0 && t_entries(path_of("deliver/new")) == 1,
	    "  and nothing left");

	/* Rollback. */
	t_inteq(maildir_remove(m, name, &e), 0, "remove new/NAME");
	t_inteq(t_entries(path_of("deliver/new")), 0, "  gone");
	t_inteq(maildir_remove(m, name, &e), 0, "remove what is not there: no error");
	maildir_begin(m, &e);
	maildir_line(m, "seen", 4, &e);
	maildir_end(m, name, sizeof name, &e);
	maildir_commit(m, &e);
	{
		char from[8192], to[8192];
		snprintf(from, sizeof from, "%s/new/%s", path_of("deliver"), name);
		snprintf(to, sizeof to, "%s/cur/%s:2,S", path_of("deliver"), name);
		rename(from, to);
	}
	t_inteq(maildir_remove(m, name, &e), 0, "remove a message a reader moved to cur/");
	t_inteq(t_entries(path_of("deliver/cur")), 0, "  gone from cur/");
	t_ok(maildir_remove(m, "../x", &e) < 0 && e.kind == ERR_DATA,
	    "remove ../x: ERR_DATA");
	t_ok(maildir_remove(m, "..", &e) < 0 && e.kind == ERR_DATA, "remove ..: ERR_DATA");
	/* close drops a message being written, and those ended but not
	 * committed */
	maildir_begin(m, &e);
	maildir_end(m, NULL, 0, &e);
	maildir_begin(m, &e);
	maildir_end(m, NULL, 0, &e);
	maildir_begin(m, &e);
	t_inteq(t_entries(path_of("deliver/tmp")), 3, "two ended, one being written: in tmp/");
	maildir_close(m);
	t_inteq(t_entries(path_of("deliver/tmp")), 0,
	    "close drops a message being written and those not committed");
	t_inteq(t_entries(path_of("deliver/new")), 0, "  none of them in new/");
}

static void
test_unique(void)
{
	struct maildir *m;
	struct mp_err e;
	int i, bad = 0;
	char line[64];

	if (maildir_open(&m, path_of("many"), &e) < 0) {
		t_ok(0, "open: %s", e.text);
		return;
	}
	for (i = 0; i < 2000; i++) {
		int n = snprintf(line, sizeof line, "message %d", i);
		if (maildir_begin(m, &e) < 0 || maildir_line(m, line, (size_t)n, &e) < 0 ||
		    maildir_end(m, NULL, 0, &e) < 0) {
			bad++;
			printf("# %s\n", e.text);
		}
	}
	t_inteq(bad, 0, "2,000 deliveries");
	t_inteq(t_entries(path_of("many/new")), 0, "none in new/ before the commit");
	t_inteq(maildir_commit(m, &e), 0, "one commit for the batch");
	t_inteq(t_entries(path_of("many/new")), 2000, "2,000 distinct files in new/");
	t_inteq(t_entries(path_of("many/tmp")), 0, "tmp/ empty");
	maildir_close(m);
}

/* In a child limited to 8 KiB files: bit 0-3 for a failure while
 * writing, bits 4-7 for one at end. */
static int
disk_full_child(void)
{
	struct rlimit rl = { 8192, RLIM_INFINITY };
	struct maildir *m;
	struct mp_err e;
	char line[1000];
	int i, r = 0, bits = 0;

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0 || maildir_open(&m, path_of("full"), &e) < 0)
		return 255;
	memset(line, 'y', sizeof line);
	maildir_begin(m, &e);
	for (i = 0; i < 200 && r == 0; i++)
		r = maildir_line(m, line, sizeof line, &e);
	if (r < 0)
		bits |= 1;
	if (r < 0 && e.kind == ERR_IO)
		bits |= 2;
	if (strstr(e.text, "/tmp/") != NULL && strstr(e.text, strerror(EFBIG)) != NULL)
		bits |= 4;
	if (t_entries(path_of("full/tmp")) == 0 && strcmp(maildir_name(m), "") == 0)
		bits |= 8;
	/* 20 KB: all in the buffer until end. */
	maildir_begin(m, &e);
	for (i = 0, r = 0; i < 20 && r == 0; i++)
		r = maildir_line(m, line, sizeof line, &e);
	if (r == 0)
		bits |= 16;
	if (maildir_end(m, NULL, 0, &e) < 0 && e.kind == ERR_IO)
		bits |= 32;
	if (t_entries(path_of("full/tmp")) == 0)
		bits |= 64;
	if (t_entries(path_of("full/new")) == 0)
		bits |= 128;
	maildir_close(m);
	return bits == 255 ? 0 : bits;
}

static void
test_disk_full(void)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(disk_full_child());
	waitpid(pid, &status, 0);
	if (!t_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "file size limit: ERR_IO naming tmp file, tmp file gone (line and end)"))
		printf("# child status %d\n", status);
}

static void
test_refused(void)
{
	struct maildir *m;
	struct mp_err e;
	int fd;

	mkdir(path_of("real"), 0700);
	t_inteq(symlink(path_of("real"), path_of("link")), 0, "make a symlink");
	t_ok(maildir_open(&m, path_of("link"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "symlinked maildir: ERR_CANTCREATE");
	t_ok(strstr(e.text, "symbolic link") != NULL, "  says so: %s", e.text);
	t_ok(maildir_open(&m, path_of("link/"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "symlinked maildir with a trailing slash: ERR_CANTCREATE");
	t_inteq(t_entries(path_of("real")), 0, "  nothing created through it");
	mkdir(path_of("sub"), 0700);
	mkdir(path_of("elsewhere"), 0700);
	t_inteq(symlink(path_of("elsewhere"), path_of("sub/tmp")), 0, "make a symlink");
	t_ok(maildir_open(&m, path_of("sub"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "symlinked tmp/: ERR_CANTCREATE");
	fd = open(path_of("file"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	t_ok(maildir_open(&m, path_of("file"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "a regular file: ERR_CANTCREATE");
	t_ok(maildir_open(&m, path_of("file/x"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "under a regular file: ERR_CANTCREATE");
}

/* Flags: into cur/ as NAME:2,LETTERS (sorted, unknown ones dropped). */
static void
test_info(void)
{
	struct maildir *m;
	struct mp_err e;
	char name[MAILDIR_NAME_MAX + 1], path[600];

	if (maildir_open(&m, path_of("info"), &e) < 0)
		return;
	t_inteq(maildir_begin(m, &e), 0, "info: begin");
	maildir_set_info(m, "SxF");
	maildir_line(m, "Subject: seen", 13, &e);
	t_inteq(maildir_end(m, name, sizeof name, &e), 0, "info: end");
	t_inteq(maildir_commit(m, &e), 0, "  committed");
	snprintf(path, sizeof path, "info/cur/%s:2,FS", name);
	t_inteq(mode_of(path_of(path)), 0600, "  in cur/ as NAME:2,FS");
	t_inteq(t_entries(path_of("info/new")), 0, "  not in new/");
	t_ok(maildir_exists(m, name), "  found by its name");
	t_inteq(maildir_begin(m, &e), 0, "info: a message without flags");
	maildir_set_info(m, "");
	t_inteq(maildir_end(m, NULL, 0, &e), 0, "  end");
	maildir_commit(m, &e);
	t_inteq(t_entries(path_of("info/new")), 1, "  in new/");
	t_inteq(maildir_begin(m, &e), 0, "info: flags set, then dropped");
	maildir_set_info(m, "S");
	maildir_abort(m);
	t_inteq(maildir_begin(m, &e), 0, "  the next message");
	t_inteq(maildir_end(m, NULL, 0, &e), 0, "  end");
	maildir_commit(m, &e);
	t_inteq(t_entries(path_of("info/new")), 2, "  in new/: the flags did not stay");
	t_inteq(maildir_remove(m, name, &e), 0, "info: removed by its name");
	t_inteq(t_entries(path_of("info/cur")), 0, "  cur/ empty");
	maildir_close(m);
}

/* A link that fails at commit (a file of that name in new/ already):
 * ERR_IO, the messages before it linked, it and those after it gone. */
static void
test_commit_fails(void)
{
	struct maildir *m;
	struct mp_err e;
	char names[3][MAILDIR_NAME_MAX + 1], path[600];
	int i, fd;

	if (maildir_open(&m, path_of("clash"), &e) < 0)
		return;
	for (i = 0; i < 3; i++) {
		maildir_begin(m, &e);
		maildir_line(m, "x", 1, &e);
		maildir_end(m, names[i], sizeof names[i], &e);
	}
	snprintf(path, sizeof path, "clash/new/%s", names[1]);
	fd = open(path_of(path), O_WRONLY | O_CREAT | O_EXCL, 0600);
	close(fd);
	t_ok(maildir_commit(m, &e) < 0 && e.kind == ERR_IO &&
	    strstr(e.text, names[1]) != NULL && strstr(e.text, "into") != NULL,
	    "commit: a name taken in new/: ERR_IO naming the file");
	t_ok(maildir_exists(m, names[0]), "  the one before it is in new/");
	t_inteq(t_entries(path_of("clash/tmp")), 0, "  tmp/ empty: the rest dropped");
	t_inteq(t_entries(path_of("clash/new")), 2, "  new/: the first and the one there before");
	t_inteq(maildir_commit(m, &e), 0, "  the next commit has nothing to do");
	maildir_close(m);
}

/* Files in tmp/ untouched for 36 hours (left by a crash) are removed when
 * the maildir is opened; younger ones are another delivery's. */
static void
test_stale_tmp(void)
{
	struct maildir *m;
	struct mp_err e;
	struct timespec old[2] = { { time(NULL) - 37 * 3600, 0 },
		{ time(NULL) - 37 * 3600, 0 } };
	int fd;

	if (maildir_open(&m, path_of("stale"), &e) < 0)
		return;
	maildir_close(m);
	fd = open(path_of("stale/tmp/old"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	close(fd);
	fd = open(path_of("stale/tmp/young"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	close(fd);
	utimensat(AT_FDCWD, path_of("stale/tmp/old"), old, 0);
	t_inteq(maildir_open(&m, path_of("stale"), &e), 0, "open again");
	t_ok(access(path_of("stale/tmp/old"), F_OK) < 0, "a 37-hour-old tmp/ file removed");
	t_ok(access(path_of("stale/tmp/young"), F_OK) == 0, "a new one kept");
	maildir_close(m);
}

int
main(void)
{
	umask(022);
	if (t_tmpdir("test_maildir") < 0)
		return 1;
	test_open();
	test_deliver();
	test_unique();
	test_disk_full();
	test_refused();
	test_info();
	test_commit_fails();
	test_stale_tmp();
	t_rmtree();
	return t_done();
}
