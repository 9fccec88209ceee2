/* MODULES: mbox err utf8 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mbox.h"
#include "t.h"

static char dir[64];

static const char *
at(const char *name)
{
	static char path[256][256];	/* enough for any one test's names */
	static int i;

	i = (i + 1) % 256;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

/* The whole file, NUL terminated; *n its length. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(4 << 20);
	size_t len = 0;

	if (f != NULL) {
		len = fread(buf, 1, (4 << 20) - 1, f);
		fclose(f);
	}
	buf[len] = '\0';
	if (n != NULL)
		*n = len;
	return buf;
}

static void
put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	fchmod(fd, mode);
	close(fd);
}

static int
content_is(const char *path, const char *want, const char *name)
{
	char *got = slurp(path, NULL);
	int ok = t_streq(got, want, name);

	free(got);
	return ok;
}

/* A message of NUL-terminated lines (NULL ends the list). */
static int
message(struct mbox *m, const char *sender, time_t t, const char **lines,
    struct mp_err *e)
{
	if (mbox_begin(m, sender, t, e) < 0)
		return -1;
	for (; lines != NULL && *lines != NULL; lines++)
		if (mbox_line(m, *lines, strlen(*lines), e) < 0)
			return -1;
	return mbox_end(m, e);
}

/* Open, write one message, sync, close: 0 or -1. */
static int
append(const char *path, const char *sender, time_t t, const char **lines)
{
	struct mbox *m;
	struct mp_err e;
	int r;

	if (mbox_open(&m, path, 0, &e) < 0) {
		printf("# %s\n", e.text);
		return -1;
	}
	r = message(m, sender, t, lines, &e);
	if (r == 0)
		r = mbox_sync(m, &e);
	if (r < 0)
		printf("# %s\n", e.text);
	mbox_close(m);
	return r;
}

static void
test_files(void)
{
	static const char *body[] = { "Subject: hi", "", "body", NULL };
	struct mbox *m;
	struct mp_err e;
	struct stat st;
	const char *p = at("new");
	int fd;

	t_inteq(mbox_open(&m, p, 0, &e), 0, "new file opens");
	t_inteq((long long)mbox_offset(m), 0, "new file: offset 0");
	t_ok(access(at("new.lock"), F_OK) == 0, "dotlock held while open");
	t_inteq(message(m, "a@b.example", 1000000000, body, &e), 0, "message written");
	t_inteq(mbox_sync(m, &e), 0, "synced");
	t_inteq((long long)mbox_offset(m), 61, "offset after the message");
	mbox_close(m);
	t_ok(access(at("new.lock"), F_OK) < 0 && errno == ENOENT,
	    "dotlock removed on close");
	stat(p, &st);
	t_inteq(st.st_mode & 07777, 0600, "new file is 0600");
	content_is(p, "From a@b.example Sun Sep  9 01:46:40 2001\n"
	    "Subject: hi\n\nbody\n\n", "first message in a new file");
	t_inteq(st.st_size, 61, "size matches the offset");

	t_inteq(append(p, "", 1709210096, body), 0, "second message");
	content_is(p, "From a@b.example Sun Sep  9 01:46:40 2001\n"
	    "Subject: hi\n\nbody\n\n"
	    "From MAILER-DAEMON Thu Feb 29 12:34:56 2024\n"
	    "Subject: hi\n\nbody\n\n", "appended after a blank line, no extra one");

	p = at("shared");
	put_file(p, "", 0640);
	t_inteq(append(p, "x", 0, body), 0, "existing 0640 file");
	stat(p, &st);
	t_inteq(st.st_mode & 07777, 0640, "existing mode kept");

	/* Symbolic links, live or dangling, are refused; nothing written. */
	put_file(at("target"), "keep\n", 0600);
	if (symlink(at("target"), at("link")) < 0 ||
	    symlink(at("nowhere"), at("dangling")) < 0)
		abort();
	t_inteq(mbox_open(&m, at("link"), 0, &e), -1, "symlink refused");
	t_inteq(e.kind, ERR_CANTCREATE, "symlink: ERR_CANTCREATE");
	t_ok(strstr(e.text, "symbolic link") != NULL, "says why: %s", e.text);
	content_is(at("target"), "keep\n", "symlink target untouched");
	t_inteq(mbox_open(&m, at("dangling"), 0, &e), -1, "dangling symlink refused");
	t_ok(access(at("nowhere"), F_OK) < 0, "dangling target not created");
	t_ok(access(at("link.lock"), F_OK) < 0, "no dotlock left behind");

	mkdir(at("adir"), 0700);
	t_inteq(mbox_open(&m, at("adir"), 0, &e), -1, "directory refused");
	t_inteq(e.kind, ERR_CANTCREATE, "directory: ERR_CANTCREATE");
	mkfifo(at("fifo"), 0600);
	t_inteq(mbox_open(&m, at("fifo"), 0, &e), -1, "FIFO refused, not blocked on");
	t_inteq(e.kind, ERR_CANTCREATE, "FIFO: ERR_CANTCREATE");
	t_inteq(mbox_open(&m, at("nodir/box"), 0, &e), -1, "missing directory");
	t_inteq(e.kind, ERR_CANTCREATE, "missing directory: ERR_CANTCREATE");

	/* Misuse is caught, not written. */
	fd = mbox_open(&m, at("misuse"), 0, &e);
	t_ok(fd == 0 && mbox_line(m, "x", 1, &e) == -1 && e.kind == ERR_INTERNAL,
	    "a line outside a message is refused");
	t_ok(mbox_end(m, &e) == -1 && e.kind == ERR_INTERNAL,
	    "an end outside a message is refused");
	mbox_close(m);
}

static void
test_format(void)
{
	static const char *quoted[] = { "From x", ">From x", ">>From x", "From",
		" From x", "Fromage", ">From", "From  two", ">>>>From ", NULL };
	static const char *lastline[] = { "no newline at the end", NULL };
	static const char *one[] = { "x", NULL };
	const char *p = at("format");
	struct mbox *m;
	struct mp_err e;

	t_inteq(append(p, "a b\tc\x7f", 1704067200, quoted), 0, "quoting message");
	t_inteq(append(p, NULL, 1704067200, NULL), 0, "empty message");
	t_inteq(append(p, "z", 1704067200, lastline), 0, "unterminated last line");
	content_is(p,
	    "From a_b_c_ Mon Jan  1 00:00:00 2024\n"
	    ">From x\n>>From x\n>>>From x\nFrom\n From x\nFromage\n>From\n"
	    ">From  two\n>>>>>From \n\n"
	    "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n\n"
	    "From z Mon Jan  1 00:00:00 2024\nno newline at the end\n\n",
	    "separators, quoting, empty message");

	/* An embedded line end cannot forge a separator. */
	p = at("embedded");
	t_inteq(mbox_open(&m, p, 0, &e), 0, "open for embedded LF");
	mbox_begin(m, "s", 0, &e);
	t_inteq(mbox_line(m, "a\nFrom b", 8, &e), 0, "line with LF written");
	mbox_end(m, &e);
	mbox_sync(m, &e);
	mbox_close(m);
	content_is(p, "From s Thu Jan  1 00:00:00 1970\na\n>From b\n\n",
	    "embedded LF splits and quotes");

	/* A file that does not end in a blank line gets one first. */
	put_file(at("nonl"), "From q Thu Jan  1 00:00:00 1970\nlast", 0600);
	append(at("nonl"), "s", 0, one);
	content_is(at("nonl"), "From q Thu Jan  1 00:00:00 1970\nlast\n\n"
	    "From s Thu Jan  1 00:00:00 1970\nx\n\n", "no final newline: two added");
	put_file(at("onenl"), "From q Thu Jan  1 00:00:00 1970\nlast\n", 0600);
	append(at("onenl"), "s", 0, one);
	content_is(at("onenl"), "From q Thu Jan  1 00:00:00 1970\nlast\n\n"
	    "From s Thu Jan  1 00:00:00 1970\nx\n\n", "one final newline: one added");
}

static void
test_rollback(void)
{
	static const char *one[] = { "one", NULL };
	static const char *three[] = { "three", NULL };
	const char *p = at("rollback");
	char line[1000], *before, *after;
	struct mbox *m;
	struct mp_err e;
	uint64_t start;
	size_t bn, an;
	int i, ok = 1;

	append(p, "s", 0, one);
	before = slurp(p, &bn);
	t_inteq(mbox_open(&m, p, 0, &e), 0, "reopen for rollback");
	start = mbox_offset(m);
	t_inteq((long long)start, (long long)bn, "offset is the existing size");
	/* Well past the buffer, so part of it reaches the file. */
	memset(line, 'x', sizeof line);
	mbox_begin(m, "s", 0, &e);
	for (i = 0; i < 300; i++)
		ok &= mbox_line(m, line, sizeof line, &e) == 0;
	t_ok(ok, "large partial message written");
	after = slurp(p, &an);
	t_ok(an > bn, "part of it reached the file (%zu octets)", an);
	free(after);
	t_inteq(mbox_truncate(m, start, &e), 0, "truncated back");
	after = slurp(p, &an);
	t_ok(an == bn && memcmp(before, after, bn) == 0, "file is as before");
	free(after);
	t_inteq(message(m, "s", 0, three, &e), 0, "next message after rollback");
	/* One within the buffer only. */
	start = mbox_offset(m);
	mbox_begin(m, "s", 0, &e);
	mbox_line(m, "gone", 4, &e);
	t_inteq(mbox_truncate(m, start, &e), 0, "buffered message taken back");
	t_inteq(mbox_truncate(m, start + 1, &e), -1, "truncate beyond the end refused");
	mbox_sync(m, &e);
	mbox_close(m);
	content_is(p, "From s Thu Jan  1 00:00:00 1970\none\n\n"
	    "From s Thu Jan  1 00:00:00 1970\nthree\n\n", "only whole messages remain");

	/* Closing without sync takes back what was not synced. */
	t_inteq(mbox_open(&m, p, 0, &e), 0, "reopen for close without sync");
	mbox_begin(m, "s", 0, &e);
	for (i = 0; i < 100; i++)
		mbox_line(m, line, sizeof line, &e);
	mbox_close(m);
	content_is(p, "From s Thu Jan  1 00:00:00 1970\none\n\n"
	    "From s Thu Jan  1 00:00:00 1970\nthree\n\n", "close without sync takes back");
	free(before);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_locks(void)
{
	const char *p = at("locked");
	struct timespec old[2];
	struct mbox *m;
	struct mp_err e;
	long long t0;
	int go[2], done[2];
	pid_t pid;
	char c;

	put_file(p, "", 0600);
	put_file(at("locked.lock"), "", 0600);
	t0 = now_ms();
	t_inteq(mbox_open(&m, p, 300, &e), -1, "fresh dotlock: not opened");
	t_inteq(e.kind, ERR_TEMP, "fresh dotlock: ERR_TEMP");
	t_ok(strstr(e.text, "locked by another program") != NULL, "says so: %s",
	    e.text);
	t_ok(now_ms() - t0 >= 290 && now_ms() - t0 < 2000, "waited the timeout");
	t_ok(access(at("locked.lock"), F_OK) == 0, "someone else's dotlock kept");

	/* Stale: ten minutes old. */
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 600;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	utimensat(AT_FDCWD, at("locked.lock"), old, 0);
	t_inteq(mbox_open(&m, p, 300, &e), 0, "stale dotlock removed, opened");
	mbox_close(m);
	t_ok(access(at("locked.lock"), F_OK) < 0, "no dotlock after close");

	/* A child holds an fcntl lock. */
	if (pipe(go) < 0 || pipe(done) < 0)
		abort();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct flock fl;
		int fd = open(p, O_RDWR);
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
			_exit(1);
		if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(go[1]);
	t_ok(read(go[0], &c, 1) == 1, "child holds the fcntl lock");
	t_inteq(mbox_open(&m, p, 300, &e), -1, "fcntl lock: not opened");
	t_inteq(e.kind, ERR_TEMP, "fcntl lock: ERR_TEMP");
	t_ok(access(at("locked.lock"), F_OK) < 0, "dotlock not kept while waiting");
	if (write(done[1], "x", 1) != 1)
		abort();
	waitpid(pid, NULL, 0);
	t_inteq(mbox_open(&m, p, 300, &e), 0, "opened once released");
	mbox_close(m);
	close(go[0]);
	close(done[0]);
	close(done[1]);
}

/* Disk full, simulated by RLIMIT_FSIZE in a child: exit status bits tell
 * what failed, the error text goes to a file. */
static void
test_full(void)
{
	static const char *one[] = { "one", NULL };
	static const char *two[] = { "two", NULL };
	const char *p = at("full");
	char *before, *after, line[1000];
	size_t bn, an;
	int status;
	pid_t pid;

	append(p, "s", 0, one);
	before = slurp(p, &bn);
	memset(line, 'y', sizeof line);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct rlimit rl = { bn + 20000, bn + 20000 };
		struct mbox *m;
		struct mp_err e;
		uint64_t start;
		int i, r = 0, bits = 0;
		FILE *f;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0 || mbox_open(&m, p, 0, &e) < 0)
			_exit(64);
		start = mbox_offset(m);
		mbox_begin(m, "s", 0, &e);
		for (i = 0; i < 200 && r == 0; i++)
			r = mbox_line(m, line, sizeof line, &e);
		if (r == 0)
			r = mbox_sync(m, &e);
		if (r == 0 || e.kind != ERR_IO)
			bits |= 1;
		if ((f = fopen(at("full.err"), "w")) != NULL) {
			fputs(e.text, f);
			fclose(f);
		}
		if (mbox_truncate(m, start, &e) < 0)
			bits |= 2;
		if (message(m, "s", 0, two, &e) < 0 || mbox_sync(m, &e) < 0)
			bits |= 4;
		mbox_close(m);
		_exit(bits);
	}
	waitpid(pid, &status, 0);
	t_ok(WIFEXITED(status) && (WEXITSTATUS(status) & 1) == 0,
	    "file size limit: ERR_IO");
	after = slurp(at("full.err"), NULL);
	t_ok(strstr(after, p) != NULL && strstr(after, strerror(EFBIG)) != NULL,
	    "names the file and the cause: %s", after);
	free(after);
	t_ok(WIFEXITED(status) && (WEXITSTATUS(status) & 2) == 0,
	    "truncate after the failure");
	t_ok(WIFEXITED(status) && (WEXITSTATUS(status) & 4) == 0,
	    "a message still fits after it");
	after = slurp(p, &an);
	t_ok(an == bn + 37 && memcmp(after, before, bn) == 0 &&
	    strcmp(after + bn, "From s Thu Jan  1 00:00:00 1970\ntwo\n\n") == 0,
	    "previous content exact, then only the whole message");
	free(after);
	free(before);
}

static void
test_stdout(void)
{
	static const char *lines[] = { "From me", "hello", NULL };
	const char *p = at("stdout");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600), status;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct mbox *m;
		struct mp_err e;
		uint64_t start;
		int bits = 0, i;
		char line[1000];

		dup2(fd, STDOUT_FILENO);
		if (mbox_open(&m, "-", 0, &e) < 0)
			_exit(64);
		if (message(m, "s", 0, lines, &e) < 0 || mbox_sync(m, &e) < 0)
			bits |= 1;
		start = mbox_offset(m);
		mbox_begin(m, "t", 0, &e);
		if (mbox_truncate(m, start, &e) < 0)
			bits |= 2;
		mbox_begin(m, "u", 0, &e);
		memset(line, 'z', sizeof line);
		for (i = 0; i < 100; i++)
			mbox_line(m, line, sizeof line, &e);
		if (mbox_truncate(m, start, &e) == 0 || e.kind != ERR_IO)
			bits |= 4;
		mbox_close(m);
		_exit(bits);
	}
	waitpid(pid, &status, 0);
	t_inteq(WIFEXITED(status) ? WEXITSTATUS(status) & 1 : -1, 0,
	    "\"-\" writes a message");
	t_inteq(WIFEXITED(status) ? WEXITSTATUS(status) & 2 : -1, 0,
	    "\"-\": a buffered message can be taken back");
	t_inteq(WIFEXITED(status) ? WEXITSTATUS(status) & 4 : -1, 0,
	    "\"-\": what has gone out cannot: ERR_IO");
	{
		char *got = slurp(p, NULL);
		static const char want[] = "From s Thu Jan  1 00:00:00 1970\n"
		    ">From me\nhello\n\nFrom u ";
		t_ok(strncmp(got, want, strlen(want)) == 0,
		    "standard output got the message");
		free(got);
	}
	t_ok(access(at("-.lock"), F_OK) < 0 && access("-.lock", F_OK) < 0,
	    "no dotlock for standard output");
	close(fd);
}

/* Round trip: messages read back are the lines written. */
struct rt {
	char **lines;		/* expected lines, all messages, NULL at a From */
	size_t n, i;
	int bad;
};

static int
rt_item(void *arg, enum mbox_item item, const char *line, size_t len)
{
	struct rt *r = arg;
	const char *want = r->i < r->n ? r->lines[r->i] : "(end)";

	r->i++;
	if (item == MBOX_FROM) {
		if (want != NULL)
			r->bad++;
	} else if (want == NULL || strlen(want) != len || memcmp(want, line, len) != 0) {
		r->bad++;
	}
	return 0;
}

static void
test_roundtrip(void)
{
	static const char *words[] = { "From ", ">From ", ">>From x", "", "From",
		" From ", "hello world", ">", ">>", "From:", "x\r", "\t", "From  " };
	const char *p = at("roundtrip");
	struct rt r = { NULL, 0, 0, 0 };
	unsigned long seed = 12345;
	struct mbox *m;
	struct mp_err e;
	char *text;
	size_t n, cap = 20000;
	int i, j, k;

	r.lines = calloc(cap, sizeof *r.lines);
	t_inteq(mbox_open(&m, p, 0, &e), 0, "open for round trip");
	for (i = 0; i < 60; i++) {
		int nl;
		seed = seed * 1103515245 + 12345;
		nl = (int)(seed >> 16) % 12;
		r.lines[r.n++] = NULL;
		mbox_begin(m, "rt@example", (time_t)i * 86400, &e);
		for (j = 0; j < nl; j++) {
			char buf[3000] = "";
			size_t len = 0;
			seed = seed * 1103515245 + 12345;
			k = (int)(seed >> 16) % 5;
			while (k-- > 0 && len < 2000) {
				const char *w;
				seed = seed * 1103515245 + 12345;
				w = words[(seed >> 16) % (sizeof words / sizeof *words)];
				memcpy(buf + len, w, strlen(w));
				len += strlen(w);
			}
			if ((seed >> 20) % 17 == 0) {
				memset(buf + len, 'L', 900);
				len += 900;
			}
			buf[len] = '\0';
			r.lines[r.n++] = strdup(buf);
			mbox_line(m, buf, len, &e);
		}
		mbox_end(m, &e);
	}
	t_inteq(mbox_sync(m, &e), 0, "round trip written");
	mbox_close(m);
	text = slurp(p, &n);
	t_inteq(mbox_parse(text, n, rt_item, &r, &e), 0, "read back");
	t_inteq((long long)r.i, (long long)r.n, "as many items as written");
	t_inteq(r.bad, 0, "every line equal");
	for (n = 0; n < r.n; n++)
		free(r.lines[n]);
	free(r.lines);
	free(text);
	t_inteq(mbox_parse("hello\n", 6, rt_item, &r, &e), -1, "not an mbox");
	t_inteq(e.kind, ERR_DATA, "not an mbox: ERR_DATA");
}

int
main(void)
{
	char cmd[128];

	umask(022);
	snprintf(dir, sizeof dir, "/tmp/test_mbox.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_files();
	test_format();
	test_rollback();
	test_locks();
	test_full();
	test_stdout();
	test_roundtrip();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return t_done();
}
