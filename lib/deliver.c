/* deliver: mbox, maildir and MDA targets kept in step with the journal. */
#include "deliver.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maildir.h"
#include "mbox.h"
#include "mda.h"

struct deliver {
	enum deliver_kind kind;
	struct journal *j;
	struct mbox *mbox;
	struct maildir *maildir;
	struct mda *mda;
	bool rollback;		/* an mbox file: can be cut back */
	char *env_name;
	char id[JOURNAL_UIDL_MAX + 1];	/* the message being written */
	uint64_t start;		/* mbox: where it began */
	bool open;
};

int
deliver_open(struct deliver **dp, enum deliver_kind kind, const char *where,
    const char *env_name, struct journal *j, struct mp_err *e)
{
	struct deliver *d;
	int r;

	*dp = NULL;
	if ((d = calloc(1, sizeof *d)) == NULL ||
	    (env_name != NULL && (d->env_name = strdup(env_name)) == NULL)) {
		free(d);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	d->kind = kind;
	d->j = j;
	switch (kind) {
	case DELIVER_MBOX:
		d->rollback = strcmp(where, "-") != 0;
		r = mbox_open(&d->mbox, where, 30000, e);
		break;
	case DELIVER_MAILDIR:
		r = maildir_open(&d->maildir, where, e);
		break;
	default:
		r = mda_open(&d->mda, where, e);
		break;
	}
	if (r < 0) {
		deliver_close(d);
		return -1;
	}
	*dp = d;
	return 0;
}

int
deliver_recover(struct deliver *d, unsigned *back, unsigned *forward,
    struct mp_err *e)
{
	size_t i, n = journal_pending_count(d->j);
	char id[JOURNAL_UIDL_MAX + 1], name[JOURNAL_NAME_MAX + 1];
	uint64_t pos, cut = UINT64_MAX;

	*back = *forward = 0;
	if (n == 0)
		return 0;
	/* From the last: journal_done drops the i-th, moving those after it. */
	for (i = n; i-- > 0; ) {
		if (!journal_pending(d->j, i, id, sizeof id, &pos, name, sizeof name))
			continue;
		switch (d->kind) {
		case DELIVER_MBOX:
			if (pos < cut)
				cut = pos;
			(*back)++;
			break;
		case DELIVER_MAILDIR:
			/* Linked into new/ only after it was complete and
			 * fsynced: there means delivered. */
			if (name[0] != '\0' && maildir_exists(d->maildir, name)) {
				if (journal_done(d->j, id, e) < 0)
					return -1;
				(*forward)++;
			} else {
				if (name[0] != '\0' && maildir_remove(d->maildir, name, e) < 0)
					return -1;
				(*back)++;
			}
			break;
		default:
			(*back)++;	/* unknown: delivered again */
			break;
		}
	}
	if (d->kind == DELIVER_MBOX && d->rollback && cut != UINT64_MAX &&
	    cut < mbox_offset(d->mbox) && mbox_truncate(d->mbox, cut, e) < 0)
		return -1;
	if (journal_clear_pending(d->j, e) < 0 || journal_sync(d->j, e) < 0)
		return -1;
	return 0;
}

int
deliver_batch(struct deliver *d, const char *const *ids, size_t n,
    struct mp_err *e)
{
	size_t i;

	if (d->kind != DELIVER_MBOX || n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (journal_begin(d->j, ids[i], mbox_offset(d->mbox), NULL, e) < 0)
			return -1;
	}
	return journal_sync(d->j, e);
}

int
deliver_begin(struct deliver *d, const char *id, const char *sender, time_t t,
    struct mp_err *e)
{
	snprintf(d->id, sizeof d->id, "%s", id);
	d->open = true;
	switch (d->kind) {
	case DELIVER_MBOX:
		d->start = mbox_offset(d->mbox);
		return mbox_begin(d->mbox, sender, t, e);
	case DELIVER_MAILDIR:
		return maildir_begin(d->maildir, e);
	default:
		return mda_begin(d->mda, e);
	}
}

void
deliver_set_id(struct deliver *d, const char *id)
{
	snprintf(d->id, sizeof d->id, "%s", id);
}

void
deliver_set_flags(struct deliver *d, const char *letters)
{
	if (d->kind == DELIVER_MAILDIR)
		maildir_set_info(d->maildir, letters);
}

int
deliver_line(struct deliver *d, const char *line, size_t n, struct mp_err *e)
{
	switch (d->kind) {
	case DELIVER_MBOX:
		return mbox_line(d->mbox, line, n, e);
	case DELIVER_MAILDIR:
		return maildir_line(d->maildir, line, n, e);
	default:
		return mda_line(d->mda, line, n, e);
	}
}

int
deliver_end(struct deliver *d, struct mp_err *e)
{
	int r;

	d->open = false;
	switch (d->kind) {
	case DELIVER_MBOX:
		return mbox_end(d->mbox, e);
	case DELIVER_MAILDIR:
		/* Journaled under its name (synced by deliver_commit) before
		 * it can appear in new/. */
		if (journal_begin(d->j, d->id, 0, maildir_name(d->maildir), e) < 0) {
			maildir_abort(d->maildir);
			return -1;
		}
		return maildir_end(d->maildir, NULL, 0, e);
	default:
		if (journal_begin(d->j, d->id, 0, NULL, e) < 0 ||
		    journal_sync(d->j, e) < 0)
			return -1;
		r = mda_end(d->mda, d->env_name, d->id, e);
		if (r < 0) {
			/* Not delivered: no longer pending either. */
			struct mp_err ignored;
			if (journal_clear_pending(d->j, &ignored) == 0)
				journal_sync(d->j, &ignored);
			return -1;
		}
		if (journal_done(d->j, d->id, e) < 0 || journal_sync(d->j, e) < 0)
			return -1;
		return 0;
	}
}

int
deliver_abort(struct deliver *d, struct mp_err *e)
{
	if (!d->open)
		return 0;
	d->open = false;
	switch (d->kind) {
	case DELIVER_MBOX:
		return d->rollback ? mbox_truncate(d->mbox, d->start, e) : 0;
	case DELIVER_MAILDIR:
		maildir_abort(d->maildir);
		return 0;
	default:
		mda_abort(d->mda);
		return 0;
	}
}

int
deliver_commit(struct deliver *d, const char *const *ids, size_t n,
    struct mp_err *e)
{
	size_t i;

	if (d->kind == DELIVER_MDA)
		return 0;	/* each message was committed as it went */
	if (d->kind == DELIVER_MBOX && mbox_sync(d->mbox, e) < 0)
		return -1;
	if (d->kind == DELIVER_MAILDIR &&
	    (journal_sync(d->j, e) < 0 || maildir_commit(d->maildir, e) < 0))
		return -1;
	for (i = 0; i < n; i++) {
		if (journal_done(d->j, ids[i], e) < 0)
			return -1;
	}
	if (journal_clear_pending(d->j, e) < 0)
		return -1;
	return journal_sync(d->j, e);
}

void
deliver_close(struct deliver *d)
{
	if (d == NULL)
		return;
	mbox_close(d->mbox);
	maildir_close(d->maildir);
	mda_close(d->mda);
	free(d->env_name);
	free(d);
}
