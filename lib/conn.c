/* conn: sessions with mail servers. A session that needs TLS or a login
 * is opened by libcurl (CONNECT_ONLY) and then spoken over
 * curl_easy_send/curl_easy_recv; a plain session without login (what a
 * relay on localhost or a test sink needs) is a TCP socket of our own.
 * libcurl is loaded with dlopen(3) only when a session needs it: its
 * thirty-odd dependent libraries cost more at start-up (about 8 ms here)
 * than a whole plain SMTP submission. */
#include "conn.h"

#include <curl/curl.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_RBUF_MIN	(64 * 1024)	/* one read takes up to this much */
#define CONN_WBUF_MAX	(64 * 1024)	/* queued output is sent past this */
#define CONN_LINE_MAX	(1024 * 1024)	/* default longest server line */
#define CONN_LOGIN_MAX	(64 * 1024)	/* cap on kept login-phase lines */
#define CONN_CMD_MAX	8192		/* longest formatted command */
#define CONN_ADDRS_MAX	8		/* addresses of a host tried */
#define CONN_HOST_MAX	255

struct conn {
	CURL *curl;		/* NULL for our own socket */
	int fd;			/* the socket */
	enum conn_proto proto;
	bool tls;
	bool eof;
	bool greeting_pending;	/* our own socket: the protocol greets */
	bool broken;		/* an I/O error or timeout happened: no more I/O */
	bool starttls_needed;	/* our own socket, TLS to be started by the protocol */
	SSL_CTX *ssl_ctx;	/* TLS of our own (OpenSSL), when not libcurl's */
	SSL *ssl;
	char *tls_host;		/* name the certificate must match */
	char *cacert;
	char *pin;
	struct trace *trace;
	int timeout_ms;
	size_t line_max;

	char *rbuf;		/* received, [rpos, rend) not yet consumed */
	size_t rcap, rpos, rend;

	char *wbuf;		/* queued output */
	size_t wlen, wcap;

	char *login;		/* lines read by libcurl while opening */
	size_t login_len;
	bool login_full;
	char *login_user;	/* a login left to the protocol module */
	char *login_password;	/* (our own IMAP or POP3 session); wiped */
	bool login_apop;	/* --auth APOP */
	bool login_plain;	/* --auth PLAIN */
	char errbuf[CURL_ERROR_SIZE];
};

static const struct {
	const char *scheme;
	enum conn_proto proto;
	bool tls;
	unsigned port;
} conn_schemes[] = {
	{ "smtp", CONN_SMTP, false, 25 }, { "smtps", CONN_SMTP, true, 465 },
	{ "pop3", CONN_POP3, false, 110 }, { "pop3s", CONN_POP3, true, 995 },
	{ "imap", CONN_IMAP, false, 143 }, { "imaps", CONN_IMAP, true, 993 },
};

/* The libcurl functions we use, found with dlsym. */
static struct {
	bool loaded;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_send)(CURL *, const void *, size_t, size_t *);
	CURLcode (*easy_recv)(CURL *, void *, size_t, size_t *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} cc;

static int conn_wait(struct conn *c, short events, struct mp_err *e);

static int
conn_curl_load(struct mp_err *e)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define CONN_SYM(f, m) { #f, offsetof(__typeof__(cc), m) }
		CONN_SYM(curl_global_init, global_init),
		CONN_SYM(curl_easy_init, easy_init),
		CONN_SYM(curl_easy_setopt, easy_setopt),
		CONN_SYM(curl_easy_perform, easy_perform),
		CONN_SYM(curl_easy_getinfo, easy_getinfo),
		CONN_SYM(curl_easy_cleanup, easy_cleanup),
		CONN_SYM(curl_easy_send, easy_send),
		CONN_SYM(curl_easy_recv, easy_recv),
		CONN_SYM(curl_easy_strerror, easy_strerror),
		CONN_SYM(curl_easy_escape, easy_escape),
		CONN_SYM(curl_free, free),
		CONN_SYM(curl_slist_append, slist_append),
		CONN_SYM(curl_slist_free_all, slist_free_all),
#undef CONN_SYM
	};
	void *lib;
	size_t i;

	if (cc.loaded)
		return 0;
	if ((lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return err_set(e, ERR_INTERNAL, "cannot load libcurl: %s", dlerror());
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		void *f = dlsym(lib, syms[i].name);
		if (f == NULL)
			return err_set(e, ERR_INTERNAL, "libcurl lacks %s", syms[i].name);
		/* POSIX guarantees a function pointer fits in a void *. */
		memcpy((char *)&cc + syms[i].off, &f, sizeof f);
	}
	if (cc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, ERR_INTERNAL, "cannot initialise libcurl");
	cc.loaded = true;
	return 0;
}

int
conn_check_arg(const char *what, const char *s, size_t n, struct mp_err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return err_set(e, ERR_DATA, "%s contains a %s character",
			    what, s[i] == '\r' ? "CR" : s[i] == '\n' ? "LF" : "NUL");
	}
	return 0;
}

void
conn_url_free(struct conn_url *u)
{
	free(u->host);
	free(u->user);
	free(u->path);
	u->host = u->user = u->path = NULL;
}

/* Decode %XX escapes of s[0..n) into a new string; NULL with e set when
 * an escape is malformed or decodes to a control character. */
static char *
conn_url_decode(const char *what, const char *s, size_t n, struct mp_err *e)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;

	if (out == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '%') {
			char hex[3] = { 0 };
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				goto bad;
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			ch = (unsigned char)strtoul(hex, NULL, 16);
			i += 2;
		}
		if (ch < 0x20 || ch == 0x7f) {
			free(out);
			err_set(e, ERR_USAGE, "%s in the URL contains a control "
			    "character", what);
			return NULL;
		}
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	err_set(e, ERR_USAGE, "bad %% escape in the URL's %s", what);
	return NULL;
}

int
conn_url_parse(const char *s, struct conn_url *u, struct mp_err *e)
{
	const char *p, *auth, *auth_end, *at, *host, *host_end, *colon;
	size_t i, hl;

	memset(u, 0, sizeof *u);
	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ' ')
			return err_set(e, ERR_USAGE, "the URL contains a blank or "
			    "control character");
	}
	if ((p = strstr(s, "://")) == NULL)
		return err_set(e, ERR_USAGE, "'%s' is not a URL: write "
		    "imaps://user@host (or smtp, smtps, pop3, pop3s, imap)", s);
	for (i = 0; i < sizeof conn_schemes / sizeof conn_schemes[0]; i++) {
		if ((size_t)(p - s) == strlen(conn_schemes[i].scheme) &&
		    strncasecmp(s, conn_schemes[i].scheme, (size_t)(p - s)) == 0)
			break;
	}
	if (i == sizeof conn_schemes / sizeof conn_schemes[0])
		return err_set(e, ERR_USAGE, "unsupported scheme in '%s' (use smtp, "
		    "smtps, pop3, pop3s, imap or imaps)", s);
	u->proto = conn_schemes[i].proto;
	u->implicit_tls = conn_schemes[i].tls;
	u->port = conn_schemes[i].port;
	snprintf(u->scheme, sizeof u->scheme, "%s", conn_schemes[i].scheme);

	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	if (*auth_end == '?' || *auth_end == '#')
		return err_set(e, ERR_USAGE, "a query or fragment has no meaning "
		    "in '%s'", s);
	/* The user is what comes before the last '@' of the authority. */
	at = NULL;
	for (p = auth; p < auth_end; p++) {
		if (*p == '@')
			at = p;
	}
	host = auth;
	if (at != NULL) {
		if (memchr(auth, ':', (size_t)(at - auth)) != NULL)
			return err_set(e, ERR_USAGE, "the URL contains a password; "
			    "remove it and use --password-cmd, a netrc file or "
			    "password_cmd in the config file (a URL shows in ps "
			    "and shell history)");
		if (at > auth &&
		    (u->user = conn_url_decode("user name", auth, (size_t)(at - auth), e)) == NULL)
			goto fail;
		host = at + 1;
	}
	if (*host == '[') {
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (host_end == NULL || host_end == host + 1)
			goto bad;
		for (p = host + 1; p < host_end; p++) {
			if (!strchr("0123456789abcdefABCDEF:.", *p))
				goto bad;
		}
		host_end++;
	} else {
		host_end = host + strcspn(host, ":");
		if (host_end > auth_end)
			host_end = auth_end;
		for (p = host; p < host_end; p++) {
			unsigned char ch = (unsigned char)*p;
			/* Letters, digits, '-', '.', '_'; octets >= 0x80 for
			 * names that the resolver may know in UTF-8. */
			if (!(ch >= 0x80 || ch == '-' || ch == '.' || ch == '_' ||
			    (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' &&
			    (ch | 0x20) <= 'z')))
				goto bad;
		}
	}
	hl = (size_t)(host_end - host);
	if (hl == 0 || hl > CONN_HOST_MAX)
		goto bad;
	colon = host_end;
	if (colon < auth_end) {
		unsigned long port = 0;
		if (*colon != ':' || colon + 1 == auth_end)
			goto bad;
		for (p = colon + 1; p < auth_end; p++) {
			if (*p < '0' || *p > '9' || port > 65535)
				goto bad;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port == 0 || port > 65535) {
			err_set(e, ERR_USAGE, "bad port in URL '%s'", s);
			goto fail;
		}
		u->port = (unsigned)port;
	}
	if ((u->host = strndup(host, hl)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (*auth_end == '/' && auth_end[1] != '\0' &&
	    (u->path = conn_url_decode("path", auth_end + 1, strlen(auth_end + 1), e)) == NULL)
		goto fail;
	return 0;
bad:
	err_set(e, ERR_USAGE, "bad host or port in URL '%s'", s);
fail:
	conn_url_free(u);
	return -1;
}

/* Keep a line read while opening (greeting, capabilities, login). */
static void
conn_keep_line(struct conn *c, const char *data, size_t keep)
{
	while (keep > 0 && (data[keep - 1] == '\n' || data[keep - 1] == '\r'))
		keep--;
	if (c->login_full || c->login_len + keep + 1 > CONN_LOGIN_MAX) {
		c->login_full = true;
		return;
	}
	memcpy(c->login + c->login_len, data, keep);
	c->login_len += keep;
	c->login[c->login_len++] = '\n';
	c->login[c->login_len] = '\0';
}

static size_t
conn_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	conn_keep_line(arg, data, size * nmemb);
	return size * nmemb;
}

/* Show libcurl's part of the dialog (it speaks until login is done). */
static int
conn_debug_cb(CURL *h, curl_infotype type, char *data, size_t n, void *arg)
{
	struct conn *c = arg;
	size_t i = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
		return 0;
	while (i < n) {
		size_t j = i, end;
		while (j < n && data[j] != '\n')
			j++;
		end = j;
		if (end > i && data[end - 1] == '\r')
			end--;
		if (type == CURLINFO_HEADER_OUT)
			trace_client(c->trace, data + i, end - i);
		else
			trace_server(c->trace, data + i, end - i);
		i = j + 1;
	}
	return 0;
}

static struct conn *
conn_alloc(enum conn_proto proto, int timeout_ms, size_t line_max,
    struct trace *trace)
{
	struct conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->fd = -1;
	c->proto = proto;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
	c->line_max = line_max > 0 ? line_max : CONN_LINE_MAX;
	c->trace = trace;
	c->rcap = CONN_RBUF_MIN;
	c->rbuf = malloc(c->rcap);
	c->wcap = CONN_WBUF_MAX;
	c->wbuf = malloc(c->wcap);
	c->login = malloc(CONN_LOGIN_MAX + 1);
	if (c->rbuf == NULL || c->wbuf == NULL || c->login == NULL) {
		conn_close(c);
		return NULL;
	}
	c->login[0] = '\0';
	return c;
}

/* The last line libcurl read, to classify a refused greeting or login. */
static const char *
conn_last_login_line(const struct conn *c, char *dst, size_t cap)
{
	size_t end = c->login_len, start;

	if (end > 0 && c->login[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0 && c->login[start - 1] != '\n')
		start--;
	err_sanitize(dst, cap, c->login + start, end - start);
	return dst;
}

/* Look the host up ourselves, so that "no such host" (68) and "DNS is
 * down, try later" (75) stay apart (libcurl reports both alike). */
static int
conn_lookup(const struct conn_url *u, const char *addr, struct addrinfo **res,
    struct mp_err *e)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	char host[CONN_HOST_MAX + 1], port[8];
	size_t hl = strlen(u->host);
	int rc;

	if (addr != NULL) {
		/* Looked up by the caller (its own DNS server): only parse. */
		hints.ai_flags |= AI_NUMERICHOST;
		snprintf(port, sizeof port, "%u", u->port);
		if (getaddrinfo(addr, port, &hints, res) != 0)
			return err_set(e, ERR_USAGE, "bad address '%s'", addr);
		return 0;
	}
	if (u->host[0] == '[' && hl >= 2 && hl - 2 < sizeof host) {
		memcpy(host, u->host + 1, hl - 2);
		host[hl - 2] = '\0';
	} else if (hl < sizeof host) {
		memcpy(host, u->host, hl + 1);
	} else {
		return err_set(e, ERR_USAGE, "host name too long");
	}
	snprintf(port, sizeof port, "%u", u->port);
	rc = getaddrinfo(host, port, &hints, res);
	if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL)
		return err_set(e, ERR_NOHOST, "unknown host '%s'", host);
	if (rc != 0)
		return err_set(e, ERR_TEMP, "cannot look up '%s' for now: %s", host,
		    gai_strerror(rc));
	return 0;
}

/* The addresses in libcurl's CURLOPT_RESOLVE form "host:port:a,b". */
static int
conn_resolve_entry(const struct conn_url *u, const struct addrinfo *res,
    struct curl_slist **list, struct mp_err *e)
{
	char entry[1024], addr[INET6_ADDRSTRLEN];
	char seen[CONN_ADDRS_MAX][INET6_ADDRSTRLEN];
	const struct addrinfo *ai;
	size_t hl = strlen(u->host), used;
	int n, count = 0;

	/* libcurl names an IPv6 host without its brackets here. */
	n = snprintf(entry, sizeof entry, "%.*s:%u:", (int)(u->host[0] == '[' ? hl - 2 : hl),
	    u->host + (u->host[0] == '['), u->port);
	if (n < 0 || (size_t)n >= sizeof entry)
		return err_set(e, ERR_USAGE, "host name too long");
	used = (size_t)n;
	for (ai = res; ai != NULL && count < CONN_ADDRS_MAX; ai = ai->ai_next) {
		int i, dup = 0;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0,
		    NI_NUMERICHOST) != 0)
			continue;
		/* getaddrinfo may repeat an address. */
		for (i = 0; i < count; i++)
			dup |= strcmp(seen[i], addr) == 0;
		if (dup)
			continue;
		n = snprintf(entry + used, sizeof entry - used,
		    ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
		    count > 0 ? "," : "", addr);
		if (n < 0 || (size_t)n >= sizeof entry - used)
			break;
		used += (size_t)n;
		memcpy(seen[count++], addr, sizeof addr);
	}
	if (count == 0)
		return err_set(e, ERR_NOHOST, "no usable address for '%s'", u->host);
	if ((*list = cc.slist_append(NULL, entry)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	return 0;
}

/* Connect a non-blocking TCP socket to the first address that answers. */
static int
conn_tcp_connect(struct conn *c, const struct conn_url *u,
    const struct addrinfo *res, struct mp_err *e)
{
	const struct addrinfo *ai;
	int fd, err = ECONNREFUSED, one = 1;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t len = sizeof err;
		int n;

		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		while ((n = poll(&pfd, 1, c->timeout_ms)) < 0 && errno == EINTR)
			;
		if (n == 0) {
			close(fd);
			return err_set(e, ERR_TEMP, "cannot connect to %s port %u: "
			    "no answer within %d s", u->host, u->port,
			    (c->timeout_ms + 999) / 1000);
		}
		if (n > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0)
			goto connected;
		if (n < 0)
			err = errno;
		close(fd);
	}
	return err_set(e, ERR_TEMP, "cannot connect to %s port %u: %s", u->host,
	    u->port, strerror(err));
connected:
	/* Writes are batched here; Nagle's algorithm would only add delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	return 0;
}

/* Turn a failed curl_easy_perform into our error kinds. */
static int
conn_open_error(struct conn *c, CURLcode rc, const struct conn_params *p,
    struct mp_err *e)
{
	const struct conn_url *u = p->url;
	long oserr = 0;
	char last[256];
	const char *why = c->errbuf[0] ? c->errbuf : cc.easy_strerror(rc);

	conn_last_login_line(c, last, sizeof last);
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return err_set(e, ERR_USAGE, "%s", why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return err_set(e, ERR_NOHOST, "%s", why);
	case CURLE_COULDNT_CONNECT:
		cc.easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
		return err_set(e, ERR_TEMP, "cannot connect to %s port %u: %s",
		    u->host, u->port, oserr ? strerror((int)oserr) : why);
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return err_set(e, ERR_TEMP, "%s", why);
	case CURLE_LOGIN_DENIED:
	case CURLE_AUTH_ERROR:
		/* A 4xx to AUTH (454) is a server problem, not a bad password. */
		if (c->proto == CONN_SMTP && last[0] == '4')
			return err_set(e, ERR_TEMP, "login failed for now: %s", last);
		return err_set(e, ERR_AUTH, "authentication failed for user '%s'%s%s",
		    p->user ? p->user : "", last[0] ? ": " : "", last);
	case CURLE_PEER_FAILED_VERIFICATION:
		return err_set(e, ERR_TLS_VERIFY, "server certificate not trusted "
		    "(%s); give the CA that signed it with --cacert FILE, or "
		    "pin its key with --pin sha256//...", why);
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return err_set(e, ERR_TLS_VERIFY, "server public key does not "
		    "match --pin");
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return err_set(e, ERR_CONFIG, "%s", why);
	case CURLE_USE_SSL_FAILED:
		return err_set(e, ERR_UNAVAILABLE, "server does not offer "
		    "STARTTLS; use the implicit-TLS scheme (smtps, pop3s, "
		    "imaps) or --insecure to allow a cleartext session");
	case CURLE_SSL_CONNECT_ERROR:
		return err_set(e, ERR_UNAVAILABLE, "TLS handshake failed: %s", why);
	case CURLE_WEIRD_SERVER_REPLY:
		/* A refusing greeting is an answer, not garbage. */
		if (c->proto == CONN_SMTP && last[0] == '4')
			return err_set(e, ERR_TEMP, "server refused: %s", last);
		if (c->proto == CONN_SMTP && last[0] == '5')
			return err_set(e, ERR_UNAVAILABLE, "server refused: %s", last);
		if (c->proto == CONN_IMAP && strncasecmp(last, "* BYE", 5) == 0)
			return err_set(e, ERR_TEMP, "server refused: %s", last);
		if (c->proto == CONN_POP3 && strncmp(last, "-ERR", 4) == 0)
			return err_set(e, ERR_TEMP, "server refused: %s", last);
		if (last[0] != '\0')
			return err_set(e, ERR_PROTOCOL, "unexpected server reply: %s", last);
		return err_set(e, ERR_PROTOCOL, "%s", why);
	default:
		return err_set(e, ERR_TEMP, "%s", why);
	}
}

/* OpenSSL's error queue as one line, emptied. */
static const char *
conn_ssl_errors(char *buf, size_t cap)
{
	unsigned long code, last = 0;

	while ((code = ERR_get_error()) != 0)
		last = code;
	if (last == 0)
		snprintf(buf, cap, "connection closed during the handshake");
	else
		ERR_error_string_n(last, buf, cap);
	return buf;
}

/* Compare the peer's public key with "sha256//B64[;sha256//B64...]". */
static int
conn_check_pin(struct conn *c, struct mp_err *e)
{
	X509 *cert = SSL_get1_peer_certificate(c->ssl);
	unsigned char *der = NULL, md[SHA256_DIGEST_LENGTH];
	char b64[64];
	const char *p;
	int len, ok = 0;

	if (cert == NULL)
		return err_set(e, ERR_TLS_VERIFY, "server sent no certificate");
	len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
	X509_free(cert);
	if (len <= 0)
		return err_set(e, ERR_TLS_VERIFY, "cannot read the server's public key");
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	EVP_EncodeBlock((unsigned char *)b64, md, sizeof md);
	for (p = c->pin; p != NULL && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		size_t n = strcspn(p, ";");
		ok |= n == 8 + strlen(b64) && strncmp(p, "sha256//", 8) == 0 &&
		    memcmp(p + 8, b64, strlen(b64)) == 0;
	}
	if (!ok)
		return err_set(e, ERR_TLS_VERIFY, "server public key does not match "
		    "--pin");
	return 0;
}

/* TLS over our own socket: TLS >= 1.2, the certificate checked against
 * the CA file or the system's hashed certificate directory (read lazily:
 * loading the whole system bundle costs 25 ms here), the host name
 * checked, the key pinned when asked. */
static int
conn_tls_handshake(struct conn *c, struct mp_err *e)
{
	char errs[256];
	unsigned char addr[16];
	int r;

	if (c->rpos != c->rend)
		return err_set(e, ERR_PROTOCOL, "server sent data before the TLS "
		    "handshake (a STARTTLS injection?)");
	if ((c->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return err_set(e, ERR_INTERNAL, "cannot set up TLS");
	SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(c->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(c->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (c->cacert != NULL) {
		if (SSL_CTX_load_verify_locations(c->ssl_ctx, c->cacert, NULL) != 1)
			return err_set(e, ERR_CONFIG, "cannot read CA certificates from "
			    "%s", c->cacert);
	} else {
		const char *dir = getenv(X509_get_default_cert_dir_env());
		const char *file = getenv(X509_get_default_cert_file_env());
		X509_STORE *st = SSL_CTX_get_cert_store(c->ssl_ctx);
		if (file != NULL)
			X509_STORE_load_file(st, file);
		X509_STORE_load_path(st, dir ? dir : X509_get_default_cert_dir());
	}
	if ((c->ssl = SSL_new(c->ssl_ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return err_set(e, ERR_INTERNAL, "cannot set up TLS");
	if (inet_pton(AF_INET, c->tls_host, addr) == 1 ||
	    inet_pton(AF_INET6, c->tls_host, addr) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->tls_host);
	} else {
		SSL_set_tlsext_host_name(c->ssl, c->tls_host);
		SSL_set1_host(c->ssl, c->tls_host);
	}
	while ((r = SSL_connect(c->ssl)) != 1) {
		int err = SSL_get_error(c->ssl, r);
		long vr;
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			if (conn_wait(c, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, e) < 0)
				return -1;
			continue;
		}
		c->broken = true;
		if ((vr = SSL_get_verify_result(c->ssl)) != X509_V_OK)
			return err_set(e, ERR_TLS_VERIFY, "server certificate not "
			    "trusted (%s); give the CA that signed it with --cacert "
			    "FILE, or pin its key with --pin sha256//...",
			    X509_verify_cert_error_string(vr));
		return err_set(e, ERR_UNAVAILABLE, "TLS handshake failed: %s",
		    conn_ssl_errors(errs, sizeof errs));
	}
	if (c->pin != NULL && conn_check_pin(c, e) < 0)
		return -1;
	trace_note(c->trace, "TLS: %s, %s", SSL_get_version(c->ssl),
	    SSL_get_cipher_name(c->ssl));
	return 0;
}

static void
conn_time(const ASN1_TIME *t, char *dst, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	dst[0] = '\0';
	if (b == NULL)
		return;
	if (ASN1_TIME_print(b, t) == 1 && (n = BIO_read(b, dst, (int)cap - 1)) > 0)
		dst[n] = '\0';
	BIO_free(b);
}

int
conn_tls_info(struct conn *c, struct conn_tls_info *info)
{
	SSL *ssl = c->ssl;
	X509 *cert;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t o = 0;

	memset(info, 0, sizeof *info);
	if (ssl == NULL && c->curl != NULL) {
		struct curl_tlssessioninfo *ti = NULL;
		if (cc.easy_getinfo(c->curl, CURLINFO_TLS_SSL_PTR, &ti) == CURLE_OK &&
		    ti != NULL && ti->backend == CURLSSLBACKEND_OPENSSL)
			ssl = ti->internals;
	}
	if (ssl == NULL)
		return -1;
	snprintf(info->version, sizeof info->version, "%s", SSL_get_version(ssl));
	snprintf(info->cipher, sizeof info->cipher, "%s", SSL_get_cipher_name(ssl));
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return 0;
	X509_NAME_oneline(X509_get_subject_name(cert), info->subject, sizeof info->subject);
	X509_NAME_oneline(X509_get_issuer_name(cert), info->issuer, sizeof info->issuer);
	conn_time(X509_get0_notBefore(cert), info->not_before, sizeof info->not_before);
	conn_time(X509_get0_notAfter(cert), info->not_after, sizeof info->not_after);
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1) {
		for (i = 0; i < mdlen && o + 4 < sizeof info->sha256; i++)
			o += (size_t)snprintf(info->sha256 + o, sizeof info->sha256 - o,
			    "%s%02X", i ? ":" : "", md[i]);
	}
	X509_free(cert);
	return 0;
}

bool
conn_starttls_needed(const struct conn *c)
{
	return c->starttls_needed;
}

int
conn_starttls(struct conn *c, struct mp_err *e)
{
	if (conn_flush(c, e) < 0)
		return -1;
	c->starttls_needed = false;
	return conn_tls_handshake(c, e);
}

/* The libcurl half of conn_open: TLS and/or login. */
static int
conn_open_curl(struct conn *c, const struct conn_params *p,
    const struct addrinfo *res, struct mp_err *e)
{
	const struct conn_url *u = p->url;
	struct curl_slist *resolve = NULL;
	char url[1024], *user = NULL;
	curl_socket_t sock;
	CURLcode rc;
	bool use_netrc;
	long secs;
	int n;

	if (conn_curl_load(e) < 0)
		return -1;
	if ((c->curl = cc.easy_init()) == NULL)
		return err_set(e, ERR_INTERNAL, "cannot create a libcurl handle");
	/* libcurl looks a netrc password up only for a user named in the
	 * URL, not for one given with CURLOPT_USERNAME. */
	use_netrc = p->password == NULL && (p->netrc || p->netrc_file != NULL);
	if (use_netrc && p->user != NULL &&
	    (user = cc.easy_escape(c->curl, p->user, 0)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	/* The SMTP path is the name libcurl greets with. */
	n = snprintf(url, sizeof url, "%s://%s%s%s:%u/%s", u->scheme,
	    user != NULL ? user : "", user != NULL ? "@" : "", u->host, u->port,
	    u->proto == CONN_SMTP && p->ehlo != NULL ? p->ehlo : "");
	cc.free(user);
	if (n < 0 || (size_t)n >= sizeof url)
		return err_set(e, ERR_USAGE, "server name too long");
	if (conn_resolve_entry(u, res, &resolve, e) < 0)
		return -1;

	secs = (c->timeout_ms + 999) / 1000;
	cc.easy_setopt(c->curl, CURLOPT_URL, url);
	cc.easy_setopt(c->curl, CURLOPT_RESOLVE, resolve);
	cc.easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	cc.easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	cc.easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	cc.easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	cc.easy_setopt(c->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, secs);
	/* Bounds the whole of connect + TLS + login. */
	cc.easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 2L * c->timeout_ms);
	cc.easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, conn_header_cb);
	cc.easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	if (trace_enabled(p->trace)) {
		cc.easy_setopt(c->curl, CURLOPT_DEBUGFUNCTION, conn_debug_cb);
		cc.easy_setopt(c->curl, CURLOPT_DEBUGDATA, c);
		cc.easy_setopt(c->curl, CURLOPT_VERBOSE, 1L);
	}
	cc.easy_setopt(c->curl, CURLOPT_USE_SSL,
	    p->insecure ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	cc.easy_setopt(c->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	cc.easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	cc.easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (p->cacert != NULL)
		cc.easy_setopt(c->curl, CURLOPT_CAINFO, p->cacert);
	if (p->pin != NULL)
		cc.easy_setopt(c->curl, CURLOPT_PINNEDPUBLICKEY, p->pin);
	if (p->user != NULL && !use_netrc)
		cc.easy_setopt(c->curl, CURLOPT_USERNAME, p->user);
	if (p->password != NULL)
		cc.easy_setopt(c->curl, CURLOPT_PASSWORD, p->password);
	if (use_netrc) {
		cc.easy_setopt(c->curl, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		if (p->netrc_file != NULL)
			cc.easy_setopt(c->curl, CURLOPT_NETRC_FILE, p->netrc_file);
	}
	if (p->login_options != NULL)
		cc.easy_setopt(c->curl, CURLOPT_LOGIN_OPTIONS, p->login_options);

	rc = cc.easy_perform(c->curl);
	cc.slist_free_all(resolve);
	if (rc != CURLE_OK)
		return conn_open_error(c, rc, p, e);
	if (cc.easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD)
		return err_set(e, ERR_INTERNAL, "libcurl gave no socket");
	c->fd = (int)sock;
	return 0;
}

int
conn_open(struct conn **cp, const struct conn_params *p, struct mp_err *e)
{
	const struct conn_url *u = p->url;
	struct addrinfo *res;
	struct conn *c;
	int r;

	*cp = NULL;
	if (conn_lookup(u, p->addr, &res, e) < 0)
		return -1;
	c = conn_alloc(u->proto, p->timeout_ms, p->line_max, p->trace);
	if (c == NULL) {
		freeaddrinfo(res);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	c->tls = u->implicit_tls || !p->insecure;
	/* Without a login there is nothing for libcurl to do that is worth
	 * loading it for: a plain session, or an SMTP one over TLS of our own
	 * (the submission of one message per process that cron makes). An
	 * IMAP login with a password by LOGIN or AUTHENTICATE PLAIN is left
	 * to lib/imap too: libcurl and its thirty-odd libraries would be
	 * most of the memory a listing takes (12 MB against 7). */
	bool own_login = (u->proto == CONN_IMAP || u->proto == CONN_POP3) &&
	    p->user != NULL && p->password != NULL && (p->login_options == NULL ||
	    strcasecmp(p->login_options, "AUTH=PLAIN") == 0 ||
	    (u->proto == CONN_POP3 && strcasecmp(p->login_options, "AUTH=+APOP") == 0));
	if ((own_login || (p->user == NULL && !p->netrc && p->netrc_file == NULL)) &&
	    (!c->tls || u->proto == CONN_SMTP || u->proto == CONN_IMAP ||
	    u->proto == CONN_POP3) &&
	    (p->pin == NULL || strncmp(p->pin, "sha256//", 8) == 0)) {
		size_t hl = strlen(u->host);
		trace_note(p->trace, "connecting to %s port %u", u->host, u->port);
		c->tls_host = u->host[0] == '[' ? strndup(u->host + 1, hl - 2) :
		    strdup(u->host);
		c->cacert = p->cacert ? strdup(p->cacert) : NULL;
		c->pin = p->pin ? strdup(p->pin) : NULL;
		if (c->tls_host == NULL || (p->cacert && !c->cacert) || (p->pin && !c->pin))
			r = err_set(e, ERR_INTERNAL, "out of memory");
		else
			r = conn_tcp_connect(c, u, res, e);
		if (r == 0 && u->implicit_tls)
			r = conn_tls_handshake(c, e);
		c->starttls_needed = c->tls && !u->implicit_tls;
		c->greeting_pending = true;
		if (r == 0 && own_login) {
			c->login_user = strdup(p->user);
			c->login_password = strdup(p->password);
			c->login_apop = p->login_options != NULL &&
			    strcasecmp(p->login_options, "AUTH=+APOP") == 0;
			c->login_plain = p->login_options != NULL && !c->login_apop;
			if (c->login_user == NULL || c->login_password == NULL)
				r = err_set(e, ERR_INTERNAL, "out of memory");
		}
	} else {
		r = conn_open_curl(c, p, res, e);
	}
	freeaddrinfo(res);
	if (r < 0) {
		conn_close(c);
		return -1;
	}
	*cp = c;
	return 0;
}

bool
conn_greeting_pending(const struct conn *c)
{
	return c->greeting_pending;
}

struct conn *
conn_open_fd(int fd, enum conn_proto proto, int timeout_ms, size_t line_max,
    struct trace *trace)
{
	struct conn *c = conn_alloc(proto, timeout_ms, line_max, trace);

	if (c == NULL) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	return c;
}

void
conn_abort(struct conn *c)
{
	c->broken = true;
	c->wlen = 0;
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL) {
		/* libcurl would otherwise try to say goodbye itself on an
		 * already finished session and wait for the answer. */
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
		cc.easy_cleanup(c->curl);
	} else if (c->fd >= 0) {
		if (c->ssl != NULL && !c->broken)
			SSL_shutdown(c->ssl);	/* close_notify, not waiting */
		close(c->fd);
	}
	SSL_free(c->ssl);
	SSL_CTX_free(c->ssl_ctx);
	free(c->tls_host);
	free(c->cacert);
	free(c->pin);
	free(c->rbuf);
	free(c->wbuf);
	free(c->login);
	conn_login_done(c);
	free(c);
}

enum conn_proto
conn_proto(const struct conn *c)
{
	return c->proto;
}

bool
conn_tls(const struct conn *c)
{
	return c->tls;
}

struct trace *
conn_trace(const struct conn *c)
{
	return c->trace;
}

bool
conn_login_mech(const struct conn *c, bool *apop)
{
	*apop = c->login_apop;
	return c->login_plain;
}

bool
conn_login_pending(const struct conn *c, const char **user,
    const char **password)
{
	*user = c->login_user;
	*password = c->login_password;
	return c->login_user != NULL;
}

void
conn_login_done(struct conn *c)
{
	if (c->login_password != NULL) {
		explicit_bzero(c->login_password, strlen(c->login_password));
		free(c->login_password);
	}
	free(c->login_user);
	c->login_user = c->login_password = NULL;
}

void
conn_login_keep(struct conn *c, const char *line, size_t n)
{
	conn_keep_line(c, line, n);
}

const char *
conn_login_lines(const struct conn *c, size_t *len)
{
	*len = c->login_len;
	return c->login;
}

/* Wait until fd is ready for events, at most the session's timeout. */
static int
conn_wait(struct conn *c, short events, struct mp_err *e)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, c->timeout_ms);
		if (n > 0)
			return 0;
		if (n == 0) {
			c->broken = true;
			return err_set(e, ERR_TEMP, "server did not answer within "
			    "%d s", (c->timeout_ms + 999) / 1000);
		}
		if (errno != EINTR)
			return err_set(e, ERR_TEMP, "poll: %s", strerror(errno));
	}
}

/* Raw receive of up to n bytes; 0 at end of stream. */
static int
conn_recv(struct conn *c, char *buf, size_t n, size_t *got, struct mp_err *e)
{
	for (;;) {
		if (c->curl != NULL) {
			/* Ask libcurl first: TLS may hold decrypted bytes that
			 * poll() on the socket cannot see. */
			CURLcode rc = cc.easy_recv(c->curl, buf, n, got);
			if (rc == CURLE_OK)
				return 0;
			if (rc != CURLE_AGAIN) {
				c->broken = true;
				return err_set(e, ERR_TEMP, "connection lost: %s",
				    cc.easy_strerror(rc));
			}
		} else if (c->ssl != NULL) {
			size_t got_ssl = 0;
			int r = SSL_read_ex(c->ssl, buf, n, &got_ssl), err;
			if (r == 1) {
				*got = got_ssl;
				return 0;
			}
			err = SSL_get_error(c->ssl, r);
			if (err == SSL_ERROR_ZERO_RETURN) {
				*got = 0;
				return 0;
			}
			if (err == SSL_ERROR_WANT_WRITE) {
				if (conn_wait(c, POLLOUT, e) < 0)
					return -1;
				continue;
			}
			if (err != SSL_ERROR_WANT_READ) {
				char errs[256];
				c->broken = true;
				return err_set(e, ERR_TEMP, "connection lost: %s",
				    conn_ssl_errors(errs, sizeof errs));
			}
		} else {
			ssize_t r = read(c->fd, buf, n);
			if (r >= 0) {
				*got = (size_t)r;
				return 0;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->broken = true;
				return err_set(e, ERR_TEMP, "connection lost: %s",
				    strerror(errno));
			}
		}
		if (conn_wait(c, POLLIN, e) < 0)
			return -1;
	}
}

/* Read more into rbuf, making room (moving or growing up to need). */
static int
conn_fill(struct conn *c, size_t need, struct mp_err *e)
{
	size_t got;

	if (c->eof)
		return err_set(e, ERR_TEMP, "server closed the connection");
	if (c->broken)
		return err_set(e, ERR_TEMP, "the connection failed before");
	if (c->rpos > 0 && (c->rpos == c->rend || c->rcap - c->rend < CONN_RBUF_MIN / 4)) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rend - c->rpos);
		c->rend -= c->rpos;
		c->rpos = 0;
	}
	if (c->rend == c->rcap) {
		size_t ncap = c->rcap * 2;
		char *nb;
		if (ncap < need)
			ncap = need;
		if ((nb = realloc(c->rbuf, ncap)) == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		c->rbuf = nb;
		c->rcap = ncap;
	}
	if (conn_recv(c, c->rbuf + c->rend, c->rcap - c->rend, &got, e) < 0)
		return -1;
	if (got == 0) {
		c->eof = true;
		return err_set(e, ERR_TEMP, "server closed the connection");
	}
	c->rend += got;
	return 0;
}

int
conn_read_line(struct conn *c, const char **line, size_t *n, struct mp_err *e)
{
	size_t scanned = 0;

	for (;;) {
		char *start = c->rbuf + c->rpos;
		size_t avail = c->rend - c->rpos;
		char *nl = memchr(start + scanned, '\n', avail - scanned);
		if (nl != NULL) {
			size_t len = (size_t)(nl - start);
			c->rpos += len + 1;
			if (len > 0 && start[len - 1] == '\r')
				len--;
			if (len > c->line_max)
				break;
			*line = start;
			*n = len;
			trace_server(c->trace, start, len);
			return 0;
		}
		scanned = avail;
		if (avail > c->line_max + 1)
			break;
		if (conn_fill(c, c->line_max + 2, e) < 0) {
			if (avail > 0 && c->eof)
				return err_set(e, ERR_TEMP, "server closed the "
				    "connection in the middle of a line");
			return -1;
		}
	}
	return err_set(e, ERR_PROTOCOL, "server sent a line longer than %zu bytes",
	    c->line_max);
}

int
conn_read_some(struct conn *c, size_t max, const char **buf, size_t *n,
    struct mp_err *e)
{
	size_t avail;

	if (max == 0) {
		*n = 0;
		*buf = c->rbuf + c->rpos;
		return 0;
	}
	if (c->rpos == c->rend && conn_fill(c, 0, e) < 0)
		return -1;
	avail = c->rend - c->rpos;
	*n = avail < max ? avail : max;
	*buf = c->rbuf + c->rpos;
	c->rpos += *n;
	return 0;
}

/* SSL_write without SIGPIPE: OpenSSL writes to the socket with write(2),
 * which raises it when the server has gone; block it for the call and
 * take back one that came. */
static int
conn_ssl_write(struct conn *c, const char *buf, size_t n, size_t *sent)
{
	sigset_t pipe_only, old, pending;
	struct timespec zero = { 0, 0 };
	int r, was_pending;

	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	r = SSL_write_ex(c->ssl, buf, n, sent);
	if (r != 1 && !was_pending) {
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			sigtimedwait(&pipe_only, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int
conn_send_raw(struct conn *c, const char *buf, size_t n, struct mp_err *e)
{
	if (c->broken)
		return err_set(e, ERR_TEMP, "the connection failed before");
	while (n > 0) {
		size_t sent = 0;
		if (c->curl != NULL) {
			CURLcode rc = cc.easy_send(c->curl, buf, n, &sent);
			if (rc == CURLE_AGAIN) {
				if (conn_wait(c, POLLOUT, e) < 0)
					return -1;
				continue;
			}
			if (rc != CURLE_OK) {
				c->broken = true;
				return err_set(e, ERR_TEMP, "connection lost: %s",
				    cc.easy_strerror(rc));
			}
		} else if (c->ssl != NULL) {
			int r, err;
			if ((r = conn_ssl_write(c, buf, n, &sent)) == 1)
				goto advance;
			err = SSL_get_error(c->ssl, r);
			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
				if (conn_wait(c, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
				    e) < 0)
					return -1;
				continue;
			}
			c->broken = true;
			return err_set(e, ERR_TEMP, "connection lost while sending");
		} else {
			ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
			if (r < 0 && errno == ENOTSOCK)
				r = write(c->fd, buf, n);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					if (conn_wait(c, POLLOUT, e) < 0)
						return -1;
					continue;
				}
				c->broken = true;
				return err_set(e, ERR_TEMP, "connection lost: %s",
				    strerror(errno));
			}
			sent = (size_t)r;
		}
advance:
		buf += sent;
		n -= sent;
	}
	return 0;
}

int
conn_flush(struct conn *c, struct mp_err *e)
{
	int r;

	if (c->wlen == 0)
		return 0;
	r = conn_send_raw(c, c->wbuf, c->wlen, e);
	/* Sent: no copy of a login line may stay behind. */
	explicit_bzero(c->wbuf, c->wlen);
	c->wlen = 0;
	return r;
}

int
conn_write(struct conn *c, const void *buf, size_t n, struct mp_err *e)
{
	if (c->wlen + n > c->wcap) {
		if (conn_flush(c, e) < 0)
			return -1;
		/* Large blocks go straight out rather than through the queue. */
		if (n >= c->wcap)
			return conn_send_raw(c, buf, n, e);
	}
	memcpy(c->wbuf + c->wlen, buf, n);
	c->wlen += n;
	return 0;
}

int
conn_send_line(struct conn *c, const char *line, size_t n, struct mp_err *e)
{
	if (c->broken)
		return err_set(e, ERR_TEMP, "the connection failed before");
	if (conn_check_arg("command", line, n, e) < 0)
		return -1;
	trace_client(c->trace, line, n);
	if (conn_write(c, line, n, e) < 0)
		return -1;
	return conn_write(c, "\r\n", 2, e);
}

int
conn_sendf(struct conn *c, struct mp_err *e, const char *fmt, ...)
{
	char buf[CONN_CMD_MAX];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) {
		explicit_bzero(buf, sizeof buf);
		return err_set(e, ERR_USAGE, "command longer than %d bytes",
		    CONN_CMD_MAX - 1);
	}
	r = conn_send_line(c, buf, (size_t)n, e);
	explicit_bzero(buf, (size_t)n);
	return r;
}
