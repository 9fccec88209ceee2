/* imap: response framing and commands. */
#include "imap.h"
#include "dirs.h"
#include "imap_utf7.h"
#include "sasl.h"

#include <openssl/evp.h>
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define IMAP_LITERAL_CHUNK (64 * 1024)

static enum imap_status
imap_status_word(const char *w, size_t n)
{
	static const struct {
		const char *word;
		enum imap_status st;
	} words[] = {
		{ "OK", IMAP_OK }, { "NO", IMAP_NO }, { "BAD", IMAP_BAD },
		{ "BYE", IMAP_BYE }, { "PREAUTH", IMAP_PREAUTH },
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (n == strlen(words[i].word) && strncasecmp(w, words[i].word, n) == 0)
			return words[i].st;
	}
	return IMAP_NONE;
}

int
imap_classify(const char *line, size_t n, struct imap_resp *r, struct mp_err *e)
{
	size_t i = 0, t, w;
	char shown[80];

	memset(r, 0, sizeof *r);
	while (i < n && line[i] != ' ')
		i++;
	t = i;
	if (t == 1 && line[0] == '+') {
		r->kind = IMAP_CONTINUATION;
		return 0;
	}
	if (i < n)
		i++;
	w = i;
	while (i < n && line[i] != ' ')
		i++;
	if (t == 1 && line[0] == '*') {
		r->kind = IMAP_UNTAGGED;
		r->status = imap_status_word(line + w, i - w);
		if (w < n)
			return 0;
		goto bad;
	}
	if (t == 0 || t >= sizeof r->tag)
		goto bad;
	r->kind = IMAP_TAGGED;
	memcpy(r->tag, line, t);
	r->tag[t] = '\0';
	r->status = imap_status_word(line + w, i - w);
	if (r->status == IMAP_OK || r->status == IMAP_NO || r->status == IMAP_BAD)
		return 0;
bad:
	err_sanitize(shown, sizeof shown, line, n);
	return err_set(e, ERR_PROTOCOL, "unparsable IMAP response: '%s'", shown);
}

int
imap_literal_at_end(const char *line, size_t n, uint64_t *size, bool *nonsync)
{
	size_t i, end;
	uint64_t v = 0;

	if (n < 3 || line[n - 1] != '}')
		return 0;
	end = n - 1;
	if (nonsync != NULL) {
		*nonsync = line[end - 1] == '+';
		if (*nonsync)
			end--;
	}
	i = end;
	while (i > 0 && isdigit((unsigned char)line[i - 1]))
		i--;
	if (i == 0 || line[i - 1] != '{')
		return 0;
	if (i == end)
		return -1;		/* "{}" */
	for (size_t j = i; j < end; j++) {
		unsigned d = (unsigned)(line[j] - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*size = v;
	return 1;
}

int
imap_read_response(struct conn *c, struct imap_resp *r, imap_piece_fn *fn,
    void *arg, struct mp_err *e)
{
	const char *line;
	size_t n;
	bool first = true;
	int ret;

	for (;;) {
		uint64_t left;
		int lit;

		if (conn_read_line(c, &line, &n, e) < 0)
			return -1;
		if (first) {
			if (imap_classify(line, n, r, e) < 0)
				return -1;
			first = false;
		}
		if (fn != NULL && (ret = fn(arg, IMAP_PIECE_TEXT, line, n)) != 0)
			return ret;
		if (r->kind == IMAP_CONTINUATION)
			return 0;
		lit = imap_literal_at_end(line, n, &left, NULL);
		if (lit == 0)
			return 0;
		if (lit < 0)
			return err_set(e, ERR_PROTOCOL, "bad literal size in IMAP "
			    "response");
		trace_note(conn_trace(c), "literal of %llu bytes",
		    (unsigned long long)left);
		while (left > 0) {
			const char *p;
			size_t got, want = left < IMAP_LITERAL_CHUNK ?
			    (size_t)left : IMAP_LITERAL_CHUNK;
			if (conn_read_some(c, want, &p, &got, e) < 0)
				return -1;
			left -= got;
			if (fn != NULL && (ret = fn(arg, IMAP_PIECE_LITERAL, p, got)) != 0)
				return ret;
		}
	}
}

/* ---- The start of a session of our own: greeting, STARTTLS, login */

#define IMAP_START_CAPS	4096

struct imap_start {
	struct conn *c;
	char caps[IMAP_START_CAPS];	/* from the last CAPABILITY seen */
	bool have_caps;
	char text[256];			/* the last line, sanitized */
	unsigned tagno;
};

static void imap_caps_from(char *caps, size_t cap, const struct imap_value *list);
static bool imap_caps_has(const char *caps, const char *cap);

/* Each line of the start is kept (conn_login_lines) and looked at for
 * capabilities. */
static int
imap_start_piece(void *arg, enum imap_piece kind, const char *p, size_t n)
{
	struct imap_start *st = arg;
	struct imap_response r;
	struct mp_err ignored;

	if (kind != IMAP_PIECE_TEXT)
		return 0;
	conn_login_keep(st->c, p, n);
	err_sanitize(st->text, sizeof st->text, p, n);
	if (memmem(p, n, "CAPABILITY", 10) == NULL ||
	    imap_parse_response(p, n, &r, &ignored) < 0)
		return 0;
	if (strcmp(r.code, "CAPABILITY") == 0) {
		imap_caps_from(st->caps, sizeof st->caps, &r.code_args);
		st->have_caps = true;
	} else if (strcmp(r.name, "CAPABILITY") == 0) {
		imap_caps_from(st->caps, sizeof st->caps, &r.data);
		st->have_caps = true;
	}
	imap_parse_free(&r);
	return 0;
}

/* Read responses up to the tagged reply to tag (or a continuation when
 * cont is set); r is that reply. */
static int
imap_start_wait(struct imap_start *st, const char *tag, bool cont,
    struct imap_resp *r, struct mp_err *e)
{
	for (;;) {
		if (imap_read_response(st->c, r, imap_start_piece, st, e) < 0)
			return -1;
		if (r->kind == IMAP_TAGGED && strcmp(r->tag, tag) == 0)
			return 0;
		if (r->kind == IMAP_CONTINUATION && cont)
			return 0;
		if (r->kind == IMAP_UNTAGGED && r->status == IMAP_BYE)
			return err_set(e, ERR_TEMP, "server closed the session: %s",
			    st->text);
		if (r->kind != IMAP_UNTAGGED)
			return err_set(e, ERR_PROTOCOL, "unexpected IMAP response: %s",
			    st->text);
	}
}

/* Send "TAG verb" and read up to its tagged reply. */
static int
imap_start_cmd(struct imap_start *st, const char *verb, struct imap_resp *r,
    struct mp_err *e)
{
	char tag[16];

	snprintf(tag, sizeof tag, "A%03u", ++st->tagno);
	if (conn_sendf(st->c, e, "%s %s", tag, verb) < 0 || conn_flush(st->c, e) < 0)
		return -1;
	return imap_start_wait(st, tag, false, r, e);
}

static int
imap_start_caps(struct imap_start *st, struct mp_err *e)
{
	struct imap_resp r;

	if (st->have_caps)
		return 0;
	if (imap_start_cmd(st, "CAPABILITY", &r, e) < 0)
		return -1;
	if (r.status != IMAP_OK || !st->have_caps)
		return err_set(e, ERR_PROTOCOL, "CAPABILITY failed: %s", st->text);
	return 0;
}

/* A login argument as an atom, a quoted string, or a literal (waiting
 * for "+") when it has characters a quoted string cannot carry. Secrets
 * are not traced: the trace redacts LOGIN lines, and literals are not
 * traced. */
static int
imap_start_astring(struct imap_start *st, const char *tag, const char *s,
    char *line, size_t *len, size_t cap, struct mp_err *e)
{
	size_t n = strlen(s), i;
	bool quotable = true;
	struct imap_resp r;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f)
			quotable = false;
	}
	if (quotable && n > 0 && strcspn(s, "(){ %*\"\\]") == n) {
		if (*len + n + 2 > cap)
			return err_set(e, ERR_USAGE, "user name or password too long");
		line[(*len)++] = ' ';
		memcpy(line + *len, s, n);
		*len += n;
		return 0;
	}
	if (quotable) {
		if (*len + 2 * n + 4 > cap)
			return err_set(e, ERR_USAGE, "user name or password too long");
		line[(*len)++] = ' ';
		line[(*len)++] = '"';
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				line[(*len)++] = '\\';
			line[(*len)++] = s[i];
		}
		line[(*len)++] = '"';
		return 0;
	}
	/* The line so far goes out with the announcement; the literal
	 * follows after the server's "+". */
	int k = snprintf(line + *len, cap - *len, " {%zu}", n);
	if (k < 0 || (size_t)k >= cap - *len)
		return err_set(e, ERR_USAGE, "user name or password too long");
	*len += (size_t)k;
	if (conn_send_line(st->c, line, *len, e) < 0 || conn_flush(st->c, e) < 0)
		return -1;
	*len = 0;
	if (imap_start_wait(st, tag, true, &r, e) < 0)
		return -1;
	if (r.kind != IMAP_CONTINUATION)
		return err_set(e, ERR_AUTH, "login refused: %s", st->text);
	return conn_write(st->c, s, n, e);
}

static int
imap_start_login(struct imap_start *st, const char *user, const char *pw,
    struct mp_err *e)
{
	char tag[16], line[2048], b64[SASL_PLAIN_MAX];
	size_t len;
	struct imap_resp r;
	int ret = -1;

	snprintf(tag, sizeof tag, "A%03u", ++st->tagno);
	if (imap_caps_has(st->caps, "AUTH=PLAIN")) {
		if (sasl_plain(user, pw, b64, sizeof b64, e) < 0)
			return -1;
		if (imap_caps_has(st->caps, "SASL-IR")) {
			if (conn_sendf(st->c, e, "%s AUTHENTICATE PLAIN %s", tag, b64) < 0)
				goto out;
		} else {
			if (conn_sendf(st->c, e, "%s AUTHENTICATE PLAIN", tag) < 0 ||
			    conn_flush(st->c, e) < 0 ||
			    imap_start_wait(st, tag, true, &r, e) < 0)
				goto out;
			if (r.kind != IMAP_CONTINUATION)
				goto refused;
			if (conn_send_line(st->c, b64, strlen(b64), e) < 0)
				goto out;
		}
	} else if (imap_caps_has(st->caps, "LOGINDISABLED")) {
		ret = err_set(e, ERR_UNAVAILABLE, "the server allows no login here "
		    "(LOGINDISABLED, no AUTH=PLAIN)");
		goto out;
	} else {
		len = (size_t)snprintf(line, sizeof line, "%s LOGIN", tag);
		if (imap_start_astring(st, tag, user, line, &len, sizeof line, e) < 0 ||
		    imap_start_astring(st, tag, pw, line, &len, sizeof line, e) < 0)
			goto out;
		/* What is left of the line (maybe nothing after a literal). */
		if (len > 0 ? conn_send_line(st->c, line, len, e) < 0 :
		    conn_write(st->c, "\r\n", 2, e) < 0)
			goto out;
	}
	if (conn_flush(st->c, e) < 0 || imap_start_wait(st, tag, false, &r, e) < 0)
		goto out;
refused:
	if (r.kind == IMAP_TAGGED && r.status == IMAP_OK)
		ret = 0;
	else if (strstr(st->text, "[UNAVAILABLE]") != NULL)
		ret = err_set(e, ERR_TEMP, "login failed for now: %s", st->text);
	else
		ret = err_set(e, ERR_AUTH, "authentication failed for user '%s': %s",
		    user, st->text);
out:
	explicit_bzero(b64, sizeof b64);
	explicit_bzero(line, sizeof line);
	return ret;
}

int
imap_start(struct conn *c, struct mp_err *e)
{
	struct imap_start st = { .c = c };
	struct imap_resp r;
	const char *user, *pw;
	bool preauth;
	int ret;

	if (!conn_greeting_pending(c))
		return 0;
	if (imap_read_response(c, &r, imap_start_piece, &st, e) < 0)
		return -1;
	if (r.kind == IMAP_UNTAGGED && r.status == IMAP_BYE)
		return err_set(e, ERR_TEMP, "server refused the session: %s", st.text);
	if (r.kind != IMAP_UNTAGGED || (r.status != IMAP_OK && r.status != IMAP_PREAUTH))
		return err_set(e, ERR_PROTOCOL, "server greeting is not '* OK'");
	preauth = r.status == IMAP_PREAUTH;
	if (conn_starttls_needed(c)) {
		/* After PREAUTH there is no STARTTLS (RFC 3501 6.2.1). */
		if (preauth)
			return err_set(e, ERR_UNAVAILABLE, "the server greeted with "
			    "PREAUTH, so TLS cannot be started: use imaps:// or "
			    "--insecure");
		if (imap_start_caps(&st, e) < 0)
			return -1;
		if (!imap_caps_has(st.caps, "STARTTLS"))
			return err_set(e, ERR_UNAVAILABLE, "the server does not offer "
			    "STARTTLS: use imaps:// or --insecure");
		if (imap_start_cmd(&st, "STARTTLS", &r, e) < 0)
			return -1;
		if (r.status != IMAP_OK)
			return err_set(e, ERR_UNAVAILABLE, "STARTTLS refused: %s",
			    st.text);
		if (conn_starttls(c, e) < 0)
			return -1;
		st.have_caps = false;	/* they may change with TLS */
	}
	if (!conn_login_pending(c, &user, &pw))
		return 0;
	ret = preauth ? 0 : imap_start_caps(&st, e);
	if (ret == 0 && !preauth)
		ret = imap_start_login(&st, user, pw, e);
	conn_login_done(c);
	return ret;
}

void
imap_next_tag(unsigned *counter, char *buf, size_t cap)
{
	snprintf(buf, cap, "A%04u", ++*counter);
}

int
imap_logout(struct conn *c, unsigned *counter, struct mp_err *e)
{
	char tag[16];
	struct imap_resp r;
	struct mp_err ignored;

	imap_next_tag(counter, tag, sizeof tag);
	if (conn_sendf(c, e, "%s LOGOUT", tag) < 0 || conn_flush(c, e) < 0)
		return -1;
	/* After LOGOUT nothing is left to lose: a server that closes early
	 * is fine. */
	for (;;) {
		if (imap_read_response(c, &r, NULL, NULL, &ignored) < 0)
			return 0;
		if (r.kind == IMAP_TAGGED && strcmp(r.tag, tag) == 0)
			return 0;
	}
}

/* ---- The session */

#define IMAP_CAPS_MAX		4096
#define IMAP_QUOTED_MAX		1024	/* longer strings go as literals */

struct imap_literal {
	size_t start, len;		/* the literal's bytes in the command */
	bool sync;			/* wait for "+" before sending them */
	imap_literal_fn *fn;		/* a streamed literal's source, or NULL */
	void *arg;
	uint64_t size;			/* a streamed literal's length */
};

struct imap {
	struct conn *c;
	unsigned tagno;
	char caps[IMAP_CAPS_MAX];	/* as sent, space-separated */
	bool utf8;
	imap_untagged_fn *fn;
	void *fn_arg;
	imap_untagged_fn *tagged_fn;	/* sees tagged replies too */
	void *tagged_arg;
	struct imap_cmd *inflight[IMAP_INFLIGHT_MAX];
	size_t ninflight;
	/* The command being built: "TAG VERB ..." with literals inline. */
	char *cb;
	size_t cblen, cbcap;
	struct imap_literal lits[IMAP_CMD_LITERALS_MAX];
	size_t nlits;
	char cbtag[16];
	struct mp_err cberr;		/* first building error, or ERR_NONE */
	struct seqset *cbset;		/* for the reply's response code */
	/* The response being read. */
	char *rb;
	size_t rblen, rbcap;
	char *sb;			/* a streamed literal's chunk */
	bool cont;			/* a "+" arrived */
	/* Literals of at least spool_min octets in untagged responses go to
	 * a temporary file instead (imap_spool_literals). */
	uint64_t spool_min;		/* 0: never */
	int spool_fd;			/* -1 until first needed */
	uint64_t spool_len;		/* octets spooled for this response */
	bool spool_used;		/* this response spooled a literal */
	bool spool_now;			/* the literal being read goes there */
	struct mp_err spool_err;
	char bye[256];			/* the server's BYE text, sanitized */
	bool logged_out;
};

struct conn *
imap_conn(const struct imap *im)
{
	return im->c;
}

void
imap_set_handler(struct imap *im, imap_untagged_fn *fn, void *arg)
{
	im->fn = fn;
	im->fn_arg = arg;
}

void
imap_set_tagged_handler(struct imap *im, imap_untagged_fn *fn, void *arg)
{
	im->tagged_fn = fn;
	im->tagged_arg = arg;
}

const char *
imap_caps(const struct imap *im)
{
	return im->caps;
}

bool
imap_utf8(const struct imap *im)
{
	return im->utf8;
}

bool
imap_has_cap(const struct imap *im, const char *cap)
{
	return imap_caps_has(im->caps, cap);
}

static bool
imap_caps_has(const char *caps, const char *cap)
{
	size_t n = strlen(cap);
	const char *p = caps;

	while (*p != '\0') {
		size_t w = strcspn(p, " ");
		if (w == n && strncasecmp(p, cap, n) == 0)
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

/* Replace the capability list with the atoms of list. */
static void
imap_set_caps(struct imap *im, const struct imap_value *list)
{
	imap_caps_from(im->caps, sizeof im->caps, list);
}

static void
imap_caps_from(char *caps, size_t cap, const struct imap_value *list)
{
	size_t i, len = 0;

	caps[0] = '\0';
	for (i = 0; i < list->count; i++) {
		const struct imap_value *v = &list->items[i];
		if (v->type != IMAP_V_ATOM || len + v->len + 2 > cap)
			continue;
		if (len > 0)
			caps[len++] = ' ';
		memcpy(caps + len, v->str, v->len);
		len += v->len;
		caps[len] = '\0';
	}
}

/* Whether the literal announced at the end of this text piece goes to
 * the spool file: then the text kept says "{0}", an empty literal. */
static bool
imap_spool_take(struct imap *im, const char *p, size_t n, size_t *keep)
{
	uint64_t size;
	size_t i;

	bool untagged = im->rblen > 0 ? im->rb[0] == '*' : n > 0 && p[0] == '*';

	if (im->spool_min == 0 || im->spool_used || !untagged ||
	    imap_literal_at_end(p, n, &size, NULL) != 1 || size < im->spool_min)
		return false;
	if (im->spool_fd < 0 &&
	    (im->spool_fd = dirs_tempfile("a spool file", &im->spool_err)) < 0)
		return false;
	if (ftruncate(im->spool_fd, 0) < 0 || lseek(im->spool_fd, 0, SEEK_SET) < 0) {
		err_set(&im->spool_err, ERR_IO, "cannot reuse the spool file: %s",
		    strerror(errno));
		return false;
	}
	for (i = n; i > 0 && p[i - 1] != '{'; i--)
		;
	*keep = i - 1;	/* up to the '{' (or "~{") */
	if (*keep > 0 && p[*keep - 1] == '~')
		(*keep)--;
	im->spool_used = true;
	im->spool_len = 0;
	return true;
}

static int
imap_collect(void *arg, enum imap_piece kind, const char *p, size_t n)
{
	struct imap *im = arg;
	size_t need = n + (kind == IMAP_PIECE_TEXT ? 2 : 0);

	if (kind == IMAP_PIECE_LITERAL && im->spool_now) {
		if (dirs_write_all(im->spool_fd, p, n, "cannot spool a message",
		    &im->spool_err) < 0)
			return 3;
		im->spool_len += n;
		return 0;
	}
	if (kind == IMAP_PIECE_TEXT) {
		size_t keep;
		im->spool_now = false;
		if (im->spool_err.kind != ERR_NONE)
			return 3;
		if (imap_spool_take(im, p, n, &keep)) {
			/* The line up to the literal, then an empty one: "{0}". */
			if (imap_collect(im, IMAP_PIECE_LITERAL, p, keep) != 0 ||
			    imap_collect(im, IMAP_PIECE_TEXT, "{0}", 3) != 0)
				return 1;
			im->spool_now = true;
			return 0;
		}
		if (im->spool_err.kind != ERR_NONE)
			return 3;
	}

	if (im->rblen + need > IMAP_RESPONSE_MAX)
		return 1;
	if (im->rblen + need > im->rbcap) {
		size_t cap = im->rbcap ? im->rbcap : 16 * 1024;
		char *nb;
		while (cap < im->rblen + need)
			cap *= 2;
		if (cap > IMAP_RESPONSE_MAX)
			cap = IMAP_RESPONSE_MAX;
		if ((nb = realloc(im->rb, cap)) == NULL)
			return 2;
		im->rb = nb;
		im->rbcap = cap;
	}
	memcpy(im->rb + im->rblen, p, n);
	im->rblen += n;
	if (kind == IMAP_PIECE_TEXT) {
		memcpy(im->rb + im->rblen, "\r\n", 2);
		im->rblen += 2;
	}
	return 0;
}

static bool
imap_list_has_atom(const struct imap_value *list, const char *atom)
{
	size_t i, n = strlen(atom);

	for (i = 0; i < list->count; i++) {
		const struct imap_value *v = &list->items[i];
		if (v->type == IMAP_V_ATOM && v->len == n &&
		    strncasecmp(v->str, atom, n) == 0)
			return true;
	}
	return false;
}

static enum imap_status
imap_status_of(const char *word)
{
	return imap_status_word(word, strlen(word));
}

/* Complete the command waiting for r's tag. */
static int
imap_complete(struct imap *im, const struct imap_response *r, struct mp_err *e)
{
	size_t i;
	char shown[40];

	for (i = 0; i < im->ninflight; i++) {
		struct imap_cmd *cmd = im->inflight[i];
		if (strcmp(cmd->tag, r->tag) != 0)
			continue;
		cmd->status = imap_status_of(r->status);
		snprintf(cmd->code, sizeof cmd->code, "%s", r->code);
		if (r->code_args.count > 0 &&
		    r->code_args.items[0].type == IMAP_V_NUMBER)
			cmd->code_number = r->code_args.items[0].num;
		if (cmd->code_set != NULL && r->code_args.count > 0) {
			const struct imap_value *v =
			    &r->code_args.items[r->code_args.count - 1];
			struct mp_err pe;
			if ((v->type == IMAP_V_ATOM || v->type == IMAP_V_NUMBER) &&
			    seqset_parse(cmd->code_set, v->str, v->len, &pe) < 0)
				return err_set(e, pe.kind == ERR_INTERNAL ? ERR_INTERNAL :
				    ERR_PROTOCOL, "[%s] response code: %s", r->code, pe.text);
		}
		err_sanitize(cmd->text, sizeof cmd->text, r->text, r->text_len);
		memmove(im->inflight + i, im->inflight + i + 1,
		    (im->ninflight - i - 1) * sizeof im->inflight[0]);
		im->ninflight--;
		return 0;
	}
	err_sanitize(shown, sizeof shown, r->tag, strlen(r->tag));
	return err_set(e, ERR_PROTOCOL, "tagged reply '%s' to no command in "
	    "flight", shown);
}

/* Read one response and act on it: note capabilities and BYE, complete
 * a command, or hand an untagged response to the handler. */
static int
imap_pump(struct imap *im, struct mp_err *e)
{
	struct imap_resp rr;
	struct imap_response r;
	int ret;

	im->rblen = 0;
	im->spool_used = im->spool_now = false;
	ret = imap_read_response(im->c, &rr, imap_collect, im, e);
	if (ret == 3) {
		*e = im->spool_err;
		err_clear(&im->spool_err);
		return -1;
	}
	if (ret == 1)
		return err_set(e, ERR_PROTOCOL, "IMAP response longer than %d MiB",
		    IMAP_RESPONSE_MAX / (1024 * 1024));
	if (ret == 2)
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (ret < 0) {
		if (e->kind == ERR_TEMP && im->bye[0] != '\0' && !im->logged_out)
			err_set(e, ERR_TEMP, "server closed the session: %s", im->bye);
		return -1;
	}
	if (rr.kind == IMAP_CONTINUATION) {
		im->cont = true;
		return 0;
	}
	if (imap_parse_response(im->rb, im->rblen, &r, e) < 0) {
		char shown[64], why[sizeof e->text];
		const char *cr = memchr(im->rb, '\r', im->rblen);
		size_t n = cr != NULL ? (size_t)(cr - im->rb) : im->rblen;
		err_sanitize(shown, sizeof shown, im->rb, n);
		snprintf(why, sizeof why, "%s", e->text);
		return err_set(e, ERR_PROTOCOL, "malformed response '%s%s': %s", shown,
		    n >= sizeof shown ? "..." : "", why);
	}
	ret = 0;
	if (strcmp(r.code, "CAPABILITY") == 0)
		imap_set_caps(im, &r.code_args);
	if (r.kind == IMAP_R_TAGGED) {
		if (im->tagged_fn != NULL && im->tagged_fn(im->tagged_arg, &r, e) != 0)
			ret = -1;
		else
			ret = imap_complete(im, &r, e);
	} else {
		if (strcmp(r.status, "BYE") == 0)
			err_sanitize(im->bye, sizeof im->bye, r.text, r.text_len);
		else if (strcmp(r.name, "CAPABILITY") == 0)
			imap_set_caps(im, &r.data);
		else if (strcmp(r.name, "ENABLED") == 0 &&
		    imap_list_has_atom(&r.data, "UTF8=ACCEPT"))
			im->utf8 = true;
		if (im->fn != NULL && im->fn(im->fn_arg, &r, e) != 0)
			ret = -1;
	}
	imap_parse_free(&r);
	return ret;
}

/* ---- Building and sending commands */

static void
imap_cmd_put(struct imap *im, const char *p, size_t n)
{
	if (im->cberr.kind != ERR_NONE)
		return;
	if (im->cblen + n > IMAP_COMMAND_MAX) {
		err_set(&im->cberr, ERR_USAGE, "IMAP command longer than %d KiB",
		    IMAP_COMMAND_MAX / 1024);
		return;
	}
	if (im->cblen + n > im->cbcap) {
		size_t cap = im->cbcap ? im->cbcap : 1024;
		char *nb;
		while (cap < im->cblen + n)
			cap *= 2;
		if ((nb = realloc(im->cb, cap)) == NULL) {
			err_set(&im->cberr, ERR_INTERNAL, "out of memory");
			return;
		}
		im->cb = nb;
		im->cbcap = cap;
	}
	memcpy(im->cb + im->cblen, p, n);
	im->cblen += n;
}

static void imap_cmd_put_string(struct imap *im, const char *s, size_t n);

void
imap_cmd_begin(struct imap *im, const char *verb)
{
	im->cblen = 0;
	im->nlits = 0;
	im->cbset = NULL;
	err_clear(&im->cberr);
	imap_next_tag(&im->tagno, im->cbtag, sizeof im->cbtag);
	imap_cmd_put(im, im->cbtag, strlen(im->cbtag));
	imap_cmd_add(im, verb);
}

void
imap_cmd_code_set(struct imap *im, struct seqset *set)
{
	im->cbset = set;
}

void
imap_cmd_add(struct imap *im, const char *text)
{
	size_t n = strlen(text);

	if (im->cberr.kind == ERR_NONE &&
	    conn_check_arg("IMAP command", text, n, &im->cberr) < 0)
		return;
	imap_cmd_put(im, " ", 1);
	imap_cmd_put(im, text, n);
}

void
imap_cmd_string(struct imap *im, const char *s, size_t n)
{
	imap_cmd_put(im, " ", 1);
	imap_cmd_put_string(im, s, n);
}

/* s[0..n) as a quoted string or a literal, with no space before. */
static void
imap_cmd_put_string(struct imap *im, const char *s, size_t n)
{
	size_t i;
	bool quotable = n <= IMAP_QUOTED_MAX;
	char head[40];

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\0') {
			if (im->cberr.kind == ERR_NONE)
				err_set(&im->cberr, ERR_DATA, "NUL byte in an IMAP "
				    "string");
			return;
		}
		if (ch == '\r' || ch == '\n' || (ch >= 0x80 && !im->utf8))
			quotable = false;
	}
	if (quotable) {
		size_t start = 0;
		imap_cmd_put(im, "\"", 1);
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\') {
				imap_cmd_put(im, s + start, i - start);
				imap_cmd_put(im, "\\", 1);
				start = i;
			}
		}
		imap_cmd_put(im, s + start, n - start);
		imap_cmd_put(im, "\"", 1);
		return;
	}
	if (im->nlits == IMAP_CMD_LITERALS_MAX) {
		if (im->cberr.kind == ERR_NONE)
			err_set(&im->cberr, ERR_USAGE, "more than %d literals in one "
			    "IMAP command", IMAP_CMD_LITERALS_MAX);
		return;
	}
	/* RFC 7888: LITERAL+ for any size, LITERAL- up to 4096 octets. */
	bool nonsync = imap_has_cap(im, "LITERAL+") ||
	    (imap_has_cap(im, "LITERAL-") && n <= 4096);
	snprintf(head, sizeof head, "{%zu%s}", n, nonsync ? "+" : "");
	imap_cmd_put(im, head, strlen(head));
	memset(&im->lits[im->nlits], 0, sizeof im->lits[0]);
	im->lits[im->nlits].start = im->cblen;
	im->lits[im->nlits].len = n;
	im->lits[im->nlits].sync = !nonsync;
	im->nlits++;
	imap_cmd_put(im, s, n);
}

void
imap_cmd_literal_stream(struct imap *im, uint64_t size, imap_literal_fn *fn,
    void *arg)
{
	char head[40];
	struct imap_literal *l;
	bool nonsync;

	if (im->cberr.kind != ERR_NONE)
		return;
	if (im->nlits == IMAP_CMD_LITERALS_MAX) {
		err_set(&im->cberr, ERR_USAGE, "more than %d literals in one "
		    "IMAP command", IMAP_CMD_LITERALS_MAX);
		return;
	}
	nonsync = imap_has_cap(im, "LITERAL+") ||
	    (imap_has_cap(im, "LITERAL-") && size <= 4096);
	snprintf(head, sizeof head, " {%llu%s}", (unsigned long long)size,
	    nonsync ? "+" : "");
	imap_cmd_put(im, head, strlen(head));
	l = &im->lits[im->nlits++];
	l->start = im->cblen;
	l->len = 0;
	l->sync = !nonsync;
	l->fn = fn;
	l->arg = arg;
	l->size = size;
}

/* Send a streamed literal's octets, chunk by chunk. */
static int
imap_send_stream(struct imap *im, const struct imap_literal *l, struct mp_err *e)
{
	uint64_t left = l->size;

	if (im->sb == NULL && (im->sb = malloc(IMAP_LITERAL_CHUNK)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	trace_note(conn_trace(im->c), "literal of %llu bytes",
	    (unsigned long long)l->size);
	while (left > 0) {
		size_t want = left < IMAP_LITERAL_CHUNK ? (size_t)left :
		    IMAP_LITERAL_CHUNK, got = 0;
		if (l->fn(l->arg, im->sb, want, &got, e) < 0)
			return -1;
		if (got == 0 || got > want)
			return err_set(e, ERR_INTERNAL, "a literal's source gave %s "
			    "octets than announced", got == 0 ? "fewer" : "more");
		if (conn_write(im->c, im->sb, got, e) < 0)
			return -1;
		left -= got;
	}
	return 0;
}

void
imap_cmd_mailbox(struct imap *im, const char *name)
{
	char *wire = NULL;

	if (im->cberr.kind != ERR_NONE)
		return;
	if (im->utf8) {
		imap_cmd_string(im, name, strlen(name));
		return;
	}
	if (imap_utf7_encode(name, strlen(name), &wire, &im->cberr) < 0)
		return;
	imap_cmd_string(im, wire, strlen(wire));
	free(wire);
}

/* Read until a "+" arrives or cmd completes. */
static int
imap_await_continuation(struct imap *im, struct imap_cmd *cmd, struct mp_err *e)
{
	if (conn_flush(im->c, e) < 0)
		return -1;
	im->cont = false;
	while (!im->cont && cmd->status == IMAP_NONE) {
		if (imap_pump(im, e) < 0)
			return -1;
	}
	return 0;
}

int
imap_cmd_send(struct imap *im, struct imap_cmd *cmd, struct mp_err *e)
{
	size_t pos = 0, i;

	if (im->cberr.kind != ERR_NONE) {
		*e = im->cberr;
		return -1;
	}
	while (im->ninflight == IMAP_INFLIGHT_MAX) {
		if (conn_flush(im->c, e) < 0 || imap_pump(im, e) < 0)
			return -1;
	}
	memset(cmd, 0, sizeof *cmd);
	cmd->code_set = im->cbset;
	snprintf(cmd->tag, sizeof cmd->tag, "%s", im->cbtag);
	cmd->status = IMAP_NONE;
	im->inflight[im->ninflight++] = cmd;
	for (i = 0; i < im->nlits; i++) {
		const struct imap_literal *l = &im->lits[i];
		if (conn_send_line(im->c, im->cb + pos, l->start - pos, e) < 0)
			return -1;
		if (l->sync) {
			if (imap_await_continuation(im, cmd, e) < 0)
				return -1;
			if (cmd->status != IMAP_NONE)
				return 0;	/* refused before the literal */
		}
		if (l->fn != NULL) {
			if (imap_send_stream(im, l, e) < 0)
				return -1;
		} else {
			trace_note(conn_trace(im->c), "literal of %zu bytes", l->len);
			if (conn_write(im->c, im->cb + l->start, l->len, e) < 0)
				return -1;
		}
		pos = l->start + l->len;
	}
	/* After a literal the line may have nothing more than its end. */
	if (pos > 0 && pos == im->cblen)
		return conn_write(im->c, "\r\n", 2, e);
	return conn_send_line(im->c, im->cb + pos, im->cblen - pos, e);
}

int
imap_wait(struct imap *im, struct imap_cmd *cmd, struct mp_err *e)
{
	if (cmd->status == IMAP_NONE && conn_flush(im->c, e) < 0)
		return -1;
	while (cmd->status == IMAP_NONE) {
		if (imap_pump(im, e) < 0)
			return -1;
	}
	return 0;
}

int
imap_run(struct imap *im, struct imap_cmd *cmd, struct mp_err *e)
{
	if (imap_cmd_send(im, cmd, e) < 0)
		return -1;
	return imap_wait(im, cmd, e);
}

int
imap_cmd_error(const struct imap_cmd *cmd, const char *what,
    enum err_kind no_kind, enum err_kind bad_kind, struct mp_err *e)
{
	static const struct {
		const char *code;
		enum err_kind kind;
	} codes[] = {
		{ "NONEXISTENT", ERR_NOINPUT },
		{ "TRYCREATE", ERR_NOINPUT },
		{ "AUTHENTICATIONFAILED", ERR_AUTH },
		{ "AUTHORIZATIONFAILED", ERR_AUTH },
		{ "NOPERM", ERR_AUTH },
		{ "UNAVAILABLE", ERR_TEMP },
		{ "INUSE", ERR_TEMP },
		{ "LIMIT", ERR_TEMP },
		{ "OVERQUOTA", ERR_TEMP },
		{ "SERVERBUG", ERR_TEMP },
		{ "EXPUNGEISSUED", ERR_TEMP },
	};
	enum err_kind kind = cmd->status == IMAP_BAD ? bad_kind : no_kind;
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strcmp(cmd->code, codes[i].code) == 0)
			kind = codes[i].kind;
	}
	return err_set(e, kind, "%s: %s %s%s%s%s", what,
	    cmd->status == IMAP_BAD ? "BAD" : "NO",
	    cmd->code[0] ? "[" : "", cmd->code, cmd->code[0] ? "] " : "",
	    cmd->text);
}

/* ---- Opening and closing */

/* The capabilities in the reply to the login libcurl did, when the
 * server put them there ("A002 OK [CAPABILITY ...] Logged in"): the
 * ones before login may differ. */
static bool
imap_login_caps(struct imap *im)
{
	size_t len, n;
	const char *lines = conn_login_lines(im->c, &len), *last;
	struct imap_response r;
	struct mp_err ignored;
	bool found = false;

	if (lines == NULL || len == 0)
		return false;
	n = len;
	if (lines[n - 1] == '\n')
		n--;
	last = lines + n;
	while (last > lines && last[-1] != '\n')
		last--;
	if (imap_parse_response(last, (size_t)(lines + n - last), &r, &ignored) < 0)
		return false;
	if (r.kind == IMAP_R_TAGGED && strcmp(r.status, "OK") == 0 &&
	    strcmp(r.code, "CAPABILITY") == 0) {
		imap_set_caps(im, &r.code_args);
		found = true;
	}
	imap_parse_free(&r);
	return found;
}

int
imap_open(struct imap **imp, struct conn *c, struct mp_err *e)
{
	struct imap *im;
	struct imap_cmd cmd;

	*imp = NULL;
	if ((im = calloc(1, sizeof *im)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	im->c = c;
	im->spool_fd = -1;
	/* libcurl's tags ("A001") have another width: no clash. */
	*imp = im;
	if (!imap_login_caps(im)) {
		imap_cmd_begin(im, "CAPABILITY");
		if (imap_run(im, &cmd, e) < 0)
			return -1;
		if (cmd.status != IMAP_OK)
			return imap_cmd_error(&cmd, "CAPABILITY", ERR_PROTOCOL,
			    ERR_PROTOCOL, e);
	}
	if (imap_has_cap(im, "UTF8=ACCEPT") && imap_has_cap(im, "ENABLE")) {
		imap_cmd_begin(im, "ENABLE UTF8=ACCEPT");
		if (imap_run(im, &cmd, e) < 0)
			return -1;
		/* A refusal only means names stay in modified UTF-7. */
	}
	return 0;
}

void
imap_free(struct imap *im)
{
	if (im == NULL)
		return;
	if (im->spool_fd >= 0)
		close(im->spool_fd);
	free(im->cb);
	free(im->rb);
	free(im->sb);
	free(im);
}

void
imap_spool_literals(struct imap *im, uint64_t min)
{
	im->spool_min = min;
}

bool
imap_spooled(const struct imap *im, int *fd, uint64_t *size)
{
	if (!im->spool_used)
		return false;
	*fd = im->spool_fd;
	*size = im->spool_len;
	return true;
}

char *
imap_mailbox_name(const struct imap *im, const char *s, size_t n)
{
	char *out = NULL;
	struct mp_err ignored;

	if (!im->utf8 && imap_utf7_decode(s, n, &out, &ignored) == 0)
		return out;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

int
imap_close(struct imap *im, struct mp_err *e)
{
	if (im->logged_out)
		return 0;
	im->logged_out = true;
	return imap_logout(im->c, &im->tagno, e);
}

bool
imap_criteria_8bit(const struct imap *im, const char *text)
{
	const unsigned char *p;

	if (im->utf8)
		return false;
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p >= 0x80)
			return true;
	}
	return false;
}

void
imap_cmd_criteria(struct imap *im, const char *text)
{
	const char *p = text;
	int depth = 0;
	char *unq;
	size_t n, i;

	if (im->cberr.kind == ERR_NONE &&
	    conn_check_arg("search criteria", text, strlen(text), &im->cberr) < 0)
		return;
	if ((unq = malloc(strlen(text) + 1)) == NULL) {
		err_set(&im->cberr, ERR_INTERNAL, "out of memory");
		return;
	}
	imap_cmd_put(im, " ", 1);
	while (*p != '\0' && im->cberr.kind == ERR_NONE) {
		if (*p == ' ' || *p == '\t') {
			/* One space between tokens, none before ')'. */
			p += strspn(p, " \t");
			if (*p != '\0' && *p != ')' && im->cblen > 0 &&
			    im->cb[im->cblen - 1] != ' ' && im->cb[im->cblen - 1] != '(')
				imap_cmd_put(im, " ", 1);
			continue;
		}
		if (*p == '(' || *p == ')') {
			depth += *p == '(' ? 1 : -1;
			if (depth < 0)
				break;
			imap_cmd_put(im, p++, 1);
			continue;
		}
		if (*p == '"') {
			/* A quoted string: unescaped, then sent as a string. */
			n = 0;
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				unq[n++] = *p;
			}
			if (*p != '"') {
				err_set(&im->cberr, ERR_USAGE, "search criteria: "
				    "unterminated quoted string");
				break;
			}
			p++;
			imap_cmd_put_string(im, unq, n);
			continue;
		}
		n = strcspn(p, " \t\"()");
		for (i = 0; i < n && (unsigned char)p[i] < 0x80; i++)
			;
		/* 8-bit text cannot travel as an atom: as a string then. */
		if (i < n && !im->utf8)
			imap_cmd_put_string(im, p, n);
		else
			imap_cmd_put(im, p, n);
		p += n;
	}
	if (im->cberr.kind == ERR_NONE && depth != 0)
		err_set(&im->cberr, ERR_USAGE, "search criteria: unbalanced "
		    "parentheses");
	free(unq);
}
