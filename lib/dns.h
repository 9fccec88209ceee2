/* dns: MX lookup for smtpverify (RFC 5321 section 5.1, RFC 7505 null
 * MX) through the system resolver library, and the pure parser of its
 * answers. */
#ifndef MAILPIPE_DNS_H
#define MAILPIPE_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define DNS_MX_MAX 32		/* MX hosts kept: the most preferred ones */

struct dns_host {
	char name[256];		/* host name to connect to */
	unsigned preference;	/* MX preference; 0 for the implicit MX */
};

struct dns_mx {
	struct dns_host *hosts;	/* allocated, in preference order; ties keep
				 * the server's order (no shuffle) */
	size_t count;
	bool implicit;		/* no MX records: the domain's own A/AAAA is
				 * the host (RFC 5321 5.1); hosts[0] is it */
	bool null_mx;		/* RFC 7505 "MX 0 .": the domain accepts no
				 * mail; hosts is NULL, count 0 */
};

/* Look up the mail hosts of domain into mx (free with dns_mx_free).
 * server: NULL for the system resolver (/etc/resolv.conf), else
 * "ADDR[:PORT]" with an IPv4 address (default port 53), used alone; IPv6
 * servers are refused with ERR_USAGE. Without MX records the domain must
 * have an A or AAAA record (then mx->implicit). Errors: ERR_DATA (bad
 * domain), ERR_NOHOST (no such domain, or no MX and no address),
 * ERR_TEMP (no answer within about 4 s, SERVFAIL, REFUSED, garbage),
 * ERR_PROTOCOL (an impossible answer), ERR_INTERNAL (out of memory). */
int dns_mx_lookup(const char *domain, const char *server, struct dns_mx *mx,
	struct mp_err *e);

/* The first address (A, else AAAA) of host name, as text into addr,
 * asking server as dns_mx_lookup does. ERR_NOHOST when there is none. */
int dns_addr_lookup(const char *name, const char *server, char *addr,
	size_t cap, struct mp_err *e);

/* Free mx->hosts and clear mx. */
void dns_mx_free(struct dns_mx *mx);

/* Parse a DNS response message to an MX query for domain into mx (free
 * with dns_mx_free). Pure. NXDOMAIN: ERR_NOHOST; NOERROR without MX
 * records: 0 with mx->implicit (the caller checks for an address);
 * SERVFAIL, REFUSED, truncated or malformed messages: ERR_TEMP; an
 * answer to another question, not a response, or an MX host name with
 * characters other than letters, digits, '-', '_' and '.': ERR_PROTOCOL.
 * A null MX next to other MX records is ignored (RFC 7505 calls that a
 * misconfiguration; the other hosts are used). */
int dns_mx_parse(const unsigned char *msg, size_t len, const char *domain,
	struct dns_mx *mx, struct mp_err *e);

/* Whether a response to an A or AAAA query (type 1 or 28) for domain
 * holds an address of that type: 1 yes, 0 no (NOERROR, no data), -1 with
 * e set as dns_mx_parse (NXDOMAIN: ERR_NOHOST). Pure. */
int dns_addr_parse(const unsigned char *msg, size_t len, const char *domain,
	int type, struct mp_err *e);

#endif
