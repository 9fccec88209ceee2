/* tool: what every command shares that lib/ must not do: print
 * diagnostics, exit, and die on allocation failure. */
#ifndef MAILPIPE_TOOL_H
#define MAILPIPE_TOOL_H

#include <popt.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "seqset.h"
#include "uidlist.h"

struct imap;

/* Remember the tool's name for messages ("mailtalk: ..."). */
void tool_init(const char *name);

/* "tool: message" on stderr, then exit(code). */
void tool_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* "tool: e->text" on stderr, then exit with e's sysexits code. */
void tool_fail(const struct mp_err *e) __attribute__((noreturn));

/* Print a popt error for rc (< -1) and exit 64. */
void tool_popt_fail(poptContext pc, int rc) __attribute__((noreturn));

/* Parse argv by options, whose values land where the table says; usage
 * is what --help shows after the tool's name. A bad option exits 64. The
 * arguments left are the context's (poptGetArg); it stays reachable until
 * exit, and is freed with poptFreeContext. */
poptContext tool_options(int argc, const char **argv,
	const struct poptOption *options, const char *usage);

/* A progress line on stderr, "tool: done/total messages, N MB" (without
 * "/total" when total is 0: not known), rewritten in place at most ten
 * times a second (and at the last message); the caller shows it only
 * when stderr is a terminal. arg is unused (a callback's).
 * tool_progress_end clears it when one was shown. */
void tool_progress(void *arg, uint64_t done, uint64_t total, uint64_t octets);
void tool_progress_end(void);

/* s as a number from 1 to max, else exit 64 naming opt. */
uint64_t tool_number(const char *s, const char *opt, uint64_t max);

/* ---- For the IMAP tools */

/* The session to say LOGOUT on when the tool dies (NULL: none). */
void tool_imap_session(struct imap *im);

/* As tool_die, after LOGOUT on the session (see tool_imap_session). */
void tool_imap_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* As tool_fail, with LOGOUT unless e says the session is lost
 * (ERR_TEMP, ERR_PROTOCOL). */
void tool_imap_fail(const struct mp_err *e) __attribute__((noreturn));

/* The UIDs a tool works on, into l: pc's remaining arguments, else the
 * lines of stdin (uidlist_read_args, uidlist_read_file). *uidvalidity
 * (0: none given) becomes the one the input carries; exit 64 when they
 * differ, or when the input names a mailbox other than mailbox. */
void tool_read_uids(poptContext pc, struct uidlist *l, const char *mailbox,
	uint32_t *uidvalidity);

/* Print "verb piece[ rest]" for each piece of set (normalized), as
 * lib/mailbox would send them, for --dry-run. */
void tool_print_pieces(const struct seqset *set, const char *verb,
	const char *rest);

void *tool_xmalloc(size_t n);
void *tool_xrealloc(void *p, size_t n);

#endif
