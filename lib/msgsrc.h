/* msgsrc: the messages imapput uploads, read from one message (a file or
 * standard input), an mbox file (mboxrd or mboxo) or a maildir. Every
 * message is a region of a seekable file (input that cannot seek is
 * first copied to an unlinked temporary file) read through a converter
 * that gives its form on the wire: LF line ends become CRLF (CRLF stays)
 * and, in an mbox, lines matching ^>+From lose one '>'. msgsrc_scan
 * reads a message once to measure that form, check it (a bare CR or a
 * NUL refuses it) and note its Message-ID and Date; msgsrc_read then
 * streams it. Memory stays fixed whatever the sizes. */
#ifndef MAILPIPE_MSGSRC_H
#define MAILPIPE_MSGSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "imap_date.h"

#define MSGSRC_ID_MAX	1000	/* a Message-ID kept, with its NUL */

enum msgsrc_kind { MSGSRC_ONE, MSGSRC_MBOX, MSGSRC_MAILDIR };

struct msgsrc;

/* One message. Filled by msgsrc_next; scan results by msgsrc_scan. */
struct msgsrc_msg {
	struct msgsrc *src;
	unsigned long number;	/* 1, 2, ... in the input's order */
	char *path;		/* maildir: "cur/NAME" under the directory
				 * (allocated), else NULL */
	uint64_t start, end;	/* the region in the file */
	uint64_t offset;	/* mbox: where its "From " line begins */
	char flags[64];		/* maildir: "\Seen \Flagged" from the name's
				 * ":2," info, else "" */
	char from_date[IMAP_DATE_LEN]; /* mbox: the "From " line's date as
				 * an INTERNALDATE, or "" */
	/* msgsrc_scan */
	uint64_t size;		/* octets on the wire */
	char message_id[MSGSRC_ID_MAX];	/* "<x@y>" or "" when none */
	char date[IMAP_DATE_LEN]; /* the Date field as INTERNALDATE, or "" */
	char bad[128];		/* why it cannot be sent ("line 3: bare CR"),
				 * or "" */
	/* reading (private) */
	uint64_t pos;
	unsigned long line;
	bool cr, bol;
	int fd;			/* maildir: open while being read, else -1 */
};

/* Open the input: for MSGSRC_ONE a file or "-" (standard input), for
 * MSGSRC_MBOX an mbox file or "-", for MSGSRC_MAILDIR a maildir (its
 * new/ and cur/ are listed now, files in name order). ERR_NOINPUT when
 * it does not exist, ERR_DATA for an mbox that does not begin with
 * "From " or a directory that is no maildir, ERR_IO otherwise. */
int msgsrc_open(struct msgsrc **sp, enum msgsrc_kind kind, const char *path,
	struct mp_err *e);

/* The next message into m (zeroed first): 1, 0 at the end, -1 with
 * ERR_IO. */
int msgsrc_next(struct msgsrc *s, struct msgsrc_msg *m, struct mp_err *e);

/* Read m once: its size on the wire, why it cannot be sent (m->bad),
 * its Message-ID and Date. -1 with ERR_IO when reading fails. */
int msgsrc_scan(struct msgsrc_msg *m, struct mp_err *e);

/* Start reading m's wire form from its beginning (again). */
void msgsrc_rewind(struct msgsrc_msg *m);

/* Fill buf with up to cap (>= 2) octets of m's wire form; *n is 0 at
 * the end. ERR_IO when reading fails, ERR_DATA when the file changed
 * since msgsrc_scan (a bare CR, a NUL). An imap_literal_fn. */
int msgsrc_read(void *m, char *buf, size_t cap, size_t *n, struct mp_err *e);

/* Free what m holds (not m). */
void msgsrc_msg_free(struct msgsrc_msg *m);

/* Where m is, for messages: "message 3 (octet 1234)", "cur/NAME",
 * "standard input" or the file's name. */
const char *msgsrc_where(const struct msgsrc_msg *m, char *buf, size_t cap);

void msgsrc_close(struct msgsrc *s);

/* The message identifier in a Message-ID field's value v[0..n) (folded
 * or not): the first "<...>" without blanks around it, or the value
 * trimmed when it has none; into out (NUL-terminated). -1 when empty or
 * longer than cap - 1. Pure. */
int msgsrc_message_id(const char *v, size_t n, char *out, size_t cap);

/* The IMAP flags for a maildir file name's info ":2,FRS": D \Draft,
 * F \Flagged, R \Answered, S \Seen, T \Deleted (P and keywords a-z have
 * no IMAP equivalent and are dropped), blank-separated into out. Pure. */
void msgsrc_maildir_flags(const char *name, char *out, size_t cap);

#endif
