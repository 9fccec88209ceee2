/* MODULES: sasl pop3 conn err utf8 trace */
#include "feed.h"
#include "pop3.h"
#include "t.h"

struct collect {
	char buf[1024];
	size_t n;
};

static int
collect_line(void *arg, const char *line, size_t n)
{
	struct collect *c = arg;

	if (c->n + n + 1 < sizeof c->buf) {
		memcpy(c->buf + c->n, line, n);
		c->n += n;
		c->buf[c->n++] = '|';
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
		enum pop3_status st;
	} status[] = {
		{ "+OK 2 messages (320 octets)", 0, POP3_OK },
		{ "+OK", 0, POP3_OK },
		{ "-ERR no such message, only 2 messages in maildrop", 0, POP3_ERR },
		{ "-ERR", 0, POP3_ERR },
		{ "+ UGFzc3dvcmQ6", 0, POP3_CONT },
		{ "+", 0, POP3_CONT },
		{ "+OKAY", -1, POP3_OK },
		{ "-ERRx", -1, POP3_OK },
		{ "OK", -1, POP3_OK },
		{ "", -1, POP3_OK },
		{ "* OK imap", -1, POP3_OK },
	};
	static const struct {
		const char *cmd;
		bool multi;
	} multi[] = {
		{ "LIST", true }, { "LIST 2", false }, { "list", true },
		{ "UIDL", true }, { "UIDL 1", false }, { "RETR 1", true },
		{ "TOP 1 10", true }, { "CAPA", true }, { "STAT", false },
		{ "DELE 1", false }, { "NOOP", false }, { "RSET", false },
		{ "QUIT", false }, { "LISTX", false }, { "LIST ", true },
	};
	size_t i;

	for (i = 0; i < sizeof status / sizeof status[0]; i++) {
		enum pop3_status st = POP3_OK;
		int r = pop3_parse_status(status[i].line, strlen(status[i].line), &st);
		t_inteq(r, status[i].ret, status[i].line);
		if (r == 0)
			t_inteq(st, status[i].st, "status kind");
	}
	for (i = 0; i < sizeof multi / sizeof multi[0]; i++)
		t_inteq(pop3_multiline_command(multi[i].cmd, strlen(multi[i].cmd)),
		    multi[i].multi, multi[i].cmd);

	{
		/* The lecture's LIST, then RETR with stuffed lines. */
		const char *wire = "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"
		    "+OK 120 octets\r\n..hidden\r\n...two\r\n.\r\n";
		struct conn *c = feed_conn(CONN_POP3, wire, strlen(wire), 0);
		struct collect col = { .n = 0 };
		enum pop3_status st;
		const char *line;
		size_t n;
		struct mp_err e;

		t_inteq(pop3_read_status(c, &st, &line, &n, &e), 0, "LIST status");
		t_inteq(pop3_read_multiline(c, false, collect_line, &col, &e), 0,
		    "LIST lines");
		t_streq(col.buf, "1 120|2 200|", "LIST body");
		col.n = 0;
		col.buf[0] = '\0';
		pop3_read_status(c, &st, &line, &n, &e);
		t_inteq(pop3_read_multiline(c, true, collect_line, &col, &e), 0,
		    "RETR lines");
		t_streq(col.buf, ".hidden|..two|", "dot-unstuffing");
		conn_close(c);
	}
	{
		const char *wire = "+OK\r\n1 120\r\n";
		struct conn *c = feed_conn(CONN_POP3, wire, strlen(wire), 0);
		enum pop3_status st;
		const char *line;
		size_t n;
		struct mp_err e;

		pop3_read_status(c, &st, &line, &n, &e);
		t_inteq(pop3_read_multiline(c, false, NULL, NULL, &e), -1,
		    "multi-line reply cut off");
		t_inteq(e.kind, ERR_TEMP, "a dropped connection is temporary");
		conn_close(c);
	}
	{
		const char *wire = "garbage\r\n";
		struct conn *c = feed_conn(CONN_POP3, wire, strlen(wire), 0);
		enum pop3_status st;
		const char *line;
		size_t n;
		struct mp_err e;

		t_inteq(pop3_read_status(c, &st, &line, &n, &e), -1, "garbage status");
		t_inteq(e.kind, ERR_PROTOCOL, "garbage is a protocol error");
		conn_close(c);
	}
	/* RFC 1939: a UIDL is 1 to 70 characters from 0x21 to 0x7e. */
	{
		static const struct {
			const char *s;
			bool ok;
		} uidls[] = {
			{ "whqtswO00WBw418f9t5JxYwZ", true }, { "QhdPYR:00WBw1Ph7x7", true },
			{ "!", true }, { "~", true }, { "", false }, { "a b", false },
			{ "a\tb", false }, { "caf\xc3\xa9", false }, { "a\x7f", false },
			{ "0123456789012345678901234567890123456789012345678901234567890123456789",
			  true },
			{ "01234567890123456789012345678901234567890123456789012345678901234567890",
			  false },
		};
		for (size_t k = 0; k < sizeof uidls / sizeof uidls[0]; k++)
			t_ok(pop3_uidl_valid(uidls[k].s, strlen(uidls[k].s)) == uidls[k].ok,
			    "UIDL '%s' %s", uidls[k].s, uidls[k].ok ? "valid" : "refused");
	}
	return t_done();
}
