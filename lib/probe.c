/* probe: what SMTP servers say about addresses: VRFY, EXPN and RCPT
 * probes over sessions that are reopened when lost, catch-all detection,
 * a second try for greylisting, and MX lookup when no server is named. */
#include "probe.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"

#define PROBE_WINDOW		32	/* RCPT probes in one transaction */
#define PROBE_REOPENS_MAX	5	/* new sessions after lost ones */

static long
probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int
probe_open(struct probe *v)
{
	if (cli_session_open(&v->s, &v->c, &v->lost) < 0) {
		v->c = NULL;
		return -1;
	}
	v->probes = 0;
	return 0;
}

void
probe_close(struct probe *v)
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
probe_lost(struct probe *v, const struct mp_err *e)
{
	v->lost = *e;
	conn_close(v->c);
	v->c = NULL;
}

/* A session to probe on: the current one, or a new one when it was lost
 * or --max-per-session is reached (a few times at most). */
static bool
probe_ready(struct probe *v, int n)
{
	if (v->c != NULL && v->max_per_session > 0 &&
	    v->probes + n > v->max_per_session)
		probe_close(v);
	if (v->c == NULL) {
		if (v->reopens >= PROBE_REOPENS_MAX || probe_open(v) < 0)
			return false;
		v->reopens++;
	}
	v->probes += n;
	if (v->delay_ms > 0 && v->probes > n)
		usleep((useconds_t)v->delay_ms * 1000);
	return true;
}

static void
probe_set(struct probe_addr *a, const char *method, const struct smtp_reply *r,
    long started)
{
	a->method = method;
	a->reply = *r;
	a->verdict = smtp_verdict_name(smtp_verdict_of(r->code));
	a->latency_ms = probe_now_ms() - started;
}

/* An address no server answered for: unknown, with the reason. */
static void
probe_unknown(struct probe_addr *a, const char *method, const struct mp_err *e)
{
	memset(&a->reply, 0, sizeof a->reply);
	a->method = method;
	a->verdict = "unknown";
	err_sanitize(a->reply.text, sizeof a->reply.text, e->text, strlen(e->text));
}

/* VRFY or EXPN for one address; false when the server does not offer it
 * (or cannot tell: 252) and a probe should follow. */
static bool
probe_ask(struct probe *v, const char *verb, struct probe_addr *a)
{
	const char *method = strcmp(verb, "VRFY") == 0 ? "vrfy" : "expn";
	struct smtp_reply r;
	struct mp_err e;
	long t0;

	if (!probe_ready(v, 1)) {
		probe_unknown(a, method, &v->lost);
		return true;
	}
	t0 = probe_now_ms();
	if (smtp_command(v->c, verb, a->addr, &r, &e) < 0) {
		probe_lost(v, &e);
		/* Asked again once, on a new session. */
		if (a->tries++ == 0)
			return probe_ask(v, verb, a);
		probe_unknown(a, method, &e);
		return true;
	}
	if (smtp_verdict_of(r.code) == SMTP_UNSUPPORTED && strcmp(verb, "VRFY") == 0)
		v->vrfy_off = true;
	probe_set(a, method, &r, t0);
	/* 252: "cannot verify, will accept": only a probe can tell more. */
	return !(r.code == 252 || smtp_verdict_of(r.code) == SMTP_UNSUPPORTED);
}

/* RCPT probes for up to PROBE_WINDOW addresses: MAIL, RCPT, RSET each,
 * pipelined when the server allows it. Returns how many were probed. */
static size_t
probe_rcpt(struct probe *v, struct probe_addr **list, size_t n)
{
	struct smtp_reply r, mail;
	struct mp_err e;
	bool pipe;
	size_t i, window;
	long t0;

	window = n < PROBE_WINDOW ? n : PROBE_WINDOW;
	if (v->max_per_session > 0 && (int)window > v->max_per_session)
		window = (size_t)v->max_per_session;
	if (v->delay_ms > 0 || (v->c != NULL && !v->s.smtp_caps.pipelining))
		window = 1;
	if (!probe_ready(v, (int)window)) {
		for (i = 0; i < window; i++)
			probe_unknown(list[i], "rcpt", &v->lost);
		return window;
	}
	pipe = v->s.smtp_caps.pipelining && v->delay_ms == 0;
	if (!pipe && window > 1)
		window = 1;
	t0 = probe_now_ms();
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
		probe_set(list[0], "rcpt", &r, t0);
		list[0]->tries++;
		if (smtp_command(v->c, "RSET", NULL, &r, &e) < 0)
			probe_lost(v, &e);
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
		probe_set(list[i], "rcpt", &r, t0);
		list[i]->tries++;
	}
	if (smtp_read_reply(v->c, &r, NULL, NULL, &e) < 0)
		probe_lost(v, &e);
	return window;
lost:
	i = 0;
lost_at:
	/* The answered ones stand; the rest go again on a new session. */
	probe_lost(v, &e);
	return i > 0 ? i : (probe_unknown(list[0], "rcpt", &e), list[0]->tries++, 1);
}


/* --catch-all: a random address at each domain first; a domain whose
 * server accepts it would accept any, so its answers say nothing. */
static void
probe_catch_all(struct probe *v, struct probe_addr **list, size_t n,
    const char *server)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct probe_addr probe = { 0 }, *pp = &probe;
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
			continue;	/* no probe without a random name */
		snprintf(addr, sizeof addr, "mailpipe-probe-%02x%02x%02x%02x%02x%02x%02x%02x@%s",
		    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], dom);
		probe.addr = addr;
		probe_rcpt(v, &pp, 1);
		if (probe.reply.code / 100 != 2)
			continue;
		for (k = i; k < n; k++) {
			struct probe_addr *a = list[k];
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
static int
probe_retry(struct probe *v, struct probe_addr **list, size_t n,
    enum probe_method method, const char *server, struct mp_err *err)
{
	struct probe_addr **again = malloc((n ? n : 1) * sizeof *again);
	size_t i, m = 0;
	int waited = 0, ret = 0;

	if (again == NULL)
		return err_set(err, ERR_INTERNAL, "out of memory");
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
				probe_lost(v, &e);
		}
		for (i = 0; i < m; i++) {
			again[i]->verdict = NULL;
			again[i]->tries = 2;	/* once: no third try */
		}
		ret = probe_run(v, again, m, method, server, err);
	}
	free(again);
	return ret;
}

/* Probe list[0..n) (none checked yet or invalid) on the open session. */
int
probe_run(struct probe *v, struct probe_addr **list, size_t n,
    enum probe_method method, const char *server, struct mp_err *err)
{
	struct probe_addr **pending = malloc((n ? n : 1) * sizeof *pending);
	size_t npending = 0, i;

	if (pending == NULL)
		return err_set(err, ERR_INTERNAL, "out of memory");
	if (v->catch_all)
		probe_catch_all(v, list, n, server);
	for (i = 0; i < n; i++) {
		struct probe_addr *a = list[i];
		if (a->verdict != NULL)
			continue;
		a->server = server;
		if (method == PROBE_EXPN) {
			probe_ask(v, "EXPN", a);
			continue;
		}
		if (method == PROBE_VRFY || (method == PROBE_AUTO && !v->vrfy_off)) {
			if (probe_ask(v, "VRFY", a) || method == PROBE_VRFY)
				continue;
		}
		pending[npending++] = a;
	}
	/* RCPT probes, a window at a time; 452 (too many recipients in this
	 * session) gets a new session and one more try. */
	for (i = 0; i < npending;) {
		size_t k, done = probe_rcpt(v, pending + i, npending - i);
		bool retry = false;
		for (k = i; k < i + done; k++) {
			if (pending[k]->reply.code == 452 && pending[k]->tries < 2)
				retry = true;
		}
		if (retry) {
			probe_close(v);
			for (k = i; k < i + done; k++) {
				if (pending[k]->reply.code == 452 && pending[k]->tries < 2)
					probe_rcpt(v, &pending[k], 1);
			}
		}
		i += done;
	}
	free(pending);
	if (v->retry_after > 0)
		return probe_retry(v, list, n, method, server, err);
	return 0;
}

/* A verdict for every unchecked address of list that no server decided. */
static void
probe_fail_all(struct probe_addr **list, size_t n, const char *verdict,
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

/* Keep a copy of host in v->hosts (the rows point at it until the end). */
static int
probe_keep_host(struct probe *v, const char *host, struct mp_err *e)
{
	char **h = realloc(v->hosts, (v->nhosts + 1) * sizeof *h);

	if (h == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	v->hosts = h;
	if ((h[v->nhosts] = strdup(host)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	v->nhosts++;
	return 0;
}

/* Without a server named: each domain's MX hosts in preference order
 * (RFC 5321 5.1), the next one when a host cannot be reached. */
int
probe_by_mx(struct probe *v, struct probe_addr *addrs, size_t n,
    struct probe_addr **list, enum probe_method method, struct mp_err *err)
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
		if (dns_mx_lookup(dom, v->dns, &mx, &e) < 0) {
			if (e.kind == ERR_USAGE)
				return err_set(err, ERR_USAGE, "%s", e.text);
			probe_fail_all(list, m, e.kind == ERR_NOHOST ? "no-domain" :
			    "unknown", &e, "");
			for (k = 0; k < m; k++)
				list[k]->server = "";
			continue;
		}
		if (mx.null_mx) {
			err_set(&e, ERR_UNAVAILABLE, "domain '%s' accepts no mail (null MX)",
			    dom);
			probe_fail_all(list, m, "no-mail", &e, "");
			for (k = 0; k < m; k++)
				list[k]->server = "";
			dns_mx_free(&mx);
			continue;
		}
		for (k = 0; k < mx.count && !done; k++) {
			char url[600], addr[64];
			const char *host = mx.hosts[k].name;
			if (probe_keep_host(v, host, err) < 0) {
				dns_mx_free(&mx);
				return -1;
			}
			if (v->dns != NULL && dns_addr_lookup(host, v->dns, addr, sizeof addr, &e) < 0)
				continue;
			snprintf(url, sizeof url, "smtp://%s:%d", host, v->port ? v->port : 25);
			cli_session_free(&v->s);
			if (cli_session_prepare(&v->s, CONN_SMTP, url, &e) < 0)
				continue;
			if (v->helo != NULL)
				v->s.params.ehlo = v->helo;
			v->s.params.addr = v->dns != NULL ? addr : NULL;
			if (cli_session_open(&v->s, &v->c, &e) < 0) {
				v->c = NULL;
				continue;
			}
			v->probes = 0;
			v->reopens = 0;
			v->vrfy_off = false;
			if (probe_run(v, list, m, method, v->hosts[v->nhosts - 1], err) < 0) {
				dns_mx_free(&mx);
				return -1;
			}
			probe_close(v);
			done = true;
		}
		if (!done) {
			/* Every host failed: say why the last one did (its name kept
			 * in v->hosts: mx is freed below). */
			probe_fail_all(list, m, "unknown", &e, mx.count ?
			    v->hosts[v->nhosts - 1] : "");
			for (k = 0; k < m; k++)
				if (list[k]->server == NULL || list[k]->server[0] == '\0')
					list[k]->server = "";
		}
		dns_mx_free(&mx);
	}
	return 0;
}

/* This host's fully qualified name, for EHLO: servers judge probes by
 * it. NULL when there is none better than the bare host name. */
char *
probe_fqdn(void)
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
