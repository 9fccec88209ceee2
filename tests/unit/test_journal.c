/* MODULES: dirs journal err utf8 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "t.h"
#include "tdir.h"

static long long
size_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (long long)st.st_size;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static void
append(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		printf("# cannot append to %s\n", path);
	close(fd);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open dir or report why not. */
static struct journal *
reopen(const char *dir)
{
	struct journal *j;
	struct mp_err e;

	if (journal_open(&j, dir, &e) < 0) {
		t_ok(0, "open %s: %s", dir, e.text);
		return NULL;
	}
	return j;
}

static void
test_basic(void)
{
	char dir[8192];
	struct journal *j;
	struct mp_err e;
	char uidl[JOURNAL_UIDL_MAX + 1];

	snprintf(dir, sizeof dir, "%s", path_of("acct/state"));
	t_inteq(journal_open(&j, dir, &e), 0, "open creates the directory");
	t_inteq(mode_of(dir), 0700, "state directory 0700");
	t_inteq(mode_of(path_of("acct/state/lock")), 0600, "lock 0600");
	t_inteq(mode_of(path_of("acct/state/journal")), 0600, "journal 0600");
	t_inteq((long long)journal_count(j), 0, "nothing delivered");
	t_ok(!journal_pending(j, 0, uidl, sizeof uidl, NULL, NULL, 0), "nothing pending");
	t_inteq(journal_begin(j, "u1", 0, "1.M1P1Q1.host", &e), 0, "begin u1");
	t_ok(journal_pending(j, 0, uidl, sizeof uidl, NULL, NULL, 0) &&
	    strcmp(uidl, "u1") == 0, "u1 pending");
	t_inteq(journal_begin(j, "u2", 100, NULL, &e), 0, "begin u2 while u1 pends (a batch)");
	t_inteq((long long)journal_pending_count(j), 2, "  two pending");
	t_ok(journal_pending(j, 1, uidl, sizeof uidl, NULL, NULL, 0) &&
	    strcmp(uidl, "u2") == 0, "  in the order begun");
	t_ok(journal_compact(j, NULL, NULL, &e) < 0 && e.kind == ERR_INTERNAL,
	    "compact while pending: ERR_INTERNAL");
	t_inteq(journal_done(j, "u1", &e), 0, "done u1");
	t_ok(journal_pending(j, 0, uidl, sizeof uidl, NULL, NULL, 0) &&
	    strcmp(uidl, "u2") == 0 && journal_pending_count(j) == 1,
	    "done ends u1's pending, u2's stays");
	t_inteq(journal_done(j, "u2", &e), 0, "done u2");
	t_ok(!journal_pending(j, 0, NULL, 0, NULL, NULL, 0), "nothing pending");
	t_inteq(journal_sync(j, &e), 0, "sync");
	t_ok(journal_delivered(j, "u1") && journal_delivered(j, "u2") &&
	    !journal_delivered(j, "u3"), "delivered in memory");
	journal_close(j);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(journal_delivered(j, "u1") && journal_delivered(j, "u2") &&
	    !journal_delivered(j, "u3"), "reopen: u1 u2 delivered, u3 not");
	t_inteq((long long)journal_count(j), 2, "reopen: count 2");
	t_ok(!journal_pending(j, 0, NULL, 0, NULL, NULL, 0), "reopen: nothing pending");
	journal_close(j);
}

/* Children that die without closing or syncing what follows. */
static void
crash_child(const char *dir, int how)
{
	struct journal *j;
	struct mp_err e;

	if (journal_open(&j, dir, &e) < 0)
		_exit(1);
	if (how == 0) {
		journal_begin(j, "u3", 200, "n3", &e);
		journal_sync(j, &e);
	} else {
		journal_begin(j, "u4", 300, "n4", &e);
		journal_sync(j, &e);
		journal_done(j, "u4", &e);
		journal_begin(j, "u5", 400, NULL, &e);
		journal_sync(j, &e);
		journal_done(j, "u5", &e);	/* never written */
	}
	_exit(0);
}

static void
run_child(const char *dir, int how)
{
	pid_t pid;
	int status = -1;

	fflush(stdout);
	if ((pid = fork()) == 0)
		crash_child(dir, how);
	waitpid(pid, &status, 0);
	t_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d ran", how);
}

static void
test_crash(void)
{
	char dir[8192];
	struct journal *j;
	struct mp_err e;
	char uidl[JOURNAL_UIDL_MAX + 1], name[JOURNAL_NAME_MAX + 1];
	uint64_t pos = 0;
	long long good;

	snprintf(dir, sizeof dir, "%s", path_of("acct/state"));
	run_child(dir, 0);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(journal_pending(j, 0, uidl, sizeof uidl, &pos, name, sizeof name),
	    "after a crash: pending");
	t_streq(uidl, "u3", "  its UIDL");
	t_inteq((long long)pos, 200, "  its pos");
	t_streq(name, "n3", "  its name");
	t_ok(!journal_delivered(j, "u3"), "  not delivered");
	t_inteq(journal_clear_pending(j, &e), 0, "clear pending");
	t_inteq(journal_sync(j, &e), 0, "sync");
	journal_close(j);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(!journal_pending(j, 0, NULL, 0, NULL, NULL, 0), "cleared stays cleared");
	journal_close(j);

	run_child(dir, 1);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(journal_delivered(j, "u4"), "synced done survives");
	t_ok(journal_pending(j, 0, uidl, sizeof uidl, &pos, name, sizeof name) &&
	    strcmp(uidl, "u5") == 0 && pos == 400 && strcmp(name, "") == 0,
	    "unsynced done lost: u5 pending, pos 400, no name");
	journal_clear_pending(j, &e);
	journal_sync(j, &e);
	journal_close(j);

	/* A torn record: no final newline. */
	good = size_of(path_of("acct/state/journal"));
	append(path_of("acct/state/journal"), "D u6 1c291ca3", 13);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(!journal_delivered(j, "u6"), "torn record (no newline) ignored");
	t_inteq(size_of(path_of("acct/state/journal")), good, "  and cut off");
	journal_done(j, "u7", &e);
	journal_sync(j, &e);
	journal_close(j);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(journal_delivered(j, "u7") && journal_delivered(j, "u4"),
	    "records after the cut replay");
	journal_close(j);

	/* A bad checksum, garbage, zeros from a power loss. */
	good = size_of(path_of("acct/state/journal"));
	append(path_of("acct/state/journal"), "D u8 00000000\n", 14);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(!journal_delivered(j, "u8"), "bad checksum ignored");
	t_inteq(size_of(path_of("acct/state/journal")), good, "  and cut off");
	journal_close(j);
	{
		char zeros[300] = { 0 };
		append(path_of("acct/state/journal"), zeros, sizeof zeros);
	}
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(journal_delivered(j, "u7") && !journal_pending(j, 0, NULL, 0, NULL, NULL, 0),
	    "zeros at the end ignored");
	t_inteq(size_of(path_of("acct/state/journal")), good, "  and cut off");
	/* A good record with one octet changed. */
	journal_done(j, "u9", &e);
	journal_sync(j, &e);
	journal_close(j);
	{
		int fd = open(path_of("acct/state/journal"), O_RDWR);
		off_t at = (off_t)size_of(path_of("acct/state/journal")) - 11;
		if (pwrite(fd, "8", 1, at) != 1)	/* "D u9 ..." to "D u8 ..." */
			printf("# pwrite failed\n");
		close(fd);
	}
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(!journal_delivered(j, "u9") && !journal_delivered(j, "u8"),
	    "altered record refused by its checksum");
	journal_close(j);
}

static bool
keep_odd(void *arg, const char *uidl)
{
	(*(int *)arg)++;
	return strcmp(uidl, "u1") == 0 || strcmp(uidl, "u7") == 0 ||
	    strcmp(uidl, "u10") == 0;
}

struct each_seen {
	int n;
	unsigned mask;
};

static void
each_note(void *arg, const char *uidl)
{
	struct each_seen *es = arg;
	const char *known[] = { "u1", "u7", "u10", "u11" };

	es->n++;
	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(uidl, known[i]) == 0)
			es->mask |= 1u << i;
	}
}

static void
test_compact(void)
{
	char dir[8192];
	struct journal *j;
	struct mp_err e;
	int calls = 0;
	char buf[256];
	ssize_t n;
	int fd;

	snprintf(dir, sizeof dir, "%s", path_of("acct/state"));
	if ((j = reopen(dir)) == NULL)
		return;
	t_inteq((long long)journal_count(j), 4, "before compaction: u1 u2 u4 u7");
	journal_done(j, "u10", &e);	/* buffered, never synced by hand */
	t_inteq(journal_compact(j, keep_odd, &calls, &e), 0, "compact");
	t_inteq(calls, 5, "keep asked once per UIDL");
	t_inteq((long long)journal_count(j), 3, "count after compaction");
	t_ok(journal_delivered(j, "u1") && !journal_delivered(j, "u2") &&
	    journal_delivered(j, "u10"), "dropped and kept in memory");
	t_inteq(size_of(path_of("acct/state/journal")), 0, "journal emptied");
	t_inteq(mode_of(path_of("acct/state/seen")), 0600, "seen 0600");
	t_inteq(size_of(path_of("acct/state/seen.tmp")), -1, "no seen.tmp left");
	fd = open(path_of("acct/state/seen"), O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	t_ok(n == 10 && strstr(buf, "u1\n") && strstr(buf, "u7\n") && strstr(buf, "u10\n"),
	    "seen holds u1 u7 u10");
	journal_done(j, "u11", &e);
	journal_sync(j, &e);
	journal_close(j);
	if ((j = reopen(dir)) == NULL)
		return;
	t_inteq((long long)journal_count(j), 4, "reopen: seen + journal");
	t_ok(journal_delivered(j, "u10") && journal_delivered(j, "u11") &&
	    !journal_delivered(j, "u4"), "reopen: delivered as compacted");
	{
		struct each_seen es = { 0 };
		journal_each(j, each_note, &es);
		t_inteq(es.n, 4, "journal_each: every delivered UIDL once");
		t_ok(es.mask == 0xf, "journal_each: u1 u7 u10 u11");
	}
	journal_close(j);
	/* A hand-edited seen: CRLF, blank lines, no final newline. */
	append(path_of("acct/state/seen"), "\nh1\r\n\nh2", 8);
	if ((j = reopen(dir)) == NULL)
		return;
	t_ok(journal_delivered(j, "h1") && journal_delivered(j, "h2"),
	    "seen: CRLF, blank lines, no final newline");
	journal_close(j);
	append(path_of("acct/state/seen"), "\nbad uidl\n", 10);
	t_ok(journal_open(&j, dir, &e) < 0 && e.kind == ERR_DATA &&
	    strstr(e.text, "line 8") != NULL, "bad line in seen: ERR_DATA naming it");
}

static void
test_lock(void)
{
	char dir[8192];
	struct journal *j, *j2;
	struct mp_err e;
	pid_t pid;
	int status = -1;

	snprintf(dir, sizeof dir, "%s", path_of("locked"));
	if ((j = reopen(dir)) == NULL)
		return;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		if (journal_open(&j2, dir, &e) == 0)
			_exit(1);
		_exit(e.kind == ERR_TEMP && strstr(e.text, "another popfetch") ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	t_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "second open from another process: ERR_TEMP");
	t_ok(journal_open(&j2, dir, &e) < 0 && e.kind == ERR_TEMP,
	    "second open in the same process: ERR_TEMP");
	journal_close(j);
	t_inteq(journal_open(&j2, dir, &e), 0, "open after close");
	journal_close(j2);
}

static void
test_uidl(void)
{
	struct journal *j;
	struct mp_err e;
	char long71[72], long70[71];

	if ((j = reopen(path_of("uidl"))) == NULL)
		return;
	memset(long71, 'a', 71);
	long71[71] = '\0';
	memcpy(long70, long71, 70);
	long70[70] = '\0';
	t_ok(journal_begin(j, "a b", 0, NULL, &e) < 0 && e.kind == ERR_DATA,
	    "begin 'a b': ERR_DATA");
	t_ok(journal_done(j, "a b", &e) < 0 && e.kind == ERR_DATA, "done 'a b': ERR_DATA");
	t_ok(journal_begin(j, long71, 0, NULL, &e) < 0 && e.kind == ERR_DATA,
	    "71 octets: ERR_DATA");
	t_ok(journal_done(j, "a\001b", &e) < 0 && e.kind == ERR_DATA,
	    "control character: ERR_DATA");
	t_ok(journal_done(j, "", &e) < 0 && e.kind == ERR_DATA, "empty: ERR_DATA");
	t_ok(journal_done(j, "\x7f", &e) < 0 && e.kind == ERR_DATA, "DEL: ERR_DATA");
	t_ok(journal_done(j, "caf\xc3\xa9", &e) < 0 && e.kind == ERR_DATA,
	    "non-ASCII: ERR_DATA");
	t_ok(journal_begin(j, "x", 0, "a name", &e) < 0 && e.kind == ERR_DATA,
	    "name with a space: ERR_DATA");
	t_ok(!journal_pending(j, 0, NULL, 0, NULL, NULL, 0), "  nothing pending then");
	t_inteq(journal_done(j, long70, &e), 0, "70 octets accepted");
	t_inteq(journal_done(j, "!~", &e), 0, "0x21 and 0x7e accepted");
	t_ok(!journal_delivered(j, "a b") && journal_delivered(j, long70),
	    "delivered: bad UIDL false");
	t_inteq((long long)journal_count(j), 2, "only good UIDLs counted");
	journal_close(j);
}

static void
test_many(void)
{
	char dir[8192];
	struct journal *j;
	struct mp_err e;
	char uidl[32];
	double t0;
	int i, bad = 0;

	snprintf(dir, sizeof dir, "%s", path_of("many"));
	if ((j = reopen(dir)) == NULL)
		return;
	for (i = 0; i < 100000; i++) {
		snprintf(uidl, sizeof uidl, "%08x-uidl-%d", i * 2654435761u, i);
		if (journal_done(j, uidl, &e) < 0)
			bad++;
	}
	t_inteq(bad, 0, "100,000 dones");
	t_inteq(journal_sync(j, &e), 0, "sync");
	journal_close(j);
	t0 = now();
	j = reopen(dir);
	t_ok(j != NULL && now() - t0 < 1.0, "replay 100,000 records under a second (%.3f s)",
	    now() - t0);
	if (j == NULL)
		return;
	t_inteq((long long)journal_count(j), 100000, "  count");
	t0 = now();
	for (i = 0; i < 100000; i++) {
		snprintf(uidl, sizeof uidl, "%08x-uidl-%d", i * 2654435761u, i);
		if (!journal_delivered(j, uidl))
			bad++;
		snprintf(uidl, sizeof uidl, "%08x-none-%d", i * 2654435761u, i);
		if (journal_delivered(j, uidl))
			bad++;
	}
	t_ok(bad == 0 && now() - t0 < 1.0, "200,000 lookups right under a second (%.3f s)",
	    now() - t0);
	t_inteq(journal_compact(j, NULL, NULL, &e), 0, "compact keeping all");
	journal_close(j);
	t0 = now();
	j = reopen(dir);
	t_ok(j != NULL && now() - t0 < 1.0, "load 100,000 from seen under a second (%.3f s)",
	    now() - t0);
	if (j == NULL)
		return;
	t_inteq((long long)journal_count(j), 100000, "  count");
	journal_close(j);
}

static void
test_symlinks(void)
{
	struct journal *j;
	struct mp_err e;
	int fd;

	mkdir(path_of("sl1"), 0700);
	fd = open(path_of("target"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	t_inteq(symlink(path_of("target"), path_of("sl1/journal")), 0, "make a symlink");
	t_ok(journal_open(&j, path_of("sl1"), &e) < 0 && e.kind == ERR_CANTCREATE &&
	    strstr(e.text, "symbolic link") != NULL, "symlinked journal: ERR_CANTCREATE");
	mkdir(path_of("sl2"), 0700);
	t_inteq(symlink(path_of("target"), path_of("sl2/seen")), 0, "make a symlink");
	t_ok(journal_open(&j, path_of("sl2"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "symlinked seen: ERR_CANTCREATE");
	mkdir(path_of("sl3"), 0700);
	t_inteq(symlink(path_of("target"), path_of("sl3/lock")), 0, "make a symlink");
	t_ok(journal_open(&j, path_of("sl3"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "symlinked lock: ERR_CANTCREATE");
	t_inteq(size_of(path_of("target")), 0, "  target untouched");
	mkdir(path_of("sl4"), 0700);
	mkdir(path_of("sl4/journal"), 0700);
	t_ok(journal_open(&j, path_of("sl4"), &e) < 0 && e.kind == ERR_CANTCREATE,
	    "journal a directory: ERR_CANTCREATE");
	/* The state directory itself a symbolic link. */
	mkdir(path_of("real"), 0700);
	t_inteq(symlink(path_of("real"), path_of("sl5")), 0, "make a symlink");
	t_ok(journal_open(&j, path_of("sl5"), &e) < 0 && e.kind == ERR_CANTCREATE &&
	    strstr(e.text, "symbolic link") != NULL, "symlinked state directory: refused");
	t_inteq(size_of(path_of("real/lock")), -1, "  nothing created in its target");
}

int
main(void)
{
	umask(022);
	if (t_tmpdir("test_journal") < 0)
		return 1;
	test_basic();
	test_crash();
	test_compact();
	test_lock();
	test_uidl();
	test_many();
	test_symlinks();
	t_rmtree();
	return t_done();
}
