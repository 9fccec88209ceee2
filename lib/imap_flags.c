/* imap_flags: checking flags before they go to the server. */
#include "imap_flags.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const imap_flags_system[] = {
	"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft",
};

int
imap_flags_check(const char *flag, char *out, size_t cap, struct mp_err *e)
{
	size_t n = strlen(flag), i;
	char shown[64];

	err_sanitize(shown, sizeof shown, flag, n);
	if (n == 0)
		return err_set(e, ERR_USAGE, "empty flag");
	if (flag[0] == '\\') {
		if (strcasecmp(flag, "\\Recent") == 0)
			return err_set(e, ERR_USAGE, "\\Recent cannot be set or "
			    "cleared: only the server sets it");
		for (i = 0; i < sizeof imap_flags_system / sizeof imap_flags_system[0];
		    i++) {
			if (strcasecmp(flag, imap_flags_system[i]) == 0) {
				if (snprintf(out, cap, "%s", imap_flags_system[i]) < 0)
					return err_set(e, ERR_INTERNAL, "flag buffer");
				return 0;
			}
		}
		return err_set(e, ERR_USAGE, "unknown system flag '%s' (\\Seen, "
		    "\\Answered, \\Flagged, \\Deleted and \\Draft exist; keywords "
		    "have no backslash)", shown);
	}
	if (n > IMAP_FLAGS_KEYWORD_MAX)
		return err_set(e, ERR_USAGE, "keyword '%s...' longer than %d octets",
		    shown, IMAP_FLAGS_KEYWORD_MAX);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)flag[i];
		if (ch <= 0x20 || ch >= 0x7f || strchr("(){]%*\"\\", ch) != NULL)
			return err_set(e, ERR_USAGE, "keyword '%s': character %s is "
			    "not allowed in a flag", shown, ch == ' ' ? "space" :
			    ch < 0x20 || ch >= 0x7f ? "outside printable ASCII" :
			    (const char[]){ '\'', (char)ch, '\'', '\0' });
	}
	if (n + 1 > cap)
		return err_set(e, ERR_INTERNAL, "flag buffer");
	memcpy(out, flag, n + 1);
	return 0;
}

bool
imap_flags_permitted(const char *permanentflags, bool has, const char *flag)
{
	const char *p = permanentflags;
	size_t n = strlen(flag);

	if (!has)
		return true;
	while (*p != '\0') {
		size_t w = strcspn(p, " ");
		if ((w == n && strncasecmp(p, flag, n) == 0) ||
		    (w == 2 && strncmp(p, "\\*", 2) == 0 && flag[0] != '\\'))
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

int
imap_flags_next(const char **p, char *out, size_t cap, struct mp_err *e)
{
	char word[IMAP_FLAGS_KEYWORD_MAX + 2];
	const char *s = *p + strspn(*p, " \t");
	size_t w = strcspn(s, " \t");

	*p = s + w;
	if (w == 0)
		return 0;
	if (w >= sizeof word)
		return err_set(e, ERR_USAGE, "flag longer than %d octets",
		    IMAP_FLAGS_KEYWORD_MAX);
	memcpy(word, s, w);
	word[w] = '\0';
	if (imap_flags_check(word, out, cap, e) < 0)
		return -1;
	return 1;
}
