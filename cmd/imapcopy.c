/* imapcopy: copy or move messages chosen by UID or by search from one
 * IMAP mailbox to another, checking UIDVALIDITY first, and report the
 * UIDs the copies got (COPYUID). */
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
#include "imap_utf7.h"
#include "mailbox.h"
#include "out.h"
#include "seqset.h"
#include "tool.h"
#include "uidlist.h"

struct copy_opts {
	char *search;
	char *uidvalidity;
	int move;
	int expunge_all;
	int create;
	int dry_run;
	int json;
	int header;
};

struct copy_run {
	const struct copy_opts *o;
	const char *dst;
	struct seqset done;	/* UIDs whose COPY or MOVE completed OK */
	uint64_t confirmed;	/* how many */
	uint64_t pairs;		/* COPYUID lines printed */
};

/* One line of output: the UID in the source and the copy's. */
static int
copy_pair(void *arg, uint32_t src, uint32_t dst, uint32_t uidvalidity,
    struct mp_err *e)
{
	struct copy_run *run = arg;

	(void)e;
	run->pairs++;
	if (!run->o->json) {
		printf("%u\t%u\n", src, dst);
		return 0;
	}
	printf("{\"src_uid\":%u,\"dst_uid\":%u,\"mailbox\":", src, dst);
	out_json_str(stdout, run->dst, strlen(run->dst));
	printf(",\"uidvalidity\":%u}\n", uidvalidity);
	return 0;
}

/* A COPY or MOVE piece completed OK: those UIDs are done. */
static int
copy_piece(void *arg, const struct seqset *set, size_t from, size_t to,
    struct mp_err *e)
{
	struct copy_run *run = arg;
	size_t i;

	for (i = from; i < to; i++) {
		if (seqset_add(&run->done, set->r[i].lo, set->r[i].hi, e) < 0)
			return -1;
		run->confirmed += (uint64_t)set->r[i].hi - set->r[i].lo + 1;
	}
	return 0;
}

/* The mailbox name as it goes on the wire, quoted, for --dry-run. */
static void
copy_wire_name(struct imap *im, const char *name, char *buf, size_t cap)
{
	char *wire = NULL;
	const char *p;
	size_t len = 0;
	struct mp_err e;

	if (!imap_utf8(im) && imap_utf7_encode(name, strlen(name), &wire, &e) < 0)
		tool_imap_die(EX_USAGE, "%s", e.text);
	buf[len++] = '"';
	for (p = wire != NULL ? wire : name; *p != '\0' && len + 3 < cap; p++) {
		if (*p == '"' || *p == '\\')
			buf[len++] = '\\';
		buf[len++] = *p;
	}
	buf[len++] = '"';
	buf[len] = '\0';
	free(wire);
}

/* What -n prints: the commands that would change something. */
static void
copy_dry_run(struct imap *im, const struct seqset *found, const char *dst,
    bool use_move, bool expunge)
{
	char name[2048];

	copy_wire_name(im, dst, name, sizeof name);
	tool_print_pieces(found, use_move ? "UID MOVE" : "UID COPY", name);
	if (!expunge)
		return;
	tool_print_pieces(found, "UID STORE", "+FLAGS.SILENT (\\Deleted)");
	if (imap_has_cap(im, "UIDPLUS"))
		tool_print_pieces(found, "UID EXPUNGE", NULL);
	else
		puts("EXPUNGE");
}

/* How much was done before a failure, for its message. */
static void
copy_die_after(const struct mp_err *e, const struct copy_run *run,
    uint64_t total, const char *what)
{
	if (e->kind == ERR_TEMP || e->kind == ERR_PROTOCOL)
		tool_imap_session(NULL);	/* no LOGOUT on a lost session */
	tool_imap_die(err_sysexit(e), "%s (%llu of %llu UIDs confirmed %s before)",
	    e->text, (unsigned long long)run->confirmed, (unsigned long long)total,
	    what);
}

/* COPY or MOVE found to dst; with --create, a missing dst is created
 * and the UIDs not yet done are tried once more. */
static void
copy_messages(struct imap *im, const struct seqset *found, bool use_move,
    struct copy_run *run)
{
	const struct copy_opts *o = run->o;
	const char *what = use_move ? "moved" : "copied";
	uint64_t total = seqset_count(found);
	struct seqset rest = { 0 };
	struct imap_cmd cmd;
	struct mp_err e;
	int r;

	r = mailbox_copy(im, found, run->dst, use_move, copy_pair, copy_piece, run, &e);
	if (r < 0 && e.kind == ERR_NOINPUT) {
		if (!o->create)
			tool_imap_die(EX_NOINPUT, "%s does not exist: --create creates "
			    "it (%s)", run->dst, e.text);
		if (mailbox_manage(im, "CREATE", run->dst, NULL, &cmd, &e) < 0)
			copy_die_after(&e, run, total, what);
		/* Created meanwhile by another client: fine too. */
		if (cmd.status != IMAP_OK && strcmp(cmd.code, "ALREADYEXISTS") != 0) {
			char head[300];
			snprintf(head, sizeof head, "CREATE %s", run->dst);
			imap_cmd_error(&cmd, head, ERR_CANTCREATE, ERR_USAGE, &e);
			tool_imap_fail(&e);
		}
		seqset_normalize(&run->done);
		if (seqset_subtract(found, &run->done, &rest, &e) < 0)
			tool_imap_fail(&e);
		r = rest.n == 0 ? 0 : mailbox_copy(im, &rest, run->dst, use_move,
		    copy_pair, copy_piece, run, &e);
		seqset_free(&rest);
	}
	if (r < 0) {
		if (e.kind == ERR_NOINPUT)
			tool_imap_die(EX_NOINPUT, "%s: %s", run->dst, e.text);
		copy_die_after(&e, run, total, what);
	}
	seqset_normalize(&run->done);
}

/* Without MOVE: the copies are made; now flag the originals \Deleted
 * and expunge exactly those (UID EXPUNGE), or with --expunge-all every
 * \Deleted message (plain EXPUNGE). */
static void
copy_remove(struct imap *im, const char *src, const struct copy_run *run)
{
	uint64_t expunged = 0;
	struct mp_err e;

	if (run->done.n == 0)
		return;
	if (mailbox_store(im, &run->done, "+FLAGS.SILENT (\\Deleted)", 0, 0, NULL,
	    NULL, NULL, NULL, &e) < 0) {
		if (e.kind == ERR_TEMP || e.kind == ERR_PROTOCOL)
			tool_imap_session(NULL);
		tool_imap_die(err_sysexit(&e), "%s (%llu UIDs copied; none expunged "
		    "from %s)", e.text, (unsigned long long)run->confirmed, src);
	}
	if (mailbox_expunge(im, imap_has_cap(im, "UIDPLUS") ? &run->done : NULL,
	    &expunged, &e) < 0) {
		if (e.kind == ERR_TEMP || e.kind == ERR_PROTOCOL)
			tool_imap_session(NULL);
		tool_imap_die(err_sysexit(&e), "%s (%llu UIDs copied and flagged "
		    "\\Deleted in %s, maybe not all expunged)", e.text,
		    (unsigned long long)run->confirmed, src);
	}
}

int
main(int argc, const char **argv)
{
	static struct copy_opts o;
	struct poptOption options[] = {
		{ "move", '\0', POPT_ARG_NONE, &o.move, 0,
		  "move: remove the messages from SRC once copied (MOVE, or COPY + "
		  "\\Deleted + UID EXPUNGE)", NULL },
		{ "expunge-all", '\0', POPT_ARG_NONE, &o.expunge_all, 0,
		  "with --move on a server without MOVE and UIDPLUS: plain EXPUNGE, "
		  "which also removes other \\Deleted messages", NULL },
		{ "create", '\0', POPT_ARG_NONE, &o.create, 0,
		  "create DST when the server says it does not exist (TRYCREATE)", NULL },
		{ "search", 's', POPT_ARG_STRING, &o.search, 0,
		  "the messages matching these IMAP SEARCH criteria", "CRITERIA" },
		{ "uidvalidity", '\0', POPT_ARG_STRING, &o.uidvalidity, 0,
		  "refuse (exit 65) unless SRC's UIDVALIDITY is N", "N" },
		{ "dry-run", 'n', POPT_ARG_NONE, &o.dry_run, 0,
		  "print the COPY, MOVE, STORE and EXPUNGE commands instead of "
		  "sending them", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "the UID pairs as JSON Lines (with DST and its UIDVALIDITY)", NULL },
		{ "header", 'H', POPT_ARG_NONE, &o.header, 0,
		  "a header line before the TSV pairs", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct uidlist want = { 0 };
	struct seqset found = { 0 }, missing = { 0 };
	struct copy_run run = { .o = &o };
	struct mailbox_info info;
	struct cli_session s = { 0 };
	struct conn *c = NULL;
	struct imap *im = NULL;
	struct mp_err e;
	poptContext pc;
	const char *url = NULL, *src, *dst;
	uint32_t uidvalidity = 0;
	bool use_move = false, remove_after = false;
	int status = 0;

	tool_init("imapcopy");
	pc = tool_options(argc, argv, options,
	    "[OPTION...] URL SRC DST [UID...] (or UIDs on stdin)");
	if (!cli_server_named() && (url = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no server: give a URL (imaps://user@host) or -a ACCOUNT");
	if ((src = poptGetArg(pc)) == NULL || src[0] == '\0')
		tool_die(EX_USAGE, "no SRC mailbox");
	if ((dst = poptGetArg(pc)) == NULL || dst[0] == '\0')
		tool_die(EX_USAGE, "no DST mailbox");
	run.dst = dst;
	if (o.expunge_all && !o.move)
		tool_die(EX_USAGE, "--expunge-all goes with --move");
	if (o.move && strcmp(src, dst) == 0)
		tool_die(EX_USAGE, "--move from %s into itself", src);
	if (o.json && o.header)
		tool_die(EX_USAGE, "-H is for the TSV output, not --json");
	if (o.uidvalidity != NULL)
		uidvalidity = (uint32_t)tool_number(o.uidvalidity, "--uidvalidity",
		    UINT32_MAX);
	if (o.search != NULL && poptPeekArg(pc) != NULL)
		tool_die(EX_USAGE, "UIDs and --search exclude each other");
	if (o.search == NULL) {
		tool_read_uids(pc, &want, src, &uidvalidity);
		/* Nothing piped in (a search that found nothing): done. */
		if (want.set.n == 0)
			goto done;
	}

	if (cli_imap_open(&s, url, &c, &im, &e) < 0)
		tool_fail(&e);
	tool_imap_session(im);
	/* A copy only reads SRC: EXAMINE, which leaves \Recent alone. */
	if (mailbox_open(im, src, !o.move, &info, &e) < 0)
		tool_imap_fail(&e);
	if (o.move && info.read_only)
		tool_imap_die(EX_NOPERM, "%s is read-only for this user: its messages "
		    "can be copied, not moved", src);
	if (uidvalidity != 0 && uidvalidity != info.uidvalidity)
		tool_imap_die(EX_DATAERR, "UIDVALIDITY of %s is now %u, the UIDs given "
		    "are for %u: they may name other messages; list them again", src,
		    info.uidvalidity, uidvalidity);
	if (o.move) {
		use_move = imap_has_cap(im, "MOVE");
		remove_after = !use_move;
		if (remove_after && !imap_has_cap(im, "UIDPLUS") && !o.expunge_all)
			tool_imap_die(EX_UNAVAILABLE, "the server has neither MOVE nor "
			    "UIDPLUS, so only a plain EXPUNGE could remove the copied "
			    "messages from %s, and it removes every \\Deleted message "
			    "there, other clients' too: add --expunge-all to accept that",
			    src);
	}

	if (o.search != NULL) {
		if (mailbox_search(im, o.search, &found, &e) < 0)
			tool_imap_fail(&e);
	} else {
		if (mailbox_existing(im, &want.set, &found, &e) < 0)
			tool_imap_fail(&e);
		if (seqset_subtract(&want.set, &found, &missing, &e) < 0)
			tool_imap_fail(&e);
	}
	if (o.dry_run) {
		if (found.n > 0)
			copy_dry_run(im, &found, dst, use_move, remove_after);
	} else {
		if (o.header)
			puts("src_uid\tdst_uid");
		if (found.n > 0)
			copy_messages(im, &found, use_move, &run);
		if (remove_after)
			copy_remove(im, src, &run);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_imap_die(EX_IOERR, "writing standard output failed");
	if (run.confirmed > 0 && run.pairs == 0 && cli_verbose())
		fprintf(stderr, "imapcopy: the server sent no COPYUID (it lacks "
		    "UIDPLUS): the UIDs of the copies in %s are not known\n", dst);
	if (missing.n > 0) {
		fprintf(stderr, "imapcopy: %s: no message has %llu of the UIDs given\n",
		    src, (unsigned long long)seqset_count(&missing));
		status = 1;
	}
	cli_imap_close(c, im);
done:
	uidlist_free(&want);
	seqset_free(&found);
	seqset_free(&missing);
	seqset_free(&run.done);
	poptFreeContext(pc);
	return status;
}
