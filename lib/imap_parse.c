/* imap_parse: an IMAP4rev1 response parser over bytes in memory. */
#include "imap_parse.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMAP_PARSE_BLOCK	(16 * 1024)
#define IMAP_PARSE_ALIGN	16
/* Block header size, rounded so that the data after it is aligned. */
#define IMAP_PARSE_HDR \
	((sizeof(struct imap_parse_arena) + IMAP_PARSE_ALIGN - 1) & \
	    ~(size_t)(IMAP_PARSE_ALIGN - 1))

/* The arena is a chain of blocks; each holds list items and unescaped
 * strings, and all are freed together. */
struct imap_parse_arena {
	struct imap_parse_arena *next;
	size_t size, used;
};

struct imap_parse_state {
	const char *buf;
	size_t n, pos;
	struct imap_parse_arena **arena;
	struct imap_value *stack;	/* values of the lists being parsed */
	size_t top, cap;
	size_t values;
	bool in_code;			/* inside [...]: ']' ends atoms */
	struct mp_err *e;
};

static int __attribute__((format(printf, 3, 4)))
imap_parse_fail(struct imap_parse_state *st, size_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	return err_set(st->e, ERR_PROTOCOL, "IMAP response: %s at offset %zu",
	    msg, off);
}

/* A byte for a message: 'x' when printable, else its hex value. */
static const char *
imap_parse_show(char *buf, size_t cap, unsigned char ch)
{
	if (ch > 0x20 && ch < 0x7f)
		snprintf(buf, cap, "'%c'", ch);
	else
		snprintf(buf, cap, "byte 0x%02x", ch);
	return buf;
}

static void *
imap_parse_alloc(struct imap_parse_state *st, size_t size)
{
	struct imap_parse_arena *b = *st->arena;
	unsigned char *p;

	size = (size + IMAP_PARSE_ALIGN - 1) & ~(size_t)(IMAP_PARSE_ALIGN - 1);
	if (b == NULL || b->size - b->used < size) {
		size_t want = size > IMAP_PARSE_BLOCK ? size : IMAP_PARSE_BLOCK;

		b = malloc(IMAP_PARSE_HDR + want);
		if (b == NULL) {
			err_set(st->e, ERR_INTERNAL, "out of memory");
			return NULL;
		}
		b->next = *st->arena;
		b->size = want;
		b->used = 0;
		*st->arena = b;
	}
	p = (unsigned char *)b + IMAP_PARSE_HDR + b->used;
	b->used += size;
	return p;
}

static int
imap_parse_push(struct imap_parse_state *st, const struct imap_value *v)
{
	if (st->values >= IMAP_PARSE_MAX_VALUES)
		return imap_parse_fail(st, st->pos, "more than %d values",
		    IMAP_PARSE_MAX_VALUES);
	if (st->top == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct imap_value *s = realloc(st->stack, cap * sizeof *s);

		if (s == NULL)
			return err_set(st->e, ERR_INTERNAL, "out of memory");
		st->stack = s;
		st->cap = cap;
	}
	st->stack[st->top++] = *v;
	st->values++;
	return 0;
}

/* Whether only the end of the response, or its final CRLF, is left. */
static bool
imap_parse_at_end(const struct imap_parse_state *st)
{
	size_t left = st->n - st->pos;

	return left == 0 || (left == 2 && st->buf[st->pos] == '\r' &&
	    st->buf[st->pos + 1] == '\n');
}

static bool
imap_parse_atom_char(const struct imap_parse_state *st, unsigned char ch)
{
	/* RFC 3501 ATOM-CHAR, plus the list wildcards (sequence sets such
	 * as 1:* in response codes) and 8-bit bytes that servers send in
	 * mailbox names; ']' only outside a response code. */
	if (ch <= 0x20 || ch == 0x7f)
		return false;
	if (ch == '(' || ch == ')' || ch == '{' || ch == '"' || ch == '\\')
		return false;
	return ch != ']' || !st->in_code;
}

/* Scan an atom from st->pos: an optional '\' (flags), atom characters,
 * and outside response codes a bracketed section spec taken whole
 * ("BODY[HEADER.FIELDS (FROM)]<0.100>"). */
static int
imap_parse_atom(struct imap_parse_state *st, size_t *end)
{
	size_t i = st->pos;

	if (i < st->n && st->buf[i] == '\\')
		i++;
	while (i < st->n) {
		unsigned char ch = (unsigned char)st->buf[i];

		if (ch == '[' && !st->in_code) {
			size_t open = i;

			for (i++; i < st->n && st->buf[i] != ']'; i++) {
				ch = (unsigned char)st->buf[i];
				if (ch == '\0' || ch == '\r' || ch == '\n')
					return imap_parse_fail(st, i, "byte 0x%02x "
					    "in a section spec", ch);
			}
			if (i == st->n)
				return imap_parse_fail(st, open, "unterminated '['");
			i++;
			continue;
		}
		if (!imap_parse_atom_char(st, ch))
			break;
		i++;
	}
	if (i == st->pos || (i == st->pos + 1 && st->buf[st->pos] == '\\')) {
		char shown[16];

		if (i == st->n)
			return imap_parse_fail(st, i, "value expected, end found");
		return imap_parse_fail(st, i, "unexpected %s", imap_parse_show(shown,
		    sizeof shown, (unsigned char)st->buf[i]));
	}
	*end = i;
	return 0;
}

/* Digits p[0..n) as a 64-bit number; -1 on overflow or a non-digit. */
static int
imap_parse_digits(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)((unsigned char)p[i] - '0');

		if (d > 9 || *v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	return 0;
}

/* Octets that need a second look inside a quoted string. */
static const bool imap_parse_quoted_special[256] = {
	['\0'] = true, ['\r'] = true, ['\n'] = true, ['\\'] = true, ['"'] = true,
};

static int
imap_parse_quoted(struct imap_parse_state *st, struct imap_value *v)
{
	size_t start = st->pos + 1, i, len = 0;
	bool escaped = false;
	char *out;

	/* Most strings have no escape or bad octet: found with memchr. */
	const char *q = memchr(st->buf + start, '"', st->n - start);
	if (q != NULL) {
		size_t span = (size_t)(q - (st->buf + start));
		const char *b = st->buf + start;
		if (memchr(b, '\\', span) == NULL && memchr(b, '\r', span) == NULL &&
		    memchr(b, '\n', span) == NULL && memchr(b, '\0', span) == NULL) {
			v->type = IMAP_V_STRING;
			v->len = span;
			v->str = b;
			st->pos = start + span + 1;
			return 0;
		}
	}
	for (i = start; i < st->n && st->buf[i] != '"'; i++, len++) {
		unsigned char ch = (unsigned char)st->buf[i];

		if (!imap_parse_quoted_special[ch])
			continue;
		if (ch == '\0')
			return imap_parse_fail(st, i, "NUL in a quoted string");
		if (ch == '\r' || ch == '\n')
			return imap_parse_fail(st, i, "line break in a quoted string");
		if (ch == '\\') {
			escaped = true;
			if (i + 1 == st->n) {
				i = st->n;
				break;
			}
			i++;
			if (st->buf[i] != '\\' && st->buf[i] != '"') {
				char shown[16];

				return imap_parse_fail(st, i, "bad escape \\%s in a "
				    "quoted string", imap_parse_show(shown, sizeof shown,
				    (unsigned char)st->buf[i]));
			}
		}
	}
	if (i >= st->n)
		return imap_parse_fail(st, st->pos, "unterminated quoted string");
	v->type = IMAP_V_STRING;
	v->len = len;
	st->pos = i + 1;
	if (!escaped) {
		v->str = st->buf + start;
		return 0;
	}
	/* Escapes only shrink the string: len bytes hold it unescaped. */
	if ((out = imap_parse_alloc(st, len + 1)) == NULL)
		return -1;
	for (i = start, len = 0; st->buf[i] != '"'; i++) {
		if (st->buf[i] == '\\')
			i++;
		out[len++] = st->buf[i];
	}
	out[len] = '\0';
	v->str = out;
	return 0;
}

/* A literal {n} or ~{n}: CRLF, then n bytes that must all be present. */
static int
imap_parse_literal(struct imap_parse_state *st, struct imap_value *v)
{
	size_t open = st->pos, i, digits;
	uint64_t size;

	if (st->buf[st->pos] == '~') {
		v->literal8 = true;
		st->pos++;
	}
	digits = st->pos + 1;
	for (i = digits; i < st->n && st->buf[i] >= '0' && st->buf[i] <= '9'; i++)
		;
	if (i == digits)
		return imap_parse_fail(st, open, "literal without a size");
	if (imap_parse_digits(st->buf + digits, i - digits, &size) < 0)
		return imap_parse_fail(st, open, "literal size over 2^64-1");
	if (i == st->n || st->buf[i] != '}')
		return imap_parse_fail(st, i, "literal size not closed by '}'");
	i++;
	if (st->n - i < 2 || st->buf[i] != '\r' || st->buf[i + 1] != '\n')
		return imap_parse_fail(st, i, "literal announcement not followed "
		    "by CRLF");
	i += 2;
	if (size > st->n - i)
		return imap_parse_fail(st, open, "literal of %llu octets but only "
		    "%zu present", (unsigned long long)size, st->n - i);
	v->type = IMAP_V_STRING;
	v->str = st->buf + i;
	v->len = (size_t)size;
	st->pos = i + (size_t)size;
	return 0;
}

static int imap_parse_list(struct imap_parse_state *st, char closer,
	int depth, struct imap_value *list);

/* Parse one value at st->pos and push it. */
static int
imap_parse_value(struct imap_parse_state *st, int depth)
{
	struct imap_value v;
	size_t end = 0;
	char ch;

	memset(&v, 0, sizeof v);
	if (st->pos == st->n)
		return imap_parse_fail(st, st->pos, "value expected, end found");
	ch = st->buf[st->pos];
	if (ch == '(') {
		if (depth >= IMAP_PARSE_MAX_DEPTH)
			return imap_parse_fail(st, st->pos, "lists nested deeper "
			    "than %d", IMAP_PARSE_MAX_DEPTH);
		st->pos++;
		if (imap_parse_list(st, ')', depth + 1, &v) < 0)
			return -1;
		return imap_parse_push(st, &v);
	}
	if (ch == '"') {
		if (imap_parse_quoted(st, &v) < 0)
			return -1;
		return imap_parse_push(st, &v);
	}
	if (ch == '{' || (ch == '~' && st->pos + 1 < st->n &&
	    st->buf[st->pos + 1] == '{')) {
		if (imap_parse_literal(st, &v) < 0)
			return -1;
		return imap_parse_push(st, &v);
	}
	if (ch == ')')
		return imap_parse_fail(st, st->pos, "unbalanced ')'");
	if (imap_parse_atom(st, &end) < 0)
		return -1;
	v.str = st->buf + st->pos;
	v.len = end - st->pos;
	if (v.str[0] >= '0' && v.str[0] <= '9') {
		size_t i;

		for (i = 0; i < v.len && v.str[i] >= '0' && v.str[i] <= '9'; i++)
			;
		if (i == v.len) {
			if (imap_parse_digits(v.str, v.len, &v.num) < 0)
				return imap_parse_fail(st, st->pos, "number over "
				    "2^64-1");
			/* The digits stay in str: a mailbox may be named
			 * "2024". */
			v.type = IMAP_V_NUMBER;
		}
	} else if (v.len == 3 && strncasecmp(v.str, "NIL", 3) == 0) {
		v.type = IMAP_V_NIL;
		v.str = NULL;
		v.len = 0;
	}
	st->pos = end;
	return imap_parse_push(st, &v);
}

/* Values separated by single spaces up to closer (')' or ']', consumed)
 * or, for closer '\0', the end of the response; into list. */
static int
imap_parse_list(struct imap_parse_state *st, char closer, int depth,
    struct imap_value *list)
{
	size_t base = st->top;
	char shown[16];

	if (closer != '\0' && st->pos < st->n && st->buf[st->pos] == closer) {
		st->pos++;
		goto done;
	}
	if (closer == '\0' && imap_parse_at_end(st))
		goto done;
	for (;;) {
		if (imap_parse_value(st, depth) < 0)
			return -1;
		if (closer != '\0' && st->pos < st->n && st->buf[st->pos] == closer) {
			st->pos++;
			break;
		}
		if (closer == '\0' && imap_parse_at_end(st))
			break;
		/* "((a b)(c d))": RFC 3501 writes address lists and
		 * multipart bodies as 1*address, lists with no space between. */
		if (st->pos < st->n && st->buf[st->pos] == '(' && st->top > base &&
		    st->stack[st->top - 1].type == IMAP_V_LIST)
			continue;
		if (st->pos < st->n && st->buf[st->pos] == ' ') {
			st->pos++;
			/* Tolerate a trailing space before the end. */
			if (closer == '\0' && imap_parse_at_end(st))
				break;
			continue;
		}
		if (st->pos == st->n || imap_parse_at_end(st))
			return imap_parse_fail(st, st->pos, "'%c' missing at the end",
			    closer);
		if (closer == '\0' && st->buf[st->pos] == ')')
			return imap_parse_fail(st, st->pos, "unbalanced ')'");
		return imap_parse_fail(st, st->pos, "expected a space, found %s",
		    imap_parse_show(shown, sizeof shown,
		    (unsigned char)st->buf[st->pos]));
	}
done:
	list->type = IMAP_V_LIST;
	list->count = st->top - base;
	list->items = NULL;
	if (list->count > 0) {
		list->items = imap_parse_alloc(st, list->count * sizeof *list->items);
		if (list->items == NULL)
			return -1;
		memcpy(list->items, st->stack + base, list->count * sizeof *list->items);
	}
	st->top = base;
	return 0;
}

/* An atom-character word at st->pos copied upper-cased into dst. */
static int
imap_parse_word(struct imap_parse_state *st, char *dst, size_t cap,
    const char *what)
{
	size_t i = st->pos, k;

	while (i < st->n && imap_parse_atom_char(st, (unsigned char)st->buf[i]) &&
	    st->buf[i] != '[')
		i++;
	if (i == st->pos) {
		char shown[16];

		if (i == st->n)
			return imap_parse_fail(st, i, "%s expected, end found", what);
		return imap_parse_fail(st, i, "%s expected, found %s", what,
		    imap_parse_show(shown, sizeof shown, (unsigned char)st->buf[i]));
	}
	if (i - st->pos >= cap)
		return imap_parse_fail(st, st->pos, "%s longer than %zu bytes", what,
		    cap - 1);
	for (k = 0; k < i - st->pos; k++) {
		char ch = st->buf[st->pos + k];
		dst[k] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
	}
	dst[k] = '\0';
	st->pos = i;
	return 0;
}

static int
imap_parse_space(struct imap_parse_state *st, const char *after)
{
	char shown[16];

	if (st->pos < st->n && st->buf[st->pos] == ' ') {
		st->pos++;
		return 0;
	}
	if (st->pos == st->n)
		return imap_parse_fail(st, st->pos, "space expected after %s, end "
		    "found", after);
	return imap_parse_fail(st, st->pos, "space expected after %s, found %s",
	    after, imap_parse_show(shown, sizeof shown,
	    (unsigned char)st->buf[st->pos]));
}

/* resp-text after a status: an optional space, [code args], text. */
static int
imap_parse_resp_text(struct imap_parse_state *st, struct imap_response *r)
{
	size_t i;

	if (!imap_parse_at_end(st)) {
		if (imap_parse_space(st, r->status[0] ? "the status" : "'+'") < 0)
			return -1;
	}
	if (st->pos < st->n && st->buf[st->pos] == '[') {
		st->pos++;
		st->in_code = true;
		if (imap_parse_word(st, r->code, sizeof r->code, "response code") < 0)
			return -1;
		if (st->pos < st->n && st->buf[st->pos] == ' ') {
			st->pos++;
			if (imap_parse_list(st, ']', 0, &r->code_args) < 0)
				return -1;
		} else if (st->pos < st->n && st->buf[st->pos] == ']') {
			st->pos++;
		} else {
			return imap_parse_fail(st, st->pos, "response code not closed "
			    "by ']'");
		}
		st->in_code = false;
		/* RFC 3501 wants a space and text; "[READ-WRITE]" alone is
		 * common. */
		if (st->pos < st->n && st->buf[st->pos] == ' ')
			st->pos++;
	}
	r->text = st->buf + st->pos;
	for (i = st->pos; i < st->n; i++) {
		unsigned char ch = (unsigned char)st->buf[i];

		if (ch == '\r' || ch == '\n' || ch == '\0') {
			st->pos = i;
			if (imap_parse_at_end(st))
				break;
			return imap_parse_fail(st, i, "byte 0x%02x in response text",
			    ch);
		}
	}
	r->text_len = (size_t)(st->buf + i - r->text);
	st->pos = i;
	return 0;
}

static bool
imap_parse_is_status(const char *w, bool tagged)
{
	static const char *const words[] = { "OK", "NO", "BAD", "BYE", "PREAUTH" };
	size_t i, n = tagged ? 3 : sizeof words / sizeof words[0];

	for (i = 0; i < n; i++) {
		if (strcmp(w, words[i]) == 0)
			return true;
	}
	return false;
}

static int
imap_parse_untagged(struct imap_parse_state *st, struct imap_response *r)
{
	char word[32];
	size_t at = st->pos;

	if (imap_parse_word(st, word, sizeof word, "response name") < 0)
		return -1;
	if (word[0] >= '0' && word[0] <= '9') {
		if (imap_parse_digits(word, strlen(word), &r->number) < 0)
			return imap_parse_fail(st, at, "bad message number '%s'",
			    word);
		r->has_number = true;
		if (imap_parse_space(st, "the number") < 0 ||
		    imap_parse_word(st, r->name, sizeof r->name, "response name") < 0)
			return -1;
	} else if (imap_parse_is_status(word, false)) {
		memcpy(r->status, word, strlen(word) + 1);
		return imap_parse_resp_text(st, r);
	} else {
		memcpy(r->name, word, strlen(word) + 1);
	}
	if (!imap_parse_at_end(st) && imap_parse_space(st, "the name") < 0)
		return -1;
	return imap_parse_list(st, '\0', 0, &r->data);
}

int
imap_parse_response(const char *buf, size_t n, struct imap_response *r,
    struct mp_err *e)
{
	struct imap_parse_state st;
	size_t i;
	int ret;

	memset(r, 0, sizeof *r);
	r->code_args.type = IMAP_V_LIST;
	r->data.type = IMAP_V_LIST;
	memset(&st, 0, sizeof st);
	st.buf = buf;
	st.n = n;
	st.arena = &r->arena;
	st.e = e;

	for (i = 0; i < n && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n'; i++)
		;
	if (i == 1 && buf[0] == '+') {
		r->kind = IMAP_R_CONTINUATION;
		st.pos = 1;
		ret = imap_parse_resp_text(&st, r);
	} else if (i == 1 && buf[0] == '*') {
		r->kind = IMAP_R_UNTAGGED;
		st.pos = 1;
		ret = imap_parse_space(&st, "'*'");
		if (ret == 0)
			ret = imap_parse_untagged(&st, r);
	} else {
		size_t k;

		r->kind = IMAP_R_TAGGED;
		for (k = 0; k < i; k++) {
			unsigned char ch = (unsigned char)buf[k];
			if (!imap_parse_atom_char(&st, ch) || ch == '+' || ch >= 0x80)
				break;
		}
		if (i == 0 || k < i)
			ret = imap_parse_fail(&st, k, "bad tag");
		else if (i >= sizeof r->tag)
			ret = imap_parse_fail(&st, 0, "tag longer than %zu bytes",
			    sizeof r->tag - 1);
		else {
			memcpy(r->tag, buf, i);
			r->tag[i] = '\0';
			st.pos = i;
			ret = imap_parse_space(&st, "the tag");
			if (ret == 0)
				ret = imap_parse_word(&st, r->status, sizeof r->status,
				    "status");
			if (ret == 0 && !imap_parse_is_status(r->status, true))
				ret = imap_parse_fail(&st, i + 1, "tagged response "
				    "with status '%s'", r->status);
			if (ret == 0)
				ret = imap_parse_resp_text(&st, r);
		}
	}
	free(st.stack);
	if (ret < 0)
		imap_parse_free(r);
	return ret;
}

void
imap_parse_free(struct imap_response *r)
{
	struct imap_parse_arena *b = r->arena, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	memset(r, 0, sizeof *r);
	r->code_args.type = IMAP_V_LIST;
	r->data.type = IMAP_V_LIST;
}

const struct imap_value *
imap_parse_find(const struct imap_value *list, const char *key)
{
	size_t i, klen;

	if (list == NULL || list->type != IMAP_V_LIST || key == NULL)
		return NULL;
	klen = strlen(key);
	/* Keys sit at even positions; a value equal to a key is no key. */
	for (i = 0; i + 1 < list->count; i += 2) {
		const struct imap_value *k = &list->items[i];

		if (k->type == IMAP_V_ATOM && k->len == klen &&
		    strncasecmp(k->str, key, klen) == 0)
			return &list->items[i + 1];
	}
	return NULL;
}

bool
imap_parse_owns(const struct imap_response *r, const char *p, size_t len)
{
	const struct imap_parse_arena *b;
	uintptr_t at = (uintptr_t)p;

	for (b = r->arena; b != NULL; b = b->next) {
		uintptr_t lo = (uintptr_t)b + IMAP_PARSE_HDR;

		if (at >= lo && at <= lo + b->used && len <= lo + b->used - at)
			return true;
	}
	return false;
}
