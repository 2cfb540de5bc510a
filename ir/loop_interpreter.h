// Reference interpreter for loop IR: runs a kernel on fp32 buffers. It is the oracle that every pass is
// checked against (run before, run after, compare) and that the x86 backend's output is compared with.
#pragma once

#include <vector>

#include "ir/loop_ir.h"

namespace njc::loop {

// Contents of every buffer of a kernel, indexed by BufferId, row-major.
using BufferData = std::vector<std::vector<float>>;

// One vector per buffer of k, sized to it: params hold their data, everything else zeros.
BufferData make_buffers(const Kernel& k);

// Runs k on buffers (as made by make_buffers, inputs and state filled in by the caller), updating outputs,
// state and scratch in place. k must pass verify(); violations of it are internal errors (NJC_ASSERT).
// Semantics: lanes are computed in order; reduce.* folds lane 0 first; masked loads read the first N lanes
// and zero the rest; masked stores write the first N lanes; math functions use <cmath> in fp32.
void interpret(const Kernel& k, BufferData& buffers);

}  // namespace njc::loop
