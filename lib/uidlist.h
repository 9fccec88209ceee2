/* uidlist: the UIDs a user pipes into a tool, one line at a time: UID
 * sets as typed ("17", "20:25", "1,3:5"), TSV rows and JSON Lines objects
 * as imapls(1) prints them (see its manual, "Output"). Pure, but for
 * uidlist_read_file, which reads a stdio stream. */
#ifndef MAILPIPE_UIDLIST_H
#define MAILPIPE_UIDLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "seqset.h"

#define UIDLIST_LINE_MAX (1024 * 1024)	/* octets in a line, at most */
#define UIDLIST_DEPTH_MAX 32		/* JSON nesting, at most */

/* Start from a zeroed struct uidlist (memset or "= { 0 }"). */
struct uidlist {
	struct seqset set;	/* UIDs read (not normalized until uidlist_finish) */
	uint32_t uidvalidity;	/* 0 until a line carries one */
	char *mailbox;		/* allocated, from JSON "mailbox"; NULL if none */
	unsigned long lines;	/* lines read, blank ones too (for messages) */
};

/* Read one line[0..n), without its newline (a trailing CR is dropped):
 * blank, a UID set (seqset_parse), a TSV row whose first field is the
 * UID, or a JSON object with "uid" (or, from imapcopy, "dst_uid") and
 * optionally "uidvalidity" and "mailbox". ERR_USAGE, the text starting "line N", for anything else,
 * a line over UIDLIST_LINE_MAX, or a uidvalidity or mailbox that differs
 * from an earlier line's; ERR_INTERNAL when out of memory. A line that
 * fails changes nothing but the line count. */
int uidlist_line(struct uidlist *l, const char *line, size_t n, struct mp_err *e);

/* Sort and merge the set (seqset_normalize) once every line is read. */
void uidlist_finish(struct uidlist *l);

/* The UIDs of command-line arguments (a NULL-terminated array), each
 * read as a line, then uidlist_finish. ERR_USAGE "UID argument 'ARG':
 * why" for the first bad one. */
int uidlist_read_args(struct uidlist *l, const char *const *args,
	struct mp_err *e);

/* Every line of f read with uidlist_line (a first line that is the
 * header of imapls -H, "uid" then a tab or nothing, is skipped), then
 * uidlist_finish. Errors as uidlist_line ("line N: why"), ERR_IO when
 * reading fails. */
int uidlist_read_file(struct uidlist *l, FILE *f, struct mp_err *e);

/* Free what l holds and zero it. */
void uidlist_free(struct uidlist *l);

#endif
