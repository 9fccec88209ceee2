/* smtp: reply reading and commands. */
#include "smtp.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SMTP_LINES_MAX 10000	/* a reply longer than this is hostile */
#define SMTP_BDAT_MAX (1024 * 1024) /* a message sent whole with BDAT LAST */
#define SMTP_BODY_CHUNK (256 * 1024)

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
	err_sanitize(caps->name, sizeof caps->name, text,
	    line ? (size_t)(line - text) : strlen(text));
	if (line != NULL) {
		/* One extension a line, control characters made harmless. */
		size_t i, o = 0;
		for (i = 1; line[i] && o + 1 < sizeof caps->extensions; i++) {
			unsigned char ch = (unsigned char)line[i];
			caps->extensions[o++] = ch == '\n' || (ch >= 0x20 && ch != 0x7f) ?
			    (char)ch : '?';
		}
		caps->extensions[o] = '\0';
	}
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
	char host[HOST_NAME_MAX + 1], banner[512];

	if (!conn_greeting_pending(c)) {
		size_t len;
		const char *lines = conn_login_lines(c, &len);
		smtp_caps_from_login(c, caps);
		err_sanitize(caps->banner, sizeof caps->banner, lines,
		    strcspn(lines, "\n"));
		return 0;
	}
	memset(caps, 0, sizeof *caps);
	if (smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		return -1;
	snprintf(banner, sizeof banner, "%d %.500s", r.code, r.text);
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
		snprintf(caps->banner, sizeof caps->banner, "%s", banner);
		if (!conn_starttls_needed(c))
			return 0;
		if (!caps->starttls)
			return err_set(e, ERR_UNAVAILABLE, "server does not offer "
			    "STARTTLS; use the implicit-TLS scheme (smtps) or "
			    "--insecure to allow a cleartext session");
		if (conn_send_line(c, "STARTTLS", 8, e) < 0 || conn_flush(c, e) < 0 ||
		    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
			return -1;
		if (r.code != 220)
			return err_set(e, r.code / 100 == 4 ? ERR_TEMP : ERR_UNAVAILABLE,
			    "STARTTLS refused: %d %s", r.code, r.text);
		/* What the server said before TLS is forgotten (RFC 3207). */
		if (conn_starttls(c, e) < 0 ||
		    conn_sendf(c, e, "EHLO %s", name) < 0 || conn_flush(c, e) < 0 ||
		    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
			return -1;
		if (r.code != 250)
			return err_set(e, r.code / 100 == 4 ? ERR_TEMP : ERR_UNAVAILABLE,
			    "EHLO after STARTTLS refused: %d %s", r.code, r.text);
		smtp_caps_parse(r.text, caps);
		snprintf(caps->banner, sizeof caps->banner, "%s", banner);
		return 0;
	}
	if (r.code / 100 == 4)
		return err_set(e, ERR_TEMP, "EHLO refused for now: %d %s", r.code,
		    r.text);
	if (conn_starttls_needed(c))
		return err_set(e, ERR_UNAVAILABLE, "server refused EHLO, so it offers "
		    "no STARTTLS; use smtps or --insecure");
	/* The lecture's old sendmail: "500 command unrecognized". */
	if (conn_sendf(c, e, "HELO %s", name) < 0 || conn_flush(c, e) < 0 ||
	    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		return -1;
	if (r.code != 250)
		return err_set(e, r.code / 100 == 4 ? ERR_TEMP : ERR_UNAVAILABLE,
		    "HELO refused: %d %s", r.code, r.text);
	snprintf(caps->banner, sizeof caps->banner, "%s", banner);
	err_sanitize(caps->name, sizeof caps->name, r.text, strcspn(r.text, "\n"));
	return 0;
}

/* RFC 3461 xtext: '+', '=' and octets outside 33..126 as "+XX". */
static int
smtp_xtext(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (o + 4 > cap)
			return -1;
		if (ch < 33 || ch > 126 || ch == '+' || ch == '=') {
			dst[o++] = '+';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else {
			dst[o++] = (char)ch;
		}
	}
	dst[o] = '\0';
	return 0;
}

static void
smtp_store_reply(struct smtp_rcpt *r, const struct smtp_reply *rep)
{
	r->code = rep->code;
	snprintf(r->enhanced, sizeof r->enhanced, "%s", rep->enhanced);
	err_sanitize(r->text, sizeof r->text, rep->text, strlen(rep->text));
}

/* The MAIL command with its parameters. */
static int
smtp_send_mail(struct conn *c, const struct smtp_caps *caps,
    const struct smtp_envelope *env, struct mp_err *e)
{
	static const char *verbs[] = { "MAIL", "SEND", "SOML", "SAML" };
	char params[512], xt[256];
	size_t o = 0;
	int n;

	params[0] = '\0';
#define SMTP_PARAM(...) do { \
	n = snprintf(params + o, sizeof params - o, __VA_ARGS__); \
	if (n < 0 || (size_t)n >= sizeof params - o) \
		return err_set(e, ERR_USAGE, "MAIL parameters too long"); \
	o += (size_t)n; \
} while (0)
	if (caps->size && env->size > 0)
		SMTP_PARAM(" SIZE=%llu", env->size);
	if (env->eightbit || (env->eightbit_unknown && caps->eightbitmime))
		SMTP_PARAM(" BODY=8BITMIME");
	if (env->smtputf8)
		SMTP_PARAM(" SMTPUTF8");
	if (env->dsn_ret != NULL)
		SMTP_PARAM(" RET=%s", env->dsn_ret);
	if (env->dsn_envid != NULL) {
		if (smtp_xtext(xt, sizeof xt, env->dsn_envid) < 0)
			return err_set(e, ERR_USAGE, "DSN envelope id too long");
		SMTP_PARAM(" ENVID=%s", xt);
	}
#undef SMTP_PARAM
	return conn_sendf(c, e, "%s FROM:<%s>%s", verbs[env->verb], env->from, params);
}

static int
smtp_send_rcpt(struct conn *c, const struct smtp_envelope *env,
    const struct smtp_rcpt *r, struct mp_err *e)
{
	char orcpt[600] = "", xt[540];
	const char *p;
	bool ascii = true;

	for (p = r->addr; *p; p++)
		ascii &= (unsigned char)*p < 0x80;
	/* ORCPT keeps the address as given for the DSN (RFC 3461 4.2). */
	if (env->dsn_notify != NULL || env->dsn_ret != NULL || env->dsn_envid != NULL) {
		if (ascii && smtp_xtext(xt, sizeof xt, r->addr) == 0)
			snprintf(orcpt, sizeof orcpt, " ORCPT=rfc822;%s", xt);
		if (env->dsn_notify != NULL)
			return conn_sendf(c, e, "RCPT TO:<%s> NOTIFY=%s%s", r->addr,
			    env->dsn_notify, orcpt);
	}
	return conn_sendf(c, e, "RCPT TO:<%s>%s", r->addr, orcpt);
}

/* Read the whole message (at most cap octets) into buf; -1 if longer. */
static ssize_t
smtp_body_all(smtp_body_fn *body, void *arg, char *buf, size_t cap,
    struct mp_err *e)
{
	size_t len = 0;
	ssize_t r;

	while ((r = body(arg, buf + len, cap - len, e)) > 0) {
		len += (size_t)r;
		if (len == cap) {
			char probe;
			if ((r = body(arg, &probe, 1, e)) != 0)
				return r < 0 ? -1 : -2;
			break;
		}
	}
	return r < 0 ? -1 : (ssize_t)len;
}

/* Send the message after 354: dot-stuffed, then the "." line. */
static int
smtp_send_data(struct conn *c, smtp_body_fn *body, void *arg, struct mp_err *e)
{
	char *buf = malloc(SMTP_BODY_CHUNK);
	bool bol = true;	/* at the beginning of a line */
	unsigned long long total = 0;
	ssize_t r;
	int ret = -1;

	if (buf == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	while ((r = body(arg, buf, SMTP_BODY_CHUNK, e)) > 0) {
		const char *p = buf, *end = buf + r, *dot;
		total += (unsigned long long)r;
		/* Stuffing is rare: write the runs between the lines that
		 * start with a dot in one piece each. */
		if (bol && *p == '.' && conn_write(c, ".", 1, e) < 0)
			goto out;
		while ((dot = memmem(p, (size_t)(end - p), "\n.", 2)) != NULL) {
			if (conn_write(c, p, (size_t)(dot + 1 - p), e) < 0 ||
			    conn_write(c, ".", 1, e) < 0)
				goto out;
			p = dot + 1;
		}
		if (conn_write(c, p, (size_t)(end - p), e) < 0)
			goto out;
		bol = end[-1] == '\n';
	}
	if (r < 0) {
		/* Without its final "." the server throws the message away. */
		conn_abort(c);
		goto out;
	}
	trace_note(conn_trace(c), "message of %llu octets", total);
	if (conn_send_line(c, ".", 1, e) < 0 || conn_flush(c, e) < 0)
		goto out;
	ret = 0;
out:
	free(buf);
	return ret;
}

/* e for refused recipients: 67 when one was refused for good. */
static int
smtp_rcpt_error(const struct smtp_envelope *env, struct mp_err *e)
{
	size_t i, refused = 0;
	const struct smtp_rcpt *perm = NULL, *temp = NULL;

	for (i = 0; i < env->nrcpts; i++) {
		const struct smtp_rcpt *r = &env->rcpts[i];
		if (r->code / 100 == 2)
			continue;
		refused++;
		if (r->code / 100 == 5 && perm == NULL)
			perm = r;
		else if (temp == NULL)
			temp = r;
	}
	if (perm != NULL)
		err_set(e, ERR_NOUSER, "%zu of %zu recipients refused; <%s>: %d %s",
		    refused, env->nrcpts, perm->addr, perm->code, perm->text);
	else if (temp != NULL)
		err_set(e, ERR_TEMP, "%zu of %zu recipients refused for now; <%s>: "
		    "%d %s", refused, env->nrcpts, temp->addr, temp->code, temp->text);
	if (perm != NULL)
		e->code = perm->code;
	else if (temp != NULL)
		e->code = temp->code;
	return -1;
}

static int
smtp_sender_error(const struct smtp_envelope *env, const struct smtp_reply *r,
    struct mp_err *e)
{
	static const char *verbs[] = { "MAIL", "SEND", "SOML", "SAML" };

	/* The lecture's terminal-delivery commands are rare today. */
	if (env->verb != SMTP_MAIL && (r->code == 500 || r->code == 502 ||
	    r->code == 504))
		return err_reply(e, r->code, r->enhanced, "the server does not "
		    "implement %s: %d %s", verbs[env->verb], r->code, r->text);
	return err_reply(e, r->code, r->enhanced, "sender <%s> refused: %d %s",
	    env->from, r->code, r->text);
}

static int
smtp_reply_error(const char *what, const struct smtp_reply *r, struct mp_err *e)
{
	return err_reply(e, r->code, r->enhanced, "%s: %d %s", what, r->code, r->text);
}

int
smtp_submit(struct conn *c, const struct smtp_caps *caps, struct smtp_envelope *env,
    smtp_body_fn *body, void *arg, struct smtp_result *res, struct mp_err *e)
{
	struct smtp_reply mail, r;
	bool pipe = caps->pipelining;
	bool batch_data = pipe && (env->nrcpts == 1 || env->partial);
	bool bdat = false, mail_ok, started;
	char *bdat_buf = NULL;
	ssize_t bdat_len = 0;
	size_t i;
	int ret = -1;

	memset(res, 0, sizeof *res);
	for (i = 0; i < env->nrcpts; i++)
		env->rcpts[i].code = 0;
	if (env->eightbit && caps->esmtp && !caps->eightbitmime)
		return err_set(e, ERR_DATA, "the message has 8-bit octets and the "
		    "server does not offer 8BITMIME");
	if (env->eightbit && !caps->esmtp)
		return err_set(e, ERR_DATA, "the message has 8-bit octets and the "
		    "server does not speak ESMTP (no 8BITMIME)");
	if (env->smtputf8 && !caps->smtputf8)
		return err_set(e, ERR_DATA, "an address is not ASCII and the server "
		    "does not offer SMTPUTF8");
	if ((env->dsn_notify || env->dsn_ret || env->dsn_envid) && !caps->dsn)
		return err_set(e, ERR_UNAVAILABLE, "the server does not offer DSN "
		    "(asked for with -N, -R or -V)");
	if (caps->size && caps->size_max > 0 && env->size > caps->size_max)
		return err_set(e, ERR_UNAVAILABLE, "the message (%llu octets) is "
		    "larger than the server accepts (SIZE %llu)", env->size,
		    caps->size_max);

	/* A small message goes with its envelope; a large one waits for the
	 * recipients, so that a refusal costs no upload. */
	if (batch_data && caps->chunking && env->size > 0 && env->size <= SMTP_BDAT_MAX) {
		if ((bdat_buf = malloc(SMTP_BDAT_MAX)) == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		bdat_len = smtp_body_all(body, arg, bdat_buf, SMTP_BDAT_MAX, e);
		if (bdat_len == -1)
			goto out;
		if (bdat_len == -2) {
			err_set(e, ERR_INTERNAL, "the message is longer than its size");
			goto out;
		}
		bdat = true;
	}

	if (smtp_send_mail(c, caps, env, e) < 0)
		goto out;
	if (!pipe && (conn_flush(c, e) < 0 || smtp_read_reply(c, &mail, NULL, NULL, e) < 0))
		goto out;
	for (i = 0; i < env->nrcpts; i++) {
		if (!pipe && mail.code / 100 != 2)
			break;
		if (smtp_send_rcpt(c, env, &env->rcpts[i], e) < 0)
			goto out;
		if (!pipe) {
			if (conn_flush(c, e) < 0 || smtp_read_reply(c, &r, NULL, NULL, e) < 0)
				goto out;
			smtp_store_reply(&env->rcpts[i], &r);
		}
	}
	if (batch_data) {
		if (bdat) {
			if (conn_sendf(c, e, "BDAT %zd LAST", bdat_len) < 0 ||
			    conn_write(c, bdat_buf, (size_t)bdat_len, e) < 0)
				goto out;
			trace_note(conn_trace(c), "message of %zd octets", bdat_len);
		} else if (conn_send_line(c, "DATA", 4, e) < 0) {
			goto out;
		}
	}
	if (conn_flush(c, e) < 0)
		goto out;
	if (pipe) {
		if (smtp_read_reply(c, &mail, NULL, NULL, e) < 0)
			goto out;
		for (i = 0; i < env->nrcpts; i++) {
			if (smtp_read_reply(c, &r, NULL, NULL, e) < 0)
				goto out;
			smtp_store_reply(&env->rcpts[i], &r);
		}
	}
	mail_ok = mail.code / 100 == 2;
	for (i = 0; i < env->nrcpts; i++) {
		/* After a refused MAIL the RCPT replies ("503 need MAIL")
		 * say nothing about the recipients. */
		if (!mail_ok)
			env->rcpts[i].code = 0;
		res->accepted += env->rcpts[i].code / 100 == 2;
	}
	started = mail_ok;

	if (batch_data) {
		/* The reply to DATA or BDAT follows the envelope's. */
		if (smtp_read_reply(c, &r, NULL, NULL, e) < 0)
			goto out;
		res->reply = r;
		if (!mail_ok) {
			res->reply = mail;
			smtp_sender_error(env, &mail, e);
			goto out;
		}
		if (res->accepted == 0) {
			smtp_rcpt_error(env, e);
			goto abandon;
		}
		if (bdat) {
			res->data_sent = true;
			if (r.code / 100 != 2) {
				smtp_reply_error("message refused", &r, e);
				goto out;
			}
			ret = 0;
			goto out;
		}
		if (r.code != 354) {
			smtp_reply_error("DATA refused", &r, e);
			goto abandon;
		}
	} else {
		if (!mail_ok) {
			res->reply = mail;
			smtp_sender_error(env, &mail, e);
			goto out;
		}
		if (res->accepted == 0 || (res->accepted < env->nrcpts && !env->partial)) {
			smtp_rcpt_error(env, e);
			goto abandon;
		}
		if (conn_send_line(c, "DATA", 4, e) < 0 || conn_flush(c, e) < 0 ||
		    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
			goto out;
		if (r.code != 354) {
			res->reply = r;
			smtp_reply_error("DATA refused", &r, e);
			goto abandon;
		}
	}
	if (smtp_send_data(c, body, arg, e) < 0)
		goto out;
	res->data_sent = true;
	if (smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		goto out;
	res->reply = r;
	if (r.code / 100 != 2) {
		smtp_reply_error("message refused", &r, e);
		goto out;
	}
	ret = 0;
	goto out;
abandon:
	/* Leave the server as we found it: no half transaction. */
	if (started) {
		struct mp_err ignored;
		(void)smtp_rset(c, &ignored);
	}
out:
	free(bdat_buf);
	return ret;
}

enum smtp_verdict
smtp_verdict_of(int code)
{
	switch (code) {
	case 250:
		return SMTP_DELIVERABLE;
	case 251:
		return SMTP_FORWARDED;
	case 252:
		return SMTP_UNKNOWN;
	case 500: case 502: case 504:
		return SMTP_UNSUPPORTED;
	case 551:
		return SMTP_NOT_LOCAL;
	case 553:
		return SMTP_AMBIGUOUS;
	}
	if (code / 100 == 4)
		return SMTP_UNKNOWN;
	if (code / 100 == 5)
		return SMTP_UNDELIVERABLE;
	return code / 100 == 2 ? SMTP_DELIVERABLE : SMTP_UNKNOWN;
}

const char *
smtp_verdict_name(enum smtp_verdict v)
{
	static const char *names[] = { "deliverable", "forwarded", "unknown",
	    "unsupported", "undeliverable", "not-local", "ambiguous" };

	return (size_t)v < sizeof names / sizeof names[0] ? names[v] : "unknown";
}

int
smtp_command(struct conn *c, const char *verb, const char *arg,
    struct smtp_reply *r, struct mp_err *e)
{
	if (arg != NULL && conn_check_arg(verb, arg, strlen(arg), e) < 0)
		return -1;
	if ((arg ? conn_sendf(c, e, "%s %s", verb, arg) :
	    conn_sendf(c, e, "%s", verb)) < 0 || conn_flush(c, e) < 0)
		return -1;
	return smtp_read_reply(c, r, NULL, NULL, e);
}

int
smtp_rset(struct conn *c, struct mp_err *e)
{
	struct smtp_reply r;

	if (conn_send_line(c, "RSET", 4, e) < 0 || conn_flush(c, e) < 0 ||
	    smtp_read_reply(c, &r, NULL, NULL, e) < 0)
		return -1;
	if (r.code / 100 != 2)
		return smtp_reply_error("RSET refused", &r, e);
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
