/* imap_data: reading LIST, STATUS, SEARCH, COPYUID and FETCH responses. */
#include "imap_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "mime.h"

const char *const imap_data_status_names[IMAP_STATUS_N] = {
	"MESSAGES", "RECENT", "UNSEEN", "UIDNEXT", "UIDVALIDITY", "SIZE",
};

static bool
imap_data_is(const struct imap_value *v, const char *atom)
{
	return v->type == IMAP_V_ATOM && v->len == strlen(atom) &&
	    strncasecmp(v->str, atom, v->len) == 0;
}

/* An astring or NIL: a mailbox name. */
static bool
imap_data_stringish(const struct imap_value *v)
{
	return v->type == IMAP_V_ATOM || v->type == IMAP_V_STRING ||
	    v->type == IMAP_V_NUMBER;
}

int
imap_data_list(const struct imap_response *r, struct imap_data_list *l,
    struct mp_err *e)
{
	const struct imap_value *d = &r->data, *dv;
	size_t i;

	if (d->count < 3 || d->items[0].type != IMAP_V_LIST)
		return err_set(e, ERR_PROTOCOL, "malformed %s response: "
		    "attributes, delimiter and name expected", r->name);
	l->attrs = &d->items[0];
	for (i = 0; i < l->attrs->count; i++) {
		if (l->attrs->items[i].type != IMAP_V_ATOM)
			return err_set(e, ERR_PROTOCOL, "malformed %s response: "
			    "attribute is not an atom", r->name);
	}
	dv = &d->items[1];
	if (dv->type == IMAP_V_NIL)
		l->delim = '\0';
	else if (dv->type == IMAP_V_STRING && dv->len == 1)
		l->delim = dv->str[0];
	else
		return err_set(e, ERR_PROTOCOL, "malformed %s response: bad "
		    "hierarchy delimiter", r->name);
	if (!imap_data_stringish(&d->items[2]))
		return err_set(e, ERR_PROTOCOL, "malformed %s response: bad "
		    "mailbox name", r->name);
	l->name = d->items[2].str;
	l->name_len = d->items[2].len;
	/* Items after the name are LIST-EXTENDED extra data: ignored. */
	return 0;
}

int
imap_data_status(const struct imap_response *r, struct imap_data_status *s,
    struct mp_err *e)
{
	const struct imap_value *d = &r->data, *items;
	size_t i, k;

	memset(s, 0, sizeof *s);
	if (d->count != 2 || !imap_data_stringish(&d->items[0]) ||
	    d->items[1].type != IMAP_V_LIST)
		return err_set(e, ERR_PROTOCOL, "malformed STATUS response");
	s->name = d->items[0].str;
	s->name_len = d->items[0].len;
	items = &d->items[1];
	if (items->count % 2 != 0)
		return err_set(e, ERR_PROTOCOL, "malformed STATUS response: odd "
		    "item list");
	for (i = 0; i < items->count; i += 2) {
		const struct imap_value *key = &items->items[i];
		const struct imap_value *val = &items->items[i + 1];
		if (key->type != IMAP_V_ATOM || val->type != IMAP_V_NUMBER)
			return err_set(e, ERR_PROTOCOL, "malformed STATUS response: "
			    "item is not a name and a number");
		for (k = 0; k < IMAP_STATUS_N; k++) {
			if (imap_data_is(key, imap_data_status_names[k])) {
				s->v[k] = val->num;
				s->have[k] = true;
			}
		}
	}
	return 0;
}

int
imap_data_search(const struct imap_response *r, struct seqset *set,
    struct mp_err *e)
{
	const struct imap_value *d = &r->data;
	size_t i = 0;

	if (strcmp(r->name, "SEARCH") == 0) {
		for (i = 0; i < d->count; i++) {
			const struct imap_value *v = &d->items[i];
			/* "(MODSEQ n)" after the numbers with CONDSTORE. */
			if (v->type == IMAP_V_LIST && i == d->count - 1)
				break;
			if (v->type != IMAP_V_NUMBER || v->num == 0 ||
			    v->num > UINT32_MAX)
				return err_set(e, ERR_PROTOCOL, "malformed SEARCH "
				    "response: not a UID");
			if (seqset_add(set, (uint32_t)v->num, (uint32_t)v->num, e) < 0)
				return -1;
		}
		return 0;
	}
	/* ESEARCH: [(TAG "x")] [UID] then name-value pairs. */
	if (i < d->count && d->items[i].type == IMAP_V_LIST)
		i++;
	if (i < d->count && imap_data_is(&d->items[i], "UID"))
		i++;
	for (; i < d->count; i += 2) {
		const struct imap_value *v = &d->items[i + 1];
		if (i + 1 == d->count)
			return err_set(e, ERR_PROTOCOL, "malformed ESEARCH response: "
			    "a result name without a value");
		if (!imap_data_is(&d->items[i], "ALL"))
			continue;
		if (v->type == IMAP_V_NUMBER) {
			if (v->num == 0 || v->num > UINT32_MAX)
				return err_set(e, ERR_PROTOCOL, "malformed ESEARCH "
				    "response: not a UID");
			if (seqset_add(set, (uint32_t)v->num, (uint32_t)v->num, e) < 0)
				return -1;
		} else if (v->type == IMAP_V_ATOM) {
			struct mp_err pe;
			if (seqset_parse(set, v->str, v->len, &pe) < 0)
				return err_set(e, pe.kind == ERR_INTERNAL ? ERR_INTERNAL :
				    ERR_PROTOCOL, "malformed ESEARCH response: %s", pe.text);
		} else {
			return err_set(e, ERR_PROTOCOL, "malformed ESEARCH response: "
			    "ALL without a set");
		}
	}
	return 0;
}

int
imap_data_fetch(const struct imap_response *r, struct imap_data_fetch *f,
    struct mp_err *e)
{
	const struct imap_value *d = &r->data, *items;
	size_t i;

	memset(f, 0, sizeof *f);
	if (!r->has_number || d->count != 1 || d->items[0].type != IMAP_V_LIST)
		return err_set(e, ERR_PROTOCOL, "malformed FETCH response: a "
		    "number and a list expected");
	f->seq = r->number;
	items = &d->items[0];
	if (items->count % 2 != 0)
		return err_set(e, ERR_PROTOCOL, "malformed FETCH response: odd "
		    "item list");
	for (i = 0; i < items->count; i += 2) {
		const struct imap_value *key = &items->items[i];
		const struct imap_value *val = &items->items[i + 1];
		if (key->type != IMAP_V_ATOM)
			return err_set(e, ERR_PROTOCOL, "malformed FETCH response: "
			    "item name is not an atom");
		if (imap_data_is(key, "UID")) {
			if (val->type != IMAP_V_NUMBER || val->num == 0 ||
			    val->num > UINT32_MAX)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: bad UID");
			f->uid = (uint32_t)val->num;
		} else if (imap_data_is(key, "FLAGS")) {
			if (val->type != IMAP_V_LIST)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: FLAGS is not a list");
			for (size_t k = 0; k < val->count; k++) {
				if (val->items[k].type != IMAP_V_ATOM)
					return err_set(e, ERR_PROTOCOL, "malformed FETCH "
					    "response: flag is not an atom");
			}
			f->flags = val;
		} else if (imap_data_is(key, "RFC822.SIZE")) {
			if (val->type != IMAP_V_NUMBER)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: RFC822.SIZE is not a number");
			f->size = val->num;
			f->has_size = true;
		} else if (imap_data_is(key, "INTERNALDATE")) {
			if (val->type != IMAP_V_STRING)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: INTERNALDATE is not a string");
			f->internaldate = val;
		} else if (imap_data_is(key, "ENVELOPE")) {
			if (val->type != IMAP_V_LIST || val->count != 10)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: ENVELOPE is not a list of 10");
			f->envelope = val;
		} else if (imap_data_is(key, "BODY[]")) {
			if (val->type != IMAP_V_STRING && val->type != IMAP_V_NIL)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: BODY[] is not a string");
			f->body = val;
		} else if (imap_data_is(key, "MODSEQ")) {
			if (val->type != IMAP_V_LIST || val->count != 1 ||
			    val->items[0].type != IMAP_V_NUMBER)
				return err_set(e, ERR_PROTOCOL, "malformed FETCH "
				    "response: bad MODSEQ");
			f->modseq = val->items[0].num;
			f->has_modseq = true;
		}
	}
	return 0;
}

/* n digits at s as a number, or -1. */
static int
imap_data_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The parts of an INTERNALDATE: -1 when malformed. */
struct imap_data_when {
	int year, m, day, hh, mm, ss, zh, zm;
	char zsign;
};

static int
imap_data_when(const char *s, size_t n, struct imap_data_when *w)
{
	static const char months[][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char d[26];
	int day, m, year, hh, mm, ss, zh, zm;

	/* date-day-fixed "-" date-month "-" date-year SP time SP zone, the
	 * day as " 7" or "07" (RFC 3501); "7" is taken too. */
	if (n == 25) {
		d[0] = ' ';
		memcpy(d + 1, s, 25);
	} else if (n == 26) {
		memcpy(d, s, 26);
	} else {
		return -1;
	}
	if (d[0] == ' ')
		d[0] = '0';
	if (d[2] != '-' || d[6] != '-' || d[11] != ' ' || d[14] != ':' ||
	    d[17] != ':' || d[20] != ' ' || (d[21] != '+' && d[21] != '-'))
		return -1;
	for (m = 0; m < 12; m++) {
		if (strncasecmp(d + 3, months[m], 3) == 0)
			break;
	}
	day = imap_data_digits(d, 2);
	year = imap_data_digits(d + 7, 4);
	hh = imap_data_digits(d + 12, 2);
	mm = imap_data_digits(d + 15, 2);
	ss = imap_data_digits(d + 18, 2);
	zh = imap_data_digits(d + 22, 2);
	zm = imap_data_digits(d + 24, 2);
	if (m == 12 || day < 1 || day > mdays[m] || year < 0 || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59 || ss < 0 || ss > 60 || zh < 0 || zm < 0 || zm > 59)
		return -1;
	if (m == 1 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 ||
	    year % 400 == 0)))
		return -1;
	w->year = year, w->m = m, w->day = day, w->hh = hh, w->mm = mm;
	w->ss = ss, w->zh = zh, w->zm = zm, w->zsign = d[21];
	return 0;
}

int
imap_data_date(const char *s, size_t n, char *out, size_t cap)
{
	struct imap_data_when w;

	/* By hand: a listing formats one per message, and snprintf was a
	 * tenth of imapls's time. */
	if (cap < 26 || imap_data_when(s, n, &w) < 0)
		return -1;
	{
		const int parts[] = { w.year / 100, w.year % 100, w.m + 1, w.day,
		    w.hh, w.mm, w.ss, w.zh, w.zm };
		const char seps[] = { 0, '-', '-', 'T', ':', ':', w.zsign, ':', 0 };
		size_t i, o = 0;
		for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
			out[o++] = (char)('0' + parts[i] / 10);
			out[o++] = (char)('0' + parts[i] % 10);
			if (seps[i] != 0)
				out[o++] = seps[i];
		}
		out[o] = '\0';
	}
	return 0;
}

int
imap_data_time(const char *s, size_t n, time_t *t)
{
	struct imap_data_when w;
	struct tm tm = { 0 };
	time_t utc;

	if (imap_data_when(s, n, &w) < 0)
		return -1;
	tm.tm_year = w.year - 1900;
	tm.tm_mon = w.m;
	tm.tm_mday = w.day;
	tm.tm_hour = w.hh;
	tm.tm_min = w.mm;
	tm.tm_sec = w.ss > 59 ? 59 : w.ss;
	if ((utc = timegm(&tm)) == (time_t)-1)
		return -1;
	*t = utc - (w.zsign == '-' ? -1 : 1) * (time_t)(w.zh * 3600 + w.zm * 60);
	return 0;
}

static int
imap_data_put(struct imap_data_buf *b, const char *s, size_t n, struct mp_err *e)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *nb;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((nb = realloc(b->p, cap)) == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		b->p = nb;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
imap_data_text(const char *s, size_t n, bool decode, struct imap_data_buf *b,
    struct mp_err *e)
{
	char *dec;
	size_t dn;
	int r;

	if (!decode)
		return imap_data_put(b, s, n, e);
	if (mime_decode_header(s, n, &dec, &dn, e) < 0)
		return -1;
	r = imap_data_put(b, dec, dn, e);
	free(dec);
	return r;
}

/* An nstring's text, "" for NIL. */
static int
imap_data_nstring(const struct imap_value *v, const char **s, size_t *n)
{
	if (v->type == IMAP_V_NIL) {
		*s = "";
		*n = 0;
		return 0;
	}
	if (v->type != IMAP_V_STRING && v->type != IMAP_V_ATOM)
		return -1;
	*s = v->str;
	*n = v->len;
	return 0;
}

int
imap_data_addresses(const struct imap_value *v, bool decode,
    struct imap_data_buf *b, struct mp_err *e)
{
	size_t i;
	bool first = true;

	if (v->type == IMAP_V_NIL)
		return 0;
	if (v->type != IMAP_V_LIST)
		return err_set(e, ERR_PROTOCOL, "malformed ENVELOPE: address list "
		    "is not a list");
	for (i = 0; i < v->count; i++) {
		const struct imap_value *a = &v->items[i];
		const char *name, *adl, *mbox, *host;
		size_t nn, an, mn, hn;

		if (a->type != IMAP_V_LIST || a->count != 4 ||
		    imap_data_nstring(&a->items[0], &name, &nn) < 0 ||
		    imap_data_nstring(&a->items[1], &adl, &an) < 0 ||
		    imap_data_nstring(&a->items[2], &mbox, &mn) < 0 ||
		    imap_data_nstring(&a->items[3], &host, &hn) < 0)
			return err_set(e, ERR_PROTOCOL, "malformed ENVELOPE address");
		if (a->items[3].type == IMAP_V_NIL) {
			/* Group syntax: start "name:", end (NIL NIL NIL NIL). */
			if (a->items[2].type == IMAP_V_NIL) {
				if (imap_data_put(b, ";", 1, e) < 0)
					return -1;
				continue;
			}
			if ((!first && imap_data_put(b, ", ", 2, e) < 0) ||
			    imap_data_text(mbox, mn, decode, b, e) < 0 ||
			    imap_data_put(b, ": ", 2, e) < 0)
				return -1;
			first = true;
			continue;
		}
		if (!first && imap_data_put(b, ", ", 2, e) < 0)
			return -1;
		first = false;
		if (nn > 0 && (imap_data_text(name, nn, decode, b, e) < 0 ||
		    imap_data_put(b, " <", 2, e) < 0))
			return -1;
		if (an > 0 && (imap_data_put(b, adl, an, e) < 0 ||
		    imap_data_put(b, ":", 1, e) < 0))
			return -1;
		if (imap_data_put(b, mbox, mn, e) < 0 || imap_data_put(b, "@", 1, e) < 0 ||
		    imap_data_put(b, host, hn, e) < 0)
			return -1;
		if (nn > 0 && imap_data_put(b, ">", 1, e) < 0)
			return -1;
	}
	return 0;
}

void
imap_data_buf_free(struct imap_data_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- COPYUID */

/* A walk over a UID set as a server sent it: "304,319:320". */
struct imap_data_uidwalk {
	const char *p;
	size_t n, pos;
	uint32_t lo, hi;		/* the current range, ascending */
	uint64_t next;			/* the next UID in it */
};

/* A number 1..2^32-1 at p[*i], advancing *i; -1 if none. */
static int
imap_data_uidnum(const char *p, size_t n, size_t *i, uint32_t *v)
{
	uint64_t x = 0;
	size_t start = *i;

	while (*i < n && p[*i] >= '0' && p[*i] <= '9' && x <= UINT32_MAX)
		x = x * 10 + (uint64_t)(p[(*i)++] - '0');
	if (*i == start || x == 0 || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* The next range of the set into w->lo, w->hi: 1, 0 at the end, -1 when
 * malformed. */
static int
imap_data_uidrange(struct imap_data_uidwalk *w)
{
	uint32_t a, b;

	if (w->pos == w->n)
		return 0;
	if (w->pos > 0 && w->p[w->pos++] != ',')
		return -1;
	if (imap_data_uidnum(w->p, w->n, &w->pos, &a) < 0)
		return -1;
	b = a;
	if (w->pos < w->n && w->p[w->pos] == ':') {
		w->pos++;
		if (imap_data_uidnum(w->p, w->n, &w->pos, &b) < 0)
			return -1;
	}
	if (w->pos < w->n && w->p[w->pos] != ',')
		return -1;
	w->lo = a < b ? a : b;
	w->hi = a < b ? b : a;
	w->next = w->lo;
	return 1;
}

/* The next UID of the walk: 1, 0 at the end, -1 when malformed. */
static int
imap_data_uidnext(struct imap_data_uidwalk *w, uint32_t *uid)
{
	int r;

	if (w->next == 0 || w->next > w->hi) {
		if ((r = imap_data_uidrange(w)) <= 0)
			return r;
	}
	*uid = (uint32_t)w->next++;
	return 1;
}

/* The number of UIDs in a set; -1 when malformed. */
static int
imap_data_uidcount(const char *p, size_t n, uint64_t *count)
{
	struct imap_data_uidwalk w = { p, n, 0, 0, 0, 0 };
	int r;

	*count = 0;
	if (n == 0)
		return -1;
	while ((r = imap_data_uidrange(&w)) > 0)
		*count += (uint64_t)w.hi - w.lo + 1;
	return r;
}

int
imap_data_copyuid(const struct imap_response *r, struct imap_data_copyuid *c,
    struct mp_err *e)
{
	const struct imap_value *a = r->code_args.items;
	uint64_t n;

	memset(c, 0, sizeof *c);
	if (r->code_args.count != 3 || a[0].type != IMAP_V_NUMBER ||
	    a[0].num == 0 || a[0].num > UINT32_MAX ||
	    (a[1].type != IMAP_V_NUMBER && a[1].type != IMAP_V_ATOM) ||
	    (a[2].type != IMAP_V_NUMBER && a[2].type != IMAP_V_ATOM))
		return err_set(e, ERR_PROTOCOL, "malformed [COPYUID] response code");
	c->uidvalidity = (uint32_t)a[0].num;
	c->src = a[1].str;
	c->src_len = a[1].len;
	c->dst = a[2].str;
	c->dst_len = a[2].len;
	if (imap_data_uidcount(c->src, c->src_len, &c->count) < 0 ||
	    imap_data_uidcount(c->dst, c->dst_len, &n) < 0)
		return err_set(e, ERR_PROTOCOL, "malformed UID set in [COPYUID] "
		    "response code");
	if (n != c->count)
		return err_set(e, ERR_PROTOCOL, "[COPYUID] pairs %llu source UIDs "
		    "with %llu", (unsigned long long)c->count, (unsigned long long)n);
	return 0;
}

int
imap_data_copyuid_pairs(const struct imap_data_copyuid *c,
    imap_data_pair_fn *fn, void *arg, struct mp_err *e)
{
	struct imap_data_uidwalk s = { c->src, c->src_len, 0, 0, 0, 0 };
	struct imap_data_uidwalk d = { c->dst, c->dst_len, 0, 0, 0, 0 };
	uint32_t a, b;
	int r;

	/* imap_data_copyuid checked both sets and their sizes. */
	while (imap_data_uidnext(&s, &a) > 0 && imap_data_uidnext(&d, &b) > 0) {
		if ((r = fn(arg, a, b, e)) != 0)
			return r;
	}
	return 0;
}
