/* smtp: reply reading and commands. */
#include "smtp.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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

void
smtp_caps_parse(const char *text, struct smtp_caps *caps)
{
	const char *line = strchr(text, '\n');

	memset(caps, 0, sizeof *caps);
	caps->esmtp = true;
	while (line != NULL) {
		const char *kw = line + 1, *end = strchr(kw, '\n'), *arg;
		size_t n = end ? (size_t)(end - kw) : strlen(kw), kl;

		kl = strcspn(kw, " \n");
		if (kl > n)
			kl = n;
		arg = kw + kl;
		while (arg < kw + n && *arg == ' ')
			arg++;
#define SMTP_KW(w) (kl == sizeof(w) - 1 && strncasecmp(kw, w, kl) == 0)
		if (SMTP_KW("PIPELINING"))
			caps->pipelining = true;
		else if (SMTP_KW("8BITMIME"))
			caps->eightbitmime = true;
		else if (SMTP_KW("SMTPUTF8"))
			caps->smtputf8 = true;
		else if (SMTP_KW("DSN"))
			caps->dsn = true;
		else if (SMTP_KW("CHUNKING"))
			caps->chunking = true;
		else if (SMTP_KW("STARTTLS"))
			caps->starttls = true;
		else if (SMTP_KW("ENHANCEDSTATUSCODES"))
			caps->enhanced = true;
		else if (SMTP_KW("VRFY"))
			caps->vrfy = true;
		else if (SMTP_KW("SIZE")) {
			caps->size = true;
			caps->size_max = strtoull(arg, NULL, 10);
		} else if (SMTP_KW("AUTH")) {
			size_t al = (size_t)(kw + n - arg);
			if (al >= sizeof caps->auth)
				al = sizeof caps->auth - 1;
			memcpy(caps->auth, arg, al);
			caps->auth[al] = '\0';
		}
#undef SMTP_KW
		line = end;
	}
}

/* The last 250 reply among the lines libcurl read while opening: its
 * EHLO (or HELO) reply. */
static void
smtp_caps_from_login(struct conn *c, struct smtp_caps *caps)
{
	size_t len, i = 0, best = 0, best_len = 0, start = 0;
	const char *lines = conn_login_lines(c, &len);
	bool in_250 = false;
	char text[SMTP_TEXT_MAX];
	size_t o = 0;

	memset(caps, 0, sizeof *caps);
	while (i < len) {
		const char *l = lines + i, *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		int code, last;
		size_t off;

		if (smtp_parse_line(l, n, &code, &last, &off) == 0 && code == 250) {
			if (!in_250)
				start = i;
			in_250 = !last;
			if (last) {
				best = start;
				best_len = i + n - start;
			}
		} else {
			in_250 = false;
		}
		i += n + 1;
	}
	if (best_len == 0)
		return;
	/* Rebuild the reply text (codes removed) for smtp_caps_parse. */
	for (i = best; i < best + best_len && o + 1 < sizeof text;) {
		const char *l = lines + i, *nl = memchr(l, '\n', best + best_len - i);
		size_t n = nl ? (size_t)(nl - l) : best + best_len - i;
		size_t t = n > 4 ? n - 4 : 0;
		if (o > 0)
			text[o++] = '\n';
		if (t > sizeof text - 1 - o)
			t = sizeof text - 1 - o;
		memcpy(text + o, l + 4, t);
		o += t;
		i += n + 1;
	}
	text[o] = '\0';
	smtp_caps_parse(text, caps);
	/* A one-line reply may be HELO's: no extensions either way. */
}

int
smtp_start(struct conn *c, const char *name, struct smtp_caps *caps,
    struct mp_err *e)
{
	struct smtp_reply r;
	char host[HOST_NAME_MAX + 1];

	if (!conn_greeting_pending(c)) {
		smtp_caps_from_login(c, caps);
		return 0;
	}
	memset(caps, 0, sizeof *caps);
	if (smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		return -1;
	if (r.code != 220 && r.code / 100 == 2)
		; /* some servers greet with another 2xx: accept it */
	else if (r.code / 100 == 4)
		return err_set(e, ERR_TEMP, "server refused for now: %d %s", r.code,
		    r.text);
	else if (r.code != 220)
		return err_set(e, ERR_UNAVAILABLE, "server refused: %d %s", r.code,
		    r.text);
	if (name == NULL) {
		if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		name = host;
	}
	if (conn_sendf(c, e, "EHLO %s", name) < 0 || conn_flush(c, e) < 0 ||
	    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		return -1;
	if (r.code == 250) {
		smtp_caps_parse(r.text, caps);
		return 0;
	}
	if (r.code / 100 == 4)
		return err_set(e, ERR_TEMP, "EHLO refused for now: %d %s", r.code,
		    r.text);
	/* The lecture's old sendmail: "500 command unrecognized". */
	if (conn_sendf(c, e, "HELO %s", name) < 0 || conn_flush(c, e) < 0 ||
	    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		return -1;
	if (r.code != 250)
		return err_set(e, r.code / 100 == 4 ? ERR_TEMP : ERR_UNAVAILABLE,
		    "HELO refused: %d %s", r.code, r.text);
	return 0;
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
