/* append: APPEND, MULTIAPPEND, pipelined, with APPENDUID. */
#include "append.h"
#include "mailbox.h"
#include "msgsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One command: its messages and the UIDs its reply names. */
struct append_slot {
	struct imap_cmd cmd;
	struct seqset uids;
	struct append_msg msgs[APPEND_BATCH];
	size_t n;
	uint64_t octets;
};

struct append {
	struct imap *im;
	struct append_params p;
	size_t window;		/* commands in flight at most */
	size_t batch;		/* messages in a command at most */
	struct append_slot ring[APPEND_WINDOW];
	size_t head, inflight;
	struct append_slot fill; /* the command being gathered */
	bool probed;		/* a first command completed: the mailbox is
				 * there */
	bool lost;		/* the session cannot go on */
	bool stopped;
	uint64_t stored;
};

/* Response codes of a NO that stop the upload. */
static const char *const append_stop_codes[] = {
	"OVERQUOTA", "LIMIT", "UNAVAILABLE", "INUSE", "SERVERBUG", "NOPERM",
	"AUTHORIZATIONFAILED", "AUTHENTICATIONFAILED", "TRYCREATE", "NONEXISTENT",
};

int
append_begin(struct append **ap, struct imap *im, const struct append_params *p,
    struct mp_err *e)
{
	struct append *a;

	if ((*ap = a = calloc(1, sizeof *a)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	a->im = im;
	a->p = *p;
	a->window = imap_has_cap(im, "LITERAL+") ? APPEND_WINDOW : 1;
	a->batch = imap_has_cap(im, "MULTIAPPEND") ? APPEND_BATCH : 1;
	return 0;
}

uint64_t
append_stored(const struct append *a)
{
	return a->stored;
}

bool
append_session_ok(const struct append *a)
{
	return !a->lost;
}

/* Build and send the command for slot s. */
static int
append_send(struct append *a, struct append_slot *s, struct mp_err *e)
{
	char date[64];

	imap_cmd_begin(a->im, "APPEND");
	imap_cmd_mailbox(a->im, a->p.mailbox);
	for (size_t i = 0; i < s->n; i++) {
		const struct append_msg *m = &s->msgs[i];
		if (a->p.rewind != NULL)
			a->p.rewind(m->arg);
		if (m->flags != NULL && m->flags[0] != '\0') {
			char flags[512];
			if (snprintf(flags, sizeof flags, "(%s)", m->flags) >=
			    (int)sizeof flags)
				return err_set(e, ERR_USAGE, "too many flags");
			imap_cmd_add(a->im, flags);
		}
		if (m->date != NULL && m->date[0] != '\0') {
			snprintf(date, sizeof date, "\"%s\"", m->date);
			imap_cmd_add(a->im, date);
		}
		imap_cmd_literal_stream(a->im, m->size, m->read, m->arg);
	}
	seqset_free(&s->uids);
	memset(&s->uids, 0, sizeof s->uids);
	imap_cmd_code_set(a->im, &s->uids);
	if (imap_cmd_send(a->im, &s->cmd, e) < 0) {
		/* A literal may be half-sent: nothing more can go. */
		a->lost = true;
		return -1;
	}
	return 0;
}

/* Tell done about each message of s: stored or not. */
static int
append_report(struct append *a, struct append_slot *s, bool stored,
    const struct imap_cmd *cmd, struct mp_err *e)
{
	uint32_t uidvalidity = 0;
	size_t i, r = 0;
	uint64_t u = 0;
	bool uids = false;

	if (stored && strcmp(s->cmd.code, "APPENDUID") == 0 &&
	    s->cmd.code_number > 0 && s->cmd.code_number <= UINT32_MAX &&
	    seqset_count(&s->uids) == s->n) {
		uids = true;
		uidvalidity = (uint32_t)s->cmd.code_number;
		if (s->uids.n > 0)
			u = s->uids.r[0].lo;
	}
	for (i = 0; i < s->n; i++) {
		uint32_t uid = 0;
		if (uids) {
			if (u > s->uids.r[r].hi && ++r < s->uids.n)
				u = s->uids.r[r].lo;
			uid = (uint32_t)u++;
		}
		if (stored)
			a->stored++;
		if (a->p.done(a->p.done_arg, s->msgs[i].arg, stored, uidvalidity, uid,
		    cmd, e) != 0)
			return -1;
	}
	s->n = 0;
	s->octets = 0;
	return 0;
}

static bool
append_stop_code(const char *code)
{
	for (size_t i = 0; i < sizeof append_stop_codes / sizeof append_stop_codes[0];
	    i++) {
		if (strcmp(code, append_stop_codes[i]) == 0)
			return true;
	}
	return false;
}

static int append_complete(struct append *a, struct append_slot *s,
	struct mp_err *e);

/* A refused MULTIAPPEND stored nothing (RFC 3502): each message again
 * alone, so that only the bad one stays out. */
static int
append_one_by_one(struct append *a, struct append_slot *s, struct mp_err *e)
{
	struct append_slot *one;
	int r = 0;

	if ((one = calloc(1, sizeof *one)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (size_t i = 0; i < s->n && r == 0; i++) {
		one->msgs[0] = s->msgs[i];
		one->n = 1;
		if ((r = append_send(a, one, e)) < 0) {
			/* This one and the rest of s: fate unknown. */
			for (size_t k = i; k < s->n; k++)
				a->p.done(a->p.done_arg, s->msgs[k].arg, false, 0, 0,
				    NULL, e);
			s->n = 0;
			break;
		}
		r = append_complete(a, one, e);
		if (r < 0 || a->stopped) {
			for (size_t k = i + 1; k < s->n; k++)
				a->p.done(a->p.done_arg, s->msgs[k].arg, false, 0, 0,
				    NULL, e);
		}
	}
	s->n = 0;
	seqset_free(&one->uids);
	free(one);
	return r;
}

/* Wait for s's reply and act on it. */
static int
append_complete(struct append *a, struct append_slot *s, struct mp_err *e)
{
	struct imap_cmd *c = &s->cmd;
	struct mp_err later;
	char what[300];

	if (imap_wait(a->im, c, e) < 0) {
		struct mp_err ignored;
		a->lost = true;
		append_report(a, s, false, NULL, &ignored);
		return -1;
	}
	if (c->status == IMAP_OK) {
		a->probed = true;
		return append_report(a, s, true, c, e);
	}
	snprintf(what, sizeof what, "APPEND to %s", a->p.mailbox);
	if (c->status == IMAP_NO && !append_stop_code(c->code)) {
		if (s->n > 1)
			return append_one_by_one(a, s, e);
		return append_report(a, s, false, c, e);
	}
	/* The mailbox is missing, full, or the server will take no more. */
	a->stopped = true;
	if (strcmp(c->code, "TRYCREATE") == 0 || strcmp(c->code, "NONEXISTENT") == 0)
		err_set(e, ERR_NOINPUT, "%s does not exist%s", a->p.mailbox,
		    a->p.create ? " (CREATE succeeded, APPEND still fails)" :
		    ": add --create to create it");
	else
		imap_cmd_error(c, what, ERR_UNAVAILABLE, ERR_PROTOCOL, e);
	/* Not this message's fault: the stop's error says why. */
	append_report(a, s, false, NULL, &later);
	return -1;
}

/* The first command waits alone: a missing mailbox is created (when
 * asked) and the command sent again. */
static int
append_probe(struct append *a, struct append_slot *s, struct mp_err *e)
{
	struct imap_cmd create;
	struct mp_err later;
	char what[300];

	if (append_send(a, s, e) < 0)
		return -1;
	if (imap_wait(a->im, &s->cmd, e) < 0) {
		a->lost = true;
		return -1;
	}
	if (s->cmd.status == IMAP_NO && strcmp(s->cmd.code, "TRYCREATE") == 0 &&
	    a->p.create) {
		if (mailbox_manage(a->im, "CREATE", a->p.mailbox, NULL, &create, e) < 0) {
			a->lost = true;
			return -1;
		}
		if (create.status != IMAP_OK) {
			a->stopped = true;
			snprintf(what, sizeof what, "CREATE %s", a->p.mailbox);
			imap_cmd_error(&create, what, ERR_CANTCREATE, ERR_CANTCREATE, e);
			if (strcmp(create.code, "OVERQUOTA") != 0 &&
			    strcmp(create.code, "LIMIT") != 0)
				e->kind = ERR_CANTCREATE;
			append_report(a, s, false, NULL, &later);
			return -1;
		}
		if (append_send(a, s, e) < 0)
			return -1;
	}
	return append_complete(a, s, e);
}

/* Everything not confirmed: fate unknown (NULL cmd). */
static void
append_abandon(struct append *a)
{
	struct mp_err ignored;

	for (; a->inflight > 0; a->inflight--) {
		struct append_slot *s = &a->ring[a->head];
		for (size_t i = 0; i < s->n; i++)
			a->p.done(a->p.done_arg, s->msgs[i].arg, false, 0, 0, NULL,
			    &ignored);
		s->n = 0;
		a->head = (a->head + 1) % APPEND_WINDOW;
	}
	for (size_t i = 0; i < a->fill.n; i++)
		a->p.done(a->p.done_arg, a->fill.msgs[i].arg, false, 0, 0, NULL,
		    &ignored);
	a->fill.n = 0;
}

/* After a stop: the commands in flight still say what became of their
 * messages, unless the session is lost. */
static int
append_stop(struct append *a, struct mp_err *e)
{
	struct mp_err later;

	while (!a->lost && a->inflight > 0) {
		struct append_slot *s = &a->ring[a->head];
		a->head = (a->head + 1) % APPEND_WINDOW;
		a->inflight--;
		if (append_complete(a, s, &later) < 0 && a->lost)
			break;
	}
	append_abandon(a);
	a->stopped = true;
	(void)e;
	return -1;
}

/* Send the gathered command: alone and waited for when it is the first,
 * else into the window once a slot is free. */
static int
append_flush(struct append *a, struct mp_err *e)
{
	struct append_slot *s;

	if (a->fill.n == 0)
		return 0;
	if (!a->probed) {
		if (append_probe(a, &a->fill, e) < 0)
			return append_stop(a, e);
		return 0;
	}
	if (a->inflight == a->window) {
		s = &a->ring[a->head];
		a->head = (a->head + 1) % APPEND_WINDOW;
		a->inflight--;
		if (append_complete(a, s, e) < 0 || a->stopped)
			return append_stop(a, e);
	}
	s = &a->ring[(a->head + a->inflight) % APPEND_WINDOW];
	s->n = a->fill.n;
	s->octets = a->fill.octets;
	memcpy(s->msgs, a->fill.msgs, a->fill.n * sizeof s->msgs[0]);
	a->fill.n = 0;
	a->fill.octets = 0;
	a->inflight++;
	if (append_send(a, s, e) < 0)
		return append_stop(a, e);
	/* Without LITERAL+ nothing is pipelined: each reply is awaited. */
	if (a->window == 1) {
		a->head = (a->head + 1) % APPEND_WINDOW;
		a->inflight--;
		if (append_complete(a, s, e) < 0 || a->stopped)
			return append_stop(a, e);
	}
	return 0;
}

int
append_add(struct append *a, const struct append_msg *m, struct mp_err *e)
{
	if (a->stopped)
		return err_set(e, ERR_INTERNAL, "append_add after a stop");
	if (a->fill.n == a->batch || (a->fill.n > 0 &&
	    a->fill.octets + m->size > APPEND_BATCH_OCTETS)) {
		if (append_flush(a, e) < 0) {
			struct mp_err ignored;
			a->p.done(a->p.done_arg, m->arg, false, 0, 0, NULL, &ignored);
			return -1;
		}
	}
	a->fill.msgs[a->fill.n++] = *m;
	a->fill.octets += m->size;
	return 0;
}

int
append_finish(struct append *a, struct mp_err *e)
{
	if (a->stopped)
		return 0;
	if (append_flush(a, e) < 0)
		return -1;
	while (a->inflight > 0) {
		struct append_slot *s = &a->ring[a->head];
		a->head = (a->head + 1) % APPEND_WINDOW;
		a->inflight--;
		if (append_complete(a, s, e) < 0 || a->stopped)
			return append_stop(a, e);
	}
	return 0;
}

void
append_free(struct append *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < APPEND_WINDOW; i++)
		seqset_free(&a->ring[i].uids);
	seqset_free(&a->fill.uids);
	free(a);
}

/* ---- Message-IDs already in the mailbox */

static int
append_ids_fetched(void *arg, const struct imap_response *r,
    const struct imap_data_fetch *f, struct mp_err *e)
{
	struct append_ids *ids = arg;
	const struct imap_value *items = &r->data.items[0], *v = NULL;
	char id[MSGSRC_ID_MAX];
	const char *colon;

	(void)f;
	for (size_t i = 0; i + 1 < items->count; i += 2) {
		if (items->items[i].type == IMAP_V_ATOM && items->items[i].len > 18 &&
		    strncasecmp(items->items[i].str, "BODY[HEADER.FIELDS", 18) == 0)
			v = &items->items[i + 1];
	}
	if (v == NULL || v->type != IMAP_V_STRING ||
	    (colon = memchr(v->str, ':', v->len)) == NULL ||
	    msgsrc_message_id(colon + 1, v->len - (size_t)(colon + 1 - v->str), id,
	    sizeof id) < 0)
		return 0;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 1024;
		char **n = realloc(ids->id, cap * sizeof *n);
		if (n == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		ids->id = n;
		ids->cap = cap;
	}
	if ((ids->id[ids->n] = strdup(id)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	ids->n++;
	return 0;
}

static int
append_ids_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
append_ids_load(struct imap *im, const char *mailbox, struct append_ids *ids,
    bool *exists, struct mp_err *e)
{
	struct mailbox_info info;

	*exists = false;
	if (mailbox_open(im, mailbox, true, &info, e) < 0)
		return e->kind == ERR_NOINPUT ? 0 : -1;
	*exists = true;
	if (info.exists > 0 && mailbox_fetch(im, NULL,
	    "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])", append_ids_fetched, ids,
	    NULL, e) < 0)
		return -1;
	if (ids->n > 0)
		qsort(ids->id, ids->n, sizeof *ids->id, append_ids_cmp);
	return 0;
}

bool
append_ids_has(const struct append_ids *ids, const char *id)
{
	const char *key = id;

	return ids->n > 0 && bsearch(&key, ids->id, ids->n, sizeof *ids->id,
	    append_ids_cmp) != NULL;
}

void
append_ids_free(struct append_ids *ids)
{
	for (size_t i = 0; i < ids->n; i++)
		free(ids->id[i]);
	free(ids->id);
	memset(ids, 0, sizeof *ids);
}
