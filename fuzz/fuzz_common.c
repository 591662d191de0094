/* fuzz_common - helpers of the libFuzzer harnesses (see fuzz_common.h). */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort(); /* the fuzzer's rss limit, not a finding */
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char scratch_dir[256];
static char scratch_path[512];

static void scratch_cleanup(void)
{
	if (scratch_path[0] != '\0')
		unlink(scratch_path);
	if (scratch_dir[0] != '\0')
		rmdir(scratch_dir);
}

const char *fuzz_scratch_file(const char *name, const uint8_t *data,
			      size_t size)
{
	if (scratch_dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(scratch_dir, sizeof(scratch_dir), "%s/pw-fuzz-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(scratch_dir) == NULL) {
			scratch_dir[0] = '\0';
			return NULL;
		}
		atexit(scratch_cleanup);
	}
	snprintf(scratch_path, sizeof(scratch_path), "%s/%s", scratch_dir,
		 name);
	FILE *f = fopen(scratch_path, "wb");
	if (f == NULL)
		return NULL;
	size_t w = fwrite(data, 1, size, f);
	if (fclose(f) != 0 || w != size)
		return NULL;
	return scratch_path;
}
