/* MODULES: sasl utf8 smtp pop3 dirs imap imap_parse imap_utf7 seqset conn err trace
 * Fuzz target: whatever a server sends, the SMTP, POP3 and IMAP readers
 * return 0 or -1 with an error kind, and never crash, hang or leak. The
 * first byte picks the reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "imap.h"
#include "pop3.h"
#include "smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static int
fuzz_piece(void *arg, enum imap_piece kind, const char *p, size_t len)
{
	(void)arg;
	(void)kind;
	(void)p;
	(void)len;
	return 0;
}

static int
fuzz_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)line;
	(void)len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	int sv[2], r = 0, rounds;
	struct conn *c;
	struct mp_err e;
	size_t off = 0;

	/* The peer's data must fit in the socket buffer unread. */
	if (n < 1 || n > 60000)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	while (off < n - 1) {
		ssize_t w = write(sv[1], data + 1 + off, n - 1 - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	close(sv[1]);
	c = conn_open_fd(sv[0], CONN_SMTP, 1000, 4096, NULL);
	if (c == NULL)
		abort();
	/* Read replies until the stream is used up or refused. */
	for (rounds = 0; r == 0 && rounds < 1000; rounds++) {
		err_clear(&e);
		switch (data[0] % 3) {
		case 0: {
			struct smtp_reply rep;
			r = smtp_read_reply(c, &rep, NULL, NULL, &e);
			if (r == 0 && (rep.code < 200 || rep.code > 599))
				abort();
			break;
		}
		case 1: {
			enum pop3_status st;
			const char *line;
			size_t len;
			r = pop3_read_status(c, &st, &line, &len, &e);
			if (r == 0 && st == POP3_OK)
				r = pop3_read_multiline(c, true, fuzz_line, NULL, &e);
			break;
		}
		default: {
			struct imap_resp resp;
			r = imap_read_response(c, &resp, fuzz_piece, NULL, &e);
			break;
		}
		}
		if (r < 0 && e.kind == ERR_NONE)
			abort();
	}
	conn_close(c);
	return 0;
}
