/* pop3: status and multi-line replies, commands. */
#include "pop3.h"

#include <string.h>
#include <strings.h>

int
pop3_parse_status(const char *line, size_t n, enum pop3_status *st)
{
	if (n >= 3 && memcmp(line, "+OK", 3) == 0 && (n == 3 || line[3] == ' ')) {
		*st = POP3_OK;
		return 0;
	}
	if (n >= 4 && memcmp(line, "-ERR", 4) == 0 && (n == 4 || line[4] == ' ')) {
		*st = POP3_ERR;
		return 0;
	}
	if (n >= 1 && line[0] == '+' && (n == 1 || line[1] == ' ')) {
		*st = POP3_CONT;
		return 0;
	}
	return -1;
}

int
pop3_read_status(struct conn *c, enum pop3_status *st, const char **line,
    size_t *n, struct mp_err *e)
{
	char shown[80];

	if (conn_read_line(c, line, n, e) < 0)
		return -1;
	if (pop3_parse_status(*line, *n, st) < 0) {
		err_sanitize(shown, sizeof shown, *line, *n);
		return err_set(e, ERR_PROTOCOL, "unparsable POP3 reply: '%s'", shown);
	}
	return 0;
}

int
pop3_read_multiline(struct conn *c, bool unstuff, pop3_line_fn *fn, void *arg,
    struct mp_err *e)
{
	for (;;) {
		const char *line;
		size_t n;
		int r;

		if (conn_read_line(c, &line, &n, e) < 0)
			return -1;
		if (n == 1 && line[0] == '.')
			return 0;
		if (unstuff && n >= 2 && line[0] == '.' && line[1] == '.') {
			line++;
			n--;
		}
		if (fn != NULL && (r = fn(arg, line, n)) != 0)
			return r;
	}
}

bool
pop3_multiline_command(const char *line, size_t n)
{
	size_t i = 0, vlen;
	bool has_arg;

	while (i < n && line[i] != ' ')
		i++;
	vlen = i;
	while (i < n && line[i] == ' ')
		i++;
	has_arg = i < n;
#define POP3_VERB(w) (vlen == sizeof(w) - 1 && strncasecmp(line, w, vlen) == 0)
	if (POP3_VERB("RETR") || POP3_VERB("TOP") || POP3_VERB("CAPA"))
		return true;
	if (POP3_VERB("LIST") || POP3_VERB("UIDL"))
		return !has_arg;
#undef POP3_VERB
	return false;
}

int
pop3_start(struct conn *c, struct mp_err *e)
{
	enum pop3_status st;
	const char *line;
	size_t n;
	char shown[160];

	if (!conn_greeting_pending(c))
		return 0;
	if (pop3_read_status(c, &st, &line, &n, e) < 0)
		return -1;
	if (st != POP3_OK) {
		err_sanitize(shown, sizeof shown, line, n);
		return err_set(e, ERR_TEMP, "server refused: %s", shown);
	}
	return 0;
}

int
pop3_quit(struct conn *c, struct mp_err *e)
{
	enum pop3_status st;
	const char *line;
	size_t n;
	char shown[160];

	if (conn_send_line(c, "QUIT", 4, e) < 0 || conn_flush(c, e) < 0)
		return -1;
	if (pop3_read_status(c, &st, &line, &n, e) < 0)
		return -1;
	if (st != POP3_OK) {
		err_sanitize(shown, sizeof shown, line, n);
		return err_reply(e, 400, NULL, "QUIT failed, nothing was deleted: %s",
		    shown);
	}
	return 0;
}
