/* imapput: upload messages into an IMAP mailbox: one from standard
 * input, the messages of an mbox, or the files of a maildir. */
#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "append.h"
#include "cli.h"
#include "conn.h"
#include "err.h"
#include "imap.h"
#include "imap_flags.h"
#include "msgsrc.h"
#include "out.h"
#include "tool.h"

#define PUT_FLAGS_MAX	32	/* flags in --flags */

struct put_opts {
	char *mbox;
	char *maildir;
	char *flags;
	int date;
	int create;
	int skip;
	int json;
	int header;
	int quiet;
};

struct put_run {
	const struct put_opts *o;
	const char *mailbox;
	enum msgsrc_kind kind;
	char flags[PUT_FLAGS_MAX * (IMAP_FLAGS_KEYWORD_MAX + 2)];
	uint64_t refused;	/* by us or by the server */
	uint64_t unknown;	/* sent without a reply, or not sent */
	uint64_t nouid;		/* stored, without a UID from the server */
	uint64_t stored, octets;	/* for the progress line */
	bool progress;
};

/* --flags: each checked as imapflag checks them, normalized. */
static void
put_flags(const char *arg, char *out, size_t cap)
{
	size_t len = 0, count = 0;
	const char *p = arg;

	out[0] = '\0';
	for (;;) {
		char one[IMAP_FLAGS_KEYWORD_MAX + 2];
		struct mp_err e;
		int r = imap_flags_next(&p, one, sizeof one, &e);

		if (r < 0)
			tool_die(EX_USAGE, "--flags: %s", e.text);
		if (r == 0)
			break;
		if (++count > PUT_FLAGS_MAX)
			tool_die(EX_USAGE, "--flags: more than %d flags", PUT_FLAGS_MAX);
		len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " " : "",
		    one);
	}
}

/* One line per message stored: TSV uid [source], or JSON. */
static void
put_row(struct put_run *run, const struct msgsrc_msg *m, uint32_t uidvalidity,
    uint32_t uid)
{
	if (run->o->json) {
		printf("{\"uid\":%u,\"uidvalidity\":%u,\"mailbox\":", uid, uidvalidity);
		out_json_str(stdout, run->mailbox, strlen(run->mailbox));
		if (run->kind == MSGSRC_MBOX)
			printf(",\"message\":%lu", m->number);
		if (run->kind == MSGSRC_MAILDIR) {
			fputs(",\"file\":", stdout);
			out_json_str(stdout, m->path, strlen(m->path));
		}
		puts("}");
		return;
	}
	printf("%u", uid);
	if (run->kind == MSGSRC_MBOX)
		printf("\t%lu", m->number);
	if (run->kind == MSGSRC_MAILDIR) {
		putchar('\t');
		out_tsv_field(stdout, m->path, strlen(m->path));
	}
	putchar('\n');
}

/* What became of a message (see append_done_fn). */
static int
put_done(void *arg, void *msg, bool stored, uint32_t uidvalidity, uint32_t uid,
    const struct imap_cmd *cmd, struct mp_err *e)
{
	struct put_run *run = arg;
	struct msgsrc_msg *m = msg;
	char where[600];

	(void)e;
	if (stored) {
		run->stored++;
		run->octets += m->size;
		if (run->progress)
			tool_progress(NULL, run->stored, 0, run->octets);
	} else {
		tool_progress_end();	/* the line below on a line of its own */
	}
	if (stored && uid > 0)
		put_row(run, m, uidvalidity, uid);
	else if (stored)
		run->nouid++;
	else if (cmd != NULL) {
		run->refused++;
		fprintf(stderr, "imapput: %s: not stored: %s %s%s%s%s\n",
		    msgsrc_where(m, where, sizeof where),
		    cmd->status == IMAP_BAD ? "BAD" : "NO", cmd->code[0] ? "[" : "",
		    cmd->code, cmd->code[0] ? "] " : "", cmd->text);
	} else {
		run->unknown++;
	}
	msgsrc_msg_free(m);
	free(m);
	return 0;
}

static void
put_rewind(void *msg)
{
	msgsrc_rewind(msg);
}

int
main(int argc, const char **argv)
{
	static struct put_opts o;
	struct poptOption options[] = {
		{ "mbox", '\0', POPT_ARG_STRING, &o.mbox, 0,
		  "upload each message of this mbox file (mboxrd or mboxo; - for "
		  "standard input)", "FILE" },
		{ "maildir", '\0', POPT_ARG_STRING, &o.maildir, 0,
		  "upload the files of DIR/new and DIR/cur", "DIR" },
		{ "flags", '\0', POPT_ARG_STRING, &o.flags, 0,
		  "store the messages with these flags (blank-separated, e.g. "
		  "'\\Seen \\Flagged')", "FLAGS" },
		{ "date", '\0', POPT_ARG_NONE, &o.date, 0,
		  "set the INTERNALDATE from the mbox From line or the Date field",
		  NULL },
		{ "create", '\0', POPT_ARG_NONE, &o.create, 0,
		  "create MAILBOX when it does not exist", NULL },
		{ "skip-existing", '\0', POPT_ARG_NONE, &o.skip, 0,
		  "skip messages whose Message-ID is in MAILBOX already", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "one JSON object per message stored", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &o.quiet, 0,
		  "no progress line", NULL },
		{ "header", 'H', POPT_ARG_NONE, &o.header, 0,
		  "a header line before the TSV lines", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct put_run run = { .o = &o };
	struct cli_session s = { 0 };
	struct append_params ap = { 0 };
	struct append_ids ids = { 0 };
	struct append *a = NULL;
	struct msgsrc *src = NULL;
	struct conn *c = NULL;
	struct imap *im = NULL;
	struct mp_err e;
	poptContext pc;
	const char *url = NULL, *input = "-";
	uint64_t skipped = 0, total = 0;
	bool exists = true, failed = false, local_bad = false;
	int rc, status = 0;

	tool_init("imapput");
	pc = tool_options(argc, argv, options,
	    "[OPTION...] URL MAILBOX < message");
	if (!cli_server_named() && (url = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no server: give a URL (imaps://user@host) or -a ACCOUNT");
	if ((run.mailbox = poptGetArg(pc)) == NULL || run.mailbox[0] == '\0')
		tool_die(EX_USAGE, "no MAILBOX");
	if (poptPeekArg(pc) != NULL)
		tool_die(EX_USAGE, "unexpected argument '%s' (the message comes on "
		    "standard input, or use --mbox or --maildir)", poptPeekArg(pc));
	if (o.mbox != NULL && o.maildir != NULL)
		tool_die(EX_USAGE, "--mbox and --maildir exclude each other");
	if (o.json && o.header)
		tool_die(EX_USAGE, "-H is for the TSV lines, not --json");
	if (o.flags != NULL)
		put_flags(o.flags, run.flags, sizeof run.flags);
	run.kind = o.mbox != NULL ? MSGSRC_MBOX : o.maildir != NULL ?
	    MSGSRC_MAILDIR : MSGSRC_ONE;
	input = o.mbox != NULL ? o.mbox : o.maildir != NULL ? o.maildir : "-";
	/* The input first: a missing file fails before any login. */
	if (msgsrc_open(&src, run.kind, input, &e) < 0)
		tool_fail(&e);

	run.progress = !o.quiet && !cli_verbose() && isatty(2);
	if (cli_imap_open(&s, url, &c, &im, &e) < 0)
		tool_fail(&e);
	if (cli_verbose() && !imap_has_cap(im, "UIDPLUS"))
		fprintf(stderr, "imapput: the server has no UIDPLUS: it tells no "
		    "UIDs, so none are printed\n");
	if (o.skip && append_ids_load(im, run.mailbox, &ids, &exists, &e) < 0) {
		if (e.kind != ERR_TEMP && e.kind != ERR_PROTOCOL)
			cli_imap_close(c, im);
		tool_fail(&e);
	}
	ap.mailbox = run.mailbox;
	ap.create = o.create;
	ap.done = put_done;
	ap.done_arg = &run;
	ap.rewind = put_rewind;
	if (append_begin(&a, im, &ap, &e) < 0)
		tool_fail(&e);
	if (o.header && !o.json)
		puts(run.kind == MSGSRC_MBOX ? "uid\tmessage" : run.kind ==
		    MSGSRC_MAILDIR ? "uid\tfile" : "uid");
	for (;;) {
		struct msgsrc_msg *m = tool_xmalloc(sizeof *m);
		struct append_msg am = { 0 };
		char where[600];

		if ((rc = msgsrc_next(src, m, &e)) <= 0) {
			free(m);
			if (rc < 0)
				failed = true;
			break;
		}
		total++;
		if (msgsrc_scan(m, &e) < 0) {
			msgsrc_msg_free(m);
			free(m);
			failed = true;
			break;
		}
		if (m->bad[0] == '\0' && m->size == 0)
			snprintf(m->bad, sizeof m->bad, "empty message");
		if (m->bad[0] != '\0') {
			run.refused++;
			local_bad = true;
			tool_progress_end();
			fprintf(stderr, "imapput: %s: %s: not stored\n",
			    msgsrc_where(m, where, sizeof where), m->bad);
			msgsrc_msg_free(m);
			free(m);
			continue;
		}
		if (o.skip && m->message_id[0] != '\0' &&
		    append_ids_has(&ids, m->message_id)) {
			skipped++;
			if (cli_verbose())
				fprintf(stderr, "imapput: %s: skipped: Message-ID %s is "
				    "in %s\n", msgsrc_where(m, where, sizeof where),
				    m->message_id, run.mailbox);
			msgsrc_msg_free(m);
			free(m);
			continue;
		}
		am.size = m->size;
		am.flags = o.flags != NULL ? run.flags : m->flags;
		if (o.date)
			am.date = m->from_date[0] != '\0' ? m->from_date : m->date;
		am.read = msgsrc_read;
		am.arg = m;
		if (append_add(a, &am, &e) < 0) {
			failed = true;
			break;
		}
	}
	if (!failed && append_finish(a, &e) < 0)
		failed = true;
	tool_progress_end();
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_die(EX_IOERR, "writing standard output failed");
	if (skipped > 0)
		fprintf(stderr, "imapput: %llu of %llu messages skipped: their "
		    "Message-ID is in %s already\n", (unsigned long long)skipped,
		    (unsigned long long)total, run.mailbox);
	if (failed) {
		uint64_t stored = append_stored(a);
		bool lost = !append_session_ok(a) && run.unknown > 0;
		if (append_session_ok(a)) {
			cli_imap_close(c, im);
		} else {
			imap_free(im);	/* no LOGOUT after a half-sent literal */
			conn_close(c);
		}
		append_free(a);
		append_ids_free(&ids);
		msgsrc_close(src);
		tool_die(err_sysexit(&e), "%s (%llu message%s stored before%s)",
		    e.text, (unsigned long long)stored, stored == 1 ? "" : "s",
		    lost ? "; the others are not confirmed: run again with "
		    "--skip-existing" : "");
	}
	if (run.nouid > 0 && cli_verbose())
		fprintf(stderr, "imapput: %llu message%s stored without a UID from "
		    "the server\n", (unsigned long long)run.nouid,
		    run.nouid == 1 ? "" : "s");
	cli_imap_close(c, im);
	if (run.refused > 0)
		status = run.kind == MSGSRC_ONE && local_bad ? EX_DATAERR : 1;
	append_free(a);
	append_ids_free(&ids);
	msgsrc_close(src);
	poptFreeContext(pc);
	return status;
}
