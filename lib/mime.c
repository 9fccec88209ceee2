/* mime: RFC 2047 encoded-words decoded for display. */
#include "mime.h"
#include "utf8.h"

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One encoded-word in the unfolded text. */
struct mime_word {
	size_t start, end;	/* from its "=?" to just after its "?=" */
	const char *cs;		/* charset name, language excluded */
	size_t cslen;
	char enc;		/* 'B' or 'Q' */
	const char *text;	/* the encoded text */
	size_t textlen;
};

static bool
mime_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Characters of a charset name: RFC 2978 mime-charset, plus '.' and ':'
 * seen in aliases. Never '/' or ',', which iconv_open would take as
 * options ("//IGNORE" drops octets). */
static bool
mime_cschar(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' && strchr("!#$%&'+-^_`{}~.:", ch));
}

static int
mime_hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int
mime_b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Parse the encoded-word starting at s[at] (its "=?") into *w: syntax
 * only. -1 when there is none. */
static int
mime_parse_word(const char *s, size_t n, size_t at, struct mime_word *w)
{
	size_t i = at + 2, lang;

	if (n - at < 2 || s[at] != '=' || s[at + 1] != '?')
		return -1;
	w->start = at;
	w->cs = s + i;
	while (i < n && mime_cschar((unsigned char)s[i]))
		i++;
	w->cslen = (size_t)(s + i - w->cs);
	if (w->cslen == 0 || w->cslen > MIME_CHARSET_MAX || i >= n)
		return -1;
	if (s[i] == '*') {
		/* RFC 2231 language: letters, digits and '-'. */
		lang = ++i;
		while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			i++;
		if (i == lang || i >= n)
			return -1;
	}
	if (s[i] != '?' || n - i < 3)
		return -1;
	if (s[i + 1] == 'B' || s[i + 1] == 'b')
		w->enc = 'B';
	else if (s[i + 1] == 'Q' || s[i + 1] == 'q')
		w->enc = 'Q';
	else
		return -1;
	if (s[i + 2] != '?')
		return -1;
	i += 3;
	w->text = s + i;
	/* Printable ASCII but '?'; the first '?' must start the "?=". */
	while (i < n && s[i] > ' ' && s[i] < 0x7f && s[i] != '?')
		i++;
	if (i + 1 >= n || s[i] != '?' || s[i + 1] != '=')
		return -1;
	w->textlen = (size_t)(s + i - w->text);
	w->end = i + 2;
	return 0;
}

/* Decode w's text into d (room for w->textlen octets); returns the number
 * of octets, or -1 when the B or Q text is malformed. */
static long
mime_word_decode(const struct mime_word *w, unsigned char *d)
{
	const unsigned char *t = (const unsigned char *)w->text;
	size_t m = w->textlen, pad = 0, i, k = 0;
	uint32_t bits = 0;
	int nbits = 0;

	if (w->enc == 'Q') {
		for (i = 0; i < m; i++) {
			int hi, lo;

			if (t[i] == '_') {
				d[k++] = ' ';
			} else if (t[i] != '=') {
				d[k++] = t[i];
			} else {
				if (m - i < 3 || (hi = mime_hexval(t[i + 1])) < 0 ||
				    (lo = mime_hexval(t[i + 2])) < 0)
					return -1;
				d[k++] = (unsigned char)(hi << 4 | lo);
				i += 2;
			}
		}
		return (long)k;
	}
	/* B: padding may be missing, but when present it completes the
	 * last quantum; bits left over in it are ignored. */
	while (m > 0 && t[m - 1] == '=' && pad < 2)
		m--, pad++;
	if ((pad > 0 && (m + pad) % 4 != 0) || m % 4 == 1)
		return -1;
	for (i = 0; i < m; i++) {
		int v = mime_b64val(t[i]);

		if (v < 0)
			return -1;
		bits = (bits << 6 | (uint32_t)v) & 0xffffff;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			d[k++] = (unsigned char)(bits >> nbits);
		}
	}
	return (long)k;
}

/* Whether s[0..n) is valid UTF-8 without NUL, overlong forms, surrogates
 * or code points above U+10FFFF. */
static bool
mime_utf8_ok(const unsigned char *s, size_t n)
{
	return memchr(s, '\0', n) == NULL && utf8_valid(s, n);
}

/* Convert d[0..dlen) from charset cs[0..cslen) to UTF-8 into o, at most
 * cap octets, the length in *olen. -1 when the charset is unknown, the
 * octets are not valid in it, the result has a NUL or does not fit. */
static int
mime_convert(const char *cs, size_t cslen, unsigned char *d, size_t dlen,
	char *o, size_t cap, size_t *olen)
{
	char name[MIME_CHARSET_MAX + 1];
	size_t i, k = 0;
	bool ascii;

	memcpy(name, cs, cslen);
	name[cslen] = '\0';
	ascii = strcasecmp(name, "us-ascii") == 0;
	if (ascii || strcasecmp(name, "utf-8") == 0) {
		/* UTF-8 is checked below, with every result. */
		if (dlen > cap)
			return -1;
		for (i = 0; i < dlen && ascii; i++)
			if (d[i] >= 0x80)
				return -1;
		memcpy(o, d, dlen);
		k = dlen;
	} else if (strcasecmp(name, "iso-8859-1") == 0) {
		for (i = 0; i < dlen; i++) {
			if (cap - k < 2)
				return -1;
			if (d[i] < 0x80) {
				o[k++] = (char)d[i];
			} else {
				o[k++] = (char)(0xc0 | d[i] >> 6);
				o[k++] = (char)(0x80 | (d[i] & 0x3f));
			}
		}
	} else {
		iconv_t cd = iconv_open("UTF-8", name);
		char *ip = (char *)d, *op = o;
		size_t il = dlen, ol = cap;
		bool ok;

		if (cd == (iconv_t)-1)
			return -1;
		ok = iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0 &&
		    iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1;
		iconv_close(cd);
		if (!ok)
			return -1;
		k = cap - ol;
	}
	if (!mime_utf8_ok((const unsigned char *)o, k))
		return -1;
	*olen = k;
	return 0;
}

static bool
mime_same_charset(const struct mime_word *a, const struct mime_word *b)
{
	return a->cslen == b->cslen && strncasecmp(a->cs, b->cs, a->cslen) == 0;
}

/* The decoder's state over the unfolded text u[0..len) and the output. */
struct mime_dec {
	const char *u;
	size_t len;
	unsigned char *d;	/* decoded octets of a run (len + 1 octets) */
	char *o;		/* output, 3 * len + 1 octets */
	size_t k;		/* output octets so far */
	bool after_word;	/* the last thing output was a decoded word */
	size_t ws, wslen;	/* blanks after it, held back until we know
				 * whether a decoded word follows them */
};

static void
mime_emit(struct mime_dec *m, const char *p, size_t n)
{
	memcpy(m->o + m->k, p, n);
	m->k += n;
}

/* Output held-back blanks and forget the decoded word before them. */
static void
mime_flush(struct mime_dec *m)
{
	mime_emit(m, m->u + m->ws, m->wslen);
	m->wslen = 0;
	m->after_word = false;
}

/* Whether blanks (maybe none) then an encoded-word follow u[at]: the
 * word in *w. */
static bool
mime_next_word(const struct mime_dec *m, size_t at, struct mime_word *w)
{
	while (at < m->len && mime_blank(m->u[at]))
		at++;
	return at < m->len && mime_parse_word(m->u, m->len, at, w) == 0;
}

/* Output one word decoded, or as written when it cannot be. */
static void
mime_one_word(struct mime_dec *m, const struct mime_word *w)
{
	long dl = mime_word_decode(w, m->d);
	size_t olen;

	if (dl >= 0 && mime_convert(w->cs, w->cslen, m->d, (size_t)dl,
	    m->o + m->k, 3 * (w->end - w->start), &olen) == 0) {
		m->wslen = 0;
		m->k += olen;
		m->after_word = true;
	} else {
		mime_flush(m);
		mime_emit(m, m->u + w->start, w->end - w->start);
	}
}

/* At u[at], "=?": decode the run of encoded-words in one charset that
 * starts there, separated by blanks only, joined before conversion.
 * Returns the offset after it, or 0 when no decodable word starts at. */
static size_t
mime_run(struct mime_dec *m, size_t at)
{
	struct mime_word first, w;
	long dl;
	size_t dlen, end, olen, nwords = 1;

	if (mime_parse_word(m->u, m->len, at, &first) < 0 ||
	    (dl = mime_word_decode(&first, m->d)) < 0)
		return 0;
	dlen = (size_t)dl;
	end = first.end;
	while (mime_next_word(m, end, &w) && mime_same_charset(&first, &w) &&
	    (dl = mime_word_decode(&w, m->d + dlen)) >= 0) {
		dlen += (size_t)dl;
		end = w.end;
		nwords++;
	}
	/* 3 octets per input octet at most: see MIME_DECODE_MAX. */
	if (mime_convert(first.cs, first.cslen, m->d, dlen, m->o + m->k,
	    3 * (end - at), &olen) == 0) {
		m->wslen = 0;
		m->k += olen;
		m->after_word = true;
		return end;
	}
	if (nwords == 1) {
		mime_flush(m);
		mime_emit(m, m->u + at, end - at);
		return end;
	}
	/* The joined octets are not valid: each word on its own, with the
	 * blanks between them kept next to a word that stays as written. */
	w = first;
	for (;;) {
		mime_one_word(m, &w);
		if (w.end == end)
			break;
		at = w.end;
		if (!mime_next_word(m, at, &w))
			break;	/* cannot happen: seen above */
		if (m->after_word) {
			m->ws = at;
			m->wslen = w.start - at;
		} else {
			mime_emit(m, m->u + at, w.start - at);
		}
	}
	return end;
}

int
mime_decode_header(const char *in, size_t n, char **out, size_t *outlen,
	struct mp_err *e)
{
	struct mime_dec m;
	char *u, *shrunk;
	size_t i, len = 0, next;

	*out = NULL;
	*outlen = 0;
	if (n > MIME_HEADER_MAX)
		return err_set(e, ERR_DATA, "header value longer than %d octets",
		    MIME_HEADER_MAX);
	/* Unfold: drop a CRLF or LF followed by a blank. */
	u = malloc(n + 1);
	if (u == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		if (in[i] == '\r' && n - i > 2 && in[i + 1] == '\n' &&
		    mime_blank(in[i + 2])) {
			i++;
			continue;
		}
		if (in[i] == '\n' && n - i > 1 && mime_blank(in[i + 1]))
			continue;
		u[len++] = in[i];
	}
	memset(&m, 0, sizeof m);
	m.u = u;
	m.len = len;
	m.d = malloc(len + 1);
	m.o = malloc(MIME_DECODE_MAX(len) + 1);
	if (m.d == NULL || m.o == NULL) {
		free(u);
		free(m.d);
		free(m.o);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	i = 0;
	while (i < len) {
		if (u[i] == '=' && len - i > 1 && u[i + 1] == '?' &&
		    (next = mime_run(&m, i)) > 0) {
			i = next;
		} else if (mime_blank(u[i])) {
			for (next = i; next < len && mime_blank(u[next]); next++)
				;
			if (m.after_word) {
				m.ws = i;
				m.wslen = next - i;
			} else {
				mime_emit(&m, u + i, next - i);
			}
			i = next;
		} else {
			mime_flush(&m);
			mime_emit(&m, u + i, 1);
			i++;
		}
	}
	mime_flush(&m);
	m.o[m.k] = '\0';
	free(u);
	free(m.d);
	shrunk = realloc(m.o, m.k + 1);
	*out = shrunk != NULL ? shrunk : m.o;
	*outlen = m.k;
	return 0;
}
