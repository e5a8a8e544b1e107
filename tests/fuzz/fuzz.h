/*
 * The fuzz harnesses (tests/fuzz/): each file defines the libFuzzer entry
 * point below.  Built with -Dfuzz=true under clang, a harness is linked
 * with libFuzzer (-fsanitize=fuzzer) into <name>_fuzz; always, it is also
 * linked with main.c into <name>_fuzz_regress, which runs every file of the
 * corpus directories (or files) named on its command line through it once:
 * the checked-in corpus as a plain regression test.
 *
 * A harness reports a bug by aborting (FUZZ_CHECK), so libFuzzer, the
 * sanitizers and the regression runner all see it the same way.
 */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with file:line and the failed condition when cond is false. */
#define FUZZ_CHECK(cond, ...)                                                        \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#endif
