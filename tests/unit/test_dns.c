/* MODULES: dns err utf8 */
#include <stdlib.h>

#include "dns.h"
#include "t.h"

/* A DNS message under construction. */
struct msg {
	unsigned char b[4096];
	size_t n;
};

static void
msg_u16(struct msg *m, unsigned v)
{
	m->b[m->n++] = (unsigned char)(v >> 8);
	m->b[m->n++] = (unsigned char)v;
}

/* An uncompressed name; "" or "." is the root. */
static void
msg_name(struct msg *m, const char *name)
{
	const char *p = name, *dot;
	size_t n;

	while (*p != '\0') {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n > 0) {
			m->b[m->n++] = (unsigned char)n;
			memcpy(m->b + m->n, p, n);
			m->n += n;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	m->b[m->n++] = 0;
}

/* A compression pointer to offset off. */
static void
msg_ptr(struct msg *m, size_t off)
{
	msg_u16(m, 0xc000 | (unsigned)off);
}

/* Header and one question; flags holds QR, TC and the RCODE. */
static void
msg_head(struct msg *m, unsigned flags, const char *qname, unsigned qtype,
    unsigned ancount)
{
	m->n = 0;
	msg_u16(m, 0x1234);
	msg_u16(m, flags);
	msg_u16(m, 1);
	msg_u16(m, ancount);
	msg_u16(m, 0);
	msg_u16(m, 0);
	msg_name(m, qname);
	msg_u16(m, qtype);
	msg_u16(m, 1);
}

/* A record's fixed part after its owner name; returns where RDLENGTH
 * goes, for msg_rr_end. */
static size_t
msg_rr(struct msg *m, unsigned type)
{
	size_t at;

	msg_u16(m, type);
	msg_u16(m, 1);
	msg_u16(m, 0);
	msg_u16(m, 300);
	at = m->n;
	msg_u16(m, 0);
	return at;
}

static void
msg_rr_end(struct msg *m, size_t at)
{
	size_t len = m->n - at - 2;

	m->b[at] = (unsigned char)(len >> 8);
	m->b[at + 1] = (unsigned char)len;
}

/* An answer to an MX query for qname with records "PREF HOST,PREF
 * HOST" owned by qname. */
static void
msg_mx(struct msg *m, unsigned flags, const char *qname, const char *mx)
{
	const char *p;
	unsigned count = 0;
	char host[256];

	for (p = mx; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		count++;
	msg_head(m, 0x8180 | flags, qname, 15, count);
	for (p = mx; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		const char *sp = strchr(p, ' '), *end = strchr(p, ',');
		size_t at, n;

		n = end ? (size_t)(end - sp - 1) : strlen(sp + 1);
		memcpy(host, sp + 1, n);
		host[n] = '\0';
		msg_name(m, qname);
		at = msg_rr(m, 15);
		msg_u16(m, (unsigned)strtoul(p, NULL, 10));
		msg_name(m, host);
		msg_rr_end(m, at);
	}
}

/* mx as "PREF HOST,PREF HOST", "implicit HOST" or "null". */
static void
mx_show(const struct dns_mx *mx, char *buf, size_t cap)
{
	size_t i, o = 0;

	buf[0] = '\0';
	if (mx->null_mx) {
		snprintf(buf, cap, "null%s", mx->count ? " with hosts" : "");
		return;
	}
	for (i = 0; i < mx->count && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s%u %s", i ? "," : "",
		    mx->implicit ? "implicit " : "", mx->hosts[i].preference,
		    mx->hosts[i].name);
}

static const char *const kinds[] = {
	"ERR_NONE", "ERR_USAGE", "ERR_DATA", "ERR_NOINPUT", "ERR_NOUSER",
	"ERR_NOHOST", "ERR_UNAVAILABLE", "ERR_TLS_VERIFY", "ERR_INTERNAL",
	"ERR_CANTCREATE", "ERR_IO", "ERR_TEMP", "ERR_PROTOCOL", "ERR_AUTH",
	"ERR_CONFIG", "ERR_REPLY",
};

/* test_dns --lookup DOMAIN SERVER: dns_mx_lookup for tests/dns.bats. */
static int
lookup(const char *domain, const char *server)
{
	struct dns_mx mx;
	struct mp_err e;
	size_t i;

	err_clear(&e);
	if (dns_mx_lookup(domain, server, &mx, &e) < 0) {
		fprintf(stderr, "test_dns: %s: %s\n", e.kind < sizeof kinds /
		    sizeof kinds[0] ? kinds[e.kind] : "?", e.text);
		return err_sysexit(&e);
	}
	if (mx.null_mx)
		printf("null\n");
	else if (mx.implicit)
		printf("implicit %s\n", mx.hosts[0].name);
	else
		for (i = 0; i < mx.count; i++)
			printf("%u %s\n", mx.hosts[i].preference, mx.hosts[i].name);
	dns_mx_free(&mx);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name, *domain, *qname;
		unsigned flags;
		const char *records;
		int ret;
		enum err_kind kind;
		const char *want;
	} cases[] = {
		{ "sorted", "mx.test", "mx.test", 0, "10 b.mx.test,5 a.mx.test",
		  0, ERR_NONE, "5 a.mx.test,10 b.mx.test" },
		{ "ties keep the server's order", "mx.test", "mx.test", 0,
		  "10 c.mx.test,10 a.mx.test,5 d.mx.test,10 b.mx.test",
		  0, ERR_NONE, "5 d.mx.test,10 c.mx.test,10 a.mx.test,10 b.mx.test" },
		{ "trailing dot and case", "MX.Test.", "mx.test", 0, "1 Host_1-a.mx.test",
		  0, ERR_NONE, "1 Host_1-a.mx.test" },
		{ "NXDOMAIN", "gone.test", "gone.test", 3, "",
		  -1, ERR_NOHOST, "domain 'gone.test' does not exist" },
		{ "SERVFAIL", "broken.test", "broken.test", 2, "", -1, ERR_TEMP, NULL },
		{ "REFUSED", "broken.test", "broken.test", 5, "", -1, ERR_TEMP, NULL },
		{ "no MX: implicit", "nomx.test", "nomx.test", 0, "",
		  0, ERR_NONE, "implicit 0 nomx.test" },
		{ "null MX", "nullmx.test", "nullmx.test", 0, "0 .", 0, ERR_NONE, "null" },
		{ "null MX with another MX: the other", "nullmx.test", "nullmx.test", 0,
		  "0 .,10 a.mx.test", 0, ERR_NONE, "10 a.mx.test" },
		{ "control character in a host", "mx.test", "mx.test", 0,
		  "10 a\x01" "b.mx.test", -1, ERR_PROTOCOL, NULL },
		{ "space in a host", "mx.test", "mx.test", 0, "10 a b.mx.test",
		  -1, ERR_PROTOCOL, NULL },
		{ "escape in a host", "mx.test", "mx.test", 0, "10 a\\b.mx.test",
		  -1, ERR_PROTOCOL, NULL },
		{ "truncation flag", "mx.test", "mx.test", 0x0200, "", -1, ERR_TEMP, NULL },
		{ "not a response", "mx.test", "mx.test", 0, "10 a.mx.test",
		  -1, ERR_PROTOCOL, NULL },
		{ "answer to another name", "mx.test", "other.test", 0, "10 a.mx.test",
		  -1, ERR_PROTOCOL, NULL },
		{ "bad domain", "bad domain.test", "mx.test", 0, "",
		  -1, ERR_DATA, NULL },
		{ "empty label", "a..test", "mx.test", 0, "", -1, ERR_DATA, NULL },
	};
	struct msg m;
	struct dns_mx mx;
	struct mp_err e;
	char got[4096], name[128];
	unsigned char *cut;
	size_t i, len, at, ok;
	int r;

	if (argc == 4 && strcmp(argv[1], "--lookup") == 0)
		return lookup(argv[2], argv[3]);

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msg_mx(&m, cases[i].flags, cases[i].qname, cases[i].records);
		if (strcmp(cases[i].name, "not a response") == 0)
			m.b[2] &= 0x7f;
		err_clear(&e);
		r = dns_mx_parse(m.b, m.n, cases[i].domain, &mx, &e);
		t_inteq(r, cases[i].ret, cases[i].name);
		t_inteq(e.kind, cases[i].kind, cases[i].name);
		if (r == 0) {
			mx_show(&mx, got, sizeof got);
			t_streq(got, cases[i].want, cases[i].name);
		} else if (cases[i].want != NULL) {
			t_streq(e.text, cases[i].want, cases[i].name);
		}
		if (r < 0)
			t_ok(mx.hosts == NULL && mx.count == 0, "%s: nothing allocated",
			    cases[i].name);
		dns_mx_free(&mx);
	}

	/* Compressed names: owner -> question, host -> owner suffix, host
	 * -> the previous host. */
	msg_head(&m, 0x8180, "mx.test", 15, 2);
	msg_ptr(&m, 12);
	at = msg_rr(&m, 15);
	msg_u16(&m, 20);
	len = m.n;
	m.b[m.n++] = 1;
	m.b[m.n++] = 'a';
	msg_ptr(&m, 12);
	msg_rr_end(&m, at);
	msg_ptr(&m, 12);
	at = msg_rr(&m, 15);
	msg_u16(&m, 10);
	m.b[m.n++] = 1;
	m.b[m.n++] = 'b';
	msg_ptr(&m, len);
	msg_rr_end(&m, at);
	err_clear(&e);
	t_inteq(dns_mx_parse(m.b, m.n, "mx.test", &mx, &e), 0, "compressed names");
	mx_show(&mx, got, sizeof got);
	t_streq(got, "10 b.a.mx.test,20 a.mx.test", "compressed names");
	dns_mx_free(&mx);

	/* Every shorter length of that message is refused, and never read
	 * past (the copy is exactly len bytes for ASan). */
	ok = 0;
	for (len = 0; len < m.n; len++) {
		cut = malloc(len ? len : 1);
		memcpy(cut, m.b, len);
		err_clear(&e);
		r = dns_mx_parse(cut, len, "mx.test", &mx, &e);
		if (r == -1 && (e.kind == ERR_TEMP || e.kind == ERR_PROTOCOL) &&
		    mx.hosts == NULL)
			ok++;
		else
			printf("# length %zu: %d %d %s\n", len, r, e.kind, e.text);
		dns_mx_free(&mx);
		free(cut);
	}
	t_inteq(ok, m.n, "every truncation refused");

	/* A pointer loop in a host name. */
	msg_head(&m, 0x8180, "mx.test", 15, 1);
	msg_ptr(&m, 12);
	at = msg_rr(&m, 15);
	msg_u16(&m, 10);
	msg_ptr(&m, m.n);
	msg_rr_end(&m, at);
	err_clear(&e);
	t_inteq(dns_mx_parse(m.b, m.n, "mx.test", &mx, &e), -1, "pointer loop");
	t_inteq(e.kind, ERR_TEMP, "pointer loop: ERR_TEMP");

	/* A CNAME, then the MX of its target. */
	msg_head(&m, 0x8180, "alias.test", 15, 2);
	msg_ptr(&m, 12);
	at = msg_rr(&m, 5);
	len = m.n;
	msg_name(&m, "mx.test");
	msg_rr_end(&m, at);
	msg_ptr(&m, len);
	at = msg_rr(&m, 15);
	msg_u16(&m, 7);
	msg_name(&m, "a.mx.test");
	msg_rr_end(&m, at);
	err_clear(&e);
	t_inteq(dns_mx_parse(m.b, m.n, "alias.test", &mx, &e), 0, "CNAME");
	mx_show(&mx, got, sizeof got);
	t_streq(got, "7 a.mx.test", "CNAME followed");
	dns_mx_free(&mx);

	/* More than DNS_MX_MAX: the most preferred ones are kept. */
	got[0] = '\0';
	for (i = 40; i > 0; i--) {
		len = strlen(got);
		snprintf(got + len, sizeof got - len, "%s%zu h%zu.mx.test",
		    i < 40 ? "," : "", i, i);
	}
	msg_mx(&m, 0, "many.test", got);
	err_clear(&e);
	t_inteq(dns_mx_parse(m.b, m.n, "many.test", &mx, &e), 0, "40 MX");
	t_inteq((long long)mx.count, DNS_MX_MAX, "40 MX: capped");
	if (mx.count == DNS_MX_MAX) {
		t_inteq(mx.hosts[0].preference, 1, "40 MX: best first");
		t_inteq(mx.hosts[DNS_MX_MAX - 1].preference, DNS_MX_MAX,
		    "40 MX: worst dropped");
	}
	dns_mx_free(&mx);

	/* Address answers for the implicit MX. */
	msg_head(&m, 0x8180, "nomx.test", 1, 1);
	msg_ptr(&m, 12);
	at = msg_rr(&m, 1);
	msg_u16(&m, 0x7f00);
	msg_u16(&m, 0x0001);
	msg_rr_end(&m, at);
	t_inteq(dns_addr_parse(m.b, m.n, "nomx.test", 1, &e), 1, "A record");
	t_inteq(dns_addr_parse(m.b, m.n, "nomx.test", 28, &e), -1,
	    "A answer to an AAAA question");
	t_inteq(e.kind, ERR_PROTOCOL, "A answer to an AAAA question: kind");
	msg_head(&m, 0x8180, "nomx.test", 28, 0);
	t_inteq(dns_addr_parse(m.b, m.n, "nomx.test", 28, &e), 0, "no AAAA");
	msg_head(&m, 0x8183, "gone.test", 1, 0);
	t_inteq(dns_addr_parse(m.b, m.n, "gone.test", 1, &e), -1, "A NXDOMAIN");
	t_inteq(e.kind, ERR_NOHOST, "A NXDOMAIN: kind");

	/* Server arguments refused before any query. */
	{
		static const char *const bad[] = {
			"::1", "[::1]:53", "127.0.0.1:0", "127.0.0.1:65536",
			"127.0.0.1:x", "localhost", "",
		};
		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			err_clear(&e);
			snprintf(name, sizeof name, "server '%s' refused", bad[i]);
			t_inteq(dns_mx_lookup("mx.test", bad[i], &mx, &e), -1, name);
			t_inteq(e.kind, ERR_USAGE, name);
		}
	}
	return t_done();
}
