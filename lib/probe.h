/* probe: what SMTP servers say about addresses, for smtpverify. VRFY and
 * EXPN one at a time; RCPT probes (MAIL, RCPT, RSET, never DATA) in
 * pipelined transactions of up to 32; sessions reopened when lost or when
 * a server wants fewer recipients (452); --catch-all and --retry-after;
 * MX lookup (lib/dns) when no server is named. Nothing is printed here. */
#ifndef MAILPIPE_PROBE_H
#define MAILPIPE_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "conn.h"
#include "err.h"
#include "smtp.h"

enum probe_method { PROBE_AUTO, PROBE_VRFY, PROBE_EXPN, PROBE_RCPT };

/* One address and what was found out. */
struct probe_addr {
	char *addr;
	const char *verdict;	/* NULL until checked: "deliverable", ... */
	const char *method;	/* "vrfy", "expn", "rcpt", "catch-all" */
	struct smtp_reply reply;
	long latency_ms;
	int tries;
	const char *server;	/* the host that answered */
};

/* The state of a run; fill the settings, the rest starts zeroed. */
struct probe {
	/* settings */
	const char *from;	/* RCPT probe sender; "" is the null path */
	int max_per_session;	/* 0: no limit */
	int delay_ms;
	int retry_after;	/* seconds; 0: no second try for a 4xx */
	bool catch_all;
	const char *dns;	/* DNS server for MX lookups, or NULL */
	int port;		/* SMTP port of MX hosts; 0: 25 */
	const char *helo;	/* EHLO name, or NULL */
	/* state */
	struct cli_session s;	/* prepared by the caller when a server is named */
	struct conn *c;
	int probes;		/* in this session */
	bool vrfy_off;		/* the server refused VRFY: probe with RCPT */
	struct mp_err lost;	/* why the last session ended early */
	int reopens;
	char **hosts;		/* MX host names the rows point to */
	size_t nhosts;
};

/* Open (or close, with QUIT) the session prepared in p->s; on failure
 * p->lost says why. */
int probe_open(struct probe *p);
void probe_close(struct probe *p);

/* Check list[0..n) (those without a verdict) on p's session with method;
 * rows name server. Lost sessions are reopened; what cannot be asked is
 * "unknown" with the reason. -1 only when out of memory. */
int probe_run(struct probe *p, struct probe_addr **list, size_t n,
	enum probe_method method, const char *server, struct mp_err *e);

/* Without a named server: each domain's MX hosts in preference order, the
 * next when one cannot be reached; "no-domain" for a domain that does not
 * exist, "no-mail" for a null MX, "unknown" when DNS or every host fails.
 * list has room for n pointers. -1: ERR_USAGE (bad DNS server) or
 * ERR_INTERNAL. */
int probe_by_mx(struct probe *p, struct probe_addr *addrs, size_t n,
	struct probe_addr **list, enum probe_method method, struct mp_err *e);

/* This host's fully qualified name (allocated), or NULL when there is
 * none better than the bare host name. */
char *probe_fqdn(void);

#endif
