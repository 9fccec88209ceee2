/* MODULES: mbox err utf8
 * Fuzz target: the input's first octet chooses 1-3 messages (and whether
 * to sync between them and to write and take back a partial message);
 * the rest, split on "\n", are their lines. Written to an mbox file and
 * read back with mbox_parse, the lines must be exactly those written:
 * mboxrd quoting undone, nothing lost, no separator forged. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

struct want {
	const char **p;		/* NULL marks a separator */
	size_t *len;
	size_t n, i;
};

static int
check_item(void *arg, enum mbox_item item, const char *line, size_t len)
{
	struct want *w = arg;

	if (w->i >= w->n)
		abort();
	if (item == MBOX_FROM) {
		if (w->p[w->i] != NULL || len < 10 || memcmp(line, "From fuzz ", 10) != 0)
			abort();
	} else if (w->p[w->i] == NULL || w->len[w->i] != len ||
	    memcmp(w->p[w->i], line, len) != 0) {
		abort();
	}
	w->i++;
	return 0;
}

static char box_dir[64];

static void
box_remove(void)
{
	rmdir(box_dir);
}

/* One private directory per process, removed at exit. */
static const char *
box_path(void)
{
	static char path[128];

	if (path[0] == '\0') {
		snprintf(box_dir, sizeof box_dir, "%s/fuzz_mbox.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(box_dir) == NULL)
			abort();
		atexit(box_remove);
		snprintf(path, sizeof path, "%s/box", box_dir);
	}
	return path;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char *text = (const char *)data + 1, *path = box_path();
	struct want w = { NULL, NULL, 0, 0 };
	size_t tn, nlines = 0, i, k, per, pos, fn;
	struct mbox *m;
	struct mp_err e;
	unsigned msgs, flags;
	char *file;
	FILE *f;

	if (n < 1 || n > 65536)
		return 0;
	flags = data[0];
	msgs = 1 + flags % 3;
	tn = n - 1;
	/* Lines: split on "\n"; a final "\n" ends the last line. */
	for (i = 0; i < tn; i++)
		if (text[i] == '\n')
			nlines++;
	if (tn > 0 && text[tn - 1] != '\n')
		nlines++;
	w.p = calloc(nlines + msgs, sizeof *w.p);
	w.len = calloc(nlines + msgs, sizeof *w.len);
	if (w.p == NULL || w.len == NULL)
		abort();
	unlink(path);
	if (mbox_open(&m, path, 0, &e) < 0)
		abort();
	per = (nlines + msgs - 1) / msgs;
	pos = 0;
	for (k = 0; k < msgs; k++) {
		uint64_t start = mbox_offset(m);
		if (flags & 4) {
			/* A message that fails half way, taken back. */
			if (mbox_begin(m, "gone", 0, &e) < 0 ||
			    mbox_line(m, text, tn / 2, &e) < 0 ||
			    mbox_truncate(m, start, &e) < 0)
				abort();
		}
		if (mbox_begin(m, "fuzz", (time_t)k * 1000003, &e) < 0)
			abort();
		w.p[w.n++] = NULL;
		for (i = 0; i < per && pos < tn; i++) {
			const char *nl = memchr(text + pos, '\n', tn - pos);
			size_t len = nl ? (size_t)(nl - (text + pos)) : tn - pos;
			if (mbox_line(m, text + pos, len, &e) < 0)
				abort();
			w.p[w.n] = text + pos;
			w.len[w.n++] = len;
			pos += len + 1;
		}
		if (mbox_end(m, &e) < 0)
			abort();
		if ((flags & 8) && mbox_sync(m, &e) < 0)
			abort();
	}
	if (mbox_sync(m, &e) < 0)
		abort();
	mbox_close(m);
	if ((f = fopen(path, "rb")) == NULL)
		abort();
	fseek(f, 0, SEEK_END);
	fn = (size_t)ftell(f);
	rewind(f);
	if ((file = malloc(fn + 1)) == NULL || fread(file, 1, fn, f) != fn)
		abort();
	fclose(f);
	if (mbox_parse(file, fn, check_item, &w, &e) != 0 || w.i != w.n)
		abort();
	free(file);
	free(w.p);
	free(w.len);
	unlink(path);
	return 0;
}
