/* imap: response framing and commands. */
#include "imap.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

int
imap_start(struct conn *c, struct mp_err *e)
{
	struct imap_resp r;

	if (!conn_greeting_pending(c))
		return 0;
	if (imap_read_response(c, &r, NULL, NULL, e) < 0)
		return -1;
	if (r.kind == IMAP_UNTAGGED && (r.status == IMAP_OK || r.status == IMAP_PREAUTH))
		return 0;
	if (r.kind == IMAP_UNTAGGED && r.status == IMAP_BYE)
		return err_set(e, ERR_TEMP, "server refused the session (BYE)");
	return err_set(e, ERR_PROTOCOL, "server greeting is not '* OK'");
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
