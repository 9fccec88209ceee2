/* Replays fuzz corpora through a fuzz target without libFuzzer, so the
 * seeds and every crash once found run in `make check` as unit tests:
 * replay DIR... prints one TAP line per file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static int count;

static void
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	count++;
	if (f == NULL) {
		printf("not ok %d - %s: cannot open\n", count, path);
		return;
	}
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	/* Reaching here means no abort: the target's checks held. */
	printf("ok %d - %s\n", count, path);
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		char path[4096];

		if (d == NULL) {
			replay_file(argv[i]);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name) <
			    (int)sizeof path)
				replay_file(path);
		}
		closedir(d);
	}
	printf("1..%d\n", count);
	return 0;
}
