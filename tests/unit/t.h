/* t: a tiny TAP producer for table-driven unit tests. Each check prints
 * "ok N - name" or "not ok N - name"; t_done() prints the plan and
 * returns the exit status. */
#ifndef MAILPIPE_T_H
#define MAILPIPE_T_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int t_count, t_failed;

__attribute__((format(printf, 2, 3)))
static __attribute__((unused)) int
t_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	char name[256];
	const char *p;

	t_count++;
	if (!cond)
		t_failed++;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	printf("%sok %d - ", cond ? "" : "not ", t_count);
	/* A name must stay on its line for TAP. */
	for (p = name; *p; p++) {
		if ((unsigned char)*p < 0x20)
			printf("\\x%02x", (unsigned char)*p);
		else
			putchar(*p);
	}
	putchar('\n');
	return cond;
}

static __attribute__((unused)) int
t_streq(const char *got, const char *want, const char *name)
{
	int ok = got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want;

	if (!t_ok(ok, "%s", name))
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return ok;
}

static __attribute__((unused)) int
t_inteq(long long got, long long want, const char *name)
{
	int ok = got == want;

	if (!t_ok(ok, "%s", name))
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return ok;
}

static __attribute__((unused)) int
t_done(void)
{
	printf("1..%d\n", t_count);
	fflush(stdout);
	return t_failed != 0;
}

#endif
