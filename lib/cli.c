/* cli: shared connection options and session resolution. */
#include "cli.h"
#include "imap.h"
#include "pop3.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLI_TIMEOUT_DEFAULT 60

/* popt needs fixed storage; it is private to this file. */
static struct {
	char *url;
	char *account;
	char *config;
	char *user;
	char *password_cmd;
	int netrc;
	char *netrc_file;
	char *cacert;
	char *pin;
	char *auth;
	int insecure;
	int timeout;
	int verbose;
} cli_opts;

struct poptOption cli_conn_options[] = {
	{ "url", '\0', POPT_ARG_STRING, &cli_opts.url, 0,
	  "server URL (smtp[s]://, pop3[s]://, imap[s]://user@host[:port])", "URL" },
	{ "account", 'a', POPT_ARG_STRING, &cli_opts.account, 0,
	  "use account NAME from the config file", "NAME" },
	{ "config", '\0', POPT_ARG_STRING, &cli_opts.config, 0,
	  "config file (default ~/.config/mailpipe/config)", "FILE" },
	{ "user", '\0', POPT_ARG_STRING, &cli_opts.user, 0,
	  "log in as USER", "USER" },
	{ "password-cmd", '\0', POPT_ARG_STRING, &cli_opts.password_cmd, 0,
	  "run CMD; the first line it prints is the password", "CMD" },
	{ "netrc", '\0', POPT_ARG_NONE, &cli_opts.netrc, 0,
	  "take the password from ~/.netrc", NULL },
	{ "netrc-file", '\0', POPT_ARG_STRING, &cli_opts.netrc_file, 0,
	  "take the password from this netrc file", "FILE" },
	{ "cacert", '\0', POPT_ARG_STRING, &cli_opts.cacert, 0,
	  "trust the CA certificates in FILE", "FILE" },
	{ "pin", '\0', POPT_ARG_STRING, &cli_opts.pin, 0,
	  "require the server's public key to match", "sha256//BASE64" },
	{ "auth", '\0', POPT_ARG_STRING, &cli_opts.auth, 0,
	  "SASL mechanism (PLAIN, LOGIN, CRAM-MD5, ...; APOP for POP3)", "MECH" },
	{ "insecure", '\0', POPT_ARG_NONE, &cli_opts.insecure, 0,
	  "allow a session without TLS (and a password in cleartext)", NULL },
	{ "timeout", '\0', POPT_ARG_INT, &cli_opts.timeout, 0,
	  "give up on a silent server after S seconds (default 60)", "S" },
	{ "verbose", 'v', POPT_ARG_NONE, &cli_opts.verbose, 0,
	  "print the protocol transcript on stderr (passwords redacted)", NULL },
	POPT_TABLEEND
};

bool
cli_server_named(void)
{
	return cli_opts.url != NULL || cli_opts.account != NULL;
}

bool
cli_verbose(void)
{
	return cli_opts.verbose != 0;
}

static const char *
cli_proto_name(int proto)
{
	return proto == CONN_SMTP ? "SMTP" : proto == CONN_POP3 ? "POP3" : "IMAP";
}

static int
cli_check_opt(const char *what, const char *v, struct mp_err *e)
{
	if (v != NULL && conn_check_arg(what, v, strlen(v), e) < 0) {
		e->kind = ERR_USAGE;
		return -1;
	}
	return 0;
}

int
cli_session_prepare(struct cli_session *s, int proto, const char *url_arg,
    struct mp_err *e)
{
	struct account *a = &s->account;
	const char *url, *user, *pwcmd, *auth;
	bool found = false;

	memset(s, 0, sizeof *s);
	a->netrc = a->insecure = -1;
	if (cli_check_opt("--user", cli_opts.user, e) < 0 ||
	    cli_check_opt("--auth", cli_opts.auth, e) < 0)
		return -1;
	if (url_arg != NULL && cli_opts.url != NULL)
		return err_set(e, ERR_USAGE, "give the URL once: as an argument "
		    "or with --url");
	url = url_arg != NULL ? url_arg : cli_opts.url;
	if (cli_opts.timeout < 0 || cli_opts.timeout > 86400)
		return err_set(e, ERR_USAGE, "--timeout takes 1 to 86400 seconds");

	/* The config file is read when an account is named, or when there is
	 * no URL and a default account may supply one. */
	if (cli_opts.account != NULL || url == NULL) {
		if (account_load(cli_opts.config, cli_opts.account, a, &found, e) < 0)
			return -1;
		if (cli_opts.account != NULL && !found)
			return err_set(e, ERR_CONFIG, "no account '%s' in %s",
			    cli_opts.account, cli_opts.config ? cli_opts.config :
			    "the config file");
		if (url == NULL) {
			const char *pu = proto == CONN_SMTP ? a->smtp :
			    proto == CONN_POP3 ? a->pop3 : proto == CONN_IMAP ? a->imap : NULL;
			/* A tool of any protocol (mailtalk) takes url, else
			 * the first of imap, pop3, smtp. */
			url = pu != NULL ? pu : a->url != NULL ? a->url :
			    proto >= 0 ? NULL : a->imap != NULL ? a->imap :
			    a->pop3 != NULL ? a->pop3 : a->smtp;
		}
		if (url == NULL)
			return err_set(e, found ? ERR_CONFIG : ERR_USAGE,
			    found ? "account '%s' has no URL%s%s" :
			    "no server given: name a URL or an account (-a NAME)%s%s",
			    found ? a->name : "", proto >= 0 ? " for " : "",
			    proto >= 0 ? cli_proto_name(proto) : "");
	}
	if (conn_url_parse(url, &s->url, e) < 0)
		return -1;
	if (proto >= 0 && (int)s->url.proto != proto)
		return err_set(e, ERR_USAGE, "'%s' is not an %s URL", url,
		    cli_proto_name(proto));

	user = cli_opts.user != NULL ? cli_opts.user :
	    s->url.user != NULL ? s->url.user : a->user;
	pwcmd = cli_opts.password_cmd != NULL ? cli_opts.password_cmd : a->password_cmd;
	auth = cli_opts.auth != NULL ? cli_opts.auth : a->auth;

	s->params.url = &s->url;
	s->params.user = user;
	s->params.netrc = cli_opts.netrc || a->netrc == 1;
	s->params.netrc_file = cli_opts.netrc_file != NULL ? cli_opts.netrc_file :
	    a->netrc_file;
	s->params.cacert = cli_opts.cacert != NULL ? cli_opts.cacert : a->cacert;
	s->params.pin = cli_opts.pin != NULL ? cli_opts.pin : a->pin;
	s->params.insecure = cli_opts.insecure || a->insecure == 1;
	s->params.timeout_ms = 1000 * (cli_opts.timeout > 0 ? cli_opts.timeout :
	    a->timeout > 0 ? a->timeout : CLI_TIMEOUT_DEFAULT);
	s->params.ehlo = a->helo;
	if (auth != NULL) {
		char *opt = s->login_options;
		/* APOP is POP3's own command; everything else is SASL. */
		int n = snprintf(opt, sizeof s->login_options, "AUTH=%s%s",
		    strcasecmp(auth, "APOP") == 0 ? "+" : "", auth);
		if (n < 0 || (size_t)n >= sizeof s->login_options)
			return err_set(e, ERR_USAGE, "--auth: mechanism name too long");
		s->params.login_options = opt;
	}
	trace_init(&s->trace, cli_opts.verbose ? stderr : NULL);
	s->params.trace = &s->trace;

	if (pwcmd != NULL) {
		if (user == NULL)
			return err_set(e, ERR_CONFIG, "a password command but no "
			    "user: give --user or user@ in the URL");
		if (account_password_cmd(pwcmd, &s->password, e) < 0)
			return -1;
		s->params.password = s->password;
	} else if (user != NULL && !s->params.netrc && s->params.netrc_file == NULL) {
		return err_set(e, ERR_CONFIG, "no password for '%s': give "
		    "--password-cmd CMD, --netrc, or password_cmd in the config "
		    "file", user);
	}
	return 0;
}

int
cli_session_open(struct cli_session *s, struct conn **c, struct mp_err *e)
{
	int r;

	if (conn_open(c, &s->params, e) < 0)
		return -1;
	switch (conn_proto(*c)) {
	case CONN_SMTP:
		r = smtp_start(*c, s->params.ehlo, &s->smtp_caps, e);
		break;
	case CONN_POP3:
		r = pop3_start(*c, e);
		break;
	default:
		r = imap_start(*c, e);
		break;
	}
	if (r < 0) {
		conn_close(*c);
		*c = NULL;
	}
	return r;
}

int
cli_imap_open(struct cli_session *s, const char *url_arg, struct conn **c,
    struct imap **im, struct mp_err *e)
{
	int r;

	*c = NULL;
	*im = NULL;
	r = cli_session_prepare(s, CONN_IMAP, url_arg, e);
	if (r == 0)
		r = cli_session_open(s, c, e);
	/* The password has done its work either way. */
	cli_session_free(s);
	if (r == 0 && imap_open(im, *c, e) < 0) {
		imap_free(*im);
		conn_close(*c);
		*im = NULL;
		*c = NULL;
		r = -1;
	}
	return r;
}

void
cli_imap_close(struct conn *c, struct imap *im)
{
	struct mp_err ignored;

	if (im != NULL)
		imap_close(im, &ignored);
	imap_free(im);
	conn_close(c);
}

void
cli_session_forget_password(struct cli_session *s)
{
	account_password_free(s->password);
	s->password = NULL;
	s->params.password = NULL;
}

void
cli_session_free(struct cli_session *s)
{
	account_password_free(s->password);
	s->password = NULL;
	conn_url_free(&s->url);
	account_free(&s->account);
}

char *
cli_state_dir(const char *tool, const char *override, const struct cli_session *s,
    struct mp_err *e)
{
	const char *base = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char id[600], path[4096], *dup;
	size_t i;
	int k;

	if (override != NULL)
		k = snprintf(path, sizeof path, "%s", override);
	else {
		k = snprintf(id, sizeof id, "%s@%s:%u", s->params.user ?
		    s->params.user : "", s->url.host, s->url.port);
		if (k < 0 || (size_t)k >= sizeof id) {
			err_set(e, ERR_USAGE, "user or host name too long for a state "
			    "directory");
			return NULL;
		}
		/* One path component, no surprises. */
		for (i = 0; id[i] != '\0'; i++) {
			unsigned char ch = (unsigned char)id[i];
			if (ch == '/' || ch < 0x20 || ch == 0x7f)
				id[i] = '_';
			else
				id[i] = (char)tolower(ch);
		}
		if (base != NULL && base[0] == '/')
			k = snprintf(path, sizeof path, "%s/mailpipe/%s/%s", base, tool, id);
		else if (home != NULL && home[0] == '/')
			k = snprintf(path, sizeof path, "%s/.local/state/mailpipe/%s/%s",
			    home, tool, id);
		else {
			err_set(e, ERR_CONFIG, "no HOME: give --state-dir");
			return NULL;
		}
	}
	if (k < 0 || (size_t)k >= sizeof path) {
		err_set(e, ERR_USAGE, "state directory path too long");
		return NULL;
	}
	if ((dup = strdup(path)) == NULL)
		err_set(e, ERR_INTERNAL, "out of memory");
	return dup;
}
