/* MODULES: seqset err utf8 */
#include <stdlib.h>

#include "seqset.h"
#include "t.h"

/* text parsed, normalised and formatted in one piece. */
static void
check(const char *text, const char *want, unsigned long long count)
{
	struct seqset s = { NULL, 0, 0 };
	struct mp_err e;
	char buf[1024];
	size_t pos = 0;

	if (!t_inteq(seqset_parse(&s, text, strlen(text), &e), 0, text)) {
		printf("# %s\n", e.text);
		seqset_free(&s);
		return;
	}
	seqset_normalize(&s);
	seqset_format(&s, &pos, buf, sizeof buf);
	t_streq(buf, want, "merged ascending");
	t_ok(seqset_count(&s) == count, "count %llu", (unsigned long long)seqset_count(&s));
	seqset_free(&s);
}

/* a minus b (UID sets as text), formatted. */
static void
minus(const char *a, const char *b, const char *want)
{
	struct seqset x = { NULL, 0, 0 }, y = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	struct mp_err e;
	char buf[256], name[128];
	size_t pos = 0;

	seqset_parse(&x, a, strlen(a), &e);
	seqset_parse(&y, b, strlen(b), &e);
	seqset_normalize(&x);
	seqset_normalize(&y);
	snprintf(name, sizeof name, "%s minus %s", a, b);
	t_inteq(seqset_subtract(&x, &y, &out, &e), 0, name);
	seqset_format(&out, &pos, buf, sizeof buf);
	t_streq(buf, want, "  is");
	seqset_free(&x);
	seqset_free(&y);
	seqset_free(&out);
}

int
main(void)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "0", "0 is not a UID" },
		{ "5:0", "0 is not a UID" },
		{ "*", "'*' is not a UID" },
		{ "1:*", "'*' is not a UID" },
		{ "25:20", "descending range 25:20" },
		{ "4294967296", "too large" },
		{ "99999999999999999999", "too large" },
		{ "12a", "'12a' is not a UID" },
		{ "-3", "'-3' is not a UID" },
		{ "1::2", "':2' is not a UID" },
		{ ":5", "empty UID" },
		{ "5:", "empty UID" },
	};
	size_t i;

	check("17 20:25", "17,20:25", 7);
	check("1,3:5", "1,3:5", 4);
	check("5 4 3 2 1", "1:5", 5);
	check("1:3,2:6,8,7", "1:8", 8);
	check("10:20 1:2 30", "1:2,10:20,30", 14);
	check("4294967295 4294967294", "4294967294:4294967295", 2);
	check("1:4294967295 7", "1:4294967295", 4294967295ULL);
	check(" , 3,, 3 ", "3", 1);
	check("", "", 0);

	minus("1:10", "", "1:10");
	minus("", "1:10", "");
	minus("1:10", "1:10", "");
	minus("1:10", "3", "1:2,4:10");
	minus("1:10", "1,10", "2:9");
	minus("1:10", "0:0", "1:10");
	minus("1:10", "2:3,5,7:20", "1,4,6");
	minus("1:3,7:9,20", "2:8", "1,9,20");
	minus("5:6", "1:2,8:9", "5:6");
	minus("1:4294967295", "2:4294967294", "1,4294967295");
	minus("1:4294967295", "1:4294967295", "");
	minus("3,5,7", "1:4,6:100", "5");
	{
		/* seqset_contains: ends of ranges, gaps, the empty and NULL set. */
		struct seqset s = { NULL, 0, 0 };
		struct mp_err e;
		seqset_parse(&s, "7:9,1,4294967295,20:30", 22, &e);
		seqset_normalize(&s);
		t_ok(seqset_contains(&s, 1) && seqset_contains(&s, 7) &&
		    seqset_contains(&s, 8) && seqset_contains(&s, 9) &&
		    seqset_contains(&s, 20) && seqset_contains(&s, 30) &&
		    seqset_contains(&s, 4294967295U), "contains its UIDs");
		t_ok(!seqset_contains(&s, 2) && !seqset_contains(&s, 6) &&
		    !seqset_contains(&s, 10) && !seqset_contains(&s, 19) &&
		    !seqset_contains(&s, 31) && !seqset_contains(&s, 4294967294U) &&
		    !seqset_contains(&s, 0), "not the others");
		seqset_free(&s);
		t_ok(!seqset_contains(&s, 1), "empty set holds nothing");
		t_ok(!seqset_contains(NULL, 1), "NULL holds nothing");
	}

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct seqset s = { NULL, 0, 0 };
		struct mp_err e;
		t_inteq(seqset_parse(&s, bad[i].text, strlen(bad[i].text), &e), -1,
		    bad[i].text);
		t_ok(e.kind == ERR_USAGE && strstr(e.text, bad[i].why) != NULL,
		    "says why: %s", e.text);
		seqset_free(&s);
	}
	{
		/* 20,000 scattered UIDs: commands of at most 1,000 octets that
		 * together name every one, ascending, no range twice. */
		struct seqset s = { NULL, 0, 0 };
		struct mp_err e;
		char buf[1001];
		size_t pos = 0, pieces = 0, len, maxlen = 0;
		unsigned long long seen = 0;
		uint32_t last = 0;
		int ordered = 1;

		for (i = 20000; i > 0; i--)
			seqset_add(&s, (uint32_t)(i * 3), (uint32_t)(i * 3), &e);
		seqset_normalize(&s);
		while ((len = seqset_format(&s, &pos, buf, sizeof buf)) > 0) {
			char *p = buf;
			pieces++;
			if (len > maxlen)
				maxlen = len;
			while (*p) {
				uint32_t v = (uint32_t)strtoul(p, &p, 10);
				ordered &= v > last;
				last = v;
				seen++;
				if (*p == ',')
					p++;
			}
		}
		t_ok(seen == 20000, "every UID once (%llu)", seen);
		t_ok(ordered, "ascending across pieces");
		t_ok(maxlen <= 1000, "pieces of at most 1000 octets (%zu)", maxlen);
		t_ok(pieces > 100 && pieces < 200, "%zu pieces", pieces);
		seqset_free(&s);
	}
	{
		/* Consecutive UIDs collapse into one short range. */
		struct seqset s = { NULL, 0, 0 };
		struct mp_err e;
		char buf[64];
		size_t pos = 0;
		for (i = 20000; i > 0; i--)
			seqset_add(&s, (uint32_t)i, (uint32_t)i, &e);
		seqset_normalize(&s);
		seqset_format(&s, &pos, buf, sizeof buf);
		t_streq(buf, "1:20000", "20,000 lines, one range");
		seqset_free(&s);
	}
	return t_done();
}
