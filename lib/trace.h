/* trace: the protocol transcript for -v, in the lecture's notation
 * ("C: ..." for the client, "S: ..." for the server), on a stream the
 * caller gives (stderr). Secrets never reach it: passwords in LOGIN, PASS,
 * APOP, AUTH and AUTHENTICATE commands and every client line of a SASL
 * exchange are shown as "[redacted]". */
#ifndef MAILPIPE_TRACE_H
#define MAILPIPE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct trace {
	FILE *out;	/* NULL: tracing is off */
	bool in_sasl;	/* inside an AUTH exchange: client lines are secret */
};

/* Start tracing to out (NULL turns tracing off). */
void trace_init(struct trace *t, FILE *out);

/* Whether anything would be printed. */
bool trace_enabled(const struct trace *t);

/* One client line (no CRLF), redacted as described above. */
void trace_client(struct trace *t, const char *line, size_t len);

/* One server line (no CRLF). Ends a SASL exchange unless it is a
 * continuation ("+ ..." or "334 ..."). */
void trace_server(struct trace *t, const char *line, size_t len);

/* A note that is neither side's line ("-- text"), e.g. a literal's size. */
void trace_note(struct trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The redacted form of one client line into dst (always terminated);
 * returns dst. Exposed for tests. */
char *trace_redact(struct trace *t, const char *line, size_t len,
	char *dst, size_t cap);

#endif
