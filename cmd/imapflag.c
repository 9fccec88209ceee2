/* imapflag: add, remove or replace flags on messages chosen by UID or
 * by search, checking UIDVALIDITY first; optionally expunge them. */
#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "conn.h"
#include "err.h"
#include "imap.h"
#include "imap_flags.h"
#include "mailbox.h"
#include "out.h"
#include "seqset.h"
#include "tool.h"
#include "uidlist.h"

#define FLAG_MAX	64	/* flags in one --add, --remove or --set */

struct flag_opts {
	const char **add;
	const char **remove;
	char *set;
	char *search;
	char *uidvalidity;
	char *unchangedsince;
	int expunge;
	int expunge_all;
	int dry_run;
	int report;
	int json;
	int header;
};

/* A flag list ready for the wire: "(\Seen $Label)". */
struct flag_list {
	char text[FLAG_MAX * (IMAP_FLAGS_KEYWORD_MAX + 2) + 3];
	char *each[FLAG_MAX];
	size_t n;
	bool given;
};

/* The flags a row reports, read back after the STOREs. */
struct flag_seen {
	uint32_t uid;
	char *flags;
};

struct flag_run {
	const struct flag_opts *o;
	struct flag_seen *seen;
	size_t nseen, capseen;
	const struct seqset *modified;
	uint64_t confirmed;
};

/* Check every flag of args: one flag each, or with split (--set)
 * several separated by blanks. */
static void
flag_parse(struct flag_list *l, const char *const *args, const char *opt,
    bool split)
{
	size_t len = 0;

	l->text[len++] = '(';
	for (; args != NULL && *args != NULL; args++) {
		const char *p = *args;
		l->given = true;
		if (!split) {
			/* The whole argument is the flag: "a b" is refused. */
			char one[IMAP_FLAGS_KEYWORD_MAX + 2];
			struct mp_err e;
			if (imap_flags_check(p, one, sizeof one, &e) < 0)
				tool_die(EX_USAGE, "%s: %s", opt, e.text);
		}
		for (;;) {
			char one[IMAP_FLAGS_KEYWORD_MAX + 2];
			struct mp_err e;
			int r = imap_flags_next(&p, one, sizeof one, &e);

			if (r < 0)
				tool_die(EX_USAGE, "%s: %s", opt, e.text);
			if (r == 0)
				break;
			if (l->n == FLAG_MAX)
				tool_die(EX_USAGE, "%s: more than %d flags", opt, FLAG_MAX);
			if (len > 1)
				l->text[len++] = ' ';
			l->each[l->n++] = l->text + len;
			memcpy(l->text + len, one, strlen(one));
			len += strlen(one);
		}
	}
	l->text[len++] = ')';
	l->text[len] = '\0';
	/* Each flag NUL-terminated in place would break text: copy. */
	for (size_t i = 0; i < l->n; i++) {
		size_t w = strcspn(l->each[i], " )");
		char *c = tool_xmalloc(w + 1);
		memcpy(c, l->each[i], w);
		c[w] = '\0';
		l->each[i] = c;
	}
}

static void
flag_list_free(struct flag_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->each[i]);
	l->n = 0;
}

/* popt's POPT_ARG_ARGV arrays are the caller's to free. */
static void
flag_argv_free(const char **argv)
{
	for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
		free((char *)(uintptr_t)argv[i]);
	free(argv);
}

static bool
flag_has(const struct flag_list *l, const char *flag)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->each[i], flag) == 0)
			return true;
	}
	return false;
}

static void
flag_row(const struct flag_opts *o, uint32_t uid, const char *result,
    const char *flags)
{
	if (!o->json) {
		printf("%u\t%s\t", uid, result);
		out_tsv_field(stdout, flags, strlen(flags));
		putchar('\n');
		return;
	}
	printf("{\"uid\":%u,\"result\":\"%s\",\"flags\":[", uid, result);
	for (const char *p = flags; *p != '\0';) {
		size_t w = strcspn(p, " ");
		if (p != flags)
			putchar(',');
		out_json_str(stdout, p, w);
		p += w + (p[w] == ' ');
	}
	puts("]}");
}

/* FETCH responses of a non-silent STORE: the flags after it. */
static int
flag_fetched(void *arg, const struct imap_response *r,
    const struct imap_data_fetch *f, struct mp_err *e)
{
	struct flag_run *run = arg;
	size_t len = 0, i;
	char *s;

	(void)r;
	if (f->flags == NULL)
		return 0;
	for (i = 0; i < f->flags->count; i++)
		len += f->flags->items[i].len + 1;
	if ((s = malloc(len + 1)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (len = 0, i = 0; i < f->flags->count; i++) {
		if (i > 0)
			s[len++] = ' ';
		memcpy(s + len, f->flags->items[i].str, f->flags->items[i].len);
		len += f->flags->items[i].len;
	}
	s[len] = '\0';
	if (run->nseen == run->capseen) {
		run->capseen = run->capseen ? run->capseen * 2 : 256;
		run->seen = tool_xrealloc(run->seen, run->capseen * sizeof *run->seen);
	}
	run->seen[run->nseen].uid = f->uid;
	run->seen[run->nseen++].flags = s;
	return 0;
}

static int
flag_seen_cmp(const void *a, const void *b)
{
	const struct flag_seen *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* A STORE piece is confirmed. */
static int
flag_piece_done(void *arg, const struct seqset *set, size_t from, size_t to,
    struct mp_err *e)
{
	struct flag_run *run = arg;
	size_t i;

	(void)e;
	for (i = from; i < to; i++)
		run->confirmed += (uint64_t)set->r[i].hi - set->r[i].lo + 1;
	return 0;
}

/* The report rows of the messages changed: their flags read back. */
static void
flag_report(struct flag_run *run, struct imap *im, const struct seqset *found)
{
	struct mp_err e;
	size_t i, k = 0;
	uint64_t u;

	if (mailbox_fetch(im, found, "(UID FLAGS)", flag_fetched, run, NULL, &e) < 0)
		tool_fail(&e);
	qsort(run->seen, run->nseen, sizeof *run->seen, flag_seen_cmp);
	for (i = 0; i < found->n; i++) {
		for (u = found->r[i].lo; u <= found->r[i].hi; u++) {
			while (k < run->nseen && run->seen[k].uid < u)
				k++;
			if (seqset_contains(run->modified, (uint32_t)u))
				flag_row(run->o, (uint32_t)u, "modified",
				    k < run->nseen && run->seen[k].uid == u ?
				    run->seen[k].flags : "");
			else if (k < run->nseen && run->seen[k].uid == u)
				flag_row(run->o, (uint32_t)u, "ok", run->seen[k].flags);
			else
				flag_row(run->o, (uint32_t)u, "expunged", "");
		}
	}
	for (i = 0; i < run->nseen; i++)
		free(run->seen[i].flags);
	free(run->seen);
}

int
main(int argc, const char **argv)
{
	static struct flag_opts o;
	struct poptOption options[] = {
		{ "add", '\0', POPT_ARG_ARGV, &o.add, 0,
		  "add FLAG (\\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft or a "
		  "keyword); repeat for more", "FLAG" },
		{ "remove", '\0', POPT_ARG_ARGV, &o.remove, 0,
		  "remove FLAG; repeat for more", "FLAG" },
		{ "set", '\0', POPT_ARG_STRING, &o.set, 0,
		  "replace all flags with FLAGS (blank-separated; '' clears them)",
		  "FLAGS" },
		{ "search", 's', POPT_ARG_STRING, &o.search, 0,
		  "the messages matching these IMAP SEARCH criteria", "CRITERIA" },
		{ "uidvalidity", '\0', POPT_ARG_STRING, &o.uidvalidity, 0,
		  "refuse (exit 65) unless the mailbox's UIDVALIDITY is N", "N" },
		{ "expunge", '\0', POPT_ARG_NONE, &o.expunge, 0,
		  "flag \\Deleted and remove exactly these messages (UID EXPUNGE)", NULL },
		{ "expunge-all", '\0', POPT_ARG_NONE, &o.expunge_all, 0,
		  "with --expunge on a server without UIDPLUS: plain EXPUNGE, which "
		  "also removes other \\Deleted messages", NULL },
		{ "unchangedsince", '\0', POPT_ARG_STRING, &o.unchangedsince, 0,
		  "leave alone (and report) messages modified after MODSEQ (CONDSTORE)",
		  "MODSEQ" },
		{ "dry-run", 'n', POPT_ARG_NONE, &o.dry_run, 0,
		  "print the STORE and EXPUNGE commands instead of sending them", NULL },
		{ "report", '\0', POPT_ARG_NONE, &o.report, 0,
		  "print one row per UID: uid, result, flags after", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "the report as JSON Lines", NULL },
		{ "header", 'H', POPT_ARG_NONE, &o.header, 0,
		  "a header line before the TSV report", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct flag_list add = { .n = 0 }, rem = { .n = 0 }, set = { .n = 0 };
	struct uidlist want = { 0 };
	struct seqset found = { 0 }, missing = { 0 }, modified = { 0 };
	struct flag_run run = { .o = &o, .modified = &modified };
	struct mailbox_info info;
	struct cli_session s = { 0 };
	struct conn *c = NULL;
	struct imap *im = NULL;
	struct mp_err e;
	poptContext pc;
	const char *url = NULL, *name, *set_args[2] = { NULL, NULL };
	uint32_t uidvalidity = 0;
	uint64_t unchanged = 0, expunged = 0;
	char action[sizeof add.text + 32];
	int status = 0;

	tool_init("imapflag");
	pc = tool_options(argc, argv, options,
	    "[OPTION...] URL MAILBOX [UID...] (or UIDs on stdin)");
	if (!cli_server_named() && (url = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no server: give a URL (imaps://user@host) or -a ACCOUNT");
	if ((name = poptGetArg(pc)) == NULL || name[0] == '\0')
		tool_die(EX_USAGE, "no MAILBOX");
	flag_parse(&add, o.add, "--add", false);
	flag_parse(&rem, o.remove, "--remove", false);
	set_args[0] = o.set;
	flag_parse(&set, o.set != NULL ? set_args : NULL, "--set", true);
	set.given = o.set != NULL;
	if (o.expunge && !flag_has(&add, "\\Deleted") && !set.given) {
		/* --expunge means: flag \Deleted, then expunge. */
		size_t k = 0;
		const char **more;
		while (o.add != NULL && o.add[k] != NULL)
			k++;
		more = tool_xmalloc((k + 2) * sizeof *more);
		for (size_t i = 0; i < k; i++)
			more[i] = o.add[i];
		more[k] = "\\Deleted";
		more[k + 1] = NULL;
		flag_list_free(&add);
		memset(&add, 0, sizeof add);
		flag_parse(&add, more, "--add", false);
		free(more);
	}
	if (!add.given && !rem.given && !set.given)
		tool_die(EX_USAGE, "nothing to do: give --add, --remove, --set or --expunge");
	if (set.given && (add.given || rem.given))
		tool_die(EX_USAGE, "--set replaces all flags: not with --add or --remove");
	if (o.expunge && (flag_has(&rem, "\\Deleted") ||
	    (set.given && !flag_has(&set, "\\Deleted"))))
		tool_die(EX_USAGE, "--expunge removes messages flagged \\Deleted: the "
		    "flags given do not set it");
	if (o.expunge_all && !o.expunge)
		tool_die(EX_USAGE, "--expunge-all goes with --expunge");
	if ((o.json || o.header) && !o.report)
		tool_die(EX_USAGE, "--json and -H shape the --report");
	if (o.uidvalidity != NULL)
		uidvalidity = (uint32_t)tool_number(o.uidvalidity, "--uidvalidity",
		    UINT32_MAX);
	if (o.unchangedsince != NULL)
		unchanged = tool_number(o.unchangedsince, "--unchangedsince",
		    INT64_MAX);
	if (o.search != NULL && poptPeekArg(pc) != NULL)
		tool_die(EX_USAGE, "UIDs and --search exclude each other");
	if (o.search == NULL) {
		tool_read_uids(pc, &want, name, &uidvalidity);
		/* Nothing piped in (a search that found nothing): done. */
		if (want.set.n == 0)
			goto done;
	}

	if (cli_imap_open(&s, url, &c, &im, &e) < 0)
		tool_imap_fail(&e);
	tool_imap_session(im);
	if (mailbox_open(im, name, false, &info, &e) < 0)
		tool_imap_fail(&e);
	if (info.read_only)
		tool_imap_die(EX_NOPERM, "%s is read-only for this user", name);
	if (uidvalidity != 0 && uidvalidity != info.uidvalidity)
		tool_imap_die(EX_DATAERR, "UIDVALIDITY of %s is now %u, the UIDs given are "
		    "for %u: they may name other messages; list them again", name,
		    info.uidvalidity, uidvalidity);
	for (size_t i = 0; i < add.n + set.n; i++) {
		const char *f = i < add.n ? add.each[i] : set.each[i - add.n];
		if (!imap_flags_permitted(info.permanentflags, info.has_permanentflags, f))
			tool_imap_die(EX_USAGE, "%s does not keep the flag %s (PERMANENTFLAGS: "
			    "%s)", name, f, info.permanentflags);
	}
	if (unchanged > 0 && !imap_has_cap(im, "CONDSTORE"))
		tool_imap_die(EX_UNAVAILABLE, "--unchangedsince needs a server with CONDSTORE");
	if (o.expunge && !imap_has_cap(im, "UIDPLUS") && !o.expunge_all)
		tool_imap_die(EX_UNAVAILABLE, "the server has no UIDPLUS, so only a plain "
		    "EXPUNGE could remove the messages, and it removes every \\Deleted "
		    "message of %s, other clients' too: add --expunge-all to accept that",
		    name);

	if (o.search != NULL) {
		if (mailbox_search(im, o.search, &found, &e) < 0)
			tool_imap_fail(&e);
	} else {
		if (mailbox_existing(im, &want.set, &found, &e) < 0)
			tool_imap_fail(&e);
		if (seqset_subtract(&want.set, &found, &missing, &e) < 0)
			tool_imap_fail(&e);
	}
	if (o.header && !o.json)
		puts("uid\tresult\tflags");
	for (int op = 0; op < 3; op++) {
		const struct flag_list *l = op == 0 ? &set : op == 1 ? &add : &rem;
		const char *verb = op == 0 ? "FLAGS" : op == 1 ? "+FLAGS" : "-FLAGS";
		if (!l->given || found.n == 0)
			continue;
		snprintf(action, sizeof action, "%s.SILENT %s", verb, l->text);
		run.confirmed = 0;
		if (o.dry_run) {
			char rest[sizeof action + 48];
			snprintf(rest, sizeof rest, "%s%s%s%s", unchanged ?
			    "(UNCHANGEDSINCE " : "", unchanged ? o.unchangedsince : "",
			    unchanged ? ") " : "", action);
			tool_print_pieces(&found, "UID STORE", rest);
			continue;
		}
		if (mailbox_store(im, &found, action, unchanged, 0, NULL,
		    flag_piece_done, &run, &modified, &e) < 0) {
			if (e.kind == ERR_TEMP || e.kind == ERR_PROTOCOL) {
				tool_imap_session(NULL);	/* no LOGOUT on a lost session */
				tool_imap_die(err_sysexit(&e), "%s (%llu of %llu UIDs confirmed "
				    "before)", e.text, (unsigned long long)run.confirmed,
				    (unsigned long long)seqset_count(&found));
			}
			tool_imap_fail(&e);
		}
	}
	if (o.report && !o.expunge && !o.dry_run && found.n > 0)
		flag_report(&run, im, &found);
	if (o.expunge && found.n > 0) {
		if (o.dry_run) {
			if (imap_has_cap(im, "UIDPLUS"))
				tool_print_pieces(&found, "UID EXPUNGE", NULL);
			else
				puts("EXPUNGE");
		} else {
			/* Not the messages left alone for --unchangedsince. */
			struct seqset gone = { 0 };
			if (seqset_subtract(&found, &modified, &gone, &e) < 0)
				tool_imap_fail(&e);
			if (gone.n > 0 && mailbox_expunge(im, imap_has_cap(im, "UIDPLUS") ?
			    &gone : NULL, &expunged, &e) < 0)
				tool_imap_fail(&e);
			for (size_t i = 0; o.report && i < found.n; i++) {
				for (uint64_t u = found.r[i].lo; u <= found.r[i].hi; u++)
					flag_row(&o, (uint32_t)u, seqset_contains(&modified, (uint32_t)u) ?
					    "modified" : "expunged", "");
			}
			seqset_free(&gone);
		}
	}
	for (size_t i = 0; o.report && i < missing.n; i++) {
		for (uint64_t u = missing.r[i].lo; u <= missing.r[i].hi; u++)
			flag_row(&o, (uint32_t)u, "missing", "");
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_imap_die(EX_IOERR, "writing standard output failed");
	if (missing.n > 0 || modified.n > 0) {
		fprintf(stderr, "imapflag: %s:", name);
		if (missing.n > 0)
			fprintf(stderr, " no message has %llu of the UIDs given",
			    (unsigned long long)seqset_count(&missing));
		if (modified.n > 0)
			fprintf(stderr, "%s %llu modified since %s, left alone",
			    missing.n > 0 ? ";" : "", (unsigned long long)
			    seqset_count(&modified), o.unchangedsince);
		fputc('\n', stderr);
		status = 1;
	}
	cli_imap_close(c, im);
done:
	uidlist_free(&want);
	flag_list_free(&add);
	flag_list_free(&rem);
	flag_list_free(&set);
	flag_argv_free(o.add);
	flag_argv_free(o.remove);
	seqset_free(&found);
	seqset_free(&missing);
	seqset_free(&modified);
	poptFreeContext(pc);
	return status;
}
