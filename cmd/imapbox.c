/* imapbox: create, delete, rename, subscribe and unsubscribe IMAP
 * mailboxes, one result line per name. */
#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli.h"
#include "conn.h"
#include "err.h"
#include "imap.h"
#include "mailbox.h"
#include "out.h"
#include "tool.h"

struct box_opts {
	int parents;
	int force;
	int json;
};

static const struct {
	const char *name;	/* the subcommand */
	const char *verb;	/* the IMAP command */
	int names;		/* how many names it takes: -1 one or more */
} box_cmds[] = {
	{ "create", "CREATE", -1 },
	{ "delete", "DELETE", -1 },
	{ "rename", "RENAME", 2 },
	{ "subscribe", "SUBSCRIBE", -1 },
	{ "unsubscribe", "UNSUBSCRIBE", -1 },
};

/* One result line: TSV name, ok|failed, text; or a JSON object. */
static void
box_row(const struct box_opts *o, const char *name, bool ok, const char *text)
{
	if (o->json) {
		fputs("{\"mailbox\":", stdout);
		out_json_str(stdout, name, strlen(name));
		printf(",\"ok\":%s,\"text\":", ok ? "true" : "false");
		out_json_str(stdout, text, strlen(text));
		puts("}");
		return;
	}
	out_tsv_field(stdout, name, strlen(name));
	printf("\t%s\t", ok ? "ok" : "failed");
	out_tsv_field(stdout, text, strlen(text));
	putchar('\n');
}

/* The server's answer as a row's text: "NO [CODE] text". */
static void
box_answer(const struct imap_cmd *cmd, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s%s", cmd->status == IMAP_OK ? "" :
	    cmd->status == IMAP_BAD ? "BAD " : "NO ", cmd->code[0] ? "[" : "",
	    cmd->code, cmd->code[0] ? "] " : "", cmd->text);
}

/* CREATE each parent of name (split at the delimiter) that is missing;
 * "already exists" is fine. */
static int
box_parents(struct imap *im, const char *name, char delim, struct mp_err *e)
{
	char *p, *s;
	struct imap_cmd cmd;
	int r = 0;

	if (delim == '\0' || (p = strdup(name)) == NULL)
		return delim == '\0' ? 0 : err_set(e, ERR_INTERNAL, "out of memory");
	for (s = strchr(p + 1, delim); r == 0 && s != NULL && s[1] != '\0';
	    s = strchr(s + 1, delim)) {
		*s = '\0';
		r = mailbox_manage(im, "CREATE", p, NULL, &cmd, e);
		*s = delim;
	}
	free(p);
	return r;
}

int
main(int argc, const char **argv)
{
	static struct box_opts o;
	struct poptOption options[] = {
		{ "parents", 'p', POPT_ARG_NONE, &o.parents, 0,
		  "create: create the parent mailboxes too", NULL },
		{ "force", '\0', POPT_ARG_NONE, &o.force, 0,
		  "delete: also a mailbox that holds messages", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "result lines as JSON Lines", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct cli_session s = { 0 };
	struct conn *c;
	struct imap *im;
	struct mp_err e;
	poptContext pc;
	const char *url = NULL, *sub, **names;
	char delim = '\0', text[400];
	size_t k, n = 0;
	int status = 0;

	tool_init("imapbox");
	pc = tool_options(argc, argv, options,
	    "[OPTION...] URL create|delete|subscribe|unsubscribe NAME... | "
	    "rename OLD NEW");
	if (!cli_server_named() && (url = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no server: give a URL (imaps://user@host) or -a ACCOUNT");
	if ((sub = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no command: create, delete, rename, subscribe or "
		    "unsubscribe");
	for (k = 0; k < sizeof box_cmds / sizeof box_cmds[0]; k++) {
		if (strcmp(sub, box_cmds[k].name) == 0)
			break;
	}
	if (k == sizeof box_cmds / sizeof box_cmds[0])
		tool_die(EX_USAGE, "unknown command '%s': create, delete, rename, "
		    "subscribe or unsubscribe", sub);
	names = tool_xmalloc(((size_t)argc + 1) * sizeof *names);
	while ((names[n] = poptGetArg(pc)) != NULL) {
		if (names[n][0] == '\0')
			tool_die(EX_USAGE, "an empty mailbox name");
		n++;
	}
	if (n == 0 || (box_cmds[k].names > 0 && n != (size_t)box_cmds[k].names))
		tool_die(EX_USAGE, box_cmds[k].names == 2 ? "rename takes OLD NEW" :
		    "%s takes one or more mailbox names", sub);
	if (o.parents && k != 0)
		tool_die(EX_USAGE, "-p goes with create");
	if (o.force && k != 1)
		tool_die(EX_USAGE, "--force goes with delete");

	if (cli_imap_open(&s, url, &c, &im, &e) < 0)
		tool_fail(&e);
	if (o.parents && mailbox_delimiter(im, &delim, &e) < 0)
		tool_fail(&e);
	for (size_t i = 0; i < (k == 2 ? 1 : n); i++) {
		const char *name = names[i];
		struct imap_cmd cmd;
		uint64_t count = 0;

		if (k == 1 && strcasecmp(name, "INBOX") == 0) {
			box_row(&o, name, false, "INBOX is never deleted");
			status = 1;
			continue;
		}
		if (k == 1 && !o.force) {
			/* The lecture's DELETE takes the messages with it. */
			if (mailbox_messages(im, name, &count, &cmd, &e) < 0)
				tool_fail(&e);
			if (cmd.status != IMAP_OK) {
				/* Not knowing whether it is empty: not deleted. */
				box_answer(&cmd, text, sizeof text);
				box_row(&o, name, false, text);
				status = 1;
				continue;
			}
			if (count > 0) {
				snprintf(text, sizeof text, "holds %llu messages: --force "
				    "deletes it with them", (unsigned long long)count);
				box_row(&o, name, false, text);
				status = 1;
				continue;
			}
		}
		if (k == 0 && o.parents && box_parents(im, name, delim, &e) < 0)
			tool_fail(&e);
		if (mailbox_manage(im, box_cmds[k].verb, name, k == 2 ? names[1] : NULL,
		    &cmd, &e) < 0)
			tool_fail(&e);
		box_answer(&cmd, text, sizeof text);
		/* create -p of a mailbox that exists: what was asked is there. */
		bool ok = cmd.status == IMAP_OK || (k == 0 && o.parents &&
		    strcmp(cmd.code, "ALREADYEXISTS") == 0);
		if (!ok)
			status = 1;
		box_row(&o, k == 2 ? names[1] : name, ok, text);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_die(EX_IOERR, "writing standard output failed");
	cli_imap_close(c, im);
	free(names);
	poptFreeContext(pc);
	return status;
}
