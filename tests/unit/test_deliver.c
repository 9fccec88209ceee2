/* MODULES: deliver journal maildir mbox mda dirs err utf8 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver.h"
#include "journal.h"
#include "t.h"
#include "tdir.h"

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, "x\n", 2) != 2)
			t_ok(0, "write %s", path);
		close(fd);
	}
}

static void
one(struct deliver *d, const char *id, const char *body)
{
	struct mp_err e;

	if (deliver_begin(d, id, "a@example.test", 0, &e) < 0 ||
	    deliver_line(d, body, strlen(body), &e) < 0 || deliver_end(d, &e) < 0)
		t_ok(0, "deliver %s: %s", id, e.text);
}

/* A batch into a maildir: in tmp/ until the commit, then in new/ and
 * journaled; without a commit nothing is left and nothing journaled. */
static void
test_maildir_batch(void)
{
	const char *ids[] = { "u1", "u2", "u3" };
	struct journal *j;
	struct deliver *d;
	struct mp_err e;

	if (journal_open(&j, path_of("st1"), &e) < 0 ||
	    deliver_open(&d, DELIVER_MAILDIR, path_of("md1"), NULL, j, &e) < 0) {
		t_ok(0, "open: %s", e.text);
		return;
	}
	t_inteq(deliver_batch(d, ids, 3, &e), 0, "batch");
	one(d, "u1", "one");
	one(d, "u2", "two");
	one(d, "u3", "three");
	t_ok(t_entries(path_of("md1/tmp")) == 3 && t_entries(path_of("md1/new")) == 0,
	    "before the commit: three in tmp/, none in new/");
	t_inteq(deliver_commit(d, ids, 3, &e), 0, "commit");
	t_ok(t_entries(path_of("md1/tmp")) == 0 && t_entries(path_of("md1/new")) == 3,
	    "after it: three in new/, tmp/ empty");
	t_ok(journal_delivered(j, "u1") && journal_delivered(j, "u3"), "  journaled done");
	t_inteq((int)journal_pending_count(j), 0, "  none pending");
	/* A batch given up (a failed run): closed without a commit. */
	one(d, "u4", "four");
	one(d, "u5", "five");
	deliver_close(d);
	journal_close(j);
	t_ok(t_entries(path_of("md1/tmp")) == 0 && t_entries(path_of("md1/new")) == 3,
	    "closed without a commit: tmp/ empty, new/ as before");
	if (journal_open(&j, path_of("st1"), &e) < 0)
		return;
	t_ok(!journal_delivered(j, "u4") && journal_pending_count(j) == 0,
	    "  not journaled");
	journal_close(j);
}

/* After a crash, pending maildir deliveries: those whose file is in new/
 * (or cur/) are recorded done, all of them; the others are removed from
 * tmp/. */
static void
test_maildir_recover(void)
{
	static const char *const names[] = { "100.M1P1Q1.h", "100.M1P1Q2.h",
		"100.M1P1Q3.h", "100.M1P1Q4.h", "100.M1P1Q5.h" };
	struct journal *j;
	struct deliver *d;
	struct mp_err e;
	unsigned back = 0, fwd = 0;
	char id[16], path[300];
	int i;

	if (journal_open(&j, path_of("st2"), &e) < 0 ||
	    deliver_open(&d, DELIVER_MAILDIR, path_of("md2"), NULL, j, &e) < 0) {
		t_ok(0, "open: %s", e.text);
		return;
	}
	deliver_close(d);
	/* Four linked (one moved to cur/ by a reader), the last in tmp/. */
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "r%d", i);
		journal_begin(j, id, 0, names[i], &e);
		snprintf(path, sizeof path, "md2/%s/%s%s", i == 4 ? "tmp" : i == 2 ? "cur" : "new",
		    names[i], i == 2 ? ":2,S" : "");
		touch(path_of(path));
	}
	t_inteq(journal_sync(j, &e), 0, "five begun, synced");
	journal_close(j);
	if (journal_open(&j, path_of("st2"), &e) < 0 ||
	    deliver_open(&d, DELIVER_MAILDIR, path_of("md2"), NULL, j, &e) < 0)
		return;
	t_inteq((int)journal_pending_count(j), 5, "reopened: five pending");
	t_inteq(deliver_recover(d, &back, &fwd, &e), 0, "recover");
	t_ok(fwd == 4 && back == 1, "four completed, one rolled back (got %u, %u)", fwd, back);
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof id, "r%d", i);
		t_ok(journal_delivered(j, id), "  %s (linked) recorded done", id);
	}
	t_ok(!journal_delivered(j, "r4"), "  r4 (in tmp/) not done");
	t_inteq(t_entries(path_of("md2/tmp")), 0, "  its tmp/ file removed");
	t_inteq((int)journal_pending_count(j), 0, "  none pending");
	deliver_close(d);
	journal_close(j);
	if (journal_open(&j, path_of("st2"), &e) < 0)
		return;
	t_ok(journal_delivered(j, "r0") && journal_delivered(j, "r3") &&
	    journal_pending_count(j) == 0, "  durably so");
	journal_close(j);
}

/* After a crash, an mbox is cut back to where the batch began. */
static void
test_mbox_recover(void)
{
	const char *ids[] = { "m1", "m2" };
	struct journal *j;
	struct deliver *d;
	struct mp_err e;
	unsigned back = 0, fwd = 0;
	struct stat st;
	off_t before;
	int fd;

	if (journal_open(&j, path_of("st3"), &e) < 0 ||
	    deliver_open(&d, DELIVER_MBOX, path_of("box"), NULL, j, &e) < 0) {
		t_ok(0, "open: %s", e.text);
		return;
	}
	deliver_batch(d, ids, 1, &e);
	one(d, "m1", "kept");
	deliver_commit(d, ids, 1, &e);
	stat(path_of("box"), &st);
	before = st.st_size;
	deliver_batch(d, ids + 1, 1, &e);
	one(d, "m2", "torn");
	/* The crash: the batch never committed (the journal's begin is). */
	deliver_close(d);
	journal_close(j);
	if ((fd = open(path_of("box"), O_WRONLY | O_APPEND)) >= 0) {
		if (write(fd, "half a mess", 11) != 11)
			t_ok(0, "append");
		close(fd);
	}
	if (journal_open(&j, path_of("st3"), &e) < 0 ||
	    deliver_open(&d, DELIVER_MBOX, path_of("box"), NULL, j, &e) < 0)
		return;
	t_inteq(deliver_recover(d, &back, &fwd, &e), 0, "mbox: recover");
	t_ok(back == 1 && fwd == 0, "  one rolled back");
	stat(path_of("box"), &st);
	t_ok(st.st_size == before, "  cut back to the batch's start (%lld, want %lld)",
	    (long long)st.st_size, (long long)before);
	t_ok(journal_delivered(j, "m1") && !journal_delivered(j, "m2"), "  m1 kept, m2 not");
	deliver_close(d);
	journal_close(j);
}

int
main(void)
{
	if (t_tmpdir("test_deliver") < 0)
		return 1;
	test_maildir_batch();
	test_maildir_recover();
	test_mbox_recover();
	t_rmtree();
	return t_done();
}
