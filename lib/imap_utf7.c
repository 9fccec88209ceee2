/* imap_utf7: modified UTF-7 both ways. */
#include "imap_utf7.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char imap_utf7_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
imap_utf7_b64val(unsigned char ch)
{
	const char *p = ch ? strchr(imap_utf7_b64, ch) : NULL;

	return p ? (int)(p - imap_utf7_b64) : -1;
}

/* The code point of the UTF-8 sequence at s (at most n octets) and its
 * length in *len; -1 when invalid. */
static long
imap_utf7_utf8(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t cp;

	*len = utf8_decode(s, n, &cp);
	return *len == 0 ? -1 : (long)cp;
}

int
imap_utf7_encode(const char *name, size_t n, char **out, struct mp_err *e)
{
	/* Worst case: every 1-octet char costs "&AAA-" ... bounded by 5x. */
	char *o = malloc(n * 5 + 3);
	size_t i = 0, k = 0;

	*out = NULL;
	if (o == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	while (i < n) {
		unsigned char ch = (unsigned char)name[i];
		uint32_t bits = 0;
		int nbits = 0;

		if (ch == '\0') {
			free(o);
			return err_set(e, ERR_DATA, "mailbox name contains a NUL");
		}
		if (ch >= 0x20 && ch <= 0x7e) {
			o[k++] = (char)ch;
			if (ch == '&')
				o[k++] = '-';
			i++;
			continue;
		}
		/* A run of other characters, as UTF-16 in modified base64. */
		o[k++] = '&';
		while (i < n && !((unsigned char)name[i] >= 0x20 &&
		    (unsigned char)name[i] <= 0x7e)) {
			size_t len;
			long cp = imap_utf7_utf8((const unsigned char *)name + i, n - i, &len);
			uint32_t units[2];
			int nu = 1, u;
			if (cp < 0 || cp == 0) {
				free(o);
				return err_set(e, ERR_DATA, "mailbox name is not valid "
				    "UTF-8 (octet %zu)", i + 1);
			}
			if (cp >= 0x10000) {
				cp -= 0x10000;
				units[0] = 0xd800 | (uint32_t)(cp >> 10);
				units[1] = 0xdc00 | (uint32_t)(cp & 0x3ff);
				nu = 2;
			} else {
				units[0] = (uint32_t)cp;
			}
			for (u = 0; u < nu; u++) {
				bits = bits << 16 | units[u];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					o[k++] = imap_utf7_b64[(bits >> nbits) & 0x3f];
				}
			}
			i += len;
		}
		if (nbits > 0)
			o[k++] = imap_utf7_b64[(bits << (6 - nbits)) & 0x3f];
		o[k++] = '-';
	}
	o[k] = '\0';
	*out = o;
	return 0;
}

static int
imap_utf7_bad(char *o, struct mp_err *e, const char *why, size_t at)
{
	free(o);
	return err_set(e, ERR_PROTOCOL, "bad modified UTF-7 mailbox name: %s "
	    "(octet %zu)", why, at + 1);
}

int
imap_utf7_decode(const char *name, size_t n, char **out, struct mp_err *e)
{
	/* Each base64 char yields at most 6 bits -> UTF-8 grows at most 4/2.66 */
	char *o = malloc(n * 2 + 1);
	size_t i = 0, k = 0;
	bool after_shift = false;

	*out = NULL;
	if (o == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	while (i < n) {
		unsigned char ch = (unsigned char)name[i];
		uint32_t bits = 0, hi = 0;
		int nbits = 0;
		size_t start;

		if (ch < 0x20 || ch > 0x7e)
			return imap_utf7_bad(o, e, "octet outside printable ASCII", i);
		if (ch != '&') {
			o[k++] = (char)ch;
			i++;
			after_shift = false;
			continue;
		}
		if (i + 1 < n && name[i + 1] == '-') {
			o[k++] = '&';
			i += 2;
			after_shift = false;
			continue;
		}
		if (after_shift)
			return imap_utf7_bad(o, e, "two shifts back to back", i);
		start = ++i;
		while (i < n && name[i] != '-') {
			int v = imap_utf7_b64val((unsigned char)name[i]);
			if (v < 0)
				return imap_utf7_bad(o, e, "not in the base64 alphabet", i);
			bits = bits << 6 | (uint32_t)v;
			nbits += 6;
			if (nbits >= 16) {
				uint32_t u;
				nbits -= 16;
				u = (bits >> nbits) & 0xffff;
				if (u >= 0xd800 && u <= 0xdbff) {
					if (hi != 0)
						return imap_utf7_bad(o, e, "lone surrogate", i);
					hi = u;
					i++;
					continue;
				}
				if (u >= 0xdc00 && u <= 0xdfff) {
					if (hi == 0)
						return imap_utf7_bad(o, e, "lone surrogate", i);
					u = 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00);
					hi = 0;
				} else if (hi != 0) {
					return imap_utf7_bad(o, e, "lone surrogate", i);
				}
				if (u >= 0x20 && u <= 0x7e)
					return imap_utf7_bad(o, e, "printable ASCII encoded", i);
				if (u == 0)
					return imap_utf7_bad(o, e, "NUL encoded", i);
				/* To UTF-8. */
				if (u < 0x80) {
					o[k++] = (char)u;
				} else if (u < 0x800) {
					o[k++] = (char)(0xc0 | u >> 6);
					o[k++] = (char)(0x80 | (u & 0x3f));
				} else if (u < 0x10000) {
					o[k++] = (char)(0xe0 | u >> 12);
					o[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
					o[k++] = (char)(0x80 | (u & 0x3f));
				} else {
					o[k++] = (char)(0xf0 | u >> 18);
					o[k++] = (char)(0x80 | ((u >> 12) & 0x3f));
					o[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
					o[k++] = (char)(0x80 | (u & 0x3f));
				}
			}
			i++;
		}
		if (i >= n)
			return imap_utf7_bad(o, e, "shift without its '-'", start - 1);
		if (i == start)
			return imap_utf7_bad(o, e, "empty shift", start - 1);
		if (hi != 0)
			return imap_utf7_bad(o, e, "lone surrogate", i);
		if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0)
			return imap_utf7_bad(o, e, "bad padding", i);
		i++;		/* the '-' */
		after_shift = true;
	}
	o[k] = '\0';
	*out = o;
	return 0;
}
