/* tool: diagnostics and exits for cmd/. */
#include "tool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

static const char *tool_name = "mailpipe";

void
tool_init(const char *name)
{
	tool_name = name;
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
