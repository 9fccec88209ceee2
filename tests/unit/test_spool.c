/* MODULES: utf8 spool msg err dirs */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spool.h"
#include "t.h"

/* A pipe whose writer (a child) sends data then closes. */
static int
pipe_of(const char *data, size_t n)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		size_t off = 0;
		close(p[0]);
		while (off < n) {
			ssize_t w = write(p[1], data + off, n - off);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

/* The whole message read back through spool_pread in odd pieces. */
static char *
read_back(struct spool *s, size_t *n)
{
	unsigned long long len = spool_length(s), off = 0;
	char *out = malloc(len + 1);
	struct mp_err e;

	while (off < len) {
		ssize_t r = spool_pread(s, off, out + off, 7777, &e);
		if (r <= 0)
			break;
		off += (unsigned long long)r;
	}
	*n = (size_t)off;
	return out;
}

static void
check(const char *name, int fd, const char *want, size_t want_len, bool dot_ends,
    const char *want_header)
{
	struct spool *s;
	struct msg_scan scan;
	struct mp_err e;
	size_t n, hn;
	bool cut;
	char *got;
	const char *h;

	if (!t_inteq(spool_read(&s, fd, dot_ends, &scan, &e), 0, name)) {
		printf("# %s\n", e.text);
		return;
	}
	t_ok(spool_length(s) == want_len, "%s: length", name);
	got = read_back(s, &n);
	t_ok(n == want_len && memcmp(got, want, want_len) == 0, "%s: content", name);
	h = spool_header(s, &hn, &cut);
	t_ok(!cut && hn == strlen(want_header) && memcmp(h, want_header, hn) == 0,
	    "%s: header block", name);
	free(got);
	spool_free(s);
	close(fd);
	while (wait(NULL) > 0)
		;
}

int
main(void)
{
	static const char small[] = "Subject: x\n\nbody\n";
	static const char dotted[] = "Subject: x\n\nbody\n.\nafter\n";
	char path[] = "/tmp/test_spool.XXXXXX";
	size_t big_len = 3 * 1024 * 1024 + 17, i;
	char *big = malloc(big_len);
	int fd;

	check("small pipe", pipe_of(small, strlen(small)), small, strlen(small), true,
	    "Subject: x\n\n");
	check("dot ends", pipe_of(dotted, strlen(dotted)), dotted, 17, true,
	    "Subject: x\n\n");
	check("-i keeps the dot line", pipe_of(dotted, strlen(dotted)), dotted,
	    strlen(dotted), false, "Subject: x\n\n");

	/* Past 1 MiB a pipe goes to a temporary file. */
	memcpy(big, "Subject: big\n\n", 14);
	for (i = 14; i < big_len; i++)
		big[i] = (i % 71 == 70) ? '\n' : (char)('a' + i % 26);
	big[big_len - 1] = '\n';
	check("big pipe", pipe_of(big, big_len), big, big_len, true, "Subject: big\n\n");

	/* A regular file is read in place, from where the offset is. */
	fd = mkstemp(path);
	unlink(path);
	if (write(fd, "skip", 4) != 4 || write(fd, big, big_len) != (ssize_t)big_len)
		return 1;
	lseek(fd, 4, SEEK_SET);
	check("regular file", fd, big, big_len, true, "Subject: big\n\n");

	{
		/* No empty line within 1 MiB: the header is cut, not an error. */
		struct spool *s;
		struct msg_scan scan;
		struct mp_err e;
		size_t hn;
		bool cut;
		for (i = 0; i < big_len; i++)
			big[i] = (i % 71 == 70) ? '\n' : 'x';
		t_inteq(spool_read(&s, pipe_of(big, big_len), true, &scan, &e), 0,
		    "no header block");
		spool_header(s, &hn, &cut);
		t_ok(cut && hn == SPOOL_HEADER_MAX, "header cut at the cap");
		spool_free(s);
		while (wait(NULL) > 0)
			;
	}
	{
		struct spool *s;
		struct msg_scan scan;
		struct mp_err e;
		static const char bad[] = "Subject: x\n\nline\rbare\n";
		t_inteq(spool_read(&s, pipe_of(bad, strlen(bad)), true, &scan, &e), -1,
		    "bad input refused");
		t_inteq(e.kind, ERR_DATA, "as bad data");
		t_ok(strstr(e.text, "line 3") != NULL, "naming the line: %s", e.text);
		while (wait(NULL) > 0)
			;
	}
	free(big);
	return t_done();
}
