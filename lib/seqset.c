/* seqset: UID sets, merged and split. */
#include "seqset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
seqset_add(struct seqset *s, uint32_t lo, uint32_t hi, struct mp_err *e)
{
	if (lo == 0 || hi == 0)
		return err_set(e, ERR_USAGE, "0 is not a UID");
	if (lo > hi)
		return err_set(e, ERR_USAGE, "descending range %u:%u", lo, hi);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct seqset_range *r;
		if (s->n >= SEQSET_MAX)
			return err_set(e, ERR_USAGE, "more than %d ranges", SEQSET_MAX);
		if ((r = realloc(s->r, cap * sizeof *r)) == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		s->r = r;
		s->cap = cap;
	}
	s->r[s->n].lo = lo;
	s->r[s->n++].hi = hi;
	return 0;
}

/* A UID at p[0..n): digits only, 1..2^32-1. */
static int
seqset_number(const char *p, size_t n, uint32_t *v, struct mp_err *e)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0)
		return err_set(e, ERR_USAGE, "empty UID");
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return err_set(e, ERR_USAGE, "'%.*s' is not a UID", (int)(n > 40 ? 40 : n), p);
		x = x * 10 + (uint64_t)(p[i] - '0');
		if (x > UINT32_MAX)
			return err_set(e, ERR_USAGE, "UID '%.*s' is too large",
			    (int)(n > 40 ? 40 : n), p);
	}
	if (x == 0)
		return err_set(e, ERR_USAGE, "0 is not a UID");
	*v = (uint32_t)x;
	return 0;
}

int
seqset_parse(struct seqset *s, const char *text, size_t n, struct mp_err *e)
{
	size_t i = 0;

	while (i < n) {
		size_t start, colon = (size_t)-1, end;
		uint32_t lo, hi;

		while (i < n && (text[i] == ',' || text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && text[i] != ',' && text[i] != ' ' && text[i] != '\t') {
			if (text[i] == ':' && colon == (size_t)-1)
				colon = i;
			i++;
		}
		end = i;
		if (colon == (size_t)-1) {
			if (seqset_number(text + start, end - start, &lo, e) < 0)
				return -1;
			hi = lo;
		} else if (seqset_number(text + start, colon - start, &lo, e) < 0 ||
		    seqset_number(text + colon + 1, end - colon - 1, &hi, e) < 0) {
			return -1;
		}
		if (seqset_add(s, lo, hi, e) < 0)
			return -1;
	}
	return 0;
}

static int
seqset_cmp(const void *a, const void *b)
{
	const struct seqset_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void
seqset_normalize(struct seqset *s)
{
	size_t i, o = 0;

	if (s->n == 0)
		return;
	qsort(s->r, s->n, sizeof *s->r, seqset_cmp);
	for (i = 1; i < s->n; i++) {
		/* Overlapping or adjacent: one range. */
		if (s->r[i].lo <= s->r[o].hi ||
		    (s->r[o].hi != UINT32_MAX && s->r[i].lo == s->r[o].hi + 1)) {
			if (s->r[i].hi > s->r[o].hi)
				s->r[o].hi = s->r[i].hi;
		} else {
			s->r[++o] = s->r[i];
		}
	}
	s->n = o + 1;
}

size_t
seqset_format(const struct seqset *s, size_t *pos, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	while (*pos < s->n) {
		const struct seqset_range *r = &s->r[*pos];
		char one[32];
		int k = r->lo == r->hi ? snprintf(one, sizeof one, "%s%u",
		    len ? "," : "", r->lo) : snprintf(one, sizeof one, "%s%u:%u",
		    len ? "," : "", r->lo, r->hi);
		if (k < 0 || len + (size_t)k + 1 > cap)
			break;
		memcpy(buf + len, one, (size_t)k + 1);
		len += (size_t)k;
		(*pos)++;
	}
	return len;
}

uint64_t
seqset_count(const struct seqset *s)
{
	uint64_t c = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		c += (uint64_t)s->r[i].hi - s->r[i].lo + 1;
	return c;
}

bool
seqset_contains(const struct seqset *s, uint32_t uid)
{
	size_t lo = 0, hi = s != NULL ? s->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (uid < s->r[mid].lo)
			hi = mid;
		else if (uid > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int
seqset_subtract(const struct seqset *a, const struct seqset *b,
    struct seqset *out, struct mp_err *e)
{
	size_t i, j = 0;

	for (i = 0; i < a->n; i++) {
		uint64_t lo = a->r[i].lo, hi = a->r[i].hi;
		while (j < b->n && b->r[j].hi < lo)
			j++;
		/* Cut every range of b that overlaps out of lo..hi. */
		for (size_t k = j; k < b->n && b->r[k].lo <= hi && lo <= hi; k++) {
			if (b->r[k].lo > lo && seqset_add(out, (uint32_t)lo,
			    b->r[k].lo - 1, e) < 0)
				return -1;
			lo = (uint64_t)b->r[k].hi + 1;
		}
		if (lo <= hi && seqset_add(out, (uint32_t)lo, (uint32_t)hi, e) < 0)
			return -1;
	}
	seqset_normalize(out);
	return 0;
}

void
seqset_free(struct seqset *s)
{
	free(s->r);
	memset(s, 0, sizeof *s);
}
