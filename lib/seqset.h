/* seqset: IMAP sequence sets of UIDs (RFC 3501 section 9 "sequence-set"):
 * read from users, sorted and merged into ascending ranges, and written
 * out in pieces that keep a command line short. Pure. */
#ifndef MAILPIPE_SEQSET_H
#define MAILPIPE_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SEQSET_MAX 10000000	/* ranges held at most */

struct seqset_range {
	uint32_t lo, hi;	/* lo <= hi, both >= 1 */
};

struct seqset {
	struct seqset_range *r;	/* allocated; seqset_free */
	size_t n, cap;
};

/* Add the range lo..hi. ERR_USAGE for 0 or lo > hi (a descending range:
 * this module never writes one), ERR_INTERNAL when out of memory. */
int seqset_add(struct seqset *s, uint32_t lo, uint32_t hi, struct mp_err *e);

/* Add what text[0..n) names: numbers and ranges "N:M", separated by
 * commas or blanks ("17 20:25", "1,3:5"). ERR_USAGE naming the offending
 * part for "0", "*", descending ranges, numbers over 4294967295 and
 * anything that is not a number. */
int seqset_parse(struct seqset *s, const char *text, size_t n, struct mp_err *e);

/* Sort and merge overlapping and adjacent ranges, ascending. */
void seqset_normalize(struct seqset *s);

/* Write ranges from index *pos on as "1:5,7,9:12" into buf (NUL
 * terminated), as many as fit in cap - 1 octets, advancing *pos; returns
 * the length (0 when *pos is at the end). cap must hold at least 22
 * octets, the longest range. Use after seqset_normalize. */
size_t seqset_format(const struct seqset *s, size_t *pos, char *buf, size_t cap);

/* The number of UIDs in s (after seqset_normalize). */
uint64_t seqset_count(const struct seqset *s);

/* Whether uid is in s (normalized; NULL holds nothing). */
bool seqset_contains(const struct seqset *s, uint32_t uid);

/* Add the UIDs of a that are not in b (both normalized) to out, then
 * normalize out. ERR_INTERNAL when out of memory, ERR_USAGE over
 * SEQSET_MAX ranges. */
int seqset_subtract(const struct seqset *a, const struct seqset *b,
	struct seqset *out, struct mp_err *e);

void seqset_free(struct seqset *s);

#endif
