/* MODULES: err utf8 */
#include <sysexits.h>

#include "err.h"
#include "t.h"

int
main(void)
{
	static const struct {
		enum err_kind kind;
		int code;
		int want;
	} cases[] = {
		{ ERR_NONE, 0, 0 },
		{ ERR_USAGE, 0, EX_USAGE },
		{ ERR_DATA, 0, EX_DATAERR },
		{ ERR_NOINPUT, 0, EX_NOINPUT },
		{ ERR_NOUSER, 0, EX_NOUSER },
		{ ERR_NOHOST, 0, EX_NOHOST },
		{ ERR_UNAVAILABLE, 0, EX_UNAVAILABLE },
		{ ERR_TLS_VERIFY, 0, EX_UNAVAILABLE },
		{ ERR_INTERNAL, 0, EX_SOFTWARE },
		{ ERR_CANTCREATE, 0, EX_CANTCREAT },
		{ ERR_IO, 0, EX_IOERR },
		{ ERR_TEMP, 0, EX_TEMPFAIL },
		{ ERR_PROTOCOL, 0, EX_PROTOCOL },
		{ ERR_AUTH, 0, EX_NOPERM },
		{ ERR_CONFIG, 0, EX_CONFIG },
		{ ERR_REPLY, 421, EX_TEMPFAIL },
		{ ERR_REPLY, 451, EX_TEMPFAIL },
		{ ERR_REPLY, 550, EX_UNAVAILABLE },
		{ ERR_REPLY, 554, EX_UNAVAILABLE },
		{ ERR_REPLY, 250, EX_PROTOCOL },
	};
	struct mp_err e;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err_clear(&e);
		e.kind = cases[i].kind;
		e.code = cases[i].code;
		t_inteq(err_sysexit(&e), cases[i].want, "sysexit mapping");
	}

	t_inteq(err_set(&e, ERR_TEMP, "a %s\r\nb", "x"), -1, "err_set returns -1");
	t_streq(e.text, "a x??b", "control characters are replaced");
	err_reply(&e, 550, "5.1.1", "no such user");
	t_inteq(e.code, 550, "reply code kept");
	t_streq(e.enhanced, "5.1.1", "enhanced code kept");
	t_inteq(err_sysexit(&e), EX_UNAVAILABLE, "5xx reply maps to 69");
	{
		char big[2000];
		memset(big, 'y', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		err_set(&e, ERR_DATA, "%s", big);
		t_inteq((long long)strlen(e.text), (long long)sizeof e.text - 1,
		    "long text is cut to the buffer");
	}
	{
		char out[16];
		err_set(&e, ERR_PROTOCOL, "K\xc3\xb6ln \xff\xc3(\xed\xa0\x80)");
		t_streq(e.text, "K\xc3\xb6ln \\xff\\xc3(\\xed\\xa0\\x80)",
		    "UTF-8 kept, other octets as \\xNN");
		err_sanitize(out, 15, "abcdefghijklm\xc3\xb6", 15);
		t_streq(out, "abcdefghijklm", "a character that does not fit is left out");
		err_sanitize(out, 6, "ab\xff" "c", 4);
		t_streq(out, "ab", "and so is an \\xNN that does not fit");
	}
	return t_done();
}
