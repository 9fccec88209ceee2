/* MODULES: account err utf8 */
#include <stdlib.h>

#include "account.h"
#include "t.h"

static const char conf[] =
    "# mailpipe accounts\n"
    "default = work\n"
    "\n"
    "[account home]\n"
    "url = pop3s://me@pop.example.org\n"
    "password_cmd = pass show mail/home\n"
    "\n"
    "[account work]\n"
    "  imap = imaps://alice@imap.example.org  \n"
    "smtp = smtps://alice@smtp.example.org:465\n"
    "user=alice\n"
    "netrc = yes\n"
    "insecure = no\n"
    "timeout = 30\n"
    "from = alice@example.org\n"
    "cacert = /etc/ssl/work-ca.pem\n"
    "auth = PLAIN\n"
    "helo = laptop.example.org\n";

static int
parse(const char *text, const char *name, struct account *a, bool *found,
    struct mp_err *e)
{
	return account_parse(text, strlen(text), "cfg", name, a, found, e);
}

int
main(void)
{
	static const struct {
		const char *text, *error;
	} bad[] = {
		{ "url = x\n", "cfg:1: 'url' outside an [account NAME] section" },
		{ "[account a]\nurl\n", "cfg:2: expected KEY = VALUE" },
		{ "[acount a]\n", "cfg:1: expected [account NAME]" },
		{ "[account]\n", "cfg:1: expected [account NAME]" },
		{ "[account a b]\n", "cfg:1: bad account name" },
		{ "[account a]\ncolour = blue\n", "cfg:2: unknown key 'colour'" },
		{ "[account a]\ntimeout = soon\n", "cfg:2: bad value for 'timeout'" },
		{ "[account a]\ntimeout = 0\n", "cfg:2: bad value for 'timeout'" },
		{ "[account a]\nnetrc = maybe\n", "cfg:2: bad value for 'netrc'" },
		{ "[account a]\npassword = hunter2\n",
		  "cfg:2: passwords do not belong in the config file; use "
		  "password_cmd or netrc" },
		{ "default = x\n[account a]\n", "cfg: default account 'x' is not defined" },
		{ "[account zzz]\n[account b]\ncolour = x\n", "cfg:3: unknown key 'colour'" },
	};
	struct account a;
	struct mp_err e;
	bool found;
	size_t i;

	t_inteq(parse(conf, NULL, &a, &found, &e), 0, "parse the default");
	t_ok(found, "default account found");
	t_streq(a.name, "work", "default = work is used");
	t_streq(a.imap, "imaps://alice@imap.example.org", "values are trimmed");
	t_streq(a.smtp, "smtps://alice@smtp.example.org:465", "smtp url");
	t_streq(a.user, "alice", "key=value without blanks");
	t_inteq(a.netrc, 1, "netrc yes");
	t_inteq(a.insecure, 0, "insecure no");
	t_inteq(a.timeout, 30, "timeout");
	t_streq(a.from, "alice@example.org", "from");
	t_streq(a.auth, "PLAIN", "auth");
	t_streq(a.helo, "laptop.example.org", "helo");
	t_ok(a.url == NULL && a.password_cmd == NULL, "nothing leaks from other sections");
	account_free(&a);

	t_inteq(parse(conf, "home", &a, &found, &e), 0, "parse by name");
	t_streq(a.url, "pop3s://me@pop.example.org", "named account's url");
	t_streq(a.password_cmd, "pass show mail/home", "password_cmd");
	t_inteq(a.netrc, -1, "unset stays unset");
	account_free(&a);

	t_inteq(parse(conf, "nosuch", &a, &found, &e), 0, "missing account is no error");
	t_ok(!found, "but it is not found");
	account_free(&a);

	t_inteq(parse("[account default]\nurl = imaps://x\n", NULL, &a, &found, &e), 0,
	    "an account called default");
	t_ok(found && strcmp(a.url, "imaps://x") == 0, "is the default");
	account_free(&a);

	t_inteq(parse("[account a]\nurl = x\n[account a]\nurl = y\n", "a", &a, &found, &e),
	    -1, "an account defined twice");
	t_streq(e.text, "cfg:3: account 'a' defined twice", "names the line");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		t_inteq(parse(bad[i].text, "a", &a, &found, &e), -1, bad[i].text);
		t_inteq(e.kind, ERR_CONFIG, "config error");
		t_streq(e.text, bad[i].error, "message");
	}
	t_inteq(account_parse("[account a]\0x", 13, "cfg", "a", &a, &found, &e), -1,
	    "NUL byte");

	{
		char *pw = NULL;
		t_inteq(account_password_cmd("printf 'pw one\\nsecond line\\n'", &pw, &e),
		    0, "password command");
		t_streq(pw, "pw one", "first line only");
		account_password_free(pw);
		t_inteq(account_password_cmd("printf 'crlf\\r\\n'", &pw, &e), 0, "CRLF");
		t_streq(pw, "crlf", "CR removed");
		account_password_free(pw);
		t_inteq(account_password_cmd("exit 3", &pw, &e), -1, "failing command");
		t_streq(e.text, "password command failed (exit 3)", "its status");
		t_inteq(account_password_cmd("true", &pw, &e), -1, "no output");
		t_inteq(e.kind, ERR_CONFIG, "is a config error");
		t_inteq(account_password_cmd("cat", &pw, &e), -1,
		    "the command does not read the tool's stdin");
	}
	return t_done();
}
