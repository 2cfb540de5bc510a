// The one entry point every fuzz target defines (libFuzzer's). Built two ways (fuzz/CMakeLists.txt): with
// clang's -fsanitize=fuzzer for `scripts/fuzz.sh TARGET SECONDS`, and with replay_main.cpp as a plain
// program that runs every file of the target's corpus once, which ctest does on every build.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
