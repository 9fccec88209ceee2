/* imap_fetch: new messages of a mailbox into a local target, exactly once. */
#include "imap_fetch.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "imap_data.h"
#include "mailbox.h"
#include "msg.h"

#define IF_ID_MAX	32	/* "top:4294967295:4294967295" */
#define IF_CHUNK	(64 * 1024)
#define IF_BATCH_MAX	1000

/* What the state journal says about the mailbox. */
struct if_state {
	uint32_t uidvalidity;	/* of the marker, or of any id; 0: none */
	uint32_t highest;	/* for uidvalidity */
	bool mixed;		/* ids of several UIDVALIDITY values */
	uint32_t current;	/* the mailbox's, for leftovers */
	struct seqset leftovers; /* delivered, not known removed */
	struct mp_err err;
};

/* A run over one batch of messages. */
struct if_run {
	struct imap *im;
	struct deliver *d;
	const struct imap_fetch_opts *o;
	struct imap_fetch_result *r;
	uint32_t uidvalidity;
	uint32_t *uids;		/* the batch, ascending */
	bool *got;
	size_t n;
	uint64_t total;		/* messages found, for progress */
	/* The message being written. */
	char *line;		/* a line cut by a chunk's end */
	size_t linelen, linecap;
	char *chunk;		/* IF_CHUNK octets, for spooled bodies */
	bool in_header, dropping;
	const struct imap_data_fetch *f;
	uint32_t uid;
	struct mp_err werr;
	bool failed;		/* werr tells why */
};

/* "UIDVALIDITY:UID", or "top:..." for the marker: parsed, or false. */
static bool
if_parse_id(const char *id, bool *top, uint32_t *uv, uint32_t *uid)
{
	unsigned long long a, b;
	char *end;

	*top = strncmp(id, "top:", 4) == 0;
	if (*top)
		id += 4;
	errno = 0;
	a = strtoull(id, &end, 10);
	if (end == id || *end != ':' || errno != 0 || a == 0 || a > UINT32_MAX)
		return false;
	id = end + 1;
	b = strtoull(id, &end, 10);
	if (end == id || *end != '\0' || errno != 0 || b == 0 || b > UINT32_MAX)
		return false;
	*uv = (uint32_t)a;
	*uid = (uint32_t)b;
	return true;
}

static void
if_scan_id(void *arg, const char *id)
{
	struct if_state *st = arg;
	uint32_t uv, uid;
	bool top;

	if (!if_parse_id(id, &top, &uv, &uid))
		return;
	if (st->uidvalidity != 0 && uv != st->uidvalidity)
		st->mixed = true;
	if (st->uidvalidity == 0 || top)
		st->uidvalidity = uv;
}

static void
if_scan_highest(void *arg, const char *id)
{
	struct if_state *st = arg;
	uint32_t uv, uid;
	bool top;

	if (!if_parse_id(id, &top, &uv, &uid) || uv != st->current)
		return;
	if (uid > st->highest)
		st->highest = uid;
	if (!top && st->err.kind == ERR_NONE)
		seqset_add(&st->leftovers, uid, uid, &st->err);
}

/* Compaction: the marker of the highest UID, and the leftovers. */
struct if_keep {
	uint32_t uidvalidity, highest;
	const struct seqset *leftovers;	/* NULL: none kept */
};

static bool
if_keep(void *arg, const char *id)
{
	const struct if_keep *k = arg;
	uint32_t uv, uid;
	bool top;

	if (!if_parse_id(id, &top, &uv, &uid) || uv != k->uidvalidity)
		return false;
	if (top)
		return uid == k->highest;
	return k->leftovers != NULL && seqset_contains(k->leftovers, uid);
}

/* Journal the marker for the highest UID and compact to it (and to the
 * leftovers, when given). */
static int
if_compact(struct journal *j, uint32_t uv, uint32_t highest,
    const struct seqset *leftovers, struct mp_err *e)
{
	struct if_keep k = { uv, highest, leftovers };
	char id[IF_ID_MAX];

	if (highest > 0) {
		snprintf(id, sizeof id, "top:%" PRIu32 ":%" PRIu32, uv, highest);
		if (!journal_delivered(j, id) && journal_done(j, id, e) < 0)
			return -1;
	}
	return journal_compact(j, if_keep, &k, e);
}

/* ---- Writing a message: its body's lines into the target */

static void
if_fail(struct if_run *x)
{
	x->failed = true;
}

static void
if_write(struct if_run *x, const char *p, size_t n)
{
	if (!x->failed && deliver_line(x->d, p, n, &x->werr) < 0)
		if_fail(x);
}

/* The end of the header with --flags-headers: mutt's Status (R read, O
 * old) and X-Status (A answered, F flagged, T draft, D deleted). */
static void
if_status_headers(struct if_run *x)
{
	static const struct {
		const char *flag;
		char letter;
	} xs[] = {
		{ "\\Answered", 'A' }, { "\\Flagged", 'F' }, { "\\Draft", 'T' },
		{ "\\Deleted", 'D' },
	};
	const struct imap_value *fl = x->f->flags;
	char status[16] = "Status: ", xstatus[16] = "X-Status: ";
	size_t sl = 8, xl = 10, i, k;
	bool seen = false;

	for (i = 0; fl != NULL && i < fl->count; i++) {
		const struct imap_value *v = &fl->items[i];
		if (v->len == 5 && strncasecmp(v->str, "\\Seen", 5) == 0)
			seen = true;
		for (k = 0; k < sizeof xs / sizeof xs[0]; k++) {
			if (v->len == strlen(xs[k].flag) &&
			    strncasecmp(v->str, xs[k].flag, v->len) == 0 &&
			    memchr(xstatus + 10, xs[k].letter, xl - 10) == NULL)
				xstatus[xl++] = xs[k].letter;
		}
	}
	if (seen)
		status[sl++] = 'R';
	status[sl++] = 'O';
	if_write(x, status, sl);
	if (xl > 10)
		if_write(x, xstatus, xl);
}

/* The IMAP flags as maildir info letters: \Draft D, \Flagged F,
 * \Answered R, \Seen S, \Deleted T. */
static void
if_maildir_flags(const struct imap_value *fl, char *out, size_t cap)
{
	static const struct {
		const char *flag;
		char letter;
	} map[] = {
		{ "\\Draft", 'D' }, { "\\Flagged", 'F' }, { "\\Answered", 'R' },
		{ "\\Seen", 'S' }, { "\\Deleted", 'T' },
	};
	size_t n = 0;

	for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
		for (size_t i = 0; fl != NULL && i < fl->count; i++) {
			const struct imap_value *v = &fl->items[i];
			if (v->len == strlen(map[k].flag) && n + 1 < cap &&
			    strncasecmp(v->str, map[k].flag, v->len) == 0) {
				out[n++] = map[k].letter;
				break;
			}
		}
	}
	out[n] = '\0';
}

/* One line of the body, without its line end. */
static void
if_line(struct if_run *x, const char *p, size_t n)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (x->in_header && x->o->flags_headers) {
		if (n == 0) {
			if_status_headers(x);
			x->in_header = false;
		} else if (p[0] == ' ' || p[0] == '\t') {
			if (x->dropping)
				return;
		} else {
			x->dropping = (n >= 7 && strncasecmp(p, "Status:", 7) == 0) ||
			    (n >= 9 && strncasecmp(p, "X-Status:", 9) == 0);
			if (x->dropping)
				return;
		}
	}
	if_write(x, p, n);
}

/* Keep p[0..n) of a line cut by a chunk's end. */
static int
if_carry(struct if_run *x, const char *p, size_t n)
{
	if (x->linelen + n > IMAP_FETCH_LINE_MAX) {
		err_set(&x->werr, ERR_DATA, "UID %" PRIu32 ": a line longer than %d "
		    "MiB; not fetched", x->uid, IMAP_FETCH_LINE_MAX / (1024 * 1024));
		if_fail(x);
		return -1;
	}
	if (x->linelen + n > x->linecap) {
		size_t cap = x->linecap ? x->linecap : 4096;
		char *nb;
		while (cap < x->linelen + n)
			cap *= 2;
		if ((nb = realloc(x->line, cap)) == NULL) {
			err_set(&x->werr, ERR_INTERNAL, "out of memory");
			if_fail(x);
			return -1;
		}
		x->line = nb;
		x->linecap = cap;
	}
	memcpy(x->line + x->linelen, p, n);
	x->linelen += n;
	return 0;
}

/* The next n octets of the body. */
static void
if_feed(struct if_run *x, const char *p, size_t n)
{
	while (n > 0 && !x->failed) {
		const char *nl = memchr(p, '\n', n);
		size_t len;
		if (nl == NULL) {
			if_carry(x, p, n);
			return;
		}
		len = (size_t)(nl - p);
		if (x->linelen > 0) {
			if (if_carry(x, p, len) < 0)
				return;
			if_line(x, x->line, x->linelen);
			x->linelen = 0;
		} else {
			if_line(x, p, len);
		}
		p = nl + 1;
		n -= len + 1;
	}
}

/* The body's end: a last line without a line end, and the header's end
 * when the message is all header. */
static void
if_feed_end(struct if_run *x)
{
	if (x->linelen > 0)
		if_line(x, x->line, x->linelen);
	x->linelen = 0;
	if (x->in_header && x->o->flags_headers && !x->failed)
		if_status_headers(x);
}

static ssize_t
if_pread(int fd, char *buf, size_t cap, uint64_t off, struct mp_err *e)
{
	ssize_t got;

	while ((got = pread(fd, buf, cap, (off_t)off)) < 0 && errno == EINTR)
		;
	if (got < 0)
		err_set(e, ERR_IO, "reading the spooled message: %s", strerror(errno));
	return got;
}

static size_t
if_index(const struct if_run *x, uint32_t uid)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (uid < x->uids[mid])
			hi = mid;
		else if (uid > x->uids[mid])
			lo = mid + 1;
		else
			return mid;
	}
	return SIZE_MAX;
}

/* One FETCH response of the batch: the message into the target. */
static int
if_message(void *arg, const struct imap_response *r,
    const struct imap_data_fetch *f, struct mp_err *e)
{
	struct if_run *x = arg;
	char id[IF_ID_MAX], sender[256];
	const char *body = NULL;
	uint64_t size, off = 0;
	size_t i;
	time_t t;
	int fd = -1;
	bool spooled;

	(void)r;
	if (f->body == NULL)
		return 0;	/* flags changing meanwhile */
	if ((i = if_index(x, f->uid)) == SIZE_MAX)
		return err_set(e, ERR_PROTOCOL, "FETCH of UID %" PRIu32 ", which was "
		    "not asked for", f->uid);
	spooled = imap_spooled(x->im, &fd, &size);
	if (x->got[i] || (!spooled && f->body->type == IMAP_V_NIL))
		return 0;	/* twice; or expunged by another client */
	if (!spooled) {
		body = f->body->str;
		size = f->body->len;
	}
	if (f->internaldate == NULL || imap_data_time(f->internaldate->str,
	    f->internaldate->len, &t) < 0)
		t = time(NULL);
	x->f = f;
	x->uid = f->uid;
	x->in_header = true;
	x->dropping = false;
	x->linelen = 0;
	if (spooled) {
		ssize_t got = if_pread(fd, x->chunk, IF_CHUNK, 0, e);
		if (got < 0)
			return -1;
		msg_return_path(x->chunk, (size_t)got, sender, sizeof sender);
	} else {
		msg_return_path(body, size < IF_CHUNK ? size : IF_CHUNK, sender,
		    sizeof sender);
	}
	snprintf(id, sizeof id, "%" PRIu32 ":%" PRIu32, x->uidvalidity, f->uid);
	if (deliver_begin(x->d, id, sender, t, &x->werr) < 0) {
		*e = x->werr;
		return -1;
	}
	if (!spooled) {
		if_feed(x, body, size);
	} else {
		while (off < size && !x->failed) {
			ssize_t got = if_pread(fd, x->chunk, IF_CHUNK, off, &x->werr);
			if (got <= 0) {
				if (got == 0)
					err_set(&x->werr, ERR_IO, "the spooled message is "
					    "shorter than fetched");
				if_fail(x);
				break;
			}
			if_feed(x, x->chunk, (size_t)got);
			off += (uint64_t)got;
		}
	}
	if_feed_end(x);
	if (!x->failed) {
		char letters[8];
		if_maildir_flags(f->flags, letters, sizeof letters);
		deliver_set_flags(x->d, letters);
	}
	if (!x->failed && deliver_end(x->d, &x->werr) < 0)
		if_fail(x);
	if (x->failed) {
		struct mp_err ignored;
		deliver_abort(x->d, &ignored);
		*e = x->werr;
		return -1;
	}
	x->got[i] = true;
	x->r->messages++;
	x->r->octets += size;
	if (x->o->progress != NULL)
		x->o->progress(x->o->progress_arg, x->r->messages, x->total,
		    x->r->octets);
	return 0;
}

/* Fetch the batch x->uids[0..n) and make what arrived durable. */
static int
if_batch(struct if_run *x, struct mp_err *e)
{
	char (*ids)[IF_ID_MAX];
	const char **idp;
	struct seqset set = { 0 };
	size_t i, k = 0;
	int ret = 0;
	struct mp_err ce;

	ids = calloc(x->n, sizeof *ids);
	idp = calloc(x->n, sizeof *idp);
	if (ids == NULL || idp == NULL) {
		free(ids);
		free(idp);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	for (i = 0; i < x->n; i++) {
		snprintf(ids[i], sizeof ids[i], "%" PRIu32 ":%" PRIu32,
		    x->uidvalidity, x->uids[i]);
		idp[i] = ids[i];
		x->got[i] = false;
		if (seqset_add(&set, x->uids[i], x->uids[i], e) < 0) {
			ret = -1;
			goto out;
		}
	}
	seqset_normalize(&set);
	if (deliver_batch(x->d, idp, x->n, e) < 0) {
		ret = -1;
		goto out;
	}
	ret = mailbox_fetch(x->im, &set, "(UID FLAGS INTERNALDATE BODY.PEEK[])",
	    if_message, x, NULL, e);
	/* What arrived whole is made durable even when the rest failed. */
	for (i = 0; i < x->n; i++) {
		if (x->got[i])
			idp[k++] = ids[i];
		else if (ret == 0)
			x->r->vanished++;
	}
	if (deliver_commit(x->d, idp, k, &ce) < 0) {
		if (ret == 0)
			*e = ce;
		ret = -1;
	}
out:
	seqset_free(&set);
	free(ids);
	free(idp);
	return ret;
}

/* The UIDs found above the highest: criteria "UID n:*" and the user's;
 * "n:*" also matches the last message when its UID is below n. */
static int
if_search(struct imap *im, uint32_t after, const char *criteria,
    struct seqset *found, struct mp_err *e)
{
	struct seqset all = { 0 };
	char *text;
	size_t len;
	int ret;

	if (after == UINT32_MAX)
		return 0;
	len = (criteria != NULL ? strlen(criteria) : 0) + 40;
	if ((text = malloc(len)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	snprintf(text, len, "UID %" PRIu32 ":*%s%s%s", after + 1,
	    criteria != NULL ? " (" : "", criteria != NULL ? criteria : "",
	    criteria != NULL ? ")" : "");
	ret = mailbox_search(im, text, &all, e);
	free(text);
	/* Without the user's criteria a BAD refuses our own command: a
	 * protocol error, not a usage error. */
	if (ret < 0 && criteria == NULL && e->kind == ERR_USAGE)
		e->kind = ERR_PROTOCOL;
	if (ret == 0) {
		seqset_normalize(&all);
		for (size_t i = 0; i < all.n && ret == 0; i++) {
			uint32_t lo = all.r[i].lo > after ? all.r[i].lo : after + 1;
			if (lo <= all.r[i].hi)
				ret = seqset_add(found, lo, all.r[i].hi, e);
		}
		seqset_normalize(found);
	}
	seqset_free(&all);
	return ret;
}

/* Flag the delivered (and leftover) messages, once durable. */
static int
if_after(struct imap *im, const struct imap_fetch_opts *o,
    const struct seqset *done, struct imap_fetch_result *r, struct mp_err *e)
{
	if (done->n == 0)
		return 0;
	if (o->delete) {
		if (mailbox_store(im, done, "+FLAGS.SILENT (\\Deleted)", 0, 0, NULL,
		    NULL, NULL, NULL, e) < 0 ||
		    mailbox_expunge(im, done, &r->deleted, e) < 0)
			return -1;
	} else if (o->mark_seen) {
		if (mailbox_store(im, done, "+FLAGS.SILENT (\\Seen)", 0, 0, NULL,
		    NULL, NULL, NULL, e) < 0)
			return -1;
	}
	return 0;
}

int
imap_fetch_mailbox(struct imap *im, const char *mailbox, struct journal *j,
    struct deliver *d, const struct imap_fetch_opts *o,
    struct imap_fetch_result *r, struct mp_err *e)
{
	struct if_state st = { 0 };
	struct mailbox_info info;
	struct seqset found = { 0 }, done = { 0 };
	struct if_run x = { .im = im, .d = d, .o = o, .r = r };
	size_t batch_max = o->batch_max ? o->batch_max : 100, i;
	uint64_t batch_octets = o->batch_octets ? o->batch_octets : 8 << 20;
	uint64_t before;
	int ret = -1;
	bool writes = o->delete || o->mark_seen;

	memset(r, 0, sizeof *r);
	if (batch_max > IF_BATCH_MAX)
		batch_max = IF_BATCH_MAX;
	if (o->delete && !imap_has_cap(im, "UIDPLUS"))
		return err_set(e, ERR_UNAVAILABLE, "the server has no UIDPLUS: "
		    "--delete could not expunge exactly the messages fetched");
	if (mailbox_open(im, mailbox, !writes || o->dry_run, &info, e) < 0)
		return -1;
	if (writes && info.read_only && !o->dry_run)
		return err_set(e, ERR_AUTH, "%s is read-only for this user",
		    mailbox);
	r->uidvalidity = x.uidvalidity = info.uidvalidity;
	journal_each(j, if_scan_id, &st);
	r->old_uidvalidity = st.uidvalidity;
	if (st.uidvalidity != 0 && (st.uidvalidity != info.uidvalidity ||
	    st.mixed)) {
		if (!o->refetch)
			return err_set(e, ERR_DATA, "UIDVALIDITY of %s is now %" PRIu32
			    ", was %" PRIu32 ": its UIDs name other messages now; "
			    "--on-uidvalidity-change=refetch fetches it all again",
			    mailbox, info.uidvalidity, st.uidvalidity);
		/* Forget the old UIDs. */
		if (!o->dry_run && if_compact(j, info.uidvalidity, 0, NULL, e) < 0)
			return -1;
	}
	st.current = info.uidvalidity;
	journal_each(j, if_scan_highest, &st);
	if (st.err.kind != ERR_NONE) {
		*e = st.err;
		goto out;
	}
	seqset_normalize(&st.leftovers);
	if (if_search(im, st.highest, o->criteria, &found, e) < 0)
		goto out;
	r->found = seqset_count(&found);
	r->highest = st.highest;
	if (o->dry_run) {
		for (i = 0; i < found.n; i++) {
			for (uint64_t u = found.r[i].lo; u <= found.r[i].hi; u++)
				fprintf(o->plan, "%" PRIu64 "\n", u);
		}
		ret = 0;
		goto out;
	}

	x.total = r->found;
	x.uids = calloc(batch_max, sizeof *x.uids);
	x.got = calloc(batch_max, sizeof *x.got);
	x.chunk = malloc(IF_CHUNK);
	if (x.uids == NULL || x.got == NULL || x.chunk == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	ret = 0;
	imap_spool_literals(im, IMAP_FETCH_SPOOL_MIN);
	/* Batches of batch_max, fewer when the messages are large: about
	 * batch_octets between two fsyncs. */
	size_t want = batch_max;
	for (i = 0; i < found.n;) {
		uint64_t u;
		x.n = 0;
		for (; i < found.n && x.n < want; i++) {
			for (u = found.r[i].lo; u <= found.r[i].hi && x.n < want; u++)
				x.uids[x.n++] = (uint32_t)u;
			if (u <= found.r[i].hi) {
				found.r[i].lo = (uint32_t)u;
				break;
			}
		}
		before = r->octets;
		if (if_batch(&x, e) < 0)
			ret = -1;
		for (size_t k = 0; k < x.n; k++) {
			if (x.got[k]) {
				struct mp_err ae;
				if (x.uids[k] > r->highest)
					r->highest = x.uids[k];
				if (seqset_add(&done, x.uids[k], x.uids[k], &ae) < 0 &&
				    ret == 0) {
					*e = ae;
					ret = -1;
				}
			}
		}
		if (ret < 0)
			break;
		if (x.n > 0 && r->octets > before) {
			uint64_t avg = (r->octets - before) / x.n + 1;
			want = batch_octets / avg;
			want = want < 1 ? 1 : want > batch_max ? batch_max : want;
		}
	}
	imap_spool_literals(im, 0);
	if (o->delete) {
		/* Those of earlier runs whose removal was not confirmed too. */
		struct mp_err ae;
		for (i = 0; i < st.leftovers.n; i++) {
			if (seqset_add(&done, st.leftovers.r[i].lo, st.leftovers.r[i].hi,
			    &ae) < 0 && ret == 0) {
				*e = ae;
				ret = -1;
			}
		}
	}
	seqset_normalize(&done);
	if (ret == 0 && if_after(im, o, &done, r, e) < 0)
		ret = -1;
	/* The state: the marker of the highest UID, and after a failure with
	 * --delete what is delivered and maybe still on the server. Nothing
	 * to write when nothing changed. */
	if (r->messages > 0 || (o->delete && st.leftovers.n > 0) ||
	    r->old_uidvalidity != r->uidvalidity) {
		struct mp_err ce;
		if (if_compact(j, info.uidvalidity, r->highest, o->delete && ret < 0 ?
		    &done : NULL, &ce) < 0 && ret == 0) {
			*e = ce;
			ret = -1;
		}
	}
out:
	free(x.uids);
	free(x.got);
	free(x.chunk);
	free(x.line);
	seqset_free(&found);
	seqset_free(&done);
	seqset_free(&st.leftovers);
	return ret;
}
