/*
 * libFuzzer entry points (tests/fuzz/README.md). Each fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput; built with -fsanitize=fuzzer when BATON_FUZZ is on (clang), and always
 * linked with driver.c into a plain program that replays the seed corpus and the regressions
 * through the same entry point under ctest.
 */
#ifndef BATON_FUZZ_H
#define BATON_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed invariant: a crash libFuzzer reports (and the replay driver too). */
#define FUZZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#endif
