// The perf map: /tmp/perf-<pid>.map, one "START SIZE name" line (hexadecimal, no 0x) per JIT-compiled kernel,
// so that `perf report` names samples in generated code. runtime::compile appends each kernel while the map
// is enabled; CompiledModel::compile with ModelOptions::perf_map enables it and records the model's kernels,
// cached ones included. `njc MODEL --jit run --perf-map` does the latter.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace njc::runtime {

// Starts the map: the first call in a process creates (truncates) perf_map_path(); later calls do nothing.
// Returns false (and stays disabled) when the file cannot be opened.
bool enable_perf_map();
// Stops appending and closes the file (which stays on disk, as perf needs it after the process ends).
void disable_perf_map();
bool perf_map_enabled();
std::string perf_map_path();  // "/tmp/perf-<pid>.map"

// Appends "start size name" when the map is enabled and this exact (start, size, name) is not in it yet, so
// a cached kernel used by several models is listed once. Thread-safe; a write error is ignored (the map is
// a profiling aid, never a reason to fail).
void perf_map_record(const void* start, size_t size, std::string_view name);

}  // namespace njc::runtime
