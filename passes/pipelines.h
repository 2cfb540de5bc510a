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

}  // namespace njc::passes
