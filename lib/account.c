/* account: config file parsing and password commands. */
#include "account.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ACCOUNT_FILE_MAX	(1024 * 1024)	/* a config file is small */
#define ACCOUNT_PASSWORD_MAX	4096

void
account_free(struct account *a)
{
	free(a->name);
	free(a->url);
	free(a->smtp);
	free(a->pop3);
	free(a->imap);
	free(a->user);
	free(a->password_cmd);
	free(a->netrc_file);
	free(a->cacert);
	free(a->pin);
	free(a->from);
	free(a->auth);
	free(a->helo);
	memset(a, 0, sizeof *a);
	a->netrc = a->insecure = -1;
}

static int
account_bool(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 ||
	    strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* Store value v for key k into a; -1 for an unknown key, -2 bad value. */
static int
account_set(struct account *a, const char *k, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{ "url", offsetof(struct account, url) },
		{ "smtp", offsetof(struct account, smtp) },
		{ "pop3", offsetof(struct account, pop3) },
		{ "imap", offsetof(struct account, imap) },
		{ "user", offsetof(struct account, user) },
		{ "password_cmd", offsetof(struct account, password_cmd) },
		{ "netrc_file", offsetof(struct account, netrc_file) },
		{ "cacert", offsetof(struct account, cacert) },
		{ "pin", offsetof(struct account, pin) },
		{ "from", offsetof(struct account, from) },
		{ "auth", offsetof(struct account, auth) },
		{ "helo", offsetof(struct account, helo) },
	};
	size_t i;

	for (i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (strcmp(k, strs[i].key) == 0) {
			char **slot = (char **)(void *)((char *)a + strs[i].off);
			free(*slot);
			if ((*slot = strdup(v)) == NULL)
				return -3;
			return 0;
		}
	}
	if (strcmp(k, "netrc") == 0)
		return account_bool(v, &a->netrc) < 0 ? -2 : 0;
	if (strcmp(k, "insecure") == 0)
		return account_bool(v, &a->insecure) < 0 ? -2 : 0;
	if (strcmp(k, "timeout") == 0) {
		char *end;
		long t;
		errno = 0;
		t = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v || t <= 0 || t > 86400)
			return -2;
		a->timeout = (int)t;
		return 0;
	}
	if (strcmp(k, "password") == 0)
		return -4;
	return -1;
}

static char *
account_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int
account_parse(const char *text, size_t len, const char *file, const char *name,
    struct account *a, bool *found, struct mp_err *e)
{
	char *copy, *line, *next, *deflt = NULL;
	char *section = NULL;	/* the [account NAME] we are in, or NULL */
	bool in_wanted = false, deflt_seen = false;
	unsigned lineno = 0;
	int ret = -1;

	memset(a, 0, sizeof *a);
	a->netrc = a->insecure = -1;
	*found = false;
	if (memchr(text, '\0', len) != NULL)
		return err_set(e, ERR_CONFIG, "%s: contains a NUL byte", file);
	if ((copy = malloc(len + 1)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';

	/* Two passes are not needed: the default's name may come only before
	 * the first section, so it is known when sections are read. */
	for (line = copy; line != NULL; line = next) {
		char *eq, *k, *v;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		line = account_trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			char *close = strchr(line, ']'), *nm;
			if (close == NULL || close[1] != '\0' ||
			    strncmp(line, "[account", 8) != 0 ||
			    (line[8] != ' ' && line[8] != '\t')) {
				err_set(e, ERR_CONFIG, "%s:%u: expected [account NAME]",
				    file, lineno);
				goto out;
			}
			*close = '\0';
			nm = account_trim(line + 8);
			if (*nm == '\0' || strpbrk(nm, " \t[]") != NULL) {
				err_set(e, ERR_CONFIG, "%s:%u: bad account name", file,
				    lineno);
				goto out;
			}
			if (*found && strcmp(a->name, nm) == 0) {
				err_set(e, ERR_CONFIG, "%s:%u: account '%s' defined "
				    "twice", file, lineno, nm);
				goto out;
			}
			in_wanted = false;
			section = nm;
			if (deflt != NULL && strcmp(nm, deflt) == 0)
				deflt_seen = true;
			if (name != NULL ? strcmp(nm, name) == 0 :
			    deflt != NULL ? strcmp(nm, deflt) == 0 :
			    strcmp(nm, "default") == 0) {
				in_wanted = true;
				*found = true;
				free(a->name);
				if ((a->name = strdup(nm)) == NULL) {
					err_set(e, ERR_INTERNAL, "out of memory");
					goto out;
				}
			}
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			err_set(e, ERR_CONFIG, "%s:%u: expected KEY = VALUE", file, lineno);
			goto out;
		}
		*eq = '\0';
		k = account_trim(line);
		v = account_trim(eq + 1);
		if (section == NULL) {
			if (strcmp(k, "default") != 0) {
				err_set(e, ERR_CONFIG, "%s:%u: '%s' outside an "
				    "[account NAME] section", file, lineno, k);
				goto out;
			}
			deflt = v;
			continue;
		}
		{
			/* Every section is checked, not only the wanted one, so
			 * that a typo is found the first time the file is used. */
			struct account scratch = { .netrc = -1, .insecure = -1 };
			struct account *dst = in_wanted ? a : &scratch;
			int r = account_set(dst, k, v);
			if (!in_wanted)
				account_free(&scratch);
			if (r == -1) {
				err_set(e, ERR_CONFIG, "%s:%u: unknown key '%s'",
				    file, lineno, k);
				goto out;
			}
			if (r == -2) {
				err_set(e, ERR_CONFIG, "%s:%u: bad value for '%s'",
				    file, lineno, k);
				goto out;
			}
			if (r == -3) {
				err_set(e, ERR_INTERNAL, "out of memory");
				goto out;
			}
			if (r == -4) {
				err_set(e, ERR_CONFIG, "%s:%u: passwords do not "
				    "belong in the config file; use password_cmd "
				    "or netrc", file, lineno);
				goto out;
			}
		}
	}
	if (deflt != NULL && !deflt_seen) {
		err_set(e, ERR_CONFIG, "%s: default account '%s' is not defined",
		    file, deflt);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		account_free(a);
		*found = false;
	}
	free(copy);
	return ret;
}

char *
account_default_path(void)
{
	const char *env = getenv("MAILPIPE_CONFIG"), *base;
	char buf[PATH_MAX];
	int n;

	if (env != NULL && *env != '\0')
		return strdup(env);
	if ((base = getenv("XDG_CONFIG_HOME")) != NULL && *base != '\0')
		n = snprintf(buf, sizeof buf, "%s/mailpipe/config", base);
	else if ((base = getenv("HOME")) != NULL && *base != '\0')
		n = snprintf(buf, sizeof buf, "%s/.config/mailpipe/config", base);
	else
		return NULL;
	if (n < 0 || (size_t)n >= sizeof buf)
		return NULL;
	return strdup(buf);
}

int
account_load(const char *path, const char *name, struct account *a, bool *found,
    struct mp_err *e)
{
	char *dflt = NULL, *text = NULL;
	const char *file = path;
	size_t len = 0;
	ssize_t r;
	int fd, ret = -1;

	memset(a, 0, sizeof *a);
	a->netrc = a->insecure = -1;
	*found = false;
	if (file == NULL) {
		if ((dflt = account_default_path()) == NULL)
			return 0;
		file = dflt;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		/* Only a file asked for by name must exist. */
		if (errno == ENOENT && path == NULL) {
			ret = 0;
			goto out;
		}
		err_set(e, ERR_CONFIG, "%s: %s", file, strerror(errno));
		goto out;
	}
	if ((text = malloc(ACCOUNT_FILE_MAX)) == NULL) {
		close(fd);
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	while ((r = read(fd, text + len, ACCOUNT_FILE_MAX - len)) > 0) {
		len += (size_t)r;
		if (len == ACCOUNT_FILE_MAX)
			break;
	}
	close(fd);
	if (r < 0) {
		err_set(e, ERR_CONFIG, "%s: %s", file, strerror(errno));
		goto out;
	}
	if (len == ACCOUNT_FILE_MAX) {
		err_set(e, ERR_CONFIG, "%s: larger than %d bytes", file,
		    ACCOUNT_FILE_MAX);
		goto out;
	}
	ret = account_parse(text, len, file, name, a, found, e);
out:
	free(text);
	free(dflt);
	return ret;
}

void
account_password_free(char *password)
{
	if (password == NULL)
		return;
	explicit_bzero(password, strlen(password));
	free(password);
}

int
account_password_cmd(const char *cmd, char **password, struct mp_err *e)
{
	char buf[ACCOUNT_PASSWORD_MAX];
	size_t len = 0;
	int pfd[2], status;
	pid_t pid;
	ssize_t r;
	char *nl;

	*password = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_set(e, ERR_INTERNAL, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(e, ERR_INTERNAL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* The tool's own stdin (a message to send) is not the
		 * password command's to read. */
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		r = read(pfd[0], buf + len, sizeof buf - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof buf - 1)
			break;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explicit_bzero(buf, sizeof buf);
		if (WIFEXITED(status))
			return err_set(e, ERR_CONFIG, "password command failed "
			    "(exit %d)", WEXITSTATUS(status));
		return err_set(e, ERR_CONFIG, "password command killed by signal %d",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0) {
		explicit_bzero(buf, sizeof buf);
		return err_set(e, ERR_CONFIG, "password command printed no password");
	}
	*password = strdup(buf);
	explicit_bzero(buf, sizeof buf);
	if (*password == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	return 0;
}
