/* MODULES: utf8 msg err */
#include <regex.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "t.h"

/* A string literal and its length, NULs included. */
#define S(s) s, sizeof(s) - 1
/* The results of a scan case that fails. */
#define SCAN_ERR 0, 0, 0, false, false, 0

/* A test name: prefix and s[0..n) quoted, control characters escaped. */
static const char *
t_name(char *buf, size_t cap, const char *prefix, const char *s, size_t n)
{
	size_t i, o;
	int w = snprintf(buf, cap, "%s '", prefix);

	o = w > 0 && (size_t)w < cap ? (size_t)w : 0;
	for (i = 0; i < n && o + 6 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r' || ch == '\n' || ch == '\t' || ch == '\0') {
			buf[o++] = '\\';
			buf[o++] = ch == '\r' ? 'r' : ch == '\n' ? 'n' :
			    ch == '\t' ? 't' : '0';
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

/* The outcome of scanning one input. */
struct scan_res {
	int ret;
	char err[sizeof ((struct mp_err *)0)->text];
	struct msg_scan s;
	ssize_t first;		/* what the first feed returned */
};

/* Scan in[0..n) in pieces: one piece when step is 0, else pieces of step
 * octets, or two pieces split at cut when cut is not 0. */
static void
scan_run(const char *in, size_t n, bool dot_ends, size_t step, size_t cut,
    struct scan_res *r)
{
	struct mp_err e;
	size_t pos = 0;

	memset(r, 0, sizeof *r);
	err_clear(&e);
	msg_scan_init(&r->s, dot_ends);
	r->first = -2;
	while (pos < n) {
		size_t len = n - pos;
		ssize_t got;

		if (cut != 0)
			len = pos < cut ? cut : n - pos;
		else if (step != 0 && len > step)
			len = step;
		got = msg_scan_feed(&r->s, in + pos, len, &e);
		if (r->first == -2)
			r->first = got;
		if (got < 0) {
			r->ret = -1;
			snprintf(r->err, sizeof r->err, "%s", e.text);
			return;
		}
		pos += len;
		if ((size_t)got < len)
			break;
	}
	r->ret = msg_scan_finish(&r->s, &e);
	if (r->ret < 0)
		snprintf(r->err, sizeof r->err, "%s", e.text);
}

static bool
scan_same(const struct scan_res *a, const struct scan_res *b)
{
	if (a->ret != b->ret || strcmp(a->err, b->err) != 0)
		return false;
	if (a->ret < 0)
		return true;
	return a->s.lines == b->s.lines && a->s.size == b->s.size &&
	    a->s.consumed == b->s.consumed && a->s.eightbit == b->s.eightbit &&
	    a->s.dot_ended == b->s.dot_ended &&
	    a->s.header_end == b->s.header_end;
}

/* One piece against byte by byte and against every split in two. */
static void
scan_splits(const char *in, size_t n, bool dot_ends, const char *name)
{
	struct scan_res whole, part;
	size_t cut;
	bool same = true;

	scan_run(in, n, dot_ends, 0, 0, &whole);
	scan_run(in, n, dot_ends, 1, 0, &part);
	t_ok(scan_same(&whole, &part), "%s: byte by byte as in one piece", name);
	for (cut = 1; cut < n && same; cut++) {
		scan_run(in, n, dot_ends, 0, cut, &part);
		if (!scan_same(&whole, &part)) {
			same = false;
			printf("# differs when cut at %zu\n", cut);
		}
	}
	t_ok(same, "%s: any split in two as in one piece", name);
}

static void
test_scan(void)
{
	static const struct {
		const char *name, *in;
		size_t len;
		bool dot_ends;
		int ret;
		const char *err;
		unsigned long lines;
		unsigned long long size, consumed;
		bool eightbit, dot_ended;
		long long header_end;
	} cases[] = {
		{ "LF", S("Subject: hi\n\nbody\n"), false, 0, NULL,
		  3, 21, 18, false, false, 13 },
		{ "CRLF", S("Subject: hi\r\n\r\nbody\r\n"), false, 0, NULL,
		  3, 21, 21, false, false, 15 },
		{ "mixed", S("A: b\r\nC: d\n\r\nx\n"), false, 0, NULL,
		  4, 17, 15, false, false, 13 },
		{ "no final newline", S("a\nb"), false, 0, NULL,
		  2, 6, 3, false, false, -1 },
		{ "only a newline", S("\n"), false, 0, NULL,
		  1, 2, 1, false, false, 1 },
		{ "bare CR in the middle", S("x\na\rb\n"), false, -1,
		  "line 2: bare CR", SCAN_ERR },
		{ "bare CR on line 1", S("a\rb\n"), false, -1, "line 1: bare CR",
		  SCAN_ERR },
		{ "bare CR at the very end", S("a\nb\r"), false, -1,
		  "line 2: bare CR", SCAN_ERR },
		{ "CR CR LF", S("a\r\r\n"), false, -1, "line 1: bare CR",
		  SCAN_ERR },
		{ "NUL", S("ab\ncd\0\n"), false, -1, "line 2: NUL byte",
		  SCAN_ERR },
		{ "lone dot ends (LF)", S("a\n.\nmore\n"), true, 0, NULL,
		  1, 3, 2, false, true, -1 },
		{ "lone dot ends (CRLF)", S("a\r\n.\r\nmore"), true, 0, NULL,
		  1, 3, 3, false, true, -1 },
		{ "lone dot ends before an error", S("a\n.\n\0\r"), true, 0, NULL,
		  1, 3, 2, false, true, -1 },
		{ "lone dot after the header", S("A: b\n\nx\n.\n"), true, 0, NULL,
		  3, 11, 8, false, true, 6 },
		{ "lone dot is ordinary without dot_ends", S("a\n.\nmore\n"),
		  false, 0, NULL, 3, 12, 9, false, false, -1 },
		{ "'..' and '.x' are ordinary", S("..\n.x\n"), true, 0, NULL,
		  2, 8, 6, false, false, -1 },
		{ "'.' without line end is ordinary", S("a\n."), true, 0, NULL,
		  2, 6, 3, false, false, -1 },
		{ "' .' is ordinary", S(" .\n"), true, 0, NULL,
		  1, 4, 3, false, false, -1 },
		{ "empty input", S(""), false, -1, "empty message", SCAN_ERR },
		{ "empty input (dot_ends)", S(""), true, -1, "empty message",
		  SCAN_ERR },
		{ "only the dot", S(".\n"), true, -1, "empty message",
		  SCAN_ERR },
		{ "only the dot (CRLF)", S(".\r\nignored"), true, -1,
		  "empty message", SCAN_ERR },
		{ "only a dot line without dot_ends", S(".\n"), false, 0, NULL,
		  1, 3, 2, false, false, -1 },
		{ "8-bit", S("Subject: caf\xc3\xa9\n\nx"), false, 0, NULL,
		  3, 21, 17, true, false, 16 },
		{ "7-bit", S("Subject: cafe\n"), false, 0, NULL,
		  1, 15, 14, false, false, -1 },
		{ "header_end LF", S("A: b\n\nbody"), false, 0, NULL,
		  3, 14, 10, false, false, 6 },
		{ "header_end CRLF", S("A: b\r\n\r\n"), false, 0, NULL,
		  2, 8, 8, false, false, 8 },
		{ "no empty line", S("A: b\nC: d\n"), false, 0, NULL,
		  2, 12, 10, false, false, -1 },
		{ "starts with an empty line", S("\nbody\n"), false, 0, NULL,
		  2, 8, 6, false, false, 1 },
		{ "starts with an empty CRLF line", S("\r\nbody"), false, 0, NULL,
		  2, 8, 6, false, false, 2 },
		{ "the second empty line is body", S("A: b\n\n\nc\n"), false, 0,
		  NULL, 4, 13, 9, false, false, 6 },
		{ "size counts CRLF", S("a\nb"), false, 0, NULL,
		  2, 6, 3, false, false, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scan_res r;

		scan_run(cases[i].in, cases[i].len, cases[i].dot_ends, 0, 0, &r);
		t_inteq(r.ret, cases[i].ret, cases[i].name);
		if (cases[i].ret < 0) {
			t_streq(r.err, cases[i].err, "error text");
		} else {
			t_inteq((long long)r.s.lines, (long long)cases[i].lines,
			    "lines");
			t_inteq((long long)r.s.size, (long long)cases[i].size, "size");
			t_inteq((long long)r.s.consumed,
			    (long long)cases[i].consumed, "consumed");
			t_inteq(r.s.eightbit, cases[i].eightbit, "eightbit");
			t_inteq(r.s.dot_ended, cases[i].dot_ended, "dot_ended");
			t_inteq(r.s.header_end, cases[i].header_end, "header_end");
		}
		scan_splits(cases[i].in, cases[i].len, cases[i].dot_ends,
		    cases[i].name);
	}
}

/* What msg_scan_feed returns, piece by piece. */
static void
test_scan_returns(void)
{
	struct msg_scan s;
	struct mp_err e;

	msg_scan_init(&s, true);
	t_inteq(msg_scan_feed(&s, S("a\n.\nmore\n"), &e), 2,
	    "feed returns the octets before the dot line");
	t_inteq(msg_scan_feed(&s, S("more"), &e), 0, "nothing after the end");
	t_inteq(msg_scan_finish(&s, &e), 0, "finish after the dot");
	t_inteq((long long)s.consumed, 2, "consumed excludes the dot line");

	msg_scan_init(&s, true);
	t_inteq(msg_scan_feed(&s, S("a\n."), &e), 3, "a dot that may end it");
	t_inteq(msg_scan_feed(&s, S("\r"), &e), 1, "its CR");
	t_inteq(msg_scan_feed(&s, S("\n"), &e), 0,
	    "the LF ends it: fewer than fed");
	t_inteq(msg_scan_finish(&s, &e), 0, "finish");
	t_inteq((long long)s.consumed, 2, "consumed ends before the dot");
	t_ok(s.dot_ended, "dot_ended");

	msg_scan_init(&s, false);
	t_inteq(msg_scan_feed(&s, S("A: b\n"), &e), 5, "a header line");
	t_inteq(s.header_end, -1, "no header end yet");
	t_inteq(msg_scan_feed(&s, S("\nbody"), &e), 5, "the empty line");
	t_inteq(s.header_end, 6, "header_end is known before the end");

	msg_scan_init(&s, false);
	t_inteq(msg_scan_feed(&s, S("a\r"), &e), 2, "CR at the end of a piece");
	t_inteq(msg_scan_feed(&s, S("\nb\n"), &e), 3, "LF in the next piece");
	t_inteq(msg_scan_finish(&s, &e), 0, "CR LF across pieces is a line end");
	t_inteq((long long)s.lines, 2, "two lines");
	t_inteq((long long)s.size, 6, "size");

	msg_scan_init(&s, false);
	t_inteq(msg_scan_feed(&s, S("a\r"), &e), 2, "CR at the end of a piece");
	t_inteq(msg_scan_feed(&s, S("b\n"), &e), -1, "then no LF");
	t_streq(e.text, "line 1: bare CR", "bare CR across pieces");
	t_inteq(e.kind, ERR_DATA, "ERR_DATA");
	t_inteq(msg_scan_feed(&s, S("c\n"), &e), -1, "stays failed");
	t_inteq(msg_scan_finish(&s, &e), -1, "finish after a failure");

	msg_scan_init(&s, false);
	t_inteq(msg_scan_feed(&s, S("a\r"), &e), 2, "CR as the last octet");
	t_inteq(msg_scan_finish(&s, &e), -1, "finish sees the bare CR");
	t_streq(e.text, "line 1: bare CR", "bare CR at the end of input");
}

static void
test_scan_long(void)
{
	static char buf[2 + 999 + 1];
	struct scan_res r;
	struct msg_scan s;
	struct mp_err e;

	memcpy(buf, "a\n", 2);
	memset(buf + 2, 'x', 998);
	buf[2 + 998] = '\n';
	scan_run(buf, 2 + 999, false, 0, 0, &r);
	t_inteq(r.ret, 0, "a line of 998 octets");
	t_inteq((long long)r.s.size, 3 + 1000, "its size");
	scan_splits(buf, 2 + 999, false, "998 octets");

	buf[2 + 998] = '\r';
	buf[2 + 999] = '\n';
	scan_run(buf, 2 + 1000, false, 0, 0, &r);
	t_inteq(r.ret, 0, "a line of 998 octets and CRLF");
	scan_splits(buf, 2 + 1000, false, "998 octets and CRLF");

	memset(buf + 2, 'x', 999);
	buf[2 + 999] = '\n';
	scan_run(buf, 2 + 1000, false, 0, 0, &r);
	t_inteq(r.ret, -1, "a line of 999 octets");
	t_streq(r.err, "line 2: longer than 998 octets", "its error");
	scan_splits(buf, 2 + 1000, false, "999 octets");

	scan_run(buf, 2 + 999, false, 0, 0, &r);
	t_streq(r.err, "line 2: longer than 998 octets",
	    "999 octets without a line end");

	msg_scan_init(&s, false);
	t_inteq(msg_scan_feed(&s, buf, 2 + 998, &e), 2 + 998, "998 octets fed");
	t_inteq(msg_scan_feed(&s, buf + 2 + 998, 1, &e), -1,
	    "the 999th octet in a later piece");
	t_streq(e.text, "line 2: longer than 998 octets", "its error");
}

/* Fields as "name=value@start+len|", with CR, LF and tab visible. */
static void
render_fields(const struct msg_headers *h, char *out, size_t cap)
{
	size_t i, j, o = 0;

	out[0] = '\0';
	for (i = 0; i < h->count; i++) {
		const struct msg_field *f = &h->fields[i];
		char v[512];
		size_t vo = 0;

		for (j = 0; j < f->value_len && vo + 3 < sizeof v; j++) {
			char ch = f->value[j];

			if (ch == '\r' || ch == '\n' || ch == '\t') {
				v[vo++] = '\\';
				v[vo++] = ch == '\r' ? 'r' : ch == '\n' ? 'n' : 't';
			} else {
				v[vo++] = ch;
			}
		}
		v[vo] = '\0';
		o += (size_t)snprintf(out + o, cap - o, "%.*s=%s@%zu+%zu|",
		    (int)f->name_len, f->name, v, f->start, f->len);
		if (o >= cap)
			return;
	}
}

static void
test_headers(void)
{
	static const struct {
		const char *name, *in;
		size_t len;
		int ret;
		const char *want;	/* fields, or the error text */
	} cases[] = {
		{ "simple", S("From: a@b\nTo: c@d\nSubject: hi\n\n"), 0,
		  "From=a@b@0+10|To=c@d@10+8|Subject=hi@18+12|" },
		{ "CRLF", S("From: a@b\r\nTo:  c@d\r\n\r\n"), 0,
		  "From=a@b@0+11|To=c@d@11+10|" },
		{ "folded", S("Subject: a\r\n b\r\n\tc\r\nTo: x\r\n"), 0,
		  "Subject=a\\r\\n b\\r\\n\\tc@0+20|To=x@20+7|" },
		{ "folded LF", S("To: a@b,\n  c@d\nX: y\n"), 0,
		  "To=a@b,\\n  c@d@0+15|X=y@15+5|" },
		{ "last field without line end", S("A: b\nC: d"), 0,
		  "A=b@0+5|C=d@5+4|" },
		{ "last fold without line end", S("A: b\n c"), 0,
		  "A=b\\n c@0+7|" },
		{ "separator is not a field", S("A: b\n\nC: d\n"), 0, "A=b@0+5|" },
		{ "separator CRLF", S("A: b\r\n\r\nC: d\n"), 0, "A=b@0+6|" },
		{ "empty block", S(""), 0, "" },
		{ "only the separator", S("\n"), 0, "" },
		{ "empty value", S("X:\nY:   \n"), 0, "X=@0+3|Y=@3+6|" },
		{ "empty first line, folded value", S("To:\n a@b\n"), 0,
		  "To=\\n a@b@0+9|" },
		{ "blank before the colon (obsolete)", S("Subject : x\n"), 0,
		  "Subject=x@0+12|" },
		{ "colon in the value", S("X: a:b\n"), 0, "X=a:b@0+7|" },
		{ "malformed line", S("A: b\nnot a field\n"), -1,
		  "line 2: not a header field" },
		{ "no colon", S("A: b\nC: d\nnocolon\n"), -1,
		  "line 3: not a header field" },
		{ "empty name", S(": x\n"), -1, "line 1: not a header field" },
		{ "8-bit name", S("Caf\xc3\xa9: x\n"), -1,
		  "line 1: not a header field" },
		{ "mbox From_ line", S("From alice@example.org Mon Jan 1\n"), -1,
		  "line 1: not a header field" },
		{ "continuation first", S(" x\nA: b\n"), -1,
		  "line 1: continuation line without a field" },
		{ "tab continuation first", S("\tx\n"), -1,
		  "line 1: continuation line without a field" },
		{ "NUL", S("A: b\0\n"), -1, "line 1: NUL byte" },
		{ "bare CR", S("A: b\nC: d\re\n"), -1, "line 2: bare CR" },
		{ "CR at the end", S("A: b\r"), -1, "line 1: bare CR" },
	};
	struct msg_headers h;
	struct mp_err e;
	char got[1024];
	size_t i, from;
	char *big;
	const size_t one = sizeof "X: y\n" - 1;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int ret = msg_headers_parse(cases[i].in, cases[i].len, &h, &e);

		t_inteq(ret, cases[i].ret, cases[i].name);
		if (ret == 0) {
			render_fields(&h, got, sizeof got);
			t_streq(got, cases[i].want, "fields");
			msg_headers_free(&h);
		} else {
			t_streq(e.text, cases[i].want, "error text");
			t_inteq(e.kind, ERR_DATA, "ERR_DATA");
			t_ok(h.fields == NULL && h.count == 0, "nothing kept");
		}
	}

	t_inteq(msg_headers_parse(S("To: a\nCc: b\nto: c\nSubject: x\nTO:d\n"),
	    &h, &e), 0, "repeated fields");
	from = 0;
	t_inteq(msg_headers_next(&h, "tO", &from), 0, "first To");
	t_inteq((long long)from, 1, "from moves past it");
	t_inteq(msg_headers_next(&h, "To", &from), 2, "second To (lower case)");
	t_inteq(msg_headers_next(&h, "To", &from), 4, "third To (upper case)");
	t_inteq(msg_headers_next(&h, "To", &from), -1, "no more");
	from = 0;
	t_inteq(msg_headers_next(&h, "Subject", &from), 3, "Subject");
	from = 0;
	t_inteq(msg_headers_next(&h, "T", &from), -1, "no prefix match");
	from = 0;
	t_inteq(msg_headers_next(&h, "Bcc", &from), -1, "absent");
	from = 99;
	t_inteq(msg_headers_next(&h, "To", &from), -1, "from past the end");
	msg_headers_free(&h);

	/* The field cap: 10000 fields are fine, one more is not. */
	big = malloc(one * (MSG_FIELDS_MAX + 1));
	if (big == NULL)
		abort();
	for (i = 0; i <= MSG_FIELDS_MAX; i++)
		memcpy(big + i * one, "X: y\n", one);
	t_inteq(msg_headers_parse(big, one * MSG_FIELDS_MAX, &h, &e), 0,
	    "10000 fields");
	t_inteq((long long)h.count, MSG_FIELDS_MAX, "all of them");
	msg_headers_free(&h);
	t_inteq(msg_headers_parse(big, one * (MSG_FIELDS_MAX + 1), &h, &e), -1,
	    "10001 fields");
	t_streq(e.text, "line 10001: more than 10000 header fields",
	    "the cap's error");
	free(big);
}

struct collect {
	char buf[1024];
	size_t n, calls, stop_at;
};

static int
collect_addr(void *arg, const char *addr, size_t n)
{
	struct collect *c = arg;

	c->calls++;
	if (n == 0 || addr[n] != '\0' || memchr(addr, '\r', n) != NULL ||
	    memchr(addr, '\n', n) != NULL)
		return 99;
	if (c->n + n + 1 < sizeof c->buf) {
		memcpy(c->buf + c->n, addr, n);
		c->n += n;
		c->buf[c->n++] = '|';
		c->buf[c->n] = '\0';
	}
	return c->calls == c->stop_at ? 7 : 0;
}

static void
test_addrlist(void)
{
	static const struct {
		const char *in;
		size_t len;
		int ret;
		const char *want;	/* addresses, or a part of the error */
	} cases[] = {
		{ S("alice@example.org"), 0, "alice@example.org|" },
		{ S("Alice <alice@example.org>"), 0, "alice@example.org|" },
		{ S("\"Doe, John\" <john@example.org>, bob@example.org"), 0,
		  "john@example.org|bob@example.org|" },
		{ S("bob@example.org (Bob)"), 0, "bob@example.org|" },
		{ S("(c) <x@y> (d)"), 0, "x@y|" },
		{ S("a@b (outer (inner) \\) still), c@d"), 0, "a@b|c@d|" },
		{ S("((deep (deeper)) x) e@f"), 0, "e@f|" },
		{ S("team: a@x.org, b@y.org;"), 0, "a@x.org|b@y.org|" },
		{ S("undisclosed-recipients:;"), 0, "" },
		{ S("team: a@x;, c@d"), 0, "a@x|c@d|" },
		{ S("team: Ann <a@x>,, (c) b@y ; , c@d"), 0, "a@x|b@y|c@d|" },
		{ S("team: a@x"), 0, "a@x|" },
		{ S("\"john q\"@example.org"), 0, "\"john q\"@example.org|" },
		{ S("\"a\\\"b\"@example.org"), 0, "\"a\\\"b\"@example.org|" },
		{ S("<@a.example,@b.example:c@d.example>"), 0,
		  "@a.example,@b.example:c@d.example|" },
		{ S("< @a.example , @b.example : c@d.example >"), 0,
		  "@a.example,@b.example:c@d.example|" },
		{ S("Van <@ONE,@TWO:VANJA@THREE>"), 0, "@ONE,@TWO:VANJA@THREE|" },
		{ S(",,a@b,,"), 0, "a@b|" },
		{ S(""), 0, "" },
		{ S(" , "), 0, "" },
		{ S("Alice\r\n <alice@example.org>,\r\n\tbob@example.org"), 0,
		  "alice@example.org|bob@example.org|" },
		{ S("a@b,\n c@d"), 0, "a@b|c@d|" },
		{ S("\"john\r\n q\"@example.org"), 0, "\"john q\"@example.org|" },
		{ S("alice (x) @ example . org"), 0, "alice@example.org|" },
		{ S("John Q. Public <jqp@example.org>"), 0, "jqp@example.org|" },
		{ S("user@[192.0.2.1]"), 0, "user@[192.0.2.1]|" },
		{ S("\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0@\xd0\xbf\xd1\x80"
		  "\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84"), 0,
		  "\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0@\xd0\xbf\xd1\x80"
		  "\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84|" },
		{ S("a.b.c@d.e"), 0, "a.b.c@d.e|" },
		{ S("\"unterminated"), -1,
		  "'\"unterminated': unterminated quoted string" },
		{ S("a@b, \"x <y@z>"), -1, "unterminated quoted string" },
		{ S("(open comment"), -1, "'(open comment': unterminated comment" },
		{ S("a@b (open"), -1, "unterminated comment" },
		{ S("a@b)"), -1, "')' without '('" },
		{ S("<no@close"), -1, "'<no@close': '<' without '>'" },
		{ S("Ann <a@b, c@d"), -1, "unexpected ','" },
		{ S("no@close>"), -1, "'>' without '<'" },
		{ S("justaname"), -1, "'justaname': no '@' in the address" },
		{ S("a@b, justaname, c@d"), -1,
		  "'justaname, c@d': no '@' in the address" },
		{ S("Alice <justaname>"), -1, "no '@' in the address" },
		{ S("a@b c@d"), -1, "no ',' between addresses" },
		{ S("<>"), -1, "empty address '<>'" },
		{ S("@example.org"), -1, "empty local part" },
		{ S("a@"), -1, "'a@': empty domain" },
		{ S("a@b..c"), -1, "empty label" },
		{ S("bob@@x"), -1, "'bob@@x': '@' in the domain" },
		{ S("a..b@c"), -1, "empty word" },
		{ S("a@b;"), -1, "';' outside a group" },
		{ S("g1: g2: a@b;;"), -1, "group inside a group" },
		{ S("john q@example.org"), -1, "blank in a local part" },
		{ S("a@\"b\""), -1, "quoted string in a domain" },
		{ S("a\x01" "b@c"), -1, "control character" },
		{ S("\"a\x01\"@c"), -1, "control character in a quoted string" },
		{ S("a\0@b"), -1, "NUL byte" },
		{ S("\"a\nb\"@c"), -1, "line break in a quoted string" },
		{ S("a@[1.2.3.4"), -1, "unterminated domain literal" },
		{ S("a\\b@c"), -1, "backslash outside quotes" },
		{ S("<@a.example c@d>"), -1, "malformed source route" },
		{ S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		  -1, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...':"
		  " no '@' in the address" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct collect c = { .n = 0 };
		struct mp_err e;
		char name[256];
		int ret;

		err_clear(&e);
		ret = msg_addrlist(cases[i].in, cases[i].len, collect_addr, &c, &e);
		t_inteq(ret, cases[i].ret, t_name(name, sizeof name, "address list",
		    cases[i].in, cases[i].len));
		if (cases[i].ret == 0) {
			t_streq(c.buf, cases[i].want, "addresses");
		} else {
			if (!t_ok(strstr(e.text, cases[i].want) != NULL,
			    "error names the problem"))
				printf("#   got:  '%s'\n#   want: '%s'\n", e.text,
				    cases[i].want);
			t_inteq(e.kind, ERR_DATA, "ERR_DATA");
		}
	}
	{
		struct collect c = { .stop_at = 2 };
		struct mp_err e;

		t_inteq(msg_addrlist(S("a@b, c@d, e@f"), collect_addr, &c, &e), 7,
		    "the callback's non-zero stops the list");
		t_streq(c.buf, "a@b|c@d|", "no address after the stop");
	}
}

static void
test_paths(void)
{
	static const struct {
		const char *in;
		size_t len;
		bool allow_null;
		int ret;
		const char *err;
	} cases[] = {
		{ S(""), true, MSG_PATH_NULL, NULL },
		{ S(""), false, -1, "'': the null path is not allowed here" },
		{ S("ysemenov@cernvm.cern.ch"), false, MSG_PATH_ASCII, NULL },
		{ S("@ONE,@TWO:VANJA@THREE"), false, MSG_PATH_ASCII, NULL },
		{ S("@ONE:VANJA@THREE"), false, MSG_PATH_ASCII, NULL },
		{ S("user@[192.0.2.1]"), false, MSG_PATH_ASCII, NULL },
		{ S("user@[IPv6:2001:db8::1]"), false, MSG_PATH_ASCII, NULL },
		{ S("\"quoted local\"@example.org"), false, MSG_PATH_ASCII, NULL },
		{ S("\"a\\\"b@c\"@example.org"), false, MSG_PATH_ASCII, NULL },
		{ S("first.last+tag@sub-domain.example.org"), true,
		  MSG_PATH_ASCII, NULL },
		{ S("\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2"
		  "\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c@\xd0\xbf\xd1\x80"
		  "\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84"), false,
		  MSG_PATH_UTF8, NULL },
		{ S("a\rb@c"), false, -1, "'a b@c': contains a CR" },
		{ S("a@c\n"), false, -1, "contains a LF" },
		{ S("a\0b@c"), false, -1, "contains a NUL byte" },
		{ S("a\tb@c"), false, -1, "contains a control character" },
		{ S("a b@c"), false, -1, "blank outside a quoted local part" },
		{ S("a@b c"), false, -1, "blank outside a quoted local part" },
		{ S("<x@y>"), false, -1, "contains '<' or '>'" },
		{ S("a@@b"), false, -1, "'a@@b': '@' in the domain" },
		{ S("@b"), false, -1, "'@b': empty local part" },
		{ S("a@"), false, -1, "'a@': empty domain" },
		{ S("ab"), false, -1, "'ab': no '@'" },
		{ S("\"ab\""), false, -1, "no '@'" },
		{ S("\"\"@b"), false, -1, "empty local part" },
		{ S("\"a\"b@c"), false, -1, "text after the quoted local part" },
		{ S("\"ab@c"), false, -1, "unterminated quoted local part" },
		{ S("a..b@c"), false, -1, "misplaced '.'" },
		{ S(".a@c"), false, -1, "misplaced '.'" },
		{ S("a.@c"), false, -1, "misplaced '.'" },
		{ S("a(b)@c"), false, -1, "bad character in the local part" },
		{ S("a@-b.c"), false, -1, "starts with '-'" },
		{ S("a@b-.c"), false, -1, "ends with '-'" },
		{ S("a@b..c"), false, -1, "empty label" },
		{ S("a@b."), false, -1, "empty label" },
		{ S("a@b_c"), false, -1, "bad character in the domain" },
		{ S("a@[1.2.3]"), false, -1, "bad address literal" },
		{ S("a@[300.1.1.1]"), false, -1, "bad address literal" },
		{ S("a@[IPv6:zz]"), false, -1, "bad IPv6 address literal" },
		{ S("a@[1.2.3.4"), false, -1, "unterminated address literal" },
		{ S("@ONE,TWO:a@b"), false, -1, "malformed source route" },
		{ S("@ONE,@:a@b"), false, -1, "empty domain" },
		{ S("@[1.2.3.4]:a@b"), false, -1, "bad character in the domain" },
		{ S("\xff@x"), false, -1, "not valid UTF-8" },
		{ S("\xc0\xaf@x"), false, -1, "not valid UTF-8" },
	};
	char buf[300], name[256];
	size_t i;
	struct mp_err e;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int ret;

		err_clear(&e);
		ret = msg_path_check(cases[i].in, cases[i].len,
		    cases[i].allow_null, &e);
		t_inteq(ret, cases[i].ret, t_name(name, sizeof name,
		    cases[i].allow_null ? "path (null allowed)" : "path",
		    cases[i].in, cases[i].len));
		if (cases[i].ret < 0) {
			if (!t_ok(strstr(e.text, cases[i].err) != NULL,
			    "error names the problem"))
				printf("#   got:  '%s'\n#   want: '%s'\n", e.text,
				    cases[i].err);
			t_inteq(e.kind, ERR_DATA, "ERR_DATA");
		}
	}

	memset(buf, 'l', 64);
	memcpy(buf + 64, "@example.org", 12);
	t_inteq(msg_path_check(buf, 76, false, &e), MSG_PATH_ASCII,
	    "64-octet local part");
	memset(buf, 'l', 65);
	memcpy(buf + 65, "@example.org", 12);
	t_inteq(msg_path_check(buf, 77, false, &e), -1, "65-octet local part");
	t_ok(strstr(e.text, "local part longer than 64 octets") != NULL,
	    "its error");

	/* 254 inside the brackets is the most: 256 with them. */
	memcpy(buf, "a@", 2);
	for (i = 2; i < sizeof buf; i++)
		buf[i] = i % 50 == 0 ? '.' : 'd';
	t_inteq(msg_path_check(buf, 254, false, &e), MSG_PATH_ASCII,
	    "254-octet path (256 with <>)");
	t_inteq(msg_path_check(buf, 255, false, &e), -1,
	    "255-octet path (257 with <>)");
	t_ok(strstr(e.text, "path longer than 256 octets") != NULL, "its error");
	t_inteq(msg_path_check(buf, 257, false, &e), -1, "257-octet path");

	memset(buf + 2, 'd', 64);
	memcpy(buf + 66, ".org", 4);
	t_inteq(msg_path_check(buf, 70, false, &e), -1, "64-octet label");
	t_ok(strstr(e.text, "label longer than 63") != NULL, "its error");
	t_inteq(msg_path_check(buf + 1, 69, false, &e), -1,
	    "63-octet label with an empty local part");
	buf[1] = 'a';
	buf[2] = '@';
	t_inteq(msg_path_check(buf, 70, false, &e), MSG_PATH_ASCII,
	    "63-octet label");
}

static void
test_strip(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<a@b>", "a@b" },
		{ " <a@b> ", "a@b" },
		{ "\t< a@b >\t", "a@b" },
		{ "a@b", "a@b" },
		{ " a@b ", "a@b" },
		{ "<>", "" },
		{ " < > ", "" },
		{ "<a@b", "<a@b" },
		{ "<<a@b>>", "<a@b>" },
		{ "", "" },
	};
	char name[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = cases[i].in;
		size_t n = msg_path_strip(&p, strlen(p));
		char got[64];

		snprintf(got, sizeof got, "%.*s", (int)n, p);
		t_streq(got, cases[i].want, t_name(name, sizeof name, "strip",
		    cases[i].in, strlen(cases[i].in)));
	}
	{
		const char *p = "<a@b>";
		size_t n = msg_path_strip(&p, 5);
		struct mp_err e;

		t_inteq(msg_path_check(p, n, false, &e), MSG_PATH_ASCII,
		    "a stripped path passes");
		p = "<>";
		n = msg_path_strip(&p, 2);
		t_inteq(msg_path_check(p, n, true, &e), MSG_PATH_NULL,
		    "a stripped <> is the null path");
	}
}

static void
test_date(void)
{
	static const struct {
		const char *tz;
		time_t t;
		const char *want;
	} cases[] = {
		{ "UTC", 1795766701, "Fri, 27 Nov 2026 08:05:01 +0000" },
		{ "UTC0", 0, "Thu, 1 Jan 1970 00:00:00 +0000" },
		{ "XST-3", 1795766701, "Fri, 27 Nov 2026 11:05:01 +0300" },
		{ "XST-3", 1798759800, "Fri, 1 Jan 2027 02:30:00 +0300" },
		{ "NST3:30", 1798765200, "Thu, 31 Dec 2026 21:30:00 -0330" },
		{ "NST3:30", 1795766701, "Fri, 27 Nov 2026 04:35:01 -0330" },
		{ "Europe/Berlin", 1795766701, "Fri, 27 Nov 2026 09:05:01 +0100" },
		{ "Europe/Berlin", 1782907200, "Wed, 1 Jul 2026 14:00:00 +0200" },
	};
	char *old = getenv("TZ");
	char saved[256] = "";
	char buf[64], name[128];
	size_t i;

	if (old != NULL)
		snprintf(saved, sizeof saved, "%s", old);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n;

		if (strchr(cases[i].tz, '/') != NULL &&
		    access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
			t_ok(1, "# SKIP no zoneinfo for %s", cases[i].tz);
			continue;
		}
		setenv("TZ", cases[i].tz, 1);
		tzset();
		n = msg_date(buf, sizeof buf, cases[i].t);
		t_streq(buf, cases[i].want, t_name(name, sizeof name, "date in",
		    cases[i].tz, strlen(cases[i].tz)));
		t_inteq((long long)n, (long long)strlen(cases[i].want), "length");
	}
	setenv("TZ", "UTC", 1);
	tzset();
	t_inteq((long long)msg_date(buf, 31, 1795766701), 0, "cap too small");
	t_inteq((long long)msg_date(buf, 32, 1795766701), 31, "cap just right");
	if (old != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

static void
test_message_id(void)
{
	static const char *bad[] = {
		"", "bad domain!", "ex..org", "-x.org", "x.org.", "a@b",
		"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84",
		"[1.2.3]", "x\r\n.org",
	};
	char a[300], b[300], name[128];
	struct mp_err e;
	regex_t re;
	size_t i;

	t_inteq(msg_message_id(a, sizeof a, "example.org", &e), 0, "Message-ID");
	t_inteq(msg_message_id(b, sizeof b, "example.org", &e), 0, "another");
	t_ok(strcmp(a, b) != 0, "two Message-IDs differ");
	if (regcomp(&re, "^<[0-9a-f]{32}\\.[0-9]+@example\\.org>$",
	    REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	t_ok(regexec(&re, a, 0, NULL, 0) == 0, "format: %s", a);
	t_ok(regexec(&re, b, 0, NULL, 0) == 0, "format: %s", b);
	regfree(&re);
	t_inteq(msg_message_id(a, sizeof a, "[192.0.2.1]", &e), 0,
	    "an address literal");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		t_inteq(msg_message_id(a, sizeof a, bad[i], &e), -1,
		    t_name(name, sizeof name, "bad Message-ID domain", bad[i],
		    strlen(bad[i])));
		t_inteq(e.kind, ERR_DATA, "bad domain is ERR_DATA");
	}
	t_inteq(msg_message_id(a, 40, "example.org", &e), -1, "cap too small");
	t_inteq(e.kind, ERR_INTERNAL, "is ERR_INTERNAL");
}

static void
test_return_path(void)
{
	char out[64];
	const char *h = "Received: x\r\nreturn-path: <bob@example.org>\r\nSubject: y\r\n";
	const char *late = "Subject: y\n\nReturn-Path: <body@example.org>\n";
	const char *bounce = "Return-Path: <>\n";

	msg_return_path(h, strlen(h), out, sizeof out);
	t_streq(out, "bob@example.org", "return path: any case, CRLF");
	msg_return_path(late, strlen(late), out, sizeof out);
	t_streq(out, "", "return path: not from the body");
	msg_return_path(bounce, strlen(bounce), out, sizeof out);
	t_streq(out, "", "return path: the null sender");
	msg_return_path(h, strlen(h), out, 8);
	t_streq(out, "", "return path: too long for the buffer");
	msg_return_path(h, 20, out, sizeof out);
	t_streq(out, "", "return path: cut before it");
}

int
main(void)
{
	test_scan();
	test_scan_returns();
	test_scan_long();
	test_headers();
	test_addrlist();
	test_paths();
	test_strip();
	test_date();
	test_message_id();
	test_return_path();
	return t_done();
}
