/* sasl: SASL PLAIN. */
#include "sasl.h"

#include <openssl/evp.h>
#include <string.h>

int
sasl_plain(const char *user, const char *password, char *out, size_t cap,
    struct mp_err *e)
{
	char clear[1024];
	size_t un = strlen(user), pn = strlen(password);

	/* Base64 grows 3 octets to 4, plus the NUL. */
	if (un + pn + 2 > sizeof clear || cap < SASL_PLAIN_MAX)
		return err_set(e, ERR_USAGE, "user name or password too long");
	/* RFC 4616: authzid (empty) NUL authcid NUL password. */
	clear[0] = '\0';
	memcpy(clear + 1, user, un);
	clear[un + 1] = '\0';
	memcpy(clear + un + 2, password, pn);
	EVP_EncodeBlock((unsigned char *)out, (unsigned char *)clear,
	    (int)(un + pn + 2));
	explicit_bzero(clear, sizeof clear);
	return 0;
}
