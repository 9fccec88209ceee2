/* uidlist: UIDs from lines of text, TSV or JSON Lines. */
#include "uidlist.h"
#include "utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One JSON object being read: line[0..n), at i. */
struct uidlist_json {
	const char *p;
	size_t n, i;
	unsigned long line;
	struct mp_err *e;
};

/* What a JSON line holds. */
struct uidlist_obj {
	uint32_t uid, uidvalidity;	/* 0 when absent */
	uint32_t dst_uid;		/* imapcopy's, 0 when absent */
	char *mailbox;			/* allocated, or NULL */
	bool has_uid, has_uidvalidity, has_dst_uid;
};

/* ERR_USAGE "line N: JSON: why at column C" (or "at end of line"). */
static int
uidlist_jerr(const struct uidlist_json *j, const char *why)
{
	if (j->i >= j->n)
		return err_set(j->e, ERR_USAGE, "line %lu: JSON: %s at end of line",
		    j->line, why);
	return err_set(j->e, ERR_USAGE, "line %lu: JSON: %s at column %zu",
	    j->line, why, j->i + 1);
}

static void
uidlist_ws(struct uidlist_json *j)
{
	while (j->i < j->n && (j->p[j->i] == ' ' || j->p[j->i] == '\t' ||
	    j->p[j->i] == '\r' || j->p[j->i] == '\n'))
		j->i++;
}

/* The length of the UTF-8 sequence at s (at most n octets, s[0] >=
 * 0x80), 0 when invalid: overlong, a surrogate, over U+10FFFF. */
static size_t
uidlist_utf8(const unsigned char *s, size_t n)
{
	uint32_t cp;

	return s[0] < 0x80 ? 0 : utf8_decode(s, n, &cp);
}

/* Four hex digits at p[at..at+4) into *v; -1 if not. */
static int
uidlist_hex4(const struct uidlist_json *j, size_t at, uint32_t *v)
{
	size_t k;

	*v = 0;
	if (at > j->n || j->n - at < 4)
		return -1;
	for (k = at; k < at + 4; k++) {
		char c = j->p[k];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Append octet c at out[*k] if it fits in cap; count it either way. */
static void
uidlist_put(char *out, size_t cap, size_t *k, unsigned char c)
{
	if (out != NULL && *k < cap)
		out[*k] = (char)c;
	(*k)++;
}

/* The JSON string at j->i (on its opening quote), unescaped to UTF-8:
 * at most cap octets go to out (NULL to only check and skip it), the
 * whole length to *len. */
static int
uidlist_str(struct uidlist_json *j, char *out, size_t cap, size_t *len)
{
	const unsigned char *p = (const unsigned char *)j->p;
	size_t k = 0;

	j->i++;
	for (;;) {
		uint32_t cp, lo;
		unsigned char c;

		if (j->i >= j->n)
			return uidlist_jerr(j, "unterminated string");
		c = p[j->i];
		if (c == '"') {
			j->i++;
			break;
		}
		if (c < 0x20)
			return uidlist_jerr(j, "control character in a string");
		if (c >= 0x80) {
			size_t l = uidlist_utf8(p + j->i, j->n - j->i), m;
			if (l == 0)
				return uidlist_jerr(j, "invalid UTF-8 in a string");
			for (m = 0; m < l; m++)
				uidlist_put(out, cap, &k, p[j->i + m]);
			j->i += l;
			continue;
		}
		if (c != '\\') {
			uidlist_put(out, cap, &k, c);
			j->i++;
			continue;
		}
		if (j->i + 1 >= j->n)
			return uidlist_jerr(j, "unterminated string");
		switch (p[j->i + 1]) {
		case '"':	c = '"'; break;
		case '\\':	c = '\\'; break;
		case '/':	c = '/'; break;
		case 'b':	c = '\b'; break;
		case 'f':	c = '\f'; break;
		case 'n':	c = '\n'; break;
		case 'r':	c = '\r'; break;
		case 't':	c = '\t'; break;
		case 'u':	c = 0; break;
		default:
			return uidlist_jerr(j, "bad escape in a string");
		}
		if (c != 0) {
			uidlist_put(out, cap, &k, c);
			j->i += 2;
			continue;
		}
		if (uidlist_hex4(j, j->i + 2, &cp) < 0)
			return uidlist_jerr(j, "bad \\u escape");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return uidlist_jerr(j, "lone surrogate in a \\u escape");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (j->i + 7 >= j->n || p[j->i + 6] != '\\' || p[j->i + 7] != 'u' ||
			    uidlist_hex4(j, j->i + 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
				return uidlist_jerr(j, "lone surrogate in a \\u escape");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			j->i += 6;
		}
		j->i += 6;
		if (cp < 0x80) {
			uidlist_put(out, cap, &k, (unsigned char)cp);
		} else if (cp < 0x800) {
			uidlist_put(out, cap, &k, (unsigned char)(0xc0 | cp >> 6));
			uidlist_put(out, cap, &k, (unsigned char)(0x80 | (cp & 0x3f)));
		} else if (cp < 0x10000) {
			uidlist_put(out, cap, &k, (unsigned char)(0xe0 | cp >> 12));
			uidlist_put(out, cap, &k, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
			uidlist_put(out, cap, &k, (unsigned char)(0x80 | (cp & 0x3f)));
		} else {
			uidlist_put(out, cap, &k, (unsigned char)(0xf0 | cp >> 18));
			uidlist_put(out, cap, &k, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
			uidlist_put(out, cap, &k, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
			uidlist_put(out, cap, &k, (unsigned char)(0x80 | (cp & 0x3f)));
		}
	}
	*len = k;
	return 0;
}

static bool
uidlist_digit(const struct uidlist_json *j)
{
	return j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9';
}

/* The JSON number at j->i: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
uidlist_num(struct uidlist_json *j)
{
	if (j->i < j->n && j->p[j->i] == '-')
		j->i++;
	if (!uidlist_digit(j))
		return uidlist_jerr(j, "bad number");
	if (j->p[j->i] == '0') {
		j->i++;
		if (uidlist_digit(j))
			return uidlist_jerr(j, "bad number (a leading 0)");
	} else {
		while (uidlist_digit(j))
			j->i++;
	}
	if (j->i < j->n && j->p[j->i] == '.') {
		j->i++;
		if (!uidlist_digit(j))
			return uidlist_jerr(j, "bad number");
		while (uidlist_digit(j))
			j->i++;
	}
	if (j->i < j->n && (j->p[j->i] == 'e' || j->p[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->p[j->i] == '+' || j->p[j->i] == '-'))
			j->i++;
		if (!uidlist_digit(j))
			return uidlist_jerr(j, "bad number");
		while (uidlist_digit(j))
			j->i++;
	}
	return 0;
}

static int uidlist_skip(struct uidlist_json *j, int depth);

/* The object or array at j->i, inside depth containers, skipped. */
static int
uidlist_skip_container(struct uidlist_json *j, int depth)
{
	char close = j->p[j->i] == '{' ? '}' : ']';
	size_t len;

	if (depth >= UIDLIST_DEPTH_MAX)
		return uidlist_jerr(j, "nested deeper than 32");
	j->i++;
	uidlist_ws(j);
	if (j->i < j->n && j->p[j->i] == close) {
		j->i++;
		return 0;
	}
	for (;;) {
		uidlist_ws(j);
		if (close == '}') {
			if (j->i >= j->n || j->p[j->i] != '"')
				return uidlist_jerr(j, "expected a key");
			if (uidlist_str(j, NULL, 0, &len) < 0)
				return -1;
			uidlist_ws(j);
			if (j->i >= j->n || j->p[j->i] != ':')
				return uidlist_jerr(j, "expected ':'");
			j->i++;
			uidlist_ws(j);
		}
		if (uidlist_skip(j, depth + 1) < 0)
			return -1;
		uidlist_ws(j);
		if (j->i < j->n && j->p[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->i < j->n && j->p[j->i] == close) {
			j->i++;
			return 0;
		}
		return uidlist_jerr(j, close == '}' ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	}
}

/* The value at j->i, inside depth containers, skipped. */
static int
uidlist_skip(struct uidlist_json *j, int depth)
{
	static const char *const lit[] = { "true", "false", "null" };
	size_t len, k;

	if (j->i >= j->n)
		return uidlist_jerr(j, "expected a value");
	switch (j->p[j->i]) {
	case '"':
		return uidlist_str(j, NULL, 0, &len);
	case '{':
	case '[':
		return uidlist_skip_container(j, depth);
	case '-':
		return uidlist_num(j);
	default:
		if (j->p[j->i] >= '0' && j->p[j->i] <= '9')
			return uidlist_num(j);
	}
	for (k = 0; k < sizeof lit / sizeof lit[0]; k++) {
		len = strlen(lit[k]);
		if (j->n - j->i >= len && memcmp(j->p + j->i, lit[k], len) == 0) {
			j->i += len;
			return 0;
		}
	}
	return uidlist_jerr(j, "expected a value");
}

/* The value of top-level member key at j->i: an integer 1..2^32-1. */
static int
uidlist_uint32(struct uidlist_json *j, const char *key, uint32_t *v)
{
	size_t start = j->i, k;
	uint64_t x = 0;

	if (j->i >= j->n || (j->p[j->i] != '-' && !uidlist_digit(j))) {
		if (uidlist_skip(j, 1) < 0)
			return -1;
		return err_set(j->e, ERR_USAGE, "line %lu: JSON: \"%s\" is not a number",
		    j->line, key);
	}
	if (uidlist_num(j) < 0)
		return -1;
	for (k = start; k < j->i && x <= UINT32_MAX; k++) {
		if (j->p[k] < '0' || j->p[k] > '9') {
			x = 0;
			break;
		}
		x = x * 10 + (uint64_t)(j->p[k] - '0');
	}
	if (x == 0 || x > UINT32_MAX)
		return err_set(j->e, ERR_USAGE, "line %lu: JSON: \"%s\" %.*s is not an "
		    "integer from 1 to 4294967295", j->line, key,
		    (int)(j->i - start > 40 ? 40 : j->i - start), j->p + start);
	*v = (uint32_t)x;
	return 0;
}

/* The "mailbox" value at j->i: a non-empty string without NUL, in
 * *out (allocated). */
static int
uidlist_mailbox(struct uidlist_json *j, char **out)
{
	size_t cap = j->n - j->i, len;
	char *s;

	if (j->i >= j->n || j->p[j->i] != '"') {
		if (uidlist_skip(j, 1) < 0)
			return -1;
		return err_set(j->e, ERR_USAGE, "line %lu: JSON: \"mailbox\" is not "
		    "a string", j->line);
	}
	/* Unescaped, a string is shorter than its quoted form. */
	if ((s = malloc(cap)) == NULL)
		return err_set(j->e, ERR_INTERNAL, "out of memory");
	if (uidlist_str(j, s, cap, &len) < 0) {
		free(s);
		return -1;
	}
	s[len] = '\0';
	if (len == 0 || memchr(s, '\0', len) != NULL) {
		free(s);
		return err_set(j->e, ERR_USAGE, "line %lu: JSON: \"mailbox\" is %s",
		    j->line, len == 0 ? "empty" : "a name with \\u0000");
	}
	*out = s;
	return 0;
}

/* The top-level object line[0..n) (blanks around it allowed) into o;
 * o->mailbox is allocated even when this fails. */
static int
uidlist_object(struct uidlist_json *j, struct uidlist_obj *o)
{
	uidlist_ws(j);
	if (j->i >= j->n || j->p[j->i] != '{')
		return uidlist_jerr(j, "expected '{'");
	j->i++;
	uidlist_ws(j);
	if (j->i < j->n && j->p[j->i] == '}') {
		j->i++;
	} else {
		for (;;) {
			char key[16];
			size_t len;
			int rc;

			uidlist_ws(j);
			if (j->i >= j->n || j->p[j->i] != '"')
				return uidlist_jerr(j, "expected a key");
			if (uidlist_str(j, key, sizeof key - 1, &len) < 0)
				return -1;
			key[len < sizeof key ? len : sizeof key - 1] = '\0';
			if (len >= sizeof key || strlen(key) != len)
				key[0] = '\0';	/* none of ours */
			uidlist_ws(j);
			if (j->i >= j->n || j->p[j->i] != ':')
				return uidlist_jerr(j, "expected ':'");
			j->i++;
			uidlist_ws(j);
			if (strcmp(key, "uid") == 0) {
				if (o->has_uid)
					return uidlist_jerr(j, "second \"uid\"");
				o->has_uid = true;
				rc = uidlist_uint32(j, key, &o->uid);
			} else if (strcmp(key, "dst_uid") == 0) {
				if (o->has_dst_uid)
					return uidlist_jerr(j, "second \"dst_uid\"");
				o->has_dst_uid = true;
				rc = uidlist_uint32(j, key, &o->dst_uid);
			} else if (strcmp(key, "uidvalidity") == 0) {
				if (o->has_uidvalidity)
					return uidlist_jerr(j, "second \"uidvalidity\"");
				o->has_uidvalidity = true;
				rc = uidlist_uint32(j, key, &o->uidvalidity);
			} else if (strcmp(key, "mailbox") == 0) {
				if (o->mailbox != NULL)
					return uidlist_jerr(j, "second \"mailbox\"");
				rc = uidlist_mailbox(j, &o->mailbox);
			} else {
				rc = uidlist_skip(j, 1);
			}
			if (rc < 0)
				return -1;
			uidlist_ws(j);
			if (j->i < j->n && j->p[j->i] == ',') {
				j->i++;
				continue;
			}
			if (j->i < j->n && j->p[j->i] == '}') {
				j->i++;
				break;
			}
			return uidlist_jerr(j, "expected ',' or '}'");
		}
	}
	uidlist_ws(j);
	if (j->i < j->n)
		return uidlist_jerr(j, "text after the object");
	/* imapcopy's rows name the copy (in "mailbox") by "dst_uid". */
	if (!o->has_uid && o->has_dst_uid) {
		o->uid = o->dst_uid;
		o->has_uid = true;
	}
	if (!o->has_uid)
		return err_set(j->e, ERR_USAGE, "line %lu: JSON: no \"uid\"", j->line);
	return 0;
}

static int
uidlist_json_line(struct uidlist *l, const char *line, size_t n, struct mp_err *e)
{
	struct uidlist_json j = { line, n, 0, l->lines, e };
	struct uidlist_obj o = { 0, 0, 0, NULL, false, false, false };

	if (uidlist_object(&j, &o) < 0)
		goto fail;
	if (o.uidvalidity != 0 && l->uidvalidity != 0 && o.uidvalidity != l->uidvalidity) {
		err_set(e, ERR_USAGE, "line %lu: uidvalidity %u differs from %u on an "
		    "earlier line", l->lines, o.uidvalidity, l->uidvalidity);
		goto fail;
	}
	if (o.mailbox != NULL && l->mailbox != NULL && strcmp(o.mailbox, l->mailbox) != 0) {
		err_set(e, ERR_USAGE, "line %lu: mailbox \"%.100s\" differs from "
		    "\"%.100s\" on an earlier line", l->lines, o.mailbox, l->mailbox);
		goto fail;
	}
	if (seqset_add(&l->set, o.uid, o.uid, e) < 0) {
		char why[sizeof e->text];
		memcpy(why, e->text, sizeof why);
		err_set(e, e->kind, "line %lu: %s", l->lines, why);
		goto fail;
	}
	if (o.uidvalidity != 0)
		l->uidvalidity = o.uidvalidity;
	if (l->mailbox == NULL) {
		l->mailbox = o.mailbox;
		o.mailbox = NULL;
	}
	free(o.mailbox);
	return 0;
fail:
	free(o.mailbox);
	return -1;
}

int
uidlist_line(struct uidlist *l, const char *line, size_t n, struct mp_err *e)
{
	size_t i = 0, before = l->set.n;
	const char *tab;

	l->lines++;
	if (n > UIDLIST_LINE_MAX)
		return err_set(e, ERR_USAGE, "line %lu longer than 1 MiB", l->lines);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == n)
		return 0;
	if (line[i] == '{')
		return uidlist_json_line(l, line, n, e);
	/* A TSV row: the UID is the first field (after leading blanks). */
	if ((tab = memchr(line + i, '\t', n - i)) != NULL)
		n = (size_t)(tab - line);
	if (seqset_parse(&l->set, line + i, n - i, e) < 0) {
		char why[sizeof e->text];
		memcpy(why, e->text, sizeof why);
		l->set.n = before;
		return err_set(e, e->kind, "line %lu: %s", l->lines, why);
	}
	if (l->set.n == before)
		return err_set(e, ERR_USAGE, "line %lu: no UID in '%.*s'", l->lines,
		    (int)(n - i > 40 ? 40 : n - i), line + i);
	return 0;
}

void
uidlist_finish(struct uidlist *l)
{
	seqset_normalize(&l->set);
}

int
uidlist_read_args(struct uidlist *l, const char *const *args, struct mp_err *e)
{
	for (; args != NULL && *args != NULL; args++) {
		if (uidlist_line(l, *args, strlen(*args), e) < 0) {
			/* "line N: why" names no line here: the argument. */
			char why[sizeof e->text];
			const char *p = strstr(e->text, ": ");
			snprintf(why, sizeof why, "%s", p != NULL ? p + 2 : e->text);
			return err_set(e, e->kind, "UID argument '%.100s': %s", *args,
			    why);
		}
	}
	uidlist_finish(l);
	return 0;
}

int
uidlist_read_file(struct uidlist *l, FILE *f, struct mp_err *e)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		/* The header line of imapls -H. */
		if (l->lines == 0 && n >= 3 && strncmp(line, "uid", 3) == 0 &&
		    (n == 3 || line[3] == '\t' || line[3] == '\r')) {
			l->lines++;
			continue;
		}
		rc = uidlist_line(l, line, (size_t)n, e);
	}
	free(line);
	if (rc == 0 && ferror(f))
		rc = err_set(e, ERR_IO, "read error: %s", strerror(errno));
	uidlist_finish(l);
	return rc;
}

void
uidlist_free(struct uidlist *l)
{
	seqset_free(&l->set);
	free(l->mailbox);
	memset(l, 0, sizeof *l);
}
