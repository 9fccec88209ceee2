/* dns: MX lookup through the resolver library; the answer parser is our
 * own (dn_expand only), so the pure part needs no libresolv. */
#include "dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DNS_ANSWER_MAX 65536	/* the largest DNS message (TCP) */
#define DNS_CNAME_MAX 8		/* CNAME hops followed in one answer */
#define DNS_RETRANS 2		/* seconds per try ... */
#define DNS_RETRY 2		/* ... and tries: a dead server costs ~4 s */

/* Where the records of a response start, after dns_head. */
struct dns_rr {
	char owner[NS_MAXDNAME];
	unsigned type, class;
	size_t rdoff, rdlen;
};

static unsigned
dns_get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A host or domain name we are willing to use: 1..253 characters of
 * letters, digits, '-', '_' and '.', no empty label, labels up to 63;
 * one trailing dot is allowed. Also rejects the escapes dn_expand
 * writes for control characters ("\007"). */
static int
dns_name_ok(const char *s)
{
	size_t n = strlen(s), i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '-' && ch != '_')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/* Compare a name from a message with our domain (no trailing dot). */
static int
dns_name_eq(const char *name, const char *domain)
{
	return strcasecmp(name, domain) == 0;
}

/* The domain without its trailing dot into dst (NS_MAXDNAME bytes). */
static int
dns_domain(const char *domain, char *dst, struct mp_err *e)
{
	size_t n;

	if (domain == NULL || !dns_name_ok(domain))
		return err_set(e, ERR_DATA, "'%s' is not a valid domain name",
		    domain ? domain : "");
	n = strlen(domain);
	if (domain[n - 1] == '.')
		n--;
	memcpy(dst, domain, n);
	dst[n] = '\0';
	return 0;
}

/* Expand the (possibly compressed) name at *off into dst and move *off
 * past it. dn_expand bounds every pointer and loop by the message. */
static int
dns_name(const unsigned char *msg, size_t len, size_t *off, char *dst,
    size_t cap, struct mp_err *e)
{
	int n;

	if (*off >= len)
		return err_set(e, ERR_TEMP, "truncated DNS answer (%zu bytes)", len);
	n = dn_expand(msg, msg + len, msg + *off, dst, (int)cap);
	if (n < 0)
		return err_set(e, ERR_TEMP, "malformed name in DNS answer");
	*off += (size_t)n;
	return 0;
}

/* One resource record at *off; *off moves past it. */
static int
dns_rr_read(const unsigned char *msg, size_t len, size_t *off, struct dns_rr *rr,
    struct mp_err *e)
{
	if (dns_name(msg, len, off, rr->owner, sizeof rr->owner, e) < 0)
		return -1;
	if (len - *off < 10)
		return err_set(e, ERR_TEMP, "truncated DNS answer (%zu bytes)", len);
	rr->type = dns_get16(msg + *off);
	rr->class = dns_get16(msg + *off + 2);
	rr->rdlen = dns_get16(msg + *off + 8);
	rr->rdoff = *off + 10;
	if (len - rr->rdoff < rr->rdlen)
		return err_set(e, ERR_TEMP, "truncated DNS answer (%zu bytes)", len);
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

/* Check the header and the question (one, for domain and qtype), map
 * the RCODE, and check that every record of every section is complete.
 * On success *ancount and *off locate the answer section. */
static int
dns_head(const unsigned char *msg, size_t len, const char *domain,
    unsigned qtype, unsigned *ancount, size_t *off, struct mp_err *e)
{
	char qname[NS_MAXDNAME];
	unsigned flags, qd, rrs, rcode, i;
	size_t o = 12;
	struct dns_rr rr;

	if (len < 12)
		return err_set(e, ERR_TEMP, "truncated DNS answer (%zu bytes)", len);
	flags = dns_get16(msg + 2);
	qd = dns_get16(msg + 4);
	*ancount = dns_get16(msg + 6);
	rrs = *ancount + dns_get16(msg + 8) + dns_get16(msg + 10);
	rcode = flags & 0x0f;
	if (!(flags & 0x8000) || (flags >> 11 & 0x0f) != 0)
		return err_set(e, ERR_PROTOCOL, "DNS message for '%s' is not a "
		    "response to a query", domain);
	/* res_nsend has retried over TCP already: what is left is broken. */
	if (flags & 0x0200)
		return err_set(e, ERR_TEMP, "truncated DNS answer for '%s'", domain);
	if (qd > 1 || (qd == 0 && rcode == 0))
		return err_set(e, ERR_PROTOCOL, "DNS answer for '%s' has %u questions",
		    domain, qd);
	if (qd == 1) {
		if (dns_name(msg, len, &o, qname, sizeof qname, e) < 0)
			return -1;
		if (len - o < 4)
			return err_set(e, ERR_TEMP, "truncated DNS answer (%zu bytes)",
			    len);
		if (!dns_name_eq(qname, domain) || dns_get16(msg + o) != qtype ||
		    dns_get16(msg + o + 2) != ns_c_in)
			return err_set(e, ERR_PROTOCOL, "DNS answer to another "
			    "question ('%s', not '%s')", qname, domain);
		o += 4;
	}
	*off = o;
	for (i = 0; i < rrs; i++)
		if (dns_rr_read(msg, len, &o, &rr, e) < 0)
			return -1;
	switch (rcode) {
	case ns_r_noerror:
		return 0;
	case ns_r_nxdomain:
		return err_set(e, ERR_NOHOST, "domain '%s' does not exist", domain);
	case ns_r_servfail:
		return err_set(e, ERR_TEMP, "DNS server failed to answer for '%s' "
		    "(SERVFAIL)", domain);
	case ns_r_refused:
		return err_set(e, ERR_TEMP, "DNS server refused the query for '%s'",
		    domain);
	}
	return err_set(e, ERR_TEMP, "DNS error %u for '%s'", rcode, domain);
}

/* Follow the CNAME chain in the answer section from domain into cur
 * (NS_MAXDNAME bytes): the owner name of the records we want. */
static int
dns_cname(const unsigned char *msg, size_t len, size_t start, unsigned ancount,
    const char *domain, char *cur, struct mp_err *e)
{
	struct dns_rr rr;
	char target[NS_MAXDNAME];
	unsigned hop, i;
	size_t off, t;
	int moved = 1;

	/* cur holds NS_MAXDNAME octets, like every name here. */
	snprintf(cur, NS_MAXDNAME, "%s", domain);
	for (hop = 0; moved && hop < DNS_CNAME_MAX; hop++) {
		moved = 0;
		off = start;
		for (i = 0; i < ancount && !moved; i++) {
			if (dns_rr_read(msg, len, &off, &rr, e) < 0)
				return -1;
			if (rr.type != ns_t_cname || rr.class != ns_c_in ||
			    !dns_name_eq(rr.owner, cur))
				continue;
			t = rr.rdoff;
			if (dns_name(msg, len, &t, target, sizeof target, e) < 0)
				return -1;
			if (dns_name_eq(target, cur))
				continue;
			memcpy(cur, target, strlen(target) + 1);
			moved = 1;
		}
	}
	return 0;
}

/* Insert h among the n (at most DNS_MX_MAX) best hosts, after those of
 * equal preference so that ties keep the server's order; past the cap
 * the least preferred host drops out. */
static void
dns_mx_insert(struct dns_host *best, size_t *n, const struct dns_host *h)
{
	size_t at = *n;

	while (at > 0 && best[at - 1].preference > h->preference)
		at--;
	if (at == DNS_MX_MAX)
		return;
	if (*n == DNS_MX_MAX)
		(*n)--;
	memmove(best + at + 1, best + at, (*n - at) * sizeof *best);
	best[at] = *h;
	(*n)++;
}

int
dns_mx_parse(const unsigned char *msg, size_t len, const char *domain,
    struct dns_mx *mx, struct mp_err *e)
{
	char want[NS_MAXDNAME], cur[NS_MAXDNAME], host[NS_MAXDNAME];
	struct dns_host best[DNS_MX_MAX], h;
	struct dns_rr rr;
	unsigned ancount, i;
	size_t start, off, t, n = 0;
	bool null_seen = false;

	memset(mx, 0, sizeof *mx);
	if (dns_domain(domain, want, e) < 0 ||
	    dns_head(msg, len, want, ns_t_mx, &ancount, &start, e) < 0 ||
	    dns_cname(msg, len, start, ancount, want, cur, e) < 0)
		return -1;
	off = start;
	for (i = 0; i < ancount; i++) {
		if (dns_rr_read(msg, len, &off, &rr, e) < 0)
			return -1;
		if (rr.type != ns_t_mx || rr.class != ns_c_in ||
		    (!dns_name_eq(rr.owner, cur) && !dns_name_eq(rr.owner, want)))
			continue;
		if (rr.rdlen < 3)
			return err_set(e, ERR_TEMP, "malformed MX record for '%s'", want);
		t = rr.rdoff + 2;
		if (dns_name(msg, len, &t, host, sizeof host, e) < 0)
			return -1;
		if (t != rr.rdoff + rr.rdlen)
			return err_set(e, ERR_TEMP, "malformed MX record for '%s'", want);
		/* dn_expand writes the root name "." as "". */
		if (host[0] == '\0') {
			null_seen = true;
			continue;
		}
		if (!dns_name_ok(host) || strlen(host) >= sizeof h.name)
			return err_set(e, ERR_PROTOCOL, "MX host name '%s' for '%s' is "
			    "not a valid host name", host, want);
		memcpy(h.name, host, strlen(host) + 1);
		h.preference = dns_get16(msg + rr.rdoff);
		dns_mx_insert(best, &n, &h);
	}
	if (n == 0 && null_seen) {
		mx->null_mx = true;
		return 0;
	}
	if (n == 0) {
		/* RFC 5321 5.1: the domain itself is the implicit MX. */
		mx->implicit = true;
		/* dns_domain allowed at most 253 characters. */
		memcpy(best[0].name, want, strlen(want) + 1);
		best[0].preference = 0;
		n = 1;
	}
	mx->hosts = malloc(n * sizeof *mx->hosts);
	if (mx->hosts == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	memcpy(mx->hosts, best, n * sizeof *mx->hosts);
	mx->count = n;
	return 0;
}

static int dns_addr_find(const unsigned char *msg, size_t len,
    const char *domain, int type, char *addr, size_t cap, struct mp_err *e);

int
dns_addr_parse(const unsigned char *msg, size_t len, const char *domain,
    int type, struct mp_err *e)
{
	return dns_addr_find(msg, len, domain, type, NULL, 0, e);
}

/* dns_addr_parse that also writes the first address found as text. */
static int
dns_addr_find(const unsigned char *msg, size_t len, const char *domain,
    int type, char *addr, size_t cap, struct mp_err *e)
{
	char want[NS_MAXDNAME], cur[NS_MAXDNAME];
	struct dns_rr rr;
	unsigned ancount, i;
	size_t start, off;
	size_t size = type == ns_t_aaaa ? 16 : 4;

	if (dns_domain(domain, want, e) < 0 ||
	    dns_head(msg, len, want, (unsigned)type, &ancount, &start, e) < 0 ||
	    dns_cname(msg, len, start, ancount, want, cur, e) < 0)
		return -1;
	off = start;
	for (i = 0; i < ancount; i++) {
		if (dns_rr_read(msg, len, &off, &rr, e) < 0)
			return -1;
		if (rr.type == (unsigned)type && rr.class == ns_c_in &&
		    rr.rdlen == size && (dns_name_eq(rr.owner, cur) ||
		    dns_name_eq(rr.owner, want))) {
			if (addr != NULL && inet_ntop(type == ns_t_aaaa ? AF_INET6 :
			    AF_INET, msg + rr.rdoff, addr, (socklen_t)cap) == NULL)
				return err_set(e, ERR_INTERNAL, "address too long");
			return 1;
		}
	}
	return 0;
}

void
dns_mx_free(struct dns_mx *mx)
{
	free(mx->hosts);
	memset(mx, 0, sizeof *mx);
}

/* "ADDR[:PORT]", IPv4 only: glibc keeps IPv6 servers in private
 * per-state storage that an application cannot set safely. */
static int
dns_server(const char *server, struct sockaddr_in *sin, struct mp_err *e)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon = strchr(server, ':');
	size_t n = colon ? (size_t)(colon - server) : strlen(server);
	unsigned long port = NS_DEFAULTPORT;
	char *end;

	if (server[0] == '[' || (colon && strchr(colon + 1, ':')))
		return err_set(e, ERR_USAGE, "DNS server '%s': IPv6 servers are not "
		    "supported, use an IPv4 address", server);
	if (n >= sizeof addr)
		return err_set(e, ERR_USAGE, "DNS server '%s' is not an IPv4 address",
		    server);
	memcpy(addr, server, n);
	addr[n] = '\0';
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return err_set(e, ERR_USAGE, "DNS server '%s' is not an IPv4 address",
		    server);
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
			return err_set(e, ERR_USAGE, "DNS server '%s': bad port", server);
	}
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

/* Ask rs one question; the answer's length, or -1 with e set. */
static int
dns_ask(res_state rs, const char *domain, int type, unsigned char *ans,
    struct mp_err *e)
{
	unsigned char q[NS_PACKETSZ];
	int qn, n;

	qn = res_nmkquery(rs, ns_o_query, domain, ns_c_in, type, NULL, 0, NULL,
	    q, sizeof q);
	if (qn < 0)
		return err_set(e, ERR_DATA, "'%s' is not a valid domain name", domain);
	errno = 0;
	n = res_nsend(rs, q, qn, ans, DNS_ANSWER_MAX);
	if (n >= 0)
		return n;
	/* glibc retries SERVFAIL and REFUSED, then reports them as a
	 * timeout: both mean "ask again later". */
	if (errno == ECONNREFUSED)
		return err_set(e, ERR_TEMP, "DNS server refused the connection "
		    "(is it running?) for '%s'", domain);
	return err_set(e, ERR_TEMP, "DNS server did not answer for '%s' (or "
	    "failed: SERVFAIL or REFUSED)", domain);
}

/* A resolver state asking server (or the system's nameservers). */
static int
dns_open(struct __res_state *rs, const char *server, struct mp_err *e)
{
	struct sockaddr_in sin;

	if (server != NULL && dns_server(server, &sin, e) < 0)
		return -1;
	memset(rs, 0, sizeof *rs);
	if (res_ninit(rs) < 0)
		return err_set(e, ERR_TEMP, "cannot set up the DNS resolver");
	rs->retrans = DNS_RETRANS;
	rs->retry = DNS_RETRY;
	/* The domain is absolute: never append the local search list. */
	rs->options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
	if (server != NULL) {
		/* An IPv4 entry in nsaddr_list wins over the IPv6 ones
		 * res_ninit may have put aside for resolv.conf. */
		rs->nscount = 1;
		rs->nsaddr_list[0] = sin;
		/* Never swap in /etc/resolv.conf again behind our back. */
		rs->options |= RES_NORELOAD;
	}
	return 0;
}

int
dns_mx_lookup(const char *domain, const char *server, struct dns_mx *mx,
    struct mp_err *e)
{
	struct __res_state rs;
	char want[NS_MAXDNAME];
	unsigned char *ans;
	int n, r = -1, type;

	memset(mx, 0, sizeof *mx);
	if (dns_domain(domain, want, e) < 0)
		return -1;
	ans = malloc(DNS_ANSWER_MAX);
	if (ans == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (dns_open(&rs, server, e) < 0) {
		free(ans);
		return -1;
	}
	n = dns_ask(&rs, want, ns_t_mx, ans, e);
	if (n < 0 || dns_mx_parse(ans, (size_t)n, want, mx, e) < 0)
		goto out;
	if (!mx->implicit) {
		r = 0;
		goto out;
	}
	/* No MX: the domain is its own mail host, if it has an address. */
	for (type = ns_t_a;; type = ns_t_aaaa) {
		n = dns_ask(&rs, want, type, ans, e);
		if (n < 0)
			goto out;
		n = dns_addr_parse(ans, (size_t)n, want, type, e);
		if (n < 0)
			goto out;
		if (n == 1) {
			r = 0;
			goto out;
		}
		if (type == ns_t_aaaa)
			break;
	}
	err_set(e, ERR_NOHOST, "domain '%s' has no MX and no address record", want);
out:
	if (r < 0)
		dns_mx_free(mx);
	res_nclose(&rs);
	free(ans);
	return r;
}

int
dns_addr_lookup(const char *name, const char *server, char *addr, size_t cap,
    struct mp_err *e)
{
	struct __res_state rs;
	char want[NS_MAXDNAME];
	unsigned char *ans;
	int n, r = -1, type;

	if (dns_domain(name, want, e) < 0)
		return -1;
	if ((ans = malloc(DNS_ANSWER_MAX)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (dns_open(&rs, server, e) < 0) {
		free(ans);
		return -1;
	}
	for (type = ns_t_a;; type = ns_t_aaaa) {
		if ((n = dns_ask(&rs, want, type, ans, e)) < 0)
			break;
		n = dns_addr_find(ans, (size_t)n, want, type, addr, cap, e);
		if (n != 0) {
			r = n == 1 ? 0 : -1;
			break;
		}
		if (type == ns_t_aaaa) {
			err_set(e, ERR_NOHOST, "host '%s' has no address", want);
			break;
		}
	}
	res_nclose(&rs);
	free(ans);
	return r;
}
