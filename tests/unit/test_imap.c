/* MODULES: sasl utf8 dirs imap imap_parse imap_utf7 imap_data mailbox seqset mime conn err trace */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "feed.h"
#include "imap.h"
#include "mailbox.h"
#include "t.h"

/* ---- A scripted server in a child process, over a socketpair.
 *
 * Script steps: "R" read one line the client sent; "A" read lines until
 * the client is quiet for a while (then log "--"); "B<n>" read n raw
 * bytes; "Q" log "[quiet]" when the client sends nothing for 300 ms, else
 * "[early]"; "S<text>" send text; "T" answer every line "A" read with
 * "TAG OK done" ("T<text>": "TAG <text>"); "X" shut down the sending side. At the end, whatever the
 * client still sends is read until it closes. The log (each read line or
 * byte run followed by "\n") goes back to the parent. */

struct srv {
	pid_t pid;
	int logfd;
	struct conn *c;
};

struct srv_log {
	char *p;
	size_t n, cap;
};

static void
srv_log_add(struct srv_log *l, const char *p, size_t n)
{
	if (l->n + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		while (cap < l->n + n + 1)
			cap *= 2;
		if ((l->p = realloc(l->p, cap)) == NULL)
			_exit(3);
		l->cap = cap;
	}
	memcpy(l->p + l->n, p, n);
	l->n += n;
	l->p[l->n] = '\0';
}

static int
srv_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

/* One line without its CRLF into buf; -1 at EOF or after 3 s. */
static int
srv_line(int fd, char *buf, size_t cap, size_t *n)
{
	char ch;

	*n = 0;
	for (;;) {
		if (!srv_readable(fd, 3000) || read(fd, &ch, 1) != 1)
			return -1;
		if (ch == '\n')
			break;
		if (*n + 1 < cap)
			buf[(*n)++] = ch;
	}
	if (*n > 0 && buf[*n - 1] == '\r')
		(*n)--;
	buf[*n] = '\0';
	return 0;
}

static void
srv_run(int fd, const char *const *script, int logfd)
{
	static char line[65536];
	struct srv_log log = { 0 };
	char tags[128][16];
	size_t ntags = 0, n, i;

	for (; *script != NULL; script++) {
		const char *s = *script;
		switch (s[0]) {
		case 'R':
			if (srv_line(fd, line, sizeof line, &n) < 0)
				goto out;
			srv_log_add(&log, line, n);
			srv_log_add(&log, "\n", 1);
			break;
		case 'A':
			while (srv_readable(fd, 400)) {
				if (srv_line(fd, line, sizeof line, &n) < 0)
					goto out;
				srv_log_add(&log, line, n);
				srv_log_add(&log, "\n", 1);
				if (ntags < 128)
					snprintf(tags[ntags++], sizeof tags[0], "%.*s",
					    (int)strcspn(line, " "), line);
			}
			srv_log_add(&log, "--\n", 3);
			break;
		case 'B':
			for (n = strtoul(s + 1, NULL, 10); n > 0; n--) {
				char ch;
				if (!srv_readable(fd, 3000) || read(fd, &ch, 1) != 1)
					goto out;
				srv_log_add(&log, &ch, 1);
			}
			srv_log_add(&log, "\n", 1);
			break;
		case 'Q':
			srv_log_add(&log, srv_readable(fd, 300) ? "[early]\n" :
			    "[quiet]\n", 8);
			break;
		case 'S':
			if (write(fd, s + 1, strlen(s + 1)) < 0)
				goto out;
			break;
		case 'T':
			for (i = 0; i < ntags; i++) {
				char reply[64];
				snprintf(reply, sizeof reply, "%s %s\r\n", tags[i],
				    s[1] ? s + 1 : "OK done");
				if (write(fd, reply, strlen(reply)) < 0)
					goto out;
			}
			ntags = 0;
			break;
		case 'X':
			shutdown(fd, SHUT_WR);
			break;
		}
	}
	while (srv_line(fd, line, sizeof line, &n) == 0) {
		srv_log_add(&log, line, n);
		srv_log_add(&log, "\n", 1);
	}
out:
	if (log.n > 0 && write(logfd, log.p, log.n) < 0)
		_exit(2);
	_exit(0);
}

static int
srv_start(struct srv *s, const char *const *script)
{
	int sv[2], lp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(lp) < 0)
		return -1;
	fflush(stdout);
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		close(sv[0]);
		close(lp[0]);
		srv_run(sv[1], script, lp[1]);
	}
	close(sv[1]);
	close(lp[1]);
	s->logfd = lp[0];
	s->c = conn_open_fd(sv[0], CONN_IMAP, 2000, 0, NULL);
	return s->c != NULL ? 0 : -1;
}

/* Close the client's side and collect what the server read. */
static char *
srv_end(struct srv *s)
{
	struct srv_log log = { 0 };
	char buf[4096];
	ssize_t n;

	conn_close(s->c);
	s->c = NULL;
	srv_log_add(&log, "", 0);
	while ((n = read(s->logfd, buf, sizeof buf)) > 0)
		srv_log_add(&log, buf, (size_t)n);
	close(s->logfd);
	waitpid(s->pid, NULL, 0);
	return log.p;
}

static void
log_check(struct srv *s, const char *want, const char *name)
{
	char *got = srv_end(s);

	t_streq(got, want, name);
	free(got);
}

#define CAPS(c) "R", "S* CAPABILITY " c "\r\nA0001 OK CAPABILITY completed\r\n"

struct counts {
	int untagged, exists;
};

static int
count_untagged(void *arg, const struct imap_response *r, struct mp_err *e)
{
	struct counts *k = arg;

	(void)e;
	k->untagged++;
	if (strcmp(r->name, "EXISTS") == 0)
		k->exists++;
	return 0;
}

static void
session_basics(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1 LITERAL+ ID"),
		"R", "R", "R",
		"S* 3 EXISTS\r\nA0004 OK third\r\nA0002 NO [SERVERBUG] first\r\n"
		"* 4 EXISTS\r\nA0003 OK second\r\n",
		"R", "S* BYE logging out\r\nA0005 OK LOGOUT completed\r\n",
		NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd c1, c2, c3;
	struct counts k = { 0, 0 };
	struct mp_err e;

	if (srv_start(&s, script) < 0) {
		t_ok(0, "server started");
		return;
	}
	t_inteq(imap_open(&im, s.c, &e), 0, "imap_open asks CAPABILITY");
	t_streq(imap_caps(im), "IMAP4rev1 LITERAL+ ID", "  capabilities as sent");
	t_ok(imap_has_cap(im, "literal+") && imap_has_cap(im, "Imap4Rev1") &&
	    imap_has_cap(im, "ID"), "imap_has_cap is case-insensitive");
	t_ok(!imap_has_cap(im, "IMAP4") && !imap_has_cap(im, "IDLE") &&
	    !imap_has_cap(im, "LITERAL"), "  whole words only");
	t_ok(!imap_utf8(im), "  no UTF8=ACCEPT");
	t_ok(imap_conn(im) == s.c, "imap_conn");
	imap_set_handler(im, count_untagged, &k);
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_cmd_send(im, &c1, &e), 0, "pipelined: first sent");
	imap_cmd_begin(im, "CHECK");
	t_inteq(imap_cmd_send(im, &c2, &e), 0, "pipelined: second sent");
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_cmd_send(im, &c3, &e), 0, "pipelined: third sent");
	t_ok(strcmp(c1.tag, "A0002") == 0 && strcmp(c2.tag, "A0003") == 0 &&
	    strcmp(c3.tag, "A0004") == 0, "tags A0002, A0003, A0004 in order");
	t_ok(c1.status == IMAP_NONE && c2.status == IMAP_NONE &&
	    c3.status == IMAP_NONE, "  all in flight");
	t_inteq(imap_wait(im, &c1, &e), 0, "wait for the first");
	t_inteq(c1.status, IMAP_NO, "  its reply came second: NO");
	t_streq(c1.code, "SERVERBUG", "  its code");
	t_streq(c1.text, "first", "  its text");
	t_inteq(c3.status, IMAP_OK, "the third completed out of order");
	t_streq(c3.text, "third", "  with its own text");
	t_inteq(imap_wait(im, &c2, &e), 0, "wait for the second");
	t_inteq(c2.status, IMAP_OK, "  OK");
	t_inteq(imap_wait(im, &c3, &e), 0, "waiting for a completed command");
	t_ok(k.untagged == 2 && k.exists == 2, "untagged responses to the handler");
	t_inteq(imap_cmd_error(&c1, "NOOP", ERR_UNAVAILABLE, ERR_PROTOCOL, &e), -1,
	    "imap_cmd_error");
	t_inteq(e.kind, ERR_TEMP, "  [SERVERBUG]: ERR_TEMP");
	t_inteq(imap_close(im, &e), 0, "imap_close");
	t_inteq(imap_close(im, &e), 0, "  once only");
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 NOOP\nA0003 CHECK\nA0004 NOOP\n"
	    "A0005 LOGOUT\n", "the client's lines, in order");
}

static void
session_unknown_tag(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1"), "R", "S* OK still here\r\nZ999 OK what\r\n", NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd c;
	struct mp_err e;

	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_run(im, &c, &e), -1, "a tagged reply for an unknown tag");
	t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
	t_ok(strstr(e.text, "Z999") != NULL, "  naming the tag: %s", e.text);
	imap_free(im);
	free(srv_end(&s));
}

static void
session_bye(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1"), "R", "S* BYE Autologout; idle for too long\r\n",
		"X", NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd c;
	struct mp_err e;

	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_run(im, &c, &e), -1, "BYE then close");
	t_inteq(e.kind, ERR_TEMP, "  ERR_TEMP");
	t_ok(strstr(e.text, "Autologout; idle for too long") != NULL,
	    "  with the BYE text: %s", e.text);
	imap_free(im);
	free(srv_end(&s));

	{
		/* The CAPABILITY refused: imap_open fails. */
		static const char *const script2[] = {
			"R", "S A0001 BAD no\r\n", NULL
		};
		if (srv_start(&s, script2) < 0)
			return;
		t_inteq(imap_open(&im, s.c, &e), -1, "imap_open: CAPABILITY refused");
		t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		imap_free(im);
		free(srv_end(&s));
	}
}

static void
session_sync_literal(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1"),
		"R", "Q", "S+ Ready for literal data\r\n", "B5", "R",
		"SA0002 OK SEARCH completed\r\n",
		"R", "SA0003 NO [TOOBIG] message too big\r\n",
		"R", "SA0004 OK\r\n",
		NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd c;
	struct mp_err e;

	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	imap_cmd_begin(im, "SEARCH CHARSET UTF-8 SUBJECT");
	imap_cmd_string(im, "K\xc3\xb6ln", 5);
	t_inteq(imap_run(im, &c, &e), 0, "8-bit string without LITERAL+");
	t_inteq(c.status, IMAP_OK, "  completed");
	imap_cmd_begin(im, "APPEND INBOX");
	imap_cmd_string(im, "\r\nbody", 6);
	t_inteq(imap_cmd_send(im, &c, &e), 0, "literal refused instead of '+'");
	t_inteq(c.status, IMAP_NO, "  the command completes with NO");
	t_streq(c.code, "TOOBIG", "  its code");
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_run(im, &c, &e), 0, "the session goes on");
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 SEARCH CHARSET UTF-8 SUBJECT {5}\n"
	    "[quiet]\nK\xc3\xb6ln\n\nA0003 APPEND INBOX {6}\nA0004 NOOP\n",
	    "synchronising literal: {5}, bytes only after '+'");
}

static void
session_build(void)
{
	static char longstr[1100];
	static const char *const script[] = {
		CAPS("IMAP4rev1 LITERAL+"),
		"R", "B5", "R", "SA0002 OK\r\n",
		"R", "SA0005 OK\r\n",
		/* criteria */
		"R", "SA0006 OK\r\n", "R", "SA0007 OK\r\n", "R", "SA0008 OK\r\n",
		"R", "B5", "R", "SA0009 OK\r\n",
		"R", "SA0016 OK\r\n",
		"R", "SA0017 OK\r\n",
		"R", "B1025", "R", "SA0018 OK\r\n",
		NULL
	};
	static const struct {
		const char *crit;
		int kind;
	} bad[] = {
		{ "FROM \"bob", ERR_USAGE },
		{ "(UNSEEN", ERR_USAGE },
		{ "UNSEEN)", ERR_USAGE },
		{ "UNSEEN) (FROM \"a\"", ERR_USAGE },
		{ "FROM \"a\r\nb\"", ERR_DATA },
		{ "FROM \"a\\\"", ERR_USAGE },
	};
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd c;
	struct mp_err e;
	size_t i;
	char *name;

	memset(longstr, 'x', sizeof longstr);
	longstr[1025] = '\0';
	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	imap_cmd_begin(im, "X");
	imap_cmd_string(im, "K\xc3\xb6ln", 5);
	imap_cmd_string(im, "a\"b\\c", 5);
	t_inteq(imap_run(im, &c, &e), 0, "LITERAL+: {5+} sent at once");
	imap_cmd_begin(im, "X");
	imap_cmd_string(im, "a\0b", 3);
	t_inteq(imap_cmd_send(im, &c, &e), -1, "NUL in a string");
	t_inteq(e.kind, ERR_DATA, "  ERR_DATA");
	imap_cmd_begin(im, "X");
	imap_cmd_add(im, "a\r\nb");
	t_inteq(imap_cmd_send(im, &c, &e), -1, "CR LF in imap_cmd_add");
	t_inteq(e.kind, ERR_DATA, "  ERR_DATA");
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_run(im, &c, &e), 0, "a good command after bad ones");
	t_streq(c.tag, "A0005", "  its tag: bad ones used theirs");

	imap_cmd_begin(im, "UID SEARCH");
	imap_cmd_criteria(im, "UNSEEN FROM \"bob\"");
	t_inteq(imap_run(im, &c, &e), 0, "criteria: UNSEEN FROM \"bob\"");
	imap_cmd_begin(im, "UID SEARCH");
	imap_cmd_criteria(im, "(OR FROM \"a\" FROM \"b\")");
	t_inteq(imap_run(im, &c, &e), 0, "criteria: (OR FROM \"a\" FROM \"b\")");
	imap_cmd_begin(im, "UID SEARCH");
	imap_cmd_criteria(im, "  ( OR  FROM \"a\\\"q\"\tFROM b )  ");
	t_inteq(imap_run(im, &c, &e), 0, "criteria: blanks and escapes");
	t_ok(imap_criteria_8bit(im, "SUBJECT \"K\xc3\xb6ln\"") &&
	    !imap_criteria_8bit(im, "UNSEEN"), "imap_criteria_8bit");
	imap_cmd_begin(im, "UID SEARCH");
	imap_cmd_criteria(im, "SUBJECT \"K\xc3\xb6ln\"");
	t_inteq(imap_run(im, &c, &e), 0, "criteria: 8-bit string as a literal");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[128];
		imap_cmd_begin(im, "UID SEARCH");
		imap_cmd_criteria(im, bad[i].crit);
		snprintf(what, sizeof what, "criteria: %s", bad[i].crit);
		t_inteq(imap_cmd_send(im, &c, &e), -1, what);
		t_inteq(e.kind, bad[i].kind, "  error kind");
	}
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_run(im, &c, &e), 0, "nothing sent for the bad criteria");
	t_streq(c.tag, "A0016", "  tag A0016");
	imap_cmd_begin(im, "STATUS");
	imap_cmd_mailbox(im, "\xd0\xa4\xd0\xb8\xd0\xbb\xd1\x8c\xd1\x82\xd1\x80\xd1\x8b");
	imap_cmd_mailbox(im, "a&b");
	t_inteq(imap_run(im, &c, &e), 0, "mailbox names in modified UTF-7");
	imap_cmd_begin(im, "X");
	imap_cmd_string(im, longstr, 1025);
	t_inteq(imap_run(im, &c, &e), 0, "a long string goes as a literal");

	name = imap_mailbox_name(im, "&BCQEOAQ7BEwEQgRABEs-", 21);
	t_streq(name, "\xd0\xa4\xd0\xb8\xd0\xbb\xd1\x8c\xd1\x82\xd1\x80\xd1\x8b",
	    "imap_mailbox_name decodes modified UTF-7");
	free(name);
	name = imap_mailbox_name(im, "&Jjo!", 5);
	t_streq(name, "&Jjo!", "  invalid modified UTF-7 passes raw");
	free(name);
	name = imap_mailbox_name(im, "a&-b", 4);
	t_streq(name, "a&b", "  &- is &");
	free(name);
	name = imap_mailbox_name(im, "INBOXjunk", 5);
	t_streq(name, "INBOX", "  only n octets");
	free(name);

	imap_free(im);
	{
		char want[4096];
		snprintf(want, sizeof want, "A0001 CAPABILITY\nA0002 X {5+}\n"
		    "K\xc3\xb6ln\n \"a\\\"b\\\\c\"\nA0005 NOOP\n"
		    "A0006 UID SEARCH UNSEEN FROM \"bob\"\n"
		    "A0007 UID SEARCH (OR FROM \"a\" FROM \"b\")\n"
		    "A0008 UID SEARCH (OR FROM \"a\\\"q\" FROM b)\n"
		    "A0009 UID SEARCH SUBJECT {5+}\nK\xc3\xb6ln\n\n"
		    "A0016 NOOP\n"
		    "A0017 STATUS \"&BCQEOAQ7BEwEQgRABEs-\" \"a&-b\"\n"
		    "A0018 X {1025+}\n%s\n\n", longstr);
		log_check(&s, want, "commands as built on the wire");
	}
}

static void
session_utf8(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1 ENABLE UTF8=ACCEPT"),
		"R", "S* ENABLED UTF8=ACCEPT\r\nA0002 OK enabled\r\n",
		"R", "SA0003 OK\r\n", NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd c;
	struct mp_err e;
	char *name;

	if (srv_start(&s, script) < 0)
		return;
	t_inteq(imap_open(&im, s.c, &e), 0, "imap_open with UTF8=ACCEPT");
	t_ok(imap_utf8(im), "  ENABLE UTF8=ACCEPT done");
	t_ok(!imap_criteria_8bit(im, "SUBJECT \"K\xc3\xb6ln\""),
	    "  no CHARSET needed then");
	imap_cmd_begin(im, "STATUS");
	imap_cmd_mailbox(im, "K\xc3\xb6ln");
	imap_cmd_add(im, "(MESSAGES)");
	t_inteq(imap_run(im, &c, &e), 0, "  mailbox sent as UTF-8");
	name = imap_mailbox_name(im, "&BCQ-", 5);
	t_streq(name, "&BCQ-", "  names from the server as sent");
	free(name);
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 ENABLE UTF8=ACCEPT\n"
	    "A0003 STATUS \"K\xc3\xb6ln\" (MESSAGES)\n", "  on the wire");
}

static void
session_cmd_error(void)
{
	static const struct {
		enum imap_status st;
		const char *code;
		int kind;
	} t[] = {
		{ IMAP_NO, "NONEXISTENT", ERR_NOINPUT },
		{ IMAP_NO, "", ERR_UNAVAILABLE },
		{ IMAP_BAD, "", ERR_USAGE },
		{ IMAP_NO, "SERVERBUG", ERR_TEMP },
		{ IMAP_BAD, "SERVERBUG", ERR_TEMP },
		{ IMAP_NO, "AUTHENTICATIONFAILED", ERR_AUTH },
		{ IMAP_NO, "NOPERM", ERR_AUTH },
		{ IMAP_NO, "OVERQUOTA", ERR_TEMP },
		{ IMAP_NO, "INUSE", ERR_TEMP },
		{ IMAP_NO, "ALERT", ERR_UNAVAILABLE },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_cmd c = { .status = t[i].st };
		struct mp_err e;
		char what[128];

		snprintf(c.code, sizeof c.code, "%s", t[i].code);
		snprintf(c.text, sizeof c.text, "no such mailbox");
		snprintf(what, sizeof what, "imap_cmd_error %s [%s]",
		    t[i].st == IMAP_NO ? "NO" : "BAD", t[i].code);
		t_inteq(imap_cmd_error(&c, "SELECT x", ERR_UNAVAILABLE, ERR_USAGE, &e),
		    -1, what);
		t_inteq(e.kind, t[i].kind, "  kind");
		if (i == 0)
			t_streq(e.text, "SELECT x: NO [NONEXISTENT] no such mailbox",
			    "  text");
		if (i == 2)
			t_streq(e.text, "SELECT x: BAD no such mailbox", "  text");
	}
}

static void
session_mailbox_open(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1 CONDSTORE"),
		"R",
		"S* 172 EXISTS\r\n* 1 RECENT\r\n* OK [UNSEEN 12] Message 12 is first unseen\r\n"
		"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
		"* OK [UIDNEXT 4392] Predicted next UID\r\n"
		"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
		"* OK [HIGHESTMODSEQ 715194045007] Highest\r\n"
		"A0002 OK [READ-WRITE] SELECT completed\r\n",
		"R",
		"S* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\nA0003 OK [READ-ONLY] done\r\n",
		"R", "S* 3 EXISTS\r\n* OK [UIDNEXT 4] ok\r\nA0004 OK [READ-WRITE] done\r\n",
		"R", "SA0005 NO [NONEXISTENT] Unknown Mailbox\r\n",
		"R", "S* OK [UIDVALIDITY 0] zero\r\nA0006 OK done\r\n",
		NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct mailbox_info info;
	struct mp_err e;

	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	t_inteq(mailbox_open(im, "INBOX", false, &info, &e), 0, "mailbox_open SELECT");
	t_inteq((long long)info.exists, 172, "  EXISTS");
	t_inteq(info.uidvalidity, 3857529045LL, "  UIDVALIDITY");
	t_inteq(info.uidnext, 4392, "  UIDNEXT");
	t_inteq((long long)info.highestmodseq, 715194045007LL, "  HIGHESTMODSEQ");
	t_streq(info.flags, "\\Answered \\Flagged \\Deleted \\Seen \\Draft", "  FLAGS");
	t_ok(info.has_permanentflags, "  PERMANENTFLAGS seen");
	t_streq(info.permanentflags, "\\Deleted \\Seen \\*", "  PERMANENTFLAGS");
	t_ok(!info.read_only, "  READ-WRITE");
	t_inteq(mailbox_open(im, "Archive/2024", false, &info, &e), 0,
	    "SELECT answered [READ-ONLY]");
	t_ok(info.read_only && info.exists == 3 && info.uidvalidity == 7 &&
	    !info.has_permanentflags && info.highestmodseq == 0, "  read-only");
	t_inteq(mailbox_open(im, "INBOX", true, &info, &e), -1, "no UIDVALIDITY");
	t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
	t_inteq(mailbox_open(im, "Nope", true, &info, &e), -1, "NO [NONEXISTENT]");
	t_inteq(e.kind, ERR_NOINPUT, "  ERR_NOINPUT");
	t_inteq(mailbox_open(im, "INBOX", true, &info, &e), -1, "UIDVALIDITY 0");
	t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 SELECT \"INBOX\"\n"
	    "A0003 SELECT \"Archive/2024\"\nA0004 EXAMINE \"INBOX\"\n"
	    "A0005 EXAMINE \"Nope\"\nA0006 EXAMINE \"INBOX\"\n", "  SELECT and EXAMINE");
}

static const char *
set_text(struct seqset *set, char *buf, size_t cap)
{
	size_t pos = 0;

	buf[0] = '\0';
	seqset_format(set, &pos, buf, cap);
	return buf;
}

static void
session_search(void)
{
	static const char *const esearch[] = {
		CAPS("IMAP4rev1 ESEARCH LITERAL+"),
		"R", "S* ESEARCH (TAG \"A0002\") UID ALL 4:6,9\r\nA0002 OK done\r\n",
		"R", "B5", "R", "S* ESEARCH (TAG \"A0003\") UID\r\nA0003 OK done\r\n",
		"R", "SA0004 NO [BADCHARSET (UTF-8)] no\r\n",
		"R", "SA0005 BAD parse error\r\n",
		NULL
	};
	static const char *const plain[] = {
		CAPS("IMAP4rev1"),
		"R", "S* SEARCH 882 2 84\r\nA0002 OK done\r\n",
		"R", "S+ go\r\n", "B5", "R", "S* SEARCH\r\nA0003 OK done\r\n",
		NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct seqset set = { 0 };
	struct mp_err e;
	char buf[256];

	if (srv_start(&s, esearch) < 0)
		return;
	imap_open(&im, s.c, &e);
	t_inteq(mailbox_search(im, "UNSEEN", &set, &e), 0, "mailbox_search, ESEARCH");
	t_streq(set_text(&set, buf, sizeof buf), "4:6,9", "  the ALL result");
	seqset_free(&set);
	t_inteq(mailbox_search(im, "SUBJECT \"K\xc3\xb6ln\"", &set, &e), 0,
	    "  8-bit criteria");
	t_inteq((long long)set.n, 0, "  nothing found");
	t_inteq(mailbox_search(im, "ALL", &set, &e), -1, "  NO [BADCHARSET]");
	t_inteq(e.kind, ERR_USAGE, "  ERR_USAGE");
	t_inteq(mailbox_search(im, "FOO", &set, &e), -1, "  BAD");
	t_inteq(e.kind, ERR_USAGE, "  ERR_USAGE");
	t_inteq(mailbox_search(im, "  ", &set, &e), -1, "  empty criteria");
	t_inteq(e.kind, ERR_USAGE, "  ERR_USAGE");
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 UID SEARCH RETURN (ALL) UNSEEN\n"
	    "A0003 UID SEARCH RETURN (ALL) CHARSET UTF-8 SUBJECT {5+}\n"
	    "K\xc3\xb6ln\n\nA0004 UID SEARCH RETURN (ALL) ALL\n"
	    "A0005 UID SEARCH RETURN (ALL) FOO\n",
	    "  ESEARCH asked with RETURN (ALL), CHARSET UTF-8 for 8-bit");
	seqset_free(&set);

	if (srv_start(&s, plain) < 0)
		return;
	imap_open(&im, s.c, &e);
	t_inteq(mailbox_search(im, "UNSEEN FROM \"bob\"", &set, &e), 0,
	    "mailbox_search, plain SEARCH");
	t_streq(set_text(&set, buf, sizeof buf), "2,84,882", "  sorted UIDs");
	seqset_free(&set);
	t_inteq(mailbox_search(im, "SUBJECT \"K\xc3\xb6ln\"", &set, &e), 0,
	    "  8-bit criteria, synchronising literal");
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 UID SEARCH UNSEEN FROM \"bob\"\n"
	    "A0003 UID SEARCH CHARSET UTF-8 SUBJECT {5}\nK\xc3\xb6ln\n\n",
	    "  plain SEARCH on the wire");
	seqset_free(&set);
}

struct fetched {
	uint32_t uids[16];
	int n;
};

static int
fetch_cb(void *arg, const struct imap_response *r, const struct imap_data_fetch *f,
    struct mp_err *e)
{
	struct fetched *k = arg;

	(void)r;
	(void)e;
	if (k->n < 16)
		k->uids[k->n++] = f->uid;
	return 0;
}

/* Large literals go to the spool file, small ones stay in the response. */
struct spooled {
	int n;
	uint32_t uid[4];
	size_t inline_len[4];
	bool spooled[4];
	uint64_t size[4];
	bool bytes_ok[4];
	char flags[4][32];
	struct imap *im;
};

static int
spool_cb(void *arg, const struct imap_response *r, struct mp_err *e)
{
	struct spooled *k = arg;
	struct imap_data_fetch f;
	int fd, i;

	if (strcmp(r->name, "FETCH") != 0 || k->n == 4)
		return 0;
	if (imap_data_fetch(r, &f, e) < 0)
		return -1;
	i = k->n++;
	k->uid[i] = f.uid;
	k->inline_len[i] = f.body != NULL ? f.body->len : 99;
	snprintf(k->flags[i], sizeof k->flags[i], "%.*s", f.flags && f.flags->count ?
	    (int)f.flags->items[0].len : 0, f.flags && f.flags->count ?
	    f.flags->items[0].str : "");
	k->spooled[i] = imap_spooled(k->im, &fd,
	    &k->size[i]);
	if (k->spooled[i]) {
		char head[3], tail[3];
		k->bytes_ok[i] = pread(fd, head, 3, 0) == 3 && memcmp(head, "abc", 3) == 0 &&
		    pread(fd, tail, 3, (off_t)k->size[i] - 3) == 3 &&
		    memcmp(tail, "z\r\n", 3) == 0;
	}
	return 0;
}

static void
session_fetch(void)
{
	const char *script[32];
	struct srv s;
	struct imap *im = NULL;
	struct seqset set = { 0 }, back = { 0 };
	struct fetched k = { .n = 0 };
	uint64_t expunged = 99;
	struct mp_err e;
	uint32_t u;
	char *log, *p, *nl, piece[1001];
	size_t pos = 0, pieces = 0, i, n = 0;
	int lines = 0, short_ok = 1, tags_ok = 1, one_at_a_time = 1, group = 0;

	for (u = 1; u < 1200; u += 2)
		seqset_add(&set, u, u, &e);
	seqset_normalize(&set);
	while (seqset_format(&set, &pos, piece, sizeof piece) > 0)
		pieces++;
	/* The server answers each piece before the next may come. */
	script[n++] = "R";
	script[n++] = "S* CAPABILITY IMAP4rev1\r\nA0001 OK CAPABILITY completed\r\n";
	script[n++] = "A";
	script[n++] = "S* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS (\\Deleted))\r\n"
	    "* 5 EXPUNGE\r\n* 3 FETCH (UID 5 FLAGS ())\r\n* 4 EXPUNGE\r\n"
	    "* 9 FETCH (FLAGS (\\Seen) UID 1199)\r\n";
	script[n++] = "T";
	for (i = 1; i < pieces && n < 28; i++) {
		script[n++] = "A";
		script[n++] = "T";
	}
	script[n++] = "A";
	script[n++] = "S* 1 FETCH (UID 1)\r\n";
	script[n++] = "TNO [SERVERBUG] oops";
	script[n] = NULL;
	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	t_inteq(mailbox_fetch(im, &set, "(UID FLAGS)", fetch_cb, &k, &expunged, &e),
	    0, "mailbox_fetch of 600 scattered UIDs");
	t_ok(k.n == 3 && k.uids[0] == 1 && k.uids[1] == 5 && k.uids[2] == 1199,
	    "  FETCH without UID not passed on (%d seen)", k.n);
	t_inteq((long long)expunged, 2, "  EXPUNGE counted");
	t_inteq(mailbox_fetch(im, NULL, "(UID)", fetch_cb, &k, NULL, &e), -1,
	    "mailbox_fetch of 1:*, NO");
	t_inteq(e.kind, ERR_TEMP, "  [SERVERBUG]: ERR_TEMP");
	imap_free(im);
	log = srv_end(&s);
	p = strstr(log, "A0001 CAPABILITY\n");
	p = p != NULL ? p + 17 : log;
	/* Groups of lines end with "--": one UID FETCH in each. */
	while ((nl = strchr(p, '\n')) != NULL && strstr(p, " UID FETCH 1:* ") != p + 5) {
		char want[32];
		size_t len = (size_t)(nl - p);
		const char *sp;
		if (strncmp(p, "--\n", 3) == 0) {
			if (group != 1)
				one_at_a_time = 0;
			group = 0;
			p = nl + 1;
			continue;
		}
		group++;
		snprintf(want, sizeof want, "A%04d UID FETCH ", lines + 2);
		if (strncmp(p, want, strlen(want)) != 0 ||
		    len < 28 || strcmp(nl - 12, " (UID FLAGS)\n") == 0)
			tags_ok = 0;
		sp = p + strlen(want);
		if (len > 1100 || nl - 12 - sp > 1000)
			short_ok = 0;
		if (tags_ok && len > strlen(want) + 12)
			seqset_parse(&back, sp, (size_t)(nl - 12 - sp), &e);
		lines++;
		p = nl + 1;
	}
	t_ok(lines >= 3 && (size_t)lines == pieces, "  split into %d commands", lines);
	t_ok(one_at_a_time, "  each sent after the reply to the one before");
	t_ok(tags_ok, "  tags in order, items at the end");
	t_ok(short_ok, "  each about 1,000 octets (set <= 1,000, line <= 1,100)");
	seqset_normalize(&back);
	t_inteq((long long)seqset_count(&back), 600, "  together they name every UID");
	t_ok(strstr(log, " UID FETCH 1:* (UID)\n--\n") != NULL,
	    "  NULL set: 1:*");
	free(log);
	seqset_free(&set);
	seqset_free(&back);
}

static void
session_spool(void)
{
	const char *script[8];
	struct srv s;
	struct imap *im = NULL;
	struct imap_cmd cmd;
	struct spooled k = { .n = 0 };
	struct mp_err e;
	size_t big = 300000, n = 0, len;
	char *resp, *p, *log;
	const char *head = "* 1 FETCH (UID 7 BODY[] {300000}\r\n";
	const char *rest = " FLAGS (\\Seen))\r\n* 2 FETCH (UID 8 BODY[] {5}\r\nhello "
	    "FLAGS (\\Draft))\r\n* 3 FETCH (UID 9 BODY[] ~{300000}\r\n";
	const char *end = ")\r\nA0002 OK done\r\n";

	len = 1 + strlen(head) + big + strlen(rest) + big + strlen(end) + 1;
	if ((resp = malloc(len)) == NULL)
		return;
	p = resp;
	*p++ = 'S';
	memcpy(p, head, strlen(head));
	p += strlen(head);
	memset(p, 'y', big);
	memcpy(p, "abc", 3);
	memcpy(p + big - 3, "z\r\n", 3);
	p += big;
	memcpy(p, rest, strlen(rest));
	p += strlen(rest);
	memset(p, 'y', big);
	memcpy(p, "abc", 3);
	memcpy(p + big - 3, "z\r\n", 3);
	p += big;
	memcpy(p, end, strlen(end) + 1);
	script[n++] = "R";
	script[n++] = "S* CAPABILITY IMAP4rev1\r\nA0001 OK CAPABILITY completed\r\n";
	script[n++] = "R";
	script[n++] = resp;
	script[n] = NULL;
	if (srv_start(&s, script) < 0) {
		free(resp);
		return;
	}
	imap_open(&im, s.c, &e);
	k.im = im;
	imap_spool_literals(im, 256 * 1024);
	imap_set_handler(im, spool_cb, &k);
	imap_cmd_begin(im, "UID FETCH 7:9 (FLAGS BODY.PEEK[])");
	t_inteq(imap_run(im, &cmd, &e), 0, "spool: three FETCH responses read");
	t_inteq(k.n, 3, "  three passed on");
	t_ok(k.uid[0] == 7 && k.spooled[0] && k.size[0] == big && k.bytes_ok[0] &&
	    k.inline_len[0] == 0, "  300,000 octets spooled, an empty literal left");
	t_streq(k.flags[0], "\\Seen", "  the items after the spooled literal parsed");
	t_ok(k.uid[1] == 8 && !k.spooled[1] && k.inline_len[1] == 5,
	    "  a small literal stays in the response");
	t_ok(k.uid[2] == 9 && k.spooled[2] && k.size[2] == big && k.bytes_ok[2],
	    "  a literal8 ~{n} spooled too, the file reused");
	imap_free(im);
	log = srv_end(&s);
	free(log);
	free(resp);
}

static void
session_list(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1"),
		"R",
		"S* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
		"* LIST (\\Noselect \\HasChildren) \"/\" \"&BCQEOAQ7BEwEQgRABEs-\"\r\n"
		"* LIST () \"/\" \"&BCQEOAQ7BEwEQgRABEs-/Sub\"\r\n"
		/* Not valid modified UTF-7: shown raw, asked for as sent. */
		"* LIST () \"/\" \"R&D\"\r\n"
		"A0002 OK LIST completed\r\n",
		"A",
		"S* STATUS \"&BCQEOAQ7BEwEQgRABEs-/Sub\" (MESSAGES 7)\r\n"
		"* STATUS INBOX (MESSAGES 3 UNSEEN 1 UIDVALIDITY 9)\r\n"
		"* STATUS \"R&D\" (MESSAGES 2)\r\n",
		"T",
		"R", "SA0006 BAD bad pattern\r\n",
		NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct mailbox_entry *list = NULL;
	size_t n = 0;
	struct mp_err e;

	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	t_inteq(mailbox_list(im, "", "*", MAILBOX_STATUS, &list, &n, &e), 0,
	    "mailbox_list with STATUS");
	if (t_inteq((long long)n, 4, "  four mailboxes")) {
		t_ok(strcmp(list[0].name, "INBOX") == 0 && list[0].delim == '/' &&
		    !list[0].noselect && strcmp(list[0].attrs, "\\HasNoChildren") == 0,
		    "  INBOX");
		t_ok(strcmp(list[1].name, "\xd0\xa4\xd0\xb8\xd0\xbb\xd1\x8c\xd1\x82"
		    "\xd1\x80\xd1\x8b") == 0 && list[1].noselect &&
		    strcmp(list[1].wire, "&BCQEOAQ7BEwEQgRABEs-") == 0 &&
		    strcmp(list[1].attrs, "\\Noselect \\HasChildren") == 0,
		    "  a \\Noselect mailbox, name decoded");
		t_ok(list[0].status.have[IMAP_STATUS_MESSAGES] &&
		    list[0].status.v[IMAP_STATUS_MESSAGES] == 3 &&
		    list[0].status.v[IMAP_STATUS_UIDVALIDITY] == 9 &&
		    !list[0].status.have[IMAP_STATUS_UIDNEXT], "  INBOX's STATUS");
		t_ok(list[2].status.v[IMAP_STATUS_MESSAGES] == 7 &&
		    !list[1].status.have[IMAP_STATUS_MESSAGES], "  Sub's STATUS");
		t_ok(strcmp(list[3].name, "R&D") == 0 &&
		    strcmp(list[3].wire, "R&D") == 0, "  invalid modified UTF-7 raw");
		t_ok(list[3].status.have[IMAP_STATUS_MESSAGES] &&
		    list[3].status.v[IMAP_STATUS_MESSAGES] == 2, "  R&D's STATUS");
	}
	mailbox_list_free(list, n);
	t_inteq(mailbox_list(im, "", "*", 0, &list, &n, &e), -1, "LIST refused (BAD)");
	t_inteq(e.kind, ERR_USAGE, "  ERR_USAGE");
	imap_free(im);
	log_check(&s, "A0001 CAPABILITY\nA0002 LIST \"\" \"*\"\n"
	    "A0003 STATUS \"INBOX\" (MESSAGES RECENT UNSEEN UIDNEXT UIDVALIDITY)\n"
	    "A0004 STATUS \"&BCQEOAQ7BEwEQgRABEs-/Sub\" "
	    "(MESSAGES RECENT UNSEEN UIDNEXT UIDVALIDITY)\n"
	    "A0005 STATUS \"R&D\" (MESSAGES RECENT UNSEEN UIDNEXT UIDVALIDITY)\n"
	    "--\nA0006 LIST \"\" \"*\"\n",
	    "  LIST, then one STATUS per selectable mailbox, pipelined");
}

struct copied {
	char pairs[256];
	size_t len;
	int pieces;
	uint32_t uidvalidity;
};

static int
copied_pair(void *arg, uint32_t src, uint32_t dst, uint32_t uidvalidity,
    struct mp_err *e)
{
	struct copied *k = arg;
	int n = snprintf(k->pairs + k->len, sizeof k->pairs - k->len, "%s%u>%u",
	    k->len ? " " : "", src, dst);

	(void)e;
	if (n > 0 && (size_t)n < sizeof k->pairs - k->len)
		k->len += (size_t)n;
	k->uidvalidity = uidvalidity;
	return 0;
}

static int
copied_piece(void *arg, const struct seqset *set, size_t from, size_t to,
    struct mp_err *e)
{
	struct copied *k = arg;

	(void)set;
	(void)from;
	(void)to;
	(void)e;
	k->pieces++;
	return 0;
}

static void
session_copy(void)
{
	static const char *const script[] = {
		CAPS("IMAP4rev1 UIDPLUS MOVE"),
		/* COPY: COPYUID in the tagged OK. */
		"R", "SA0002 OK [COPYUID 99 1:3,7 11:14] Copy completed\r\n",
		/* MOVE: untagged COPYUID, EXPUNGEs, then the tagged OK. */
		"R", "S* OK [COPYUID 99 5 20] Moved\r\n* 3 EXPUNGE\r\n"
		"A0003 OK Move completed\r\n",
		"R", "SA0004 NO [TRYCREATE] Mailbox doesn't exist\r\n",
		/* Three pieces; the first refused, the others still read. */
		"A", "S* OK [COPYUID 99 3 40] early\r\nA0005 NO [OVERQUOTA] Full\r\n"
		"A0006 OK done\r\nA0007 OK done\r\n",
		"R", "SA0008 OK noop\r\n",
		/* Three MOVE pieces; the third's COPYUID comes first. */
		"A", "S* OK [COPYUID 99 1199 900] x\r\n* OK [COPYUID 99 1 800] x\r\n"
		"A0009 OK done\r\nA0010 OK [COPYUID 99 801 850] done\r\n"
		"A0011 OK done\r\n",
		"R", "SA0012 OK [COPYUID 99 8 30] x\r\n",
		NULL
	};
	struct srv s;
	struct imap *im = NULL;
	struct seqset set = { 0 }, one = { 0 }, odd = { 0 };
	struct copied k = { .len = 0 };
	struct imap_cmd c;
	struct mp_err e;
	char *log;

	if (srv_start(&s, script) < 0)
		return;
	imap_open(&im, s.c, &e);
	seqset_parse(&set, "7 1:3", 5, &e);
	seqset_normalize(&set);
	t_inteq(mailbox_copy(im, &set, "Archiv/\xc3\x9c", false, copied_pair,
	    copied_piece, &k, &e), 0, "mailbox_copy");
	t_streq(k.pairs, "1>11 2>12 3>13 7>14", "  COPYUID pairs in order");
	t_ok(k.pieces == 1 && k.uidvalidity == 99, "  one piece, UIDVALIDITY 99");
	memset(&k, 0, sizeof k);
	seqset_parse(&one, "5", 1, &e);
	t_inteq(mailbox_copy(im, &one, "B", true, copied_pair, copied_piece, &k,
	    &e), 0, "mailbox_copy, move");
	t_streq(k.pairs, "5>20", "  the untagged COPYUID");
	t_inteq(k.pieces, 1, "  one piece");
	memset(&k, 0, sizeof k);
	t_inteq(mailbox_copy(im, &one, "C", false, copied_pair, copied_piece, &k,
	    &e), -1, "NO [TRYCREATE]");
	t_inteq(e.kind, ERR_NOINPUT, "  ERR_NOINPUT");
	t_ok(strstr(e.text, "UID COPY: NO [TRYCREATE]") != NULL, "  %s", e.text);
	t_ok(k.len == 0 && k.pieces == 0, "  nothing confirmed");
	for (uint32_t u = 1; u < 1200; u += 2)
		seqset_add(&odd, u, u, &e);
	seqset_normalize(&odd);
	t_inteq(mailbox_copy(im, &odd, "D", false, copied_pair, copied_piece, &k,
	    &e), -1, "three pieces, the first refused");
	t_inteq(e.kind, ERR_TEMP, "  [OVERQUOTA]: ERR_TEMP");
	t_ok(k.len == 0 && k.pieces == 0, "  nothing reported: not even the "
	    "COPYUID that came before the NO, nor the pieces after it");
	imap_cmd_begin(im, "NOOP");
	t_inteq(imap_run(im, &c, &e), 0, "  the session still in step");
	t_inteq(c.status, IMAP_OK, "  NOOP OK");
	memset(&k, 0, sizeof k);
	t_inteq(mailbox_copy(im, &odd, "D", true, copied_pair, copied_piece, &k,
	    &e), 0, "three MOVE pieces");
	t_inteq(k.pieces, 3, "  three confirmed");
	t_streq(k.pairs, "1>800 801>850 1199>900", "  each piece's pairs when it "
	    "completes, in piece order");
	seqset_free(&one);
	seqset_parse(&one, "7", 1, &e);
	t_inteq(mailbox_copy(im, &one, "E", false, copied_pair, NULL, &k, &e), -1,
	    "a COPYUID naming a UID not copied");
	t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
	imap_free(im);
	im = NULL;
	log = srv_end(&s);
	t_ok(strstr(log, "A0002 UID COPY 1:3,7 \"Archiv/&ANw-\"\nA0003 UID MOVE 5 \"B\"\n"
	    "A0004 UID COPY 5 \"C\"\nA0005 UID COPY 1,3,") == log + strlen("A0001 "
	    "CAPABILITY\n"), "  on the wire: UID COPY set name, UID MOVE");
	t_ok(strstr(log, "\nA0007 UID COPY ") != NULL && strstr(log,
	    "1197,1199 \"D\"\n--\nA0008 NOOP\nA0009 UID MOVE 1,3,") != NULL, "  three pieces, then NOOP");
	free(log);
	seqset_free(&set);
	seqset_free(&one);
	seqset_free(&odd);
}

static void
check_session(void)
{
	signal(SIGPIPE, SIG_IGN);
	session_basics();
	session_unknown_tag();
	session_bye();
	session_sync_literal();
	session_build();
	session_utf8();
	session_cmd_error();
	session_mailbox_open();
	session_search();
	session_fetch();
	session_spool();
	session_list();
	session_copy();
}

struct collect {
	char buf[2048];
	size_t n;
	int literals;
};

static int
collect_piece(void *arg, enum imap_piece kind, const char *p, size_t n)
{
	struct collect *c = arg;

	if (c->n + n + 3 < sizeof c->buf) {
		if (kind == IMAP_PIECE_LITERAL) {
			c->literals++;
			c->buf[c->n++] = '<';
		}
		memcpy(c->buf + c->n, p, n);
		c->n += n;
		c->buf[c->n++] = kind == IMAP_PIECE_LITERAL ? '>' : '|';
		c->buf[c->n] = '\0';
	}
	return 0;
}

int
main(void)
{
	static const struct {
		const char *line;
		int ret;
		enum imap_kind kind;
		enum imap_status st;
		const char *tag;
	} cls[] = {
		{ "* 172 EXISTS", 0, IMAP_UNTAGGED, IMAP_NONE, "" },
		{ "* OK [UIDVALIDITY 3857529045] UIDs valid", 0, IMAP_UNTAGGED, IMAP_OK, "" },
		{ "* BYE logging out", 0, IMAP_UNTAGGED, IMAP_BYE, "" },
		{ "* PREAUTH ready", 0, IMAP_UNTAGGED, IMAP_PREAUTH, "" },
		{ "+ Ready for literal", 0, IMAP_CONTINUATION, IMAP_NONE, "" },
		{ "+", 0, IMAP_CONTINUATION, IMAP_NONE, "" },
		{ "A0001 OK LOGIN completed", 0, IMAP_TAGGED, IMAP_OK, "A0001" },
		{ "A0002 NO [NONEXISTENT] no such mailbox", 0, IMAP_TAGGED, IMAP_NO, "A0002" },
		{ "a3 bad command unknown", 0, IMAP_TAGGED, IMAP_BAD, "a3" },
		{ "A0001 MAYBE", -1, IMAP_TAGGED, IMAP_NONE, "" },
		{ "*", -1, IMAP_UNTAGGED, IMAP_NONE, "" },
		{ "", -1, IMAP_UNTAGGED, IMAP_NONE, "" },
		{ "A0001", -1, IMAP_UNTAGGED, IMAP_NONE, "" },
	};
	static const struct {
		const char *line;
		int ret;
		unsigned long long size;
	} lits[] = {
		{ "* 1 FETCH (BODY[] {2}", 1, 2 },
		{ "* 1 FETCH (BODY[] ~{10}", 1, 10 },
		{ "* 1 FETCH (BODY[] {0}", 1, 0 },
		{ "* 1 FETCH (BODY[] {9223372036854775807}", 1, 9223372036854775807ULL },
		{ "* 1 FETCH (BODY[] {9223372036854775808}", -1, 0 },
		{ "* 1 FETCH (BODY[] {99999999999999999999999}", -1, 0 },
		{ "* 1 FETCH (BODY[] {}", -1, 0 },
		{ "* 1 FETCH (BODY[] \"{2}\")", 0, 0 },
		{ "* 1 FETCH (BODY[] {2 }", 0, 0 },
		{ "}", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cls / sizeof cls[0]; i++) {
		struct imap_resp r;
		struct mp_err e;
		int ret = imap_classify(cls[i].line, strlen(cls[i].line), &r, &e);

		t_inteq(ret, cls[i].ret, cls[i].line);
		if (ret == 0) {
			t_inteq(r.kind, cls[i].kind, "kind");
			t_inteq(r.status, cls[i].st, "status");
			t_streq(r.tag, cls[i].tag, "tag");
		} else {
			t_inteq(e.kind, ERR_PROTOCOL, "protocol error");
		}
	}
	for (i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		uint64_t size = 0;
		int ret = imap_literal_at_end(lits[i].line, strlen(lits[i].line), &size, NULL);

		t_inteq(ret, lits[i].ret, lits[i].line);
		if (ret == 1)
			t_ok(size == lits[i].size, "literal size");
	}
	{
		/* The lecture's literal example, one response in three pieces. */
		const char *wire = "* 1 FETCH (BODY[] {2}\r\nab)\r\nA0001 OK done\r\n";
		struct conn *c = feed_conn(CONN_IMAP, wire, strlen(wire), 0);
		struct collect col = { .n = 0 };
		struct imap_resp r;
		struct mp_err e;

		t_inteq(imap_read_response(c, &r, collect_piece, &col, &e), 0,
		    "response with a literal");
		t_streq(col.buf, "* 1 FETCH (BODY[] {2}|<ab>)|", "pieces in order");
		t_inteq(r.kind, IMAP_UNTAGGED, "untagged");
		t_inteq(imap_read_response(c, &r, NULL, NULL, &e), 0, "tagged reply");
		t_streq(r.tag, "A0001", "its tag");
		conn_close(c);
	}
	{
		/* A literal with CRLF inside and two literals in one response. */
		const char *wire = "* 1 FETCH (BODY[HEADER] {4}\r\na\r\nb BODY[TEXT] {3}\r\nxyz)\r\n";
		struct conn *c = feed_conn(CONN_IMAP, wire, strlen(wire), 0);
		struct collect col = { .n = 0 };
		struct imap_resp r;
		struct mp_err e;

		t_inteq(imap_read_response(c, &r, collect_piece, &col, &e), 0,
		    "two literals");
		t_streq(col.buf, "* 1 FETCH (BODY[HEADER] {4}|<a\r\nb> BODY[TEXT] {3}|<xyz>)|",
		    "both literals whole");
		conn_close(c);
	}
	{
		/* A huge announced literal is streamed, never allocated: the
		 * stream ends long before, which is a dropped connection. */
		const char *wire = "* 1 FETCH (BODY[] {4611686018427387904}\r\nabc";
		struct conn *c = feed_conn(CONN_IMAP, wire, strlen(wire), 0);
		struct imap_resp r;
		struct mp_err e;

		t_inteq(imap_read_response(c, &r, NULL, NULL, &e), -1, "2^62 literal");
		t_inteq(e.kind, ERR_TEMP, "ends as a dropped connection");
		conn_close(c);
	}
	{
		/* The client's {N+} form, only where asked for. */
		uint64_t size = 0;
		bool nonsync = false;
		t_inteq(imap_literal_at_end("APPEND x {12+}", 14, &size, NULL), 0,
		    "{N+} is no literal in a server response");
		t_inteq(imap_literal_at_end("APPEND x {12+}", 14, &size, &nonsync), 1,
		    "{N+} in a client command");
		t_ok(nonsync && size == 12, "non-synchronising, 12 bytes");
		t_inteq(imap_literal_at_end("APPEND x {12}", 13, &size, &nonsync), 1,
		    "{N} in a client command");
		t_ok(!nonsync, "synchronising");
		t_inteq(imap_literal_at_end("APPEND x {+}", 12, &size, &nonsync), -1,
		    "{+} is malformed");
	}
	{
		char tag[16];
		unsigned n = 0;

		imap_next_tag(&n, tag, sizeof tag);
		t_streq(tag, "A0001", "first tag");
		imap_next_tag(&n, tag, sizeof tag);
		t_streq(tag, "A0002", "tags are unique and increasing");
	}
	check_session();
	return t_done();
}
