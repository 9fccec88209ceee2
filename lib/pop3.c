/* pop3: status and multi-line replies, commands. */
#include "pop3.h"
#include "sasl.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
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

/* The kind a -ERR implies by its RFC 2449/3206 response code, else dflt. */
static enum err_kind
pop3_err_kind(const char *text, enum err_kind dflt)
{
	static const struct {
		const char *code;
		enum err_kind kind;
	} codes[] = {
		{ "[IN-USE]", ERR_TEMP }, { "[LOGIN-DELAY]", ERR_TEMP },
		{ "[SYS/TEMP]", ERR_TEMP }, { "[SYS/PERM]", ERR_UNAVAILABLE },
		{ "[AUTH]", ERR_AUTH },
	};
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strncasecmp(text + 5, codes[i].code, strlen(codes[i].code)) == 0)
			return codes[i].kind;
	}
	return dflt;
}

/* What the start of a session of our own learns. */
struct pop3_start {
	struct conn *c;
	char text[256];		/* the last status line, sanitized */
	char stamp[256];	/* the greeting's APOP timestamp, or "" */
	bool capa;		/* CAPA answered */
	bool stls, sasl_plain, user;
};

/* Send line, read its status line into st->text. */
static int
pop3_start_cmd(struct pop3_start *st, const char *line, enum pop3_status *s,
    struct mp_err *e)
{
	const char *reply;
	size_t n;

	if (conn_send_line(st->c, line, strlen(line), e) < 0 ||
	    conn_flush(st->c, e) < 0 ||
	    pop3_read_status(st->c, s, &reply, &n, e) < 0)
		return -1;
	err_sanitize(st->text, sizeof st->text, reply, n);
	return 0;
}

/* The length of a CAPA line's first word (line[0..n) is not a string). */
static size_t
pop3_word(const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n);

	return sp != NULL ? (size_t)(sp - line) : n;
}

static int
pop3_start_capa_line(void *arg, const char *line, size_t n)
{
	struct pop3_start *st = arg;
	size_t w = pop3_word(line, n);

	/* Kept for later (conn_login_lines): PIPELINING seen here lets the
	 * first commands after login go out together. */
	conn_login_keep(st->c, line, n);

	if (w == 4 && strncasecmp(line, "STLS", 4) == 0)
		st->stls = true;
	else if (w == 4 && strncasecmp(line, "USER", 4) == 0)
		st->user = true;
	else if (w == 4 && strncasecmp(line, "SASL", 4) == 0) {
		/* "SASL PLAIN LOGIN ...": look for the word PLAIN. */
		for (size_t i = w; i + 5 <= n; i++) {
			if (strncasecmp(line + i, "PLAIN", 5) == 0 && line[i - 1] == ' ' &&
			    (i + 5 == n || line[i + 5] == ' '))
				st->sasl_plain = true;
		}
	}
	return 0;
}

static int
pop3_start_capa(struct pop3_start *st, struct mp_err *e)
{
	enum pop3_status s;

	st->capa = st->stls = st->sasl_plain = st->user = false;
	if (pop3_start_cmd(st, "CAPA", &s, e) < 0)
		return -1;
	if (s != POP3_OK)
		return 0;	/* an RFC 1939 server: USER and PASS, no STLS */
	st->capa = true;
	return pop3_read_multiline(st->c, true, pop3_start_capa_line, st, e);
}

/* The login: AUTH PLAIN when offered (or asked), APOP when asked, else
 * USER and PASS. */
static int
pop3_start_login(struct pop3_start *st, const char *user, const char *pw,
    struct mp_err *e)
{
	char line[1600], b64[SASL_PLAIN_MAX];
	enum pop3_status s = POP3_ERR;
	bool apop, plain = conn_login_mech(st->c, &apop);
	size_t pn = strlen(pw);
	int ret = -1;

	if (apop) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0, i;
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		EVP_MD_CTX *ctx;

		if (st->stamp[0] == '\0') {
			ret = err_set(e, ERR_UNAVAILABLE, "--auth APOP: the server's "
			    "greeting has no timestamp, so it does not do APOP");
			goto out;
		}
		/* RFC 1939 7: MD5 of the timestamp and the secret. */
		if ((ctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, st->stamp, strlen(st->stamp)) != 1 ||
		    EVP_DigestUpdate(ctx, pw, pn) != 1 ||
		    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
			EVP_MD_CTX_free(ctx);
			ret = err_set(e, ERR_INTERNAL, "MD5 for APOP failed");
			goto out;
		}
		EVP_MD_CTX_free(ctx);
		for (i = 0; i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		if (snprintf(line, sizeof line, "APOP %s %s", user, hex) >= (int)sizeof line) {
			ret = err_set(e, ERR_USAGE, "user name too long");
			goto out;
		}
		if (pop3_start_cmd(st, line, &s, e) < 0)
			goto out;
	} else if (plain || st->sasl_plain) {
		if (sasl_plain(user, pw, b64, sizeof b64, e) < 0)
			goto out;
		/* RFC 5034: the initial response goes with AUTH. */
		snprintf(line, sizeof line, "AUTH PLAIN %s", b64);
		if (pop3_start_cmd(st, line, &s, e) < 0)
			goto out;
	} else {
		if (snprintf(line, sizeof line, "USER %s", user) >= (int)sizeof line) {
			ret = err_set(e, ERR_USAGE, "user name too long");
			goto out;
		}
		if (pop3_start_cmd(st, line, &s, e) < 0)
			goto out;
		if (s == POP3_OK) {
			if (snprintf(line, sizeof line, "PASS %s", pw) >= (int)sizeof line) {
				ret = err_set(e, ERR_USAGE, "password too long");
				goto out;
			}
			if (pop3_start_cmd(st, line, &s, e) < 0)
				goto out;
		}
	}
	if (s == POP3_OK)
		ret = 0;
	else if (pop3_err_kind(st->text, ERR_AUTH) == ERR_TEMP)
		ret = err_set(e, ERR_TEMP, "login failed for now: %s", st->text);
	else
		ret = err_set(e, ERR_AUTH, "authentication failed for user '%s': %s",
		    user, st->text);
out:
	explicit_bzero(line, sizeof line);
	explicit_bzero(b64, sizeof b64);
	return ret;
}

int
pop3_start(struct conn *c, struct mp_err *e)
{
	struct pop3_start st = { .c = c };
	enum pop3_status s;
	const char *line, *user, *pw;
	size_t n;
	int ret;

	if (!conn_greeting_pending(c))
		return 0;
	if (pop3_read_status(c, &s, &line, &n, e) < 0)
		return -1;
	err_sanitize(st.text, sizeof st.text, line, n);
	if (s != POP3_OK)
		return err_set(e, pop3_err_kind(st.text, ERR_TEMP) == ERR_UNAVAILABLE ?
		    ERR_UNAVAILABLE : ERR_TEMP, "server refused: %s", st.text);
	{
		/* The APOP timestamp: "<...>" in the greeting. */
		const char *lt = memchr(line, '<', n), *gt;
		gt = lt != NULL ? memchr(lt, '>', n - (size_t)(lt - line)) : NULL;
		if (gt != NULL && (size_t)(gt - lt + 1) < sizeof st.stamp) {
			memcpy(st.stamp, lt, (size_t)(gt - lt + 1));
			st.stamp[gt - lt + 1] = '\0';
		}
	}
	if (conn_starttls_needed(c)) {
		if (pop3_start_capa(&st, e) < 0)
			return -1;
		if (!st.stls)
			return err_set(e, ERR_UNAVAILABLE, "the server does not offer "
			    "STLS: use pop3s:// or --insecure");
		if (pop3_start_cmd(&st, "STLS", &s, e) < 0)
			return -1;
		if (s != POP3_OK)
			return err_set(e, ERR_UNAVAILABLE, "STLS refused: %s", st.text);
		if (conn_starttls(c, e) < 0)
			return -1;
		st.capa = false;	/* may change with TLS */
	}
	if (!conn_login_pending(c, &user, &pw))
		return 0;
	ret = st.capa ? 0 : pop3_start_capa(&st, e);
	if (ret == 0)
		ret = pop3_start_login(&st, user, pw, e);
	conn_login_done(c);
	return ret;
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

/* ---- The maildrop */

bool
pop3_uidl_valid(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > POP3_UIDL_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	}
	return true;
}

static int
pop3_capa_line(void *arg, const char *line, size_t n)
{
	struct pop3_caps *caps = arg;
	size_t w = pop3_word(line, n);

#define POP3_CAP(word) (w == sizeof(word) - 1 && strncasecmp(line, word, w) == 0)
	if (POP3_CAP("PIPELINING"))
		caps->pipelining = true;
	else if (POP3_CAP("UIDL"))
		caps->uidl = true;
	else if (POP3_CAP("TOP"))
		caps->top = true;
	else if (POP3_CAP("RESP-CODES"))
		caps->resp_codes = true;
	else if (POP3_CAP("LOGIN-DELAY") && w < n)
		caps->login_delay = strtol(line + w + 1, NULL, 10);
#undef POP3_CAP
	return 0;
}

bool
pop3_offered_before(const struct conn *c, const char *cap)
{
	size_t len, n = strlen(cap);
	const char *p = conn_login_lines(c, &len), *end = p + len;

	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t w = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (w == n && strncasecmp(p, cap, n) == 0)
			return true;
		p += w + 1;
	}
	return false;
}

/* Read the reply to a CAPA already sent. */
static int
pop3_capa_read(struct conn *c, struct pop3_caps *caps, struct mp_err *e)
{
	enum pop3_status st;
	const char *line;
	size_t n;

	memset(caps, 0, sizeof *caps);
	caps->login_delay = -1;
	if (pop3_read_status(c, &st, &line, &n, e) < 0)
		return -1;
	if (st != POP3_OK)
		return 0;
	caps->capa = true;
	return pop3_read_multiline(c, true, pop3_capa_line, caps, e);
}

int
pop3_capa(struct conn *c, struct pop3_caps *caps, struct mp_err *e)
{
	if (conn_send_line(c, "CAPA", 4, e) < 0 || conn_flush(c, e) < 0)
		return -1;
	return pop3_capa_read(c, caps, e);
}

struct pop3_scanning {
	struct pop3_msg *msgs;
	size_t n;
	bool uidl;		/* reading UIDL (else LIST) */
	bool bad;
	char why[96];
};

/* "N SIZE" or "N UIDL" for message N of the scan. */
static int
pop3_scan_line(void *arg, const char *line, size_t n)
{
	struct pop3_scanning *sc = arg;
	unsigned long long num = 0, size = 0;
	size_t i = 0, start;
	struct pop3_msg *m;

	while (i < n && line[i] >= '0' && line[i] <= '9' && num <= UINT32_MAX)
		num = num * 10 + (unsigned)(line[i++] - '0');
	if (i == 0 || i == n || line[i] != ' ' || num < 1 || num > sc->n) {
		snprintf(sc->why, sizeof sc->why, "a %s line without a message "
		    "number of this maildrop", sc->uidl ? "UIDL" : "LIST");
		sc->bad = true;
		return 1;
	}
	m = &sc->msgs[num - 1];
	start = ++i;
	if (!sc->uidl) {
		while (i < n && line[i] >= '0' && line[i] <= '9' && size < UINT64_MAX / 10)
			size = size * 10 + (unsigned)(line[i++] - '0');
		if (i == start) {
			snprintf(sc->why, sizeof sc->why, "LIST line without a size");
			sc->bad = true;
			return 1;
		}
		m->size = size;
		return 0;
	}
	/* Some servers put more after the UIDL: the first word counts. */
	while (i < n && line[i] != ' ')
		i++;
	if (!pop3_uidl_valid(line + start, i - start)) {
		snprintf(sc->why, sizeof sc->why, "UIDL of message %llu is not 1 to "
		    "70 printable characters", num);
		sc->bad = true;
		return 1;
	}
	memcpy(m->uidl, line + start, i - start);
	m->uidl[i - start] = '\0';
	return 0;
}

int
pop3_scan(struct conn *c, bool pipelining, bool want_uidl, struct pop3_msg **msgs,
    size_t *n, bool *uidl_ok, struct mp_err *e)
{
	return pop3_capa_scan(c, NULL, pipelining, want_uidl, msgs, n, uidl_ok, e);
}

int
pop3_capa_scan(struct conn *c, struct pop3_caps *caps, bool pipelining,
    bool want_uidl, struct pop3_msg **msgs, size_t *n, bool *uidl_ok,
    struct mp_err *e)
{
	struct pop3_scanning sc = { 0 };
	enum pop3_status st;
	const char *line;
	size_t len, i;
	unsigned long long count = 0;
	char shown[120];
	int r;

	*msgs = NULL;
	*n = 0;
	*uidl_ok = false;
	if ((caps != NULL && conn_send_line(c, "CAPA", 4, e) < 0) ||
	    conn_send_line(c, "STAT", 4, e) < 0)
		return -1;
	/* With PIPELINING the listing goes out with STAT: one round trip. */
	if (pipelining && (conn_send_line(c, "LIST", 4, e) < 0 ||
	    (want_uidl && conn_send_line(c, "UIDL", 4, e) < 0)))
		return -1;
	if (conn_flush(c, e) < 0 || (caps != NULL && pop3_capa_read(c, caps, e) < 0) ||
	    pop3_read_status(c, &st, &line, &len, e) < 0)
		return -1;
	err_sanitize(shown, sizeof shown, line, len);
	if (st != POP3_OK)
		return err_set(e, pop3_err_kind(shown, ERR_TEMP), "STAT: %s", shown);
	for (i = 4; i < len && line[i] >= '0' && line[i] <= '9' && count < 10000000; i++)
		count = count * 10 + (unsigned)(line[i] - '0');
	if (i == 4 || count >= 10000000)
		return err_set(e, ERR_PROTOCOL, "unparsable STAT reply: '%s'", shown);
	if (count > 0 && (sc.msgs = calloc(count, sizeof *sc.msgs)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	sc.n = count;
	for (i = 0; i < count; i++)
		sc.msgs[i].num = (unsigned)(i + 1);
	for (int step = 0; step < (want_uidl ? 2 : 1); step++) {
		const char *verb = step == 0 ? "LIST" : "UIDL";
		if (!pipelining && (conn_send_line(c, verb, 4, e) < 0 ||
		    conn_flush(c, e) < 0))
			goto fail;
		if (pop3_read_status(c, &st, &line, &len, e) < 0)
			goto fail;
		if (st != POP3_OK) {
			err_sanitize(shown, sizeof shown, line, len);
			if (step == 1)
				break;		/* no UIDL: *uidl_ok stays false */
			/* A refusal, as for STAT: not a garbled reply. */
			err_set(e, pop3_err_kind(shown, ERR_TEMP), "LIST: %s", shown);
			goto fail;
		}
		sc.uidl = step == 1;
		r = pop3_read_multiline(c, false, pop3_scan_line, &sc, e);
		if (r < 0)
			goto fail;
		if (sc.bad) {
			/* Read the rest so the session stays in step. */
			err_set(e, ERR_PROTOCOL, "%s", sc.why);
			goto fail;
		}
		if (step == 1)
			*uidl_ok = true;
	}
	*msgs = sc.msgs;
	*n = sc.n;
	return 0;
fail:
	free(sc.msgs);
	return -1;
}

void
pop3_queue_init(struct pop3_queue *q, struct conn *c, size_t window)
{
	memset(q, 0, sizeof *q);
	q->c = c;
	q->window = window < 1 ? 1 : window > POP3_QUEUE_MAX ? POP3_QUEUE_MAX : window;
}

bool
pop3_queue_room(const struct pop3_queue *q)
{
	return q->len < q->window;
}

int
pop3_queue_send(struct pop3_queue *q, enum pop3_kind kind, unsigned num,
    unsigned lines, struct mp_err *e)
{
	size_t at;

	if (!pop3_queue_room(q))
		return err_set(e, ERR_INTERNAL, "POP3 queue full");
	switch (kind) {
	case POP3_Q_RETR:
		if (conn_sendf(q->c, e, "RETR %u", num) < 0)
			return -1;
		break;
	case POP3_Q_TOP:
		if (conn_sendf(q->c, e, "TOP %u %u", num, lines) < 0)
			return -1;
		break;
	case POP3_Q_DELE:
		if (conn_sendf(q->c, e, "DELE %u", num) < 0)
			return -1;
		break;
	case POP3_Q_NOOP:
		if (conn_send_line(q->c, "NOOP", 4, e) < 0)
			return -1;
		break;
	case POP3_Q_QUIT:
		if (conn_send_line(q->c, "QUIT", 4, e) < 0)
			return -1;
		break;
	}
	at = (q->head + q->len) % POP3_QUEUE_MAX;
	q->q[at].kind = kind;
	q->q[at].num = num;
	q->len++;
	return 0;
}

int
pop3_queue_next(struct pop3_queue *q, enum pop3_kind *kind, unsigned *num,
    enum pop3_status *st, char *text, size_t cap, struct mp_err *e)
{
	const char *line;
	size_t n;

	if (q->len == 0)
		return err_set(e, ERR_INTERNAL, "no POP3 command in flight");
	if (conn_flush(q->c, e) < 0 || pop3_read_status(q->c, st, &line, &n, e) < 0)
		return -1;
	if (*st == POP3_CONT)
		return err_set(e, ERR_PROTOCOL, "unexpected '+' continuation");
	err_sanitize(text, cap, line, n);
	*kind = q->q[q->head].kind;
	*num = q->q[q->head].num;
	q->head = (q->head + 1) % POP3_QUEUE_MAX;
	q->len--;
	return 0;
}
