/* mime: RFC 2047 encoded-words in header values, decoded to UTF-8 for
 * display. Pure: no I/O; charsets are converted with iconv(3). */
#ifndef MAILPIPE_MIME_H
#define MAILPIPE_MIME_H

#include <stddef.h>

#include "err.h"

#define MIME_HEADER_MAX (1024 * 1024) /* octets of input accepted */
#define MIME_CHARSET_MAX 64	/* octets in a charset name, language excluded */
/* The most octets mime_decode_header can produce from n input octets
 * (its NUL not counted): a decoded run that would be longer is kept
 * as it was written. */
#define MIME_DECODE_MAX(n) (3 * (size_t)(n))

/* Decode the header value in[0..n) (unfolded or still folded) to UTF-8 in
 * *out (allocated, NUL-terminated, *outlen octets before the NUL; caller
 * frees). A line end (CRLF or LF) followed by a blank is removed
 * (unfolding); other octets outside encoded-words, 8-bit ones included,
 * are copied as they are (the caller escapes what it prints). Encoded-words
 * =?charset?B?text?= and =?charset?Q?text?= (B and Q in either case,
 * charset maybe with an RFC 2231 "*lang" suffix) are decoded wherever they
 * occur: also next to other text and inside quoted strings, which RFC 2047
 * forbids but many mailers emit. Blanks between two decoded words are
 * dropped, blanks next to other text kept; adjacent words in the same
 * charset are joined before conversion, so a character may be split
 * between them. A word stays as written (never an error) when it is
 * malformed (bad base64 or =XX, blanks or octets outside printable ASCII
 * inside it, a charset name with characters other than letters, digits
 * and !#$%&'+-^_`{}~.: or longer than MIME_CHARSET_MAX), when iconv does
 * not know its charset, when its octets are not valid in that charset,
 * when it decodes to a NUL, or when it would decode to more than three
 * times its own length. So *outlen <= MIME_DECODE_MAX(n). ERR_DATA for
 * more than MIME_HEADER_MAX octets, ERR_INTERNAL when out of memory. */
int mime_decode_header(const char *in, size_t n, char **out, size_t *outlen,
	struct mp_err *e);

#endif
