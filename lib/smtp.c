/* smtp: reply reading and commands. */
#include "smtp.h"

#include <ctype.h>
#include <string.h>

#define SMTP_LINES_MAX 10000	/* a reply longer than this is hostile */

int
smtp_parse_line(const char *line, size_t n, int *code, int *last, size_t *text_off)
{
	if (n < 3 || line[0] < '2' || line[0] > '5' ||
	    !isdigit((unsigned char)line[1]) || !isdigit((unsigned char)line[2]))
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (n == 3) {
		*last = 1;
		*text_off = 3;
		return 0;
	}
	if (line[3] != ' ' && line[3] != '-')
		return -1;
	*last = line[3] == ' ';
	*text_off = 4;
	return 0;
}

/* An enhanced status code "c.sss.ddd" at the start of text (RFC 3463),
 * whose class must agree with the reply code. */
static void
smtp_enhanced(const char *t, size_t n, int code, char *dst, size_t cap)
{
	size_t i = 0, parts = 0, digits = 0;

	dst[0] = '\0';
	if (n < 5 || t[0] - '0' != code / 100 || t[1] != '.')
		return;
	for (i = 0; i < n && t[i] != ' '; i++) {
		if (isdigit((unsigned char)t[i])) {
			if (++digits > 3)
				return;
		} else if (t[i] == '.' && digits > 0) {
			parts++;
			digits = 0;
		} else {
			return;
		}
	}
	if (parts != 2 || digits == 0 || i >= cap)
		return;
	memcpy(dst, t, i);
	dst[i] = '\0';
}

int
smtp_read_reply(struct conn *c, struct smtp_reply *r, smtp_line_fn *fn, void *arg,
    struct mp_err *e)
{
	size_t used = 0;

	memset(r, 0, sizeof *r);
	for (;;) {
		const char *line;
		size_t n, off, tn;
		int code, last;
		char shown[80];

		if (conn_read_line(c, &line, &n, e) < 0)
			return -1;
		if (fn != NULL)
			fn(arg, line, n);
		if (smtp_parse_line(line, n, &code, &last, &off) < 0) {
			err_sanitize(shown, sizeof shown, line, n);
			return err_set(e, ERR_PROTOCOL, "unparsable SMTP reply: '%s'",
			    shown);
		}
		if (r->lines > 0 && code != r->code) {
			err_sanitize(shown, sizeof shown, line, n);
			return err_set(e, ERR_PROTOCOL, "SMTP reply changed its code "
			    "from %d mid-reply: '%s'", r->code, shown);
		}
		if (r->lines == 0) {
			r->code = code;
			smtp_enhanced(line + off, n - off, code, r->enhanced,
			    sizeof r->enhanced);
		}
		if (++r->lines > SMTP_LINES_MAX)
			return err_set(e, ERR_PROTOCOL, "SMTP reply of more than %d "
			    "lines", SMTP_LINES_MAX);
		tn = n - off;
		if (used > 0 && used + 1 < sizeof r->text)
			r->text[used++] = '\n';
		if (tn > sizeof r->text - 1 - used)
			tn = sizeof r->text - 1 - used;
		memcpy(r->text + used, line + off, tn);
		used += tn;
		r->text[used] = '\0';
		if (last)
			return 0;
	}
}

int
smtp_quit(struct conn *c, struct mp_err *e)
{
	struct smtp_reply r;
	struct mp_err ignored;

	if (conn_send_line(c, "QUIT", 4, e) < 0 || conn_flush(c, e) < 0)
		return -1;
	/* The message is already accepted: a server that hangs up instead
	 * of saying 221 has done no harm. */
	(void)smtp_read_reply(c, &r, NULL, NULL, &ignored);
	return 0;
}
