/* account: where a tool finds its server and credentials. The config file
 * (~/.config/mailpipe/config, see mailpipe.conf(5)) holds [account NAME]
 * sections; the command line overrides them (see cli). Passwords come
 * only from a password command or netrc, never from the file or argv. */
#ifndef MAILPIPE_ACCOUNT_H
#define MAILPIPE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct account {
	char *name;
	char *url;		/* any protocol */
	char *smtp, *pop3, *imap; /* per-protocol URLs, preferred over url */
	char *user;
	char *password_cmd;
	char *netrc_file;
	int netrc;		/* -1 unset, 0 no, 1 yes */
	char *cacert;
	char *pin;
	int insecure;		/* -1 unset, 0 no, 1 yes */
	int timeout;		/* seconds, 0 unset */
	char *from;		/* envelope sender for mailsend */
	char *auth;		/* SASL mechanism, e.g. PLAIN */
	char *helo;		/* name to greet SMTP servers with */
};

/* Find account `name` (NULL: the default one, named by a top-level
 * `default = NAME` or called "default") in the config text of `len` bytes
 * read from `file` (for messages). *found tells whether it was there;
 * a syntax error anywhere in the text is ERR_CONFIG naming file:line.
 * Strings in a are allocated: account_free. */
int account_parse(const char *text, size_t len, const char *file,
	const char *name, struct account *a, bool *found, struct mp_err *e);

/* The config file path: $MAILPIPE_CONFIG, else
 * $XDG_CONFIG_HOME/mailpipe/config, else ~/.config/mailpipe/config.
 * Allocated; NULL when there is no home. */
char *account_default_path(void);

/* Read `path` (NULL: the default path) and find account `name` as
 * account_parse does. A missing file is not an error unless `name` was
 * asked for (*found false then). ERR_CONFIG on unreadable or bad files. */
int account_load(const char *path, const char *name, struct account *a,
	bool *found, struct mp_err *e);

/* Run `cmd` with /bin/sh and take the first line of its output as the
 * password (allocated; wipe and free with account_password_free).
 * ERR_CONFIG when it fails or prints nothing. */
int account_password_cmd(const char *cmd, char **password, struct mp_err *e);

/* Wipe and free a password. NULL is fine. */
void account_password_free(char *password);

void account_free(struct account *a);

#endif
