/* MODULES: imap_date imap_data imap_parse seqset mime utf8 err
 * Fuzz target: Date field values and mbox "From " lines to INTERNALDATE.
 * The first octet picks the mode. Modes 0 and 1 pass the rest as a Date
 * value or a separator line: whatever the bytes, an accepted date is
 * exactly 26 octets of RFC 3501 date-time that imap_data_date and
 * imap_data_time read back to the same fields and the same time, and
 * where strptime(3) reads the whole input in a strict form it names the
 * same time. Modes 2 and 3 build a Date value or a From line from fields
 * taken from the rest (with weekdays, comments, folding, obsolete zones,
 * two- and three-digit years, out-of-range fields) and require exactly
 * the INTERNALDATE the fields name, or a refusal when they name none. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_data.h"
#include "imap_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static const char *const fz_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const fz_days[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const struct {
	const char *name;
	int minutes;
} fz_zones[] = {
	{ "UT", 0 }, { "GMT", 0 }, { "utc", 0 }, { "Z", 0 }, { "EST", -300 },
	{ "edt", -240 }, { "CST", -360 }, { "CDT", -300 }, { "MST", -420 },
	{ "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	/* Not RFC 5322 zones: refused. */
	{ "CET", 9999 }, { "A", 9999 }, { "XYZ", 9999 },
};
#define FZ_NZONES (sizeof fz_zones / sizeof fz_zones[0])

/* The text under test, shown when a check fails. */
static const char *fz_text;
static size_t fz_text_len;

#define fz_check(ok) fz_assert((ok), __LINE__)

static void
fz_assert(bool ok, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_imap_date.c:%d: check failed on \"", line);
	for (size_t i = 0; i < fz_text_len; i++) {
		unsigned char ch = (unsigned char)fz_text[i];
		fprintf(stderr, ch >= 0x20 && ch < 0x7f && ch != '\\' ? "%c" :
		    "\\x%02x", ch);
	}
	fprintf(stderr, "\"\n");
	abort();
}

/* Days from 1970-01-01 to y-m-d (m 1..12), proleptic Gregorian. */
static int64_t
fz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
fz_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
fz_mdays(int y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 1 && fz_leap(y) ? 29 : md[m];
}

static int
fz_num(const char *p, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		fz_check(p[i] >= '0' && p[i] <= '9');
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* An accepted date: its form, its read-back, and its time. */
static int64_t
fz_check_internaldate(const char *out)
{
	char iso[32], want[32];
	int day, mon, year, h, m, s, zh, zm, k;
	int64_t t;
	time_t tt;

	fz_check(strlen(out) == 26);
	fz_check(out[2] == '-' && out[6] == '-' && out[11] == ' ' &&
	    out[14] == ':' && out[17] == ':' && out[20] == ' ' &&
	    (out[21] == '+' || out[21] == '-'));
	day = fz_num(out, 2);
	for (mon = 0; mon < 12; mon++)
		if (memcmp(out + 3, fz_months[mon], 3) == 0)
			break;
	fz_check(mon < 12);
	year = fz_num(out + 7, 4);
	h = fz_num(out + 12, 2);
	m = fz_num(out + 15, 2);
	s = fz_num(out + 18, 2);
	zh = fz_num(out + 22, 2);
	zm = fz_num(out + 24, 2);
	fz_check(year >= 1900 && day >= 1 && day <= fz_mdays(year, mon) &&
	    h <= 23 && m <= 59 && s <= 59 && zm <= 59);
	/* -0000 would mean "no zone known": never written. */
	fz_check(out[21] == '+' || zh != 0 || zm != 0);

	fz_check(imap_data_date(out, 26, iso, sizeof iso) == 0);
	k = snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    year, mon + 1, day, h, m, s, out[21], zh, zm);
	fz_check(k == 25 && strcmp(iso, want) == 0);

	t = fz_days_from_civil(year, mon + 1, day) * 86400 + h * 3600 + m * 60 + s;
	t -= (out[21] == '-' ? -1 : 1) * (int64_t)(zh * 3600 + zm * 60);
	fz_check(imap_data_time(out, 26, &tt) == 0 && (int64_t)tt == t);
	return t;
}

/* strptime with fmt over all of s (NUL-terminated), as a UTC time. */
static bool
fz_strptime(const char *s, const char *fmt, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, fmt, &tm);
	if (end == NULL)
		return false;
	while (*end == ' ')
		end++;
	/* Two-digit years and leap seconds mean other things to strptime. */
	if (*end != '\0' || tm.tm_year < 0 || tm.tm_sec > 59)
		return false;
	*t = fz_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec -
	    tm.tm_gmtoff;
	/* strptime takes 31 Feb: such dates are refused, not compared. */
	return tm.tm_mday <= fz_mdays(tm.tm_year + 1900, tm.tm_mon);
}

static void
fz_raw(bool mbox, const char *s, size_t n)
{
	char out[IMAP_DATE_LEN + 8], *z;
	int r;
	int64_t t, t2;

	fz_text = s;
	fz_text_len = n;
	memset(out, 'x', sizeof out);
	r = mbox ? imap_date_mbox(s, n, out, IMAP_DATE_LEN) :
	    imap_date_rfc5322(s, n, out, IMAP_DATE_LEN);
	fz_check(r == 0 || r == -1);
	/* Nothing written past the room given. */
	for (size_t i = IMAP_DATE_LEN; i < sizeof out; i++)
		fz_check(out[i] == 'x');
	if (r < 0)
		return;
	t = fz_check_internaldate(out);
	/* A buffer one short is refused, not overrun. */
	{
		char small[IMAP_DATE_LEN + 1];
		small[IMAP_DATE_LEN - 1] = 'y';
		r = mbox ? imap_date_mbox(s, n, small, IMAP_DATE_LEN - 1) :
		    imap_date_rfc5322(s, n, small, IMAP_DATE_LEN - 1);
		fz_check(r == -1 && small[IMAP_DATE_LEN - 1] == 'y');
	}
	/* The second path, for inputs in the strict forms only. */
	if (n > 200 || memchr(s, '\0', n) != NULL)
		return;
	if ((z = malloc(n + 1)) == NULL)
		abort();
	memcpy(z, s, n);
	z[n] = '\0';
	if (mbox) {
		/* "From sender Www Mmm dd hh:mm:ss yyyy", the sender one
		 * word that the date's word splitting keeps whole. */
		const char *sp = n > 5 ? strchr(z + 5, ' ') : NULL;
		if (sp != NULL && sp > z + 5 && strspn(z + 5, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == (size_t)(sp - z - 5) &&
		    fz_strptime(sp + 1, "%a %b %d %H:%M:%S %Y", &t2))
			fz_check(t == t2);
	} else if (strspn(z, " ") == 0 &&
	    (fz_strptime(z, "%a, %d %b %Y %H:%M:%S %z", &t2) ||
	    fz_strptime(z, "%d %b %Y %H:%M:%S %z", &t2))) {
		/* glibc's %z also reads "+hh:mm" and "+hh"; imap_date
		 * takes only "+hhmm", so the agreement is checked where it
		 * accepted the input. */
		fz_check(t == t2);
	}
	free(z);
}

/* Fields taken from the input, one octet (or two) at a time. */
struct fz_in {
	const uint8_t *p;
	size_t n, i;
};

static unsigned
fz_byte(struct fz_in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

struct fz_text {
	char s[512];
	size_t n;
};

static void
fz_add(struct fz_text *t, const char *s)
{
	size_t k = strlen(s);

	if (t->n + k < sizeof t->s) {
		memcpy(t->s + t->n, s, k);
		t->n += k;
	}
}

/* Between two words: a blank, several, a fold, a comment. */
static void
fz_gap(struct fz_text *t, struct fz_in *in, bool rfc5322)
{
	unsigned g = fz_byte(in) % 8;

	if (!rfc5322)
		g = g % 2;	/* From lines: blanks only */
	switch (g) {
	case 1: fz_add(t, "  "); break;
	case 2: fz_add(t, "\r\n "); break;
	case 3: fz_add(t, " (a comment) "); break;
	case 4: fz_add(t, "\t"); break;
	case 5: fz_add(t, " (nested (comment)) "); break;
	case 6: fz_add(t, "\n\t"); break;
	default: fz_add(t, " "); break;
	}
}

static void
fz_generated(bool mbox, struct fz_in *in)
{
	struct fz_text t = { .n = 0 };
	char w[64], out[IMAP_DATE_LEN], want[64];
	unsigned flags = fz_byte(in), yform = fz_byte(in) % 4, zsel;
	int day = (int)(fz_byte(in) % 33), mon = (int)(fz_byte(in) % 13);
	int year = (int)((fz_byte(in) << 8 | fz_byte(in)) % 8300) + 1800;
	int h = (int)(fz_byte(in) % 25), m = (int)(fz_byte(in) % 61);
	int s = (int)(fz_byte(in) % 62), zh = (int)(fz_byte(in) % 100);
	int zm = (int)(fz_byte(in) % 62), zone = 0, r, yy = year, wday;
	bool valid = true, has_s = !(flags & 1), named;

	if (!has_s)
		s = 0;
	zsel = fz_byte(in);
	named = zsel % 4 == 0;
	wday = (int)(fz_byte(in) % 7);
	/* The year as written and as meant. */
	if (yform == 1) {
		yy = year % 100;
		year = yy + (yy < 50 ? 2000 : 1900);
		snprintf(w, sizeof w, "%02d", yy);
	} else if (yform == 2) {
		yy = 100 + year % 900;
		year = yy + 1900;
		snprintf(w, sizeof w, "%03d", yy);
	} else {
		snprintf(w, sizeof w, "%04d", year);
	}
	if (mbox && yform != 0 && yform != 3)
		valid = false;	/* a From line has four-digit years */
	if (year < 1900 || year > 9999 || mon == 12 || day < 1 ||
	    day > fz_mdays(year, mon % 12) || h > 23 || m > 59 || s > 60)
		valid = false;
	if (mbox && (flags & 2) && !named) {
		zone = 0;	/* no zone on the line: UTC */
	} else if (named) {
		zone = fz_zones[(zsel / 4) % FZ_NZONES].minutes;
		if (zone == 9999)
			valid = false;
	} else {
		zone = (zh * 60 + zm) * ((zsel & 1) ? -1 : 1);
		if (zm > 59)
			valid = false;
	}

	if (mbox) {
		static const char *const senders[] = { "alice@example.org",
		    "MAILER-DAEMON", "", "bob" };
		fz_add(&t, "From ");
		fz_add(&t, senders[(flags >> 2) % 4]);
		fz_add(&t, " ");
	} else if (flags & 2) {
		fz_add(&t, fz_days[wday]);
		if (flags & 4)
			fz_add(&t, ",");
		fz_gap(&t, in, true);
	}
	{
		char d[16];
		const char *mname = mon == 12 ? "Foo" : fz_months[mon];
		char ml[4];
		if (flags & 8) {
			/* Month names are matched without regard to case. */
			for (int i = 0; i < 3; i++)
				ml[i] = (char)(mname[i] | 0x20);
			ml[3] = '\0';
			mname = ml;
		}
		snprintf(d, sizeof d, (flags & 16) ? "%02d" : mbox ? "%2d" : "%d", day);
		if (mbox) {
			fz_add(&t, fz_days[wday]);
			fz_gap(&t, in, false);
			fz_add(&t, mname);
			fz_gap(&t, in, false);
			fz_add(&t, d);
		} else {
			fz_add(&t, d);
			fz_gap(&t, in, true);
			fz_add(&t, mname);
			fz_gap(&t, in, true);
			fz_add(&t, w);
		}
		fz_gap(&t, in, !mbox);
	}
	{
		char tm[48];
		if (has_s)
			snprintf(tm, sizeof tm, (flags & 32) ? "%d:%02d:%02d" :
			    "%02d:%02d:%02d", h, m, s);
		else
			snprintf(tm, sizeof tm, (flags & 32) ? "%d:%02d" : "%02d:%02d",
			    h, m);
		fz_add(&t, tm);
	}
	if (!(mbox && (flags & 2) && !named)) {
		char z[24];
		fz_gap(&t, in, !mbox);
		if (named) {
			fz_add(&t, fz_zones[(zsel / 4) % FZ_NZONES].name);
		} else {
			snprintf(z, sizeof z, "%c%02d%02d", (zsel & 1) ? '-' : '+',
			    zh, zm);
			fz_add(&t, z);
		}
	}
	if (mbox) {
		fz_gap(&t, in, false);
		fz_add(&t, w);
		if (flags & 64)
			fz_add(&t, " remote from example.net");
	} else if (flags & 64) {
		fz_add(&t, " (Central European Time)");
	}
	if (s == 60)
		s = 59;
	if (valid) {
		int z = zone < 0 ? -zone : zone;
		snprintf(want, sizeof want, "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d",
		    day, fz_months[mon], year, h, m, s, zone < 0 ? '-' : '+',
		    z / 60, z % 60);
	}
	fz_text = t.s;
	fz_text_len = t.n;
	r = mbox ? imap_date_mbox(t.s, t.n, out, sizeof out) :
	    imap_date_rfc5322(t.s, t.n, out, sizeof out);
	if (!valid) {
		fz_check(r == -1);
		return;
	}
	fz_check(r == 0 && strcmp(out, want) == 0);
	(void)fz_check_internaldate(out);
	fz_raw(mbox, t.s, t.n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct fz_in in;
	char *copy;

	if (n < 1 || n > 4096)
		return 0;
	/* An exact-size heap copy, so that any over-read is caught. */
	if ((copy = malloc(n - 1 ? n - 1 : 1)) == NULL)
		abort();
	memcpy(copy, data + 1, n - 1);
	switch (data[0] % 4) {
	case 0:
		fz_raw(false, copy, n - 1);
		break;
	case 1:
		fz_raw(true, copy, n - 1);
		break;
	default:
		in.p = data + 1;
		in.n = n - 1;
		in.i = 0;
		fz_generated(data[0] % 4 == 3, &in);
		break;
	}
	free(copy);
	return 0;
}
