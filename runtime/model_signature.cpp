// Describing a lowered model's inputs, outputs and states, and copying its states in and out.
#include "runtime/model_signature.h"

#include <algorithm>

#include "ir/assert.h"

namespace njc::runtime {

namespace {
TensorSignature describe_value(const Graph& g, ValueId v, const std::string& buffer,
                               const PlaceBuffer& place) {
  const ValueInfo& info = g.value(v);
  TensorSignature t;
  t.name = info.name;
  t.shape = info.shape;
  t.elements = static_cast<size_t>(g.batch * num_elements(info.shape));
  // The lowering gives an empty tensor's buffer one element per batch instance.
  t.offset = place(buffer, static_cast<size_t>(g.batch * std::max<int64_t>(1, num_elements(info.shape))));
  return t;
}
}  // namespace

ModelSignature describe_model(const Graph& g, const passes::LoweredModel& lowered, const PlaceBuffer& place) {
  NJC_ASSERT(lowered.input_buffers.size() == g.inputs.size() &&
                 lowered.output_buffers.size() == g.outputs.size() &&
                 lowered.state_buffers.size() == g.states.size(),
             "lowered model does not match its graph");
  ModelSignature s;
  s.batch = g.batch;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    s.inputs.push_back(describe_value(g, g.inputs[i], lowered.input_buffers[i], place));
  for (size_t i = 0; i < g.outputs.size(); ++i)
    s.outputs.push_back(describe_value(g, g.outputs[i], lowered.output_buffers[i], place));
  for (size_t i = 0; i < g.states.size(); ++i) {
    s.states.push_back(describe_value(g, g.states[i].value, lowered.state_buffers[i], place));
    s.states.back().initial = g.states[i].initial;
    s.state_floats += s.states.back().elements;
  }
  return s;
}

ModelSignature one_instance_of(const ModelSignature& batched) {
  ModelSignature one = batched;
  size_t batch = static_cast<size_t>(batched.batch);
  for (auto* list : {&one.inputs, &one.outputs, &one.states})
    for (TensorSignature& t : *list) t.elements /= batch;
  one.batch = 1;
  one.state_floats = batched.state_floats / batch;
  return one;
}

void save_states(const ModelSignature& s, const float* memory, float* dst) {
  for (const TensorSignature& t : s.states) dst = std::copy_n(memory + t.offset, t.elements, dst);
}

void restore_states(const ModelSignature& s, float* memory, const float* src) {
  for (const TensorSignature& t : s.states) {
    std::copy_n(src, t.elements, memory + t.offset);
    src += t.elements;
  }
}

void initial_states(const ModelSignature& s, float* dst) {
  for (const TensorSignature& t : s.states) {
    if (t.initial.empty()) {
      dst = std::fill_n(dst, t.elements, 0.0f);
      continue;
    }
    for (size_t at = 0; at < t.elements; at += t.initial.size())
      dst = std::copy(t.initial.begin(), t.initial.end(), dst);
  }
}

void reset_memory(const ModelSignature& s, std::vector<float>& memory) {
  std::fill(memory.begin(), memory.end(), 0.0f);
  std::vector<float> block(s.state_floats);
  initial_states(s, block.data());
  restore_states(s, memory.data(), block.data());
}

}  // namespace njc::runtime
