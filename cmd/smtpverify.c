/* smtpverify: what a server says about addresses (VRFY, EXPN, or a RCPT
 * probe that sends nothing) and what it offers (EHLO, TLS, HELP). */
#include <netdb.h>
#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "probe.h"
#include "err.h"
#include "msg.h"
#include "out.h"
#include "smtp.h"
#include "tool.h"

#define VERIFY_ADDRS_MAX	100000

struct verify_opts {
	char *method;
	char *from;
	int json;
	int header;
	int quiet;
	int capabilities;
	int help_topic;
	int max_per_session;
	int delay_ms;
	char *helo;
	char *dns;
	int port;
	int retry_after;
	int catch_all;
};

static void
verify_print(const struct verify_opts *o, const struct probe_addr *a)
{
	const char *text = a->reply.text;
	const char *server = a->server ? a->server : "";

	if (o->quiet)
		return;
	if (o->json) {
		fputs("{\"address\":", stdout);
		out_json_str(stdout, a->addr, strlen(a->addr));
		printf(",\"verdict\":\"%s\",\"code\":%d,\"enhanced\":", a->verdict,
		    a->reply.code);
		out_json_str(stdout, a->reply.enhanced, strlen(a->reply.enhanced));
		fputs(",\"text\":", stdout);
		out_json_str(stdout, text, strlen(text));
		fputs(",\"server\":", stdout);
		out_json_str(stdout, server, strlen(server));
		printf(",\"method\":\"%s\",\"latency_ms\":%ld,\"reply\":[",
		    a->method ? a->method : "", a->latency_ms);
		/* The reply's lines as the server sent them. */
		if (a->reply.code != 0) {
			const char *p = text;
			char line[SMTP_TEXT_MAX + 8];
			do {
				size_t len = strcspn(p, "\n");
				int k = snprintf(line, sizeof line, "%d%c%.*s", a->reply.code,
				    p[len] == '\n' ? '-' : ' ', (int)len, p);
				if (p != text)
					putchar(',');
				out_json_str(stdout, line, k > 0 ? strlen(line) : 0);
				p += len + (p[len] == '\n');
			} while (*p != '\0');
		}
		puts("]}");
		return;
	}
	/* EXPN: one row per member of the list. */
	do {
		size_t len = a->method && strcmp(a->method, "expn") == 0 &&
		    a->reply.code / 100 == 2 ? strcspn(text, "\n") : strlen(text);
		out_tsv_field(stdout, a->addr, strlen(a->addr));
		printf("\t%s\t%d\t%s\t", a->verdict, a->reply.code, a->reply.enhanced);
		out_tsv_field(stdout, text, len);
		putchar('\t');
		out_tsv_field(stdout, server, strlen(server));
		printf("\t%s\t%ld\n", a->method ? a->method : "", a->latency_ms);
		text += len + (text[len] == '\n');
	} while (*text != '\0');
}

static void
verify_capabilities(struct probe *v)
{
	const struct smtp_caps *caps = &v->s.smtp_caps;
	struct conn_tls_info ti;

	printf("banner\t%s\n", caps->banner);
	printf("name\t%s\n", caps->name);
	printf("esmtp\t%s\n", caps->esmtp ? "yes" : "no");
	if (caps->extensions[0] != '\0') {
		const char *p = caps->extensions;
		while (*p) {
			size_t n = strcspn(p, "\n");
			fputs("extension\t", stdout);
			out_tsv_field(stdout, p, n);
			putchar('\n');
			p += n + (p[n] == '\n');
		}
	}
	if (conn_tls_info(v->c, &ti) == 0) {
		printf("tls\t%s\n", ti.version);
		printf("cipher\t%s\n", ti.cipher);
		printf("subject\t%s\n", ti.subject);
		printf("issuer\t%s\n", ti.issuer);
		printf("not-before\t%s\n", ti.not_before);
		printf("not-after\t%s\n", ti.not_after);
		printf("sha256\t%s\n", ti.sha256);
	} else {
		printf("tls\tnone\n");
	}
}

static char *
verify_read_line(FILE *f, unsigned long *lineno)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0) {
		(*lineno)++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0)
			return line;
	}
	free(line);
	return NULL;
}

int
main(int argc, const char **argv)
{
	static struct verify_opts o;
	struct poptOption options[] = {
		{ "method", 'm', POPT_ARG_STRING, &o.method, 0,
		  "vrfy, expn, rcpt or auto (VRFY, then a RCPT probe if VRFY cannot "
		  "tell)", "METHOD" },
		{ "from", 'f', POPT_ARG_STRING, &o.from, 0,
		  "sender for RCPT probes (default: the null path <>)", "ADDR" },
		{ "json", '\0', POPT_ARG_NONE, &o.json, 0,
		  "JSON Lines instead of TSV", NULL },
		{ "header", 'H', POPT_ARG_NONE, &o.header, 0,
		  "print a header line before the TSV rows", NULL },
		{ "quiet", 'q', POPT_ARG_NONE, &o.quiet, 0,
		  "print nothing: the exit status says it", NULL },
		{ "capabilities", '\0', POPT_ARG_NONE, &o.capabilities, 0,
		  "show the banner, the EHLO extensions and the TLS certificate", NULL },
		{ "help-topic", '\0', POPT_ARG_NONE, &o.help_topic, 0,
		  "send HELP (with the arguments as its topic) and print the reply", NULL },
		{ "max-per-session", '\0', POPT_ARG_INT, &o.max_per_session, 0,
		  "at most N probes in one session, then a new one", "N" },
		{ "delay", '\0', POPT_ARG_INT, &o.delay_ms, 0,
		  "wait MS milliseconds between probes", "MS" },
		{ "helo", '\0', POPT_ARG_STRING, &o.helo, 0,
		  "name to greet the server with (default: this host's name)", "NAME" },
		{ "dns", '\0', POPT_ARG_STRING, &o.dns, 0,
		  "ask this DNS server for MX records (default: the system's)", "ADDR[:PORT]" },
		{ "port", '\0', POPT_ARG_INT, &o.port, 0,
		  "SMTP port of the MX hosts (default 25)", "PORT" },
		{ "retry-after", '\0', POPT_ARG_INT, &o.retry_after, 0,
		  "ask again once, S seconds later, about addresses that got a 4xx "
		  "(greylisting)", "S" },
		{ "catch-all", '\0', POPT_ARG_NONE, &o.catch_all, 0,
		  "probe a random address of each domain first; a domain that "
		  "accepts it is accept-all", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cli_conn_options, 0,
		  "Connection options:", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct probe v = { 0 };
	struct probe_addr *addrs = NULL, **list;
	const char *server = NULL;
	bool mx_mode;
	enum probe_method method = PROBE_AUTO;
	size_t n = 0, i;
	unsigned long lineno = 0;
	struct mp_err e;
	poptContext pc;
	const char *arg;
	int status = 0;

	bool any_bad = false, any_unknown = false, any_nodomain = false, any_nomail = false;

	tool_init("smtpverify");
	pc = tool_options(argc, argv, options,
	    "[OPTION...] ADDRESS... (or addresses on stdin)");
	if (o.method != NULL) {
		if (strcasecmp(o.method, "vrfy") == 0)
			method = PROBE_VRFY;
		else if (strcasecmp(o.method, "expn") == 0)
			method = PROBE_EXPN;
		else if (strcasecmp(o.method, "rcpt") == 0)
			method = PROBE_RCPT;
		else if (strcasecmp(o.method, "auto") != 0)
			tool_die(EX_USAGE, "--method takes vrfy, expn, rcpt or auto");
	}
	if (o.max_per_session < 0 || o.delay_ms < 0 || o.delay_ms > 600000)
		tool_die(EX_USAGE, "--max-per-session and --delay take a positive number");
	v.from = "";
	if (o.from != NULL) {
		const char *a = o.from;
		size_t len = msg_path_strip(&a, strlen(o.from));
		if (msg_path_check(a, len, true, &e) < 0)
			tool_die(EX_USAGE, "--from: %s", e.text);
		v.from = strndup(a, len);
		if (v.from == NULL)
			tool_die(EX_SOFTWARE, "out of memory");
	}
	if (o.helo == NULL)
		o.helo = probe_fqdn();
	if (o.helo != NULL && msg_host_check(o.helo, &e) < 0)
		tool_die(EX_USAGE, "--helo: %s", e.text);

	if (o.port < 0 || o.port > 65535)
		tool_die(EX_USAGE, "--port takes 1 to 65535");
	mx_mode = !cli_server_named();
	if (mx_mode && (o.capabilities || o.help_topic))
		tool_die(EX_USAGE, "--capabilities and --help-topic need a server: "
		    "--url or -a");
	if (!mx_mode) {
		if (cli_session_prepare(&v.s, CONN_SMTP, NULL, &e) < 0)
			tool_fail(&e);
		if (o.helo != NULL)
			v.s.params.ehlo = o.helo;
		server = v.s.url.host;
	}
	v.max_per_session = o.max_per_session;
	v.delay_ms = o.delay_ms;
	v.retry_after = o.retry_after;
	v.catch_all = o.catch_all != 0;
	v.dns = o.dns;
	v.port = o.port;
	v.helo = o.helo;
	if (o.retry_after < 0 || o.retry_after > 3600)
		tool_die(EX_USAGE, "--retry-after takes 0 to 3600 seconds");

	if (o.capabilities || o.help_topic) {
		struct smtp_reply r;
		char topic[512] = "";
		size_t tl = 0;
		if (probe_open(&v) < 0)
			tool_fail(&v.lost);
		if (o.capabilities)
			verify_capabilities(&v);
		if (o.help_topic) {
			while ((arg = poptGetArg(pc)) != NULL) {
				int k = snprintf(topic + tl, sizeof topic - tl, "%s%s",
				    tl ? " " : "", arg);
				if (k < 0 || (size_t)k >= sizeof topic - tl)
					tool_die(EX_USAGE, "HELP topic too long");
				tl += (size_t)k;
			}
			if (smtp_command(v.c, "HELP", tl ? topic : NULL, &r, &e) < 0)
				tool_fail(&e);
			printf("%d\t%s\n", r.code, r.text);
			status = r.code / 100 == 2 ? 0 : 1;
		}
		probe_close(&v);
		cli_session_free(&v.s);
		poptFreeContext(pc);
		return status;
	}

	/* The addresses: arguments, else stdin lines. */
	{
		bool from_stdin = poptPeekArg(pc) == NULL;
		char *line = NULL;

		for (;;) {
			const char *a;
			size_t len;

			if (!from_stdin)
				a = poptGetArg(pc);
			else
				a = line = verify_read_line(stdin, &lineno);
			if (a == NULL)
				break;
			if (n == VERIFY_ADDRS_MAX)
				tool_die(EX_USAGE, "more than %d addresses", VERIFY_ADDRS_MAX);
			if (n % 256 == 0)
				addrs = tool_xrealloc(addrs, (n + 256) * sizeof *addrs);
			memset(&addrs[n], 0, sizeof addrs[n]);
			len = msg_path_strip(&a, strlen(a));
			if ((addrs[n].addr = strndup(a, len)) == NULL)
				tool_die(EX_SOFTWARE, "out of memory");
			/* A bad address is a verdict, not the end: the rest is
			 * still checked. */
			if (msg_path_check(a, len, false, &e) < 0) {
				addrs[n].verdict = "invalid";
				err_sanitize(addrs[n].reply.text, sizeof addrs[n].reply.text,
				    e.text, strlen(e.text));
				/* Shown harmless: a CR cannot forge an output row. */
				for (char *p = addrs[n].addr; *p; p++)
					if ((unsigned char)*p < 0x20)
						*p = '?';
			}
			free(line);
			line = NULL;
			n++;
		}
	}
	if (n == 0)
		tool_die(EX_USAGE, "no addresses: give them as arguments or on stdin");

	if (o.header && !o.json && !o.quiet)
		puts("address\tverdict\tcode\tenhanced\ttext\tserver\tmethod\tlatency_ms");
	list = tool_xmalloc(n * sizeof *list);
	if (!mx_mode) {
		for (i = 0; i < n; i++)
			list[i] = &addrs[i];
		if (probe_open(&v) < 0)
			tool_fail(&v.lost);
		if (probe_run(&v, list, n, method, server, &e) < 0)
			tool_fail(&e);
		probe_close(&v);
	} else {
		if (probe_by_mx(&v, addrs, n, list, method, &e) < 0)
			tool_fail(&e);
	}
	free(list);

	for (i = 0; i < n; i++) {
		const char *vd = addrs[i].verdict;
		verify_print(&o, &addrs[i]);
		if (strcmp(vd, "undeliverable") == 0 || strcmp(vd, "ambiguous") == 0 ||
		    strcmp(vd, "not-local") == 0 || strcmp(vd, "invalid") == 0)
			any_bad = true;
		else if (strcmp(vd, "unknown") == 0 || strcmp(vd, "unsupported") == 0)
			any_unknown = true;
		else if (strcmp(vd, "no-domain") == 0)
			any_nodomain = true;
		else if (strcmp(vd, "no-mail") == 0)
			any_nomail = true;
		free(addrs[i].addr);
	}
	if (fflush(stdout) != 0)
		tool_die(EX_IOERR, "writing stdout failed");
	status = any_nodomain ? EX_NOHOST : any_nomail ? EX_UNAVAILABLE :
	    any_bad ? 1 : any_unknown ? EX_TEMPFAIL : 0;
	free(addrs);
	for (i = 0; i < v.nhosts; i++)
		free(v.hosts[i]);
	free(v.hosts);
	if (o.from != NULL)
		free((char *)(uintptr_t)v.from);
	cli_session_free(&v.s);
	poptFreeContext(pc);
	return status;
}
