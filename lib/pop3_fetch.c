/* pop3_fetch: scan, retrieve (pipelined), deliver in durable batches,
 * delete, QUIT. */
#include "pop3_fetch.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "msg.h"

#define PF_HEADER_MAX	(256 * 1024)	/* header lines held for the From line */
/* With PIPELINING: retrievals in flight at most, by count and octets, so
 * that the pipe does not drain at 50 ms of latency (mpop keeps 100). */
#define PF_RETR_WINDOW	256
#define PF_RETR_OCTETS	(16 * 1024 * 1024)

enum pf_plan { PF_SKIP, PF_RETR, PF_DELE, PF_SKIP_DELE };

struct pf_msg {
	unsigned num;
	uint64_t size;
	char id[JOURNAL_UIDL_MAX + 1];	/* "" until known (no UIDL) */
	enum pf_plan plan;
	bool deleted;			/* DELE answered +OK */
};

struct pf {
	struct conn *c;
	struct journal *j;
	struct deliver *d;
	const struct pop3_fetch_opts *o;
	struct pop3_fetch_result *r;
	struct pop3_queue q;
	struct pf_msg *m;
	size_t n;
	size_t *retr, nretr;		/* indices of messages to retrieve */
	unsigned *dele;			/* numbers to DELE, a FIFO */
	size_t ndele, dele_head;
	/* The batch being delivered: retr[batch_from .. batch_to). */
	bool batch_open;
	size_t batch_from, batch_to;
	const char **ids;		/* ids of the batch's delivered messages */
	unsigned *nums;
	size_t nids;
	/* The message being read. */
	struct pf_msg *cur;
	char *hdr;			/* header lines held, '\n'-separated */
	size_t hdrlen;
	bool in_header, begun;
	EVP_MD_CTX *sha;
	struct mp_err werr;		/* a local write error */
	bool write_failed;
	uint64_t done;
};

static bool
pf_uidl_ok(const struct pop3_msg *msgs, size_t n, size_t i)
{
	/* A UIDL shared by two messages identifies neither. */
	for (size_t k = 0; k < n; k++) {
		if (k != i && strcmp(msgs[k].uidl, msgs[i].uidl) == 0)
			return false;
	}
	return msgs[i].uidl[0] != '\0';
}

static int
pf_write(struct pf *f, const char *line, size_t n)
{
	if (f->write_failed)
		return 0;
	if (deliver_line(f->d, line, n, &f->werr) < 0)
		f->write_failed = true;
	return 0;
}

/* Begin the message in the target and replay the held header lines. */
static void
pf_begin(struct pf *f)
{
	char sender[256], id[JOURNAL_UIDL_MAX + 1];
	const char *p = f->hdr, *end = f->hdr + f->hdrlen;

	f->begun = true;
	msg_return_path(f->hdr, f->hdrlen, sender, sizeof sender);
	/* Without a UIDL the identity is the content's digest, known at the
	 * end: a stand-in until then. */
	if (f->cur->id[0] != '\0')
		snprintf(id, sizeof id, "%s", f->cur->id);
	else
		snprintf(id, sizeof id, "#%u", f->cur->num);
	if (deliver_begin(f->d, id, sender, time(NULL), &f->werr) < 0) {
		f->write_failed = true;
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		pf_write(f, p, len);
		p += len + 1;
	}
	f->hdrlen = 0;
}

static int
pf_line(void *arg, const char *line, size_t n)
{
	struct pf *f = arg;

	if (f->sha != NULL) {
		EVP_DigestUpdate(f->sha, line, n);
		EVP_DigestUpdate(f->sha, "\n", 1);
	}
	if (!f->begun) {
		if (n > 0 && f->hdrlen + n + 1 <= PF_HEADER_MAX) {
			memcpy(f->hdr + f->hdrlen, line, n);
			f->hdrlen += n;
			f->hdr[f->hdrlen++] = '\n';
			return 0;
		}
		/* The header ends here (or is too long to hold). */
		pf_begin(f);
	}
	return pf_write(f, line, n);
}

/* The delivered messages of the batch become durable; their DELEs may
 * go out. */
static int
pf_commit(struct pf *f, struct mp_err *e)
{
	size_t i;

	if (!f->batch_open)
		return 0;
	f->batch_open = false;
	if (deliver_commit(f->d, f->ids, f->nids, e) < 0)
		return -1;
	for (i = 0; i < f->nids; i++) {
		if (!f->o->keep && f->o->headers_only < 0)
			f->dele[f->ndele++] = f->nums[i];
		free((char *)(uintptr_t)f->ids[i]);
	}
	f->r->messages += f->nids;
	f->nids = 0;
	return 0;
}

/* Open the batch that begins with retr[at]: at most batch_max messages
 * and batch_octets octets. For an mbox they are journaled as begun. */
static int
pf_batch(struct pf *f, size_t at, struct mp_err *e)
{
	uint64_t octets = 0;
	size_t k;
	char (*stand)[16];
	const char *ids[1024];
	int r;

	for (k = at; k < f->nretr && k - at < f->o->batch_max; k++) {
		octets += f->m[f->retr[k]].size;
		if (k > at && octets > f->o->batch_octets)
			break;
	}
	f->batch_open = true;
	f->batch_from = at;
	f->batch_to = k;
	if ((stand = calloc(k - at, sizeof *stand)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (size_t i = at; i < k; i++) {
		snprintf(stand[i - at], sizeof stand[0], "#%u", f->m[f->retr[i]].num);
		ids[i - at] = stand[i - at];
	}
	r = deliver_batch(f->d, ids, k - at, e);
	free(stand);
	return r;
}

/* Read one retrieved message (its +OK read) into the target. */
static int
pf_retrieved(struct pf *f, size_t k, struct mp_err *e)
{
	struct pf_msg *m = &f->m[f->retr[k]];
	bool hashed = m->id[0] == '\0';
	int r;

	if (!f->batch_open && pf_batch(f, k, e) < 0)
		return -1;
	f->cur = m;
	f->hdrlen = 0;
	f->begun = false;
	if (hashed) {
		if ((f->sha == NULL && (f->sha = EVP_MD_CTX_new()) == NULL) ||
		    EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL) != 1)
			return err_set(e, ERR_INTERNAL, "SHA-256 unavailable");
	}
	{
		EVP_MD_CTX *keep = f->sha;
		if (!hashed)
			f->sha = NULL;
		r = pop3_read_multiline(f->c, true, pf_line, f, e);
		f->sha = keep;
	}
	if (r < 0) {
		/* Cut off mid-message: none of it stays. */
		struct mp_err ignored;
		if (f->begun)
			deliver_abort(f->d, &ignored);
		return -1;
	}
	if (!f->begun && !f->write_failed)
		pf_begin(f);
	if (hashed && !f->write_failed) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		EVP_DigestFinal_ex(f->sha, md, &mdlen);
		m->id[0] = '=';
		for (unsigned i = 0; i < 32 && i < mdlen; i++)
			snprintf(m->id + 1 + 2 * i, 3, "%02x", md[i]);
		deliver_set_id(f->d, m->id);
		if (!f->o->all && journal_delivered(f->j, m->id)) {
			/* The same content was delivered before. */
			if (deliver_abort(f->d, &f->werr) < 0)
				f->write_failed = true;
			if (!f->o->keep)
				f->dele[f->ndele++] = m->num;
			goto next;
		}
	}
	if (!f->write_failed && deliver_end(f->d, &f->werr) < 0)
		f->write_failed = true;
	if (f->write_failed) {
		struct mp_err ignored;
		deliver_abort(f->d, &ignored);
		*e = f->werr;
		return -1;
	}
	f->r->octets += m->size;
	f->ids[f->nids] = strdup(m->id);
	if (f->ids[f->nids] == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	f->nums[f->nids++] = m->num;
next:
	f->done++;
	if (f->o->progress != NULL)
		f->o->progress(f->o->progress_arg, f->done, f->nretr, f->r->octets);
	if (k + 1 == f->batch_to)
		return pf_commit(f, e);
	return 0;
}

static int
pf_id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The identities still on the server, sorted: what the seen-list keeps. */
struct pf_kept {
	const char **ids;
	size_t n;
};

static bool
pf_keep(void *arg, const char *uidl)
{
	const struct pf_kept *k = arg;

	return bsearch(&uidl, k->ids, k->n, sizeof *k->ids, pf_id_cmp) != NULL;
}

/* After QUIT: the seen-list keeps only the messages still on the server
 * (the others cannot come back), so it stays as small as the maildrop. */
static int
pf_compact(struct pf *f, struct mp_err *e)
{
	struct pf_kept k = { .n = 0 };
	int r;

	if ((k.ids = calloc(f->n + 1, sizeof *k.ids)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		if (f->m[i].id[0] != '\0' && !f->m[i].deleted)
			k.ids[k.n++] = f->m[i].id;
	}
	qsort(k.ids, k.n, sizeof *k.ids, pf_id_cmp);
	r = journal_compact(f->j, pf_keep, &k, e);
	free(k.ids);
	return r;
}

static void
pf_plan_print(const struct pf *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct pf_msg *m = &f->m[i];
		static const char *const what[] = { "skip", "retrieve", "delete",
		    "delete-oversized" };
		fprintf(f->o->plan, "%u\t%s\t%llu\t%s\n", m->num, what[m->plan],
		    (unsigned long long)m->size, m->id[0] ? m->id : "-");
	}
}

int
pop3_fetch_run(struct conn *c, struct journal *j, struct deliver *d,
    const struct pop3_fetch_opts *o, struct pop3_fetch_result *r,
    struct mp_err *e)
{
	struct pf f = { .c = c, .j = j, .d = d, .o = o, .r = r };
	struct pop3_caps caps;
	struct pop3_msg *msgs = NULL;
	size_t n = 0, i, sent = 0, got = 0;
	bool uidl_ok, quit_sent = false;
	uint64_t retr_octets = 0;	/* of the retrievals in flight */
	int ret = -1;

	memset(r, 0, sizeof *r);
	/* PIPELINING offered before login: CAPA, STAT, LIST and UIDL in one
	 * round trip. Else CAPA first, to know. */
	if (pop3_offered_before(c, "PIPELINING")) {
		if (pop3_capa_scan(c, &caps, true, true, &msgs, &n, &uidl_ok, e) < 0)
			return -1;
	} else if (pop3_capa(c, &caps, e) < 0 ||
	    pop3_scan(c, caps.pipelining, !caps.capa || caps.uidl, &msgs, &n,
	    &uidl_ok, e) < 0) {
		return -1;
	}
	r->on_server = n;
	r->uidl = uidl_ok;
	if ((o->keep || o->headers_only >= 0) && !uidl_ok && !o->all) {
		err_set(e, ERR_UNAVAILABLE, "the server gives no UIDL, so there is no "
		    "telling which messages were fetched before: --keep needs UIDL "
		    "(use --all to fetch everything again)");
		goto quit;
	}
	f.m = calloc(n + 1, sizeof *f.m);
	f.retr = calloc(n + 1, sizeof *f.retr);
	f.dele = calloc(n + 1, sizeof *f.dele);
	f.ids = calloc(o->batch_max + 1, sizeof *f.ids);
	f.nums = calloc(o->batch_max + 1, sizeof *f.nums);
	f.hdr = malloc(PF_HEADER_MAX);
	if (f.m == NULL || f.retr == NULL || f.dele == NULL || f.ids == NULL ||
	    f.nums == NULL || f.hdr == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	f.n = n;
	for (i = 0; i < n; i++) {
		struct pf_msg *m = &f.m[i];
		m->num = msgs[i].num;
		m->size = msgs[i].size;
		if (uidl_ok && pf_uidl_ok(msgs, n, i))
			snprintf(m->id, sizeof m->id, "%s", msgs[i].uidl);
		if (m->id[0] != '\0' && !o->all && journal_delivered(j, m->id))
			m->plan = o->keep || o->headers_only >= 0 ? PF_SKIP : PF_DELE;
		else if (o->max_size > 0 && m->size > o->max_size)
			m->plan = o->delete_oversized && !o->keep ? PF_SKIP_DELE : PF_SKIP;
		else
			m->plan = PF_RETR;
		if (m->plan == PF_RETR)
			f.retr[f.nretr++] = i;
		else if (m->plan == PF_DELE || m->plan == PF_SKIP_DELE)
			f.dele[f.ndele++] = m->num;
		if (m->plan == PF_SKIP || m->plan == PF_SKIP_DELE)
			r->skipped += m->plan == PF_SKIP ? (m->id[0] == '\0' ||
			    !journal_delivered(j, m->id)) : 1;
	}
	if (o->dry_run) {
		pf_plan_print(&f);
		ret = 0;
		goto quit;
	}
	pop3_queue_init(&f.q, c, caps.pipelining ? POP3_QUEUE_MAX : 1);
	while (got < f.nretr || f.dele_head < f.ndele || f.q.len > 0 ||
	    (!quit_sent && caps.pipelining)) {
		enum pop3_kind kind;
		enum pop3_status st;
		unsigned num;
		char text[160];

		/* Keep the pipe full: DELEs first (their replies are short),
		 * then retrievals ahead, up to a window of messages. */
		while (pop3_queue_room(&f.q) && (f.dele_head < f.ndele ||
		    (sent < f.nretr && (!caps.pipelining || (sent - got <
		    PF_RETR_WINDOW && retr_octets < PF_RETR_OCTETS) || sent == got)))) {
			if (f.dele_head < f.ndele) {
				if (pop3_queue_send(&f.q, POP3_Q_DELE, f.dele[f.dele_head++],
				    0, e) < 0)
					goto out;
			} else {
				retr_octets += f.m[f.retr[sent]].size;
				unsigned mnum = f.m[f.retr[sent++]].num;
				if (pop3_queue_send(&f.q, o->headers_only >= 0 ? POP3_Q_TOP :
				    POP3_Q_RETR, mnum, (unsigned)(o->headers_only >= 0 ?
				    o->headers_only : 0), e) < 0)
					goto out;
			}
		}
		/* Everything asked: QUIT goes out with the last DELEs. */
		if (caps.pipelining && !quit_sent && sent == f.nretr && got == f.nretr &&
		    !f.batch_open && f.dele_head == f.ndele && pop3_queue_room(&f.q)) {
			if (pop3_queue_send(&f.q, POP3_Q_QUIT, 0, 0, e) < 0)
				goto out;
			quit_sent = true;
		}
		if (f.q.len == 0)
			break;
		if (pop3_queue_next(&f.q, &kind, &num, &st, text, sizeof text, e) < 0)
			goto out;
		if (kind == POP3_Q_QUIT) {
			if (st != POP3_OK) {
				err_reply(e, 400, NULL, "QUIT failed, nothing was deleted: %s",
				    text);
				r->deleted = r->seen_deleted = 0;
				goto out;
			}
			r->quit_ok = true;
			continue;
		}
		if (kind == POP3_Q_DELE) {
			if (st == POP3_OK) {
				f.m[num - 1].deleted = true;
				r->deleted++;
				if (f.m[num - 1].plan == PF_DELE)
					r->seen_deleted++;
			}
			continue;
		}
		/* RETR or TOP, in the order sent. */
		retr_octets -= f.m[f.retr[got]].size;
		if (st != POP3_OK) {
			/* Gone meanwhile (deleted by another session). */
			r->skipped++;
			f.done++;
			if (!f.batch_open && pf_batch(&f, got, e) < 0)
				goto out;
			if (++got == f.batch_to && pf_commit(&f, e) < 0)
				goto out;
			continue;
		}
		if (pf_retrieved(&f, got, e) < 0) {
			/* Make durable what was complete before the failure: the
			 * next session deletes it without delivering it again.
			 * No QUIT: nothing is deleted this session. */
			struct mp_err ignored;
			pf_commit(&f, &ignored);
			conn_abort(c);
			goto out;
		}
		got++;
	}
	if (pf_commit(&f, e) < 0) {
		conn_abort(c);
		goto out;
	}
	ret = 0;
quit:
	if (quit_sent) {
		/* Its answer was read in the loop. */
	} else if (pop3_quit(c, ret == 0 ? e : &f.werr) == 0) {
		r->quit_ok = true;
	} else if (ret == 0) {
		ret = -1;
	}
	if (!r->quit_ok)
		r->deleted = r->seen_deleted = 0;
	else if (ret == 0 && !o->dry_run && pf_compact(&f, e) < 0)
		ret = -1;
out:
	for (i = 0; i < f.nids; i++)
		free((char *)(uintptr_t)f.ids[i]);
	EVP_MD_CTX_free(f.sha);
	free(f.m);
	free(f.retr);
	free(f.dele);
	free(f.ids);
	free(f.nums);
	free(f.hdr);
	free(msgs);
	return ret;
}
