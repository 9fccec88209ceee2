/* msg: message scanning, header fields, addresses, paths, Date and
 * Message-ID. */
#include "msg.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#define MSG_SHOWN_MAX 60	/* octets of offending text quoted in errors */
#define MSG_DOMAIN_MAX 255
#define MSG_LABEL_MAX 63

/* What an error quotes: at most MSG_SHOWN_MAX octets of p[0..n), line
 * breaks and tabs as blanks, other control characters as '?', "..." when
 * cut (never inside a UTF-8 sequence). */
static void
msg_show(char *dst, size_t cap, const char *p, size_t n)
{
	size_t i, k = n, o = 0;
	bool cut = false;

	if (k > MSG_SHOWN_MAX) {
		k = MSG_SHOWN_MAX;
		while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
			k--;
		cut = true;
	}
	for (i = 0; i < k && o + 4 < cap; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r' || ch == '\n' || ch == '\t')
			dst[o++] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			dst[o++] = '?';
		else
			dst[o++] = (char)ch;
	}
	if (cut || i < k) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* The scanner. Every octet goes through msg_scan_octet's rules in order,
 * whatever the pieces, so the results do not depend on the split; only a
 * CR waits for the next octet. */

void
msg_scan_init(struct msg_scan *s, bool dot_ends)
{
	memset(s, 0, sizeof *s);
	s->want_dot = dot_ends;
	s->in_header = true;
	s->header_end = -1;
}

static int
msg_scan_fail(struct msg_scan *s, struct mp_err *e, const char *what)
{
	s->failed = true;
	return err_set(e, ERR_DATA, "line %lu: %s", s->lines + 1, what);
}

ssize_t
msg_scan_feed(struct msg_scan *s, const char *p, size_t n, struct mp_err *e)
{
	unsigned long long base = s->off;
	const char *cr_at, *nul_at;
	bool high = false;
	size_t i;

	if (s->failed)
		return err_set(e, ERR_DATA, "message scan already failed");
	if (s->done)
		return 0;
	/* Where the next CR and NUL are, and whether any octet of the piece
	 * has its high bit set: found once per piece, not per line. */
	cr_at = memchr(p, '\r', n);
	nul_at = memchr(p, '\0', n);
	if (!s->eightbit) {
		uint64_t acc = 0, w;
		size_t k = 0;
		for (; k + 8 <= n; k += 8) {
			memcpy(&w, p + k, 8);
			acc |= w;
		}
		for (; k < n; k++)
			acc |= (unsigned char)p[k];
		high = (acc & 0x8080808080808080ULL) != 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch;

		/* Fast path: a run of ordinary octets up to the next line end
		 * is taken in one step; anything unusual in it (a CR other
		 * than the one before LF, a NUL) goes octet by octet below. */
		if (!s->cr) {
			const char *nl = memchr(p + i, '\n', n - i);
			size_t end = nl ? (size_t)(nl - p) : n, len = end - i;
			bool crlf = nl != NULL && len > 0 && p[end - 1] == '\r';
			size_t body = crlf ? len - 1 : len;

			if (cr_at != NULL && cr_at < p + i)
				cr_at = memchr(p + i, '\r', n - i);
			if (nul_at != NULL && nul_at < p + i)
				nul_at = memchr(p + i, '\0', n - i);
			if (body > 0 && (cr_at == NULL || cr_at >= p + i + body) &&
			    (nul_at == NULL || nul_at >= p + i + body)) {
				if (s->col + body > MSG_LINE_MAX)
					goto slow;
				if (high && !s->eightbit) {
					size_t k;
					for (k = 0; k < body && !s->eightbit; k++)
						s->eightbit = (unsigned char)p[i + k] >= 0x80;
				}
				s->dot = s->col == 0 && body == 1 && p[i] == '.';
				s->col += body;
				i += body;
				if (crlf) {
					s->cr = true;
					i++;
				}
				if (i >= n)
					break;
			}
		}
slow:
		ch = (unsigned char)p[i];
		if (s->cr) {
			s->cr = false;
			if (ch != '\n')
				return msg_scan_fail(s, e, "bare CR");
		}
		if (ch == '\n') {
			if (s->want_dot && s->dot) {
				s->done = true;
				s->dot_ended = true;
				s->consumed = s->line_start;
				s->off = base + i + 1;
				/* What of this piece came before the "." line. */
				return (ssize_t)(s->line_start > base ?
				    s->line_start - base : 0);
			}
			s->lines++;
			s->size += s->col + 2;
			if (s->in_header && s->col == 0) {
				s->header_end = (long long)(base + i + 1);
				s->in_header = false;
			}
			s->col = 0;
			s->dot = false;
			s->line_start = base + i + 1;
		} else if (ch == '\r') {
			s->cr = true;
		} else if (ch == '\0') {
			return msg_scan_fail(s, e, "NUL byte");
		} else {
			if (ch >= 0x80)
				s->eightbit = true;
			s->dot = s->col == 0 && ch == '.';
			if (++s->col > MSG_LINE_MAX)
				return msg_scan_fail(s, e, "longer than 998 octets");
		}
	}
	s->off = base + n;
	return (ssize_t)n;
}

int
msg_scan_finish(struct msg_scan *s, struct mp_err *e)
{
	if (s->failed)
		return err_set(e, ERR_DATA, "message scan already failed");
	if (s->cr) {
		s->cr = false;
		return msg_scan_fail(s, e, "bare CR");
	}
	if (!s->done) {
		/* The last line lacks its end: it goes out with a CRLF. */
		if (s->col > 0) {
			s->lines++;
			s->size += s->col + 2;
			s->col = 0;
		}
		s->consumed = s->off;
		s->done = true;
	}
	if (s->consumed == 0) {
		s->failed = true;
		return err_set(e, ERR_DATA, "empty message");
	}
	return 0;
}

/* Header fields. */

static bool
msg_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool
msg_ascii_caseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return false;
	}
	return true;
}

static int
msg_headers_fail(struct msg_headers *h, struct mp_err *e, size_t line,
    const char *what)
{
	msg_headers_free(h);
	return err_set(e, ERR_DATA, "line %zu: %s", line, what);
}

int
msg_headers_parse(const char *buf, size_t n, struct msg_headers *h,
    struct mp_err *e)
{
	size_t pos = 0, line = 0, cap = 0;

	h->fields = NULL;
	h->count = 0;
	while (pos < n) {
		const char *nl = memchr(buf + pos, '\n', n - pos);
		size_t start = pos, end, next, i, name_end;
		struct msg_field *f;

		line++;
		end = nl != NULL ? (size_t)(nl - buf) : n;
		next = nl != NULL ? end + 1 : n;
		if (nl != NULL && end > start && buf[end - 1] == '\r')
			end--;
		if (memchr(buf + start, '\0', end - start) != NULL)
			return msg_headers_fail(h, e, line, "NUL byte");
		if (memchr(buf + start, '\r', end - start) != NULL)
			return msg_headers_fail(h, e, line, "bare CR");
		if (end == start)
			break;		/* the empty line: the body follows */
		pos = next;
		if (msg_is_blank(buf[start])) {
			if (h->count == 0)
				return msg_headers_fail(h, e, line,
				    "continuation line without a field");
			f = &h->fields[h->count - 1];
			f->len = next - f->start;
			f->value_len = end - (size_t)(f->value - buf);
			continue;
		}
		for (i = start; i < end && buf[i] > ' ' && buf[i] < 0x7f &&
		    buf[i] != ':'; i++)
			;
		name_end = i;
		while (i < end && msg_is_blank(buf[i]))
			i++;
		if (name_end == start || i == end || buf[i] != ':')
			return msg_headers_fail(h, e, line, "not a header field");
		if (h->count == MSG_FIELDS_MAX)
			return msg_headers_fail(h, e, line,
			    "more than 10000 header fields");
		if (h->count == cap) {
			size_t ncap = cap == 0 ? 16 : cap * 2;
			struct msg_field *nf;

			if (ncap > MSG_FIELDS_MAX)
				ncap = MSG_FIELDS_MAX;
			nf = realloc(h->fields, ncap * sizeof *nf);
			if (nf == NULL) {
				msg_headers_free(h);
				return err_set(e, ERR_INTERNAL, "out of memory");
			}
			h->fields = nf;
			cap = ncap;
		}
		for (i++; i < end && msg_is_blank(buf[i]); i++)
			;
		f = &h->fields[h->count++];
		f->name = buf + start;
		f->name_len = name_end - start;
		f->value = buf + i;
		f->value_len = end - i;
		f->start = start;
		f->len = next - start;
	}
	return 0;
}

void
msg_headers_free(struct msg_headers *h)
{
	free(h->fields);
	h->fields = NULL;
	h->count = 0;
}

long
msg_headers_next(const struct msg_headers *h, const char *name, size_t *from)
{
	size_t i, len = strlen(name);

	for (i = *from; i < h->count; i++) {
		const struct msg_field *f = &h->fields[i];

		if (f->name_len == len && msg_ascii_caseeq(f->name, name, len)) {
			*from = i + 1;
			return (long)i;
		}
	}
	return -1;
}

/* Address lists: a lexer that drops CFWS and yields atoms, quoted
 * strings, domain literals and specials, under a recursive descent
 * parser. */

enum msg_tok_kind {
	MSG_TOK_END,
	MSG_TOK_ATOM,
	MSG_TOK_QUOTED,
	MSG_TOK_LITERAL,
	MSG_TOK_SPECIAL,
};

struct msg_tok {
	enum msg_tok_kind kind;
	char ch;		/* MSG_TOK_SPECIAL: which */
	size_t start, end;	/* in the value */
};

struct msg_lex {
	const char *p;
	size_t n, pos;
	size_t elem;		/* where the list element being parsed starts */
	struct mp_err *e;
};

/* The address being assembled from its tokens. */
struct msg_addr {
	char buf[MSG_ADDR_MAX + 1];
	size_t len;
};

static int
msg_lex_fail(struct msg_lex *l, size_t from, const char *what)
{
	char shown[MSG_SHOWN_MAX + 8];

	msg_show(shown, sizeof shown, l->p + from, l->n - from);
	return err_set(l->e, ERR_DATA, "'%s': %s", shown, what);
}

static bool
msg_is_special(unsigned char ch)
{
	return ch != '\0' && strchr("()<>[]:;@\\,.\"", ch) != NULL;
}

static bool
msg_is_ctl(unsigned char ch)
{
	return ch < 0x20 || ch == 0x7f;
}

/* Skip a comment starting at l->pos, nested comments and quoted pairs
 * included. */
static int
msg_lex_comment(struct msg_lex *l)
{
	size_t i, depth = 0, start = l->pos;

	for (i = l->pos; i < l->n; i++) {
		char ch = l->p[i];

		if (ch == '\0')
			return msg_lex_fail(l, start, "NUL byte in a comment");
		if (ch == '\\') {
			i++;
		} else if (ch == '(') {
			depth++;
		} else if (ch == ')' && --depth == 0) {
			l->pos = i + 1;
			return 0;
		}
	}
	return msg_lex_fail(l, start, "unterminated comment");
}

/* A quoted string or domain literal from l->pos to its closing octet.
 * Folds inside are allowed (the copy drops their line breaks); a line
 * break that is not a fold, NUL and other control characters are not. */
static int
msg_lex_quoted(struct msg_lex *l, char close, struct msg_tok *t)
{
	const char *what = close == '"' ? "quoted string" : "domain literal";
	size_t i;
	char msg[64];

	for (i = l->pos + 1; i < l->n; i++) {
		unsigned char ch = (unsigned char)l->p[i];

		if (ch == (unsigned char)close) {
			t->end = l->pos = i + 1;
			return 0;
		}
		if (ch == '\r' || ch == '\n') {
			while (i + 1 < l->n && (l->p[i + 1] == '\r' ||
			    l->p[i + 1] == '\n'))
				i++;
			if (i + 1 < l->n && msg_is_blank(l->p[i + 1]))
				continue;
			snprintf(msg, sizeof msg, "line break in a %s", what);
			return msg_lex_fail(l, l->pos, msg);
		}
		if (ch == '\\') {
			if (i + 1 < l->n && (unsigned char)l->p[i + 1] != '\t' &&
			    msg_is_ctl((unsigned char)l->p[i + 1])) {
				snprintf(msg, sizeof msg,
				    "control character in a %s", what);
				return msg_lex_fail(l, l->pos, msg);
			}
			i++;
			continue;
		}
		if (ch != '\t' && msg_is_ctl(ch)) {
			snprintf(msg, sizeof msg, "control character in a %s", what);
			return msg_lex_fail(l, l->pos, msg);
		}
		if (close == ']' && ch == '[')
			return msg_lex_fail(l, l->pos, "'[' inside a domain literal");
	}
	snprintf(msg, sizeof msg, "unterminated %s", what);
	return msg_lex_fail(l, l->pos, msg);
}

static int
msg_lex_next(struct msg_lex *l, struct msg_tok *t)
{
	unsigned char ch;

	for (;;) {
		while (l->pos < l->n && (msg_is_blank(l->p[l->pos]) ||
		    l->p[l->pos] == '\r' || l->p[l->pos] == '\n'))
			l->pos++;
		if (l->pos == l->n || l->p[l->pos] != '(')
			break;
		if (msg_lex_comment(l) < 0)
			return -1;
	}
	t->start = t->end = l->pos;
	t->ch = '\0';
	if (l->pos == l->n) {
		t->kind = MSG_TOK_END;
		return 0;
	}
	ch = (unsigned char)l->p[l->pos];
	switch (ch) {
	case '"':
		t->kind = MSG_TOK_QUOTED;
		return msg_lex_quoted(l, '"', t);
	case '[':
		t->kind = MSG_TOK_LITERAL;
		return msg_lex_quoted(l, ']', t);
	case ')':
		return msg_lex_fail(l, l->pos, "')' without '('");
	case ']':
		return msg_lex_fail(l, l->pos, "']' without '['");
	case '\\':
		return msg_lex_fail(l, l->pos, "backslash outside quotes");
	case '<': case '>': case '@': case ',': case ':': case ';': case '.':
		t->kind = MSG_TOK_SPECIAL;
		t->ch = (char)ch;
		t->end = ++l->pos;
		return 0;
	}
	if (ch == '\0')
		return msg_lex_fail(l, l->pos, "NUL byte");
	if (msg_is_ctl(ch))
		return msg_lex_fail(l, l->pos, "control character");
	while (l->pos < l->n) {
		ch = (unsigned char)l->p[l->pos];
		if (ch == ' ' || msg_is_ctl(ch) || msg_is_special(ch))
			break;
		l->pos++;
	}
	t->kind = MSG_TOK_ATOM;
	t->end = l->pos;
	return 0;
}

static int
msg_lex_peek(struct msg_lex *l, struct msg_tok *t)
{
	if (msg_lex_next(l, t) < 0)
		return -1;
	l->pos = t->start;
	return 0;
}

static bool
msg_tok_is(const struct msg_tok *t, char ch)
{
	return t->kind == MSG_TOK_SPECIAL && t->ch == ch;
}

static bool
msg_tok_word(const struct msg_tok *t)
{
	return t->kind == MSG_TOK_ATOM || t->kind == MSG_TOK_QUOTED;
}

/* An error about token t in the current element. */
static int
msg_lex_unexpected(struct msg_lex *l, const struct msg_tok *t)
{
	char what[32];

	if (t->kind == MSG_TOK_END)
		return msg_lex_fail(l, l->elem, "unexpected end");
	if (t->kind != MSG_TOK_SPECIAL)
		return msg_lex_fail(l, l->elem, "unexpected word");
	if (t->ch == '>')
		return msg_lex_fail(l, l->elem, "'>' without '<'");
	snprintf(what, sizeof what, "unexpected '%c'", t->ch);
	return msg_lex_fail(l, l->elem, what);
}

/* Append the token's text, without the line breaks of folds. */
static int
msg_addr_put(struct msg_lex *l, struct msg_addr *a, const struct msg_tok *t)
{
	size_t i;

	for (i = t->start; i < t->end; i++) {
		if (l->p[i] == '\r' || l->p[i] == '\n')
			continue;
		if (a->len == MSG_ADDR_MAX)
			return msg_lex_fail(l, l->elem,
			    "address longer than 998 octets");
		a->buf[a->len++] = l->p[i];
	}
	return 0;
}

/* domain = dot-atom / domain-literal, CFWS between the pieces dropped. */
static int
msg_parse_domain(struct msg_lex *l, struct msg_addr *a)
{
	struct msg_tok t;

	if (msg_lex_next(l, &t) < 0)
		return -1;
	if (t.kind == MSG_TOK_LITERAL)
		return msg_addr_put(l, a, &t);
	if (t.kind != MSG_TOK_ATOM) {
		if (t.kind == MSG_TOK_QUOTED)
			return msg_lex_fail(l, l->elem, "quoted string in a domain");
		if (msg_tok_is(&t, '@'))
			return msg_lex_fail(l, l->elem, "'@' in the domain");
		if (t.kind == MSG_TOK_END || msg_tok_is(&t, ',') ||
		    msg_tok_is(&t, ';') || msg_tok_is(&t, '>'))
			return msg_lex_fail(l, l->elem, "empty domain");
		return msg_lex_unexpected(l, &t);
	}
	for (;;) {
		if (msg_addr_put(l, a, &t) < 0 || msg_lex_peek(l, &t) < 0)
			return -1;
		if (!msg_tok_is(&t, '.'))
			return 0;
		if (msg_lex_next(l, &t) < 0 || msg_addr_put(l, a, &t) < 0 ||
		    msg_lex_next(l, &t) < 0)
			return -1;
		if (t.kind != MSG_TOK_ATOM)
			return msg_lex_fail(l, l->elem, "empty label in a domain");
	}
}

/* addr-spec = local-part "@" domain; local-part = word *("." word). */
static int
msg_parse_addrspec(struct msg_lex *l, struct msg_addr *a)
{
	struct msg_tok t;

	for (;;) {
		if (msg_lex_next(l, &t) < 0)
			return -1;
		if (!msg_tok_word(&t)) {
			if (msg_tok_is(&t, '@'))
				return msg_lex_fail(l, l->elem, "empty local part");
			if (msg_tok_is(&t, '.'))
				return msg_lex_fail(l, l->elem,
				    "empty word in a local part");
			return msg_lex_unexpected(l, &t);
		}
		if (msg_addr_put(l, a, &t) < 0 || msg_lex_next(l, &t) < 0)
			return -1;
		if (msg_tok_is(&t, '@'))
			break;
		if (msg_tok_is(&t, '.')) {
			if (msg_addr_put(l, a, &t) < 0)
				return -1;
			continue;
		}
		if (msg_tok_word(&t))
			return msg_lex_fail(l, l->elem,
			    "blank in a local part (quote it)");
		if (t.kind == MSG_TOK_END || msg_tok_is(&t, ',') ||
		    msg_tok_is(&t, ';') || msg_tok_is(&t, '>'))
			return msg_lex_fail(l, l->elem, "no '@' in the address");
		return msg_lex_unexpected(l, &t);
	}
	if (msg_addr_put(l, a, &t) < 0)
		return -1;
	return msg_parse_domain(l, a);
}

/* After '<': [obs-route] addr-spec ">". The route keeps its "@domain"s,
 * the commas between them and its ':'. */
static int
msg_parse_angle(struct msg_lex *l, struct msg_addr *a)
{
	struct msg_tok t;
	bool route = false;

	if (msg_lex_peek(l, &t) < 0)
		return -1;
	if (msg_tok_is(&t, '>'))
		return msg_lex_fail(l, l->elem, "empty address '<>'");
	if (msg_tok_is(&t, '@') || msg_tok_is(&t, ',')) {
		for (;;) {
			if (msg_lex_next(l, &t) < 0)
				return -1;
			if (msg_tok_is(&t, ','))
				continue;
			if (msg_tok_is(&t, ':') && route)
				break;
			if (!msg_tok_is(&t, '@'))
				return msg_lex_fail(l, l->elem,
				    "malformed source route");
			if (route && a->len < MSG_ADDR_MAX)
				a->buf[a->len++] = ',';
			if (msg_addr_put(l, a, &t) < 0 ||
			    msg_parse_domain(l, a) < 0)
				return -1;
			route = true;
		}
		if (msg_addr_put(l, a, &t) < 0)
			return -1;
	}
	if (msg_parse_addrspec(l, a) < 0 || msg_lex_next(l, &t) < 0)
		return -1;
	if (msg_tok_is(&t, '>'))
		return 0;
	if (t.kind == MSG_TOK_END)
		return msg_lex_fail(l, l->elem, "'<' without '>'");
	return msg_lex_unexpected(l, &t);
}

/* One mailbox, or the start of a group ("name:") when *group is false:
 * then *group becomes true and nothing is passed to fn. */
static int
msg_parse_mailbox(struct msg_lex *l, bool *group, msg_addr_fn *fn, void *arg)
{
	struct msg_addr a;
	struct msg_tok t;
	size_t start = l->pos;

	a.len = 0;
	if (msg_lex_next(l, &t) < 0)
		return -1;
	if (msg_tok_word(&t) || msg_tok_is(&t, '.')) {
		/* A display name, a group's name or a local part: what
		 * follows the words tells. */
		do {
			if (msg_lex_next(l, &t) < 0)
				return -1;
		} while (msg_tok_word(&t) || msg_tok_is(&t, '.'));
		if (msg_tok_is(&t, ':')) {
			if (*group)
				return msg_lex_fail(l, l->elem,
				    "group inside a group");
			*group = true;
			return 0;
		}
		if (msg_tok_is(&t, '@')) {
			l->pos = start;
			if (msg_parse_addrspec(l, &a) < 0)
				return -1;
		} else if (!msg_tok_is(&t, '<')) {
			if (t.kind == MSG_TOK_END || msg_tok_is(&t, ',') ||
			    msg_tok_is(&t, ';'))
				return msg_lex_fail(l, l->elem,
				    "no '@' in the address");
			return msg_lex_unexpected(l, &t);
		}
	} else if (msg_tok_is(&t, '@')) {
		return msg_lex_fail(l, l->elem, "empty local part");
	} else if (!msg_tok_is(&t, '<')) {
		return msg_lex_unexpected(l, &t);
	}
	if (msg_tok_is(&t, '<') && msg_parse_angle(l, &a) < 0)
		return -1;
	a.buf[a.len] = '\0';
	return fn(arg, a.buf, a.len);
}

int
msg_addrlist(const char *value, size_t n, msg_addr_fn *fn, void *arg,
    struct mp_err *e)
{
	struct msg_lex l = { .p = value, .n = n, .e = e };
	struct msg_tok t;
	bool group = false, was_group;
	int r;

	for (;;) {
		if (msg_lex_peek(&l, &t) < 0)
			return -1;
		l.elem = t.start;
		if (t.kind == MSG_TOK_END)
			return 0;	/* a group left open at the end is fine */
		if (msg_tok_is(&t, ',')) {
			l.pos = t.end;
			continue;
		}
		if (msg_tok_is(&t, ';')) {
			if (!group)
				return msg_lex_fail(&l, l.elem,
				    "';' outside a group");
			l.pos = t.end;
			group = false;
		} else {
			was_group = group;
			if ((r = msg_parse_mailbox(&l, &group, fn, arg)) != 0)
				return r;
			if (group && !was_group)
				continue;
		}
		if (msg_lex_peek(&l, &t) < 0)
			return -1;
		if (t.kind != MSG_TOK_END && !msg_tok_is(&t, ',') &&
		    !(group && msg_tok_is(&t, ';'))) {
			if (msg_tok_word(&t) || msg_tok_is(&t, '<'))
				return msg_lex_fail(&l, l.elem,
				    "no ',' between addresses");
			if (msg_tok_is(&t, ';'))
				return msg_lex_fail(&l, l.elem,
				    "';' outside a group");
			return msg_lex_unexpected(&l, &t);
		}
	}
}

/* Envelope paths (RFC 5321 4.1.2, RFC 6531 for UTF-8). */

static bool
msg_utf8_valid(const unsigned char *p, size_t n)
{
	return utf8_valid(p, n);
}

static bool
msg_is_atext(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch >= 0x80 ||
	    (ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

static bool
msg_is_letdig(unsigned char ch, bool utf8)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (utf8 && ch >= 0x80);
}

/* A domain name: labels of letters, digits (and UTF-8 when utf8) and
 * inner hyphens. NULL when fine, else what is wrong. */
static const char *
msg_domain_name(const char *p, size_t n, bool utf8)
{
	size_t i, label = 0;

	if (n == 0)
		return "empty domain";
	if (n > MSG_DOMAIN_MAX)
		return "domain longer than 255 octets";
	for (i = 0; i <= n; i++) {
		unsigned char ch = i < n ? (unsigned char)p[i] : '.';

		if (ch == '.') {
			if (label == 0)
				return "empty label in the domain";
			if (p[i - 1] == '-')
				return "domain label ends with '-'";
			label = 0;
			continue;
		}
		if (++label > MSG_LABEL_MAX)
			return "domain label longer than 63 octets";
		if (ch == '-') {
			if (label == 1)
				return "domain label starts with '-'";
			continue;
		}
		if (msg_is_letdig(ch, utf8))
			continue;
		if (ch == '@')
			return "'@' in the domain";
		if (msg_is_blank((char)ch))
			return "blank outside a quoted local part";
		if (ch >= 0x80)
			return "non-ASCII octet in the domain";
		return "bad character in the domain";
	}
	return NULL;
}

/* [1.2.3.4] or [IPv6:...]. NULL when fine, else what is wrong. */
static const char *
msg_domain_literal(const char *p, size_t n)
{
	char v6[64];
	unsigned char a6[16];
	size_t i, parts = 0, digits = 0;
	unsigned val = 0;

	if (n < 2 || p[n - 1] != ']')
		return "unterminated address literal";
	p++;
	n -= 2;
	if (n >= 5 && msg_ascii_caseeq(p, "IPv6:", 5)) {
		if (n - 5 >= sizeof v6 || memchr(p + 5, '\0', n - 5) != NULL)
			return "bad IPv6 address literal";
		memcpy(v6, p + 5, n - 5);
		v6[n - 5] = '\0';
		if (inet_pton(AF_INET6, v6, a6) != 1)
			return "bad IPv6 address literal";
		return NULL;
	}
	for (i = 0; i <= n; i++) {
		char ch = i < n ? p[i] : '.';

		if (ch >= '0' && ch <= '9' && digits < 3) {
			val = val * 10 + (unsigned)(ch - '0');
			digits++;
		} else if (ch == '.' && digits > 0 && val <= 255) {
			parts++;
			digits = 0;
			val = 0;
		} else {
			return "bad address literal (IPv4 or IPv6: expected)";
		}
	}
	if (parts != 4)
		return "bad address literal (IPv4 or IPv6: expected)";
	return NULL;
}

static const char *
msg_domain(const char *p, size_t n, bool utf8)
{
	if (n > 0 && p[0] == '[')
		return msg_domain_literal(p, n);
	return msg_domain_name(p, n, utf8);
}

/* The local part at p[0..n) up to its '@': *len is its length. NULL when
 * fine, else what is wrong. */
static const char *
msg_local_part(const char *p, size_t n, size_t *len)
{
	size_t i;
	const char *at;

	if (n > 0 && p[0] == '"') {
		for (i = 1; i < n && p[i] != '"'; i++) {
			if (p[i] == '\\') {
				if (++i == n)
					break;
				if ((unsigned char)p[i] >= 0x80)
					return "non-ASCII octet after '\\'";
			}
		}
		if (i >= n)
			return "unterminated quoted local part";
		*len = i + 1;
		if (*len == n)
			return "no '@'";
		if (p[*len] != '@')
			return "text after the quoted local part";
		if (*len == 2)
			return "empty local part";
	} else {
		if ((at = memchr(p, '@', n)) == NULL)
			return "no '@'";
		*len = (size_t)(at - p);
		if (*len == 0)
			return "empty local part";
		for (i = 0; i < *len; i++) {
			unsigned char ch = (unsigned char)p[i];

			if (ch == '.') {
				if (i == 0 || i + 1 == *len || p[i + 1] == '.')
					return "misplaced '.' in the local part";
			} else if (msg_is_blank((char)ch)) {
				return "blank outside a quoted local part";
			} else if (!msg_is_atext(ch)) {
				return "bad character in the local part "
				    "(quote it)";
			}
		}
	}
	if (*len > MSG_LOCAL_MAX)
		return "local part longer than 64 octets";
	return NULL;
}

static int
msg_path_fail(struct mp_err *e, const char *addr, size_t n, const char *what)
{
	char shown[MSG_SHOWN_MAX + 8];

	msg_show(shown, sizeof shown, addr, n);
	return err_set(e, ERR_DATA, "'%s': %s", shown, what);
}

int
msg_path_check(const char *addr, size_t n, bool allow_null, struct mp_err *e)
{
	const char *why;
	size_t i, d, len;
	bool utf8 = false;

	if (n == 0) {
		if (allow_null)
			return MSG_PATH_NULL;
		return msg_path_fail(e, addr, n, "the null path is not allowed "
		    "here");
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)addr[i];

		if (ch == '\r')
			return msg_path_fail(e, addr, n, "contains a CR");
		if (ch == '\n')
			return msg_path_fail(e, addr, n, "contains a LF");
		if (ch == '\0')
			return msg_path_fail(e, addr, n, "contains a NUL byte");
		if (msg_is_ctl(ch))
			return msg_path_fail(e, addr, n,
			    "contains a control character");
		if (ch == '<' || ch == '>')
			return msg_path_fail(e, addr, n, "contains '<' or '>' "
			    "(give the address without angle brackets)");
		if (ch >= 0x80)
			utf8 = true;
	}
	if (n + 2 > MSG_PATH_MAX)
		return msg_path_fail(e, addr, n, "path longer than 256 octets");
	if (utf8 && !msg_utf8_valid((const unsigned char *)addr, n))
		return msg_path_fail(e, addr, n, "not valid UTF-8");
	i = 0;
	if (addr[0] == '@' && memchr(addr, ':', n) != NULL) {
		/* A source route "@ONE,@TWO:": domain names only. */
		for (;;) {
			if (i == n || addr[i] != '@')
				return msg_path_fail(e, addr, n,
				    "malformed source route");
			d = ++i;
			while (i < n && addr[i] != ',' && addr[i] != ':')
				i++;
			if (i == n)
				return msg_path_fail(e, addr, n,
				    "malformed source route");
			if ((why = msg_domain_name(addr + d, i - d, true)) != NULL)
				return msg_path_fail(e, addr, n, why);
			if (addr[i++] == ':')
				break;
		}
	}
	if ((why = msg_local_part(addr + i, n - i, &len)) != NULL)
		return msg_path_fail(e, addr, n, why);
	d = i + len + 1;
	if ((why = msg_domain(addr + d, n - d, true)) != NULL)
		return msg_path_fail(e, addr, n, why);
	return utf8 ? MSG_PATH_UTF8 : MSG_PATH_ASCII;
}

size_t
msg_path_strip(const char **addr, size_t n)
{
	const char *p = *addr;

	while (n > 0 && msg_is_blank(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && msg_is_blank(p[n - 1]))
		n--;
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
		p++;
		n -= 2;
		while (n > 0 && msg_is_blank(p[0])) {
			p++;
			n--;
		}
		while (n > 0 && msg_is_blank(p[n - 1]))
			n--;
	}
	*addr = p;
	return n;
}

/* Generated fields. */

size_t
msg_date(char *buf, size_t cap, time_t t)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm lt, ut;
	long off;
	int len, days_off;

	if (localtime_r(&t, &lt) == NULL || gmtime_r(&t, &ut) == NULL)
		return 0;
	if (lt.tm_year < 0 || lt.tm_year > 9999 - 1900 || lt.tm_wday < 0 ||
	    lt.tm_wday > 6 || lt.tm_mon < 0 || lt.tm_mon > 11)
		return 0;
	/* The offset from the two broken-down times, which needs no
	 * tm_gmtoff: they are at most a day apart. An offset with seconds
	 * (old local mean times) is cut to whole minutes, as strftime's %z
	 * does. */
	if (lt.tm_year != ut.tm_year)
		days_off = lt.tm_year < ut.tm_year ? -1 : 1;
	else
		days_off = lt.tm_yday - ut.tm_yday;
	off = days_off * 86400L + (lt.tm_hour - ut.tm_hour) * 3600L +
	    (lt.tm_min - ut.tm_min) * 60L + (lt.tm_sec - ut.tm_sec);
	len = snprintf(buf, cap, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[lt.tm_wday], lt.tm_mday, months[lt.tm_mon],
	    lt.tm_year + 1900, lt.tm_hour, lt.tm_min, lt.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 3600, labs(off) / 60 % 60);
	if (len < 0 || (size_t)len >= cap)
		return 0;
	return (size_t)len;
}

int
msg_message_id(char *buf, size_t cap, const char *domain, struct mp_err *e)
{
	unsigned char rnd[16];
	char hex[sizeof rnd * 2 + 1];
	const char *why;
	size_t i, got = 0, dn;
	time_t now;
	int len;

	if (domain == NULL)
		return err_set(e, ERR_DATA, "no domain for the Message-ID");
	dn = strlen(domain);
	if ((why = msg_domain(domain, dn, false)) != NULL)
		return msg_path_fail(e, domain, dn, why);
	while (got < sizeof rnd) {
		ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return err_set(e, ERR_INTERNAL, "getrandom: %s",
			    r < 0 ? strerror(errno) : "no data");
		got += (size_t)r;
	}
	for (i = 0; i < sizeof rnd; i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 0xf];
	}
	hex[sizeof hex - 1] = '\0';
	if ((now = time(NULL)) < 0)
		now = 0;
	len = snprintf(buf, cap, "<%s.%lld@%s>", hex, (long long)now, domain);
	if (len < 0 || (size_t)len >= cap)
		return err_set(e, ERR_INTERNAL, "Message-ID buffer too small");
	return 0;
}

int
msg_host_check(const char *name, struct mp_err *e)
{
	char probe[MSG_PATH_MAX + 8];
	int n = snprintf(probe, sizeof probe, "x@%s", name);

	if (n < 0 || (size_t)n >= sizeof probe ||
	    msg_path_check(probe, (size_t)n, false, e) != MSG_PATH_ASCII)
		return err_set(e, ERR_USAGE, "'%s' is not a host name", name);
	return 0;
}

void
msg_return_path(const char *hdr, size_t n, char *out, size_t cap)
{
	const char *p = hdr, *end = hdr + n;

	out[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			return;		/* the end of the header */
		if (len > 12 && strncasecmp(p, "Return-Path:", 12) == 0) {
			const char *a = p + 12, *lt, *gt;
			size_t an = len - 12;
			lt = memchr(a, '<', an);
			gt = lt ? memchr(lt, '>', an - (size_t)(lt - a)) : NULL;
			if (lt && gt && (size_t)(gt - lt - 1) < cap) {
				memcpy(out, lt + 1, (size_t)(gt - lt - 1));
				out[gt - lt - 1] = '\0';
			}
			return;
		}
		p = nl != NULL ? nl + 1 : end;
	}
}
