/* mailtalk: a protocol session for people and scripts. Each stdin line
 * is a command; every reply line goes to stdout. TLS, login, IMAP tags
 * and the closing QUIT/LOGOUT are done for you. */
#include <popt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli.h"
#include "conn.h"
#include "err.h"
#include "imap.h"
#include "pop3.h"
#include "smtp.h"
#include "tool.h"

#define TALK_LINE_MAX (1024 * 1024)	/* longest stdin line */

struct talk {
	struct conn *c;
	unsigned tag;		/* IMAP tag counter */
	unsigned long lineno;	/* stdin line number, for messages */
	char *buf;		/* current stdin line */
	size_t cap;
	bool negative;		/* some command got a negative reply */
	bool ended;		/* the user sent QUIT / LOGOUT */
};

/* Next stdin line without its line end in t->buf; 0 at end of input. */
static int
talk_getline(struct talk *t, size_t *len)
{
	ssize_t n = getline(&t->buf, &t->cap, stdin);
	struct mp_err e;

	if (n < 0) {
		if (ferror(stdin))
			tool_die(EX_IOERR, "reading stdin failed");
		return 0;
	}
	t->lineno++;
	if ((size_t)n > TALK_LINE_MAX)
		tool_die(EX_DATAERR, "stdin line %lu: longer than %d bytes",
		    t->lineno, TALK_LINE_MAX);
	if (n > 0 && t->buf[n - 1] == '\n')
		n--;
	if (n > 0 && t->buf[n - 1] == '\r')
		n--;
	t->buf[n] = '\0';
	if (conn_check_arg("line", t->buf, (size_t)n, &e) < 0)
		tool_die(EX_DATAERR, "stdin line %lu: %s", t->lineno, e.text);
	*len = (size_t)n;
	return 1;
}

static void
talk_out(const char *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n)
		tool_die(EX_IOERR, "writing stdout failed");
}

static void
talk_out_line(const char *p, size_t n)
{
	talk_out(p, n);
	talk_out("\n", 1);
}

static void
talk_flush(void)
{
	if (fflush(stdout) != 0)
		tool_die(EX_IOERR, "writing stdout failed");
}

static void
talk_check(int r, const struct mp_err *e)
{
	if (r < 0)
		tool_fail(e);
}

/* Send the next stdin line as is (a continuation answer or literal). */
static void
talk_send_next(struct talk *t, const char *why)
{
	struct mp_err e;
	size_t n;

	if (!talk_getline(t, &n))
		tool_die(EX_DATAERR, "stdin ended where %s was due", why);
	talk_check(conn_send_line(t->c, t->buf, n, &e), &e);
	talk_check(conn_flush(t->c, &e), &e);
}

static bool
talk_verb_is(const char *line, size_t n, const char *verb)
{
	size_t vn = strlen(verb);

	return n >= vn && strncasecmp(line, verb, vn) == 0 &&
	    (n == vn || line[vn] == ' ');
}

/* Literal bytes, with CR LF shown as LF like every other line. */
static int
talk_imap_piece(void *arg, enum imap_piece kind, const char *p, size_t n)
{
	bool *pending_cr = arg;
	size_t i, start = 0;

	if (kind == IMAP_PIECE_TEXT) {
		if (*pending_cr)
			talk_out("\r", 1);
		*pending_cr = false;
		talk_out_line(p, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (*pending_cr) {
			*pending_cr = false;
			if (p[i] != '\n')
				talk_out("\r", 1);
		}
		if (p[i] == '\r') {
			talk_out(p + start, i - start);
			start = i + 1;
			*pending_cr = true;
		}
	}
	talk_out(p + start, n - start);
	return 0;
}

static void
talk_imap(struct talk *t, const char *line, size_t n)
{
	char tag[16];
	struct imap_resp r;
	struct mp_err e;
	uint64_t lit;
	bool nonsync, pending_cr = false;

	imap_next_tag(&t->tag, tag, sizeof tag);
	if (talk_verb_is(line, n, "LOGOUT"))
		t->ended = true;
	talk_check(conn_sendf(t->c, &e, "%s %s", tag, line), &e);
	/* The data of a non-synchronising literal {N+} follows at once. */
	while (imap_literal_at_end(line, n, &lit, &nonsync) == 1 && nonsync) {
		talk_send_next(t, "a literal");
		line = t->buf;
		n = strlen(t->buf);
	}
	talk_check(conn_flush(t->c, &e), &e);
	for (;;) {
		talk_check(imap_read_response(t->c, &r, talk_imap_piece, &pending_cr,
		    &e), &e);
		if (r.kind == IMAP_CONTINUATION) {
			talk_flush();
			talk_send_next(t, "an answer to the server's '+'");
			continue;
		}
		if (r.kind == IMAP_TAGGED && strcmp(r.tag, tag) == 0)
			break;
	}
	if (r.status != IMAP_OK)
		t->negative = true;
}

static int
talk_pop3_line(void *arg, const char *line, size_t n)
{
	(void)arg;
	/* Shown as sent: still dot-stuffed, so the transcript is exact. */
	talk_out_line(line, n);
	return 0;
}

static void
talk_pop3(struct talk *t, const char *line, size_t n)
{
	enum pop3_status st;
	const char *reply;
	size_t rn;
	struct mp_err e;
	bool multi = pop3_multiline_command(line, n);

	if (talk_verb_is(line, n, "QUIT"))
		t->ended = true;
	talk_check(conn_send_line(t->c, line, n, &e), &e);
	talk_check(conn_flush(t->c, &e), &e);
	for (;;) {
		talk_check(pop3_read_status(t->c, &st, &reply, &rn, &e), &e);
		talk_out_line(reply, rn);
		if (st != POP3_CONT)
			break;
		talk_flush();
		talk_send_next(t, "an answer to the server's '+'");
	}
	if (st == POP3_ERR) {
		t->negative = true;
		return;
	}
	if (multi) {
		talk_check(pop3_read_multiline(t->c, false, talk_pop3_line, NULL, &e),
		    &e);
		talk_out_line(".", 1);
	}
}

static void
talk_smtp_line(void *arg, const char *line, size_t n)
{
	(void)arg;
	talk_out_line(line, n);
}

static void
talk_smtp(struct talk *t, const char *line, size_t n)
{
	struct smtp_reply r;
	struct mp_err e;
	bool data = n == 4 && strncasecmp(line, "DATA", 4) == 0;

	if (talk_verb_is(line, n, "QUIT"))
		t->ended = true;
	talk_check(conn_send_line(t->c, line, n, &e), &e);
	talk_check(conn_flush(t->c, &e), &e);
	talk_check(smtp_read_reply(t->c, &r, talk_smtp_line, NULL, &e), &e);
	while (r.code == 334) {
		talk_flush();
		talk_send_next(t, "an answer to the server's 334");
		talk_check(smtp_read_reply(t->c, &r, talk_smtp_line, NULL, &e), &e);
	}
	if (data && r.code == 354) {
		/* The body goes as typed, up to and including the "." line;
		 * lines that start with "." must be doubled by the writer. */
		size_t bn;
		for (;;) {
			if (!talk_getline(t, &bn))
				tool_die(EX_DATAERR, "stdin ended inside DATA "
				    "(end the message with a line holding only '.')");
			talk_check(conn_send_line(t->c, t->buf, bn, &e), &e);
			if (bn == 1 && t->buf[0] == '.')
				break;
		}
		talk_check(conn_flush(t->c, &e), &e);
		talk_check(smtp_read_reply(t->c, &r, talk_smtp_line, NULL, &e), &e);
	}
	if (r.code >= 400)
		t->negative = true;
}

static void
talk_end(struct talk *t)
{
	struct mp_err e;
	int r = 0;

	if (t->ended)
		return;
	switch (conn_proto(t->c)) {
	case CONN_SMTP:
		r = smtp_quit(t->c, &e);
		break;
	case CONN_POP3:
		r = pop3_quit(t->c, &e);
		break;
	case CONN_IMAP:
		r = imap_logout(t->c, &t->tag, &e);
		break;
	}
	talk_check(r, &e);
}

int
main(int argc, const char **argv)
{
	struct poptOption options[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct cli_session s;
	struct talk t = { 0 };
	struct mp_err e;
	poptContext pc;
	const char *url;
	size_t n;

	tool_init("mailtalk");
	pc = tool_options(argc, argv, options, "[OPTION...] [URL] < commands");
	url = poptGetArg(pc);
	if (poptPeekArg(pc) != NULL)
		tool_die(EX_USAGE, "unexpected argument '%s' (commands are read "
		    "from stdin)", poptPeekArg(pc));

	if (cli_session_prepare(&s, -1, url, &e) < 0)
		tool_fail(&e);
	if (cli_session_open(&s, &t.c, &e) < 0)
		tool_fail(&e);
	/* The password has done its work. */
	cli_session_free(&s);

	while (!t.ended && talk_getline(&t, &n)) {
		if (n == 0)
			continue;
		switch (conn_proto(t.c)) {
		case CONN_SMTP:
			talk_smtp(&t, t.buf, n);
			break;
		case CONN_POP3:
			talk_pop3(&t, t.buf, n);
			break;
		case CONN_IMAP:
			talk_imap(&t, t.buf, n);
			break;
		}
		talk_flush();
	}
	talk_end(&t);
	talk_flush();
	conn_close(t.c);
	free(t.buf);
	poptFreeContext(pc);
	return t.negative ? 1 : 0;
}
