/* popfetch: move a POP3 maildrop into an mbox, a maildir or an MDA,
 * every message exactly once. */
#include <ctype.h>
#include <errno.h>
#include <popt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "deliver.h"
#include "err.h"
#include "journal.h"
#include "out.h"
#include "pop3.h"
#include "pop3_fetch.h"
#include "tool.h"

#define FETCH_SESSIONS_MAX	1000	/* --until-empty gives up after these */

struct fetch_opts {
	char *output;
	char *maildir;
	char *mda;
	char *state_dir;
	char *max_size;
	int keep;
	int all;
	int delete_oversized;
	int headers_only;
	int dry_run;
	int stat;
	int json;
	int header;
	int quiet;
	int until_empty;
	int exit_empty;
	int batch;
};

static uint64_t
fetch_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno != 0 || v == 0)
		tool_die(EX_USAGE, "--max-size takes a number of octets, with k or M");
	if (*end == 'k' || *end == 'K')
		v *= 1000, end++;
	else if (*end == 'M')
		v *= 1000000, end++;
	if (*end != '\0')
		tool_die(EX_USAGE, "--max-size takes a number of octets, with k or M");
	return v;
}

/* --stat: what the maildrop holds, fetching nothing. */
static int
fetch_stat(struct conn *c, const struct fetch_opts *o, struct mp_err *e)
{
	struct pop3_caps caps;
	struct pop3_msg *msgs;
	size_t n, i;
	uint64_t octets = 0;
	bool uidl_ok;

	if (pop3_capa(c, &caps, e) < 0 ||
	    pop3_scan(c, caps.pipelining, !caps.capa || caps.uidl, &msgs, &n,
	    &uidl_ok, e) < 0)
		return -1;
	if (o->header && !o->json)
		puts("num\tuidl\tsize");
	for (i = 0; i < n; i++) {
		octets += msgs[i].size;
		if (o->json) {
			printf("{\"num\":%u,\"uidl\":", msgs[i].num);
			if (uidl_ok)
				out_json_str(stdout, msgs[i].uidl, strlen(msgs[i].uidl));
			else
				fputs("null", stdout);
			printf(",\"size\":%llu}\n", (unsigned long long)msgs[i].size);
		} else {
			printf("%u\t%s\t%llu\n", msgs[i].num, msgs[i].uidl,
			    (unsigned long long)msgs[i].size);
		}
	}
	free(msgs);
	if (!o->quiet)
		fprintf(stderr, "popfetch: %zu messages, %llu octets on the server\n",
		    n, (unsigned long long)octets);
	return pop3_quit(c, e);
}

int
main(int argc, const char **argv)
{
	static struct fetch_opts o = { .headers_only = -1, .exit_empty = -1 };
	struct poptOption options[] = {
		{ "output", 'o', POPT_ARG_STRING, &o.output, 0,
		  "append to this mbox (created if missing; - for standard output)",
		  "FILE" },
		{ "maildir", '\0', POPT_ARG_STRING, &o.maildir, 0,
		  "deliver into this maildir (created if missing)", "DIR" },
		{ "mda", '\0', POPT_ARG_STRING, &o.mda, 0,
		  "pipe each message to CMD (sh -c); exit 0 means delivered", "CMD" },
		{ "keep", 'k', POPT_ARG_NONE, &o.keep, 0,
		  "leave the mail on the server; fetch only what was not fetched before",
		  NULL },
		{ "all", '\0', POPT_ARG_NONE, &o.all, 0,
		  "fetch every message, also those fetched before", NULL },
		{ "max-size", '\0', POPT_ARG_STRING, &o.max_size, 0,
		  "skip messages larger than N octets (k, M suffixes)", "N" },
		{ "delete-oversized", '\0', POPT_ARG_NONE, &o.delete_oversized, 0,
		  "delete, unread, the messages --max-size skips", NULL },
		{ "headers-only", '\0', POPT_ARG_INT, &o.headers_only, 0,
		  "fetch the header and N body lines (TOP); implies --keep", "N" },
		{ "dry-run", 'n', POPT_ARG_NONE, &o.dry_run, 0,
		  "print what would be done to each message; change nothing", NULL },
		{ "stat", '\0', POPT_ARG_NONE, &o.stat, 0,
		  "print each message's number, UIDL and size; fetch nothing", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "--stat rows and the summary as JSON Lines", NULL },
		{ "header", 'H', POPT_ARG_NONE, &o.header, 0,
		  "a header line before the --stat rows", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &o.quiet, 0,
		  "no progress and no summary line", NULL },
		{ "until-empty", '\0', POPT_ARG_NONE, &o.until_empty, 0,
		  "start another session while the last one fetched mail (servers "
		  "that hand out a few hundred messages per session)", NULL },
		{ "exit-empty", '\0', POPT_ARG_INT, &o.exit_empty, 0,
		  "exit with status N when there was no mail", "N" },
		{ "state-dir", '\0', POPT_ARG_STRING, &o.state_dir, 0,
		  "where the account's delivery state lives (default "
		  "~/.local/state/mailpipe/popfetch/USER@HOST:PORT)", "DIR" },
		{ "batch", '\0', POPT_ARG_INT, &o.batch, 0,
		  "messages made durable (fsync) together, before their DELE "
		  "(default 100)", "N" },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct cli_session s = { 0 };
	struct pop3_fetch_opts fo = { 0 };
	struct pop3_fetch_result r, total = { 0 };
	struct journal *j = NULL;
	struct deliver *d = NULL;
	struct conn *c;
	struct mp_err e;
	poptContext pc;
	const char *url;
	char *state;
	int targets, sessions = 0, status = 0;
	enum deliver_kind kind = DELIVER_MBOX;
	const char *where = NULL;

	tool_init("popfetch");
	/* A file size limit (ulimit -f) is a full disk: a write error to
	 * handle, not a signal to die of with a half-written batch. */
	signal(SIGXFSZ, SIG_IGN);
	pc = tool_options(argc, argv, options,
	    "[OPTION...] URL (-o FILE | --maildir DIR | --mda CMD)");
	url = cli_server_named() ? NULL : poptGetArg(pc);
	if (!cli_server_named() && url == NULL)
		tool_die(EX_USAGE, "no server: give a URL (pop3s://user@host) or -a ACCOUNT");
	if (poptPeekArg(pc) != NULL)
		tool_die(EX_USAGE, "unexpected argument '%s'", poptPeekArg(pc));
	targets = (o.output != NULL) + (o.maildir != NULL) + (o.mda != NULL);
	if (targets > 1)
		tool_die(EX_USAGE, "give one target: -o FILE, --maildir DIR or --mda CMD");
	if (targets == 0 && !o.stat && !o.dry_run)
		tool_die(EX_USAGE, "where to? give -o FILE, --maildir DIR or --mda CMD");
	if (o.output != NULL)
		kind = DELIVER_MBOX, where = o.output;
	else if (o.maildir != NULL)
		kind = DELIVER_MAILDIR, where = o.maildir;
	else if (o.mda != NULL)
		kind = DELIVER_MDA, where = o.mda;
	if (o.json && !o.stat && where != NULL && strcmp(where, "-") == 0)
		tool_die(EX_USAGE, "--json and -o - would share standard output");
	if (o.keep && o.all)
		tool_die(EX_USAGE, "--keep fetches only new mail, --all everything: "
		    "choose one");
	if (o.delete_oversized && o.max_size == NULL)
		tool_die(EX_USAGE, "--delete-oversized goes with --max-size");
	if (o.batch < 0 || o.batch > 1000)
		tool_die(EX_USAGE, "--batch takes 1 to 1000");
	if (o.exit_empty > 255)
		tool_die(EX_USAGE, "--exit-empty takes 0 to 255");
	fo.keep = o.keep || o.headers_only >= 0;
	fo.all = o.all;
	fo.max_size = o.max_size != NULL ? fetch_size(o.max_size) : 0;
	fo.delete_oversized = o.delete_oversized;
	fo.headers_only = o.headers_only;
	fo.dry_run = o.dry_run;
	fo.plan = stdout;
	fo.batch_max = o.batch > 0 ? (size_t)o.batch : 100;
	fo.batch_octets = 8 * 1024 * 1024;
	if (!o.quiet && isatty(2)) {
		fo.progress = tool_progress;
	}

	if (cli_session_prepare(&s, CONN_POP3, url, &e) < 0)
		tool_fail(&e);
	if (!o.stat) {
		if ((state = cli_state_dir("popfetch", o.state_dir, &s, &e)) == NULL)
			tool_fail(&e);
		if (journal_open(&j, state, &e) < 0)
			tool_fail(&e);
		free(state);
		if (!o.dry_run) {
			unsigned back, fwd;
			if (deliver_open(&d, kind, where, "POPFETCH_UIDL", j, &e) < 0 ||
			    deliver_recover(d, &back, &fwd, &e) < 0)
				tool_fail(&e);
			if ((back || fwd) && !o.quiet)
				fprintf(stderr, "popfetch: recovered an interrupted run: %u "
				    "message(s) rolled back, %u completed\n", back, fwd);
		}
	}
	do {
		if (cli_session_open(&s, &c, &e) < 0) {
			status = -1;
			break;
		}
		sessions++;
		/* Only --until-empty logs in again: otherwise the password has
		 * done its work. */
		if (!o.until_empty)
			cli_session_forget_password(&s);
		if (o.stat) {
			status = fetch_stat(c, &o, &e);
			conn_close(c);
			break;
		}
		status = pop3_fetch_run(c, j, d, &fo, &r, &e);
		conn_close(c);
		total.messages += r.messages;
		total.octets += r.octets;
		total.skipped += r.skipped;
		total.deleted += r.deleted;
		total.on_server += r.on_server;
	} while (status == 0 && o.until_empty && r.messages > 0 && !fo.keep &&
	    !o.dry_run && sessions < FETCH_SESSIONS_MAX);
	cli_session_free(&s);
	tool_progress_end();
	if (!o.stat && !o.dry_run) {
		if (o.json)
			printf("{\"messages\":%llu,\"octets\":%llu,\"skipped\":%llu,"
			    "\"deleted\":%llu,\"sessions\":%d,\"ok\":%s}\n",
			    (unsigned long long)total.messages,
			    (unsigned long long)total.octets,
			    (unsigned long long)total.skipped,
			    (unsigned long long)total.deleted, sessions,
			    status == 0 ? "true" : "false");
		else if (!o.quiet && status == 0)
			fprintf(stderr, "popfetch: %llu messages, %.1f MB, %llu skipped\n",
			    (unsigned long long)total.messages, total.octets / 1e6,
			    (unsigned long long)total.skipped);
	}
	deliver_close(d);
	journal_close(j);
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_die(EX_IOERR, "writing standard output failed");
	poptFreeContext(pc);
	if (status < 0) {
		/* One line on failure: the error, with what was done before it. */
		size_t len = strlen(e.text);
		if (total.messages > 0)
			snprintf(e.text + len, sizeof e.text - len, " (%llu messages "
			    "fetched before; run again for the rest)",
			    (unsigned long long)total.messages);
		tool_fail(&e);
	}
	if (o.exit_empty >= 0 && total.messages == 0 && !o.stat)
		return o.exit_empty;
	return 0;
}
