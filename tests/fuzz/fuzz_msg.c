/* MODULES: utf8 msg err
 * Fuzz target: the message scanner gives the same results however its
 * input is split, and the same as a plain line-by-line reference; header
 * fields, addresses and paths that are accepted keep their promises. The
 * first byte picks what is fuzzed (its low three bits): 0/1 scanner
 * (without/with dot_ends), 2 header block, 3 address list, 4/5 path
 * (with/without the null path), 6 Message-ID domain, 7 Date. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#define FUZZ_MAX (1 << 16)

struct fuzz_scan {
	int ret;
	char err[sizeof ((struct mp_err *)0)->text];
	unsigned long lines;
	unsigned long long size, consumed;
	bool eightbit, dot_ended;
	long long header_end;
};

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

/* Feed in pieces whose sizes come from a generator seeded by seed; step 0
 * means one piece. */
static void
fuzz_scan_run(const char *in, size_t n, bool dot_ends, size_t step,
    uint32_t seed, struct fuzz_scan *r)
{
	struct msg_scan s;
	struct mp_err e;
	size_t pos = 0;

	memset(r, 0, sizeof *r);
	msg_scan_init(&s, dot_ends);
	while (pos < n) {
		size_t len = n - pos;
		ssize_t got;

		if (step == 1) {
			len = 1;
		} else if (step != 0) {
			seed = seed * 1103515245u + 12345u;
			len = 1 + (seed >> 16) % (seed & 0x100 ? 4 : 300);
			if (len > n - pos)
				len = n - pos;
		}
		got = msg_scan_feed(&s, in + pos, len, &e);
		if (got < 0) {
			fuzz_check(e.kind == ERR_DATA);
			r->ret = -1;
			snprintf(r->err, sizeof r->err, "%s", e.text);
			return;
		}
		fuzz_check((size_t)got <= len);
		if (step == 0)
			fuzz_check((size_t)got == n || s.dot_ended);
		pos += len;
		if ((size_t)got < len) {
			fuzz_check(s.dot_ended);
			break;
		}
	}
	r->ret = msg_scan_finish(&s, &e);
	if (r->ret < 0) {
		fuzz_check(e.kind == ERR_DATA);
		snprintf(r->err, sizeof r->err, "%s", e.text);
		return;
	}
	r->lines = s.lines;
	r->size = s.size;
	r->consumed = s.consumed;
	r->eightbit = s.eightbit;
	r->dot_ended = s.dot_ended;
	r->header_end = s.header_end;
}

/* The same rules, line by line over the whole input. */
static void
fuzz_scan_ref(const char *in, size_t n, bool dot_ends, struct fuzz_scan *r)
{
	size_t pos = 0, j;
	const char *what = NULL;

	memset(r, 0, sizeof *r);
	r->header_end = -1;
	while (pos < n) {
		const char *nl = memchr(in + pos, '\n', n - pos);
		size_t end = nl != NULL ? (size_t)(nl - in) : n, cend = end;

		if (nl != NULL && end > pos && in[end - 1] == '\r')
			cend--;
		for (j = pos; j < cend && what == NULL; j++) {
			if (in[j] == '\r')
				what = "bare CR";
			else if (in[j] == '\0')
				what = "NUL byte";
			else if (j - pos + 1 > MSG_LINE_MAX)
				what = "longer than 998 octets";
			else if ((unsigned char)in[j] >= 0x80)
				r->eightbit = true;
		}
		if (what != NULL) {
			r->ret = -1;
			snprintf(r->err, sizeof r->err, "line %lu: %s",
			    r->lines + 1, what);
			return;
		}
		if (dot_ends && nl != NULL && cend - pos == 1 && in[pos] == '.') {
			r->dot_ended = true;
			break;
		}
		r->lines++;
		r->size += cend - pos + 2;
		if (cend == pos && r->header_end < 0 && nl != NULL)
			r->header_end = (long long)end + 1;
		pos = nl != NULL ? end + 1 : n;
	}
	r->consumed = pos;
	if (r->consumed == 0) {
		r->ret = -1;
		snprintf(r->err, sizeof r->err, "empty message");
	}
}

static bool
fuzz_scan_same(const struct fuzz_scan *a, const struct fuzz_scan *b)
{
	if (a->ret != b->ret || strcmp(a->err, b->err) != 0)
		return false;
	return a->ret < 0 || (a->lines == b->lines && a->size == b->size &&
	    a->consumed == b->consumed && a->eightbit == b->eightbit &&
	    a->dot_ended == b->dot_ended && a->header_end == b->header_end);
}

static void
fuzz_scan(const char *in, size_t n, bool dot_ends)
{
	struct fuzz_scan whole, part, ref;
	uint32_t seed = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		seed = (seed ^ (unsigned char)in[i]) * 16777619u;
	fuzz_scan_run(in, n, dot_ends, 0, 0, &whole);
	fuzz_scan_ref(in, n, dot_ends, &ref);
	if (!fuzz_scan_same(&whole, &ref)) {
		fprintf(stderr, "one piece: %d '%s' %lu %llu %llu; reference: "
		    "%d '%s' %lu %llu %llu\n", whole.ret, whole.err, whole.lines,
		    whole.size, whole.consumed, ref.ret, ref.err, ref.lines,
		    ref.size, ref.consumed);
		abort();
	}
	fuzz_scan_run(in, n, dot_ends, 1, 0, &part);
	fuzz_check(fuzz_scan_same(&whole, &part));
	fuzz_scan_run(in, n, dot_ends, 2, seed, &part);
	fuzz_check(fuzz_scan_same(&whole, &part));
	if (whole.ret == 0) {
		fuzz_check(whole.consumed <= n && whole.size >= whole.consumed);
		fuzz_check(whole.header_end <= (long long)whole.consumed);
		if (whole.dot_ended)
			fuzz_check(in[whole.consumed] == '.' &&
			    (whole.consumed == 0 || in[whole.consumed - 1] == '\n'));
		else
			fuzz_check(whole.consumed == n);
	}
}

/* The one address seen by fuzz_again. */
struct fuzz_one {
	char addr[MSG_ADDR_MAX + 1];
	size_t n, calls;
};

static int
fuzz_one(void *arg, const char *addr, size_t n)
{
	struct fuzz_one *o = arg;

	o->calls++;
	memcpy(o->addr, addr, n);
	o->n = n;
	return 0;
}

/* An address given back inside <> is accepted as it is: what
 * msg_addrlist passes on is already in its simplest form. */
static void
fuzz_again(const char *addr, size_t n)
{
	char in[MSG_ADDR_MAX + 2];
	struct fuzz_one o = { .n = 0 };
	struct mp_err e;

	in[0] = '<';
	memcpy(in + 1, addr, n);
	in[n + 1] = '>';
	if (msg_addrlist(in, n + 2, fuzz_one, &o, &e) != 0 || o.calls != 1 ||
	    o.n != n || memcmp(o.addr, addr, n) != 0) {
		fprintf(stderr, "'%.*s' not accepted as it is: %s\n", (int)n,
		    addr, e.text);
		abort();
	}
}

static int
fuzz_addr(void *arg, const char *addr, size_t n)
{
	size_t *calls = arg;
	struct mp_err e;
	int kind;

	fuzz_check(n > 0 && n <= MSG_ADDR_MAX && addr[n] == '\0');
	fuzz_check(memchr(addr, '\r', n) == NULL && memchr(addr, '\n', n) == NULL &&
	    memchr(addr, '\0', n) == NULL && memchr(addr, '@', n) != NULL);
	fuzz_check(addr[0] != ' ' && addr[0] != '\t' && addr[n - 1] != ' ' &&
	    addr[n - 1] != '\t');
	kind = msg_path_check(addr, n, false, &e);
	fuzz_check(kind == MSG_PATH_ASCII || kind == MSG_PATH_UTF8 ||
	    (kind == -1 && e.kind == ERR_DATA));
	fuzz_again(addr, n);
	if (--calls[1] == 0)
		return 42;
	calls[0]++;
	return 0;
}

static void
fuzz_addrlist(const char *in, size_t n)
{
	size_t calls[2] = { 0, (size_t)-1 };
	struct mp_err e;
	int r;

	r = msg_addrlist(in, n, fuzz_addr, calls, &e);
	fuzz_check(r == 0 || (r == -1 && e.kind == ERR_DATA && e.text[0] != '\0'));
	if (r == 0 && calls[0] > 0) {
		/* Stopping at the last address returns the callback's value
		 * after the same number of calls. */
		size_t all = calls[0];

		calls[0] = 0;
		calls[1] = all;
		fuzz_check(msg_addrlist(in, n, fuzz_addr, calls, &e) == 42);
		fuzz_check(calls[0] == all - 1);
	}
}

static void
fuzz_headers(const char *in, size_t n)
{
	struct msg_headers h;
	struct mp_err e;
	size_t i, j, at = 0;

	if (msg_headers_parse(in, n, &h, &e) < 0) {
		fuzz_check(e.kind == ERR_DATA || e.kind == ERR_INTERNAL);
		fuzz_check(h.fields == NULL && h.count == 0);
		return;
	}
	fuzz_check(h.count <= MSG_FIELDS_MAX);
	for (i = 0; i < h.count; i++) {
		const struct msg_field *f = &h.fields[i];
		const char *end = in + f->start + f->len;

		/* Fields follow each other from the start, no gaps. */
		fuzz_check(f->start == at && f->len > 0 && f->len <= n - f->start);
		at = f->start + f->len;
		fuzz_check(f->name == in + f->start && f->name_len > 0);
		for (j = 0; j < f->name_len; j++)
			fuzz_check(f->name[j] > ' ' && f->name[j] < 0x7f &&
			    f->name[j] != ':');
		fuzz_check(f->value >= f->name + f->name_len + 1 &&
		    f->value <= end && f->value_len <= (size_t)(end - f->value));
		fuzz_check(memchr(f->name, '\0', f->len) == NULL);
		if (f->value_len > 0)
			fuzz_check(f->value[f->value_len - 1] != '\n' &&
			    f->value[f->value_len - 1] != '\r');
		fuzz_check(end == in + n || end[-1] == '\n');
		fuzz_addrlist(f->value, f->value_len);
	}
	/* What follows the fields is nothing or the empty line. */
	fuzz_check(at == n || in[at] == '\n' ||
	    (at + 1 < n && in[at] == '\r' && in[at + 1] == '\n'));
	if (h.count > 0 && h.fields[0].name_len < 64) {
		char name[64];
		size_t from = 0;

		memcpy(name, h.fields[0].name, h.fields[0].name_len);
		name[h.fields[0].name_len] = '\0';
		fuzz_check(msg_headers_next(&h, name, &from) == 0 && from == 1);
	}
	msg_headers_free(&h);
}

static void
fuzz_path(const char *in, size_t n, bool allow_null)
{
	struct mp_err e;
	const char *p = in;
	size_t i, m;
	bool eight = false;
	int kind = msg_path_check(in, n, allow_null, &e);

	if (kind < 0) {
		fuzz_check(kind == -1 && e.kind == ERR_DATA);
	} else {
		fuzz_check(n + 2 <= MSG_PATH_MAX);
		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)in[i];

			fuzz_check(ch >= 0x20 && ch != 0x7f && ch != '<' &&
			    ch != '>');
			if (ch >= 0x80)
				eight = true;
		}
		fuzz_check(kind == (n == 0 ? MSG_PATH_NULL : eight ?
		    MSG_PATH_UTF8 : MSG_PATH_ASCII));
		fuzz_check(n == 0 ? allow_null : memchr(in, '@', n) != NULL);
		/* A good path is a good address in a header too. */
		if (n > 0)
			fuzz_again(in, n);
	}
	m = msg_path_strip(&p, n);
	fuzz_check(p >= in && m <= n && (size_t)(p - in) + m <= n);
	(void)msg_path_check(p, m, allow_null, &e);
}

static void
fuzz_message_id(const char *in, size_t n)
{
	char domain[300], id[400];
	struct mp_err e;
	size_t i, len;

	if (n >= sizeof domain)
		n = sizeof domain - 1;
	memcpy(domain, in, n);
	domain[n] = '\0';
	if (msg_message_id(id, sizeof id, domain, &e) < 0) {
		fuzz_check(e.kind == ERR_DATA);
		return;
	}
	len = strlen(id);
	fuzz_check(id[0] == '<' && id[len - 1] == '>' && id[33] == '.');
	for (i = 1; i < 33; i++)
		fuzz_check((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f'));
	for (i = 34; id[i] != '@'; i++)
		fuzz_check(id[i] >= '0' && id[i] <= '9');
	fuzz_check(strlen(id + i + 1) == strlen(domain) + 1 &&
	    memcmp(id + i + 1, domain, strlen(domain)) == 0);
}

static void
fuzz_date(const char *in, size_t n)
{
	int64_t v = 0;
	time_t t;
	struct tm tm;
	char got[64], want[64];
	size_t len, wn;

	memcpy(&v, in, n < sizeof v ? n : sizeof v);
	t = (time_t)v;
	len = msg_date(got, sizeof got, t);
	if (len == 0)
		return;
	/* strftime in the C locale says the same, with the day's zero. */
	fuzz_check(localtime_r(&t, &tm) != NULL);
	wn = strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S %z", &tm);
	fuzz_check(wn > 0 && strlen(got) == len);
	if (want[5] == '0')
		memmove(want + 5, want + 6, wn - 5);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "msg_date '%s', strftime '%s'\n", got, want);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char *in = (const char *)data + 1;

	if (n == 0 || n > FUZZ_MAX)
		return 0;
	n--;
	switch (data[0] & 7) {
	case 0:
	case 1:
		fuzz_scan(in, n, data[0] & 1);
		break;
	case 2:
		fuzz_headers(in, n);
		break;
	case 3:
		fuzz_addrlist(in, n);
		break;
	case 4:
	case 5:
		fuzz_path(in, n, !(data[0] & 1));
		break;
	case 6:
		fuzz_message_id(in, n);
		break;
	case 7:
		fuzz_date(in, n);
		break;
	}
	return 0;
}
