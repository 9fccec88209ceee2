/* MODULES: dirs msgsrc imap_date err utf8
 * Fuzz target: the input sources of imapput. The first octet picks the
 * mode and the size of the pieces read, the second holds the mode's
 * flags; the rest is the input.
 *  0: the rest is one message (MSGSRC_ONE);
 *  1: the rest, split on 0x1e, is up to 8 messages that are written as
 *     an mboxrd file (From lines, >From quoting, blank separators, LF
 *     or CRLF, with or without the last blank line): msgsrc gives back
 *     exactly those messages, at the offsets written, with their dates;
 *  2: the rest is an mbox file as found: the messages are the regions
 *     between "From " lines less one trailing blank line;
 *  3: the rest, split on 0x1e, is up to 3 maildir files whose names
 *     carry ":2," info flags, in new/ or cur/;
 *  4: the pure helpers, msgsrc_message_id and msgsrc_maildir_flags.
 * Every message is checked against a model written here line by line:
 * its wire form (LF to CRLF, one '>' less on ^>+From lines in an mbox),
 * the first bare CR or NUL and its line number, which refuses it, the
 * size msgsrc_scan announces (equal to the octets msgsrc_read produces,
 * in pieces of any size), and the first usable Message-ID and Date
 * fields of its header. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#define fz_check(ok) fz_assert((ok), __LINE__)

static void
fz_assert(bool ok, int line)
{
	if (!ok) {
		fprintf(stderr, "fuzz_msgsrc.c:%d: check failed\n", line);
		abort();
	}
}

/* A growable octet buffer. */
struct fz_buf {
	char *p;
	size_t n, cap;
};

static void
fz_put(struct fz_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		if ((b->p = realloc(b->p, cap)) == NULL)
			abort();
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
fz_puts(struct fz_buf *b, const char *s)
{
	fz_put(b, s, strlen(s));
}

/* ---- the model */

struct fz_model {
	struct fz_buf wire;	/* the wire form (up to the fault, if any) */
	char bad[128];		/* "line N: bare CR", "line N: NUL byte" or "" */
	char id[MSGSRC_ID_MAX];
	char date[IMAP_DATE_LEN];
};

/* Whether line[0..n) matches ^>+From (mboxrd quoting). */
static bool
fz_quoted(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && line[i] == '>')
		i++;
	return i > 0 && n - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

/* One field of the header, unfolded: the first usable Message-ID and
 * Date. */
static void
fz_field(struct fz_model *md, const char *f, size_t n)
{
	const char *colon;
	size_t name;

	/* msgsrc holds 4096 octets of a field; longer ones are skipped. */
	if (n > 4096 || (colon = memchr(f, ':', n)) == NULL)
		return;
	name = (size_t)(colon - f);
	while (name > 0 && (f[name - 1] == ' ' || f[name - 1] == '\t'))
		name--;
	if (name == 10 && strncasecmp(f, "Message-ID", 10) == 0 && md->id[0] == '\0') {
		if (msgsrc_message_id(colon + 1, n - (size_t)(colon + 1 - f), md->id,
		    sizeof md->id) < 0)
			md->id[0] = '\0';
	} else if (name == 4 && strncasecmp(f, "Date", 4) == 0 && md->date[0] == '\0') {
		if (imap_date_rfc5322(colon + 1, n - (size_t)(colon + 1 - f), md->date,
		    sizeof md->date) < 0)
			md->date[0] = '\0';
	}
}

/* The header of a wire form without faults: lines up to the first empty
 * one, continuation lines (leading blank) joined to the field before. */
static void
fz_headers(struct fz_model *md, const char *w, size_t n)
{
	struct fz_buf f = { NULL, 0, 0 };
	size_t pos = 0;

	fz_put(&f, "", 0);
	while (pos < n) {
		const char *crlf = memmem(w + pos, n - pos, "\r\n", 2);
		size_t len = crlf ? (size_t)(crlf - (w + pos)) : n - pos;
		if (crlf != NULL && len == 0)
			break;
		if (w[pos] != ' ' && w[pos] != '\t') {
			fz_field(md, f.p, f.n);
			f.n = 0;
		}
		fz_put(&f, w + pos, len);
		pos += len + (crlf ? 2 : 0);
	}
	fz_field(md, f.p, f.n);
	free(f.p);
}

/* The model of a message whose bytes in the file are r[0..n). */
static void
fz_model(struct fz_model *md, const char *r, size_t n, bool mbox)
{
	size_t pos = 0;
	unsigned long line = 1;

	memset(md, 0, sizeof *md);
	fz_put(&md->wire, "", 0);
	while (pos < n) {
		const char *nl = memchr(r + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (r + pos)) : n - pos, i;
		const char *l = r + pos;
		const char *why = NULL;
		size_t at = 0;

		pos += len + (nl ? 1 : 0);
		if (mbox && fz_quoted(l, len))
			l++, len--;
		/* The line's first fault: a NUL, or a CR not ending it. */
		for (i = 0; i < len && why == NULL; i++) {
			if (l[i] == '\0')
				why = "NUL byte", at = i;
			else if (l[i] == '\r' && (i + 1 < len || nl == NULL))
				why = "bare CR", at = i;
		}
		if (why != NULL) {
			/* A CR goes out before what follows shows it bare. */
			fz_put(&md->wire, l, at + (l[at] == '\r'));
			snprintf(md->bad, sizeof md->bad, "line %lu: %s", line, why);
			return;
		}
		if (nl != NULL && len > 0 && l[len - 1] == '\r')
			len--;
		fz_put(&md->wire, l, len);
		if (nl != NULL)
			fz_put(&md->wire, "\r\n", 2);
		line++;
	}
	fz_headers(md, md->wire.p, md->wire.n);
}

/* ---- checking msgsrc against the model */

/* Scan m, compare with the model of r[0..n), read it in pieces. */
static void
fz_message(struct msgsrc_msg *m, const char *r, size_t n, bool mbox, size_t piece)
{
	struct fz_model md;
	struct fz_buf got = { NULL, 0, 0 };
	struct mp_err e;
	char *buf;
	size_t k;
	int rc;

	fz_model(&md, r, n, mbox);
	fz_check(msgsrc_scan(m, &e) == 0);
	fz_check(strcmp(m->bad, md.bad) == 0);
	if ((buf = malloc(piece)) == NULL)
		abort();
	fz_put(&got, "", 0);
	for (;;) {
		rc = msgsrc_read(m, buf, piece, &k, &e);
		if (rc < 0)
			break;
		fz_check(rc == 0 && k <= piece);
		if (k == 0)
			break;
		fz_put(&got, buf, k);
	}
	if (md.bad[0] != '\0') {
		/* Refused: reading it fails before the fault goes out. */
		fz_check(rc < 0 && e.kind == ERR_DATA);
		fz_check(got.n <= md.wire.n && memcmp(got.p, md.wire.p, got.n) == 0);
	} else {
		fz_check(rc == 0);
		fz_check(m->size == md.wire.n && got.n == md.wire.n &&
		    memcmp(got.p, md.wire.p, got.n) == 0);
		fz_check(strcmp(m->message_id, md.id) == 0);
		fz_check(strcmp(m->date, md.date) == 0);
		/* Read again after a rewind: the same octets. */
		msgsrc_rewind(m);
		got.n = 0;
		while (msgsrc_read(m, buf, piece, &k, &e) == 0 && k > 0)
			fz_put(&got, buf, k);
		fz_check(got.n == md.wire.n && memcmp(got.p, md.wire.p, got.n) == 0);
	}
	free(buf);
	free(got.p);
	free(md.wire.p);
}

/* ---- files */

static char fz_dir[64];

static void
fz_remove(void)
{
	char p[128];

	snprintf(p, sizeof p, "%s/box", fz_dir);
	unlink(p);
	rmdir(fz_dir);
}

/* One private directory per process, removed at exit. */
static const char *
fz_path(const char *name)
{
	static char path[256];

	if (fz_dir[0] == '\0') {
		snprintf(fz_dir, sizeof fz_dir, "%s/fuzz_msgsrc.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(fz_dir) == NULL)
			abort();
		atexit(fz_remove);
	}
	snprintf(path, sizeof path, "%s/%s", fz_dir, name);
	return path;
}

static void
fz_write(const char *path, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n) || close(fd) < 0)
		abort();
}

/* The sizes reads are asked for: small ones cut line ends. */
static size_t
fz_piece(unsigned k)
{
	static const size_t sizes[] = { 2, 3, 4, 5, 7, 16, 4096, 65536 };

	return sizes[k % 8];
}

static void
fz_one(const char *p, size_t n, size_t piece)
{
	const char *path = fz_path("box");
	struct msgsrc *s;
	struct msgsrc_msg m;
	struct mp_err e;

	fz_write(path, p, n);
	fz_check(msgsrc_open(&s, MSGSRC_ONE, path, &e) == 0);
	fz_check(msgsrc_next(s, &m, &e) == 1 && m.number == 1 && m.start == 0 &&
	    m.end == n && m.path == NULL && m.flags[0] == '\0');
	fz_message(&m, p, n, false, piece);
	msgsrc_msg_free(&m);
	fz_check(msgsrc_next(s, &m, &e) == 0);
	msgsrc_close(s);
	unlink(path);
}

#define FZ_MSGS 8

/* Messages of the input written as an mboxrd file. */
static void
fz_mbox_built(const char *p, size_t n, unsigned flags, size_t piece)
{
	const char *path = fz_path("box");
	const char *eol = (flags & 1) ? "\r\n" : "\n";
	bool last_blank = !(flags & 2);
	struct fz_buf file = { NULL, 0, 0 }, want[FZ_MSGS];
	uint64_t offset[FZ_MSGS];
	size_t msgs = 0, pos = 0, k;
	struct msgsrc *s;
	struct msgsrc_msg m;
	struct mp_err e;

	memset(want, 0, sizeof want);
	fz_put(&file, "", 0);
	while (msgs < FZ_MSGS) {
		const char *sep = memchr(p + pos, 0x1e, n - pos);
		size_t len = sep ? (size_t)(sep - (p + pos)) : n - pos, lp = 0;
		const char *t = p + pos;
		char from[80];

		/* A message ends with a line end: add one where missing. */
		fz_put(&want[msgs], t, len);
		if (len > 0 && t[len - 1] != '\n')
			fz_put(&want[msgs], "\n", 1);
		offset[msgs] = file.n;
		snprintf(from, sizeof from, "From fuzz@example.org Thu Nov 27 12:11:%02zu "
		    "2026%s", msgs, eol);
		fz_puts(&file, from);
		while (lp < want[msgs].n) {
			const char *l = want[msgs].p + lp;
			const char *nl = memchr(l, '\n', want[msgs].n - lp);
			size_t ll = (size_t)(nl - l) + 1;
			if (fz_quoted(l, ll) || (ll >= 5 && memcmp(l, "From ", 5) == 0))
				fz_put(&file, ">", 1);
			fz_put(&file, l, ll);
			lp += ll;
		}
		msgs++;
		if (sep == NULL)
			break;
		pos += len + 1;
		if (msgs < FZ_MSGS)
			fz_puts(&file, eol);
	}
	if (last_blank) {
		fz_puts(&file, eol);
	} else {
		/* Without the last separator's blank line, a blank last line
		 * of the last message is taken for it. */
		struct fz_buf *w = &want[msgs - 1];
		if (w->n >= 1 && w->p[w->n - 1] == '\n') {
			size_t b = w->n >= 2 && w->p[w->n - 2] == '\r' ? 2 : 1;
			if (w->n == b || w->p[w->n - b - 1] == '\n')
				w->n -= b;
		}
	}
	fz_write(path, file.p, file.n);
	fz_check(msgsrc_open(&s, MSGSRC_MBOX, path, &e) == 0);
	for (k = 0; k < msgs; k++) {
		char date[48];
		fz_check(msgsrc_next(s, &m, &e) == 1);
		fz_check(m.number == k + 1 && m.offset == offset[k]);
		snprintf(date, sizeof date, "27-Nov-2026 12:11:%02u +0000",
		    (unsigned)(k % 60));
		fz_check(strcmp(m.from_date, date) == 0);
		/* The region, unquoted, is the message. */
		fz_check(m.start <= m.end && m.end <= file.n);
		fz_message(&m, want[k].p, want[k].n, false, piece);
		msgsrc_msg_free(&m);
	}
	fz_check(msgsrc_next(s, &m, &e) == 0);
	msgsrc_close(s);
	unlink(path);
	for (k = 0; k < FZ_MSGS; k++)
		free(want[k].p);
	free(file.p);
}

/* Whether the line p[0..len) (its '\n' included if any) is blank for an
 * mbox: "\n", "\r\n", or a lone "\r" that ends the file. */
static bool
fz_blank(const char *p, size_t len, bool at_eof)
{
	return (len == 1 && p[0] == '\n') || (len == 2 && p[0] == '\r' &&
	    p[1] == '\n') || (len == 1 && p[0] == '\r' && at_eof);
}

/* The input as an mbox file. */
static void
fz_mbox_raw(const char *p, size_t n, size_t piece)
{
	const char *path = fz_path("box");
	struct msgsrc *s;
	struct msgsrc_msg m;
	struct mp_err e;
	size_t pos = 0, number = 0;
	int r;

	fz_write(path, p, n);
	r = msgsrc_open(&s, MSGSRC_MBOX, path, &e);
	if (n > 0 && (n < 5 || memcmp(p, "From ", 5) != 0)) {
		fz_check(r < 0 && e.kind == ERR_DATA);
		msgsrc_close(s);
		unlink(path);
		return;
	}
	fz_check(r == 0);
	/* Each separator at pos: the message runs to the next line that
	 * begins with "From ", less one trailing blank line. */
	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		size_t start = nl ? (size_t)(nl - p) + 1 : n, end = start, at = start;
		size_t last = start, ll;
		char date[IMAP_DATE_LEN];
		size_t fl = (nl ? (size_t)(nl - p) : n) - pos;

		fz_check(memcmp(p + pos, "From ", 5) == 0);
		while (at < n && !(n - at >= 5 && memcmp(p + at, "From ", 5) == 0)) {
			const char *l = memchr(p + at, '\n', n - at);
			last = at;
			at = l ? (size_t)(l - p) + 1 : n;
		}
		end = at;
		ll = at - last;
		if (at > start && fz_blank(p + last, ll, at == n))
			end = last;
		fz_check(msgsrc_next(s, &m, &e) == 1);
		fz_check(m.number == ++number && m.offset == pos && m.start == start &&
		    m.end == end);
		if (imap_date_mbox(p + pos, fl < 1024 ? fl : 1024, date, sizeof date) < 0)
			date[0] = '\0';
		fz_check(strcmp(m.from_date, date) == 0);
		fz_message(&m, p + start, end - start, true, piece);
		msgsrc_msg_free(&m);
		pos = at;
	}
	fz_check(msgsrc_next(s, &m, &e) == 0);
	msgsrc_close(s);
	unlink(path);
}

/* The flags a maildir info ":2,..." names, all of them. */
static void
fz_flags_model(const char *name, struct fz_buf *out)
{
	static const char letters[] = "DFRST";
	static const char *const flags[] = { "\\Draft", "\\Flagged", "\\Answered",
	    "\\Seen", "\\Deleted" };
	const char *info = strrchr(name, ':');

	fz_put(out, "", 0);
	if (info == NULL || strncmp(info, ":2,", 3) != 0)
		return;
	for (size_t i = 0; i < 5; i++) {
		if (strchr(info + 3, letters[i]) != NULL) {
			if (out->n > 0)
				fz_put(out, " ", 1);
			fz_puts(out, flags[i]);
		}
	}
}

/* Up to 3 maildir files, named by the input. */
static void
fz_maildir(const char *p, size_t n, unsigned flags, size_t piece)
{
	static const char *const subs[] = { "new", "cur" };
	char names[3][64], paths[3][160], dir[128];
	const char *body[3];
	size_t blen[3], files = 0, pos = 0, k;
	struct msgsrc *s;
	struct msgsrc_msg m;
	struct mp_err e;

	snprintf(dir, sizeof dir, "%s", fz_path("md"));
	if (mkdir(dir, 0700) < 0)
		abort();
	for (k = 0; k < 2; k++) {
		char sub[160];
		snprintf(sub, sizeof sub, "%s/%s", dir, subs[k]);
		if (mkdir(sub, 0700) < 0)
			abort();
	}
	/* Each file: an info of up to 8 octets first (ended by '\n'),
	 * then its content. */
	while (files < 3) {
		const char *sep = memchr(p + pos, 0x1e, n - pos);
		size_t len = sep ? (size_t)(sep - (p + pos)) : n - pos, il = 0;
		const char *nl = memchr(p + pos, '\n', len);
		char info[16];

		if (nl != NULL && nl - (p + pos) <= 8) {
			for (; p + pos + il < nl; il++) {
				char c = p[pos + il];
				info[il] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    c == ',' || c == ':' || (c >= '0' && c <= '9') ? c : '_';
			}
			body[files] = nl + 1;
			blen[files] = len - il - 1;
		} else {
			body[files] = p + pos;
			blen[files] = len;
		}
		info[il] = '\0';
		snprintf(names[files], sizeof names[files], "%zu.M1.fuzz%s%s", files,
		    il ? ":" : "", info);
		snprintf(paths[files], sizeof paths[files], "%s/%s/%s", dir,
		    subs[(flags >> files) & 1], names[files]);
		fz_write(paths[files], body[files], blen[files]);
		files++;
		if (sep == NULL)
			break;
		pos += len + 1;
	}
	fz_check(msgsrc_open(&s, MSGSRC_MAILDIR, dir, &e) == 0);
	for (k = 0; k < files; k++) {
		struct fz_buf want = { NULL, 0, 0 };
		fz_check(msgsrc_next(s, &m, &e) == 1 && m.number == k + 1);
		/* In name order, whichever of new/ and cur/ holds it. */
		fz_check(m.path != NULL && strcmp(m.path + 4, names[k]) == 0 &&
		    strncmp(m.path, subs[(flags >> k) & 1], 3) == 0);
		fz_flags_model(m.path, &want);
		fz_check(strcmp(m.flags, want.p) == 0);
		free(want.p);
		fz_message(&m, body[k], blen[k], false, piece);
		msgsrc_msg_free(&m);
	}
	fz_check(msgsrc_next(s, &m, &e) == 0);
	msgsrc_close(s);
	for (k = 0; k < files; k++)
		unlink(paths[k]);
	for (k = 0; k < 2; k++) {
		char sub[160];
		snprintf(sub, sizeof sub, "%s/%s", dir, subs[k]);
		rmdir(sub);
	}
	rmdir(dir);
}

/* msgsrc_message_id and msgsrc_maildir_flags on the input. */
static void
fz_pure(const char *p, size_t n, unsigned flags)
{
	size_t cap = 1 + flags % 80;
	char out[MSGSRC_ID_MAX + 8], *name;
	struct fz_buf want = { NULL, 0, 0 };
	const char *lt = memchr(p, '<', n), *gt = NULL;
	int r;

	memset(out, 'x', sizeof out);
	r = msgsrc_message_id(p, n, out, cap);
	for (size_t i = cap; i < sizeof out; i++)
		fz_check(out[i] == 'x');
	if (lt != NULL)
		gt = memchr(lt, '>', n - (size_t)(lt - p));
	/* The model: "<...>" with line ends and blanks taken out, else the
	 * value trimmed with line ends taken out. */
	fz_put(&want, "", 0);
	{
		const char *v = gt ? lt : p;
		size_t vn = gt ? (size_t)(gt - lt) + 1 : n;
		while (vn > 0 && strchr(" \t\r\n", v[0]) != NULL && v[0] != '\0')
			v++, vn--;
		while (vn > 0 && strchr(" \t\r\n", v[vn - 1]) != NULL && v[vn - 1] != '\0')
			vn--;
		if (vn < cap) {
			for (size_t i = 0; i < vn; i++) {
				if (v[i] == '\r' || v[i] == '\n' || (gt && (v[i] == ' ' ||
				    v[i] == '\t')))
					continue;
				fz_put(&want, v + i, 1);
			}
		}
		if (memchr(p, '\0', n) != NULL) {
			/* A NUL is no part of any field: only the bounds hold. */
			fz_check(r == -1 || strlen(out) < cap);
		} else if (vn == 0 || vn >= cap || want.n == 0) {
			fz_check(r == -1);
		} else {
			fz_check(r == 0 && memcmp(out, want.p, want.n + 1) == 0);
		}
	}
	free(want.p);

	/* The same octets as a maildir file name, up to a NUL. */
	if ((name = malloc(n + 1)) == NULL)
		abort();
	memcpy(name, p, n);
	name[n] = '\0';
	want.p = NULL;
	want.n = want.cap = 0;
	fz_flags_model(name, &want);
	memset(out, 'x', sizeof out);
	msgsrc_maildir_flags(name, out, cap);
	for (size_t i = cap; i < sizeof out; i++)
		fz_check(out[i] == 'x');
	/* The longest run of whole flags that fits. */
	{
		size_t len = strlen(out);
		fz_check(len < cap && len <= want.n && memcmp(out, want.p, len) == 0);
		fz_check(len == want.n || want.p[len] == ' ' || len == 0);
		if (len < want.n) {
			const char *next = memchr(want.p + len + (len > 0), ' ',
			    want.n - len - (len > 0));
			size_t end = next ? (size_t)(next - want.p) : want.n;
			fz_check(end >= cap);
		}
	}
	free(want.p);
	free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char *p = (const char *)data + 2;
	size_t piece;

	if (n < 2 || n > 65536)
		return 0;
	piece = fz_piece(data[0] / 5);
	switch (data[0] % 5) {
	case 0:
		fz_one(p, n - 2, piece);
		break;
	case 1:
		fz_mbox_built(p, n - 2, data[1], piece);
		break;
	case 2:
		fz_mbox_raw(p, n - 2, piece);
		break;
	case 3:
		fz_maildir(p, n - 2, data[1], piece);
		break;
	default:
		fz_pure(p, n - 2, data[1]);
		break;
	}
	return 0;
}
