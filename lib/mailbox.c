/* mailbox: LIST, STATUS, EXAMINE/SELECT, SEARCH and FETCH over lib/imap. */
#include "mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAILBOX_LIST_MAX	1000000	/* mailboxes held from one LIST */
#define MAILBOX_SET_OCTETS	1000	/* a sequence set in one command */

/* ---- LIST */

struct mailbox_listing {
	struct mailbox_entry *list;
	size_t n, cap;
	struct imap *im;
};

/* Atoms of a list joined by spaces into an allocated string. */
static char *
mailbox_join(const struct imap_value *v)
{
	size_t i, len = 0;
	char *s;

	for (i = 0; i < v->count; i++)
		len += v->items[i].len + 1;
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	len = 0;
	for (i = 0; i < v->count; i++) {
		if (i > 0)
			s[len++] = ' ';
		memcpy(s + len, v->items[i].str, v->items[i].len);
		len += v->items[i].len;
	}
	s[len] = '\0';
	return s;
}

static bool
mailbox_has_attr(const struct imap_value *attrs, const char *a)
{
	size_t i, n = strlen(a);

	for (i = 0; i < attrs->count; i++) {
		const struct imap_value *v = &attrs->items[i];
		if (v->len == n && strncasecmp(v->str, a, n) == 0)
			return true;
	}
	return false;
}

static int
mailbox_list_add(struct mailbox_listing *ls, const struct imap_response *r,
    struct mp_err *e)
{
	struct imap_data_list l;
	struct mailbox_entry *m;

	if (imap_data_list(r, &l, e) < 0)
		return -1;
	if (ls->n == MAILBOX_LIST_MAX)
		return err_set(e, ERR_PROTOCOL, "more than %d mailboxes listed",
		    MAILBOX_LIST_MAX);
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct mailbox_entry *nl = realloc(ls->list, cap * sizeof *nl);
		if (nl == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		ls->list = nl;
		ls->cap = cap;
	}
	m = &ls->list[ls->n];
	memset(m, 0, sizeof *m);
	m->delim = l.delim;
	m->noselect = mailbox_has_attr(l.attrs, "\\Noselect") ||
	    mailbox_has_attr(l.attrs, "\\NonExistent");
	m->name = imap_mailbox_name(ls->im, l.name, l.name_len);
	m->wire = strndup(l.name, l.name_len);
	m->attrs = mailbox_join(l.attrs);
	ls->n++;
	if (m->name == NULL || m->wire == NULL || m->attrs == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	return 0;
}

/* STATUS counts to the mailbox they name (the last one first: with
 * LIST-STATUS it follows its LIST response). */
static int
mailbox_list_status(struct mailbox_listing *ls, const struct imap_response *r,
    struct mp_err *e)
{
	struct imap_data_status st;
	size_t i;

	if (imap_data_status(r, &st, e) < 0)
		return -1;
	for (i = ls->n; i-- > 0;) {
		struct mailbox_entry *m = &ls->list[i];
		if (strlen(m->wire) == st.name_len &&
		    memcmp(m->wire, st.name, st.name_len) == 0) {
			m->status = st;
			m->status.name = NULL;
			m->status.name_len = 0;
			return 0;
		}
	}
	return 0;		/* a mailbox not listed: not ours to show */
}

static int
mailbox_list_untagged(void *arg, const struct imap_response *r, struct mp_err *e)
{
	struct mailbox_listing *ls = arg;

	if (strcmp(r->name, "LIST") == 0 || strcmp(r->name, "LSUB") == 0)
		return mailbox_list_add(ls, r, e);
	if (strcmp(r->name, "STATUS") == 0)
		return mailbox_list_status(ls, r, e);
	return 0;
}

/* "(MESSAGES RECENT UNSEEN UIDNEXT UIDVALIDITY [SIZE])" */
static void
mailbox_status_items(struct imap *im, char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[len++] = '(';
	for (i = 0; i < IMAP_STATUS_N; i++) {
		if (i == IMAP_STATUS_SIZE && !imap_has_cap(im, "STATUS=SIZE"))
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
		    i > 0 ? " " : "", imap_data_status_names[i]);
	}
	snprintf(buf + len, cap - len, ")");
}

/* One STATUS per selectable mailbox, IMAP_INFLIGHT_MAX in flight. */
static int
mailbox_status_each(struct imap *im, struct mailbox_listing *ls, struct mp_err *e)
{
	struct imap_cmd *cmds;
	char items[128];
	size_t i, sent = 0;
	int r = 0;

	if ((cmds = calloc(IMAP_INFLIGHT_MAX, sizeof *cmds)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	mailbox_status_items(im, items, sizeof items);
	for (i = 0; i < ls->n && r == 0; i++) {
		struct imap_cmd *c = &cmds[sent % IMAP_INFLIGHT_MAX];
		if (ls->list[i].noselect)
			continue;
		/* Reusing a slot: its command must be complete first. */
		if (sent >= IMAP_INFLIGHT_MAX && imap_wait(im, c, e) < 0) {
			r = -1;
			break;
		}
		imap_cmd_begin(im, "STATUS");
		/* The name as the server spelled it, not re-encoded. */
		imap_cmd_string(im, ls->list[i].wire, strlen(ls->list[i].wire));
		imap_cmd_add(im, items);
		r = imap_cmd_send(im, c, e);
		sent++;
	}
	/* A NO (a mailbox gone meanwhile) leaves its counts empty. */
	for (i = 0; r == 0 && i < sent && i < IMAP_INFLIGHT_MAX; i++)
		r = imap_wait(im, &cmds[i], e);
	free(cmds);
	return r;
}

int
mailbox_list(struct imap *im, const char *reference, const char *pattern,
    int how, struct mailbox_entry **list, size_t *n, struct mp_err *e)
{
	struct mailbox_listing ls = { .im = im };
	struct imap_cmd cmd;
	bool extended = imap_has_cap(im, "LIST-EXTENDED");
	bool sub = (how & MAILBOX_SUBSCRIBED) != 0;
	bool list_status = (how & MAILBOX_STATUS) && imap_has_cap(im, "LIST-STATUS");
	bool special = imap_has_cap(im, "SPECIAL-USE") && extended;
	int r = -1;

	*list = NULL;
	*n = 0;
	imap_cmd_begin(im, sub && !extended ? "LSUB" : "LIST");
	if (sub && extended)
		imap_cmd_add(im, "(SUBSCRIBED)");
	imap_cmd_mailbox(im, reference);
	imap_cmd_mailbox(im, pattern);
	if (!(sub && !extended) && (list_status || special)) {
		char items[128], ret[192];
		mailbox_status_items(im, items, sizeof items);
		snprintf(ret, sizeof ret, "RETURN (%s%s%s%s)",
		    special ? "SPECIAL-USE" : "", special && list_status ? " " : "",
		    list_status ? "STATUS " : "", list_status ? items : "");
		imap_cmd_add(im, ret);
	}
	imap_set_handler(im, mailbox_list_untagged, &ls);
	if (imap_run(im, &cmd, e) < 0)
		goto out;
	if (cmd.status != IMAP_OK) {
		imap_cmd_error(&cmd, sub && !extended ? "LSUB" : "LIST",
		    ERR_UNAVAILABLE, ERR_USAGE, e);
		goto out;
	}
	if ((how & MAILBOX_STATUS) && !list_status &&
	    mailbox_status_each(im, &ls, e) < 0)
		goto out;
	r = 0;
out:
	imap_set_handler(im, NULL, NULL);
	if (r < 0) {
		mailbox_list_free(ls.list, ls.n);
		return -1;
	}
	*list = ls.list;
	*n = ls.n;
	return 0;
}

void
mailbox_list_free(struct mailbox_entry *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].wire);
		free(list[i].attrs);
	}
	free(list);
}

/* ---- EXAMINE / SELECT */

static void
mailbox_flags_text(const struct imap_value *v, char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < v->count && len < cap; i++) {
		int k = snprintf(buf + len, cap - len, "%s%.*s", i > 0 ? " " : "",
		    (int)v->items[i].len, v->items[i].str ? v->items[i].str : "");
		if (k < 0 || (size_t)k >= cap - len) {
			buf[len] = '\0';	/* cut at a whole flag */
			return;
		}
		len += (size_t)k;
	}
}

static int
mailbox_code_number(const struct imap_response *r, uint64_t *v, struct mp_err *e)
{
	if (r->code_args.count < 1 || r->code_args.items[0].type != IMAP_V_NUMBER)
		return err_set(e, ERR_PROTOCOL, "malformed [%s] response code",
		    r->code);
	*v = r->code_args.items[0].num;
	return 0;
}

static int
mailbox_open_untagged(void *arg, const struct imap_response *r, struct mp_err *e)
{
	struct mailbox_info *info = arg;
	uint64_t v = 0;

	if (strcmp(r->name, "EXISTS") == 0 && r->has_number) {
		info->exists = r->number;
	} else if (strcmp(r->name, "FLAGS") == 0 && r->data.count == 1 &&
	    r->data.items[0].type == IMAP_V_LIST) {
		mailbox_flags_text(&r->data.items[0], info->flags, sizeof info->flags);
	} else if (strcmp(r->code, "UIDVALIDITY") == 0) {
		if (mailbox_code_number(r, &v, e) < 0)
			return -1;
		if (v == 0 || v > UINT32_MAX)
			return err_set(e, ERR_PROTOCOL, "UIDVALIDITY out of range");
		info->uidvalidity = (uint32_t)v;
	} else if (strcmp(r->code, "UIDNEXT") == 0) {
		if (mailbox_code_number(r, &v, e) < 0)
			return -1;
		info->uidnext = v > UINT32_MAX ? 0 : (uint32_t)v;
	} else if (strcmp(r->code, "HIGHESTMODSEQ") == 0) {
		if (mailbox_code_number(r, &v, e) < 0)
			return -1;
		info->highestmodseq = v;
	} else if (strcmp(r->code, "PERMANENTFLAGS") == 0) {
		if (r->code_args.count != 1 || r->code_args.items[0].type != IMAP_V_LIST)
			return err_set(e, ERR_PROTOCOL, "malformed [PERMANENTFLAGS] "
			    "response code");
		mailbox_flags_text(&r->code_args.items[0], info->permanentflags,
		    sizeof info->permanentflags);
		info->has_permanentflags = true;
	}
	return 0;
}

int
mailbox_open(struct imap *im, const char *name, bool read_only,
    struct mailbox_info *info, struct mp_err *e)
{
	struct imap_cmd cmd;
	const char *verb = read_only ? "EXAMINE" : "SELECT";
	char what[300];
	int r;

	memset(info, 0, sizeof *info);
	snprintf(what, sizeof what, "%s %s", verb, name);
	imap_cmd_begin(im, verb);
	imap_cmd_mailbox(im, name);
	imap_set_handler(im, mailbox_open_untagged, info);
	r = imap_run(im, &cmd, e);
	imap_set_handler(im, NULL, NULL);
	if (r < 0)
		return -1;
	if (cmd.status != IMAP_OK)
		return imap_cmd_error(&cmd, what, ERR_NOINPUT, ERR_USAGE, e);
	if (info->uidvalidity == 0)
		return err_set(e, ERR_PROTOCOL, "%s: the server sent no UIDVALIDITY",
		    what);
	info->read_only = read_only || strcmp(cmd.code, "READ-ONLY") == 0;
	return 0;
}

/* ---- SEARCH */

static int
mailbox_search_untagged(void *arg, const struct imap_response *r,
    struct mp_err *e)
{
	if (strcmp(r->name, "SEARCH") == 0 || strcmp(r->name, "ESEARCH") == 0)
		return imap_data_search(r, arg, e);
	return 0;
}

int
mailbox_search(struct imap *im, const char *criteria, struct seqset *set,
    struct mp_err *e)
{
	struct imap_cmd cmd;
	int r;

	if (criteria[strspn(criteria, " \t")] == '\0')
		return err_set(e, ERR_USAGE, "empty search criteria");
	imap_cmd_begin(im, "UID SEARCH");
	if (imap_has_cap(im, "ESEARCH"))
		imap_cmd_add(im, "RETURN (ALL)");
	if (imap_criteria_8bit(im, criteria))
		imap_cmd_add(im, "CHARSET UTF-8");
	imap_cmd_criteria(im, criteria);
	imap_set_handler(im, mailbox_search_untagged, set);
	r = imap_run(im, &cmd, e);
	imap_set_handler(im, NULL, NULL);
	if (r < 0)
		return -1;
	if (cmd.status != IMAP_OK)
		return imap_cmd_error(&cmd, "search", strcmp(cmd.code, "BADCHARSET")
		    == 0 ? ERR_USAGE : ERR_UNAVAILABLE, ERR_USAGE, e);
	seqset_normalize(set);
	return 0;
}

/* ---- FETCH */

struct mailbox_fetching {
	mailbox_fetch_fn *fn;
	void *arg;
	uint64_t expunged;
};

static int
mailbox_fetch_untagged(void *arg, const struct imap_response *r,
    struct mp_err *e)
{
	struct mailbox_fetching *f = arg;
	struct imap_data_fetch d;

	if (strcmp(r->name, "EXPUNGE") == 0) {
		f->expunged++;
		return 0;
	}
	if (strcmp(r->name, "FETCH") != 0)
		return 0;
	if (imap_data_fetch(r, &d, e) < 0)
		return -1;
	if (d.uid == 0)
		return 0;
	return f->fn(f->arg, r, &d, e);
}

/* Counts the rows passed on. */
struct mailbox_counting {
	mailbox_fetch_fn *fn;
	void *arg;
	uint64_t rows;
};

static int
mailbox_count_row(void *arg, const struct imap_response *r,
    const struct imap_data_fetch *f, struct mp_err *e)
{
	struct mailbox_counting *c = arg;

	c->rows++;
	return c->fn(c->arg, r, f, e);
}

/* One UID FETCH for setspec, waited for: each piece after the one before
 * has completed, because servers (Dovecot) run pipelined FETCH commands
 * side by side and their rows would come out mixed. */
static int
mailbox_fetch_one(struct imap *im, const char *setspec, const char *items,
    struct mp_err *e)
{
	struct imap_cmd cmd;

	imap_cmd_begin(im, "UID FETCH");
	imap_cmd_add(im, setspec);
	imap_cmd_add(im, items);
	if (imap_run(im, &cmd, e) < 0)
		return -1;
	if (cmd.status != IMAP_OK)
		return imap_cmd_error(&cmd, "UID FETCH", ERR_UNAVAILABLE, ERR_PROTOCOL,
		    e);
	return 0;
}

int
mailbox_fetch(struct imap *im, const struct seqset *set, const char *items,
    mailbox_fetch_fn *fn, void *arg, uint64_t *expunged, struct mp_err *e)
{
	struct mailbox_fetching f = { .fn = fn, .arg = arg };
	char buf[MAILBOX_SET_OCTETS + 1];
	size_t pos = 0;
	int r = 0;

	imap_set_handler(im, mailbox_fetch_untagged, &f);
	if (set == NULL)
		r = mailbox_fetch_one(im, "1:*", items, e);
	while (r == 0 && set != NULL && seqset_format(set, &pos, buf, sizeof buf) > 0)
		r = mailbox_fetch_one(im, buf, items, e);
	imap_set_handler(im, NULL, NULL);
	if (expunged != NULL)
		*expunged = f.expunged;
	return r;
}

int
mailbox_fetch_search(struct imap *im, const char *criteria, const char *items,
    mailbox_fetch_fn *fn, void *arg, uint64_t *found, struct mp_err *e)
{
	struct mailbox_fetching f = { .fn = fn, .arg = arg };
	struct mailbox_counting cnt = { .fn = fn, .arg = arg };
	struct imap_cmd search, fetch;
	struct seqset set = { 0 };
	int r;

	*found = 0;
	if (!imap_has_cap(im, "SEARCHRES")) {
		if (mailbox_search(im, criteria, &set, e) < 0)
			r = -1;
		else
			r = set.n == 0 ? 0 : mailbox_fetch(im, &set, items,
			    mailbox_count_row, &cnt, NULL, e);
		seqset_free(&set);
		*found = cnt.rows;
		return r;
	}
	/* RFC 5182: the result stays on the server as "$", and both
	 * commands go out at once; one FETCH keeps the rows in order. */
	if (criteria[strspn(criteria, " \t")] == '\0')
		return err_set(e, ERR_USAGE, "empty search criteria");
	f.fn = mailbox_count_row;
	f.arg = &cnt;
	imap_cmd_begin(im, "UID SEARCH RETURN (SAVE)");
	if (imap_criteria_8bit(im, criteria))
		imap_cmd_add(im, "CHARSET UTF-8");
	imap_cmd_criteria(im, criteria);
	if (imap_cmd_send(im, &search, e) < 0)
		return -1;
	imap_cmd_begin(im, "UID FETCH $");
	imap_cmd_add(im, items);
	if (imap_cmd_send(im, &fetch, e) < 0)
		return -1;
	imap_set_handler(im, mailbox_fetch_untagged, &f);
	r = imap_wait(im, &search, e);
	if (r == 0)
		r = imap_wait(im, &fetch, e);
	imap_set_handler(im, NULL, NULL);
	*found = cnt.rows;
	if (r < 0)
		return -1;
	if (search.status != IMAP_OK)
		return imap_cmd_error(&search, "search", strcmp(search.code,
		    "BADCHARSET") == 0 ? ERR_USAGE : ERR_UNAVAILABLE, ERR_USAGE, e);
	if (fetch.status != IMAP_OK)
		return imap_cmd_error(&fetch, "UID FETCH", ERR_UNAVAILABLE,
		    ERR_PROTOCOL, e);
	return 0;
}

/* ---- Which UIDs exist, STORE, EXPUNGE: pieces of a set, pipelined */


struct mailbox_piece {
	struct imap_cmd cmd;
	size_t from, to;
};

/* Send "verb piece rest [mailbox]" for every piece of set (at most
 * window in flight), calling done for each completed piece with the
 * ranges [from, to) of set it covered. A NO or BAD stops: the pieces
 * done before it were reported, what follows is not; the commands in
 * flight then are still waited for, so the session stays usable. */
static int
mailbox_pieces(struct imap *im, const struct seqset *set, const char *verb,
    const char *rest, const char *mailbox, size_t window,
    struct seqset *code_set, const char *what, mailbox_piece_fn *done,
    void *arg, struct mp_err *e)
{
	struct mailbox_piece *p;
	char buf[MAILBOX_SET_OCTETS + 1];
	size_t pos = 0, sent = 0, next = 0, i;
	bool refused = false;
	int r = 0;

	if (window < 1 || window > IMAP_INFLIGHT_MAX)
		window = IMAP_INFLIGHT_MAX;
	if ((p = calloc(window, sizeof *p)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (;;) {
		size_t from = pos;
		if (seqset_format(set, &pos, buf, sizeof buf) == 0)
			break;
		/* A slot is free once its piece is complete. */
		if (sent - next == window) {
			struct mailbox_piece *q = &p[next % window];
			if ((r = imap_wait(im, &q->cmd, e)) < 0)
				break;
			if (q->cmd.status != IMAP_OK) {
				r = imap_cmd_error(&q->cmd, what, ERR_UNAVAILABLE,
				    ERR_PROTOCOL, e);
				refused = true;
				break;
			}
			if (done != NULL && (r = done(arg, set, q->from, q->to, e)) < 0)
				break;
			next++;
		}
		imap_cmd_begin(im, verb);
		imap_cmd_add(im, buf);
		if (rest != NULL)
			imap_cmd_add(im, rest);
		if (mailbox != NULL)
			imap_cmd_mailbox(im, mailbox);
		imap_cmd_code_set(im, code_set);
		p[sent % window].from = from;
		p[sent % window].to = pos;
		if ((r = imap_cmd_send(im, &p[sent % window].cmd, e)) < 0)
			break;
		sent++;
	}
	for (i = next; (r == 0 || refused) && i < sent; i++) {
		struct mailbox_piece *q = &p[i % window];
		struct mp_err we;
		if (imap_wait(im, &q->cmd, &we) < 0) {
			*e = we;
			r = -1;
			break;
		}
		if (refused)
			continue;	/* only drained */
		if (q->cmd.status != IMAP_OK) {
			r = imap_cmd_error(&q->cmd, what, ERR_UNAVAILABLE, ERR_PROTOCOL, e);
			refused = true;
		} else if (done != NULL) {
			r = done(arg, set, q->from, q->to, e);
		}
	}
	free(p);
	return r;
}

int
mailbox_existing(struct imap *im, const struct seqset *set, struct seqset *found,
    struct mp_err *e)
{
	int r;

	imap_set_handler(im, mailbox_search_untagged, found);
	r = mailbox_pieces(im, set, imap_has_cap(im, "ESEARCH") ?
	    "UID SEARCH RETURN (ALL) UID" : "UID SEARCH UID", NULL, NULL, 0, NULL,
	    "UID SEARCH", NULL, NULL, e);
	imap_set_handler(im, NULL, NULL);
	if (r == 0)
		seqset_normalize(found);
	return r;
}

int
mailbox_store(struct imap *im, const struct seqset *set, const char *action,
    uint64_t unchangedsince, size_t window, mailbox_fetch_fn *fn,
    mailbox_piece_fn *done, void *arg, struct seqset *modified,
    struct mp_err *e)
{
	struct mailbox_fetching f = { .fn = fn, .arg = arg };
	char rest[640];
	int r, k;

	if (unchangedsince > 0)
		k = snprintf(rest, sizeof rest, "(UNCHANGEDSINCE %llu) %s",
		    (unsigned long long)unchangedsince, action);
	else
		k = snprintf(rest, sizeof rest, "%s", action);
	if (k < 0 || (size_t)k >= sizeof rest)
		return err_set(e, ERR_USAGE, "too many flags in one STORE");
	if (fn != NULL)
		imap_set_handler(im, mailbox_fetch_untagged, &f);
	r = mailbox_pieces(im, set, "UID STORE", rest, NULL, window, modified,
	    "UID STORE", done, arg, e);
	imap_set_handler(im, NULL, NULL);
	if (r == 0 && modified != NULL)
		seqset_normalize(modified);
	return r;
}

static int
mailbox_expunge_untagged(void *arg, const struct imap_response *r,
    struct mp_err *e)
{
	uint64_t *n = arg;

	(void)e;
	if (strcmp(r->name, "EXPUNGE") == 0)
		(*n)++;
	/* VANISHED (QRESYNC) names UIDs instead. */
	return 0;
}

int
mailbox_expunge(struct imap *im, const struct seqset *set, uint64_t *count,
    struct mp_err *e)
{
	struct imap_cmd cmd;
	int r;

	*count = 0;
	imap_set_handler(im, mailbox_expunge_untagged, count);
	if (set != NULL) {
		r = mailbox_pieces(im, set, "UID EXPUNGE", NULL, NULL, 0, NULL,
		    "UID EXPUNGE", NULL, NULL, e);
	} else {
		imap_cmd_begin(im, "EXPUNGE");
		r = imap_run(im, &cmd, e);
		if (r == 0 && cmd.status != IMAP_OK)
			r = imap_cmd_error(&cmd, "EXPUNGE", ERR_UNAVAILABLE,
			    ERR_PROTOCOL, e);
	}
	imap_set_handler(im, NULL, NULL);
	return r;
}

/* ---- COPY and MOVE */

struct mailbox_pair {
	uint32_t src, dst, uidvalidity;
};

struct mailbox_copying {
	const struct seqset *set;
	uint64_t max;			/* UIDs in set: pairs held at most */
	mailbox_copied_fn *copied;
	mailbox_piece_fn *done;
	void *arg;
	/* Pairs from COPYUID whose command has not completed yet. */
	struct mailbox_pair *pending;
	size_t npending, cappending;
	uint32_t uidvalidity;		/* of the COPYUID being read */
};

static int
mailbox_copy_pair(void *arg, uint32_t src, uint32_t dst, struct mp_err *e)
{
	struct mailbox_copying *c = arg;

	if (!seqset_contains(c->set, src))
		return err_set(e, ERR_PROTOCOL, "[COPYUID] names UID %u, which was "
		    "not copied", src);
	if (c->npending >= c->max)
		return err_set(e, ERR_PROTOCOL, "more [COPYUID] pairs than UIDs "
		    "copied");
	if (c->npending == c->cappending) {
		size_t cap = c->cappending ? c->cappending * 2 : 1024;
		struct mailbox_pair *np = realloc(c->pending, cap * sizeof *np);
		if (np == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		c->pending = np;
		c->cappending = cap;
	}
	c->pending[c->npending].src = src;
	c->pending[c->npending].dst = dst;
	c->pending[c->npending++].uidvalidity = c->uidvalidity;
	return 0;
}

/* A COPYUID in a tagged OK (COPY) or an untagged OK (MOVE). */
static int
mailbox_copy_code(void *arg, const struct imap_response *r, struct mp_err *e)
{
	struct mailbox_copying *c = arg;
	struct imap_data_copyuid cu;

	if (strcmp(r->code, "COPYUID") != 0 || strcmp(r->status, "OK") != 0)
		return 0;
	if (imap_data_copyuid(r, &cu, e) < 0)
		return -1;
	if (cu.count > c->max)
		return err_set(e, ERR_PROTOCOL, "[COPYUID] names %llu UIDs, more "
		    "than were copied", (unsigned long long)cu.count);
	c->uidvalidity = cu.uidvalidity;
	return imap_data_copyuid_pairs(&cu, mailbox_copy_pair, c, e);
}

/* A piece is confirmed: its pairs are now true, in the order sent. */
static int
mailbox_copy_done(void *arg, const struct seqset *set, size_t from, size_t to,
    struct mp_err *e)
{
	struct mailbox_copying *c = arg;
	uint32_t lo = set->r[from].lo, hi = set->r[to - 1].hi;
	size_t i, k = 0;
	int r = 0;

	for (i = 0; i < c->npending; i++) {
		const struct mailbox_pair *q = &c->pending[i];
		if (q->src < lo || q->src > hi) {
			c->pending[k++] = *q;
			continue;
		}
		if (r == 0 && c->copied != NULL)
			r = c->copied(c->arg, q->src, q->dst, q->uidvalidity, e);
	}
	c->npending = k;
	if (r == 0 && c->done != NULL)
		r = c->done(c->arg, set, from, to, e);
	return r;
}

int
mailbox_copy(struct imap *im, const struct seqset *set, const char *to,
    bool move, mailbox_copied_fn *copied, mailbox_piece_fn *done, void *arg,
    struct mp_err *e)
{
	struct mailbox_copying c = { .set = set, .max = seqset_count(set),
	    .copied = copied, .done = done, .arg = arg };
	const char *verb = move ? "UID MOVE" : "UID COPY";
	int r;

	imap_set_handler(im, mailbox_copy_code, &c);
	imap_set_tagged_handler(im, mailbox_copy_code, &c);
	r = mailbox_pieces(im, set, verb, NULL, to, 0, NULL, verb,
	    mailbox_copy_done, &c, e);
	imap_set_handler(im, NULL, NULL);
	imap_set_tagged_handler(im, NULL, NULL);
	free(c.pending);
	return r;
}

/* ---- CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE */

static int
mailbox_delim_untagged(void *arg, const struct imap_response *r, struct mp_err *e)
{
	struct imap_data_list l;

	if (strcmp(r->name, "LIST") != 0)
		return 0;
	if (imap_data_list(r, &l, e) < 0)
		return -1;
	*(char *)arg = l.delim;
	return 0;
}

int
mailbox_delimiter(struct imap *im, char *delim, struct mp_err *e)
{
	struct imap_cmd cmd;
	int r;

	*delim = '\0';
	imap_cmd_begin(im, "LIST \"\" \"\"");
	imap_set_handler(im, mailbox_delim_untagged, delim);
	r = imap_run(im, &cmd, e);
	imap_set_handler(im, NULL, NULL);
	if (r < 0)
		return -1;
	if (cmd.status != IMAP_OK)
		return imap_cmd_error(&cmd, "LIST", ERR_UNAVAILABLE, ERR_PROTOCOL, e);
	return 0;
}

int
mailbox_manage(struct imap *im, const char *verb, const char *name,
    const char *to, struct imap_cmd *cmd, struct mp_err *e)
{
	imap_cmd_begin(im, verb);
	imap_cmd_mailbox(im, name);
	if (to != NULL)
		imap_cmd_mailbox(im, to);
	return imap_run(im, cmd, e);
}

static int
mailbox_count_untagged(void *arg, const struct imap_response *r,
    struct mp_err *e)
{
	struct imap_data_status st;

	if (strcmp(r->name, "STATUS") != 0)
		return 0;
	if (imap_data_status(r, &st, e) < 0)
		return -1;
	if (st.have[IMAP_STATUS_MESSAGES])
		*(uint64_t *)arg = st.v[IMAP_STATUS_MESSAGES];
	return 0;
}

int
mailbox_messages(struct imap *im, const char *name, uint64_t *count,
    struct imap_cmd *cmd, struct mp_err *e)
{
	int r;

	imap_cmd_begin(im, "STATUS");
	imap_cmd_mailbox(im, name);
	imap_cmd_add(im, "(MESSAGES)");
	imap_set_handler(im, mailbox_count_untagged, count);
	r = imap_run(im, cmd, e);
	imap_set_handler(im, NULL, NULL);
	return r;
}
