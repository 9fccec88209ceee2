/* MODULES: imap_data imap_parse seqset mime utf8 err
 * Fuzz target: a server response parsed by imap_parse_response, then
 * read by the imap_data readers. Whatever the bytes, they return 0 or
 * -1 with ERR_PROTOCOL (or ERR_INTERNAL), and what they accept keeps
 * its promises:
 * - COPYUID: accepted exactly when a model here finds three arguments,
 *   a UIDVALIDITY of 1..2^32-1 and two well-formed UID sets (numbers
 *   1..2^32-1, "n:m" either way round, comma-separated) of one size;
 *   the count is both sets' count, and imap_data_copyuid_pairs gives
 *   the model's pairs, in order (the first 100,000 of them: a set may
 *   name 2^32 UIDs in a few octets, and nothing is allocated by it);
 * - FETCH: the sequence number is the response's, UID, BODY[] and the
 *   other items point at the values that follow their keys in the list,
 *   a BODY[] string lies in the input or the parser's arena (never
 *   larger than the input), an INTERNALDATE that imap_data_date reads
 *   imap_data_time reads too, and ENVELOPE addresses format;
 * - SEARCH, ESEARCH, STATUS, LIST: accepted UIDs are 1..2^32-1. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#define fz_check(ok) fz_assert((ok), __LINE__)

static void
fz_assert(bool ok, int line)
{
	if (!ok) {
		fprintf(stderr, "fuzz_imap_data.c:%d: check failed\n", line);
		abort();
	}
}

#define FZ_PAIRS_MAX 100000

/* ---- the COPYUID model */

struct fz_range {
	uint32_t first, last;	/* ascending */
};

struct fz_set {
	struct fz_range *r;
	size_t n;
	uint64_t count;
};

/* A UID 1..2^32-1 of digits p[0..n). */
static bool
fz_uid(const char *p, size_t n, uint32_t *v)
{
	uint64_t x = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
		if (x > UINT32_MAX)
			return false;
	}
	if (x == 0)
		return false;
	*v = (uint32_t)x;
	return true;
}

/* A set written p[0..n): its ranges in the order sent; false when
 * malformed. */
static bool
fz_set_parse(const char *p, size_t n, struct fz_set *s)
{
	size_t pos = 0;

	s->r = calloc(n / 2 + 1, sizeof *s->r);
	s->n = 0;
	s->count = 0;
	if (s->r == NULL)
		abort();
	if (n == 0)
		return false;
	while (pos <= n) {
		const char *comma = memchr(p + pos, ',', n - pos);
		size_t len = comma ? (size_t)(comma - (p + pos)) : n - pos;
		const char *colon = memchr(p + pos, ':', len);
		uint32_t a, b;

		if (colon == NULL) {
			if (!fz_uid(p + pos, len, &a))
				return false;
			b = a;
		} else if (!fz_uid(p + pos, (size_t)(colon - (p + pos)), &a) ||
		    !fz_uid(colon + 1, len - (size_t)(colon - (p + pos)) - 1, &b)) {
			return false;
		}
		s->r[s->n].first = a < b ? a : b;
		s->r[s->n].last = a < b ? b : a;
		s->count += (uint64_t)s->r[s->n].last - s->r[s->n].first + 1;
		s->n++;
		if (comma == NULL)
			break;
		pos += len + 1;
	}
	return true;
}

/* A walk over a model set. */
struct fz_walk {
	const struct fz_set *s;
	size_t i;
	uint64_t next;
};

static bool
fz_walk_next(struct fz_walk *w, uint32_t *uid)
{
	if (w->i < w->s->n && w->next == 0)
		w->next = w->s->r[w->i].first;
	while (w->i < w->s->n && w->next > w->s->r[w->i].last) {
		if (++w->i < w->s->n)
			w->next = w->s->r[w->i].first;
	}
	if (w->i >= w->s->n)
		return false;
	*uid = (uint32_t)w->next++;
	return true;
}

struct fz_pairs {
	struct fz_walk src, dst;
	uint64_t seen;
};

static int
fz_pair(void *arg, uint32_t src, uint32_t dst, struct mp_err *e)
{
	struct fz_pairs *p = arg;
	uint32_t a, b;

	(void)e;
	fz_check(fz_walk_next(&p->src, &a) && fz_walk_next(&p->dst, &b));
	fz_check(a == src && b == dst);
	if (++p->seen == FZ_PAIRS_MAX)
		return 7;	/* enough: stop, and see it returned */
	return 0;
}

static bool
fz_set_arg(const struct imap_value *v)
{
	return v->type == IMAP_V_NUMBER || v->type == IMAP_V_ATOM;
}

static void
fz_copyuid(const struct imap_response *r)
{
	const struct imap_value *a = r->code_args.items;
	struct imap_data_copyuid c;
	struct fz_set src = { NULL, 0, 0 }, dst = { NULL, 0, 0 };
	struct mp_err e;
	bool valid;
	int rc;

	err_clear(&e);
	rc = imap_data_copyuid(r, &c, &e);
	fz_check(rc == 0 || (rc == -1 && e.kind == ERR_PROTOCOL));
	valid = r->code_args.count == 3 && a[0].type == IMAP_V_NUMBER &&
	    a[0].num >= 1 && a[0].num <= UINT32_MAX && fz_set_arg(&a[1]) &&
	    fz_set_arg(&a[2]);
	if (valid) {
		valid = fz_set_parse(a[1].str, a[1].len, &src) &&
		    fz_set_parse(a[2].str, a[2].len, &dst) && src.count == dst.count;
	}
	fz_check(valid == (rc == 0));
	if (rc == 0) {
		struct fz_pairs p;
		fz_check(c.uidvalidity == a[0].num && c.count == src.count &&
		    c.src == a[1].str && c.src_len == a[1].len &&
		    c.dst == a[2].str && c.dst_len == a[2].len);
		memset(&p, 0, sizeof p);
		p.src.s = &src;
		p.dst.s = &dst;
		rc = imap_data_copyuid_pairs(&c, fz_pair, &p, &e);
		if (c.count >= FZ_PAIRS_MAX) {
			fz_check(rc == 7 && p.seen == FZ_PAIRS_MAX);
		} else {
			uint32_t x;
			fz_check(rc == 0 && p.seen == c.count);
			fz_check(!fz_walk_next(&p.src, &x) && !fz_walk_next(&p.dst, &x));
		}
	}
	free(src.r);
	free(dst.r);
}

/* ---- FETCH and the others */

static bool
fz_in(const char *p, size_t len, const char *buf, size_t n)
{
	uintptr_t at = (uintptr_t)p, lo = (uintptr_t)buf;

	return at >= lo && at <= lo + n && len <= lo + n - at;
}

static bool
fz_is(const struct imap_value *v, const char *atom)
{
	return v->type == IMAP_V_ATOM && v->len == strlen(atom) &&
	    strncasecmp(v->str, atom, v->len) == 0;
}

/* Whether v is the value after a key named key in the item list. */
static bool
fz_after(const struct imap_value *items, const char *key,
    const struct imap_value *v)
{
	for (size_t i = 0; i + 1 < items->count; i += 2) {
		if (fz_is(&items->items[i], key) && &items->items[i + 1] == v)
			return true;
	}
	return false;
}

static void
fz_fetch(const struct imap_response *r, const char *buf, size_t n)
{
	struct imap_data_fetch f;
	const struct imap_value *items;
	struct mp_err e;
	int rc;

	err_clear(&e);
	rc = imap_data_fetch(r, &f, &e);
	fz_check(rc == 0 || (rc == -1 && e.kind == ERR_PROTOCOL));
	if (rc < 0)
		return;
	fz_check(r->has_number && f.seq == r->number && r->data.count == 1);
	items = &r->data.items[0];
	fz_check(items->type == IMAP_V_LIST && items->count % 2 == 0);
	for (size_t i = 0; i < items->count; i += 2)
		fz_check(items->items[i].type == IMAP_V_ATOM);
	if (f.uid != 0) {
		bool found = false;
		for (size_t i = 0; i < items->count; i += 2) {
			if (fz_is(&items->items[i], "UID") &&
			    items->items[i + 1].num == f.uid)
				found = true;
		}
		fz_check(found);
	}
	if (f.body != NULL) {
		fz_check(fz_after(items, "BODY[]", f.body));
		fz_check(f.body->type == IMAP_V_STRING || f.body->type == IMAP_V_NIL);
		/* The body is in the input (or unescaped into the arena): its
		 * length never exceeds what was received. */
		if (f.body->type == IMAP_V_STRING)
			fz_check(f.body->len <= n && (fz_in(f.body->str, f.body->len,
			    buf, n) || imap_parse_owns(r, f.body->str, f.body->len)));
	}
	if (f.flags != NULL) {
		fz_check(fz_after(items, "FLAGS", f.flags) && f.flags->type == IMAP_V_LIST);
		for (size_t i = 0; i < f.flags->count; i++)
			fz_check(f.flags->items[i].type == IMAP_V_ATOM);
	}
	if (f.internaldate != NULL) {
		char iso[32];
		time_t t;
		int d, tr;
		fz_check(fz_after(items, "INTERNALDATE", f.internaldate));
		d = imap_data_date(f.internaldate->str, f.internaldate->len, iso,
		    sizeof iso);
		tr = imap_data_time(f.internaldate->str, f.internaldate->len, &t);
		fz_check(d == tr);
		fz_check(d < 0 || strlen(iso) == 25);
		/* Too small a buffer is refused. */
		fz_check(imap_data_date(f.internaldate->str, f.internaldate->len, iso,
		    25) == -1);
	}
	if (f.envelope != NULL) {
		fz_check(fz_after(items, "ENVELOPE", f.envelope) &&
		    f.envelope->type == IMAP_V_LIST && f.envelope->count == 10);
		for (int k = IMAP_ENV_FROM; k <= IMAP_ENV_BCC; k++) {
			for (int decode = 0; decode < 2; decode++) {
				struct imap_data_buf b = { NULL, 0, 0 };
				err_clear(&e);
				rc = imap_data_addresses(&f.envelope->items[k], decode, &b, &e);
				fz_check(rc == 0 || (rc == -1 && (e.kind == ERR_PROTOCOL ||
				    e.kind == ERR_INTERNAL)));
				fz_check(b.len == 0 || (b.p != NULL && b.p[b.len] == '\0'));
				imap_data_buf_free(&b);
			}
		}
	}
	if (f.has_modseq) {
		bool found = false;
		for (size_t i = 0; i < items->count; i += 2) {
			const struct imap_value *v = &items->items[i + 1];
			if (fz_is(&items->items[i], "MODSEQ") && v->type == IMAP_V_LIST &&
			    v->count == 1 && v->items[0].num == f.modseq)
				found = true;
		}
		fz_check(found);
	}
}

static void
fz_others(const struct imap_response *r)
{
	struct mp_err e;
	int rc;

	err_clear(&e);
	if (strcmp(r->name, "SEARCH") == 0 || strcmp(r->name, "ESEARCH") == 0) {
		struct seqset s = { NULL, 0, 0 };
		rc = imap_data_search(r, &s, &e);
		fz_check(rc == 0 || (rc == -1 && (e.kind == ERR_PROTOCOL ||
		    e.kind == ERR_INTERNAL)));
		for (size_t i = 0; rc == 0 && i < s.n; i++)
			fz_check(s.r[i].lo >= 1 && s.r[i].lo <= s.r[i].hi);
		seqset_free(&s);
	} else if (strcmp(r->name, "STATUS") == 0) {
		struct imap_data_status st;
		rc = imap_data_status(r, &st, &e);
		fz_check(rc == 0 || (rc == -1 && e.kind == ERR_PROTOCOL));
	} else if (strcmp(r->name, "LIST") == 0 || strcmp(r->name, "LSUB") == 0) {
		struct imap_data_list l;
		rc = imap_data_list(r, &l, &e);
		fz_check(rc == 0 || (rc == -1 && e.kind == ERR_PROTOCOL));
		if (rc == 0)
			fz_check(l.attrs->type == IMAP_V_LIST && l.name != NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct imap_response r;
	struct mp_err e;
	char *buf;

	if (n > 65536)
		return 0;
	/* An exact-size heap copy, so that any over-read is caught. */
	if ((buf = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(buf, data, n);
	err_clear(&e);
	if (imap_parse_response(buf, n, &r, &e) == 0) {
		/* Every response with a code: COPYUID's reader checks its own
		 * arguments, whatever the code's name. */
		if (r.code[0] != '\0')
			fz_copyuid(&r);
		if (strcmp(r.name, "FETCH") == 0)
			fz_fetch(&r, buf, n);
		fz_others(&r);
		imap_parse_free(&r);
	}
	free(buf);
	return 0;
}
