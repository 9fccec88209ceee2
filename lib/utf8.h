/* utf8: one UTF-8 decoder for every module that checks text (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF). Pure. */
#ifndef MAILPIPE_UTF8_H
#define MAILPIPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the valid UTF-8 sequence at s, of which n >= 1
 * octets are available, with its code point in *cp; 0 when it is not
 * valid (a stray continuation octet, an overlong form, a surrogate, past
 * U+10FFFF, or cut short by n). An ASCII octet, NUL included, is 1. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Whether s[0..n) is valid UTF-8 throughout. */
bool utf8_valid(const unsigned char *s, size_t n);

#endif
