// What a compiled model looks like from outside: its inputs, outputs and states, each with its name, shape
// and place in an instance's memory. The C API's introspection and state save/restore read it.
//
//   instance memory (floats):  [ ... | input 0 | ... | state 0 | ... | output 0 | ... ]
//                                     ^ offset          ^ offset       ^ offset
//   a tensor holds `elements` = batch × num_elements(shape) floats, row-major, one instance after another
//   saved state: state 0's elements, then state 1's, ... (state_floats in all)
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/lower_graph.h"

namespace njc::runtime {

struct TensorSignature {
  std::string name;
  Shape shape;          // of one instance of the batch
  size_t elements = 0;  // batch × num_elements(shape)
  size_t offset = 0;    // into an instance's memory, in floats
  std::vector<float> initial;  // states: one instance's value at creation and reset (empty: zeros)
};

struct ModelSignature {
  int64_t batch = 1;
  std::vector<TensorSignature> inputs, outputs, states;
  size_t state_floats = 0;  // the sum of the states' elements
};

// Places a buffer (by lowered name and size in floats) in instance memory and returns its offset.
using PlaceBuffer = std::function<size_t(const std::string& name, size_t size)>;

// Describes g's inputs, outputs and states as lowered; place() gives each its offset (a buffer of an empty
// tensor still holds one float per batch instance).
ModelSignature describe_model(const Graph& g, const passes::LoweredModel& lowered, const PlaceBuffer& place);

// One batch instance's view of a batched model's signature: every tensor's elements divided by the batch,
// offsets those of instance 0's rows.
ModelSignature one_instance_of(const ModelSignature& batched);

// Copies every state of an instance's memory to dst (state_floats floats), or back.
void save_states(const ModelSignature& s, const float* memory, float* dst);
void restore_states(const ModelSignature& s, float* memory, const float* src);

// Writes every state's initial value (zeros where a state declares none) into dst (state_floats floats, in
// save_states' layout; each batch instance gets its own copy): what creation and reset start from.
void initial_states(const ModelSignature& s, float* dst);
// The same into an instance's memory: zeroes the memory, then writes the states' initial values.
void reset_memory(const ModelSignature& s, std::vector<float>& memory);

}  // namespace njc::runtime
