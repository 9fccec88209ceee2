/* MODULES: imap_parse err utf8 */
#include <stdlib.h>

#include "imap_parse.h"
#include "t.h"

struct dump {
	char buf[4096];
	size_t n;
};

static void
dump_add(struct dump *d, const char *p, size_t n)
{
	if (d->n + n < sizeof d->buf) {
		memcpy(d->buf + d->n, p, n);
		d->n += n;
		d->buf[d->n] = '\0';
	}
}

/* One line for a value tree: strings in quotes (literals as <..>,
 * literal8 as ~<..>), lists in parentheses. */
static void
dump_value(struct dump *d, const struct imap_value *v)
{
	char num[32];
	size_t i;

	switch (v->type) {
	case IMAP_V_ATOM:
		dump_add(d, v->str, v->len);
		break;
	case IMAP_V_NUMBER:
		snprintf(num, sizeof num, "%llu", (unsigned long long)v->num);
		dump_add(d, num, strlen(num));
		break;
	case IMAP_V_STRING:
		dump_add(d, "\"", 1);
		dump_add(d, v->str, v->len);
		dump_add(d, "\"", 1);
		break;
	case IMAP_V_NIL:
		dump_add(d, "NIL", 3);
		break;
	case IMAP_V_LIST:
		dump_add(d, "(", 1);
		for (i = 0; i < v->count; i++) {
			if (i > 0)
				dump_add(d, " ", 1);
			dump_value(d, &v->items[i]);
		}
		dump_add(d, ")", 1);
		break;
	}
}

static const char *
dump_list(struct dump *d, const struct imap_value *v)
{
	d->n = 0;
	d->buf[0] = '\0';
	dump_value(d, v);
	return d->buf;
}

static const char test_fetch[] =
	"* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
	"RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
	"\"IMAP4rev1 WG mtg summary and minutes\" "
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL NIL NIL "
	"NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
	"BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))";

int
main(void)
{
	static const struct {
		const char *in;
		enum imap_parse_kind kind;
		const char *tag, *status, *code, *code_args;
		long long number;	/* -1: none */
		const char *name, *data, *text;
	} ok[] = {
		{ "* 172 EXISTS", IMAP_R_UNTAGGED, "", "", "", "()", 172, "EXISTS",
		  "()", "" },
		{ "* 1 RECENT\r\n", IMAP_R_UNTAGGED, "", "", "", "()", 1, "RECENT",
		  "()", "" },
		{ "* OK [UNSEEN 12] Message 12 is first unseen", IMAP_R_UNTAGGED, "",
		  "OK", "UNSEEN", "(12)", -1, "", "()", "Message 12 is first unseen" },
		{ "* OK [UIDVALIDITY 3857529045] UIDs valid", IMAP_R_UNTAGGED, "",
		  "OK", "UIDVALIDITY", "(3857529045)", -1, "", "()", "UIDs valid" },
		{ "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
		  IMAP_R_UNTAGGED, "", "", "", "()", -1, "FLAGS",
		  "((\\Answered \\Flagged \\Deleted \\Seen \\Draft))", "" },
		{ "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited",
		  IMAP_R_UNTAGGED, "", "OK", "PERMANENTFLAGS",
		  "((\\Deleted \\Seen \\*))", -1, "", "()", "Limited" },
		{ "A142 OK [READ-WRITE] SELECT completed", IMAP_R_TAGGED, "A142",
		  "OK", "READ-WRITE", "()", -1, "", "()", "SELECT completed" },
		{ "A142 OK [READ-WRITE]\r\n", IMAP_R_TAGGED, "A142", "OK",
		  "READ-WRITE", "()", -1, "", "()", "" },
		{ "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)",
		  IMAP_R_UNTAGGED, "", "", "", "()", -1, "STATUS",
		  "(blurdybloop (MESSAGES 231 UIDNEXT 44292))", "" },
		{ "* CAPABILITY IMAP4rev1 AUTH=KERBEROS_V4", IMAP_R_UNTAGGED, "", "",
		  "", "()", -1, "CAPABILITY", "(IMAP4rev1 AUTH=KERBEROS_V4)", "" },
		{ "* LIST (\\Noselect) \"/\" ~/Mail/foo", IMAP_R_UNTAGGED, "", "", "",
		  "()", -1, "LIST", "((\\Noselect) \"/\" ~/Mail/foo)", "" },
		{ "* BYE IMAP4rev1 Server logging out", IMAP_R_UNTAGGED, "", "BYE",
		  "", "()", -1, "", "()", "IMAP4rev1 Server logging out" },
		{ "+ Ready for additional command text", IMAP_R_CONTINUATION, "", "",
		  "", "()", -1, "", "()", "Ready for additional command text" },
		{ "+\r\n", IMAP_R_CONTINUATION, "", "", "", "()", -1, "", "()", "" },
		{ test_fetch, IMAP_R_UNTAGGED, "", "", "", "()", 12, "FETCH",
		  "((FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
		  "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
		  "\"IMAP4rev1 WG mtg summary and minutes\" "
		  "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL NIL NIL "
		  "NIL NIL \"<B27397-0100000@cac.washington.edu>\") "
		  "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" "
		  "3028 92)))", "" },
		{ "* 1 FETCH (BODY[] {2}\r\nab)\r\n", IMAP_R_UNTAGGED, "", "", "", "()",
		  1, "FETCH", "((BODY[] \"ab\"))", "" },
		{ "* 1 FETCH (BODY[] ~{3}\r\na\0b)", IMAP_R_UNTAGGED, "", "", "", "()",
		  1, "FETCH", "((BODY[] \"a\"))", "" },
		{ "* 1 FETCH (BODY[] {0}\r\n)", IMAP_R_UNTAGGED, "", "", "", "()", 1,
		  "FETCH", "((BODY[] \"\"))", "" },
		{ "* 1 FETCH (BODY[] {4}\r\n\r\n\r\n)", IMAP_R_UNTAGGED, "", "", "",
		  "()", 1, "FETCH", "((BODY[] \"\r\n\r\n\"))", "" },
		{ "* 2 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> {1}\r\nx UID 7)",
		  IMAP_R_UNTAGGED, "", "", "", "()", 2, "FETCH",
		  "((BODY[HEADER.FIELDS (FROM TO)]<0> \"x\" UID 7))", "" },
		{ "* 2 FETCH (BODY.PEEK[1.2.MIME] NIL)", IMAP_R_UNTAGGED, "", "", "",
		  "()", 2, "FETCH", "((BODY.PEEK[1.2.MIME] NIL))", "" },
		{ "* LIST () \"\" NIL", IMAP_R_UNTAGGED, "", "", "", "()", -1, "LIST",
		  "(() \"\" NIL)", "" },
		{ "* LIST (\\HasNoChildren) \".\" \"a \\\"b\\\\ c\"", IMAP_R_UNTAGGED,
		  "", "", "", "()", -1, "LIST", "((\\HasNoChildren) \".\" \"a \"b\\ c\")",
		  "" },
		{ "* SEARCH 2 84 882 ", IMAP_R_UNTAGGED, "", "", "", "()", -1, "SEARCH",
		  "(2 84 882)", "" },
		{ "* SEARCH", IMAP_R_UNTAGGED, "", "", "", "()", -1, "SEARCH", "()", "" },
		{ "* 1 FETCH (X \"{5}\")", IMAP_R_UNTAGGED, "", "", "", "()", 1,
		  "FETCH", "((X \"{5}\"))", "" },
		{ "* 1 FETCH (MODSEQ (18446744073709551615))", IMAP_R_UNTAGGED, "", "",
		  "", "()", 1, "FETCH", "((MODSEQ (18446744073709551615)))", "" },
		{ "a1 no [COPYUID 38505 304,319:* 3956:3958] done", IMAP_R_TAGGED, "a1",
		  "NO", "COPYUID", "(38505 304,319:* 3956:3958)", -1, "", "()", "done" },
		{ "A3 BAD", IMAP_R_TAGGED, "A3", "BAD", "", "()", -1, "", "()", "" },
		{ "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi [there]",
		  IMAP_R_UNTAGGED, "", "PREAUTH", "CAPABILITY", "(IMAP4rev1 LITERAL+)",
		  -1, "", "()", "hi [there]" },
		{ "* LIST (\\Noselect) \"/\" [Gmail]/x", IMAP_R_UNTAGGED, "", "", "",
		  "()", -1, "LIST", "((\\Noselect) \"/\" [Gmail]/x)", "" },
	};
	static const struct {
		const char *in;
		size_t n;		/* 0: strlen */
		const char *err;	/* part of the message */
	} bad[] = {
		{ "* 1 FETCH (BODY[] {9223372036854775809}\r\nab)", 0,
		  "literal of 9223372036854775809 octets but only 3 present" },
		{ "* 1 FETCH (BODY[] {18446744073709551616}\r\nab)", 0,
		  "literal size over 2^64-1" },
		{ "* 1 FETCH (BODY[] {3}\r\nab", 0, "literal of 3 octets but only 2" },
		{ "* 1 FETCH (BODY[] {2}ab)", 0, "not followed by CRLF" },
		{ "* 1 FETCH (BODY[] {2+}\r\nab)", 0, "not closed by '}'" },
		{ "* 1 FETCH (BODY[] {}\r\n)", 0, "literal without a size" },
		{ "* 1 FETCH (BODY[] {0}\r\n", 0, "')' missing" },
		{ "* 1 FETCH (X \"{5}\r\nabcde\")", 0, "line break in a quoted string" },
		{ "* 1 FETCH (X \"a\0b\")", 19, "NUL in a quoted string" },
		{ "* 1 FETCH (X \"a\\nb\")", 0, "bad escape" },
		{ "* 1 FETCH (X \"ab)", 0, "unterminated quoted string" },
		{ "* 1 FETCH (X \"ab\\", 0, "unterminated quoted string" },
		{ "* 1 FETCH (FLAGS (\\Seen)", 0, "')' missing" },
		{ "* 1 FETCH (FLAGS \\Seen))", 0, "unbalanced ')'" },
		{ "* FLAGS )", 0, "unbalanced ')'" },
		{ "* FLAGS ((a)", 0, "')' missing" },
		{ "* 1 FETCH (UID 18446744073709551616)", 0, "number over 2^64-1" },
		{ "* 18446744073709551616 EXISTS", 0, "bad message number" },
		{ "* 12a EXISTS", 0, "bad message number" },
		{ "* 1 FETCH (A  B)", 0, "unexpected byte 0x20" },
		{ "* 1 FETCH (A\"b\")", 0, "expected a space, found '\"'" },
		{ "* 1 FETCH (A B)\r\nx", 0, "expected a space, found byte 0x0d" },
		{ "* 1 FETCH (BODY[1 {2}\r\nab)", 0, "byte 0x0d in a section spec" },
		{ "* 1 FETCH (BODY[1", 0, "unterminated '['" },
		{ "* OK [UNSEEN 12 text", 0, "']' missing" },
		{ "* OK [] x", 0, "response code expected, found ']'" },
		{ "* OK hello\r\nworld", 0, "byte 0x0d in response text" },
		{ "* OK hello\nworld", 0, "byte 0x0a in response text" },
		{ "* OK hello\r", 0, "byte 0x0d in response text" },
		{ "* 1 RECENT\r", 0, "space expected after the name, found byte 0x0d" },
		{ "* 1 RECENT\n", 0, "space expected after the name, found byte 0x0a" },
		{ "* 1 RECENT\r\n\r\n", 0, "after the name, found byte 0x0d" },
		{ "* SEARCH 1\r", 0, "expected a space, found byte 0x0d" },
		{ "A1 MAYBE fine", 0, "tagged response with status 'MAYBE'" },
		{ "A1 BYE fine", 0, "tagged response with status 'BYE'" },
		{ "A+1 OK", 0, "bad tag" },
		{ "", 0, "bad tag" },
		{ "*", 0, "space expected after '*', end found" },
		{ "*\tOK", 0, "bad tag" },
		{ "* ", 0, "response name expected, end found" },
		{ "A1", 0, "space expected after the tag" },
		{ "+Ready", 0, "bad tag" },
		{ "* 1 FETCH (\\)", 0, "unexpected ')'" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 OK", 0, "tag longer than 31" },
		{ "* ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", 0, "response name longer" },
	};
	size_t i, k;
	struct dump d;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct imap_response r;
		struct mp_err e;
		size_t n = strlen(ok[i].in);
		int ret;

		/* Literals with a NUL: the table's string stops there. */
		if (strstr(ok[i].in, "~{3}") != NULL)
			n += 3;
		err_clear(&e);
		ret = imap_parse_response(ok[i].in, n, &r, &e);
		if (!t_inteq(ret, 0, ok[i].in)) {
			printf("#   error: %s\n", e.text);
			continue;
		}
		t_inteq(r.kind, ok[i].kind, "  kind");
		t_streq(r.tag, ok[i].tag, "  tag");
		t_streq(r.status, ok[i].status, "  status");
		t_streq(r.code, ok[i].code, "  code");
		t_streq(dump_list(&d, &r.code_args), ok[i].code_args, "  code args");
		t_inteq(r.has_number ? (long long)r.number : -1, ok[i].number,
		    "  number");
		t_streq(r.name, ok[i].name, "  name");
		if (strstr(ok[i].in, "~{3}") != NULL) {
			const struct imap_value *v;

			v = imap_parse_find(&r.data.items[0], "body[]");
			t_ok(v != NULL && v->literal8 && v->len == 3 &&
			    memcmp(v->str, "a\0b", 3) == 0, "  literal8 with a NUL");
		} else {
			t_streq(dump_list(&d, &r.data), ok[i].data, "  data");
		}
		{
			char text[256];

			snprintf(text, sizeof text, "%.*s", (int)r.text_len,
			    r.text ? r.text : "");
			t_streq(text, ok[i].text, "  text");
		}
		imap_parse_free(&r);
		t_ok(r.arena == NULL && r.data.count == 0, "  freed and cleared");
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct imap_response r;
		struct mp_err e;
		size_t n = bad[i].n ? bad[i].n : strlen(bad[i].in);
		int ret;

		err_clear(&e);
		ret = imap_parse_response(bad[i].in, n, &r, &e);
		t_inteq(ret, -1, bad[i].in);
		t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		if (!t_ok(strstr(e.text, bad[i].err) != NULL &&
		    strstr(e.text, " at offset ") != NULL, "  says '%s' and where",
		    bad[i].err))
			printf("#   got: %s\n", e.text);
		t_ok(r.arena == NULL, "  nothing left to free");
		imap_parse_free(&r);
	}
	{
		/* NIL and "" are different things. */
		struct imap_response r;
		struct mp_err e;
		const char *in = "* 1 FETCH (A NIL B \"\" C nil)";
		const struct imap_value *l;

		t_inteq(imap_parse_response(in, strlen(in), &r, &e), 0, "NIL vs \"\"");
		l = &r.data.items[0];
		t_ok(imap_parse_find(l, "A")->type == IMAP_V_NIL, "  NIL is NIL");
		t_ok(imap_parse_find(l, "b")->type == IMAP_V_STRING &&
		    imap_parse_find(l, "B")->len == 0 &&
		    imap_parse_find(l, "B")->str != NULL, "  \"\" is an empty string");
		t_ok(imap_parse_find(l, "C")->type == IMAP_V_NIL, "  nil is NIL too");
		t_ok(imap_parse_find(l, "NIL") == NULL, "  a value is not a key");
		t_ok(imap_parse_find(l, "D") == NULL, "  missing key");
		t_ok(imap_parse_find(&r.data.items[0].items[0], "A") == NULL,
		    "  not a list");
		imap_parse_free(&r);
	}
	{
		/* The lecture's FETCH through imap_parse_find. */
		struct imap_response r;
		struct mp_err e;
		const struct imap_value *l, *v;

		t_inteq(imap_parse_response(test_fetch, strlen(test_fetch), &r, &e), 0,
		    "FETCH by key");
		l = &r.data.items[0];
		v = imap_parse_find(l, "rfc822.size");
		t_ok(v != NULL && v->type == IMAP_V_NUMBER && v->num == 4286,
		    "  RFC822.SIZE 4286");
		v = imap_parse_find(l, "ENVELOPE");
		t_ok(v != NULL && v->type == IMAP_V_LIST && v->count == 10,
		    "  ENVELOPE has 10 fields");
		t_ok(v != NULL && v->items[2].type == IMAP_V_LIST &&
		    v->items[2].items[0].count == 4, "  From: one address of 4");
		imap_parse_free(&r);
		imap_parse_free(&r);
		t_ok(1, "  freeing twice is harmless");
	}
	{
		/* An escaped quoted string is copied into the arena. */
		struct imap_response r;
		struct mp_err e;
		const char *in = "* LIST () \"/\" \"a\\\"b\"";
		const struct imap_value *v;

		t_inteq(imap_parse_response(in, strlen(in), &r, &e), 0, "escaped string");
		v = &r.data.items[2];
		t_ok(v->len == 3 && memcmp(v->str, "a\"b", 3) == 0, "  unescaped");
		t_ok(imap_parse_owns(&r, v->str, v->len), "  in the arena");
		t_ok(!imap_parse_owns(&r, r.data.items[1].str, 1),
		    "  the unescaped one points into the input");
		imap_parse_free(&r);
	}
	{
		/* Nesting: 64 levels are fine, 65 and 1000 are not. */
		static char in[2100];
		size_t depths[] = { 64, 65, 1000 };

		for (k = 0; k < 3; k++) {
			struct imap_response r;
			struct mp_err e;
			size_t n = 0, j;
			int ret;

			n += (size_t)snprintf(in, sizeof in, "* X ");
			for (j = 0; j < depths[k]; j++)
				in[n++] = '(';
			for (j = 0; j < depths[k]; j++)
				in[n++] = ')';
			ret = imap_parse_response(in, n, &r, &e);
			t_inteq(ret, depths[k] <= 64 ? 0 : -1, depths[k] == 64 ?
			    "depth 64" : depths[k] == 65 ? "depth 65" : "depth 1000");
			if (ret < 0)
				t_ok(strstr(e.text, "nested deeper than 64") != NULL,
				    "  says so");
			imap_parse_free(&r);
		}
		/* Depth 1000 unbalanced the other way. */
		{
			struct imap_response r;
			struct mp_err e;
			size_t n = (size_t)snprintf(in, sizeof in, "* X a");

			for (; n < 1005; n++)
				in[n] = ')';
			t_inteq(imap_parse_response(in, n, &r, &e), -1, "1000 ')'");
		}
	}
	{
		/* The value cap: 100000 values fit, one more does not. */
		size_t cap = 8 + 2 * 100001;
		char *in = malloc(cap);
		struct imap_response r;
		struct mp_err e;
		size_t n, j;

		if (in == NULL)
			return 1;
		n = (size_t)snprintf(in, cap, "* SEARCH");
		for (j = 0; j < 100000; j++) {
			in[n++] = ' ';
			in[n++] = '1';
		}
		t_inteq(imap_parse_response(in, n, &r, &e), 0, "100000 values");
		t_ok(r.data.count == 100000, "  all there");
		imap_parse_free(&r);
		in[n++] = ' ';
		in[n++] = '1';
		t_inteq(imap_parse_response(in, n, &r, &e), -1, "100001 values");
		t_ok(strstr(e.text, "more than 100000 values") != NULL, "  says so");
		free(in);
	}
	{
		/* Every prefix of a valid response with literals, quoted
		 * strings and lists: 0 or a clean -1, read from a heap copy of
		 * exactly that size so that ASan sees any over-read. */
		const char *full = "* 7 FETCH (UID 9 FLAGS (\\Seen $X) BODY[HEADER.FIELDS "
		    "(FROM)]<0> {6}\r\nab\r\ncd BODY[] ~{2}\r\nxy ENV (\"a\\\"b\" NIL "
		    "(1 2)))\r\n";
		size_t len = strlen(full), bad_prefix = 0, oks = 0;
		size_t open = (size_t)(strchr(full, '(') - full);

		for (k = 0; k <= len; k++) {
			char *copy = malloc(k ? k : 1);
			struct imap_response r;
			struct mp_err e;
			int ret;

			if (copy == NULL)
				return 1;
			memcpy(copy, full, k);
			err_clear(&e);
			ret = imap_parse_response(copy, k, &r, &e);
			if (ret == 0)
				oks += k > open;
			else if (ret != -1 || e.kind != ERR_PROTOCOL) {
				bad_prefix++;
				printf("# prefix %zu: %d %s\n", k, ret, e.text);
			}
			imap_parse_free(&r);
			free(copy);
		}
		t_inteq((long long)bad_prefix, 0, "every truncation: 0 or ERR_PROTOCOL");
		/* Past the '(', only the whole response parses, with or
		 * without its CRLF (not with half of it). */
		t_inteq((long long)oks, 2, "  only the complete ones parse");
	}
	return t_done();
}
