/* imap_data: what parsed IMAP responses say (RFC 3501 section 7):
 * LIST/LSUB entries, STATUS counts, SEARCH and ESEARCH results, FETCH
 * items, dates and ENVELOPE addresses. Pure. */
#ifndef MAILPIPE_IMAP_DATA_H
#define MAILPIPE_IMAP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "imap_parse.h"
#include "seqset.h"

/* "* LIST (attrs) "/" name" or LSUB. Pointers into the response. */
struct imap_data_list {
	const struct imap_value *attrs;	/* a LIST of atoms */
	char delim;			/* '\0' for NIL (flat) */
	const char *name;		/* not NUL-terminated: wire form */
	size_t name_len;
};

/* ERR_PROTOCOL when r is not a well-formed LIST or LSUB response. */
int imap_data_list(const struct imap_response *r, struct imap_data_list *l,
	struct mp_err *e);

enum imap_data_status_item {
	IMAP_STATUS_MESSAGES, IMAP_STATUS_RECENT, IMAP_STATUS_UNSEEN,
	IMAP_STATUS_UIDNEXT, IMAP_STATUS_UIDVALIDITY, IMAP_STATUS_SIZE,
	IMAP_STATUS_N
};

struct imap_data_status {
	const char *name;		/* wire form, not NUL-terminated */
	size_t name_len;
	uint64_t v[IMAP_STATUS_N];
	bool have[IMAP_STATUS_N];
};

/* The STATUS item names, in enum order ("MESSAGES", ...). */
extern const char *const imap_data_status_names[IMAP_STATUS_N];

/* "* STATUS name (MESSAGES 231 UIDNEXT 44292)". Unknown items are
 * skipped. ERR_PROTOCOL when malformed. */
int imap_data_status(const struct imap_response *r, struct imap_data_status *s,
	struct mp_err *e);

/* Add the UIDs of "* SEARCH 2 84 882" or "* ESEARCH (TAG "x") UID ALL
 * 1:3,5" (other ESEARCH results ignored) to set. ERR_PROTOCOL when
 * malformed. */
int imap_data_search(const struct imap_response *r, struct seqset *set,
	struct mp_err *e);

/* "[COPYUID uidvalidity source-set destination-set]" (RFC 4315 section
 * 3), in a tagged OK to COPY or, with MOVE (RFC 6851 section 4.3), in an
 * untagged OK. Pointers into the response. */
struct imap_data_copyuid {
	uint32_t uidvalidity;		/* of the destination mailbox */
	const char *src, *dst;		/* the UID sets as sent */
	size_t src_len, dst_len;
	uint64_t count;			/* UIDs in each set */
};

/* ERR_PROTOCOL when r's response code is not a well-formed COPYUID:
 * not three arguments, UIDVALIDITY 0 or over 2^32-1, a set with 0, "*"
 * or anything but numbers and ranges, sets of different sizes. */
int imap_data_copyuid(const struct imap_response *r, struct imap_data_copyuid *c,
	struct mp_err *e);

/* Called with a source UID and the UID its copy got; non-zero stops. */
typedef int imap_data_pair_fn(void *arg, uint32_t src, uint32_t dst,
	struct mp_err *e);

/* Pair the two sets of c as RFC 4315 does: walked side by side in the
 * order sent (a range "n:m" from the lower number to the higher), the
 * k-th source UID was copied to the k-th destination UID. fn sees each
 * pair; its non-zero return is returned. */
int imap_data_copyuid_pairs(const struct imap_data_copyuid *c,
	imap_data_pair_fn *fn, void *arg, struct mp_err *e);

/* A FETCH response's items (RFC 3501 7.4.2). */
struct imap_data_fetch {
	uint64_t seq;			/* the message sequence number */
	uint32_t uid;			/* 0 when absent */
	const struct imap_value *flags;	/* LIST, or NULL */
	uint64_t size;
	bool has_size;
	const struct imap_value *internaldate; /* STRING, or NULL */
	const struct imap_value *envelope; /* LIST of 10, or NULL */
	const struct imap_value *body;	/* BODY[]: STRING or NIL, or NULL */
	uint64_t modseq;
	bool has_modseq;
};

/* ERR_PROTOCOL when r is not a well-formed FETCH response (a UID over
 * 2^32-1, an ENVELOPE that is not a list of 10, ...). */
int imap_data_fetch(const struct imap_response *r, struct imap_data_fetch *f,
	struct mp_err *e);

/* The ENVELOPE fields, in the order of RFC 3501. */
enum imap_data_env {
	IMAP_ENV_DATE, IMAP_ENV_SUBJECT, IMAP_ENV_FROM, IMAP_ENV_SENDER,
	IMAP_ENV_REPLY_TO, IMAP_ENV_TO, IMAP_ENV_CC, IMAP_ENV_BCC,
	IMAP_ENV_IN_REPLY_TO, IMAP_ENV_MESSAGE_ID
};

/* INTERNALDATE "17-Jul-1996 02:44:25 -0700" as ISO 8601
 * "1996-07-17T02:44:25-07:00" in out (at least 26 octets). -1 when
 * malformed. */
int imap_data_date(const char *s, size_t n, char *out, size_t cap);

/* The same INTERNALDATE as a time (a leap second taken as :59). -1 when
 * malformed. */
int imap_data_time(const char *s, size_t n, time_t *t);

/* A growable text buffer for formatted fields. */
struct imap_data_buf {
	char *p;
	size_t len, cap;
};

/* Append an ENVELOPE address list (from, to, ...) to b as
 * "Name <user@host>, user@host, group: a@b;" with display names decoded
 * from RFC 2047 when decode is set. NIL appends nothing. -1 with
 * ERR_PROTOCOL for a malformed address, ERR_INTERNAL out of memory. */
int imap_data_addresses(const struct imap_value *v, bool decode,
	struct imap_data_buf *b, struct mp_err *e);

/* Append s[0..n) to b, decoded from RFC 2047 when decode is set. */
int imap_data_text(const char *s, size_t n, bool decode,
	struct imap_data_buf *b, struct mp_err *e);

void imap_data_buf_free(struct imap_data_buf *b);

#endif
