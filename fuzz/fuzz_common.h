/*
 * fuzz_common - what the libFuzzer harnesses share: the entry point's
 * prototype, a NUL-terminated copy of the input, and a scratch file for
 * the parsers that only read from a path (config files).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a NUL appended (callers free it). Inputs
 * with an embedded NUL are kept: the parser sees the prefix, as it would
 * when a C string is read from such a file. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* The path of a file named `name` in this process's scratch directory
 * (made on first use, removed at exit), rewritten with data. NULL when
 * the file cannot be written (the harness then skips the input). */
const char *fuzz_scratch_file(const char *name, const uint8_t *data,
			      size_t size);

#endif
