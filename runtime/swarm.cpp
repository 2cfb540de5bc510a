// Running many NPCs' calls as batched kernel calls: gathering rows and states into a batch instance,
// scattering results back.
#include "runtime/swarm.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "ir/assert.h"

namespace njc::runtime {

Expected<std::unique_ptr<Swarm>> Swarm::create(const Graph& g, const SwarmOptions& o) {
  if (g.batch != 1)
    return Diag{"", 0, 0, "",
                "a swarm runs a model of batch 1 (this one has batch " + std::to_string(g.batch) + ")"};
  if (o.capacity == 0 || o.capacity > (size_t{1} << 31))
    return Diag{"", 0, 0, "", "swarm capacity must be 1 to 2^31 NPCs"};
  if (o.chunk == 0 || o.chunk > 4096) return Diag{"", 0, 0, "", "swarm chunk must be 1 to 4096 NPCs"};
  size_t threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<Swarm> s(new Swarm(std::min<size_t>(threads, 256)));
  s->capacity_ = o.capacity;
  s->chunk_ = std::min(o.chunk, o.capacity);
  Graph batched = g;
  batched.batch = static_cast<int64_t>(s->chunk_);
  auto model = CompiledModel::compile(batched, o.model);
  if (!model) return model.error();
  s->batched_ = std::move(*model);
  s->signature_ = one_instance_of(s->batched_->signature());
  for (size_t w = 0; w < s->workers(); ++w) s->lanes_.push_back(std::make_unique<ModelInstance>(s->batched_));
  s->states_.assign(s->capacity_ * s->signature_.state_floats, 0.0f);
  for (size_t slot = 0; slot < s->capacity_; ++slot) s->reset_slot(slot);
  s->seen_.assign(s->capacity_, 0);
  return s;
}

Status Swarm::check(const SwarmCall& call) const {
  auto fail = [](std::string why) { return Status(Diag{"", 0, 0, "", "swarm call: " + why}); };
  if (call.count > 0 && !call.slots) return fail("no slot list");
  if (call.inputs.size() != signature_.inputs.size() || call.outputs.size() != signature_.outputs.size())
    return fail("the model has " + std::to_string(signature_.inputs.size()) + " inputs and " +
                std::to_string(signature_.outputs.size()) + " outputs");
  auto rows_ok = [&](const SwarmRows& r, const TensorSignature& t) {
    return call.count == 0 || t.elements == 0 || (r.base && r.stride >= t.elements);
  };
  for (size_t i = 0; i < call.inputs.size(); ++i)
    if (!rows_ok(call.inputs[i], signature_.inputs[i]))
      return fail("input " + signature_.inputs[i].name + ": no rows or a stride under its size");
  for (size_t i = 0; i < call.outputs.size(); ++i)
    if (!rows_ok(call.outputs[i], signature_.outputs[i]))
      return fail("output " + signature_.outputs[i].name + ": no rows or a stride under its size");
  if (++check_stamp_ == 0) {  // the stamps wrapped around: start over
    std::fill(seen_.begin(), seen_.end(), 0);
    check_stamp_ = 1;
  }
  for (size_t k = 0; k < call.count; ++k) {
    uint32_t slot = call.slots[k];
    if (slot >= capacity_)
      return fail("slot " + std::to_string(slot) + " is not below the capacity " + std::to_string(capacity_));
    if (seen_[slot] == check_stamp_) return fail("slot " + std::to_string(slot) + " acts twice");
    seen_[slot] = check_stamp_;
  }
  return {};
}

void Swarm::run(const SwarmCall& call) {
  std::function<void(size_t, size_t)> body = [&](size_t c, size_t w) { run_chunk(call, c, w); };
  pool_.parallel_for(chunk_count(call.count), body);
}

void Swarm::run_chunk(const SwarmCall& call, size_t chunk, size_t worker) {
  NJC_ASSERT(worker < lanes_.size() && chunk < chunk_count(call.count), "swarm chunk or worker out of range");
  ModelInstance& lane = *lanes_[worker];
  const ModelSignature& one = signature_;
  size_t first = chunk * chunk_, n = std::min(chunk_, call.count - first);
  for (size_t r = 0; r < n; ++r) {
    size_t k = first + r;
    const float* state = states_.data() + call.slots[k] * one.state_floats;
    for (size_t i = 0; i < one.inputs.size(); ++i)
      std::memcpy(lane.input(i) + r * one.inputs[i].elements, call.inputs[i].base + k * call.inputs[i].stride,
                  one.inputs[i].elements * sizeof(float));
    for (size_t s = 0; s < one.states.size(); ++s) {
      std::memcpy(lane.state(s) + r * one.states[s].elements, state, one.states[s].elements * sizeof(float));
      state += one.states[s].elements;
    }
  }
  lane.run();
  for (size_t r = 0; r < n; ++r) {
    size_t k = first + r;
    float* state = states_.data() + call.slots[k] * one.state_floats;
    for (size_t o = 0; o < one.outputs.size(); ++o)
      std::memcpy(call.outputs[o].base + k * call.outputs[o].stride,
                  lane.output(o) + r * one.outputs[o].elements, one.outputs[o].elements * sizeof(float));
    for (size_t s = 0; s < one.states.size(); ++s) {
      std::memcpy(state, lane.state(s) + r * one.states[s].elements, one.states[s].elements * sizeof(float));
      state += one.states[s].elements;
    }
  }
}

void Swarm::reset_slot(size_t slot) {
  NJC_ASSERT(slot < capacity_, "swarm slot out of range");
  initial_states(signature_, slot_state(slot));
}

}  // namespace njc::runtime
