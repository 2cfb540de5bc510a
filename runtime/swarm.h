// The NPC swarm: one model run for many NPCs per frame. The model is compiled once at a batch of `chunk`
// NPCs; every NPC owns a state slot; a call names the slots that act this frame and where their input and
// output rows are, and runs them chunk by chunk, across a built-in pool of threads or a game's own jobs.
//
//   call: slots [s0 s1 ... s(n-1)]  ──chunks of C──▶  worker w: gather rows and states into its batch-C
//         instance ─ run ─ scatter output rows and states back; rows past n in the last chunk are ignored
//
//   NPC k's row of input i:  inputs[i].base + k * inputs[i].stride   (floats; a game's own structs work)
//   slot s's state:          state floats of the model's states, in order (save/restore as ModelInstance)
//
// An NPC's results depend only on its inputs and its slot's state: not on the other NPCs of the call, its
// position in the call, the chunking or the thread count (test/unit/jit/swarm_test.cpp checks bit for bit).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/compiled_model.h"
#include "runtime/worker_pool.h"

namespace njc::runtime {

struct SwarmOptions {
  ModelOptions model;   // target, level, subnormals
  size_t capacity = 0;  // state slots: the NPCs that exist at once
  size_t chunk = 48;    // NPCs per batched kernel call (a multiple of the 6-row GEMM tile)
  size_t threads = 1;   // the built-in pool's workers, the caller included; 0: one per CPU
};

// The rows of one input or output for the NPCs of a call.
struct SwarmRows {
  float* base = nullptr;
  size_t stride = 0;  // floats from one NPC's row to the next (≥ the tensor's elements)
};

struct SwarmCall {
  const uint32_t* slots = nullptr;  // distinct slots < capacity, one per acting NPC
  size_t count = 0;
  std::vector<SwarmRows> inputs, outputs;  // one per model input / output (inputs are only read)
};

class Swarm {
 public:
  // g must have batch 1. Errors: as CompiledModel::compile, and options out of range.
  static Expected<std::unique_ptr<Swarm>> create(const Graph& g, const SwarmOptions& o);

  size_t capacity() const { return capacity_; }
  size_t chunk() const { return chunk_; }
  size_t workers() const { return pool_.size(); }
  // One NPC's inputs, outputs and states (the batch-1 view of the model).
  const ModelSignature& signature() const { return signature_; }

  // Checks a call: slots in range and distinct, rows given with strides that hold a row. A checked call
  // may be run any number of times while its slots and rows stay valid.
  Status check(const SwarmCall& call) const;
  // Runs a checked call on the built-in pool.
  void run(const SwarmCall& call);
  // For a game's job system: run_chunk(call, c, w) for every c < chunk_count(call.count), any order, any
  // threads, each w < workers() used by one thread at a time.
  size_t chunk_count(size_t count) const { return (count + chunk_ - 1) / chunk_; }
  void run_chunk(const SwarmCall& call, size_t chunk, size_t worker);

  // Slot state: signature().state_floats floats; the states' initial values (zeros where a state declares
  // none) at creation and after reset_slot.
  float* slot_state(size_t slot) { return states_.data() + slot * signature_.state_floats; }
  void reset_slot(size_t slot);

 private:
  Swarm(size_t threads) : pool_(threads) {}

  size_t capacity_ = 0, chunk_ = 0;
  ModelSignature signature_;                           // batch 1
  std::shared_ptr<const CompiledModel> batched_;       // batch chunk_
  std::vector<std::unique_ptr<ModelInstance>> lanes_;  // one batched instance per worker
  std::vector<float> states_;                          // capacity_ × state_floats
  mutable std::vector<uint32_t> seen_;                 // check(): the call that last used each slot
  mutable uint32_t check_stamp_ = 0;
  WorkerPool pool_;
};

}  // namespace njc::runtime
