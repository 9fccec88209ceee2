/* imap_date: Date fields and mbox separator lines to INTERNALDATE. */
#include "imap_date.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const imap_date_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const char *const imap_date_days[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

/* Obsolete zone names (RFC 5322 4.3), in minutes east of UTC. */
static const struct {
	const char *name;
	int minutes;
} imap_date_zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
};

/* The words of a line: runs of letters, digits, '+', '-' and ':'; the
 * rest (blanks, commas, comments' parentheses) separates them. Comments
 * are dropped whole. */
#define IMAP_DATE_WORDS 24

struct imap_date_word {
	const char *p;
	size_t n;
};

static size_t
imap_date_split(const char *s, size_t n, struct imap_date_word *w, size_t cap)
{
	size_t i = 0, k = 0;
	int depth = 0;

	while (i < n && k < cap) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '(') {
			depth++;
			i++;
			continue;
		}
		if (ch == ')' && depth > 0) {
			depth--;
			i++;
			continue;
		}
		if (depth > 0 || !(isalnum(ch) || ch == '+' || ch == '-' || ch == ':')) {
			i++;
			continue;
		}
		w[k].p = s + i;
		while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' ||
		    s[i] == '-' || s[i] == ':'))
			i++;
		w[k].n = (size_t)(s + i - w[k].p);
		k++;
	}
	return k;
}

static bool
imap_date_digits(const struct imap_date_word *w, size_t min, size_t max, int *v)
{
	size_t i;

	if (w->n < min || w->n > max)
		return false;
	*v = 0;
	for (i = 0; i < w->n; i++) {
		if (!isdigit((unsigned char)w->p[i]))
			return false;
		*v = *v * 10 + (w->p[i] - '0');
	}
	return true;
}

static int
imap_date_month(const struct imap_date_word *w)
{
	for (int i = 0; i < 12; i++) {
		if (w->n == 3 && strncasecmp(w->p, imap_date_months[i], 3) == 0)
			return i;
	}
	return -1;
}

static bool
imap_date_weekday(const struct imap_date_word *w)
{
	for (int i = 0; i < 7; i++) {
		if (w->n == 3 && strncasecmp(w->p, imap_date_days[i], 3) == 0)
			return true;
	}
	return false;
}

/* "hh:mm" or "hh:mm:ss". */
static bool
imap_date_time(const struct imap_date_word *w, int *h, int *m, int *s)
{
	struct imap_date_word part[3];
	size_t k = 0, i = 0, start = 0;

	for (i = 0; i <= w->n && k < 3; i++) {
		if (i == w->n || w->p[i] == ':') {
			part[k].p = w->p + start;
			part[k].n = i - start;
			k++;
			start = i + 1;
		}
	}
	if (i <= w->n || k < 2)
		return false;
	*s = 0;
	return imap_date_digits(&part[0], 1, 2, h) &&
	    imap_date_digits(&part[1], 2, 2, m) &&
	    (k == 2 || imap_date_digits(&part[2], 2, 2, s));
}

/* "+0200", "-0700", or an obsolete name. */
static bool
imap_date_zone(const struct imap_date_word *w, int *minutes)
{
	int v;

	if (w->n == 5 && (w->p[0] == '+' || w->p[0] == '-')) {
		struct imap_date_word d = { w->p + 1, 4 };
		if (!imap_date_digits(&d, 4, 4, &v) || v % 100 > 59)
			return false;
		*minutes = (v / 100 * 60 + v % 100) * (w->p[0] == '-' ? -1 : 1);
		return true;
	}
	for (size_t i = 0; i < sizeof imap_date_zones / sizeof imap_date_zones[0];
	    i++) {
		if (w->n == strlen(imap_date_zones[i].name) &&
		    strncasecmp(w->p, imap_date_zones[i].name, w->n) == 0) {
			*minutes = imap_date_zones[i].minutes;
			return true;
		}
	}
	return false;
}

static int
imap_date_format(int day, int month, int year, int h, int m, int s, int zone,
    char *out, size_t cap)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int k, z = zone < 0 ? -zone : zone;

	if (year < 1900 || year > 9999 || day < 1 || day > mdays[month] ||
	    (month == 1 && day == 29 && !leap) || h > 23 || m > 59 || s > 60 ||
	    z > 99 * 60 + 59)
		return -1;
	if (s == 60)
		s = 59;		/* a leap second: INTERNALDATE has none */
	k = snprintf(out, cap, "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", day,
	    imap_date_months[month], year, h, m, s, zone < 0 ? '-' : '+', z / 60,
	    z % 60);
	return k < 0 || (size_t)k >= cap ? -1 : 0;
}

int
imap_date_rfc5322(const char *s, size_t n, char *out, size_t cap)
{
	struct imap_date_word w[IMAP_DATE_WORDS];
	size_t k = imap_date_split(s, n, w, IMAP_DATE_WORDS), i = 0;
	int day, month, year, h, m, sec, zone;

	if (k > 0 && imap_date_weekday(&w[0]))
		i++;
	if (k < i + 5 || !imap_date_digits(&w[i], 1, 2, &day) ||
	    (month = imap_date_month(&w[i + 1])) < 0 ||
	    !imap_date_digits(&w[i + 2], 2, 4, &year) ||
	    !imap_date_time(&w[i + 3], &h, &m, &sec) ||
	    !imap_date_zone(&w[i + 4], &zone))
		return -1;
	if (w[i + 2].n == 2)
		year += year < 50 ? 2000 : 1900;
	else if (w[i + 2].n == 3)
		year += 1900;
	return imap_date_format(day, month, year, h, m, sec, zone, out, cap);
}

int
imap_date_mbox(const char *line, size_t n, char *out, size_t cap)
{
	struct imap_date_word w[IMAP_DATE_WORDS];
	size_t k, i;
	int day, month, year, h, m, sec, zone = 0;

	if (n < 5 || memcmp(line, "From ", 5) != 0)
		return -1;
	k = imap_date_split(line + 5, n - 5, w, IMAP_DATE_WORDS);
	/* The sender comes first and may look like anything: the date is
	 * the first "Www Mmm" pair. */
	for (i = 0; i + 4 < k; i++) {
		size_t y;
		if (!imap_date_weekday(&w[i]) || (month = imap_date_month(&w[i + 1])) < 0)
			continue;
		if (!imap_date_digits(&w[i + 2], 1, 2, &day) ||
		    !imap_date_time(&w[i + 3], &h, &m, &sec))
			return -1;
		y = i + 4;
		if (imap_date_zone(&w[y], &zone))
			y++;
		if (y >= k || !imap_date_digits(&w[y], 4, 4, &year))
			return -1;
		return imap_date_format(day, month, year, h, m, sec, zone, out, cap);
	}
	return -1;
}
