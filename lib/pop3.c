/* pop3: status and multi-line replies, commands. */
#include "pop3.h"

#include <openssl/evp.h>

#include <string.h>
#include <strings.h>

int
pop3_parse_status(const char *line, size_t n, enum pop3_status *st)
{
	if (n >= 3 && memcmp(line, "+OK", 3) == 0 && (n == 3 || line[3] == ' ')) {
		*st = POP3_OK;
		return 0;
	}
	if (n >= 4 && memcmp(line, "-ERR", 4) == 0 && (n == 4 || line[4] == ' ')) {
		*st = POP3_ERR;
		return 0;
	}
	if (n >= 1 && line[0] == '+' && (n == 1 || line[1] == ' ')) {
		*st = POP3_CONT;
		return 0;
	}
	return -1;
}

int
pop3_read_status(struct conn *c, enum pop3_status *st, const char **line,
    size_t *n, struct mp_err *e)
{
	char shown[80];

	if (conn_read_line(c, line, n, e) < 0)
		return -1;
	if (pop3_parse_status(*line, *n, st) < 0) {
		err_sanitize(shown, sizeof shown, *line, *n);
		return err_set(e, ERR_PROTOCOL, "unparsable POP3 reply: '%s'", shown);
	}
	return 0;
}

int
pop3_read_multiline(struct conn *c, bool unstuff, pop3_line_fn *fn, void *arg,
    struct mp_err *e)
{
	for (;;) {
		const char *line;
		size_t n;
		int r;

		if (conn_read_line(c, &line, &n, e) < 0)
			return -1;
		if (n == 1 && line[0] == '.')
			return 0;
		if (unstuff && n >= 2 && line[0] == '.' && line[1] == '.') {
			line++;
			n--;
		}
		if (fn != NULL && (r = fn(arg, line, n)) != 0)
			return r;
	}
}

bool
pop3_multiline_command(const char *line, size_t n)
{
	size_t i = 0, vlen;
	bool has_arg;

	while (i < n && line[i] != ' ')
		i++;
	vlen = i;
	while (i < n && line[i] == ' ')
		i++;
	has_arg = i < n;
#define POP3_VERB(w) (vlen == sizeof(w) - 1 && strncasecmp(line, w, vlen) == 0)
	if (POP3_VERB("RETR") || POP3_VERB("TOP") || POP3_VERB("CAPA"))
		return true;
	if (POP3_VERB("LIST") || POP3_VERB("UIDL"))
		return !has_arg;
#undef POP3_VERB
	return false;
}

/* The kind a -ERR implies by its RFC 2449/3206 response code, else dflt. */
static enum err_kind
pop3_err_kind(const char *text, enum err_kind dflt)
{
	static const struct {
		const char *code;
		enum err_kind kind;
	} codes[] = {
		{ "[IN-USE]", ERR_TEMP }, { "[LOGIN-DELAY]", ERR_TEMP },
		{ "[SYS/TEMP]", ERR_TEMP }, { "[SYS/PERM]", ERR_UNAVAILABLE },
		{ "[AUTH]", ERR_AUTH },
	};
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strncasecmp(text + 5, codes[i].code, strlen(codes[i].code)) == 0)
			return codes[i].kind;
	}
	return dflt;
}

/* What the start of a session of our own learns. */
struct pop3_start {
	struct conn *c;
	char text[256];		/* the last status line, sanitized */
	char stamp[256];	/* the greeting's APOP timestamp, or "" */
	bool capa;		/* CAPA answered */
	bool stls, sasl_plain, user;
};

/* Send line, read its status line into st->text. */
static int
pop3_start_cmd(struct pop3_start *st, const char *line, enum pop3_status *s,
    struct mp_err *e)
{
	const char *reply;
	size_t n;

	if (conn_send_line(st->c, line, strlen(line), e) < 0 ||
	    conn_flush(st->c, e) < 0 ||
	    pop3_read_status(st->c, s, &reply, &n, e) < 0)
		return -1;
	err_sanitize(st->text, sizeof st->text, reply, n);
	return 0;
}

static int
pop3_start_capa_line(void *arg, const char *line, size_t n)
{
	struct pop3_start *st = arg;
	size_t w = strcspn(line, " ");

	if (w > n)
		w = n;
	if (w == 4 && strncasecmp(line, "STLS", 4) == 0)
		st->stls = true;
	else if (w == 4 && strncasecmp(line, "USER", 4) == 0)
		st->user = true;
	else if (w == 4 && strncasecmp(line, "SASL", 4) == 0) {
		/* "SASL PLAIN LOGIN ...": look for the word PLAIN. */
		for (size_t i = w; i + 5 <= n; i++) {
			if (strncasecmp(line + i, "PLAIN", 5) == 0 && line[i - 1] == ' ' &&
			    (i + 5 == n || line[i + 5] == ' '))
				st->sasl_plain = true;
		}
	}
	return 0;
}

static int
pop3_start_capa(struct pop3_start *st, struct mp_err *e)
{
	enum pop3_status s;

	st->capa = st->stls = st->sasl_plain = st->user = false;
	if (pop3_start_cmd(st, "CAPA", &s, e) < 0)
		return -1;
	if (s != POP3_OK)
		return 0;	/* an RFC 1939 server: USER and PASS, no STLS */
	st->capa = true;
	return pop3_read_multiline(st->c, true, pop3_start_capa_line, st, e);
}

/* The login: AUTH PLAIN when offered (or asked), APOP when asked, else
 * USER and PASS. */
static int
pop3_start_login(struct pop3_start *st, const char *user, const char *pw,
    struct mp_err *e)
{
	char line[1600], sasl[1024], b64[1400];
	enum pop3_status s = POP3_ERR;
	bool apop, plain = conn_login_mech(st->c, &apop);
	size_t un = strlen(user), pn = strlen(pw);
	int ret = -1;

	if (apop) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0, i;
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		EVP_MD_CTX *ctx;

		if (st->stamp[0] == '\0') {
			ret = err_set(e, ERR_UNAVAILABLE, "--auth APOP: the server's "
			    "greeting has no timestamp, so it does not do APOP");
			goto out;
		}
		/* RFC 1939 7: MD5 of the timestamp and the secret. */
		if ((ctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, st->stamp, strlen(st->stamp)) != 1 ||
		    EVP_DigestUpdate(ctx, pw, pn) != 1 ||
		    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
			EVP_MD_CTX_free(ctx);
			ret = err_set(e, ERR_INTERNAL, "MD5 for APOP failed");
			goto out;
		}
		EVP_MD_CTX_free(ctx);
		for (i = 0; i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		if (snprintf(line, sizeof line, "APOP %s %s", user, hex) >= (int)sizeof line) {
			ret = err_set(e, ERR_USAGE, "user name too long");
			goto out;
		}
		if (pop3_start_cmd(st, line, &s, e) < 0)
			goto out;
	} else if (plain || st->sasl_plain) {
		if (un + pn + 2 > sizeof sasl) {
			ret = err_set(e, ERR_USAGE, "user name or password too long");
			goto out;
		}
		sasl[0] = '\0';
		memcpy(sasl + 1, user, un);
		sasl[un + 1] = '\0';
		memcpy(sasl + un + 2, pw, pn);
		EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)sasl,
		    (int)(un + pn + 2));
		/* RFC 5034: the initial response goes with AUTH. */
		snprintf(line, sizeof line, "AUTH PLAIN %s", b64);
		if (pop3_start_cmd(st, line, &s, e) < 0)
			goto out;
	} else {
		if (snprintf(line, sizeof line, "USER %s", user) >= (int)sizeof line) {
			ret = err_set(e, ERR_USAGE, "user name too long");
			goto out;
		}
		if (pop3_start_cmd(st, line, &s, e) < 0)
			goto out;
		if (s == POP3_OK) {
			if (snprintf(line, sizeof line, "PASS %s", pw) >= (int)sizeof line) {
				ret = err_set(e, ERR_USAGE, "password too long");
				goto out;
			}
			if (pop3_start_cmd(st, line, &s, e) < 0)
				goto out;
		}
	}
	if (s == POP3_OK)
		ret = 0;
	else if (pop3_err_kind(st->text, ERR_AUTH) == ERR_TEMP)
		ret = err_set(e, ERR_TEMP, "login failed for now: %s", st->text);
	else
		ret = err_set(e, ERR_AUTH, "authentication failed for user '%s': %s",
		    user, st->text);
out:
	explicit_bzero(line, sizeof line);
	explicit_bzero(sasl, sizeof sasl);
	explicit_bzero(b64, sizeof b64);
	return ret;
}

int
pop3_start(struct conn *c, struct mp_err *e)
{
	struct pop3_start st = { .c = c };
	enum pop3_status s;
	const char *line, *user, *pw;
	size_t n;
	int ret;

	if (!conn_greeting_pending(c))
		return 0;
	if (pop3_read_status(c, &s, &line, &n, e) < 0)
		return -1;
	err_sanitize(st.text, sizeof st.text, line, n);
	if (s != POP3_OK)
		return err_set(e, pop3_err_kind(st.text, ERR_TEMP) == ERR_UNAVAILABLE ?
		    ERR_UNAVAILABLE : ERR_TEMP, "server refused: %s", st.text);
	{
		/* The APOP timestamp: "<...>" in the greeting. */
		const char *lt = memchr(line, '<', n), *gt;
		gt = lt != NULL ? memchr(lt, '>', n - (size_t)(lt - line)) : NULL;
		if (gt != NULL && (size_t)(gt - lt + 1) < sizeof st.stamp) {
			memcpy(st.stamp, lt, (size_t)(gt - lt + 1));
			st.stamp[gt - lt + 1] = '\0';
		}
	}
	if (conn_starttls_needed(c)) {
		if (pop3_start_capa(&st, e) < 0)
			return -1;
		if (!st.stls)
			return err_set(e, ERR_UNAVAILABLE, "the server does not offer "
			    "STLS: use pop3s:// or --insecure");
		if (pop3_start_cmd(&st, "STLS", &s, e) < 0)
			return -1;
		if (s != POP3_OK)
			return err_set(e, ERR_UNAVAILABLE, "STLS refused: %s", st.text);
		if (conn_starttls(c, e) < 0)
			return -1;
		st.capa = false;	/* may change with TLS */
	}
	if (!conn_login_pending(c, &user, &pw))
		return 0;
	ret = st.capa ? 0 : pop3_start_capa(&st, e);
	if (ret == 0)
		ret = pop3_start_login(&st, user, pw, e);
	conn_login_done(c);
	return ret;
}

int
pop3_quit(struct conn *c, struct mp_err *e)
{
	enum pop3_status st;
	const char *line;
	size_t n;
	char shown[160];

	if (conn_send_line(c, "QUIT", 4, e) < 0 || conn_flush(c, e) < 0)
		return -1;
	if (pop3_read_status(c, &st, &line, &n, e) < 0)
		return -1;
	if (st != POP3_OK) {
		err_sanitize(shown, sizeof shown, line, n);
		return err_reply(e, 400, NULL, "QUIT failed, nothing was deleted: %s",
		    shown);
	}
	return 0;
}
