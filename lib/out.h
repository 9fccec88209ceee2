/* out: machine-readable output: JSON Lines values and TSV fields. The
 * formats are an interface; see the tools' manual pages. */
#ifndef MAILPIPE_OUT_H
#define MAILPIPE_OUT_H

#include <stddef.h>
#include <stdio.h>

/* Write s[0..n) as a JSON string with its quotes. Control characters
 * are escaped; an octet that is not valid UTF-8 is written as the text
 * \xNN (JSON "\\xNN"), so nothing is lost and the JSON stays valid. */
void out_json_str(FILE *f, const char *s, size_t n);

/* Write s[0..n) as a TSV field: tab, newline, carriage return and
 * backslash as \t \n \r \\, other control octets and octets that are
 * not valid UTF-8 as \xNN. */
void out_tsv_field(FILE *f, const char *s, size_t n);

#endif
