/* imapfetch: copy the new messages of IMAP mailboxes into an mbox, a
 * maildir or an MDA, incrementally and exactly once. */
#include <errno.h>
#include <popt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "deliver.h"
#include "dirs.h"
#include "err.h"
#include "imap.h"
#include "imap_fetch.h"
#include "journal.h"
#include "mailbox.h"
#include "out.h"
#include "tool.h"

struct fetch_opts {
	char *output;
	char *maildir;
	char *mda;
	char *since;
	char *search;
	char *on_change;
	char *state_dir;
	int all_mailboxes;
	int delete;
	int mark_seen;
	int flags_headers;
	int dry_run;
	int quiet;
	int json;
	int batch;
};

/* One mailbox to fetch. */
struct fetch_box {
	char *name;	/* UTF-8 */
	char delim;
};

/* --since: YYYY-MM-DD or an IMAP date (D-Mon-YYYY), as an IMAP date. */
static void
fetch_since(const char *s, char *out, size_t cap)
{
	static const char months[][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	unsigned y, m, d;
	char mon[4], tail;
	int i;

	if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3 && strlen(s) == 10 &&
	    m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 1900) {
		snprintf(out, cap, "%u-%.3s-%u", d, months[m - 1], y);
		return;
	}
	if (sscanf(s, "%2u-%3[A-Za-z]-%4u%c", &d, mon, &y, &tail) == 3 &&
	    d >= 1 && d <= 31 && y >= 1900) {
		for (i = 0; i < 12; i++) {
			if (strcasecmp(mon, months[i]) == 0) {
				snprintf(out, cap, "%u-%.3s-%u", d, months[i], y);
				return;
			}
		}
	}
	tool_die(EX_USAGE, "--since takes a date as 2026-01-31 or 31-Jan-2026");
}

/* The mailbox's own state directory under the account's: its name with
 * every octet outside [A-Za-z0-9_-] (and a leading '.') as %XX. */
static char *
fetch_box_state(const char *account, const char *name)
{
	size_t n = strlen(account) + 3 * strlen(name) + 2, k;
	char *p = tool_xmalloc(n);

	k = (size_t)snprintf(p, n, "%s/", account);
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		bool keep = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		    (*s == '.' && s != (const unsigned char *)name);
		if (keep)
			p[k++] = (char)*s;
		else
			k += (size_t)snprintf(p + k, n - k, "%%%02X", *s);
	}
	p[k] = '\0';
	return p;
}

/* The target for a mailbox: %m is its name, the hierarchy delimiter made
 * '/', %% a '%'. NULL (and *why) for a name that cannot be a path. */
static char *
fetch_target(const char *where, const struct fetch_box *b, const char **why)
{
	size_t n = strlen(where) + 1, k = 0;
	char *p;

	for (const char *s = where; *s; s++)
		n += s[0] == '%' && s[1] == 'm' ? strlen(b->name) : 0;
	p = tool_xmalloc(n);
	for (const char *s = where; *s; s++) {
		if (s[0] != '%' || (s[1] != 'm' && s[1] != '%')) {
			p[k++] = *s;
			continue;
		}
		s++;
		if (*s == '%') {
			p[k++] = '%';
			continue;
		}
		/* Each level of the name one path component. */
		const char *c = b->name;
		while (*c != '\0') {
			size_t w = 0;
			while (c[w] != '\0' && (b->delim == '\0' || c[w] != b->delim))
				w++;
			if (w == 0 || (w == 1 && c[0] == '.') ||
			    (w == 2 && c[0] == '.' && c[1] == '.')) {
				*why = "a level of its name is empty, '.' or '..'";
				free(p);
				return NULL;
			}
			for (size_t i = 0; i < w; i++)
				p[k++] = c[i] == '/' ? '_' : c[i];
			c += w;
			if (*c != '\0') {
				p[k++] = '/';
				c++;
			}
		}
	}
	p[k] = '\0';
	return p;
}

/* The mailboxes: arguments, --all-mailboxes (LIST, the selectable ones),
 * or INBOX. The delimiter is needed only to expand %m. */
static struct fetch_box *
fetch_boxes(struct imap *im, const char **args, const struct fetch_opts *o,
    bool need_delim, size_t *n)
{
	struct fetch_box *boxes = NULL;
	size_t nargs = 0;
	struct mp_err e;
	char delim = '\0';

	*n = 0;
	if (o->all_mailboxes) {
		struct mailbox_entry *list;
		size_t count;
		if (mailbox_list(im, "", "*", 0, &list, &count, &e) < 0)
			tool_fail(&e);
		boxes = tool_xmalloc((count + 1) * sizeof *boxes);
		for (size_t i = 0; i < count; i++) {
			if (list[i].noselect)
				continue;
			boxes[*n].name = strdup(list[i].name);
			boxes[(*n)++].delim = list[i].delim;
			if (boxes[*n - 1].name == NULL)
				tool_die(EX_SOFTWARE, "out of memory");
		}
		mailbox_list_free(list, count);
		return boxes;
	}
	if (need_delim && mailbox_delimiter(im, &delim, &e) < 0)
		tool_fail(&e);
	while (args != NULL && args[nargs] != NULL)
		nargs++;
	boxes = tool_xmalloc((nargs + 1) * sizeof *boxes);
	for (size_t i = 0; i < nargs; i++) {
		boxes[*n].name = strdup(args[i]);
		boxes[(*n)++].delim = delim;
	}
	if (*n == 0) {
		boxes[0].name = strdup("INBOX");
		boxes[(*n)++].delim = delim;
	}
	for (size_t i = 0; i < *n; i++) {
		if (boxes[i].name == NULL)
			tool_die(EX_SOFTWARE, "out of memory");
	}
	return boxes;
}

/* One mailbox: its own state and target. 0, or the error in e. */
static int
fetch_one(struct imap *im, const struct fetch_box *b, const char *account,
    enum deliver_kind kind, const char *where, const struct fetch_opts *o,
    const struct imap_fetch_opts *fo, struct imap_fetch_result *r,
    struct mp_err *e)
{
	struct journal *j = NULL;
	struct deliver *d = NULL;
	const char *why = "";
	char *state = fetch_box_state(account, b->name), *target = NULL;
	int ret = -1;

	memset(r, 0, sizeof *r);
	if (where != NULL && (target = fetch_target(where, b, &why)) == NULL) {
		err_set(e, ERR_USAGE, "no target for it: %s", why);
		goto out;
	}
	if (journal_open(&j, state, e) < 0)
		goto out;
	if (!o->dry_run) {
		unsigned back, fwd;
		/* A target named after the mailbox may need its directories. */
		if (kind != DELIVER_MDA && strstr(where, "%m") != NULL) {
			char *slash = strrchr(target, '/');
			if (slash != NULL && slash != target) {
				*slash = '\0';
				if (dirs_make(target, e) < 0)
					goto out;
				*slash = '/';
			}
		}
		if (kind == DELIVER_MDA && setenv("IMAPFETCH_MAILBOX", b->name, 1) < 0) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto out;
		}
		if (deliver_open(&d, kind, target, "IMAPFETCH_ID", j, e) < 0 ||
		    deliver_recover(d, &back, &fwd, e) < 0)
			goto out;
		if ((back || fwd) && !o->quiet)
			fprintf(stderr, "imapfetch: %s: recovered an interrupted run: %u "
			    "message(s) rolled back, %u completed\n", b->name, back, fwd);
	}
	ret = imap_fetch_mailbox(im, b->name, j, d, fo, r, e);
out:
	deliver_close(d);
	journal_close(j);
	free(state);
	free(target);
	return ret;
}

static void
fetch_report(const struct fetch_opts *o, const struct fetch_box *b,
    const struct imap_fetch_result *r, const struct mp_err *e)
{
	if (o->json) {
		printf("{\"mailbox\":");
		out_json_str(stdout, b->name, strlen(b->name));
		printf(",\"uidvalidity\":%u,\"found\":%llu,\"messages\":%llu,"
		    "\"octets\":%llu,\"vanished\":%llu,\"deleted\":%llu,"
		    "\"highest_uid\":%u,\"ok\":%s", r->uidvalidity,
		    (unsigned long long)r->found, (unsigned long long)r->messages,
		    (unsigned long long)r->octets, (unsigned long long)r->vanished,
		    (unsigned long long)r->deleted, r->highest,
		    e == NULL ? "true" : "false");
		if (e != NULL) {
			printf(",\"error\":");
			out_json_str(stdout, e->text, strlen(e->text));
		}
		puts("}");
	}
	if (e != NULL)
		fprintf(stderr, "imapfetch: %s: %s\n", b->name, e->text);
	else if (!o->quiet && !o->json && !o->dry_run) {
		char removed[48] = "";
		if (o->delete)
			snprintf(removed, sizeof removed, ", %llu removed from the server",
			    (unsigned long long)r->deleted);
		fprintf(stderr, "imapfetch: %s: %llu new message%s, %.1f MB%s\n",
		    b->name, (unsigned long long)r->messages,
		    r->messages == 1 ? "" : "s", r->octets / 1e6, removed);
	}
}

/* Errors that end the run: the session or the local disk is gone. */
static bool
fetch_fatal(const struct mp_err *e)
{
	return e->kind == ERR_TEMP || e->kind == ERR_PROTOCOL ||
	    e->kind == ERR_INTERNAL || e->kind == ERR_IO || e->kind == ERR_USAGE;
}

int
main(int argc, const char **argv)
{
	static struct fetch_opts o;
	struct poptOption options[] = {
		{ "output", 'o', POPT_ARG_STRING, &o.output, 0,
		  "append to this mbox (created if missing; - for standard output; "
		  "%m: the mailbox's name)", "FILE" },
		{ "maildir", '\0', POPT_ARG_STRING, &o.maildir, 0,
		  "deliver into this maildir (created if missing; %m as for -o)", "DIR" },
		{ "mda", '\0', POPT_ARG_STRING, &o.mda, 0,
		  "pipe each message to CMD (sh -c); exit 0 means delivered", "CMD" },
		{ "all-mailboxes", '\0', POPT_ARG_NONE, &o.all_mailboxes, 0,
		  "every selectable mailbox (LIST); name targets with %m", NULL },
		{ "since", '\0', POPT_ARG_STRING, &o.since, 0,
		  "only messages that arrived on or after DATE (2026-01-31)", "DATE" },
		{ "search", 's', POPT_ARG_STRING, &o.search, 0,
		  "only the new messages matching these IMAP SEARCH criteria",
		  "CRITERIA" },
		{ "delete", '\0', POPT_ARG_NONE, &o.delete, 0,
		  "remove the messages from the server once they are safely stored "
		  "(\\Deleted, then UID EXPUNGE of exactly those)", NULL },
		{ "mark-seen", '\0', POPT_ARG_NONE, &o.mark_seen, 0,
		  "flag the messages \\Seen on the server once they are stored", NULL },
		{ "flags-headers", '\0', POPT_ARG_NONE, &o.flags_headers, 0,
		  "write the flags as Status: and X-Status: headers (mutt)", NULL },
		{ "on-uidvalidity-change", '\0', POPT_ARG_STRING, &o.on_change, 0,
		  "when a mailbox's UIDVALIDITY changed: fail (exit 65, the default) "
		  "or refetch it all", "fail|refetch" },
		{ "state-dir", '\0', POPT_ARG_STRING, &o.state_dir, 0,
		  "where the account's state lives, one directory per mailbox "
		  "(default ~/.local/state/mailpipe/imapfetch/USER@HOST:PORT)", "DIR" },
		{ "dry-run", 'n', POPT_ARG_NONE, &o.dry_run, 0,
		  "print the UIDs that would be fetched; fetch nothing", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &o.quiet, 0,
		  "no progress line and no summary lines", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "one JSON summary line per mailbox on standard output", NULL },
		{ "batch", '\0', POPT_ARG_INT, &o.batch, 0,
		  "messages made durable (fsync) together (default 100)", "N" },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct imap_fetch_opts fo = { 0 };
	struct imap_fetch_result r;
	struct cli_session s = { 0 };
	struct fetch_box *boxes;
	struct conn *c = NULL;
	struct imap *im = NULL;
	struct mp_err e, first = { .kind = ERR_NONE };
	poptContext pc;
	const char *url = NULL, *where = NULL, **args;
	enum deliver_kind kind = DELIVER_MBOX;
	char since[32], *criteria = NULL, *account;
	size_t nboxes, i;
	int targets;

	tool_init("imapfetch");
	/* A file size limit (ulimit -f) is a full disk: a write error to
	 * handle, not a signal to die of with a half-written batch. */
	signal(SIGXFSZ, SIG_IGN);
	pc = tool_options(argc, argv, options,
	    "[OPTION...] URL [MAILBOX...] (-o FILE | --maildir DIR | "
	    "--mda CMD)");
	if (!cli_server_named() && (url = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no server: give a URL (imaps://user@host) or -a ACCOUNT");
	args = poptGetArgs(pc);
	targets = (o.output != NULL) + (o.maildir != NULL) + (o.mda != NULL);
	if (targets > 1)
		tool_die(EX_USAGE, "give one target: -o FILE, --maildir DIR or --mda CMD");
	if (targets == 0 && !o.dry_run)
		tool_die(EX_USAGE, "where to? give -o FILE, --maildir DIR or --mda CMD");
	if (o.output != NULL)
		kind = DELIVER_MBOX, where = o.output;
	else if (o.maildir != NULL)
		kind = DELIVER_MAILDIR, where = o.maildir;
	else if (o.mda != NULL)
		kind = DELIVER_MDA, where = o.mda;
	if (o.all_mailboxes && args != NULL && args[0] != NULL)
		tool_die(EX_USAGE, "MAILBOX names and --all-mailboxes exclude each other");
	for (i = 0; args != NULL && args[i] != NULL; i++) {
		if (args[i][0] == '\0')
			tool_die(EX_USAGE, "an empty MAILBOX name");
	}
	if (o.json && where != NULL && strcmp(where, "-") == 0)
		tool_die(EX_USAGE, "--json and -o - would share standard output");
	if (o.dry_run && where != NULL && strcmp(where, "-") == 0)
		tool_die(EX_USAGE, "--dry-run prints to standard output: not with -o -");
	if (o.delete && o.mark_seen)
		tool_die(EX_USAGE, "--delete removes the messages: --mark-seen is moot");
	if (o.on_change != NULL && strcmp(o.on_change, "fail") != 0 &&
	    strcmp(o.on_change, "refetch") != 0)
		tool_die(EX_USAGE, "--on-uidvalidity-change takes fail or refetch");
	if (o.batch < 0 || o.batch > 1000)
		tool_die(EX_USAGE, "--batch takes 1 to 1000");
	if (o.since != NULL)
		fetch_since(o.since, since, sizeof since);
	if (o.search != NULL || o.since != NULL) {
		size_t n = (o.search ? strlen(o.search) : 0) + sizeof since + 16;
		criteria = tool_xmalloc(n);
		snprintf(criteria, n, "%s%s%s%s", o.since ? "SINCE " : "",
		    o.since ? since : "", o.since && o.search ? " " : "",
		    o.search ? o.search : "");
	}
	fo.criteria = criteria;
	fo.refetch = o.on_change != NULL && strcmp(o.on_change, "refetch") == 0;
	fo.delete = o.delete;
	fo.mark_seen = o.mark_seen;
	fo.flags_headers = o.flags_headers;
	fo.dry_run = o.dry_run;
	fo.plan = stdout;
	fo.batch_max = o.batch > 0 ? (size_t)o.batch : 100;
	fo.batch_octets = 8 * 1024 * 1024;
	if (!o.quiet && !o.json && isatty(2))
		fo.progress = tool_progress;

	if (cli_imap_open(&s, url, &c, &im, &e) < 0)
		tool_fail(&e);
	if ((account = cli_state_dir("imapfetch", o.state_dir, &s, &e)) == NULL)
		tool_fail(&e);
	boxes = fetch_boxes(im, args, &o, where != NULL && strstr(where, "%m") != NULL,
	    &nboxes);
	for (i = 0; i < nboxes; i++) {
		int ret = fetch_one(im, &boxes[i], account, kind, where, &o, &fo, &r, &e);
		tool_progress_end();
		if (ret < 0) {
			fetch_report(&o, &boxes[i], &r, &e);
			if (first.kind == ERR_NONE)
				first = e;
			if (fetch_fatal(&e))
				break;
			continue;
		}
		fetch_report(&o, &boxes[i], &r, NULL);
	}
	if (first.kind != ERR_TEMP && first.kind != ERR_PROTOCOL)
		cli_imap_close(c, im);
	else {
		imap_free(im);
		conn_close(c);
	}
	for (i = 0; i < nboxes; i++)
		free(boxes[i].name);
	free(boxes);
	free(account);
	free(criteria);
	cli_session_free(&s);
	poptFreeContext(pc);
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_die(EX_IOERR, "writing standard output failed");
	return err_sysexit(&first);
}
