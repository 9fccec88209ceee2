/* MODULES: utf8 imap_data imap_parse seqset mime err */
#include <stdlib.h>

#include "imap_data.h"
#include "imap_parse.h"
#include "seqset.h"
#include "t.h"

/* Parse a response string (it must outlive r). */
static int
parse(const char *in, struct imap_response *r)
{
	struct mp_err e;

	return imap_parse_response(in, strlen(in), r, &e);
}

/* The atoms of a list joined by spaces. */
static const char *
join_atoms(const struct imap_value *v, char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; v != NULL && i < v->count; i++) {
		int k = snprintf(buf + len, cap - len, "%s%.*s", i ? " " : "",
		    (int)v->items[i].len, v->items[i].str ? v->items[i].str : "");
		if (k < 0 || (size_t)k >= cap - len)
			break;
		len += (size_t)k;
	}
	return buf;
}

static void
check_list(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *attrs;
		char delim;
		const char *name;
	} t[] = {
		{ "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"", 0,
		  "\\HasNoChildren \\Sent", '/', "Sent Items" },
		{ "* LIST () NIL INBOX", 0, "", '\0', "INBOX" },
		{ "* LIST (\\Noselect) \"\\\\\" \"a \\\"b\\\" \\\\c\"", 0,
		  "\\Noselect", '\\', "a \"b\" \\c" },
		{ "* LIST () \".\" 2024", 0, "", '.', "2024" },
		{ "* LIST (\\Marked) \"/\" {5}\r\nhello", 0, "\\Marked", '/', "hello" },
		{ "* LIST (\\HasChildren) \"/\" INBOX (\"CHILDINFO\" (\"SUBSCRIBED\"))",
		  0, "\\HasChildren", '/', "INBOX" },
		{ "* LSUB () \".\" #news.comp.mail", 0, "", '.', "#news.comp.mail" },
		{ "* LIST () \"/\" \"&BCQEOAQ7BEwEQgRABEs-\"", 0, "", '/',
		  "&BCQEOAQ7BEwEQgRABEs-" },
		/* Malformed. */
		{ "* LIST () INBOX", -1, NULL, 0, NULL },
		{ "* LIST \\Noselect \"/\" INBOX", -1, NULL, 0, NULL },
		{ "* LIST () \"//\" INBOX", -1, NULL, 0, NULL },
		{ "* LIST () \"\" INBOX", -1, NULL, 0, NULL },
		{ "* LIST (\"x\") \"/\" INBOX", -1, NULL, 0, NULL },
		{ "* LIST () \"/\" NIL", -1, NULL, 0, NULL },
		{ "* LIST () \"/\" (INBOX)", -1, NULL, 0, NULL },
		{ "* LIST", -1, NULL, 0, NULL },
	};
	size_t i;
	char buf[256], what[300];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_response r;
		struct imap_data_list l;
		struct mp_err e = { .kind = ERR_NONE };
		int ret;

		if (parse(t[i].in, &r) < 0) {
			t_ok(0, "LIST parses: %s", t[i].in);
			continue;
		}
		ret = imap_data_list(&r, &l, &e);
		snprintf(what, sizeof what, "list: %s", t[i].in);
		if (t_inteq(ret, t[i].ret, what) && ret == 0) {
			char name[128];
			snprintf(name, sizeof name, "%.*s", (int)l.name_len, l.name);
			t_ok(strcmp(join_atoms(l.attrs, buf, sizeof buf), t[i].attrs) == 0 &&
			    l.delim == t[i].delim && strcmp(name, t[i].name) == 0,
			    "  attrs '%s' delim '%c' name '%s'", buf,
			    l.delim ? l.delim : '0', name);
		} else if (ret < 0) {
			t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		}
		imap_parse_free(&r);
	}
}

static void
check_status(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *name;
		long long v[IMAP_STATUS_N]; /* -1: absent */
	} t[] = {
		{ "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)", 0, "blurdybloop",
		  { 231, -1, -1, 44292, -1, -1 } },
		{ "* STATUS \"INBOX\" (MESSAGES 1 RECENT 2 UNSEEN 3 UIDNEXT 4 "
		  "UIDVALIDITY 5 SIZE 6)", 0, "INBOX", { 1, 2, 3, 4, 5, 6 } },
		{ "* STATUS INBOX (HIGHESTMODSEQ 99 messages 7 DELETED 1)", 0, "INBOX",
		  { 7, -1, -1, -1, -1, -1 } },
		{ "* STATUS INBOX ()", 0, "INBOX", { -1, -1, -1, -1, -1, -1 } },
		{ "* STATUS {3}\r\na b (UIDVALIDITY 3857529045)", 0, "a b",
		  { -1, -1, -1, -1, 3857529045LL, -1 } },
		{ "* STATUS INBOX (MESSAGES)", -1, NULL, { 0 } },
		{ "* STATUS INBOX (MESSAGES 1 UNSEEN)", -1, NULL, { 0 } },
		{ "* STATUS INBOX (MESSAGES abc)", -1, NULL, { 0 } },
		{ "* STATUS INBOX (MESSAGES \"1\")", -1, NULL, { 0 } },
		{ "* STATUS INBOX", -1, NULL, { 0 } },
		{ "* STATUS INBOX MESSAGES 1", -1, NULL, { 0 } },
		{ "* STATUS NIL (MESSAGES 1)", -1, NULL, { 0 } },
	};
	size_t i, k;
	char what[300];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_response r;
		struct imap_data_status s;
		struct mp_err e = { .kind = ERR_NONE };
		int ret, same = 1;

		if (parse(t[i].in, &r) < 0) {
			t_ok(0, "STATUS parses: %s", t[i].in);
			continue;
		}
		ret = imap_data_status(&r, &s, &e);
		snprintf(what, sizeof what, "status: %s", t[i].in);
		if (t_inteq(ret, t[i].ret, what) && ret == 0) {
			for (k = 0; k < IMAP_STATUS_N; k++) {
				if (t[i].v[k] < 0 ? s.have[k] :
				    !s.have[k] || s.v[k] != (uint64_t)t[i].v[k])
					same = 0;
			}
			t_ok(same && s.name_len == strlen(t[i].name) &&
			    memcmp(s.name, t[i].name, s.name_len) == 0,
			    "  name and counts");
		} else if (ret < 0) {
			t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		}
		imap_parse_free(&r);
	}
	t_streq(imap_data_status_names[IMAP_STATUS_UIDVALIDITY], "UIDVALIDITY",
	    "status names in enum order");
}

static void
check_search(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *set;	/* normalized */
	} t[] = {
		{ "* SEARCH 2 84 882", 0, "2,84,882" },
		{ "* SEARCH", 0, "" },
		{ "* SEARCH 5 4 3 1", 0, "1,3:5" },
		{ "* SEARCH 2 3 (MODSEQ 5)", 0, "2:3" },
		{ "* SEARCH 4294967295", 0, "4294967295" },
		{ "* ESEARCH (TAG \"A1\") UID ALL 1:3,5,9:10", 0, "1:3,5,9:10" },
		{ "* ESEARCH (TAG \"A1\") UID ALL 7", 0, "7" },
		{ "* ESEARCH UID ALL 3,1", 0, "1,3" },
		{ "* ESEARCH (TAG \"A1\") UID MIN 1 MAX 10 COUNT 3", 0, "" },
		{ "* ESEARCH (TAG \"A1\") UID MIN 2 ALL 2,4 MAX 4", 0, "2,4" },
		{ "* ESEARCH (TAG \"A1\")", 0, "" },
		/* Malformed. */
		{ "* SEARCH 0", -1, NULL },
		{ "* SEARCH abc", -1, NULL },
		{ "* SEARCH 2 \"3\"", -1, NULL },
		{ "* SEARCH 4294967296", -1, NULL },
		{ "* SEARCH 1 (MODSEQ 5) 2", -1, NULL },
		{ "* ESEARCH (TAG \"A1\") UID ALL 5:3", -1, NULL },
		{ "* ESEARCH (TAG \"A1\") UID ALL 1:x", -1, NULL },
		{ "* ESEARCH (TAG \"A1\") UID ALL 0", -1, NULL },
		{ "* ESEARCH (TAG \"A1\") UID ALL 4294967296", -1, NULL },
		{ "* ESEARCH (TAG \"A1\") UID ALL \"1:3\"", -1, NULL },
		{ "* ESEARCH (TAG \"A1\") UID ALL", -1, NULL },
	};
	size_t i;
	char what[300];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_response r;
		struct seqset set = { 0 };
		struct mp_err e = { .kind = ERR_NONE };
		int ret;

		if (parse(t[i].in, &r) < 0) {
			t_ok(0, "SEARCH parses: %s", t[i].in);
			continue;
		}
		ret = imap_data_search(&r, &set, &e);
		snprintf(what, sizeof what, "search: %s", t[i].in);
		if (t_inteq(ret, t[i].ret, what) && ret == 0) {
			char buf[256];
			size_t pos = 0;
			seqset_normalize(&set);
			buf[0] = '\0';
			seqset_format(&set, &pos, buf, sizeof buf);
			t_streq(buf, t[i].set, "  the UIDs");
		} else if (ret < 0) {
			t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		}
		seqset_free(&set);
		imap_parse_free(&r);
	}
	{
		/* Results add to what the set holds. */
		struct imap_response r;
		struct seqset set = { 0 };
		struct mp_err e;
		char buf[64];
		size_t pos = 0;

		seqset_add(&set, 1, 1, &e);
		parse("* SEARCH 3", &r);
		imap_data_search(&r, &set, &e);
		seqset_normalize(&set);
		seqset_format(&set, &pos, buf, sizeof buf);
		t_streq(buf, "1,3", "search adds to the set");
		imap_parse_free(&r);
		seqset_free(&set);
	}
}

#define ENV10 "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg\" " \
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL " \
	"((NIL NIL \"imap\" \"cac.washington.edu\")) NIL NIL NIL \"<B27397@cac>\")"

static void
check_fetch(void)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t seq;
		uint32_t uid;
		const char *flags;	/* NULL: none */
		long long size;		/* -1: none */
		const char *date;	/* NULL: none */
		bool env;
		long long modseq;	/* -1: none */
	} t[] = {
		{ "* 12 FETCH (UID 4827313 FLAGS (\\Seen \\Answered $Junk) "
		  "RFC822.SIZE 4286 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
		  "ENVELOPE " ENV10 " MODSEQ (12121231000))", 0, 12, 4827313,
		  "\\Seen \\Answered $Junk", 4286, "17-Jul-1996 02:44:25 -0700", true,
		  12121231000LL },
		{ "* 3 FETCH (FLAGS (\\Seen))", 0, 3, 0, "\\Seen", -1, NULL, false, -1 },
		{ "* 3 FETCH (FLAGS ())", 0, 3, 0, "", -1, NULL, false, -1 },
		{ "* 3 FETCH (uid 9 rfc822.size 0)", 0, 3, 9, NULL, 0, NULL, false, -1 },
		{ "* 4 FETCH (UID 4294967295)", 0, 4, 4294967295U, NULL, -1, NULL, false, -1 },
		{ "* 5 FETCH (UID 7 X-GM-LABELS (a b) BODY[HEADER] {2}\r\nab)", 0, 5, 7,
		  NULL, -1, NULL, false, -1 },
		{ "* 6 FETCH (INTERNALDATE {26}\r\n17-Jul-1996 02:44:25 -0700)", 0, 6, 0,
		  NULL, -1, "17-Jul-1996 02:44:25 -0700", false, -1 },
		/* Malformed. */
		{ "* 3 FETCH (UID 0)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (UID 4294967296)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (UID \"5\")", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL))", -1, 0, 0,
		  NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (ENVELOPE NIL)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (FLAGS (\\Seen \"x\"))", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (FLAGS (\\Seen (x)))", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (FLAGS \\Seen)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (RFC822.SIZE \"12\")", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (INTERNALDATE NIL)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (MODSEQ 5)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (MODSEQ (a))", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (UID)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH (\"UID\" 5)", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* 3 FETCH UID 5", -1, 0, 0, NULL, 0, NULL, false, 0 },
		{ "* FETCH (UID 5)", -1, 0, 0, NULL, 0, NULL, false, 0 },
	};
	size_t i;
	char what[300], buf[256];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_response r;
		struct imap_data_fetch f;
		struct mp_err e = { .kind = ERR_NONE };
		int ret;

		if (parse(t[i].in, &r) < 0) {
			t_ok(0, "FETCH parses: %s", t[i].in);
			continue;
		}
		ret = imap_data_fetch(&r, &f, &e);
		snprintf(what, sizeof what, "fetch: %.200s", t[i].in);
		if (t_inteq(ret, t[i].ret, what) && ret == 0) {
			int ok = f.seq == t[i].seq && f.uid == t[i].uid;
			char date[64] = "";
			if (t[i].flags == NULL ? f.flags != NULL : f.flags == NULL ||
			    strcmp(join_atoms(f.flags, buf, sizeof buf), t[i].flags) != 0)
				ok = 0;
			if (t[i].size < 0 ? f.has_size :
			    !f.has_size || f.size != (uint64_t)t[i].size)
				ok = 0;
			if (f.internaldate != NULL)
				snprintf(date, sizeof date, "%.*s",
				    (int)f.internaldate->len, f.internaldate->str);
			if (t[i].date == NULL ? f.internaldate != NULL :
			    strcmp(date, t[i].date) != 0)
				ok = 0;
			if ((f.envelope != NULL) != t[i].env ||
			    (f.envelope != NULL && f.envelope->count != 10))
				ok = 0;
			if (t[i].modseq < 0 ? f.has_modseq :
			    !f.has_modseq || f.modseq != (uint64_t)t[i].modseq)
				ok = 0;
			t_ok(ok, "  seq %llu uid %u and items",
			    (unsigned long long)f.seq, f.uid);
		} else if (ret < 0) {
			t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		}
		imap_parse_free(&r);
	}
}

static void
check_date(void)
{
	static const struct {
		const char *in;
		const char *out;	/* NULL: -1 */
	} t[] = {
		{ "17-Jul-1996 02:44:25 -0700", "1996-07-17T02:44:25-07:00" },
		{ " 1-Jan-2024 00:00:00 +0000", "2024-01-01T00:00:00+00:00" },
		{ "01-Jan-2024 00:00:00 +0000", "2024-01-01T00:00:00+00:00" },
		{ "31-Dec-1999 23:59:60 +1345", "1999-12-31T23:59:60+13:45" },
		{ "5-Mar-2020 12:00:00 +0530", "2020-03-05T12:00:00+05:30" },
		{ "17-Jux-1996 02:44:25 -0700", NULL },
		{ "17-anF-1996 02:44:25 -0700", NULL },
		{ "17-July-1996 02:44:25 -0700", NULL },
		{ "17-Jul-1996 02:44:25 -07", NULL },
		{ "17-Jul-1996 02:44:25 0700", NULL },
		{ "17-Jul-1996 02:44:25 *0700", NULL },
		{ "17-Jul-1996 02:44:25 -0790", NULL },
		{ "17-Jul-1996 02:44:25 -07x0", NULL },
		{ "17-Jul-1996 02:44:25 ++700", NULL },
		{ "17-Jul-1996 02:44:25 -0700x", NULL },
		{ "17-Jul-1996 02:44:25 -0700 ", NULL },
		{ "17-Jul-1996 02:44:25 -07000", NULL },
		{ "17-Jul-1996 02:44:25-0700", NULL },
		{ "17-Jul-199602:44:25 -0700", NULL },
		{ "+1-Jul-1996 02:44:25 -0700", NULL },
		{ "17-Jul-1996 02:4:25 -0700", NULL },
		{ "17-Jul-1996 2:44:25 -0700", NULL },
		{ "17-JUL-1996 02:44:25 -0700", "1996-07-17T02:44:25-07:00" },
		{ "00-Jul-1996 02:44:25 -0700", NULL },
		{ "32-Jul-1996 02:44:25 -0700", NULL },
		{ "17-Jul-1996 24:00:00 -0700", NULL },
		{ "17-Jul-1996 02:60:00 -0700", NULL },
		{ "17-Jul-96 02:44:25 -0700", NULL },
		{ "", NULL },
		{ "17-Jul-1996 02:44:25 -0700 plus a good deal of trailing junk", NULL },
	};
	size_t i;
	char out[64], what[300];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int ret;

		memset(out, 0, sizeof out);
		ret = imap_data_date(t[i].in, strlen(t[i].in), out, sizeof out);
		snprintf(what, sizeof what, "date '%s'", t[i].in);
		if (t[i].out == NULL)
			t_inteq(ret, -1, what);
		else if (t_inteq(ret, 0, what))
			t_streq(out, t[i].out, "  as ISO 8601");
	}
	{
		const char *d = "17-Jul-1996 02:44:25 -0700";
		/* Only the first n octets count. */
		t_inteq(imap_data_date("17-Jul-1996 02:44:25 -0700 junk", strlen(d), out,
		    sizeof out), 0, "date: n bounds the input");
		t_inteq(imap_data_date(d, strlen(d), out, 26), 0, "date: 26 octets suffice");
		t_streq(out, "1996-07-17T02:44:25-07:00", "  written whole");
		t_inteq(imap_data_date(d, strlen(d), out, 25), -1,
		    "date: 25 octets are too few");
		t_inteq(imap_data_date(d, strlen(d), out, 0), -1, "date: no room at all");
	}
	{
		time_t when = 0;
		t_inteq(imap_data_time("17-Jul-1996 02:44:25 -0700", 26, &when), 0,
		    "time: the lecture's date");
		t_inteq((long long)when, 837596665LL, "  09:44:25 UTC");
		t_inteq(imap_data_time(" 1-Jan-1970 01:00:00 +0100", 26, &when), 0,
		    "time: east of UTC");
		t_inteq((long long)when, 0, "  the epoch");
		t_inteq(imap_data_time("29-Feb-2023 00:00:00 +0000", 26, &when), -1,
		    "time: no 29 February in 2023");
		t_inteq(imap_data_time("17-Jul-1996", 11, &when), -1, "time: no clock");
	}
}

static void
check_addresses(void)
{
	static const struct {
		const char *in;		/* an address list value */
		bool decode;
		int ret;
		const char *out;
	} t[] = {
		{ "((NIL NIL \"user\" \"host\"))", true, 0, "user@host" },
		{ "((\"Name\" NIL \"u\" \"h\"))", true, 0, "Name <u@h>" },
		{ "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")"
		  "(NIL NIL \"imap\" \"cac.washington.edu\"))", true, 0,
		  "Terry Gray <gray@cac.washington.edu>, imap@cac.washington.edu" },
		{ "((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"j\" \"example.de\"))", true, 0,
		  "J\xc3\xb6rg <j@example.de>" },
		{ "((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"j\" \"example.de\"))", false, 0,
		  "=?UTF-8?Q?J=C3=B6rg?= <j@example.de>" },
		{ "((NIL NIL \"grp\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL))", true, 0,
		  "grp: a@b;" },
		{ "((NIL NIL \"grp\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")"
		  "(NIL NIL NIL NIL)(NIL NIL \"e\" \"f\"))", true, 0,
		  "grp: a@b, c@d;, e@f" },
		{ "((NIL NIL \"x\" \"y\")(NIL NIL \"grp\" NIL)(NIL NIL \"a\" \"b\")"
		  "(NIL NIL NIL NIL))", true, 0, "x@y, grp: a@b;" },
		{ "((\"Name\" \"@relay1,@relay2\" \"u\" \"h\"))", true, 0,
		  "Name <@relay1,@relay2:u@h>" },
		{ "((NIL \"@relay\" \"u\" \"h\"))", true, 0, "@relay:u@h" },
		{ "((\"\" NIL \"u\" \"h\"))", true, 0, "u@h" },
		{ "(({4}\r\nName NIL \"u\" \"h\"))", true, 0, "Name <u@h>" },
		{ "NIL", true, 0, "" },
		{ "()", true, 0, "" },
		/* Malformed. */
		{ "((NIL \"u\" \"h\"))", true, -1, NULL },
		{ "((NIL NIL \"u\" \"h\" NIL))", true, -1, NULL },
		{ "(\"u@h\")", true, -1, NULL },
		{ "((NIL NIL (u) \"h\"))", true, -1, NULL },
		{ "\"u@h\"", true, -1, NULL },
	};
	size_t i;
	char in[512], what[600];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_response r;
		struct imap_data_buf b = { 0 };
		struct mp_err e = { .kind = ERR_NONE };
		int ret;

		snprintf(in, sizeof in, "* 1 FETCH (X %s)", t[i].in);
		if (strstr(in, ")(") != NULL) {
			/* RFC 3501: "(" 1*address ")", no space between
			 * addresses; servers send them so. */
			t_ok(parse(in, &r) == 0, "address list without spaces "
			    "parses: %s", t[i].in);
			imap_parse_free(&r);
			/* Then check the formatting on a spaced copy. */
			snprintf(in, sizeof in, "* 1 FETCH (X ");
			for (const char *p = t[i].in; *p; p++) {
				size_t l = strlen(in);
				if (l + 3 >= sizeof in)
					break;
				in[l++] = *p;
				if (p[0] == ')' && p[1] == '(')
					in[l++] = ' ';
				in[l] = '\0';
			}
			strcat(in, ")");
		}
		if (parse(in, &r) < 0 || r.data.count != 1 ||
		    r.data.items[0].count != 2) {
			t_ok(0, "address list parses: %s", in);
			imap_parse_free(&r);
			continue;
		}
		ret = imap_data_addresses(&r.data.items[0].items[1], t[i].decode, &b, &e);
		snprintf(what, sizeof what, "addresses%s: %s",
		    t[i].decode ? "" : " (not decoded)", t[i].in);
		if (t_inteq(ret, t[i].ret, what) && ret == 0)
			t_streq(b.len ? b.p : "", t[i].out, "  formatted");
		else if (ret < 0)
			t_inteq(e.kind, ERR_PROTOCOL, "  ERR_PROTOCOL");
		imap_data_buf_free(&b);
		imap_parse_free(&r);
	}
	{
		/* Appending to a buffer that already holds text. */
		struct imap_response r;
		struct imap_data_buf b = { 0 };
		struct mp_err e;

		parse("* 1 FETCH (X ((NIL NIL \"a\" \"b\")))", &r);
		imap_data_text("To: ", 4, false, &b, &e);
		imap_data_addresses(&r.data.items[0].items[1], true, &b, &e);
		t_streq(b.p, "To: a@b", "addresses append to the buffer");
		t_inteq((long long)b.len, 7, "  length kept");
		imap_data_buf_free(&b);
		t_ok(b.p == NULL && b.len == 0 && b.cap == 0, "buf_free clears");
		imap_parse_free(&r);
	}
}

static void
check_text(void)
{
	static const struct {
		const char *in;
		bool decode;
		const char *out;
	} t[] = {
		{ "plain subject", true, "plain subject" },
		{ "=?UTF-8?Q?J=C3=B6rg?=", true, "J\xc3\xb6rg" },
		{ "=?UTF-8?Q?J=C3=B6rg?=", false, "=?UTF-8?Q?J=C3=B6rg?=" },
		{ "=?ISO-8859-1?B?S/Zsbg==?= ist sch=C3=B6n", true,
		  "K\xc3\xb6ln ist sch=C3=B6n" },
		{ "=?UTF-8?B?w7Y=?= =?UTF-8?B?w7Y=?=", true, "\xc3\xb6\xc3\xb6" },
		{ "=?bogus-charset?Q?x?=", true, "=?bogus-charset?Q?x?=" },
		{ "", true, "" },
	};
	size_t i;
	char what[300];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_data_buf b = { 0 };
		struct mp_err e;
		int ret = imap_data_text(t[i].in, strlen(t[i].in), t[i].decode, &b, &e);

		snprintf(what, sizeof what, "text%s: %s", t[i].decode ? "" : " (raw)",
		    t[i].in);
		if (t_inteq(ret, 0, what))
			t_streq(b.len ? b.p : "", t[i].out, "  result");
		imap_data_buf_free(&b);
	}
	{
		/* Many appends grow the buffer; only n octets are taken. */
		struct imap_data_buf b = { 0 };
		struct mp_err e;
		int ok = 1;

		for (i = 0; i < 1000; i++)
			ok &= imap_data_text("abcdefXYZ", 6, i % 2 == 0, &b, &e) == 0;
		t_ok(ok && b.len == 6000 && strlen(b.p) == 6000 &&
		    memcmp(b.p + 5994, "abcdef", 6) == 0, "text: 1000 appends");
		imap_data_buf_free(&b);
	}
}

/* Pairs as "src>dst" joined by spaces. */
struct pairs {
	char buf[512];
	size_t len;
	int stop_after;
};

static int
add_pair(void *arg, uint32_t src, uint32_t dst, struct mp_err *e)
{
	struct pairs *p = arg;
	int k = snprintf(p->buf + p->len, sizeof p->buf - p->len, "%s%u>%u",
	    p->len ? " " : "", src, dst);

	if (k > 0 && (size_t)k < sizeof p->buf - p->len)
		p->len += (size_t)k;
	if (p->stop_after > 0 && --p->stop_after == 0)
		return err_set(e, ERR_USAGE, "enough");
	return 0;
}

static void
check_copyuid(void)
{
	static const struct {
		const char *in;
		int ret;
		uint32_t uidvalidity;
		unsigned long long count;
		const char *pairs;
	} t[] = {
		/* RFC 4315's example and its forms. */
		{ "A003 OK [COPYUID 38505 304,319:320 3956:3958] Done", 0, 38505, 3,
		  "304>3956 319>3957 320>3958" },
		{ "* OK [COPYUID 432432 42:43 1000:1001] Moved UIDs.", 0, 432432, 2,
		  "42>1000 43>1001" },
		{ "a OK [COPYUID 1 7 9] x", 0, 1, 1, "7>9" },
		{ "a OK [COPYUID 4294967295 4294967295 1] x", 0, 4294967295U, 1,
		  "4294967295>1" },
		/* In the order sent, not sorted; "n:m" either way round. */
		{ "a OK [COPYUID 9 5,3 10,11] x", 0, 9, 2, "5>10 3>11" },
		{ "a OK [COPYUID 9 3:1 10:12] x", 0, 9, 3, "1>10 2>11 3>12" },
		{ "a OK [COPYUID 9 1:3,7 20,22:21,30] x", 0, 9, 4,
		  "1>20 2>21 3>22 7>30" },
		{ "a OK [COPYUID 9 1,2,3 4:6] x", 0, 9, 3, "1>4 2>5 3>6" },
		/* Malformed. */
		{ "a OK [COPYUID 9 1:3 4:5] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 1 2 3] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 1] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 0 1 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 4294967296 1 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID x 1 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 304,319:* 3956:3958] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 0 1] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 1, 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 1,,2 3:4] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 ,1 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 1: 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 4294967296 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 1a 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 \"1\" 2] x", -1, 0, 0, NULL },
		{ "a OK [COPYUID 9 (1) 2] x", -1, 0, 0, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct imap_response r;
		struct imap_data_copyuid c;
		struct pairs p = { .len = 0 };
		struct mp_err e;
		int ret;

		if (parse(t[i].in, &r) < 0) {
			t_ok(0, "parses: %s", t[i].in);
			continue;
		}
		ret = imap_data_copyuid(&r, &c, &e);
		if (!t_inteq(ret, t[i].ret, t[i].in)) {
			imap_parse_free(&r);
			continue;
		}
		if (ret < 0) {
			t_ok(e.kind == ERR_PROTOCOL && strstr(e.text, "COPYUID") != NULL,
			    "  %s", e.text);
		} else {
			t_inteq(c.uidvalidity, t[i].uidvalidity, "  uidvalidity");
			t_inteq((long long)c.count, (long long)t[i].count, "  count");
			t_inteq(imap_data_copyuid_pairs(&c, add_pair, &p, &e), 0, "  pairs");
			t_streq(p.buf, t[i].pairs, "  paired in order");
		}
		imap_parse_free(&r);
	}
	{
		/* fn's error stops the walk and is returned. */
		struct imap_response r;
		struct imap_data_copyuid c;
		struct pairs p = { .len = 0, .stop_after = 2 };
		struct mp_err e;
		parse("a OK [COPYUID 9 1:5 11:15] x", &r);
		imap_data_copyuid(&r, &c, &e);
		t_inteq(imap_data_copyuid_pairs(&c, add_pair, &p, &e), -1, "fn stops");
		t_streq(p.buf, "1>11 2>12", "  after two");
		imap_parse_free(&r);
	}
}

int
main(void)
{
	check_copyuid();
	check_list();
	check_status();
	check_search();
	check_fetch();
	check_date();
	check_addresses();
	check_text();
	return t_done();
}
