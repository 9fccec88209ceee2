/* msgsrc: messages to upload, measured and checked, then streamed. */
#include "msgsrc.h"
#include "dirs.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MSGSRC_BUF	(64 * 1024)	/* one read of the file */
#define MSGSRC_FIELD	4096		/* a header field held to parse */
#define MSGSRC_FROM_MAX	1024		/* a separator line held to parse */
#define MSGSRC_FILES_MAX 10000000	/* maildir files listed */

struct msgsrc {
	enum msgsrc_kind kind;
	char *name;		/* the path given ("-": standard input) */
	int fd;			/* one message, mbox: the (spooled) file */
	uint64_t fsize;
	uint64_t next;		/* mbox: the next "From " line; one: 0 or
				 * past the end */
	unsigned long count;
	char *lbuf;		/* mbox lines: the window [loff, loff+llen) */
	uint64_t loff;
	size_t llen;
	char *rbuf;		/* reading a message */
	char **files;		/* maildir: "new/NAME", "cur/NAME", sorted */
	size_t nfiles, nextfile;
};

/* A message's bytes while scanning: the header fields it looks for. */
struct msgsrc_scan {
	struct msgsrc_msg *m;
	bool in_header, bol;
	size_t linelen;
	char field[MSGSRC_FIELD];
	size_t flen;
	bool over;
};

static int
msgsrc_io(struct mp_err *e, const char *what, const char *path)
{
	return err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_IO, "%s %s: %s",
	    what, path, strerror(errno));
}

/* Standard input, or a file that cannot seek, into an unlinked temporary
 * file. */
static int
msgsrc_spool(int in, int *out, struct mp_err *e)
{
	char buf[MSGSRC_BUF];
	ssize_t r;
	int fd;

	if ((fd = dirs_tempfile("a temporary file for the input", e)) < 0)
		return -1;
	for (;;) {
		r = read(in, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return msgsrc_io(e, "reading", "the input");
		}
		if (r == 0)
			break;
		if (dirs_write_all(fd, buf, (size_t)r, "spooling the input", e) < 0) {
			close(fd);
			return -1;
		}
	}
	*out = fd;
	return 0;
}

static int
msgsrc_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* By name, whichever of new/ and cur/ holds it. */
	return strcmp(x + 4, y + 4);
}

static int
msgsrc_list(struct msgsrc *s, const char *sub, size_t *cap, struct mp_err *e)
{
	char dir[4096];
	DIR *d;
	struct dirent *de;

	if (snprintf(dir, sizeof dir, "%s/%s", s->name, sub) >= (int)sizeof dir)
		return err_set(e, ERR_USAGE, "maildir path too long");
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 1 : msgsrc_io(e, "cannot list", dir);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char *f;
		if (de->d_name[0] == '.' || de->d_type == DT_DIR)
			continue;
		if (s->nfiles == MSGSRC_FILES_MAX) {
			closedir(d);
			return err_set(e, ERR_IO, "%s: more than %d files", dir,
			    MSGSRC_FILES_MAX);
		}
		if (s->nfiles == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			char **nf = realloc(s->files, nc * sizeof *nf);
			if (nf == NULL) {
				closedir(d);
				return err_set(e, ERR_INTERNAL, "out of memory");
			}
			s->files = nf;
			*cap = nc;
		}
		if ((f = malloc(n + 5)) == NULL) {
			closedir(d);
			return err_set(e, ERR_INTERNAL, "out of memory");
		}
		memcpy(f, sub, 3);
		f[3] = '/';
		memcpy(f + 4, de->d_name, n + 1);
		s->files[s->nfiles++] = f;
	}
	closedir(d);
	return 0;
}

int
msgsrc_open(struct msgsrc **sp, enum msgsrc_kind kind, const char *path,
    struct mp_err *e)
{
	struct msgsrc *s;
	struct stat st;
	size_t cap = 0;
	int r;

	*sp = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	*sp = s;
	s->kind = kind;
	s->fd = -1;
	if ((s->name = strdup(path)) == NULL || (s->lbuf = malloc(MSGSRC_BUF)) == NULL ||
	    (s->rbuf = malloc(MSGSRC_BUF)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (kind == MSGSRC_MAILDIR) {
		if (stat(path, &st) < 0)
			return msgsrc_io(e, "cannot open maildir", path);
		int r2;
		if ((r = msgsrc_list(s, "new", &cap, e)) < 0 ||
		    (r2 = msgsrc_list(s, "cur", &cap, e)) < 0)
			return -1;
		if (r == 1 && r2 == 1)
			return err_set(e, ERR_DATA, "%s is not a maildir (no cur/ or "
			    "new/)", path);
		if (s->nfiles > 0)
			qsort(s->files, s->nfiles, sizeof *s->files, msgsrc_cmp);
		return 0;
	}
	if (strcmp(path, "-") == 0) {
		s->fd = 0;
	} else if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return msgsrc_io(e, "cannot open", path);
	}
	if (fstat(s->fd, &st) < 0)
		return msgsrc_io(e, "cannot read", path);
	if (S_ISDIR(st.st_mode))
		return err_set(e, ERR_USAGE, "%s is a directory%s", path,
		    kind == MSGSRC_ONE ? " (a maildir? use --maildir)" : "");
	if (!S_ISREG(st.st_mode) || lseek(s->fd, 0, SEEK_CUR) < 0) {
		int fd;
		if (msgsrc_spool(s->fd, &fd, e) < 0)
			return -1;
		if (s->fd != 0)
			close(s->fd);
		s->fd = fd;
		if (fstat(s->fd, &st) < 0)
			return msgsrc_io(e, "cannot read", "the spooled input");
	}
	s->fsize = (uint64_t)st.st_size;
	if (kind == MSGSRC_MBOX && s->fsize > 0) {
		char head[5];
		if (pread(s->fd, head, 5, 0) != 5 || memcmp(head, "From ", 5) != 0)
			return err_set(e, ERR_DATA, "%s is not an mbox: it does not "
			    "begin with \"From \"", strcmp(path, "-") == 0 ?
			    "standard input" : path);
	}
	return 0;
}

/* The line of the mbox starting at off: *next is just past its '\n' (or
 * the end of the file), *blank whether it is "" or "\r", *from whether
 * it begins with "From ". */
static int
msgsrc_mbox_line(struct msgsrc *s, uint64_t off, uint64_t *next, bool *blank,
    bool *from, struct mp_err *e)
{
	const char *nl;
	uint64_t at = off;
	bool first = true;

	for (;;) {
		size_t in;
		if (at < s->loff || at >= s->loff + s->llen ||
		    (first && s->loff + s->llen - at < 6 && s->loff + s->llen < s->fsize)) {
			size_t want = s->fsize - at < MSGSRC_BUF ? (size_t)(s->fsize - at) :
			    MSGSRC_BUF;
			ssize_t r = pread(s->fd, s->lbuf, want, (off_t)at);
			if (r < 0)
				return msgsrc_io(e, "reading", s->name);
			s->loff = at;
			s->llen = (size_t)r;
			if (r == 0) {
				*next = at;
				return 0;
			}
		}
		in = (size_t)(at - s->loff);
		if (first) {
			size_t left = s->llen - in;
			*from = left >= 5 && memcmp(s->lbuf + in, "From ", 5) == 0;
			*blank = (left >= 1 && s->lbuf[in] == '\n') || (left >= 2 &&
			    s->lbuf[in] == '\r' && s->lbuf[in + 1] == '\n') ||
			    (left == 1 && s->lbuf[in] == '\r' && at + 1 == s->fsize);
			first = false;
		}
		nl = memchr(s->lbuf + in, '\n', s->llen - in);
		if (nl != NULL) {
			*next = s->loff + (uint64_t)(nl - s->lbuf) + 1;
			return 0;
		}
		at = s->loff + s->llen;
		if (at >= s->fsize) {
			*next = s->fsize;
			return 0;
		}
	}
}

static int
msgsrc_next_mbox(struct msgsrc *s, struct msgsrc_msg *m, struct mp_err *e)
{
	char line[MSGSRC_FROM_MAX];
	uint64_t off, next, last = 0;
	bool blank, from, last_blank = false;
	ssize_t r;

	if (s->next >= s->fsize)
		return 0;
	m->offset = s->next;
	r = pread(s->fd, line, sizeof line, (off_t)s->next);
	if (r < 0)
		return msgsrc_io(e, "reading", s->name);
	{
		const char *nl = memchr(line, '\n', (size_t)r);
		size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)r;
		if (imap_date_mbox(line, n, m->from_date, sizeof m->from_date) < 0)
			m->from_date[0] = '\0';
	}
	if (msgsrc_mbox_line(s, s->next, &off, &blank, &from, e) < 0)
		return -1;
	m->start = off;
	for (;;) {
		if (off >= s->fsize) {
			m->end = last_blank ? last : off;
			s->next = off;
			break;
		}
		if (msgsrc_mbox_line(s, off, &next, &blank, &from, e) < 0)
			return -1;
		if (from) {
			/* The blank line before a separator belongs to it. */
			m->end = last_blank ? last : off;
			s->next = off;
			break;
		}
		last = off;
		last_blank = blank;
		off = next;
	}
	if (m->end < m->start)
		m->end = m->start;
	return 1;
}

int
msgsrc_next(struct msgsrc *s, struct msgsrc_msg *m, struct mp_err *e)
{
	int r;

	memset(m, 0, sizeof *m);
	m->src = s;
	m->fd = -1;
	switch (s->kind) {
	case MSGSRC_ONE:
		if (s->next > 0)
			return 0;
		s->next = 1;
		m->start = 0;
		m->end = s->fsize;
		break;
	case MSGSRC_MBOX:
		if ((r = msgsrc_next_mbox(s, m, e)) <= 0)
			return r;
		break;
	case MSGSRC_MAILDIR: {
		char full[8192];
		struct stat st;
		if (s->nextfile == s->nfiles)
			return 0;
		if ((m->path = strdup(s->files[s->nextfile++])) == NULL)
			return err_set(e, ERR_INTERNAL, "out of memory");
		msgsrc_maildir_flags(m->path, m->flags, sizeof m->flags);
		snprintf(full, sizeof full, "%s/%s", s->name, m->path);
		if (stat(full, &st) < 0)
			snprintf(m->bad, sizeof m->bad, "cannot read it: %s",
			    strerror(errno));
		else
			m->end = (uint64_t)st.st_size;
		break;
	}
	}
	m->number = ++s->count;
	msgsrc_rewind(m);
	return 1;
}

void
msgsrc_rewind(struct msgsrc_msg *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->pos = m->start;
	m->line = 1;
	m->cr = false;
	m->bol = true;
}

/* Whether the line at off matches ^>+From (mbox quoting). */
static int
msgsrc_fromish(int fd, uint64_t off, uint64_t end, bool *yes)
{
	char b[256];
	size_t i;

	*yes = false;
	for (;;) {
		size_t want = end - off < sizeof b ? (size_t)(end - off) : sizeof b;
		ssize_t r = pread(fd, b, want, (off_t)off);
		if (r < 0)
			return -1;
		for (i = 0; i < (size_t)r && b[i] == '>'; i++)
			;
		if (i < (size_t)r || r == 0) {
			off += i;
			break;
		}
		off += (uint64_t)r;
	}
	if (end - off >= 5) {
		char f[5];
		if (pread(fd, f, 5, (off_t)off) != 5)
			return -1;
		*yes = memcmp(f, "From ", 5) == 0;
	}
	return 0;
}

/* Convert the next piece of m into out (up to cap octets; a line end
 * that does not fit waits for the next call). With scan, a bad octet is
 * noted in m->bad and stops (returns 1); else it is ERR_DATA. */
static int
msgsrc_convert(struct msgsrc_msg *m, char *out, size_t cap, size_t *n, bool scan,
    struct mp_err *e)
{
	struct msgsrc *s = m->src;
	int fd = s->fd;
	size_t want, i, o = 0;
	ssize_t got;
	const char *why = NULL;

	*n = 0;
	if (s->kind == MSGSRC_MAILDIR) {
		if (m->fd < 0 && m->pos < m->end) {
			char full[8192];
			snprintf(full, sizeof full, "%s/%s", s->name, m->path);
			if ((m->fd = open(full, O_RDONLY | O_CLOEXEC)) < 0)
				return msgsrc_io(e, "cannot open", full);
		}
		fd = m->fd;
	}
	want = cap < MSGSRC_BUF ? cap : MSGSRC_BUF;
	if (m->end - m->pos < want)
		want = (size_t)(m->end - m->pos);
	if (want == 0) {
		if (m->fd >= 0) {
			close(m->fd);
			m->fd = -1;
		}
		if (m->cr) {
			why = "bare CR";
			goto bad;
		}
		return 0;
	}
	got = pread(fd, s->rbuf, want, (off_t)m->pos);
	if (got < 0)
		return msgsrc_io(e, "reading", s->kind == MSGSRC_MAILDIR ? m->path :
		    s->name);
	if (got == 0)
		return err_set(e, ERR_DATA, "%s changed while being uploaded",
		    s->kind == MSGSRC_MAILDIR ? m->path : s->name);
	for (i = 0; i < (size_t)got; i++) {
		char ch = s->rbuf[i];
		bool wascr = m->cr;

		if (m->bol && ch == '>' && s->kind == MSGSRC_MBOX) {
			bool quoted;
			if (msgsrc_fromish(fd, m->pos + i, m->end, &quoted) < 0)
				return msgsrc_io(e, "reading", s->name);
			m->bol = false;
			if (quoted)
				continue;	/* mboxrd: one '>' less */
		}
		if (o + (ch == '\n' && !wascr ? 2 : 1) > cap)
			break;		/* the rest next time */
		m->cr = false;
		if (wascr && ch != '\n') {
			why = "bare CR";
			goto bad;
		}
		if (ch == '\n') {
			if (!wascr)
				out[o++] = '\r';
			out[o++] = '\n';
			m->line++;
			m->bol = true;
			continue;
		}
		m->bol = false;
		if (ch == '\0') {
			why = "NUL byte";
			goto bad;
		}
		if (ch == '\r')
			m->cr = true;
		out[o++] = ch;
	}
	m->pos += i;
	*n = o;
	return 0;
bad:
	if (!scan)
		return err_set(e, ERR_DATA, "line %lu: %s (the file changed since "
		    "it was read)", m->line, why);
	snprintf(m->bad, sizeof m->bad, "line %lu: %s", m->line, why);
	return 1;
}

int
msgsrc_read(void *arg, char *buf, size_t cap, size_t *n, struct mp_err *e)
{
	struct msgsrc_msg *m = arg;

	return msgsrc_convert(m, buf, cap, n, false, e);
}

/* The first Message-ID and Date fields. */
static void
msgsrc_field_done(struct msgsrc_scan *sc)
{
	struct msgsrc_msg *m = sc->m;
	const char *colon = memchr(sc->field, ':', sc->flen);
	size_t nlen;

	if (sc->over || colon == NULL) {
		sc->flen = 0;
		sc->over = false;
		return;
	}
	nlen = (size_t)(colon - sc->field);
	while (nlen > 0 && (sc->field[nlen - 1] == ' ' || sc->field[nlen - 1] == '\t'))
		nlen--;
	if (nlen == 10 && strncasecmp(sc->field, "Message-ID", 10) == 0 &&
	    m->message_id[0] == '\0') {
		if (msgsrc_message_id(colon + 1, (size_t)(sc->field + sc->flen - colon - 1),
		    m->message_id, sizeof m->message_id) < 0)
			m->message_id[0] = '\0';
	} else if (nlen == 4 && strncasecmp(sc->field, "Date", 4) == 0 &&
	    m->date[0] == '\0') {
		if (imap_date_rfc5322(colon + 1, (size_t)(sc->field + sc->flen - colon - 1),
		    m->date, sizeof m->date) < 0)
			m->date[0] = '\0';
	}
	sc->flen = 0;
}

static void
msgsrc_header_bytes(struct msgsrc_scan *sc, const char *p, size_t n)
{
	for (size_t i = 0; i < n && sc->in_header; i++) {
		char ch = p[i];
		if (ch == '\r')
			continue;
		if (ch == '\n') {
			if (sc->linelen == 0) {
				msgsrc_field_done(sc);
				sc->in_header = false;
			}
			sc->bol = true;
			sc->linelen = 0;
			continue;
		}
		if (sc->bol && ch != ' ' && ch != '\t')
			msgsrc_field_done(sc);
		sc->bol = false;
		sc->linelen++;
		if (sc->flen < sizeof sc->field)
			sc->field[sc->flen++] = ch;
		else
			sc->over = true;
	}
}

int
msgsrc_scan(struct msgsrc_msg *m, struct mp_err *e)
{
	struct msgsrc_scan sc;
	char out[2 * 4096];
	size_t n;
	int r;

	msgsrc_rewind(m);
	m->size = 0;
	m->message_id[0] = m->date[0] = '\0';
	if (m->bad[0] != '\0')
		return 0;
	memset(&sc, 0, sizeof sc);
	sc.m = m;
	sc.in_header = sc.bol = true;
	for (;;) {
		if ((r = msgsrc_convert(m, out, sizeof out, &n, true, e)) < 0)
			return -1;
		if (r > 0)
			break;
		if (n == 0)
			break;
		if (sc.in_header)
			msgsrc_header_bytes(&sc, out, n);
		m->size += n;
	}
	if (sc.in_header)
		msgsrc_field_done(&sc);
	msgsrc_rewind(m);
	return 0;
}

void
msgsrc_msg_free(struct msgsrc_msg *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	free(m->path);
	m->path = NULL;
}

const char *
msgsrc_where(const struct msgsrc_msg *m, char *buf, size_t cap)
{
	const struct msgsrc *s = m->src;
	const char *name = strcmp(s->name, "-") == 0 ? "standard input" : s->name;

	switch (s->kind) {
	case MSGSRC_MBOX:
		snprintf(buf, cap, "%s: message %lu (octet %llu)", name, m->number,
		    (unsigned long long)m->offset);
		break;
	case MSGSRC_MAILDIR:
		snprintf(buf, cap, "%s/%s", name, m->path);
		break;
	default:
		snprintf(buf, cap, "%s", name);
		break;
	}
	return buf;
}

void
msgsrc_close(struct msgsrc *s)
{
	if (s == NULL)
		return;
	if (s->fd > 0)
		close(s->fd);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s->lbuf);
	free(s->rbuf);
	free(s->name);
	free(s);
}

int
msgsrc_message_id(const char *v, size_t n, char *out, size_t cap)
{
	const char *lt = memchr(v, '<', n), *gt = NULL;
	size_t len;

	if (lt != NULL && (gt = memchr(lt, '>', n - (size_t)(lt - v))) != NULL) {
		v = lt;
		n = (size_t)(gt - lt) + 1;
	}
	while (n > 0 && strchr(" \t\r\n", v[0]) != NULL)
		v++, n--;
	while (n > 0 && strchr(" \t\r\n", v[n - 1]) != NULL)
		n--;
	if (n == 0 || n >= cap)
		return -1;
	/* Folding inside an identifier: drop the line ends and blanks. */
	for (len = 0; n > 0; v++, n--) {
		if (*v != '\r' && *v != '\n' && !(gt != NULL && (*v == ' ' || *v == '\t')))
			out[len++] = *v;
	}
	out[len] = '\0';
	return len > 0 ? 0 : -1;
}

void
msgsrc_maildir_flags(const char *name, char *out, size_t cap)
{
	static const struct {
		char letter;
		const char *flag;
	} map[] = {
		{ 'D', "\\Draft" }, { 'F', "\\Flagged" }, { 'R', "\\Answered" },
		{ 'S', "\\Seen" }, { 'T', "\\Deleted" },
	};
	const char *info = strrchr(name, ':');
	size_t len = 0;

	out[0] = '\0';
	if (info == NULL || strncmp(info, ":2,", 3) != 0)
		return;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strchr(info + 3, map[i].letter) == NULL)
			continue;
		int k = snprintf(out + len, cap - len, "%s%s", len ? " " : "",
		    map[i].flag);
		if (k < 0 || (size_t)k >= cap - len) {
			out[len] = '\0';
			return;
		}
		len += (size_t)k;
	}
}
