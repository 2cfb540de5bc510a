// The memory a model's tensors need, and the budget a run allows. Every reader (JSON models, graph text)
// refuses a model over the budget before anything is allocated, so `batch` × tensor sizes can never abort a
// run with std::bad_alloc. The count is a lower bound of what running takes (each tensor once; params once,
// every other value batch times), computed without overflow.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace njc {

// The default budget: 4 GiB of tensors.
inline constexpr int64_t kDefaultMemoryBudget = int64_t{4} << 30;
// The largest batch any reader accepts.
inline constexpr int64_t kMaxBatch = int64_t{1} << 20;

// Bytes of every value of g: params once, every other value × batch. Saturates at INT64_MAX.
int64_t tensor_bytes(const Graph& g);

// Empty when g fits in budget bytes; else the message ("the model's tensors need N bytes (batch B), more
// than the memory budget of M bytes").
std::string over_budget(const Graph& g, int64_t budget);

}  // namespace njc
