/* tool: diagnostics and exits for cmd/. */
#include "tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <time.h>

#include "imap.h"

static const char *tool_name = "mailpipe";
static struct imap *tool_session;

void
tool_init(const char *name)
{
	tool_name = name;
#ifndef __SANITIZE_ADDRESS__
	/* No core dump, and no other process of the user's reading this
	 * one's memory: it holds a password for a while (libcurl's copy
	 * cannot be wiped). LeakSanitizer needs to trace the process. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

void
tool_die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void
tool_fail(const struct mp_err *e)
{
	tool_die(err_sysexit(e), "%s", e->text[0] ? e->text : "failed");
}

void
tool_popt_fail(poptContext pc, int rc)
{
	tool_die(EX_USAGE, "%s: %s (see --help)", poptBadOption(pc, 0),
	    poptStrerror(rc));
}

poptContext
tool_options(int argc, const char **argv, const struct poptOption *options,
    const char *usage)
{
	static poptContext pc;	/* static: reachable when a tool exits early */
	int rc;

	pc = poptGetContext(tool_name, argc, argv, options, 0);
	poptSetOtherOptionHelp(pc, usage);
	while ((rc = poptGetNextOpt(pc)) > 0)
		;
	if (rc < -1)
		tool_popt_fail(pc, rc);
	return pc;
}

uint64_t
tool_number(const char *s, const char *opt, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v == 0 ||
	    v > max)
		tool_die(EX_USAGE, "%s takes a number from 1 to %llu", opt,
		    (unsigned long long)max);
	return v;
}

void
tool_imap_session(struct imap *im)
{
	tool_session = im;
}

void
tool_imap_die(int code, const char *fmt, ...)
{
	char msg[1024];
	struct mp_err ignored;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (tool_session != NULL)
		imap_close(tool_session, &ignored);
	tool_die(code, "%s", msg);
}

void
tool_imap_fail(const struct mp_err *e)
{
	if (e->kind == ERR_TEMP || e->kind == ERR_PROTOCOL)
		tool_session = NULL;	/* no LOGOUT on a lost session */
	tool_imap_die(err_sysexit(e), "%s", e->text[0] ? e->text : "failed");
}

void
tool_read_uids(poptContext pc, struct uidlist *l, const char *mailbox,
    uint32_t *uidvalidity)
{
	struct mp_err e;

	if (poptPeekArg(pc) != NULL) {
		if (uidlist_read_args(l, poptGetArgs(pc), &e) < 0)
			tool_fail(&e);
	} else if (uidlist_read_file(l, stdin, &e) < 0) {
		if (e.kind == ERR_IO)
			tool_die(EX_IOERR, "reading standard input failed");
		tool_die(err_sysexit(&e), "standard input: %s", e.text);
	}
	if (l->uidvalidity != 0 && *uidvalidity != 0 && l->uidvalidity != *uidvalidity)
		tool_die(EX_USAGE, "--uidvalidity %u but the input says %u",
		    *uidvalidity, l->uidvalidity);
	if (l->uidvalidity != 0)
		*uidvalidity = l->uidvalidity;
	if (l->mailbox != NULL && strcmp(l->mailbox, mailbox) != 0)
		tool_die(EX_USAGE, "the UIDs read are of mailbox '%s', not '%s'",
		    l->mailbox, mailbox);
}

void
tool_print_pieces(const struct seqset *set, const char *verb, const char *rest)
{
	char buf[1001];
	size_t pos = 0;

	while (seqset_format(set, &pos, buf, sizeof buf) > 0)
		printf("%s %s%s%s\n", verb, buf, rest ? " " : "", rest ? rest : "");
}

void *
tool_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		tool_die(EX_SOFTWARE, "out of memory");
	return p;
}

void *
tool_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		tool_die(EX_SOFTWARE, "out of memory");
	return q;
}

static struct timespec tool_progress_last;
static bool tool_progress_shown;

void
tool_progress(void *arg, uint64_t done, uint64_t total, uint64_t octets)
{
	struct timespec now;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done != total && (now.tv_sec - tool_progress_last.tv_sec) * 1000 +
	    (now.tv_nsec - tool_progress_last.tv_nsec) / 1000000 < 100)
		return;
	tool_progress_last = now;
	tool_progress_shown = true;
	if (total > 0)
		fprintf(stderr, "\r%s: %llu/%llu messages, %.1f MB", tool_name,
		    (unsigned long long)done, (unsigned long long)total, octets / 1e6);
	else
		fprintf(stderr, "\r%s: %llu message%s, %.1f MB", tool_name,
		    (unsigned long long)done, done == 1 ? "" : "s", octets / 1e6);
	fflush(stderr);
}

void
tool_progress_end(void)
{
	if (tool_progress_shown)
		fputs("\r\033[K", stderr);
	tool_progress_shown = false;
}
