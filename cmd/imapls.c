/* imapls: list IMAP mailboxes, or the messages of one, as TSV or JSON
 * Lines, streaming. */
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
#include "imap_data.h"
#include "mailbox.h"
#include "out.h"
#include "seqset.h"
#include "tool.h"

/* The message columns: name, the FETCH item it needs, the ENVELOPE field
 * it shows (-1: none), whether JSON shows it as a number. */
enum ls_col {
	LS_UID, LS_FLAGS, LS_SIZE, LS_DATE, LS_SENT, LS_FROM, LS_SENDER,
	LS_REPLY_TO, LS_TO, LS_CC, LS_BCC, LS_SUBJECT, LS_MESSAGE_ID,
	LS_IN_REPLY_TO, LS_MAILBOX, LS_UIDVALIDITY, LS_NCOLS
};

static const struct {
	const char *name;
	const char *item;
	int env;
	bool number;
} ls_cols[LS_NCOLS] = {
	[LS_UID] = { "uid", "UID", -1, true },
	[LS_FLAGS] = { "flags", "FLAGS", -1, false },
	[LS_SIZE] = { "size", "RFC822.SIZE", -1, true },
	[LS_DATE] = { "date", "INTERNALDATE", -1, false },
	[LS_SENT] = { "sent", "ENVELOPE", IMAP_ENV_DATE, false },
	[LS_FROM] = { "from", "ENVELOPE", IMAP_ENV_FROM, false },
	[LS_SENDER] = { "sender", "ENVELOPE", IMAP_ENV_SENDER, false },
	[LS_REPLY_TO] = { "reply-to", "ENVELOPE", IMAP_ENV_REPLY_TO, false },
	[LS_TO] = { "to", "ENVELOPE", IMAP_ENV_TO, false },
	[LS_CC] = { "cc", "ENVELOPE", IMAP_ENV_CC, false },
	[LS_BCC] = { "bcc", "ENVELOPE", IMAP_ENV_BCC, false },
	[LS_SUBJECT] = { "subject", "ENVELOPE", IMAP_ENV_SUBJECT, false },
	[LS_MESSAGE_ID] = { "message-id", "ENVELOPE", IMAP_ENV_MESSAGE_ID, false },
	[LS_IN_REPLY_TO] = { "in-reply-to", "ENVELOPE", IMAP_ENV_IN_REPLY_TO, false },
	[LS_MAILBOX] = { "mailbox", NULL, -1, false },
	[LS_UIDVALIDITY] = { "uidvalidity", NULL, -1, true },
};

#define LS_DEFAULT_COLUMNS "uid,flags,size,date,from,subject"

struct ls_opts {
	char *columns;
	char *search;
	char *pattern;
	char *reference;
	int status;
	int subscribed;
	int uids;
	int raw;
	int json;
	int header;
	int capabilities;
};

/* What printing a message row needs. */
struct ls_rows {
	const struct ls_opts *o;
	enum ls_col cols[LS_NCOLS * 2];
	size_t ncols;
	const char *mailbox;
	uint32_t uidvalidity;
	bool has_mailbox, has_uidvalidity;	/* among the columns */
	char items[256];		/* what to FETCH */
	struct imap_data_buf buf;
	uint64_t rows;
};

/* A field: TSV (tab before all but the first) or a JSON member. */
static void
ls_field(const struct ls_rows *ls, size_t i, const char *s, size_t n, bool number)
{
	if (ls->o->json) {
		printf("%s\"%s\":", i > 0 ? "," : "", ls_cols[ls->cols[i]].name);
		if (number && n > 0)
			fwrite(s, 1, n, stdout);
		else if (number)
			fputs("null", stdout);
		else
			out_json_str(stdout, s, n);
		return;
	}
	if (i > 0)
		putchar('\t');
	out_tsv_field(stdout, s, n);
}

static void
ls_flags(const struct ls_rows *ls, size_t i, const struct imap_value *flags)
{
	size_t k;

	if (!ls->o->json) {
		if (i > 0)
			putchar('\t');
		for (k = 0; flags != NULL && k < flags->count; k++) {
			if (k > 0)
				putchar(' ');
			out_tsv_field(stdout, flags->items[k].str, flags->items[k].len);
		}
		return;
	}
	printf("%s\"flags\":[", i > 0 ? "," : "");
	for (k = 0; flags != NULL && k < flags->count; k++) {
		if (k > 0)
			putchar(',');
		out_json_str(stdout, flags->items[k].str, flags->items[k].len);
	}
	putchar(']');
}

static int
ls_row(void *arg, const struct imap_response *r, const struct imap_data_fetch *f,
    struct mp_err *e)
{
	struct ls_rows *ls = arg;
	char num[32];
	size_t i;
	bool decode = !ls->o->raw;

	(void)r;
	if (ls->o->json)
		putchar('{');
	for (i = 0; i < ls->ncols; i++) {
		enum ls_col c = ls->cols[i];
		const struct imap_value *v;
		struct imap_data_buf *b = &ls->buf;

		b->len = 0;
		switch (c) {
		case LS_UID:
			snprintf(num, sizeof num, "%u", f->uid);
			ls_field(ls, i, num, strlen(num), true);
			continue;
		case LS_UIDVALIDITY:
			snprintf(num, sizeof num, "%u", ls->uidvalidity);
			ls_field(ls, i, num, strlen(num), true);
			continue;
		case LS_MAILBOX:
			ls_field(ls, i, ls->mailbox, strlen(ls->mailbox), false);
			continue;
		case LS_FLAGS:
			ls_flags(ls, i, f->flags);
			continue;
		case LS_SIZE:
			snprintf(num, sizeof num, "%llu", (unsigned long long)f->size);
			ls_field(ls, i, num, f->has_size ? strlen(num) : 0, true);
			continue;
		case LS_DATE:
			v = f->internaldate;
			if (v != NULL && (ls->o->raw ||
			    imap_data_date(v->str, v->len, num, sizeof num) < 0))
				ls_field(ls, i, v->str, v->len, false);
			else
				ls_field(ls, i, num, v != NULL ? strlen(num) : 0, false);
			continue;
		default:
			break;
		}
		/* ENVELOPE fields. */
		v = f->envelope != NULL ? &f->envelope->items[ls_cols[c].env] : NULL;
		if (v == NULL || v->type == IMAP_V_NIL) {
			ls_field(ls, i, "", 0, false);
			continue;
		}
		if (v->type == IMAP_V_LIST) {
			if (imap_data_addresses(v, decode, b, e) < 0)
				return -1;
		} else if (v->type == IMAP_V_STRING || v->type == IMAP_V_ATOM) {
			if (imap_data_text(v->str, v->len, decode && c == LS_SUBJECT, b,
			    e) < 0)
				return -1;
		} else {
			return err_set(e, ERR_PROTOCOL, "malformed ENVELOPE: %s is "
			    "not a string", ls_cols[c].name);
		}
		ls_field(ls, i, b->p != NULL ? b->p : "", b->len, false);
	}
	if (ls->o->json) {
		/* Every JSON row names its message fully. */
		if (!ls->has_mailbox) {
			fputs(",\"mailbox\":", stdout);
			out_json_str(stdout, ls->mailbox, strlen(ls->mailbox));
		}
		if (!ls->has_uidvalidity)
			printf(",\"uidvalidity\":%u", ls->uidvalidity);
	}
	puts(ls->o->json ? "}" : "");
	ls->rows++;
	if (ferror(stdout))
		return err_set(e, ERR_IO, "writing standard output failed");
	return 0;
}

/* Parse -o into ls->cols and the FETCH items they need into items. */
static void
ls_columns(struct ls_rows *ls, const char *spec, char *items, size_t cap)
{
	const char *p = spec;
	bool need[LS_NCOLS] = { false }, envelope = false;
	size_t len, k;

	while (*p != '\0') {
		len = strcspn(p, ",");
		for (k = 0; k < LS_NCOLS; k++) {
			if (strlen(ls_cols[k].name) == len &&
			    strncasecmp(p, ls_cols[k].name, len) == 0)
				break;
		}
		if (k == LS_NCOLS)
			tool_die(EX_USAGE, "-o: unknown column '%.*s' (see imapls(1))",
			    (int)len, p);
		if (ls->ncols == sizeof ls->cols / sizeof ls->cols[0])
			tool_die(EX_USAGE, "-o: too many columns");
		ls->cols[ls->ncols++] = (enum ls_col)k;
		need[k] = true;
		ls->has_mailbox |= k == LS_MAILBOX;
		ls->has_uidvalidity |= k == LS_UIDVALIDITY;
		p += len;
		if (*p == ',')
			p++;
	}
	if (ls->ncols == 0)
		tool_die(EX_USAGE, "-o: no columns");
	len = (size_t)snprintf(items, cap, "(UID");
	for (k = 0; k < LS_NCOLS; k++) {
		if (!need[k] || ls_cols[k].item == NULL || k == LS_UID)
			continue;
		if (ls_cols[k].env >= 0) {
			if (envelope)
				continue;
			envelope = true;
		}
		len += (size_t)snprintf(items + len, cap - len, " %s", ls_cols[k].item);
	}
	snprintf(items + len, cap - len, ")");
}

static void
ls_header(const struct ls_rows *ls)
{
	size_t i;

	for (i = 0; i < ls->ncols; i++)
		printf("%s%s", i > 0 ? "\t" : "", ls_cols[ls->cols[i]].name);
	putchar('\n');
}

/* UIDs one per line, from a normalized set. */
static void
ls_print_uids(const struct seqset *set)
{
	size_t i;
	uint64_t u;

	for (i = 0; i < set->n; i++) {
		for (u = set->r[i].lo; u <= set->r[i].hi; u++)
			printf("%llu\n", (unsigned long long)u);
	}
}

static int
ls_messages(struct imap *im, struct ls_rows *lsp, const char *name,
    struct mp_err *e)
{
	struct ls_rows ls = *lsp;
	const struct ls_opts *o = ls.o;
	struct mailbox_info info;
	struct seqset set = { 0 };
	const char *items = ls.items;
	bool searched = o->search != NULL;
	int status = 0;

	ls.mailbox = name;
	if (mailbox_open(im, name, true, &info, e) < 0)
		return -1;
	ls.uidvalidity = info.uidvalidity;
	if (o->header && !o->json && !o->uids)
		ls_header(&ls);
	if (info.exists == 0 && !searched)
		return 0;
	if (o->uids) {
		if (mailbox_search(im, searched ? o->search : "ALL", &set, e) < 0)
			return -1;
		ls_print_uids(&set);
		if (searched && set.n == 0)
			status = 1;
	} else if (searched) {
		uint64_t found;
		if (mailbox_fetch_search(im, o->search, items, ls_row, &ls, &found,
		    e) < 0)
			status = -1;
		else if (found == 0)
			status = 1;
	} else if (mailbox_fetch(im, NULL, items, ls_row, &ls, NULL, e) < 0) {
		status = -1;
	}
	seqset_free(&set);
	imap_data_buf_free(&ls.buf);
	return status;
}

static void
ls_mailbox_row(const struct ls_opts *o, const struct mailbox_entry *m)
{
	char delim[2] = { m->delim, '\0' };
	size_t k;

	if (!o->json) {
		out_tsv_field(stdout, m->name, strlen(m->name));
		putchar('\t');
		out_tsv_field(stdout, delim, strlen(delim));
		putchar('\t');
		out_tsv_field(stdout, m->attrs, strlen(m->attrs));
		for (k = 0; o->status && k < IMAP_STATUS_N; k++) {
			if (m->status.have[k])
				printf("\t%llu", (unsigned long long)m->status.v[k]);
			else
				putchar('\t');
		}
		putchar('\n');
		return;
	}
	fputs("{\"mailbox\":", stdout);
	out_json_str(stdout, m->name, strlen(m->name));
	fputs(",\"delimiter\":", stdout);
	if (m->delim != '\0')
		out_json_str(stdout, delim, 1);
	else
		fputs("null", stdout);
	fputs(",\"attributes\":[", stdout);
	for (const char *p = m->attrs; *p != '\0';) {
		size_t len = strcspn(p, " ");
		if (p != m->attrs)
			putchar(',');
		out_json_str(stdout, p, len);
		p += len + (p[len] == ' ');
	}
	putchar(']');
	for (k = 0; o->status && k < IMAP_STATUS_N; k++) {
		char key[16];
		size_t i;
		for (i = 0; imap_data_status_names[k][i] != '\0'; i++)
			key[i] = (char)(imap_data_status_names[k][i] - 'A' + 'a');
		key[i] = '\0';
		if (m->status.have[k])
			printf(",\"%s\":%llu", key, (unsigned long long)m->status.v[k]);
		else
			printf(",\"%s\":null", key);
	}
	puts("}");
}

static int
ls_mailboxes(struct imap *im, const struct ls_opts *o, struct mp_err *e)
{
	struct mailbox_entry *list;
	size_t n, i;
	int how = (o->subscribed ? MAILBOX_SUBSCRIBED : 0) |
	    (o->status ? MAILBOX_STATUS : 0);

	if (mailbox_list(im, o->reference ? o->reference : "",
	    o->pattern ? o->pattern : "*", how, &list, &n, e) < 0)
		return -1;
	if (o->header && !o->json)
		printf("mailbox\tdelimiter\tattributes%s\n", o->status ?
		    "\tmessages\trecent\tunseen\tuidnext\tuidvalidity\tsize" : "");
	for (i = 0; i < n; i++)
		ls_mailbox_row(o, &list[i]);
	mailbox_list_free(list, n);
	return 0;
}

int
main(int argc, const char **argv)
{
	static struct ls_opts o;	/* static: popt's strings stay reachable */
	struct poptOption options[] = {
		{ "columns", 'o', POPT_ARG_STRING, &o.columns, 0,
		  "message columns to print, comma-separated (default "
		  LS_DEFAULT_COLUMNS ")", "COLS" },
		{ "search", 's', POPT_ARG_STRING, &o.search, 0,
		  "only messages matching these IMAP SEARCH criteria "
		  "('UNSEEN FROM \"bob\"')", "CRITERIA" },
		{ "uids", '\0', POPT_ARG_NONE, &o.uids, 0,
		  "print only the UIDs, one per line (for imapflag)", NULL },
		{ "raw", '\0', POPT_ARG_NONE, &o.raw, 0,
		  "keep subjects and names RFC 2047-encoded and dates as sent", NULL },
		{ "pattern", 'p', POPT_ARG_STRING, &o.pattern, 0,
		  "mailboxes matching PATTERN ('*' any, '%' any within one level; "
		  "default '*')", "PATTERN" },
		{ "reference", '\0', POPT_ARG_STRING, &o.reference, 0,
		  "LIST reference name the pattern is relative to", "NAME" },
		{ "subscribed", '\0', POPT_ARG_NONE, &o.subscribed, 0,
		  "only subscribed mailboxes (LSUB)", NULL },
		{ "status", '\0', POPT_ARG_NONE, &o.status, 0,
		  "add each mailbox's STATUS counts", NULL },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "JSON Lines instead of TSV", NULL },
		{ "header", 'H', POPT_ARG_NONE, &o.header, 0,
		  "print a header line before the TSV rows", NULL },
		{ "capabilities", '\0', POPT_ARG_NONE, &o.capabilities, 0,
		  "print the server's capabilities (after login), one per line", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct ls_rows rows = { .o = &o };
	struct cli_session s = { 0 };
	struct conn *c;
	struct imap *im;
	struct mp_err e;
	poptContext pc;
	const char *url = NULL, *name;
	int status = 0;

	tool_init("imapls");
	pc = tool_options(argc, argv, options, "[OPTION...] URL [MAILBOX]");
	if (!cli_server_named() && (url = poptGetArg(pc)) == NULL)
		tool_die(EX_USAGE, "no server: give a URL (imaps://user@host) or "
		    "-a ACCOUNT");
	name = poptGetArg(pc);
	if (poptPeekArg(pc) != NULL)
		tool_die(EX_USAGE, "unexpected argument '%s'", poptPeekArg(pc));
	if (name == NULL && (o.columns || o.search || o.uids || o.raw))
		tool_die(EX_USAGE, "-o, --search, --uids and --raw list messages: "
		    "name a MAILBOX");
	if (name != NULL && (o.pattern || o.reference || o.subscribed || o.status))
		tool_die(EX_USAGE, "--pattern, --reference, --subscribed and "
		    "--status list mailboxes: give no MAILBOX");
	if (o.uids && (o.json || o.columns))
		tool_die(EX_USAGE, "--uids prints bare UIDs: for JSON use "
		    "--json -o uid");
	if (name != NULL && name[0] == '\0')
		tool_die(EX_USAGE, "empty mailbox name");
	if (name != NULL)
		ls_columns(&rows, o.columns ? o.columns : LS_DEFAULT_COLUMNS,
		    rows.items, sizeof rows.items);

	if (cli_imap_open(&s, url, &c, &im, &e) < 0)
		tool_fail(&e);

	if (o.capabilities) {
		const char *p = imap_caps(im);
		while (*p != '\0') {
			size_t len = strcspn(p, " ");
			printf("%.*s\n", (int)len, p);
			p += len + strspn(p + len, " ");
		}
	} else if (name != NULL) {
		status = ls_messages(im, &rows, name, &e);
	} else {
		status = ls_mailboxes(im, &o, &e);
	}
	if (status < 0) {
		struct mp_err ignored;
		/* A refused command leaves the session usable: say LOGOUT.
		 * A dropped or garbled one does not. */
		if (e.kind != ERR_TEMP && e.kind != ERR_PROTOCOL)
			imap_close(im, &ignored);
		tool_fail(&e);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		tool_die(EX_IOERR, "writing standard output failed");
	/* Everything is printed: a server that fumbles LOGOUT changes
	 * nothing. */
	cli_imap_close(c, im);
	poptFreeContext(pc);
	return status;
}
