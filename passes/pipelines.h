// Default pass pipelines for -O0..-O3, chosen per kernel from its shapes and the target.
#pragma once

#include "ir/loop_ir.h"
#include "passes/pass_manager.h"
#include "passes/target.h"

namespace njc::passes {

// The pipeline for optimization level 0..3 (clamped) for kernel k on target t. Deterministic: the same
// kernel and target give the same pipeline. Every pass in it is known to succeed on k (O3 dry-runs its
// candidates on a copy and keeps those that apply), so running it only fails on an internal error.
Pipeline default_pipeline(int level, const loop::Kernel& k, const TargetDesc& t);

// Applies default_pipeline(level, k, t) to k in place and returns that pipeline, at half the cost of
// building it and running it (O3 builds it by applying it). What the JIT calls. Fails only where the
// pipeline itself would (a pass of O1/O2 refusing this kernel; O3 keeps only passes that apply). Release
// builds do not verify after each pass: the caller verifies the result.
Expected<Pipeline> optimize(int level, loop::Kernel& k, const TargetDesc& t);

}  // namespace njc::passes
