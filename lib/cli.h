/* cli: the connection options every tool shares (one popt table) and
 * turning them, the config file and a URL into a session. */
#ifndef MAILPIPE_CLI_H
#define MAILPIPE_CLI_H

#include <popt.h>
#include <stdbool.h>

#include "account.h"
#include "conn.h"
#include "err.h"
#include "imap.h"
#include "smtp.h"
#include "trace.h"

/* Include in a tool's table with POPT_ARG_INCLUDE_TABLE. It defines
 * --url, -a/--account, --config, --user, --password-cmd, --netrc,
 * --netrc-file, --cacert, --pin, --auth, --insecure, --timeout and
 * -v/--verbose. */
extern struct poptOption cli_conn_options[];

/* A session ready to open: everything resolved, secrets held here. */
struct cli_session {
	struct conn_url url;
	struct account account;	/* the config account used (may be empty) */
	char *password;		/* from a password command; wiped on free */
	struct trace trace;
	struct conn_params params;
	char login_options[64];	/* "AUTH=..." for params */
	struct smtp_caps smtp_caps; /* what an SMTP server offered */
};

/* Resolve the options parsed into cli_conn_options, the positional URL
 * (NULL if none) and the config file into s, for a tool that speaks
 * `proto` (-1: any). Runs the password command. ERR_USAGE or ERR_CONFIG
 * on conflicts; ERR_CONFIG when a user is named but no password source
 * is. */
int cli_session_prepare(struct cli_session *s, int proto, const char *url_arg,
	struct mp_err *e);

/* Open the prepared session (see conn_open) and begin the protocol
 * (smtp_start, pop3_start, imap_start): greeted, logged in when asked,
 * SMTP capabilities in s->smtp_caps. */
int cli_session_open(struct cli_session *s, struct conn **c, struct mp_err *e);

/* For the IMAP tools: prepare s (cli_session_prepare, url_arg as there),
 * open and log in, wipe the password, and wrap the session with
 * imap_open. s must outlive the session (its trace is the session's).
 * Nothing stays open on error. */
int cli_imap_open(struct cli_session *s, const char *url_arg, struct conn **c,
	struct imap **im, struct mp_err *e);

/* End what cli_imap_open began: LOGOUT (quietly), then free both. */
void cli_imap_close(struct conn *c, struct imap *im);

/* Free s and wipe the password. */
void cli_session_free(struct cli_session *s);

/* Whether a server was named with --url or -a. */
bool cli_server_named(void);

/* Whether -v was given. */
bool cli_verbose(void);

/* Wipe and free the password once the session no longer needs it (no
 * other login to come). */
void cli_session_forget_password(struct cli_session *s);

/* A fetching tool's state directory for the session's account: override
 * when given, else $XDG_STATE_HOME/mailpipe/TOOL/USER@HOST:PORT (or
 * ~/.local/state/...), the account part lower-cased with '/' and control
 * characters made '_'. Allocated; NULL with ERR_CONFIG (no HOME),
 * ERR_USAGE (too long) or ERR_INTERNAL. */
char *cli_state_dir(const char *tool, const char *override,
	const struct cli_session *s, struct mp_err *e);

#endif
