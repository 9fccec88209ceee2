/* err: error records and the single mapping to sysexits(3). */
#include "err.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

void
err_sanitize(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i = 0, o = 0;

	if (cap == 0)
		return;
	while (i < n && s[i] != '\0' && o + 1 < cap) {
		unsigned char ch = (unsigned char)s[i];
		uint32_t cp;
		size_t k;

		if (ch < 0x80) {
			dst[o++] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch;
			i++;
		} else if ((k = utf8_decode((const unsigned char *)s + i, n - i, &cp)) > 0) {
			if (o + k + 1 > cap)
				break;
			memcpy(dst + o, s + i, k);
			o += k;
			i += k;
		} else {
			/* Not UTF-8: shown as \xNN, as the tools print such octets. */
			if (o + 5 > cap)
				break;
			snprintf(dst + o, 5, "\\x%02x", ch);
			o += 4;
			i++;
		}
	}
	dst[o] = '\0';
}

static void __attribute__((format(printf, 2, 0)))
err_vfill(struct mp_err *e, const char *fmt, va_list ap)
{
	char buf[sizeof e->text];
	int n;

	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		buf[0] = '\0';
	/* A truncated message is still useful: keep what fits. */
	err_sanitize(e->text, sizeof e->text, buf, strlen(buf));
}

int
err_set(struct mp_err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	e->code = 0;
	e->enhanced[0] = '\0';
	va_start(ap, fmt);
	err_vfill(e, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_reply(struct mp_err *e, int code, const char *enhanced, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = ERR_REPLY;
	e->code = code;
	err_sanitize(e->enhanced, sizeof e->enhanced, enhanced ? enhanced : "",
	    enhanced ? strlen(enhanced) : 0);
	va_start(ap, fmt);
	err_vfill(e, fmt, ap);
	va_end(ap);
	return -1;
}

void
err_clear(struct mp_err *e)
{
	memset(e, 0, sizeof *e);
}

int
err_sysexit(const struct mp_err *e)
{
	switch (e->kind) {
	case ERR_NONE:		return EX_OK;
	case ERR_USAGE:		return EX_USAGE;
	case ERR_DATA:		return EX_DATAERR;
	case ERR_NOINPUT:	return EX_NOINPUT;
	case ERR_NOUSER:	return EX_NOUSER;
	case ERR_NOHOST:	return EX_NOHOST;
	case ERR_UNAVAILABLE:	return EX_UNAVAILABLE;
	case ERR_TLS_VERIFY:	return EX_UNAVAILABLE;
	case ERR_INTERNAL:	return EX_SOFTWARE;
	case ERR_CANTCREATE:	return EX_CANTCREAT;
	case ERR_IO:		return EX_IOERR;
	case ERR_TEMP:		return EX_TEMPFAIL;
	case ERR_PROTOCOL:	return EX_PROTOCOL;
	case ERR_AUTH:		return EX_NOPERM;
	case ERR_CONFIG:	return EX_CONFIG;
	case ERR_REPLY:
		/* A 4xx is transient by definition: cron must retry it. */
		if (e->code >= 400 && e->code < 500)
			return EX_TEMPFAIL;
		if (e->code >= 500 && e->code < 600)
			return EX_UNAVAILABLE;
		return EX_PROTOCOL;
	}
	return EX_SOFTWARE;
}
