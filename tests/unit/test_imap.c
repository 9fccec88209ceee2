/* MODULES: imap imap_parse imap_utf7 conn err trace */
#include <stdlib.h>

#include "feed.h"
#include "imap.h"
#include "t.h"

struct collect {
	char buf[2048];
	size_t n;
	int literals;
};

static int
collect_piece(void *arg, enum imap_piece kind, const char *p, size_t n)
{
	struct collect *c = arg;

	if (c->n + n + 3 < sizeof c->buf) {
		if (kind == IMAP_PIECE_LITERAL) {
			c->literals++;
			c->buf[c->n++] = '<';
		}
		memcpy(c->buf + c->n, p, n);
		c->n += n;
		c->buf[c->n++] = kind == IMAP_PIECE_LITERAL ? '>' : '|';
		c->buf[c->n] = '\0';
	}
	return 0;
}

int
main(void)
{
	static const struct {
		const char *line;
		int ret;
		enum imap_kind kind;
		enum imap_status st;
		const char *tag;
	} cls[] = {
		{ "* 172 EXISTS", 0, IMAP_UNTAGGED, IMAP_NONE, "" },
		{ "* OK [UIDVALIDITY 3857529045] UIDs valid", 0, IMAP_UNTAGGED, IMAP_OK, "" },
		{ "* BYE logging out", 0, IMAP_UNTAGGED, IMAP_BYE, "" },
		{ "* PREAUTH ready", 0, IMAP_UNTAGGED, IMAP_PREAUTH, "" },
		{ "+ Ready for literal", 0, IMAP_CONTINUATION, IMAP_NONE, "" },
		{ "+", 0, IMAP_CONTINUATION, IMAP_NONE, "" },
		{ "A0001 OK LOGIN completed", 0, IMAP_TAGGED, IMAP_OK, "A0001" },
		{ "A0002 NO [NONEXISTENT] no such mailbox", 0, IMAP_TAGGED, IMAP_NO, "A0002" },
		{ "a3 bad command unknown", 0, IMAP_TAGGED, IMAP_BAD, "a3" },
		{ "A0001 MAYBE", -1, IMAP_TAGGED, IMAP_NONE, "" },
		{ "*", -1, IMAP_UNTAGGED, IMAP_NONE, "" },
		{ "", -1, IMAP_UNTAGGED, IMAP_NONE, "" },
		{ "A0001", -1, IMAP_UNTAGGED, IMAP_NONE, "" },
	};
	static const struct {
		const char *line;
		int ret;
		unsigned long long size;
	} lits[] = {
		{ "* 1 FETCH (BODY[] {2}", 1, 2 },
		{ "* 1 FETCH (BODY[] ~{10}", 1, 10 },
		{ "* 1 FETCH (BODY[] {0}", 1, 0 },
		{ "* 1 FETCH (BODY[] {9223372036854775807}", 1, 9223372036854775807ULL },
		{ "* 1 FETCH (BODY[] {9223372036854775808}", -1, 0 },
		{ "* 1 FETCH (BODY[] {99999999999999999999999}", -1, 0 },
		{ "* 1 FETCH (BODY[] {}", -1, 0 },
		{ "* 1 FETCH (BODY[] \"{2}\")", 0, 0 },
		{ "* 1 FETCH (BODY[] {2 }", 0, 0 },
		{ "}", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cls / sizeof cls[0]; i++) {
		struct imap_resp r;
		struct mp_err e;
		int ret = imap_classify(cls[i].line, strlen(cls[i].line), &r, &e);

		t_inteq(ret, cls[i].ret, cls[i].line);
		if (ret == 0) {
			t_inteq(r.kind, cls[i].kind, "kind");
			t_inteq(r.status, cls[i].st, "status");
			t_streq(r.tag, cls[i].tag, "tag");
		} else {
			t_inteq(e.kind, ERR_PROTOCOL, "protocol error");
		}
	}
	for (i = 0; i < sizeof lits / sizeof lits[0]; i++) {
		uint64_t size = 0;
		int ret = imap_literal_at_end(lits[i].line, strlen(lits[i].line), &size, NULL);

		t_inteq(ret, lits[i].ret, lits[i].line);
		if (ret == 1)
			t_ok(size == lits[i].size, "literal size");
	}
	{
		/* The lecture's literal example, one response in three pieces. */
		const char *wire = "* 1 FETCH (BODY[] {2}\r\nab)\r\nA0001 OK done\r\n";
		struct conn *c = feed_conn(CONN_IMAP, wire, strlen(wire), 0);
		struct collect col = { .n = 0 };
		struct imap_resp r;
		struct mp_err e;

		t_inteq(imap_read_response(c, &r, collect_piece, &col, &e), 0,
		    "response with a literal");
		t_streq(col.buf, "* 1 FETCH (BODY[] {2}|<ab>)|", "pieces in order");
		t_inteq(r.kind, IMAP_UNTAGGED, "untagged");
		t_inteq(imap_read_response(c, &r, NULL, NULL, &e), 0, "tagged reply");
		t_streq(r.tag, "A0001", "its tag");
		conn_close(c);
	}
	{
		/* A literal with CRLF inside and two literals in one response. */
		const char *wire = "* 1 FETCH (BODY[HEADER] {4}\r\na\r\nb BODY[TEXT] {3}\r\nxyz)\r\n";
		struct conn *c = feed_conn(CONN_IMAP, wire, strlen(wire), 0);
		struct collect col = { .n = 0 };
		struct imap_resp r;
		struct mp_err e;

		t_inteq(imap_read_response(c, &r, collect_piece, &col, &e), 0,
		    "two literals");
		t_streq(col.buf, "* 1 FETCH (BODY[HEADER] {4}|<a\r\nb> BODY[TEXT] {3}|<xyz>)|",
		    "both literals whole");
		conn_close(c);
	}
	{
		/* A huge announced literal is streamed, never allocated: the
		 * stream ends long before, which is a dropped connection. */
		const char *wire = "* 1 FETCH (BODY[] {4611686018427387904}\r\nabc";
		struct conn *c = feed_conn(CONN_IMAP, wire, strlen(wire), 0);
		struct imap_resp r;
		struct mp_err e;

		t_inteq(imap_read_response(c, &r, NULL, NULL, &e), -1, "2^62 literal");
		t_inteq(e.kind, ERR_TEMP, "ends as a dropped connection");
		conn_close(c);
	}
	{
		/* The client's {N+} form, only where asked for. */
		uint64_t size = 0;
		bool nonsync = false;
		t_inteq(imap_literal_at_end("APPEND x {12+}", 14, &size, NULL), 0,
		    "{N+} is no literal in a server response");
		t_inteq(imap_literal_at_end("APPEND x {12+}", 14, &size, &nonsync), 1,
		    "{N+} in a client command");
		t_ok(nonsync && size == 12, "non-synchronising, 12 bytes");
		t_inteq(imap_literal_at_end("APPEND x {12}", 13, &size, &nonsync), 1,
		    "{N} in a client command");
		t_ok(!nonsync, "synchronising");
		t_inteq(imap_literal_at_end("APPEND x {+}", 12, &size, &nonsync), -1,
		    "{+} is malformed");
	}
	{
		char tag[16];
		unsigned n = 0;

		imap_next_tag(&n, tag, sizeof tag);
		t_streq(tag, "A0001", "first tag");
		imap_next_tag(&n, tag, sizeof tag);
		t_streq(tag, "A0002", "tags are unique and increasing");
	}
	return t_done();
}
