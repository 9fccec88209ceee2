/* MODULES: conn err utf8 trace */
#include <stdlib.h>

#include "conn.h"
#include "t.h"

int
main(void)
{
	static const struct {
		const char *url;
		int ret;
		enum conn_proto proto;
		int tls;
		const char *host;
		unsigned port;
		const char *user, *path;
	} cases[] = {
		{ "imaps://alice@localhost:993", 0, CONN_IMAP, 1, "localhost", 993, "alice", NULL },
		{ "IMAPS://mail.example.org", 0, CONN_IMAP, 1, "mail.example.org", 993, NULL, NULL },
		{ "imap://a@h", 0, CONN_IMAP, 0, "h", 143, "a", NULL },
		{ "pop3s://h", 0, CONN_POP3, 1, "h", 995, NULL, NULL },
		{ "pop3://h:1100/", 0, CONN_POP3, 0, "h", 1100, NULL, NULL },
		{ "smtp://h", 0, CONN_SMTP, 0, "h", 25, NULL, NULL },
		{ "smtps://h/helo.example", 0, CONN_SMTP, 1, "h", 465, NULL, "helo.example" },
		{ "smtp://[::1]:2525", 0, CONN_SMTP, 0, "[::1]", 2525, NULL, NULL },
		{ "imaps://alice%40example.org@h", 0, CONN_IMAP, 1, "h", 993, "alice@example.org", NULL },
		{ "imaps://a@b@h", 0, CONN_IMAP, 1, "h", 993, "a@b", NULL },
		{ "imap://h/INBOX%2fSub", 0, CONN_IMAP, 0, "h", 143, NULL, "INBOX/Sub" },
		{ "imaps://alice:secret@h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://:secret@h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "http://h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "localhost", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h:0", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h:65536", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h:99999999999999999999", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h:", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h:12x", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h\r\n", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://a%0d%0aX@h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://a%zz@h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://a%4@h", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://[::1", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://[]", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://[zz]", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://h?x=1", -1, 0, 0, NULL, 0, NULL, NULL },
		{ "imaps://ho/st", 0, CONN_IMAP, 1, "ho", 993, NULL, "st" },
		{ "imaps://h;x", -1, 0, 0, NULL, 0, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conn_url u;
		struct mp_err e;
		int r = conn_url_parse(cases[i].url, &u, &e);

		if (!t_inteq(r, cases[i].ret, cases[i].url))
			continue;
		if (r < 0) {
			t_inteq(e.kind, ERR_USAGE, "usage error");
			t_ok(strstr(e.text, "secret") == NULL, "no password in the message");
			continue;
		}
		t_inteq(u.proto, cases[i].proto, "protocol");
		t_inteq(u.implicit_tls, cases[i].tls, "implicit TLS");
		t_streq(u.host, cases[i].host, "host");
		t_inteq(u.port, cases[i].port, "port");
		t_streq(u.user, cases[i].user, "user");
		t_streq(u.path, cases[i].path, "path");
		conn_url_free(&u);
	}
	{
		struct mp_err e;
		t_inteq(conn_check_arg("x", "a\rb", 3, &e), -1, "CR refused");
		t_streq(e.text, "x contains a CR character", "names it");
		t_inteq(conn_check_arg("x", "a\0b", 3, &e), -1, "NUL refused");
		t_inteq(conn_check_arg("x", "a b", 3, &e), 0, "blank allowed");
	}
	return t_done();
}
