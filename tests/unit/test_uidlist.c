/* MODULES: utf8 uidlist seqset err */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "uidlist.h"
#include "t.h"

/* Lines (separated by \n) read until the first error. With err NULL
 * every line reads; else the error names err. Either way the set, the
 * uidvalidity and the mailbox are then those given (what the lines
 * before a failing one left). */
static const struct tcase {
	const char *in, *err, *set;
	uint32_t uidvalidity;
	const char *mailbox;
} cases[] = {
	/* UID sets as typed. */
	{ "17", NULL, "17", 0, NULL },
	{ "20:25", NULL, "20:25", 0, NULL },
	{ "1,3:5", NULL, "1,3:5", 0, NULL },
	{ "17\n20:25\n1,3:5", NULL, "1,3:5,17,20:25", 0, NULL },
	{ "  17  \n 18,19 ", NULL, "17:19", 0, NULL },
	{ "\t17", NULL, "17", 0, NULL },
	{ "4294967295", NULL, "4294967295", 0, NULL },
	{ "", NULL, "", 0, NULL },
	{ "   \n\t\n \t \n", NULL, "", 0, NULL },
	{ "5\n\n6", NULL, "5:6", 0, NULL },
	{ "17\r\n18\r\n", NULL, "17:18", 0, NULL },
	{ "17\r", NULL, "17", 0, NULL },
	{ " \r", NULL, "", 0, NULL },
	{ "abc", "line 1: 'abc' is not a UID", "", 0, NULL },
	{ "17\nabc", "line 2: 'abc' is not a UID", "17", 0, NULL },
	{ "\n\nabc", "line 3: ", "", 0, NULL },
	{ "0", "line 1: 0 is not a UID", "", 0, NULL },
	{ "*", "line 1: '*' is not a UID", "", 0, NULL },
	{ "1:*", "'*' is not a UID", "", 0, NULL },
	{ "25:20", "line 1: descending range 25:20", "", 0, NULL },
	{ "4294967296", "line 1: UID '4294967296' is too large", "", 0, NULL },
	{ "-3", "'-3' is not a UID", "", 0, NULL },
	{ "17 x", "'x' is not a UID", "", 0, NULL },
	{ "9\n1,2,x", "line 2: 'x' is not a UID", "9", 0, NULL },
	{ ",,,", "line 1: no UID in ',,,'", "", 0, NULL },
	{ "17\r\r", "line 1: ", "", 0, NULL },
	{ "[17]", "is not a UID", "", 0, NULL },
	/* TSV rows: the first field. */
	{ "17\t\\\\Seen\t1234\t2024-01-01T09:30:00+01:00\tBob <b@x>\tHi 99",
	    NULL, "17", 0, NULL },
	{ "17\t\n18\tx\ty\n  19\tz", NULL, "17:19", 0, NULL },
	{ "17\t25:20", NULL, "17", 0, NULL },
	{ "Hello\t17", "line 1: 'Hello' is not a UID", "", 0, NULL },
	{ "0\tx", "line 1: 0 is not a UID", "", 0, NULL },
	{ ",\t17", "line 1: no UID in ','", "", 0, NULL },
	/* JSON Lines as imapls --json prints them. */
	{ "{\"uid\":17,\"flags\":[\"\\\\Seen\"],\"size\":1234,"
	    "\"date\":\"2024-01-01T09:30:00+01:00\",\"from\":\"Bob <b@x>\","
	    "\"subject\":\"Hi\",\"mailbox\":\"INBOX\",\"uidvalidity\":1795773887}",
	    NULL, "17", 1795773887, "INBOX" },
	{ "{\"uid\":1,\"mailbox\":\"INBOX\",\"uidvalidity\":7}\n"
	    "{\"uid\":2,\"mailbox\":\"INBOX\",\"uidvalidity\":7}\n"
	    "{\"uid\":4,\"mailbox\":\"INBOX\",\"uidvalidity\":7}",
	    NULL, "1:2,4", 7, "INBOX" },
	{ "{\"uidvalidity\":7,\"mailbox\":\"INBOX\",\"uid\":3}", NULL, "3", 7, "INBOX" },
	{ "{\"mailbox\":\"INBOX\",\"uid\":3,\"uidvalidity\":7}", NULL, "3", 7, "INBOX" },
	{ "{\"uid\":3}", NULL, "3", 0, NULL },
	{ "{\"uid\":4294967295}", NULL, "4294967295", 0, NULL },
	/* imapcopy's rows: the copy's UID, "uid" first if both. */
	{ "{\"src_uid\":3,\"dst_uid\":17,\"mailbox\":\"Archive\",\"uidvalidity\":9}",
	    NULL, "17", 9, "Archive" },
	{ "{\"dst_uid\":17,\"uid\":4}", NULL, "4", 0, NULL },
	{ "{\"uid\":4,\"dst_uid\":17}", NULL, "4", 0, NULL },
	{ "{\"src_uid\":3}", "line 1: JSON: no \"uid\"", "", 0, NULL },
	{ "{\"dst_uid\":0}", "\"dst_uid\" 0 is not an integer", "", 0, NULL },
	{ "{\"dst_uid\":1,\"dst_uid\":2}", "second \"dst_uid\"", "", 0, NULL },
	/* Whitespace wherever JSON allows it. */
	{ "  { \"uid\" : 17 , \"mailbox\" : \"A\" }  ", NULL, "17", 0, "A" },
	{ "\t{\t\"uid\"\t:\t17\t,\"f\":[ 1 , [ ] , { } ]\t}\t", NULL, "17", 0, NULL },
	{ "{\"uid\":3\r}\r", NULL, "3", 0, NULL },
	{ "{\"uid\":3}\r\n{\"uid\":5}\r\n", NULL, "3,5", 0, NULL },
	/* A "uid" in a string or a nested value is not the member. */
	{ "{\"subject\":\"\\\"uid\\\":5\",\"uid\":6}", NULL, "6", 0, NULL },
	{ "{\"subject\":\"a \\\"uid\\\":5, \\\"mailbox\\\":\\\"X\\\"\",\"uid\":6}",
	    NULL, "6", 0, NULL },
	{ "{\"subject\":\"\\\\\",\"uid\":8}", NULL, "8", 0, NULL },
	{ "{\"subject\":\"\\\\\\\"uid\\\\\\\":5\",\"uid\":8}", NULL, "8", 0, NULL },
	{ "{\"x\":{\"uid\":5},\"uid\":6}", NULL, "6", 0, NULL },
	{ "{\"x\":[{\"uid\":5},[1,2,{\"uid\":9,\"mailbox\":\"Y\"}]],\"uid\":6}",
	    NULL, "6", 0, NULL },
	{ "{\"uid\":6,\"x\":{\"uid\":\"five\",\"uidvalidity\":0}}", NULL, "6", 0, NULL },
	{ "{\"x\":{\"uid\":5}}", "line 1: JSON: no \"uid\"", "", 0, NULL },
	{ "{\"subject\":\"\\\"uid\\\":5\"}", "line 1: JSON: no \"uid\"", "", 0, NULL },
	{ "{\"a\":true,\"b\":false,\"c\":null,\"d\":-1.5e+3,\"e\":0,\"f\":2E-2,\"uid\":2}",
	    NULL, "2", 0, NULL },
	/* Strings: escapes, \uXXXX, surrogate pairs, raw UTF-8. */
	{ "{\"uid\":1,\"mailbox\":\"Entw\\u00fcrfe\"}", NULL, "1", 0, "Entw\xc3\xbc" "rfe" },
	{ "{\"uid\":1,\"mailbox\":\"Entw\xc3\xbc" "rfe\"}", NULL, "1", 0, "Entw\xc3\xbc" "rfe" },
	{ "{\"uid\":1,\"mailbox\":\"\\ud83d\\ude00 \\u20AC\"}", NULL, "1", 0,
	    "\xf0\x9f\x98\x80 \xe2\x82\xac" },
	{ "{\"uid\":1,\"mailbox\":\"a\\/b\\\\c\\\"d\\te\\b\\f\\n\\r\"}", NULL, "1", 0,
	    "a/b\\c\"d\te\b\f\n\r" },
	{ "{\"uid\":1,\"mailbox\":\"Caf\\\\xe9\"}", NULL, "1", 0, "Caf\\xe9" },
	{ "{\"\\u0075id\":4,\"\\u006dailbox\":\"M\"}", NULL, "4", 0, "M" },
	{ "{\"uid\":1,\"mailbox\":\"INBOX\"}\n{\"uid\":2,\"mailbox\":\"\\u0049NBOX\"}",
	    NULL, "1:2", 0, "INBOX" },
	{ "{\"uid\":1,\"mailbox\":\"\\ud83d\"}", "line 1: JSON: lone surrogate", "", 0, NULL },
	{ "{\"uid\":1,\"mailbox\":\"\\ud83dx\"}", "lone surrogate", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\\ude00\\ud83d\"}", "lone surrogate", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\\ud83d\\u0041\"}", "lone surrogate", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\\q\"}", "line 1: JSON: bad escape", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\\u12g4\"}", "bad \\u escape", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\\u12", "bad \\u escape", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"a\tb\"}", "control character in a string", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\xff\"}", "invalid UTF-8", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\xc0\xaf\"}", "invalid UTF-8", "", 0, NULL },
	{ "{\"uid\":1,\"s\":\"\xed\xa0\x80\"}", "invalid UTF-8", "", 0, NULL },
	{ "{\"uid\":1,\"subject\":\"abc", "line 1: JSON: unterminated string", "", 0, NULL },
	{ "{\"uid\":1,\"subject\":\"abc\\\"}", "unterminated string", "", 0, NULL },
	{ "{\"uid", "unterminated string", "", 0, NULL },
	/* "uid" and "uidvalidity": integers 1..2^32-1. */
	{ "{\"uid\":1.5}", "line 1: JSON: \"uid\" 1.5 is not an integer", "", 0, NULL },
	{ "{\"uid\":-3}", "\"uid\" -3 is not an integer", "", 0, NULL },
	{ "{\"uid\":0}", "\"uid\" 0 is not an integer", "", 0, NULL },
	{ "{\"uid\":1e2}", "\"uid\" 1e2 is not an integer", "", 0, NULL },
	{ "{\"uid\":4294967296}", "\"uid\" 4294967296 is not", "", 0, NULL },
	{ "{\"uid\":99999999999999999999999}", "is not an integer", "", 0, NULL },
	{ "{\"uid\":\"17\"}", "line 1: JSON: \"uid\" is not a number", "", 0, NULL },
	{ "{\"uid\":null}", "\"uid\" is not a number", "", 0, NULL },
	{ "{\"uid\":[17]}", "\"uid\" is not a number", "", 0, NULL },
	{ "{\"uid\":017}", "bad number (a leading 0) at column 9", "", 0, NULL },
	{ "{\"a\":[00],\"uid\":1}", "leading 0", "", 0, NULL },
	{ "{\"uid\":-}", "bad number", "", 0, NULL },
	{ "{\"uid\":1.}", "bad number", "", 0, NULL },
	{ "{\"uid\":1,\"uidvalidity\":0}", "\"uidvalidity\" 0 is not", "", 0, NULL },
	{ "{\"uid\":1,\"uidvalidity\":4294967296}", "\"uidvalidity\" 4294967296", "", 0, NULL },
	{ "{\"uid\":1,\"uidvalidity\":\"7\"}", "\"uidvalidity\" is not a number", "", 0, NULL },
	{ "{\"uid\":1,\"uid\":2}", "second \"uid\"", "", 0, NULL },
	{ "{\"uid\":1,\"uidvalidity\":7,\"uidvalidity\":7}", "second \"uidvalidity\"",
	    "", 0, NULL },
	{ "{\"uid\":1,\"mailbox\":\"A\",\"mailbox\":\"A\"}", "second \"mailbox\"", "", 0, NULL },
	/* "mailbox": a non-empty string. */
	{ "{\"uid\":1,\"mailbox\":5}", "\"mailbox\" is not a string", "", 0, NULL },
	{ "{\"uid\":1,\"mailbox\":null}", "\"mailbox\" is not a string", "", 0, NULL },
	{ "{\"uid\":1,\"mailbox\":\"\"}", "\"mailbox\" is empty", "", 0, NULL },
	{ "{\"uid\":1,\"mailbox\":\"a\\u0000b\"}", "\\u0000", "", 0, NULL },
	/* Malformed objects. */
	{ "{}", "line 1: JSON: no \"uid\"", "", 0, NULL },
	{ "{\"mailbox\":\"INBOX\",\"delimiter\":\"/\",\"attributes\":[\"\\\\HasNoChildren\"]}",
	    "no \"uid\"", "", 0, NULL },
	{ "{", "line 1: JSON: expected a key at end of line", "", 0, NULL },
	{ "{\"uid\":1", "expected ',' or '}' at end of line", "", 0, NULL },
	{ "{\"uid\":1} x", "text after the object at column 11", "", 0, NULL },
	{ "{\"uid\":1}{\"uid\":2}", "text after the object", "", 0, NULL },
	{ "{\"uid\":1}}", "text after the object", "", 0, NULL },
	{ "{\"uid\":1,}", "expected a key", "", 0, NULL },
	{ "{,\"uid\":1}", "expected a key", "", 0, NULL },
	{ "{uid:1}", "expected a key at column 2", "", 0, NULL },
	{ "{'uid':1}", "expected a key", "", 0, NULL },
	{ "{\"uid\" 1}", "expected ':'", "", 0, NULL },
	{ "{\"uid\":1 \"a\":2}", "expected ',' or '}'", "", 0, NULL },
	{ "{\"a\":tru,\"uid\":1}", "expected a value", "", 0, NULL },
	{ "{\"a\":,\"uid\":1}", "expected a value", "", 0, NULL },
	{ "{\"a\":[1,],\"uid\":1}", "expected a value", "", 0, NULL },
	{ "{\"a\":[1 2],\"uid\":1}", "expected ',' or ']'", "", 0, NULL },
	{ "{\"a\":{\"b\"},\"uid\":1}", "expected ':'", "", 0, NULL },
	{ "{\"a\":[1,{\"b\":2]],\"uid\":1}", "expected ',' or '}'", "", 0, NULL },
	{ "{\"a\":[[[", "expected a value at end of line", "", 0, NULL },
	{ "{\"a\":+1,\"uid\":1}", "expected a value", "", 0, NULL },
	/* Mixed lines; one uidvalidity, one mailbox. */
	{ "5\n{\"uid\":3,\"uidvalidity\":9}\n4\tx\n", NULL, "3:5", 9, NULL },
	{ "{\"uid\":1,\"uidvalidity\":7}\n{\"uid\":2}\n{\"uid\":3,\"uidvalidity\":7}",
	    NULL, "1:3", 7, NULL },
	{ "{\"uid\":1,\"uidvalidity\":7}\n17\n\n\n\n\n\n\n\n\n\n"
	    "{\"uid\":2,\"uidvalidity\":5}",
	    "line 12: uidvalidity 5 differs from 7 on an earlier line", "1,17", 7, NULL },
	{ "{\"uid\":1,\"mailbox\":\"INBOX\"}\n{\"uid\":2,\"mailbox\":\"Sent\"}",
	    "line 2: mailbox \"Sent\" differs from \"INBOX\" on an earlier line",
	    "1", 0, "INBOX" },
	{ "{\"uid\":1,\"mailbox\":\"INBOX\"}\n{\"uid\":2,\"mailbox\":\"inbox\"}",
	    "differs from", "1", 0, "INBOX" },
	{ "{\"uid\":1}\n{\"uid\":2,\"mailbox\":\"B\",\"uidvalidity\":3}\n9",
	    NULL, "1:2,9", 3, "B" },
	/* A failing line leaves nothing behind. */
	{ "{\"uid\":1,\"uidvalidity\":7,\"mailbox\":\"A\"}\n"
	    "{\"uid\":2,\"uidvalidity\":7,\"mailbox\":\"A\",\"x\":}",
	    "line 2: JSON: expected a value", "1", 7, "A" },
	{ "{\"uid\":2,\"uidvalidity\":7,\"mailbox\":\"A\",\"x\":}",
	    "expected a value", "", 0, NULL },
};

/* c->in line by line, as imapflag will read it. */
static void
run(const struct tcase *c)
{
	struct uidlist l;
	struct mp_err e;
	const char *p = c->in;
	char buf[4096];
	size_t pos = 0;
	int rc = 0;

	memset(&l, 0, sizeof l);
	err_clear(&e);
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (nl == NULL && len == 0 && p != c->in)
			break;	/* after the last newline */
		if ((rc = uidlist_line(&l, p, len, &e)) < 0 || nl == NULL)
			break;
		p = nl + 1;
	}
	uidlist_finish(&l);
	if (c->err == NULL) {
		if (!t_inteq(rc, 0, c->in))
			printf("#   %s\n", e.text);
	} else if (!t_ok(rc < 0 && e.kind == ERR_USAGE && strstr(e.text, c->err) != NULL,
	    "%s: %s", c->in, c->err)) {
		printf("#   got: %d '%s'\n", rc, e.text);
	}
	seqset_format(&l.set, &pos, buf, sizeof buf);
	t_streq(buf, c->set, "  set");
	if (c->uidvalidity != 0 || l.uidvalidity != 0)
		t_inteq(l.uidvalidity, c->uidvalidity, "  uidvalidity");
	if (c->mailbox != NULL || l.mailbox != NULL)
		t_streq(l.mailbox, c->mailbox, "  mailbox");
	uidlist_free(&l);
}

/* A JSON object nested depth deep (the line itself is depth 1). */
static int
nested(int depth, struct mp_err *e)
{
	struct uidlist l;
	char buf[512];
	size_t n;
	int i, rc;

	memset(&l, 0, sizeof l);
	memcpy(buf, "{\"uid\":1,\"x\":", 13);
	n = 13;
	for (i = 1; i < depth; i++) {
		if (i % 2) {
			buf[n++] = '[';
		} else {
			memcpy(buf + n, "{\"uid\":", 7);
			n += 7;
		}
	}
	buf[n++] = '7';
	for (i = depth - 1; i >= 1; i--)
		buf[n++] = i % 2 ? ']' : '}';
	buf[n++] = '}';
	rc = uidlist_line(&l, buf, n, e);
	if (rc == 0 && (l.set.n != 1 || l.set.r[0].lo != 1))
		rc = -2;
	uidlist_free(&l);
	return rc;
}

int
main(void)
{
	struct uidlist l;
	struct mp_err e;
	size_t i, n;
	char *big;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run(&cases[i]);

	t_inteq(nested(32, &e), 0, "nested 32 deep");
	t_inteq(nested(33, &e), -1, "nested 33 deep");
	t_ok(strstr(e.text, "line 1: JSON: nested deeper than 32") != NULL, "%s", e.text);

	/* Octets a C string cannot hold. */
	memset(&l, 0, sizeof l);
	t_inteq(uidlist_line(&l, "17\0", 3, &e), -1, "NUL after a UID");
	t_inteq(uidlist_line(&l, "{\"uid\":1}\0", 10, &e), -1, "NUL after an object");
	t_ok(strstr(e.text, "line 2: JSON: text after the object") != NULL, "%s", e.text);
	t_inteq(uidlist_line(&l, "{\"uid\":1,\"s\":\"\0\"}", 17, &e), -1, "NUL in a string");
	t_ok(strstr(e.text, "control character") != NULL, "%s", e.text);
	t_inteq(uidlist_line(&l, "17\tx\0y", 6, &e), 0, "NUL after the first field");
	t_inteq((long long)l.lines, 4, "4 lines counted");
	uidlist_free(&l);
	t_ok(l.lines == 0 && l.mailbox == NULL && l.set.r == NULL, "uidlist_free zeroes");

	/* Long lines: 1 MiB is the most. */
	n = UIDLIST_LINE_MAX + 2;
	if ((big = malloc(n)) == NULL)
		return 1;
	memset(&l, 0, sizeof l);
	memset(big, 'a', n);
	memcpy(big, "{\"uid\":9,\"s\":\"", 14);
	memcpy(big + UIDLIST_LINE_MAX - 2, "\"}", 2);
	t_inteq(uidlist_line(&l, big, UIDLIST_LINE_MAX, &e), 0, "JSON line of 1 MiB");
	big[UIDLIST_LINE_MAX] = '\r';
	t_inteq(uidlist_line(&l, big, UIDLIST_LINE_MAX + 1, &e), -1, "1 MiB and a CR");
	t_streq(e.text, "line 2 longer than 1 MiB", "  says so");
	memset(big, ' ', n);
	big[UIDLIST_LINE_MAX - 1] = '5';
	t_inteq(uidlist_line(&l, big, UIDLIST_LINE_MAX, &e), 0, "blanks and a UID, 1 MiB");
	big[UIDLIST_LINE_MAX] = '6';
	t_inteq(uidlist_line(&l, big, UIDLIST_LINE_MAX + 1, &e), -1, "1 MiB + 1");
	t_ok(e.kind == ERR_USAGE && strcmp(e.text, "line 4 longer than 1 MiB") == 0,
	    "%s", e.text);
	memset(big, 'a', n);
	memcpy(big, "{\"uid\":10,\"mailbox\":\"", 21);
	memcpy(big + UIDLIST_LINE_MAX - 2, "\"}", 2);
	t_inteq(uidlist_line(&l, big, UIDLIST_LINE_MAX, &e), 0, "mailbox of 1 MiB");
	t_ok(l.mailbox != NULL && strlen(l.mailbox) == UIDLIST_LINE_MAX - 23,
	    "  all of it");
	uidlist_finish(&l);
	t_ok(l.set.n == 2 && l.set.r[0].lo == 5 && l.set.r[1].lo == 9 &&
	    l.set.r[1].hi == 10, "5,9:10");
	uidlist_free(&l);
	free(big);

	/* Arguments: each a line; the first bad one named. */
	{
		const char *ok[] = { "17", "20:25", "1,3:5", NULL };
		const char *bad[] = { "3", "5:3", "9", NULL };
		const char *json[] = { "{\"x\":1}", NULL };
		char buf[64];
		size_t pos = 0;

		memset(&l, 0, sizeof l);
		t_inteq(uidlist_read_args(&l, ok, &e), 0, "args 17 20:25 1,3:5");
		seqset_format(&l.set, &pos, buf, sizeof buf);
		t_streq(buf, "1,3:5,17,20:25", "  normalized");
		uidlist_free(&l);
		t_inteq(uidlist_read_args(&l, bad, &e), -1, "args 3 5:3 9");
		t_streq(e.text, "UID argument '5:3': descending range 5:3", "  names it");
		t_ok(e.kind == ERR_USAGE, "  usage");
		uidlist_free(&l);
		t_inteq(uidlist_read_args(&l, json, &e), -1, "JSON argument without uid");
		t_streq(e.text, "UID argument '{\"x\":1}': JSON: no \"uid\"", "  names it");
		uidlist_free(&l);
		t_inteq(uidlist_read_args(&l, NULL, &e), 0, "no arguments");
		t_ok(l.set.n == 0, "  nothing");
	}
	/* A stream: imapls -H's header skipped, errors by line. */
	{
		static const struct {
			const char *in, *set, *err;
		} fc[] = {
			{ "uid\tsubject\n3\tx\n1\ty\n", "1,3", NULL },
			{ "uid\n5\n", "5", NULL },
			{ "uid\r\n5\r\n", "5", NULL },
			{ "5\nuid\n", "5", "line 2: 'uid' is not a UID" },
			{ "uidx\t1\n", "", "line 1: 'uidx' is not a UID" },
			{ "", "", NULL },
			{ "7", "7", NULL },
			{ "{\"uid\":4,\"mailbox\":\"A\"}\n{\"uid\":2}\n", "2,4", NULL },
			{ "1\n2\nabc\n4\n", "1:2", "line 3: 'abc' is not a UID" },
		};
		for (i = 0; i < sizeof fc / sizeof fc[0]; i++) {
			/* fmemopen refuses a size of 0. */
			FILE *f = fc[i].in[0] == '\0' ? fopen("/dev/null", "r") :
			    fmemopen((void *)(uintptr_t)fc[i].in, strlen(fc[i].in), "r");
			char buf[64];
			size_t pos = 0;
			int rc;

			memset(&l, 0, sizeof l);
			if (f == NULL)
				return 1;
			rc = uidlist_read_file(&l, f, &e);
			if (fc[i].err == NULL)
				t_inteq(rc, 0, fc[i].in);
			else if (!t_ok(rc == -1 && strcmp(e.text, fc[i].err) == 0, "%s: %s",
			    fc[i].in, fc[i].err))
				printf("#   got: %d '%s'\n", rc, e.text);
			seqset_format(&l.set, &pos, buf, sizeof buf);
			t_streq(buf, fc[i].set, "  set");
			uidlist_free(&l);
			fclose(f);
		}
	}

	/* 20,000 lines as imapls --uids prints them: one range. */
	memset(&l, 0, sizeof l);
	for (i = 20000; i > 0; i--) {
		char line[16];
		int k = snprintf(line, sizeof line, "%zu", i);
		if (uidlist_line(&l, line, (size_t)k, &e) < 0)
			break;
	}
	uidlist_finish(&l);
	t_ok(i == 0 && l.set.n == 1 && l.set.r[0].lo == 1 && l.set.r[0].hi == 20000 &&
	    l.lines == 20000, "20,000 lines, one range");
	uidlist_free(&l);
	return t_done();
}
