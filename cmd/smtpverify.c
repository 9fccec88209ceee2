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
#include "dns.h"
#include "err.h"
#include "msg.h"
#include "out.h"
#include "smtp.h"
#include "tool.h"

#define VERIFY_ADDRS_MAX	100000
#define VERIFY_WINDOW		32	/* RCPT probes in flight when pipelining */
#define VERIFY_REOPENS_MAX	5	/* new sessions after lost ones */

enum verify_method { VERIFY_AUTO, VERIFY_VRFY, VERIFY_EXPN, VERIFY_RCPT };

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

struct verify_addr {
	char *addr;
	const char *verdict;	/* NULL until checked */
	const char *method;
	struct smtp_reply reply;
	long latency_ms;
	int tries;
	const char *server;	/* the host that answered */
};

struct verify {
	struct cli_session s;
	struct conn *c;
	const char *server;
	const char *from;
	int probes;		/* in this session */
	int max_per_session;
	int delay_ms;
	bool vrfy_off;		/* the server refused VRFY: probe with RCPT */
	struct mp_err lost;	/* why the last session ended early */
	int reopens;
	int retry_after;	/* seconds, 0: no second try for 4xx */
	bool catch_all;
	char **hosts;		/* MX host names the rows point to */
	size_t nhosts;
};

static long
verify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int
verify_open(struct verify *v)
{
	if (cli_session_open(&v->s, &v->c, &v->lost) < 0) {
		v->c = NULL;
		return -1;
	}
	v->probes = 0;
	return 0;
}

static void
verify_close(struct verify *v)
{
	struct mp_err ignored;

	if (v->c == NULL)
		return;
	(void)smtp_quit(v->c, &ignored);
	conn_close(v->c);
	v->c = NULL;
}

/* The session broke (dropped, silent, garbage): remember why and let the
 * next probe open a new one. */
static void
verify_lost(struct verify *v, const struct mp_err *e)
{
	v->lost = *e;
	conn_close(v->c);
	v->c = NULL;
}

/* A session to probe on: the current one, or a new one when it was lost
 * or --max-per-session is reached (a few times at most). */
static bool
verify_ready(struct verify *v, int n)
{
	if (v->c != NULL && v->max_per_session > 0 &&
	    v->probes + n > v->max_per_session)
		verify_close(v);
	if (v->c == NULL) {
		if (v->reopens >= VERIFY_REOPENS_MAX || verify_open(v) < 0)
			return false;
		v->reopens++;
	}
	v->probes += n;
	if (v->delay_ms > 0 && v->probes > n)
		usleep((useconds_t)v->delay_ms * 1000);
	return true;
}

static void
verify_set(struct verify_addr *a, const char *method, const struct smtp_reply *r,
    long started)
{
	a->method = method;
	a->reply = *r;
	a->verdict = smtp_verdict_name(smtp_verdict_of(r->code));
	a->latency_ms = verify_now_ms() - started;
}

/* An address no server answered for: unknown, with the reason. */
static void
verify_unknown(struct verify_addr *a, const char *method, const struct mp_err *e)
{
	memset(&a->reply, 0, sizeof a->reply);
	a->method = method;
	a->verdict = "unknown";
	err_sanitize(a->reply.text, sizeof a->reply.text, e->text, strlen(e->text));
}

/* VRFY or EXPN for one address; false when the server does not offer it
 * (or cannot tell: 252) and a probe should follow. */
static bool
verify_ask(struct verify *v, const char *verb, struct verify_addr *a)
{
	const char *method = strcmp(verb, "VRFY") == 0 ? "vrfy" : "expn";
	struct smtp_reply r;
	struct mp_err e;
	long t0;

	if (!verify_ready(v, 1)) {
		verify_unknown(a, method, &v->lost);
		return true;
	}
	t0 = verify_now_ms();
	if (smtp_command(v->c, verb, a->addr, &r, &e) < 0) {
		verify_lost(v, &e);
		/* Asked again once, on a new session. */
		if (a->tries++ == 0)
			return verify_ask(v, verb, a);
		verify_unknown(a, method, &e);
		return true;
	}
	if (smtp_verdict_of(r.code) == SMTP_UNSUPPORTED && strcmp(verb, "VRFY") == 0)
		v->vrfy_off = true;
	verify_set(a, method, &r, t0);
	/* 252: "cannot verify, will accept": only a probe can tell more. */
	return !(r.code == 252 || smtp_verdict_of(r.code) == SMTP_UNSUPPORTED);
}

/* RCPT probes for up to VERIFY_WINDOW addresses: MAIL, RCPT, RSET each,
 * pipelined when the server allows it. Returns how many were probed. */
static size_t
verify_rcpt(struct verify *v, struct verify_addr **list, size_t n)
{
	struct smtp_reply r, mail;
	struct mp_err e;
	bool pipe;
	size_t i, window;
	long t0;

	window = n < VERIFY_WINDOW ? n : VERIFY_WINDOW;
	if (v->max_per_session > 0 && (int)window > v->max_per_session)
		window = (size_t)v->max_per_session;
	if (v->delay_ms > 0 || (v->c != NULL && !v->s.smtp_caps.pipelining))
		window = 1;
	if (!verify_ready(v, (int)window)) {
		for (i = 0; i < window; i++)
			verify_unknown(list[i], "rcpt", &v->lost);
		return window;
	}
	pipe = v->s.smtp_caps.pipelining && v->delay_ms == 0;
	if (!pipe && window > 1)
		window = 1;
	t0 = verify_now_ms();
	if (!pipe) {
		/* One command at a time for a server without PIPELINING. */
		char arg[600];
		snprintf(arg, sizeof arg, "FROM:<%s>", v->from);
		if (smtp_command(v->c, "MAIL", arg, &mail, &e) < 0)
			goto lost;
		r = mail;
		if (mail.code / 100 == 2) {
			snprintf(arg, sizeof arg, "TO:<%s>", list[0]->addr);
			if (smtp_command(v->c, "RCPT", arg, &r, &e) < 0)
				goto lost;
		}
		verify_set(list[0], "rcpt", &r, t0);
		list[0]->tries++;
		if (smtp_command(v->c, "RSET", NULL, &r, &e) < 0)
			verify_lost(v, &e);
		return 1;
	}
	/* One transaction a window: MAIL, a RCPT per address, RSET. Each
	 * RCPT is answered on its own; a transaction per address would make
	 * servers like Postfix open (and drop) a queue file each time. */
	if (conn_sendf(v->c, &e, "MAIL FROM:<%s>", v->from) < 0)
		goto lost;
	for (i = 0; i < window; i++) {
		if (conn_sendf(v->c, &e, "RCPT TO:<%s>", list[i]->addr) < 0)
			goto lost;
	}
	if (conn_send_line(v->c, "RSET", 4, &e) < 0 || conn_flush(v->c, &e) < 0)
		goto lost;
	if (smtp_read_reply(v->c, &mail, NULL, NULL, &e) < 0)
		goto lost;
	for (i = 0; i < window; i++) {
		if (smtp_read_reply(v->c, &r, NULL, NULL, &e) < 0)
			goto lost_at;
		if (mail.code / 100 != 2)
			r = mail;	/* the sender was refused: say so */
		verify_set(list[i], "rcpt", &r, t0);
		list[i]->tries++;
	}
	if (smtp_read_reply(v->c, &r, NULL, NULL, &e) < 0)
		verify_lost(v, &e);
	return window;
lost:
	i = 0;
lost_at:
	/* The answered ones stand; the rest go again on a new session. */
	verify_lost(v, &e);
	return i > 0 ? i : (verify_unknown(list[0], "rcpt", &e), list[0]->tries++, 1);
}

static void verify_run(struct verify *v, struct verify_addr **list, size_t n,
    enum verify_method method, const char *server);

/* --catch-all: a random address at each domain first; a domain whose
 * server accepts it would accept any, so its answers say nothing. */
static void
verify_catch_all(struct verify *v, struct verify_addr **list, size_t n,
    const char *server)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct verify_addr probe = { 0 }, *pp = &probe;
		const char *dom;
		unsigned char rnd[8];
		char addr[300];

		if (list[i]->verdict != NULL)
			continue;
		dom = strrchr(list[i]->addr, '@') + 1;
		for (k = 0; k < i; k++) {
			if (list[k]->method != NULL && strcmp(list[k]->method, "catch-all") == 0 &&
			    strcasecmp(strrchr(list[k]->addr, '@') + 1, dom) == 0)
				break;
		}
		if (k < i)
			continue;
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			tool_die(EX_SOFTWARE, "getrandom failed");
		snprintf(addr, sizeof addr, "mailpipe-probe-%02x%02x%02x%02x%02x%02x%02x%02x@%s",
		    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], dom);
		probe.addr = addr;
		verify_rcpt(v, &pp, 1);
		if (probe.reply.code / 100 != 2)
			continue;
		for (k = i; k < n; k++) {
			struct verify_addr *a = list[k];
			if (a->verdict != NULL || strcasecmp(strrchr(a->addr, '@') + 1, dom) != 0)
				continue;
			a->verdict = "accept-all";
			a->method = "catch-all";
			a->server = server;
			a->reply = probe.reply;
			snprintf(a->reply.text, sizeof a->reply.text, "the domain accepts "
			    "any address: <%s> got %d", addr, probe.reply.code);
		}
	}
}

/* --retry-after: greylisting answers 4xx to a first attempt. Wait (with
 * NOOP to keep the session), then ask once more. */
static void
verify_retry(struct verify *v, struct verify_addr **list, size_t n,
    enum verify_method method, const char *server)
{
	struct verify_addr **again = tool_xmalloc((n ? n : 1) * sizeof *again);
	size_t i, m = 0;
	int waited = 0;

	for (i = 0; i < n; i++) {
		if (list[i]->reply.code / 100 == 4 && list[i]->tries < 2 &&
		    list[i]->reply.code != 452)
			again[m++] = list[i];
	}
	if (m > 0) {
		while (waited < v->retry_after) {
			int step = v->retry_after - waited > 20 ? 20 :
			    v->retry_after - waited;
			struct smtp_reply r;
			struct mp_err e;
			sleep((unsigned)step);
			waited += step;
			if (v->c != NULL && smtp_command(v->c, "NOOP", NULL, &r, &e) < 0)
				verify_lost(v, &e);
		}
		for (i = 0; i < m; i++) {
			again[i]->verdict = NULL;
			again[i]->tries = 2;	/* once: no third try */
		}
		verify_run(v, again, m, method, server);
	}
	free(again);
}

/* Probe list[0..n) (none checked yet or invalid) on the open session. */
static void
verify_run(struct verify *v, struct verify_addr **list, size_t n,
    enum verify_method method, const char *server)
{
	struct verify_addr **pending = tool_xmalloc((n ? n : 1) * sizeof *pending);
	size_t npending = 0, i;

	if (v->catch_all)
		verify_catch_all(v, list, n, server);
	for (i = 0; i < n; i++) {
		struct verify_addr *a = list[i];
		if (a->verdict != NULL)
			continue;
		a->server = server;
		if (method == VERIFY_EXPN) {
			verify_ask(v, "EXPN", a);
			continue;
		}
		if (method == VERIFY_VRFY || (method == VERIFY_AUTO && !v->vrfy_off)) {
			if (verify_ask(v, "VRFY", a) || method == VERIFY_VRFY)
				continue;
		}
		pending[npending++] = a;
	}
	/* RCPT probes, a window at a time; 452 (too many recipients in this
	 * session) gets a new session and one more try. */
	for (i = 0; i < npending;) {
		size_t k, done = verify_rcpt(v, pending + i, npending - i);
		bool retry = false;
		for (k = i; k < i + done; k++) {
			if (pending[k]->reply.code == 452 && pending[k]->tries < 2)
				retry = true;
		}
		if (retry) {
			verify_close(v);
			for (k = i; k < i + done; k++) {
				if (pending[k]->reply.code == 452 && pending[k]->tries < 2)
					verify_rcpt(v, &pending[k], 1);
			}
		}
		i += done;
	}
	free(pending);
	if (v->retry_after > 0)
		verify_retry(v, list, n, method, server);
}

/* A verdict for every unchecked address of list that no server decided. */
static void
verify_fail_all(struct verify_addr **list, size_t n, const char *verdict,
    const struct mp_err *e, const char *server)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i]->verdict != NULL)
			continue;
		list[i]->verdict = verdict;
		list[i]->server = server;
		err_sanitize(list[i]->reply.text, sizeof list[i]->reply.text, e->text,
		    strlen(e->text));
	}
}

/* Without a server named: each domain's MX hosts in preference order
 * (RFC 5321 5.1), the next one when a host cannot be reached. */
static void
verify_by_mx(struct verify *v, const struct verify_opts *o,
    struct verify_addr *addrs, size_t n, struct verify_addr **list,
    enum verify_method method)
{
	size_t i, k, m;

	for (i = 0; i < n; i++) {
		const char *dom;
		struct dns_mx mx;
		struct mp_err e;
		bool done = false;

		if (addrs[i].verdict != NULL || addrs[i].server != NULL)
			continue;
		dom = strrchr(addrs[i].addr, '@') + 1;
		/* Every address of this domain, in one session. */
		for (m = 0, k = i; k < n; k++) {
			const char *d = addrs[k].verdict ? NULL : strrchr(addrs[k].addr, '@');
			if (d != NULL && addrs[k].server == NULL && strcasecmp(d + 1, dom) == 0)
				list[m++] = &addrs[k];
		}
		if (dns_mx_lookup(dom, o->dns, &mx, &e) < 0) {
			if (e.kind == ERR_USAGE)
				tool_fail(&e);
			verify_fail_all(list, m, e.kind == ERR_NOHOST ? "no-domain" :
			    "unknown", &e, "");
			for (k = 0; k < m; k++)
				list[k]->server = "";
			continue;
		}
		if (mx.null_mx) {
			err_set(&e, ERR_UNAVAILABLE, "domain '%s' accepts no mail (null MX)",
			    dom);
			verify_fail_all(list, m, "no-mail", &e, "");
			for (k = 0; k < m; k++)
				list[k]->server = "";
			dns_mx_free(&mx);
			continue;
		}
		for (k = 0; k < mx.count && !done; k++) {
			char url[600], addr[64];
			const char *host = mx.hosts[k].name;
			if (o->dns != NULL && dns_addr_lookup(host, o->dns, addr, sizeof addr, &e) < 0)
				continue;
			snprintf(url, sizeof url, "smtp://%s:%d", host, o->port ? o->port : 25);
			cli_session_free(&v->s);
			if (cli_session_prepare(&v->s, CONN_SMTP, url, &e) < 0)
				continue;
			if (o->helo != NULL)
				v->s.params.ehlo = o->helo;
			v->s.params.addr = o->dns != NULL ? addr : NULL;
			if (cli_session_open(&v->s, &v->c, &e) < 0) {
				v->c = NULL;
				continue;
			}
			v->probes = 0;
			v->reopens = 0;
			v->vrfy_off = false;
			v->hosts = tool_xrealloc(v->hosts, (v->nhosts + 1) * sizeof *v->hosts);
			if ((v->hosts[v->nhosts] = strdup(host)) == NULL)
				tool_die(EX_SOFTWARE, "out of memory");
			verify_run(v, list, m, method, v->hosts[v->nhosts++]);
			verify_close(v);
			done = true;
		}
		if (!done) {
			/* Every host failed: say why the last one did. */
			verify_fail_all(list, m, "unknown", &e, mx.count ? mx.hosts[mx.count - 1].name : "");
			for (k = 0; k < m; k++)
				if (list[k]->server == NULL || list[k]->server[0] == '\0')
					list[k]->server = "";
		}
		dns_mx_free(&mx);
	}
}

static void
verify_print(const struct verify_opts *o, const struct verify_addr *a)
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
verify_capabilities(struct verify *v)
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

/* This host's fully qualified name, for EHLO: servers judge probes by
 * it. NULL when there is none better than the bare host name. */
static char *
verify_fqdn(void)
{
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *res;
	char host[256];
	char *name = NULL;

	if (gethostname(host, sizeof host) < 0)
		return NULL;
	host[sizeof host - 1] = '\0';
	if (strchr(host, '.') != NULL)
		return strdup(host);
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return NULL;
	if (res->ai_canonname != NULL && strchr(res->ai_canonname, '.') != NULL)
		name = strdup(res->ai_canonname);
	freeaddrinfo(res);
	return name;
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
	struct verify v = { 0 };
	struct verify_addr *addrs = NULL, **list;
	bool mx_mode;
	enum verify_method method = VERIFY_AUTO;
	size_t n = 0, i;
	unsigned long lineno = 0;
	struct mp_err e;
	poptContext pc;
	const char *arg;
	int rc, status = 0;

	bool any_bad = false, any_unknown = false, any_nodomain = false, any_nomail = false;

	tool_init("smtpverify");
	pc = poptGetContext("smtpverify", argc, argv, options, 0);
	poptSetOtherOptionHelp(pc, "[OPTION...] ADDRESS... (or addresses on stdin)");
	while ((rc = poptGetNextOpt(pc)) > 0)
		;
	if (rc < -1)
		tool_popt_fail(pc, rc);
	if (o.method != NULL) {
		if (strcasecmp(o.method, "vrfy") == 0)
			method = VERIFY_VRFY;
		else if (strcasecmp(o.method, "expn") == 0)
			method = VERIFY_EXPN;
		else if (strcasecmp(o.method, "rcpt") == 0)
			method = VERIFY_RCPT;
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
		o.helo = verify_fqdn();
	if (o.helo != NULL) {
		char probe[300];
		snprintf(probe, sizeof probe, "x@%s", o.helo);
		if (msg_path_check(probe, strlen(probe), false, &e) < 0)
			tool_die(EX_USAGE, "--helo: '%s' is not a host name", o.helo);
	}

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
		v.server = v.s.url.host;
	}
	v.max_per_session = o.max_per_session;
	v.delay_ms = o.delay_ms;
	v.retry_after = o.retry_after;
	v.catch_all = o.catch_all != 0;
	if (o.retry_after < 0 || o.retry_after > 3600)
		tool_die(EX_USAGE, "--retry-after takes 0 to 3600 seconds");

	if (o.capabilities || o.help_topic) {
		struct smtp_reply r;
		char topic[512] = "";
		size_t tl = 0;
		if (verify_open(&v) < 0)
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
		verify_close(&v);
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
		if (verify_open(&v) < 0)
			tool_fail(&v.lost);
		verify_run(&v, list, n, method, v.server);
		verify_close(&v);
	} else {
		verify_by_mx(&v, &o, addrs, n, list, method);
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
