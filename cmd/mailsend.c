/* mailsend: submit the message on stdin over SMTP, the way sendmail does
 * for scripts and cron. It exits 0 only once the server has accepted the
 * message; otherwise the exit code says whether to retry. */
#include <popt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "err.h"
#include "msg.h"
#include "out.h"
#include "smtp.h"
#include "spool.h"
#include "tool.h"

#define SEND_RCPTS_MAX	10000
#define SEND_ADDED_MAX	1024	/* generated header fields */
#define SEND_RAW_CHUNK	(128 * 1024)

struct send_opts {
	int read_rcpts;		/* -t */
	char *from;		/* -f */
	char *fullname;		/* -F */
	int ignore_dots;	/* -i, -oi */
	int no_add_headers;
	char *notify;		/* -N */
	char *ret;		/* -R */
	char *envid;		/* -V */
	char *mode;
	int partial;
	char *report;
	char *report_file;
	char *helo;
	char *other;		/* -o: sendmail options, ignored */
	char *bmode;		/* -b */
	char *btype;		/* -B: body type, ignored */
};

/* Octet ranges of the input left out (Bcc fields). */
struct send_skip {
	unsigned long long start, end;
};

/* Everything the message producer needs. */
struct send_body {
	struct spool *spool;
	const char *added;	/* generated fields, CRLF line ends */
	size_t added_len, added_pos;
	struct send_skip *skip;	/* in input order */
	size_t nskip;
	unsigned long long pos;	/* input offset */
	bool prev_cr;		/* the last input octet was a CR */
	bool last_lf;		/* the last input octet was a LF */
	bool done;
	char *raw;
	const struct msg_scan *scan;	/* checked as it is read (streaming) */
	bool refuse_8bit;		/* the server has no 8BITMIME */
};

struct send_rcpts {
	struct smtp_rcpt *list;
	size_t n;
	bool utf8;
};

/* Produce the message as it goes on the wire: added fields, then the
 * input with Bcc removed, LF turned into CR LF and a final line end. */
static ssize_t
send_body_read(void *arg, char *buf, size_t cap, struct mp_err *e)
{
	struct send_body *b = arg;
	size_t o = 0;

	if (b->added_pos < b->added_len) {
		size_t n = b->added_len - b->added_pos;
		if (n > cap)
			n = cap;
		memcpy(buf, b->added + b->added_pos, n);
		b->added_pos += n;
		return (ssize_t)n;
	}
	/* One read per call: half the room, as every LF may become CR LF. */
	if (o + 2 <= cap && !b->done) {
		unsigned long long end = spool_length(b->spool);
		size_t want = (cap - o) / 2, i;
		ssize_t r;

		for (i = 0; i < b->nskip; i++) {
			if (b->pos >= b->skip[i].start && b->pos < b->skip[i].end)
				b->pos = b->skip[i].end;
			if (b->skip[i].start > b->pos && b->skip[i].start < end)
				end = b->skip[i].start;
		}
		if (b->pos >= spool_length(b->spool)) {
			/* The last line gets its line end. */
			if (b->pos > 0 && !b->last_lf) {
				buf[o++] = '\r';
				buf[o++] = '\n';
			}
			b->done = true;
			return (ssize_t)o;
		}
		if (want > SEND_RAW_CHUNK)
			want = SEND_RAW_CHUNK;
		if (want > end - b->pos)
			want = (size_t)(end - b->pos);
		if ((r = spool_pread(b->spool, b->pos, b->raw, want, e)) < 0)
			return -1;
		if (b->refuse_8bit && b->scan->eightbit)
			return err_set(e, ERR_DATA, "the message has 8-bit octets and "
			    "the server does not offer 8BITMIME");
		/* Copy line by line, putting a CR before each LF that lacks
		 * one (the input has no other CR: the scan refused it). */
		for (i = 0; i < (size_t)r;) {
			const char *nl = memchr(b->raw + i, '\n', (size_t)r - i);
			size_t len = nl ? (size_t)(nl - (b->raw + i)) : (size_t)r - i;
			bool had_cr = len > 0 ? b->raw[i + len - 1] == '\r' :
			    i > 0 ? b->raw[i - 1] == '\r' : b->prev_cr;
			memcpy(buf + o, b->raw + i, len);
			o += len;
			i += len;
			if (nl == NULL)
				break;
			if (!had_cr)
				buf[o++] = '\r';
			buf[o++] = '\n';
			i++;
		}
		if (r > 0) {
			b->last_lf = b->raw[r - 1] == '\n';
			b->prev_cr = b->raw[r - 1] == '\r';
		}
		b->pos += (unsigned long long)r;
	}
	return (ssize_t)o;
}

static void
send_skip_add(struct send_body *b, unsigned long long start, unsigned long long end)
{
	if (b->nskip % 16 == 0)
		b->skip = tool_xrealloc(b->skip, (b->nskip + 16) * sizeof *b->skip);
	b->skip[b->nskip].start = start;
	b->skip[b->nskip++].end = end;
}

/* Whether the message is being resent (it has Resent- fields). */
static bool
send_resending(const struct msg_headers *h)
{
	size_t i;

	for (i = 0; i < h->count; i++) {
		if (h->fields[i].name_len > 7 &&
		    strncasecmp(h->fields[i].name, "Resent-", 7) == 0)
			return true;
	}
	return false;
}

static void
send_add_rcpt(struct send_rcpts *rs, const char *addr, size_t n, const char *where)
{
	struct mp_err e;
	char *copy;
	size_t i;
	int kind;

	kind = msg_path_check(addr, n, false, &e);
	if (kind < 0)
		tool_die(where ? EX_DATAERR : EX_USAGE, "%s%s%s", where ? where : "",
		    where ? ": " : "", e.text);
	for (i = 0; i < rs->n; i++) {
		if (strlen(rs->list[i].addr) == n && memcmp(rs->list[i].addr, addr, n) == 0)
			return;
	}
	if (rs->n == SEND_RCPTS_MAX)
		tool_die(EX_USAGE, "more than %d recipients", SEND_RCPTS_MAX);
	if (rs->n % 64 == 0)
		rs->list = tool_xrealloc(rs->list, (rs->n + 64) * sizeof *rs->list);
	copy = tool_xmalloc(n + 1);
	memcpy(copy, addr, n);
	copy[n] = '\0';
	memset(&rs->list[rs->n], 0, sizeof rs->list[rs->n]);
	rs->list[rs->n++].addr = copy;
	rs->utf8 |= kind == MSG_PATH_UTF8;
}

struct send_hdr_rcpt {
	struct send_rcpts *rs;
	const char *field;
};

static int
send_hdr_rcpt(void *arg, const char *addr, size_t n)
{
	struct send_hdr_rcpt *h = arg;
	char where[64];

	snprintf(where, sizeof where, "%s header", h->field);
	send_add_rcpt(h->rs, addr, n, where);
	return 0;
}

/* -t: the recipients of To, Cc and Bcc, or of the Resent- fields when
 * the message is being resent (RFC 5322 3.6.6). */
static void
send_header_rcpts(const struct msg_headers *h, struct send_rcpts *rs)
{
	static const char *plain[] = { "To", "Cc", "Bcc" };
	static const char *resent[] = { "Resent-To", "Resent-Cc", "Resent-Bcc" };
	const char **names = send_resending(h) ? resent : plain;
	struct send_hdr_rcpt ctx = { rs, NULL };
	size_t j;
	struct mp_err e;

	for (j = 0; j < 3; j++) {
		size_t from = 0;
		long k;
		ctx.field = names[j];
		while ((k = msg_headers_next(h, names[j], &from)) >= 0) {
			const struct msg_field *f = &h->fields[k];
			if (msg_addrlist(f->value, f->value_len, send_hdr_rcpt, &ctx, &e) < 0)
				tool_die(EX_DATAERR, "%s header: %s", names[j], e.text);
		}
	}
}

/* The first mailbox of the From field, for the envelope sender. */
static int
send_first_addr(void *arg, const char *addr, size_t n)
{
	char **out = arg;

	*out = tool_xmalloc(n + 1);
	memcpy(*out, addr, n);
	(*out)[n] = '\0';
	return 1;
}

/* Octets of a field as sent: each bare LF becomes CR LF. */
static unsigned long long
send_wire_len(const char *p, size_t n)
{
	unsigned long long len = n;
	size_t i;

	for (i = 0; i < n; i++)
		len += p[i] == '\n' && (i == 0 || p[i - 1] != '\r');
	return len;
}

static void __attribute__((format(printf, 3, 4)))
send_append(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, SEND_ADDED_MAX - *len, fmt, ap);
	va_end(ap);

	if (n < 0 || (size_t)n >= SEND_ADDED_MAX - *len)
		tool_die(EX_USAGE, "generated header field too long");
	*len += (size_t)n;
}

static void
send_report_json(FILE *f, const char *type, const char *addr, int code,
    const char *enhanced, const char *text)
{
	fprintf(f, "{\"type\":\"%s\"", type);
	if (addr != NULL) {
		fputs(",\"address\":", f);
		out_json_str(f, addr, strlen(addr));
	}
	fprintf(f, ",\"code\":%d,\"enhanced\":", code);
	out_json_str(f, enhanced, strlen(enhanced));
	fputs(",\"text\":", f);
	out_json_str(f, text, strlen(text));
}

static int
send_mode(const char *mode)
{
	if (mode == NULL || strcasecmp(mode, "mail") == 0)
		return SMTP_MAIL;
	if (strcasecmp(mode, "send") == 0)
		return SMTP_SEND;
	if (strcasecmp(mode, "soml") == 0)
		return SMTP_SOML;
	if (strcasecmp(mode, "saml") == 0)
		return SMTP_SAML;
	tool_die(EX_USAGE, "--mode takes mail, send, soml or saml");
}

/* -N success,failure,delay | never, as the NOTIFY parameter. */
static char *
send_notify(const char *arg)
{
	static char out[64];
	char copy[64], *p, *save = NULL;
	size_t o = 0;
	bool never = false, other = false;

	if (arg == NULL)
		return NULL;
	if (strlen(arg) >= sizeof copy)
		tool_die(EX_USAGE, "-N: too long");
	memcpy(copy, arg, strlen(arg) + 1);
	out[0] = '\0';
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		const char *w = strcasecmp(p, "success") == 0 ? "SUCCESS" :
		    strcasecmp(p, "failure") == 0 ? "FAILURE" :
		    strcasecmp(p, "delay") == 0 ? "DELAY" :
		    strcasecmp(p, "never") == 0 ? "NEVER" : NULL;
		if (w == NULL)
			tool_die(EX_USAGE, "-N takes success, failure, delay or never");
		never |= strcmp(w, "NEVER") == 0;
		other |= strcmp(w, "NEVER") != 0;
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", o ? "," : "", w);
	}
	if (o == 0 || (never && other))
		tool_die(EX_USAGE, "-N: never cannot be combined with other values");
	return out;
}

int
main(int argc, const char **argv)
{
	/* popt keeps pointers into this and allocates the strings it holds. */
	static struct send_opts o;
	struct poptOption options[] = {
		{ "read-recipients", 't', POPT_ARG_NONE, &o.read_rcpts, 0,
		  "take recipients from To, Cc and Bcc (or Resent-To, -Cc, -Bcc)", NULL },
		{ "from", 'f', POPT_ARG_STRING, &o.from, 0,
		  "envelope sender ('' or '<>': the null reverse-path)", "ADDR" },
		{ "fullname", 'F', POPT_ARG_STRING, &o.fullname, 0,
		  "full name for a generated From: field", "NAME" },
		{ NULL, 'i', POPT_ARG_NONE, &o.ignore_dots, 0,
		  "a line with a single '.' does not end the message", NULL },
		{ NULL, 'o', POPT_ARG_STRING, &o.other, 'o',
		  "sendmail option: -oi as -i, others are ignored", "OPT" },
		{ NULL, 'b', POPT_ARG_STRING, &o.bmode, 0,
		  "sendmail mode: only -bm (deliver a message) is supported", "m" },
		{ NULL, 'B', POPT_ARG_STRING, &o.btype, 0,
		  "body type (ignored: 8-bit content is detected)", "TYPE" },
		{ "no-add-headers", '\0', POPT_ARG_NONE, &o.no_add_headers, 0,
		  "do not add missing Date, Message-ID and From fields", NULL },
		{ "dsn-notify", 'N', POPT_ARG_STRING, &o.notify, 0,
		  "delivery status notifications: success,failure,delay or never", "WHEN" },
		{ "dsn-return", 'R', POPT_ARG_STRING, &o.ret, 0,
		  "what a DSN returns of the message: full or hdrs", "WHAT" },
		{ "dsn-envid", 'V', POPT_ARG_STRING, &o.envid, 0,
		  "envelope identifier for DSNs", "ID" },
		{ "mode", '\0', POPT_ARG_STRING, &o.mode, 0,
		  "mail (default), or the old terminal delivery send, soml, saml", "MODE" },
		{ "partial", '\0', POPT_ARG_NONE, &o.partial, 0,
		  "send to the accepted recipients when some are refused (exit 1)", NULL },
		{ "report", '\0', POPT_ARG_STRING, &o.report, 0,
		  "write a JSON Lines report of each recipient and the message", "json" },
		{ "report-file", '\0', POPT_ARG_STRING, &o.report_file, 0,
		  "write the report to FILE instead of stdout", "FILE" },
		{ "helo", '\0', POPT_ARG_STRING, &o.helo, 0,
		  "name to greet the server with (default: this host's name)", "NAME" },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct send_rcpts rs = { NULL, 0, false };
	struct send_body body = { 0 };
	struct smtp_envelope env = { 0 };
	struct smtp_result res;
	struct cli_session s;
	struct msg_headers h = { NULL, 0 };
	struct msg_scan scan;
	struct mp_err e;
	struct conn *c;
	static poptContext pc;	/* static: reachable when a tool exits early */
	const char *arg, *hdr, *sender;
	char *from_hdr = NULL, *resent_from = NULL, added[SEND_ADDED_MAX], date[64], msgid[256];
	size_t hlen, hoff = 0, added_len = 0, i;
	unsigned long long size;
	bool has_date = false, has_msgid = false, has_from = false, body_only = false, cut;
	FILE *report = NULL;
	int rc, kind, status;

	tool_init("mailsend");
	pc = poptGetContext("mailsend", argc, argv, options, 0);
	poptSetOtherOptionHelp(pc, "[OPTION...] [--] [RECIPIENT...] < message");
	while ((rc = poptGetNextOpt(pc)) > 0) {
		/* -oi is sendmail's -i; other -o options have no meaning here. */
		if (rc == 'o' && o.other != NULL) {
			if (strcmp(o.other, "i") == 0)
				o.ignore_dots = 1;
			/* popt would overwrite it with the next -o. */
			free(o.other);
			o.other = NULL;
		}
	}
	if (rc < -1)
		tool_popt_fail(pc, rc);
	if (o.bmode != NULL && strcmp(o.bmode, "m") != 0)
		tool_die(EX_USAGE, "-b%s is not supported (only -bm)", o.bmode);
	if (o.report != NULL && strcmp(o.report, "json") != 0)
		tool_die(EX_USAGE, "--report takes json");
	if (o.report_file != NULL && o.report == NULL)
		o.report = "json";
	if (o.ret != NULL && strcasecmp(o.ret, "full") != 0 && strcasecmp(o.ret, "hdrs") != 0)
		tool_die(EX_USAGE, "-R takes full or hdrs");
	if (o.envid != NULL && (strlen(o.envid) > 100 ||
	    conn_check_arg("-V", o.envid, strlen(o.envid), &e) < 0))
		tool_die(EX_USAGE, "-V: at most 100 octets without control characters");
	if (o.helo != NULL && msg_host_check(o.helo, &e) < 0)
		tool_die(EX_USAGE, "--helo: %s", e.text);
	env.verb = send_mode(o.mode);
	env.dsn_notify = send_notify(o.notify);
	env.dsn_ret = o.ret == NULL ? NULL : strcasecmp(o.ret, "full") == 0 ? "FULL" : "HDRS";
	env.dsn_envid = o.envid;
	env.partial = o.partial != 0;
	while ((arg = poptGetArg(pc)) != NULL) {
		const char *a = arg;
		size_t n = msg_path_strip(&a, strlen(arg));
		send_add_rcpt(&rs, a, n, NULL);
	}

	/* The whole message is read and checked before anything is sent. */
	if (spool_read(&body.spool, STDIN_FILENO, !o.ignore_dots, &scan, &e) < 0)
		tool_fail(&e);
	hdr = spool_header(body.spool, &hlen, &cut);
	/* An mbox "From " line before the header is not part of the message
	 * (sendmail drops it too). */
	if (hlen >= 5 && memcmp(hdr, "From ", 5) == 0) {
		const char *nl = memchr(hdr, '\n', hlen);
		hoff = nl ? (size_t)(nl - hdr + 1) : hlen;
		send_skip_add(&body, 0, hoff);
		hdr += hoff;
		hlen -= hoff;
	}
	if (cut) {
		/* A huge header, or no header at all: the first line tells. */
		const char *nl = memchr(hdr, '\n', hlen);
		if (msg_headers_parse(hdr, nl ? (size_t)(nl - hdr + 1) : hlen, &h, &e) == 0)
			tool_die(EX_DATAERR, "message header: larger than %d octets",
			    SPOOL_HEADER_MAX);
		body_only = true;
		hlen = 0;
	} else if (msg_headers_parse(hdr, hlen, &h, &e) < 0) {
		/* Text without a header: all of it is the body (as Postfix
		 * does); the fields we add get a separator line. */
		if (strncmp(e.text, "line 1:", 7) != 0 || e.kind != ERR_DATA)
			tool_die(EX_DATAERR, "message header: %s", e.text);
		body_only = true;
		hlen = 0;
	}
	if (o.read_rcpts)
		send_header_rcpts(&h, &rs);
	if (rs.n == 0)
		tool_die(EX_USAGE, "no recipients: give addresses or -t");

	if (cli_session_prepare(&s, CONN_SMTP, NULL, &e) < 0)
		tool_fail(&e);
	if (o.helo != NULL)
		s.params.ehlo = o.helo;

	/* The envelope sender: -f, the account's from, the From field. */
	for (i = 0; i < h.count; i++) {
		const struct msg_field *f = &h.fields[i];
#define SEND_IS(w) (f->name_len == sizeof(w) - 1 && strncasecmp(f->name, w, f->name_len) == 0)
		if (SEND_IS("Date"))
			has_date = true;
		else if (SEND_IS("Message-ID"))
			has_msgid = true;
		else if (SEND_IS("From")) {
			has_from = true;
			if (from_hdr == NULL)
				(void)msg_addrlist(f->value, f->value_len,
				    send_first_addr, &from_hdr, &e);
		} else if (SEND_IS("Resent-From")) {
			if (resent_from == NULL)
				(void)msg_addrlist(f->value, f->value_len,
				    send_first_addr, &resent_from, &e);
		} else if (SEND_IS("Bcc") || SEND_IS("Resent-Bcc")) {
			/* Nobody may see who else got a blind copy. */
			send_skip_add(&body, hoff + f->start, hoff + f->start + f->len);
		}
#undef SEND_IS
	}
	if (o.from != NULL) {
		const char *a = o.from;
		size_t n = msg_path_strip(&a, strlen(o.from));
		if (msg_path_check(a, n, true, &e) < 0)
			tool_die(EX_USAGE, "-f: %s", e.text);
		free(from_hdr);
		from_hdr = tool_xmalloc(n + 1);
		memcpy(from_hdr, a, n);
		from_hdr[n] = '\0';
		sender = from_hdr;
	} else if (s.account.from != NULL) {
		sender = s.account.from;
		if (msg_path_check(sender, strlen(sender), false, &e) < 0)
			tool_die(EX_CONFIG, "account from: %s", e.text);
	} else if (resent_from != NULL && send_resending(&h)) {
		sender = resent_from;
		if (msg_path_check(sender, strlen(sender), false, &e) < 0)
			tool_die(EX_DATAERR, "Resent-From header: %s", e.text);
	} else if (from_hdr != NULL) {
		sender = from_hdr;
		if (msg_path_check(sender, strlen(sender), false, &e) < 0)
			tool_die(EX_DATAERR, "From header: %s", e.text);
	} else {
		tool_die(EX_USAGE, "no sender: give -f ADDR, a From: field, or "
		    "from in the account");
	}
	kind = msg_path_check(sender, strlen(sender), true, &e);
	env.from = sender;
	env.smtputf8 = rs.utf8 || kind == MSG_PATH_UTF8;

	if (!o.no_add_headers) {
		if (!has_from && sender[0] != '\0') {
			if (o.fullname != NULL &&
			    conn_check_arg("-F", o.fullname, strlen(o.fullname), &e) < 0)
				tool_die(EX_USAGE, "-F: %s", e.text);
			if (o.fullname != NULL)
				send_append(added, &added_len, "From: %s <%s>\r\n",
				    o.fullname, sender);
			else
				send_append(added, &added_len, "From: %s\r\n", sender);
		}
		if (!has_date) {
			if (msg_date(date, sizeof date, time(NULL)) == 0)
				tool_die(EX_SOFTWARE, "cannot format the date");
			send_append(added, &added_len, "Date: %s\r\n", date);
		}
		if (!has_msgid) {
			const char *at = strrchr(sender, '@');
			char host[256];
			if (at == NULL || msg_message_id(msgid, sizeof msgid, at + 1, &e) < 0) {
				if (gethostname(host, sizeof host) < 0)
					snprintf(host, sizeof host, "localhost");
				host[sizeof host - 1] = '\0';
				if (msg_message_id(msgid, sizeof msgid, host, &e) < 0 &&
				    msg_message_id(msgid, sizeof msgid, "localhost", &e) < 0)
					tool_fail(&e);
			}
			send_append(added, &added_len, "Message-ID: %s\r\n", msgid);
		}
	}
	if (body_only)
		send_append(added, &added_len, "\r\n");
	body.added = added;
	body.added_len = added_len;
	body.raw = tool_xmalloc(SEND_RAW_CHUNK);
	size = scan.size + added_len;
	for (i = 0; i < body.nskip; i++)
		size -= send_wire_len(hdr - hoff + body.skip[i].start,
		    (size_t)(body.skip[i].end - body.skip[i].start));
	if (spool_streaming(body.spool)) {
		/* Checked while it is sent: the size is the file's (RFC 1870
		 * calls SIZE an estimate), 8-bit octets may still come. */
		size = spool_length(body.spool) + added_len;
		for (i = 0; i < body.nskip; i++)
			size -= body.skip[i].end - body.skip[i].start;
		env.eightbit_unknown = true;
		body.scan = &scan;
	}
	env.size = size;
	env.eightbit = scan.eightbit;
	env.rcpts = rs.list;
	env.nrcpts = rs.n;

	if (o.report_file != NULL && (report = fopen(o.report_file, "w")) == NULL)
		tool_die(EX_CANTCREAT, "%s: cannot create the report file", o.report_file);
	if (report == NULL && o.report != NULL)
		report = stdout;

	memset(&res, 0, sizeof res);
	if (cli_session_open(&s, &c, &e) < 0) {
		rc = -1;
		c = NULL;
	} else if (s.params.user != NULL && s.smtp_caps.auth[0] == '\0') {
		/* libcurl skips the login when the server offers no AUTH. */
		rc = err_set(&e, ERR_UNAVAILABLE, "the server offers no AUTH, so "
		    "user '%s' cannot log in (drop the user to send without "
		    "logging in)", s.params.user);
	} else {
		body.refuse_8bit = body.scan != NULL && !s.smtp_caps.eightbitmime;
		rc = smtp_submit(c, &s.smtp_caps, &env, send_body_read, &body, &res, &e);
	}
	if (c != NULL) {
		/* On a lost connection this fails at once (conn remembers). */
		struct mp_err ignored;
		(void)smtp_quit(c, &ignored);
		conn_close(c);
	}

	/* Each recipient's answer: on stderr when something went wrong (a
	 * quiet success keeps cron quiet; a lone refusal is in the error
	 * line already), in the report always. */
	size_t refused = 0;
	for (i = 0; i < rs.n; i++)
		refused += rs.list[i].code != 0 && rs.list[i].code / 100 != 2;
	for (i = 0; i < rs.n; i++) {
		const struct smtp_rcpt *r = &rs.list[i];
		if (r->code != 0 && r->code / 100 != 2 && (rc < 0 || env.partial) &&
		    !(rc < 0 && refused == 1))
			fprintf(stderr, "mailsend: <%s>: %d %s\n", r->addr, r->code, r->text);
		if (report != NULL) {
			send_report_json(report, "recipient", r->addr, r->code, r->enhanced,
			    r->text);
			fprintf(report, ",\"accepted\":%s}\n", r->code / 100 == 2 ? "true" : "false");
		}
	}
	status = rc < 0 ? err_sysexit(&e) : res.accepted < rs.n ? 1 : 0;
	if (report != NULL) {
		send_report_json(report, "message", NULL, res.reply.code, res.reply.enhanced,
		    rc < 0 ? e.text : res.reply.text);
		fprintf(report, ",\"status\":\"%s\",\"size\":%llu,\"recipients\":%zu,"
		    "\"accepted\":%zu,\"exit\":%d}\n", rc < 0 ? "failed" :
		    status == 1 ? "partial" : "sent", env.size, rs.n, res.accepted, status);
		if (fflush(report) != 0 || (report != stdout && fclose(report) != 0))
			tool_die(status ? status : EX_IOERR, "cannot write the report");
	}
	if (rc < 0)
		tool_fail(&e);
	cli_session_free(&s);
	spool_free(body.spool);
	msg_headers_free(&h);
	for (i = 0; i < rs.n; i++)
		free((char *)(uintptr_t)rs.list[i].addr);
	free(rs.list);
	free(body.raw);
	free(body.skip);
	free(from_hdr);
	free(resent_from);
	poptFreeContext(pc);
	return status;
}
