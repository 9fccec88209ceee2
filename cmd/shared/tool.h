/* tool: what every command shares that lib/ must not do: print
 * diagnostics, exit, and die on allocation failure. */
#ifndef MAILPIPE_TOOL_H
#define MAILPIPE_TOOL_H

#include <popt.h>
#include <stddef.h>

#include "err.h"

/* Remember the tool's name for messages ("mailtalk: ..."). */
void tool_init(const char *name);

/* "tool: message" on stderr, then exit(code). */
void tool_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* "tool: e->text" on stderr, then exit with e's sysexits code. */
void tool_fail(const struct mp_err *e) __attribute__((noreturn));

/* Print a popt error for rc (< -1) and exit 64. */
void tool_popt_fail(poptContext pc, int rc) __attribute__((noreturn));

void *tool_xmalloc(size_t n);
void *tool_xrealloc(void *p, size_t n);

#endif
