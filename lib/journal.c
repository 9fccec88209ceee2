/* journal: popfetch's per-account delivery state (seen + journal). */
#include "journal.h"
#include "dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_BUF	(16 * 1024)	/* records buffered until a sync */
#define JOURNAL_READ	(64 * 1024)	/* reading seen and journal */
#define JOURNAL_LINE_MAX 512		/* a longer line is bad */

struct journal_slot {
	uint64_t hash;
	char *uidl;		/* NULL: empty slot */
	bool drop;		/* compaction: not kept */
};

struct journal_pend {
	char uidl[JOURNAL_UIDL_MAX + 1];
	char name[JOURNAL_NAME_MAX + 1];	/* "" for none */
	uint64_t pos;
};

struct journal {
	char *dir;
	int dfd, lockfd, fd;	/* dir, dir/lock, dir/journal */
	struct journal_slot *tab; /* delivered UIDLs: open addressing */
	size_t cap, count;	/* cap: a power of two */
	struct journal_pend *pend; /* begun, not done: a batch in flight */
	size_t npend;
	char *buf;		/* records not yet written */
	size_t len;
	off_t size;		/* the journal's octets, all good records */
	bool unsynced;		/* written since the last fsync */
	bool broken;		/* an I/O error: state on disk unknown */
};

/* Add a pending delivery; ERR_INTERNAL past JOURNAL_PENDING_MAX. */
static int
journal_pend_add(struct journal *j, const char *uidl, uint64_t pos,
    const char *name, struct mp_err *e)
{
	struct journal_pend *p;

	if (j->npend == JOURNAL_PENDING_MAX)
		return err_set(e, ERR_INTERNAL, "%s: more than %d deliveries pending",
		    j->dir, JOURNAL_PENDING_MAX);
	if (j->pend == NULL &&
	    (j->pend = calloc(JOURNAL_PENDING_MAX, sizeof *j->pend)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	p = &j->pend[j->npend++];
	snprintf(p->uidl, sizeof p->uidl, "%s", uidl);
	snprintf(p->name, sizeof p->name, "%s", strcmp(name, "-") ? name : "");
	p->pos = pos;
	return 0;
}

/* The delivery of uidl is done: no longer pending. */
static void
journal_pend_drop(struct journal *j, const char *uidl)
{
	size_t i;

	for (i = 0; i < j->npend; i++) {
		if (strcmp(j->pend[i].uidl, uidl) == 0) {
			memmove(j->pend + i, j->pend + i + 1,
			    (j->npend - i - 1) * sizeof *j->pend);
			j->npend--;
			return;
		}
	}
}

struct journal_reader {
	int fd;
	char *buf;
	size_t start, end;
	bool eof;
};

enum {
	JOURNAL_EOF, JOURNAL_LINE, JOURNAL_TORN, JOURNAL_LONG, JOURNAL_ERR
};

static uint32_t journal_crc_table[256];

static uint32_t
journal_crc32(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;

	if (journal_crc_table[1] == 0) {
		for (i = 0; i < 256; i++) {
			uint32_t v = (uint32_t)i;
			int k;
			for (k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			journal_crc_table[i] = v;
		}
	}
	for (i = 0; i < n; i++)
		c = journal_crc_table[(c ^ (unsigned char)p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static uint64_t
journal_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

/* A word of 1 to max octets of 0x21-0x7e, n octets long. */
static bool
journal_word_ok(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool
journal_uidl_ok(const char *uidl)
{
	return uidl != NULL &&
	    journal_word_ok(uidl, strnlen(uidl, JOURNAL_UIDL_MAX + 1), JOURNAL_UIDL_MAX);
}

/* The slot of uidl (hash h): its own, or the empty one to put it in. */
static struct journal_slot *
journal_slot(struct journal_slot *tab, size_t cap, uint64_t h, const char *uidl)
{
	size_t i = (size_t)h & (cap - 1);

	while (tab[i].uidl != NULL &&
	    (tab[i].hash != h || strcmp(tab[i].uidl, uidl) != 0))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int
journal_grow(struct journal *j, struct mp_err *e)
{
	size_t cap = j->cap ? j->cap * 2 : 1024, i;
	struct journal_slot *tab;

	if ((tab = calloc(cap, sizeof *tab)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (i = 0; i < j->cap; i++)
		if (j->tab[i].uidl != NULL)
			*journal_slot(tab, cap, j->tab[i].hash, j->tab[i].uidl) = j->tab[i];
	free(j->tab);
	j->tab = tab;
	j->cap = cap;
	return 0;
}

/* Add uidl (already checked) to the delivered set. */
static int
journal_add(struct journal *j, const char *uidl, struct mp_err *e)
{
	uint64_t h = journal_hash(uidl);
	struct journal_slot *s;

	if ((j->count + 1) * 2 > j->cap && journal_grow(j, e) < 0)
		return -1;
	s = journal_slot(j->tab, j->cap, h, uidl);
	if (s->uidl != NULL)
		return 0;
	if ((s->uidl = strdup(uidl)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	s->hash = h;
	s->drop = false;
	j->count++;
	return 0;
}

bool
journal_delivered(const struct journal *j, const char *uidl)
{
	if (j->cap == 0 || !journal_uidl_ok(uidl))
		return false;
	return journal_slot(j->tab, j->cap, journal_hash(uidl), uidl)->uidl != NULL;
}

size_t
journal_count(const struct journal *j)
{
	return j->count;
}

void
journal_each(const struct journal *j, void (*fn)(void *arg, const char *uidl),
    void *arg)
{
	for (size_t i = 0; i < j->cap; i++) {
		if (j->tab[i].uidl != NULL)
			fn(arg, j->tab[i].uidl);
	}
}

/* The next line of r: JOURNAL_LINE (*line, *n without the newline),
 * JOURNAL_TORN (the last one, without a newline), JOURNAL_LONG (over
 * JOURNAL_LINE_MAX; reading stops there), JOURNAL_EOF, JOURNAL_ERR. */
static int
journal_readline(struct journal_reader *r, char **line, size_t *n)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*n = (size_t)(nl - *line);
			r->start += *n + 1;
			return *n > JOURNAL_LINE_MAX ? JOURNAL_LONG : JOURNAL_LINE;
		}
		if (r->end - r->start > JOURNAL_LINE_MAX)
			return JOURNAL_LONG;
		if (r->eof) {
			*line = r->buf + r->start;
			*n = r->end - r->start;
			r->start = r->end;
			return *n > 0 ? JOURNAL_TORN : JOURNAL_EOF;
		}
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		ssize_t got = read(r->fd, r->buf + r->end, JOURNAL_READ - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return JOURNAL_ERR;
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
}

/* Open the state file name with flags; refuse a link or a non-file. */
static int
journal_openfile(struct journal *j, const char *name, int flags, struct mp_err *e)
{
	struct stat st;
	int fd;

	fd = openat(j->dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT && !(flags & O_CREAT))
		return -2;
	if (fd < 0)
		return err_set(e, ERR_CANTCREATE, "cannot open %s/%s: %s", j->dir, name,
		    errno == ELOOP ? "a symbolic link, refused" : strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_CANTCREATE, "%s/%s: not a regular file, refused",
		    j->dir, name);
	}
	return fd;
}

static int
journal_load_seen(struct journal *j, struct journal_reader *r, struct mp_err *e)
{
	unsigned long lineno = 0;
	char *line;
	size_t n;
	int k, ret = 0;

	if ((r->fd = journal_openfile(j, "seen", O_RDONLY, e)) == -2)
		return 0;
	if (r->fd < 0)
		return -1;
	while (ret == 0) {
		k = journal_readline(r, &line, &n);
		lineno++;
		if (k == JOURNAL_EOF)
			break;
		if (k == JOURNAL_ERR) {
			ret = err_set(e, ERR_IO, "cannot read %s/seen: %s", j->dir,
			    strerror(errno));
			break;
		}
		if (k != JOURNAL_LONG && n > 0 && line[n - 1] == '\r')
			n--;
		if (k != JOURNAL_LONG && n == 0)
			continue;
		if (k == JOURNAL_LONG || !journal_word_ok(line, n, JOURNAL_UIDL_MAX)) {
			ret = err_set(e, ERR_DATA, "%s/seen line %lu: not a UIDL", j->dir,
			    lineno);
			break;
		}
		line[n] = '\0';
		ret = journal_add(j, line, e);
	}
	close(r->fd);
	return ret;
}

/* Apply one journal line (without its newline); false if it is bad. */
static bool
journal_apply(struct journal *j, char *line, size_t n, struct mp_err *e, int *fail)
{
	char *f[5], *sp, *end;
	size_t nf = 0, i;
	unsigned long crc;

	if ((sp = memrchr(line, ' ', n)) == NULL || line + n - sp != 9)
		return false;
	for (i = 1; i < 9; i++)
		if (!((sp[i] >= '0' && sp[i] <= '9') || (sp[i] >= 'a' && sp[i] <= 'f')))
			return false;
	line[n] = '\0';
	crc = strtoul(sp + 1, &end, 16);
	if (crc != journal_crc32(line, (size_t)(sp - line)))
		return false;
	*sp = '\0';
	for (i = 0; line + i < sp; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return false;
	for (i = 0, f[0] = line; nf < 5; ) {
		f[nf++] = line + i;
		if ((end = strchr(line + i, ' ')) == NULL)
			break;
		*end = '\0';
		i = (size_t)(end + 1 - line);
	}
	if (strcmp(f[0], "B") == 0 && nf == 4) {
		unsigned long long pos;
		if (!journal_uidl_ok(f[2]) || strspn(f[1], "0123456789") != strlen(f[1]) ||
		    strlen(f[1]) == 0 || strlen(f[1]) > 20 ||
		    !journal_word_ok(f[3], strlen(f[3]), JOURNAL_NAME_MAX))
			return false;
		errno = 0;
		pos = strtoull(f[1], &end, 10);
		if (errno != 0)
			return false;
		if (journal_pend_add(j, f[2], pos, f[3], e) < 0)
			*fail = -1;
		return true;
	}
	if (strcmp(f[0], "D") == 0 && nf == 2) {
		if (!journal_uidl_ok(f[1]))
			return false;
		if (journal_add(j, f[1], e) < 0)
			*fail = -1;
		journal_pend_drop(j, f[1]);
		return true;
	}
	if (strcmp(f[0], "C") == 0 && nf == 1) {
		j->npend = 0;
		return true;
	}
	return false;
}

static int
journal_replay(struct journal *j, struct journal_reader *r, struct mp_err *e)
{
	struct stat st;
	char *line;
	size_t n;
	int k, fail = 0;

	r->fd = j->fd;
	r->start = r->end = 0;
	r->eof = false;
	j->size = 0;
	for (;;) {
		k = journal_readline(r, &line, &n);
		if (k == JOURNAL_ERR)
			return err_set(e, ERR_IO, "cannot read %s/journal: %s", j->dir,
			    strerror(errno));
		/* The first bad record and all after it were never
		 * acknowledged by a sync: a torn write. */
		if (k != JOURNAL_LINE || !journal_apply(j, line, n, e, &fail))
			break;
		if (fail < 0)
			return -1;
		j->size += (off_t)n + 1;
	}
	if (fstat(j->fd, &st) < 0)
		return err_set(e, ERR_IO, "cannot stat %s/journal: %s", j->dir,
		    strerror(errno));
	if (st.st_size > j->size &&
	    (ftruncate(j->fd, j->size) < 0 || fsync(j->fd) < 0))
		return err_set(e, ERR_IO, "cannot truncate %s/journal: %s", j->dir,
		    strerror(errno));
	return 0;
}

int
journal_open(struct journal **jp, const char *dir, struct mp_err *e)
{
	struct journal_reader r = { .fd = -1 };
	struct journal *j;

	*jp = NULL;
	if (dir == NULL || *dir == '\0')
		return err_set(e, ERR_CANTCREATE, "no state directory given");
	if ((j = calloc(1, sizeof *j)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	j->dfd = j->lockfd = j->fd = -1;
	if ((j->dir = strdup(dir)) == NULL || (j->buf = malloc(JOURNAL_BUF)) == NULL ||
	    (r.buf = malloc(JOURNAL_READ + 1)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (dirs_make(dir, e) < 0)
		goto fail;
	if ((j->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			err_set(e, ERR_CANTCREATE, "%s is a symbolic link or not a "
			    "directory: refused", dir);
		else
			err_set(e, ERR_CANTCREATE, "cannot open %s: %s", dir,
			    strerror(errno));
		goto fail;
	}
	if ((j->lockfd = journal_openfile(j, "lock", O_RDWR | O_CREAT, e)) < 0)
		goto fail;
	if (flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			err_set(e, ERR_TEMP, "another popfetch is running for this account"
			    " (%s/lock is locked)", dir);
		else
			err_set(e, ERR_IO, "cannot lock %s/lock: %s", dir, strerror(errno));
		goto fail;
	}
	if (journal_load_seen(j, &r, e) < 0)
		goto fail;
	j->fd = journal_openfile(j, "journal", O_RDWR | O_APPEND, e);
	if (j->fd == -2) {
		j->fd = journal_openfile(j, "journal", O_RDWR | O_APPEND | O_CREAT | O_EXCL,
		    e);
		if (j->fd >= 0 && fsync(j->dfd) < 0) {
			err_set(e, ERR_IO, "cannot fsync %s: %s", dir, strerror(errno));
			goto fail;
		}
	}
	if (j->fd < 0 || journal_replay(j, &r, e) < 0)
		goto fail;
	free(r.buf);
	*jp = j;
	return 0;
fail:
	free(r.buf);
	journal_close(j);
	return -1;
}

/* Write buffered records; on failure cut the journal back to its good
 * records and refuse from then on. */
static int
journal_write(struct journal *j, struct mp_err *e)
{
	const char *p = j->buf;
	size_t n = j->len;

	while (n > 0) {
		ssize_t w = write(j->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, ERR_IO, "cannot write %s/journal: %s", j->dir,
			    w < 0 ? strerror(errno) : "nothing written");
			/* Best effort: the next open cuts a torn record too. */
			if (ftruncate(j->fd, j->size) < 0)
				j->size = -1;
			j->broken = true;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	j->size += (off_t)j->len;
	j->len = 0;
	j->unsynced = true;
	return 0;
}

/* Buffer one record: body and its checksum. */
static int
journal_record(struct journal *j, const char *body, struct mp_err *e)
{
	char rec[JOURNAL_LINE_MAX];
	int n;

	n = snprintf(rec, sizeof rec, "%s %08lx\n", body,
	    (unsigned long)journal_crc32(body, strlen(body)));
	if (n < 0 || (size_t)n >= sizeof rec)
		return err_set(e, ERR_INTERNAL, "journal record too long");
	if (j->len + (size_t)n > JOURNAL_BUF && journal_write(j, e) < 0)
		return -1;
	memcpy(j->buf + j->len, rec, (size_t)n);
	j->len += (size_t)n;
	return 0;
}

static int
journal_usable(const struct journal *j, struct mp_err *e)
{
	if (j->broken)
		return err_set(e, ERR_IO, "%s/journal: unusable after an earlier error",
		    j->dir);
	return 0;
}

int
journal_begin(struct journal *j, const char *uidl, uint64_t pos, const char *name,
    struct mp_err *e)
{
	char body[JOURNAL_LINE_MAX];

	if (journal_usable(j, e) < 0)
		return -1;
	if (!journal_uidl_ok(uidl))
		return err_set(e, ERR_DATA, "not a usable UIDL");
	if (name == NULL || *name == '\0')
		name = "-";
	else if (strcmp(name, "-") == 0 || !journal_word_ok(name,
	    strnlen(name, JOURNAL_NAME_MAX + 1), JOURNAL_NAME_MAX))
		return err_set(e, ERR_DATA, "%s: not a usable target name", j->dir);
	if (j->npend == JOURNAL_PENDING_MAX)
		return err_set(e, ERR_INTERNAL, "%s: more than %d deliveries pending",
		    j->dir, JOURNAL_PENDING_MAX);
	snprintf(body, sizeof body, "B %llu %s %s", (unsigned long long)pos, uidl, name);
	if (journal_record(j, body, e) < 0)
		return -1;
	return journal_pend_add(j, uidl, pos, name, e);
}

int
journal_done(struct journal *j, const char *uidl, struct mp_err *e)
{
	char body[JOURNAL_LINE_MAX];

	if (journal_usable(j, e) < 0)
		return -1;
	if (!journal_uidl_ok(uidl))
		return err_set(e, ERR_DATA, "not a usable UIDL");
	snprintf(body, sizeof body, "D %s", uidl);
	if (journal_record(j, body, e) < 0 || journal_add(j, uidl, e) < 0)
		return -1;
	journal_pend_drop(j, uidl);
	return 0;
}

int
journal_sync(struct journal *j, struct mp_err *e)
{
	if (journal_usable(j, e) < 0)
		return -1;
	if (j->len > 0 && journal_write(j, e) < 0)
		return -1;
	if (!j->unsynced)
		return 0;
	if (fsync(j->fd) < 0) {
		/* After a failed fsync the pages may be lost yet look clean. */
		j->broken = true;
		return err_set(e, ERR_IO, "cannot fsync %s/journal: %s", j->dir,
		    strerror(errno));
	}
	j->unsynced = false;
	return 0;
}

size_t
journal_pending_count(const struct journal *j)
{
	return j->npend;
}

bool
journal_pending(const struct journal *j, size_t i, char *uidl, size_t ucap,
    uint64_t *pos, char *name, size_t ncap)
{
	if (i >= j->npend)
		return false;
	if (uidl != NULL && ucap > 0)
		snprintf(uidl, ucap, "%s", j->pend[i].uidl);
	if (pos != NULL)
		*pos = j->pend[i].pos;
	if (name != NULL && ncap > 0)
		snprintf(name, ncap, "%s", j->pend[i].name);
	return true;
}

int
journal_clear_pending(struct journal *j, struct mp_err *e)
{
	if (journal_usable(j, e) < 0)
		return -1;
	if (j->npend == 0)
		return 0;
	if (journal_record(j, "C", e) < 0)
		return -1;
	j->npend = 0;
	return 0;
}

/* Write seen.tmp from the kept UIDLs of j, building their table in tab;
 * fsync and rename it over seen. */
static int
journal_write_seen(struct journal *j, struct journal_slot *tab,
    bool (*keep)(void *, const char *), void *arg, struct mp_err *e)
{
	char *buf = NULL;
	const char *what = "write";
	size_t len = 0, i, k;
	int fd, tfd, ret = -1;

	if (unlinkat(j->dfd, "seen.tmp", 0) < 0 && errno != ENOENT)
		return err_set(e, ERR_IO, "cannot remove %s/seen.tmp: %s", j->dir,
		    strerror(errno));
	if ((fd = journal_openfile(j, "seen.tmp", O_WRONLY | O_CREAT | O_EXCL, e)) < 0)
		return -1;
	if ((buf = malloc(JOURNAL_READ)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i <= j->cap; i++) {
		struct journal_slot *s = i < j->cap ? &j->tab[i] : NULL;
		if (s != NULL && s->uidl == NULL)
			continue;
		if (s != NULL && keep != NULL && !keep(arg, s->uidl)) {
			s->drop = true;
			continue;
		}
		k = s != NULL ? strlen(s->uidl) : 0;
		if (s == NULL || len + k + 1 > JOURNAL_READ) {
			const char *p = buf;
			while (len > 0) {
				ssize_t w = write(fd, p, len);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					if (w == 0)
						errno = EIO;
					goto io;
				}
				p += w;
				len -= (size_t)w;
			}
		}
		if (s == NULL)
			break;
		memcpy(buf + len, s->uidl, k);
		buf[len + k] = '\n';
		len += k + 1;
		*journal_slot(tab, j->cap, s->hash, s->uidl) = *s;
	}
	what = "fsync";
	if (fsync(fd) < 0)
		goto io;
	what = "close";
	tfd = fd;
	fd = -1;
	if (close(tfd) < 0)
		goto io;
	what = "rename";
	if (renameat(j->dfd, "seen.tmp", j->dfd, "seen") < 0)
		goto io;
	ret = 0;
	goto out;
io:
	err_set(e, ERR_IO, "cannot %s %s/seen.tmp: %s", what, j->dir, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		(void)unlinkat(j->dfd, "seen.tmp", 0);
	free(buf);
	return ret;
}

int
journal_compact(struct journal *j, bool (*keep)(void *arg, const char *uidl),
    void *arg, struct mp_err *e)
{
	struct journal_slot *tab;
	size_t i, count = 0;

	if (journal_usable(j, e) < 0)
		return -1;
	if (j->npend > 0)
		return err_set(e, ERR_INTERNAL, "%s: the delivery of %s is pending",
		    j->dir, j->pend[0].uidl);
	/* The journal on disk must say what seen will say: were it to end
	 * with an unwritten done, a crash before the truncation would
	 * replay a delivery as pending. */
	if (journal_sync(j, e) < 0)
		return -1;
	if (j->cap == 0 && journal_grow(j, e) < 0)
		return -1;
	if ((tab = calloc(j->cap, sizeof *tab)) == NULL)
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (journal_write_seen(j, tab, keep, arg, e) < 0) {
		for (i = 0; i < j->cap; i++)
			j->tab[i].drop = false;
		free(tab);
		return -1;
	}
	for (i = 0; i < j->cap; i++) {
		if (j->tab[i].uidl != NULL && j->tab[i].drop)
			free(j->tab[i].uidl);
		else if (j->tab[i].uidl != NULL)
			count++;
	}
	free(j->tab);
	j->tab = tab;
	j->count = count;
	if (fsync(j->dfd) < 0) {
		j->broken = true;
		return err_set(e, ERR_IO, "cannot fsync %s: %s", j->dir, strerror(errno));
	}
	if (ftruncate(j->fd, 0) < 0 || fsync(j->fd) < 0) {
		j->broken = true;
		return err_set(e, ERR_IO, "cannot empty %s/journal: %s", j->dir,
		    strerror(errno));
	}
	j->size = 0;
	return 0;
}

void
journal_close(struct journal *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->cap; i++)
		free(j->tab[i].uidl);
	free(j->tab);
	if (j->fd >= 0)
		close(j->fd);
	if (j->lockfd >= 0)
		close(j->lockfd);
	if (j->dfd >= 0)
		close(j->dfd);
	free(j->buf);
	free(j->pend);
	free(j->dir);
	free(j);
}
