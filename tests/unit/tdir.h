/* tdir: a private directory for a unit test that works with files:
 * t_tmpdir makes it (under $TMPDIR, else /tmp), path_of names a file in
 * it, t_entries counts a directory's entries and t_rmtree removes it all
 * at the end. */
#ifndef MAILPIPE_TDIR_H
#define MAILPIPE_TDIR_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char t_base[4096];

/* Make the directory, named after the test; 0 or -1 (said on stderr). */
static __attribute__((unused)) int
t_tmpdir(const char *test)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(t_base, sizeof t_base, "%s/%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", test);
	if (mkdtemp(t_base) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

/* rel inside the directory; two results may be used at once. */
static __attribute__((unused)) const char *
path_of(const char *rel)
{
	static char buf[2][8192];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof buf[k], "%s/%s", t_base, rel);
	return buf[k];
}

/* Entries in a directory, "." and ".." aside; -1 if it cannot be read. */
static __attribute__((unused)) int
t_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
t_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static __attribute__((unused)) void
t_rmtree(void)
{
	nftw(t_base, t_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
