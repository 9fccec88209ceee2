/* trace: redacting protocol transcript. */
#include "trace.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

/* Longest part of a line shown; the rest is summarised. */
#define TRACE_SHOW_MAX 2000

void
trace_init(struct trace *t, FILE *out)
{
	t->out = out;
	t->in_sasl = false;
}

bool
trace_enabled(const struct trace *t)
{
	return t != NULL && t->out != NULL;
}

/* Token [*pos, end) of line, skipping leading blanks; advances *pos. */
static size_t
trace_token(const char *line, size_t len, size_t *pos, const char **tok)
{
	size_t i = *pos, start;

	while (i < len && line[i] == ' ')
		i++;
	start = i;
	while (i < len && line[i] != ' ')
		i++;
	*tok = line + start;
	*pos = i;
	return i - start;
}

static bool
trace_is(const char *tok, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(tok, word, n) == 0;
}

static void
trace_append(char *dst, size_t cap, size_t *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && *o + 5 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			dst[(*o)++] = '\\';
			dst[(*o)++] = 'x';
			dst[(*o)++] = hex[ch >> 4];
			dst[(*o)++] = hex[ch & 15];
		} else {
			dst[(*o)++] = (char)ch;
		}
	}
	dst[*o] = '\0';
}

char *
trace_redact(struct trace *t, const char *line, size_t len, char *dst, size_t cap)
{
	const char *tok, *verb;
	size_t pos = 0, n, vn, keep;
	int shown_args = 0;

	dst[0] = '\0';
	if (cap < 16)
		return dst;
	if (t->in_sasl) {
		snprintf(dst, cap, "[redacted]");
		return dst;
	}
	n = trace_token(line, len, &pos, &tok);
	verb = tok;
	vn = n;
	/* An IMAP tag comes first: the verb is the second token. */
	if (!trace_is(tok, n, "AUTH") && !trace_is(tok, n, "PASS") &&
	    !trace_is(tok, n, "APOP") && !trace_is(tok, n, "LOGIN") &&
	    !trace_is(tok, n, "AUTHENTICATE"))
		vn = trace_token(line, len, &pos, &verb);
	if (trace_is(verb, vn, "AUTH") || trace_is(verb, vn, "AUTHENTICATE")) {
		t->in_sasl = true;
		shown_args = 1;		/* the mechanism name */
	} else if (trace_is(verb, vn, "APOP")) {
		shown_args = 1;		/* the user name */
	} else if (trace_is(verb, vn, "LOGIN") || trace_is(verb, vn, "PASS")) {
		shown_args = 0;
	} else {
		size_t o = 0;
		trace_append(dst, cap, &o, line, len < TRACE_SHOW_MAX ? len : TRACE_SHOW_MAX);
		if (len > TRACE_SHOW_MAX)
			snprintf(dst + o, cap - o, "... (%zu bytes)", len);
		return dst;
	}
	pos = (size_t)(verb + vn - line);
	while (shown_args-- > 0) {
		const char *arg;
		if (trace_token(line, len, &pos, &arg) == 0)
			break;
	}
	keep = pos;
	{
		size_t o = 0;
		trace_append(dst, cap, &o, line, keep);
		/* Only say something was hidden when there was something. */
		while (pos < len && line[pos] == ' ')
			pos++;
		if (pos < len && o + 12 < cap)
			memcpy(dst + o, " [redacted]", 12);
	}
	return dst;
}

void
trace_client(struct trace *t, const char *line, size_t len)
{
	char buf[TRACE_SHOW_MAX * 4 + 64];

	if (!trace_enabled(t))
		return;
	trace_redact(t, line, len, buf, sizeof buf);
	fprintf(t->out, "C: %s\n", buf);
}

void
trace_server(struct trace *t, const char *line, size_t len)
{
	char buf[TRACE_SHOW_MAX * 4 + 64];
	size_t o = 0;

	if (!trace_enabled(t))
		return;
	if (t->in_sasl && !(len >= 1 && line[0] == '+' && (len == 1 || line[1] == ' ')) &&
	    !(len >= 3 && memcmp(line, "334", 3) == 0))
		t->in_sasl = false;
	trace_append(buf, sizeof buf, &o, line, len < TRACE_SHOW_MAX ? len : TRACE_SHOW_MAX);
	if (len > TRACE_SHOW_MAX)
		snprintf(buf + o, sizeof buf - o, "... (%zu bytes)", len);
	fprintf(t->out, "S: %s\n", buf);
}

void
trace_note(struct trace *t, const char *fmt, ...)
{
	va_list ap;

	if (!trace_enabled(t))
		return;
	fputs("-- ", t->out);
	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	fputc('\n', t->out);
}
