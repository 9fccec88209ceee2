/* conn: one session with a mail server. libcurl opens it (DNS, TCP, TLS,
 * STARTTLS, greeting, capabilities, login); from then on the protocol
 * modules speak over the buffered reads and writes here. This is the only
 * module that knows libcurl. */
#ifndef MAILPIPE_CONN_H
#define MAILPIPE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "trace.h"

enum conn_proto { CONN_SMTP, CONN_POP3, CONN_IMAP };

/* A server URL taken apart. Strings are allocated; conn_url_free. */
struct conn_url {
	enum conn_proto proto;
	bool implicit_tls;	/* smtps, pop3s, imaps */
	char scheme[8];
	char *host;		/* as in the URL: IPv6 keeps its brackets */
	unsigned port;		/* the scheme's default when not given */
	char *user;		/* decoded, NULL when the URL has none */
	char *path;		/* decoded, without the leading '/', or NULL */
};

/* Parse s into u. Refuses a password inside the URL (it would show in ps
 * and shell history) and control characters. ERR_USAGE on error. */
int conn_url_parse(const char *s, struct conn_url *u, struct mp_err *e);
void conn_url_free(struct conn_url *u);

/* What conn_open needs. Strings are borrowed for the call only. */
struct conn_params {
	const struct conn_url *url; /* the server; its user and path are ignored */
	const char *ehlo;	/* SMTP: the name libcurl's EHLO gives, or NULL */
	const char *addr;	/* numeric address to connect to instead of
				 * looking up url->host (still the name the
				 * certificate must match), or NULL */
	const char *user;	/* NULL: no login (unless netrc names one) */
	const char *password;	/* NULL: netrc or none */
	const char *netrc_file;	/* netrc to use, or NULL */
	bool netrc;		/* look the password up in netrc */
	const char *cacert;	/* CA bundle file, or NULL for the system's */
	const char *pin;	/* "sha256//..." public key pin, or NULL */
	const char *login_options; /* e.g. "AUTH=PLAIN", "AUTH=+APOP", or NULL */
	bool insecure;		/* permit a session without TLS */
	int timeout_ms;		/* per I/O wait; also bounds connect + login */
	size_t line_max;	/* longest server line accepted; 0: 1 MiB */
	struct trace *trace;	/* NULL: no transcript */
};

struct conn;

/* Open and log in. On success *cp is the session; on failure -1 and e
 * says why (ERR_NOHOST, ERR_TEMP for refused/timeouts and DNS trouble,
 * ERR_AUTH, ERR_TLS_VERIFY, ERR_UNAVAILABLE when STARTTLS is missing,
 * ERR_INTERNAL when libcurl cannot be loaded). A session with TLS or a
 * login is opened by libcurl, which reads the greeting and capabilities
 * and logs in; one without login (plain, or SMTP over TLS) is our own
 * socket with OpenSSL, the greeting and STARTTLS left to the protocol
 * module (conn_greeting_pending, conn_starttls_needed). */
int conn_open(struct conn **cp, const struct conn_params *p, struct mp_err *e);

/* Whether the server's greeting is still unread: true for a session
 * opened without libcurl (plain, no login), whose protocol module then
 * reads the greeting and introduces itself (EHLO). */
bool conn_greeting_pending(const struct conn *c);

/* Whether the session must start TLS with the protocol's STARTTLS before
 * anything else (our own socket to a plain port, TLS not waived). */
bool conn_starttls_needed(const struct conn *c);

/* After the server's positive reply to STARTTLS: the TLS handshake, with
 * the certificate checks of conn_open. Data the server sent before the
 * handshake is refused (ERR_PROTOCOL). ERR_TLS_VERIFY, ERR_UNAVAILABLE. */
int conn_starttls(struct conn *c, struct mp_err *e);

/* What TLS a session uses and whom it talks to (for smtpverify). */
struct conn_tls_info {
	char version[32];	/* "TLSv1.3" */
	char cipher[96];
	char subject[256];	/* the peer certificate's, one line */
	char issuer[256];
	char not_before[64];	/* as OpenSSL prints them */
	char not_after[64];
	char sha256[100];	/* the certificate's fingerprint, XX:XX:... */
};

/* Fill info for a TLS session: 0, or -1 when the session has no TLS (or
 * libcurl's TLS is not OpenSSL's). */
int conn_tls_info(struct conn *c, struct conn_tls_info *info);

/* A session over an already connected descriptor, without TLS or login:
 * for tests and fuzzing of the protocol readers. Takes ownership of fd. */
struct conn *conn_open_fd(int fd, enum conn_proto proto, int timeout_ms,
	size_t line_max, struct trace *trace);

/* Drop the connection at once, saying nothing more: abandons a message
 * in the middle of DATA (the server discards it). Later I/O fails. */
void conn_abort(struct conn *c);

/* Close the socket and free everything (does not send QUIT/LOGOUT:
 * the protocol modules do that first). NULL is fine. */
void conn_close(struct conn *c);

enum conn_proto conn_proto(const struct conn *c);
bool conn_tls(const struct conn *c);
struct trace *conn_trace(const struct conn *c);

/* Whether the protocol module is to log in itself (an IMAP or POP3
 * session with a password over our own socket; see conn_open), with what. */
bool conn_login_pending(const struct conn *c, const char **user,
	const char **password);

/* The mechanism asked for a pending login: true for PLAIN (--auth
 * PLAIN), *apop for APOP (POP3); neither means the protocol's default. */
bool conn_login_mech(const struct conn *c, bool *apop);

/* The login is over: wipe and free the credentials. */
void conn_login_done(struct conn *c);

/* Keep a server line of the login phase (for conn_login_lines). */
void conn_login_keep(struct conn *c, const char *line, size_t n);

/* The server lines read while opening the session (greeting,
 * capabilities, login replies), each ending in '\n', CR removed. */
const char *conn_login_lines(const struct conn *c, size_t *len);

/* Refuse CR, LF and NUL in s[0..n): what goes on the wire as one
 * argument must not start another command. ERR_DATA naming what. */
int conn_check_arg(const char *what, const char *s, size_t n, struct mp_err *e);

/* Queue one command line (CRLF added) after checking it has no CR, LF or
 * NUL; traced. Sent on conn_flush or when the buffer fills. */
int conn_send_line(struct conn *c, const char *line, size_t n, struct mp_err *e);

/* As conn_send_line with a printf format. Lines over 8 KiB: ERR_USAGE. */
int conn_sendf(struct conn *c, struct mp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Queue raw bytes (message bodies, literals); not traced. */
int conn_write(struct conn *c, const void *buf, size_t n, struct mp_err *e);

/* Send everything queued. ERR_TEMP when the connection fails. */
int conn_flush(struct conn *c, struct mp_err *e);

/* Read one line; *line points into the session's buffer (valid until the
 * next read), *n excludes the CR LF. The line is traced. A line longer
 * than line_max: ERR_PROTOCOL; end of stream: ERR_TEMP. */
int conn_read_line(struct conn *c, const char **line, size_t *n, struct mp_err *e);

/* Read between 1 and max bytes (for literals and bodies); *buf points
 * into the session's buffer. End of stream: ERR_TEMP. */
int conn_read_some(struct conn *c, size_t max, const char **buf, size_t *n,
	struct mp_err *e);

#endif
