/* MODULES: dirs msgsrc imap_date err utf8 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msgsrc.h"
#include "t.h"

/* Every message of text as kind, read back in pieces of `piece` octets,
 * joined as "SIZE:WIRE|" (or "BAD:why|") into out. */
static void
messages(const char *text, size_t n, enum msgsrc_kind kind, size_t piece,
    char *out, size_t cap)
{
	char path[] = "/tmp/test_msgsrc.XXXXXX", buf[4096];
	int fd = mkstemp(path);
	struct msgsrc *s;
	struct msgsrc_msg m;
	struct mp_err e;
	size_t len = 0;

	out[0] = '\0';
	if (fd < 0 || write(fd, text, n) != (ssize_t)n)
		return;
	close(fd);
	if (msgsrc_open(&s, kind, path, &e) < 0) {
		snprintf(out, cap, "ERR:%s", e.text + strlen(path));
		msgsrc_close(s);
		unlink(path);
		return;
	}
	while (msgsrc_next(s, &m, &e) > 0) {
		size_t got, total = 0;
		msgsrc_scan(&m, &e);
		if (m.bad[0] != '\0') {
			len += (size_t)snprintf(out + len, cap - len, "BAD:%s|", m.bad);
			continue;
		}
		len += (size_t)snprintf(out + len, cap - len, "%llu:",
		    (unsigned long long)m.size);
		while (msgsrc_read(&m, buf, piece, &got, &e) == 0 && got > 0) {
			for (size_t i = 0; i < got; i++)
				len += (size_t)snprintf(out + len, cap - len, "%s",
				    buf[i] == '\r' ? "\\r" : buf[i] == '\n' ? "\\n" :
				    (char[]){ buf[i], 0 });
			total += got;
		}
		if (total != m.size)
			len += (size_t)snprintf(out + len, cap - len, "!size");
		len += (size_t)snprintf(out + len, cap - len, "|");
		msgsrc_msg_free(&m);
	}
	msgsrc_close(s);
	unlink(path);
}

static void
check_one(void)
{
	char out[4096];
	static const char crlf[] = "A: b\nC: d\r\n\nx\ny";

	for (size_t piece = 2; piece <= 64; piece *= 2) {
		messages(crlf, sizeof crlf - 1, MSGSRC_ONE, piece, out, sizeof out);
		t_streq(out, "18:A: b\\r\\nC: d\\r\\n\\r\\nx\\r\\ny|", "one: LF to CRLF, "
		    "CRLF kept, no line end added");
	}
	messages("a\rb\n", 4, MSGSRC_ONE, 64, out, sizeof out);
	t_streq(out, "BAD:line 1: bare CR|", "one: bare CR");
	messages("a\n\nb\r", 5, MSGSRC_ONE, 64, out, sizeof out);
	t_streq(out, "BAD:line 3: bare CR|", "one: a CR at the end is bare");
	messages("a\nb\0c\n", 6, MSGSRC_ONE, 64, out, sizeof out);
	t_streq(out, "BAD:line 2: NUL byte|", "one: NUL");
}

static void
check_mbox(void)
{
	char out[4096];
	static const char box[] =
	    "From a Thu Nov 27 12:11:00 2026\nS: 1\n\n>From x\n>>From y\n>Fro\n\n"
	    "From b Thu Nov 27 12:11:00 2026\nS: 2\n\n\n\n"
	    "From c\n\n"
	    "From d\r\nS: 4\r\n\r\nz\r\n\r\n"
	    "From e\n>";

	for (size_t piece = 2; piece <= 64; piece *= 2) {
		messages(box, sizeof box - 1, MSGSRC_MBOX, piece, out, sizeof out);
		t_streq(out, "31:S: 1\\r\\n\\r\\nFrom x\\r\\n>From y\\r\\n>Fro\\r\\n|"
		    "10:S: 2\\r\\n\\r\\n\\r\\n|0:|11:S: 4\\r\\n\\r\\nz\\r\\n|1:>|",
		    "mbox: separators, one blank line dropped, >From unquoted");
	}
	messages("Subject: x\n", 11, MSGSRC_MBOX, 64, out, sizeof out);
	t_ok(strstr(out, "not an mbox") != NULL, "mbox: must begin with From");
	messages("", 0, MSGSRC_MBOX, 64, out, sizeof out);
	t_streq(out, "", "mbox: empty file, no message");
}

static void
check_pure(void)
{
	static const struct {
		const char *in, *out;
	} ids[] = {
		{ " <a@b>", "<a@b>" },
		{ "\r\n <a@b> (comment)", "<a@b>" },
		{ " <a\r\n @b>", "<a@b>" },
		{ " bare@id ", "bare@id" },
		{ " half <open id ", "half <open id" },	/* no "<...>": trimmed only */
		{ "  ", NULL },
	};
	static const struct {
		const char *name, *flags;
	} names[] = {
		{ "cur/1.M2.h:2,FRS", "\\Flagged \\Answered \\Seen" },
		{ "cur/1.M2.h:2,DPTab", "\\Draft \\Deleted" },
		{ "new/1.M2.h", "" },
		{ "cur/1.M2.h:1,S", "" },
	};
	char out[128];

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		int r = msgsrc_message_id(ids[i].in, strlen(ids[i].in), out, sizeof out);
		if (ids[i].out == NULL)
			t_ok(r < 0, "message-id '%s': none", ids[i].in);
		else if (t_ok(r == 0, "message-id '%s'", ids[i].in))
			t_streq(out, ids[i].out, ids[i].in);
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		msgsrc_maildir_flags(names[i].name, out, sizeof out);
		t_streq(out, names[i].flags, names[i].name);
	}
}

int
main(void)
{
	check_one();
	check_mbox();
	check_pure();
	return t_done();
}
