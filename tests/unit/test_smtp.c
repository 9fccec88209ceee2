/* MODULES: smtp conn err utf8 trace */
#include <stdlib.h>

#include "feed.h"
#include "smtp.h"
#include "t.h"

struct collect {
	char buf[1024];
	size_t n;
};

static void
collect_line(void *arg, const char *line, size_t n)
{
	struct collect *c = arg;

	if (c->n + n + 1 < sizeof c->buf) {
		memcpy(c->buf + c->n, line, n);
		c->n += n;
		c->buf[c->n++] = '|';
		c->buf[c->n] = '\0';
	}
}

int
main(void)
{
	static const struct {
		const char *line;
		int ret, code, last;
	} lines[] = {
		{ "250 ok", 0, 250, 1 },
		{ "250-PIPELINING", 0, 250, 0 },
		{ "220", 0, 220, 1 },
		{ "500 command unrecognized", 0, 500, 1 },
		{ "25 short", -1, 0, 0 },
		{ "2x0 bad", -1, 0, 0 },
		{ "250_bad", -1, 0, 0 },
		{ "150 no 1xx in SMTP", -1, 0, 0 },
		{ "650 out of range", -1, 0, 0 },
		{ "", -1, 0, 0 },
	};
	static const struct {
		const char *wire;
		int ret, code;
		const char *enhanced, *text;
		enum err_kind kind;
	} replies[] = {
		{ "250 <>... sender ok\r\n", 0, 250, "", "<>... sender ok", ERR_NONE },
		{ "250-dxmint.cern.ch hello\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
		  0, 250, "", "dxmint.cern.ch hello\nPIPELINING\nSIZE 1000", ERR_NONE },
		{ "550 5.1.1 <nobody@example.test>: Recipient address rejected\r\n",
		  0, 550, "5.1.1", "5.1.1 <nobody@example.test>: Recipient address rejected",
		  ERR_NONE },
		{ "250 2.0.0 Ok\n", 0, 250, "2.0.0", "2.0.0 Ok", ERR_NONE },
		{ "451 5.1.1 class mismatch\r\n", 0, 451, "", "5.1.1 class mismatch", ERR_NONE },
		{ "250-first\r\n251 second\r\n", -1, 0, "", "", ERR_PROTOCOL },
		{ "+OK not smtp\r\n", -1, 0, "", "", ERR_PROTOCOL },
		{ "250-cut off\r\n", -1, 0, "", "", ERR_TEMP },
		{ "250 no line end", -1, 0, "", "", ERR_TEMP },
		{ "", -1, 0, "", "", ERR_TEMP },
	};
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		int code = 0, last = 0;
		size_t off;
		int r = smtp_parse_line(lines[i].line, strlen(lines[i].line), &code,
		    &last, &off);
		t_inteq(r, lines[i].ret, lines[i].line);
		if (r == 0) {
			t_inteq(code, lines[i].code, "code");
			t_inteq(last, lines[i].last, "last-line marker");
		}
	}
	for (i = 0; i < sizeof replies / sizeof replies[0]; i++) {
		struct conn *c = feed_conn(CONN_SMTP, replies[i].wire,
		    strlen(replies[i].wire), 0);
		struct smtp_reply r;
		struct mp_err e;
		int ret;

		err_clear(&e);
		ret = smtp_read_reply(c, &r, NULL, NULL, &e);
		t_inteq(ret, replies[i].ret, replies[i].wire);
		if (ret == 0) {
			t_inteq(r.code, replies[i].code, "reply code");
			t_streq(r.enhanced, replies[i].enhanced, "enhanced code");
			t_streq(r.text, replies[i].text, "reply text");
		} else {
			t_inteq(e.kind, replies[i].kind, "error kind");
		}
		conn_close(c);
	}

	{
		const char *wire = "250-a\r\n250-b\r\n250 c\r\n221 bye\r\n";
		struct conn *c = feed_conn(CONN_SMTP, wire, strlen(wire), 0);
		struct collect col = { .n = 0 };
		struct smtp_reply r;
		struct mp_err e;

		smtp_read_reply(c, &r, collect_line, &col, &e);
		t_streq(col.buf, "250-a|250-b|250 c|", "raw lines reach the callback");
		t_inteq(smtp_read_reply(c, &r, NULL, NULL, &e), 0, "next reply");
		t_inteq(r.code, 221, "the second reply is read separately");
		conn_close(c);
	}
	{
		/* A line over the cap is refused, not buffered forever. */
		char *big = malloc(5000);
		struct conn *c;
		struct smtp_reply r;
		struct mp_err e;

		memset(big, 'x', 5000);
		memcpy(big, "250 ", 4);
		c = feed_conn(CONN_SMTP, big, 5000, 1000);
		t_inteq(smtp_read_reply(c, &r, NULL, NULL, &e), -1, "over-long line");
		t_inteq(e.kind, ERR_PROTOCOL, "over-long line is a protocol error");
		conn_close(c);
		free(big);
	}
	return t_done();
}
