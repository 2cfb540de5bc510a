// The model-level JIT API: compile a model (graph IR → loop IR → passes → x86) once, then create any number
// of instances, each with its own state, and run them. This is what `njc MODEL --jit run` uses.
//
//   auto model = CompiledModel::compile_file("npc.json", {.opt_level = 3});
//   ModelInstance npc(*model);
//   auto outputs = npc.run({observation});   // one call: batch × num_elements floats per input
//   npc.reset_state();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend-x86/target_features.h"
#include "ir/diag.h"
#include "ir/graph.h"
#include "passes/lower_graph.h"
#include "runtime/jit.h"
#include "runtime/kernel_cache.h"
#include "runtime/model_signature.h"
#include "runtime/perf_map.h"

namespace njc::runtime {

struct ModelOptions {
  x86::Target target = x86::host_target();
  int opt_level = 3;  // 0..3: the passes::default_pipeline of each kernel
  bool emit_asm = false;
  // Where kernels are looked up and stored (docs/runtime.md); null compiles every kernel afresh.
  KernelCache* cache = &KernelCache::global();
  // The on-disk code cache (runtime/code_cache.h) that kernels missing from `cache` are mapped from and
  // stored in; null: none.
  std::shared_ptr<CodeCache> code_cache;
  // Turns on the process-wide perf map (runtime/perf_map.h) and records this model's kernels in it.
  bool perf_map = false;
  // Runs with flush-to-zero and denormals-are-zero (runtime/float_mode.h): subnormals never slow a call.
  bool flush_denormals = true;
};

class CompiledModel {
 public:
  // Lowers, optimizes and compiles every kernel of g, reusing the kernels o.cache already holds. Errors: a
  // target the host cannot run, a kernel the target cannot express (see docs/codegen.md).
  static Expected<std::shared_ptr<const CompiledModel>> compile(const Graph& g, const ModelOptions& o);

  const Graph& graph() const { return graph_; }
  // Names, shapes and places of the inputs, outputs and states.
  const ModelSignature& signature() const { return signature_; }
  // Every kernel's assembly (with emit_asm), in call order, each headed by its name.
  std::string assembly() const;
  size_t kernel_count() const { return kernels_.size(); }
  // The compiled kernels in call order. Shared with the kernel cache and with other models compiled from
  // identical kernels; a kernel appears once per call even when two calls share it.
  const std::vector<std::shared_ptr<const JitKernel>>& kernels() const { return kernels_; }
  double compile_micros() const { return compile_us_; }

 private:
  friend class ModelInstance;
  struct Slot {
    size_t offset;  // in floats, into an instance's memory
    size_t size;
  };
  Graph graph_;
  passes::LoweredModel lowered_;
  std::vector<std::shared_ptr<const JitKernel>> kernels_;
  std::vector<Slot> slots_;                     // one per distinct non-param buffer name
  std::vector<std::vector<int>> kernel_slots_;  // per kernel, per buffer: slot index, -1 for params
  ModelSignature signature_;
  size_t memory_floats_ = 0;
  bool flush_denormals_ = true;
  double compile_us_ = 0;
};

// One user of a compiled model (an NPC, a voice): its own buffers and state, the states at their initial
// values (docs/model-format.md) at creation and after reset_state. A copy is a
// snapshot: its own memory (inputs, outputs and state as they were), sharing only the compiled code.
class ModelInstance {
 public:
  explicit ModelInstance(std::shared_ptr<const CompiledModel> model);
  ModelInstance(const ModelInstance& other);
  ModelInstance& operator=(const ModelInstance& other);
  ModelInstance(ModelInstance&&) noexcept = default;  // the memory moves with its pointer table
  ModelInstance& operator=(ModelInstance&&) noexcept = default;

  // inputs[i]: batch × num_elements values of graph input i. Returns the outputs likewise.
  std::vector<std::vector<float>> run(const std::vector<std::vector<float>>& inputs);
  void reset_state();

  // The allocation-free path for real-time loops: write the inputs in place, run(), read the outputs in
  // place. The pointers stay valid for the instance's lifetime.
  float* input(size_t i);
  const float* input(size_t i) const;
  const float* output(size_t i) const;
  void run();

  // The recurrent state: state(i) holds signature().states[i].elements floats; save_state writes all of
  // them (signature().state_floats) to dst, restore_state reads them back.
  float* state(size_t i);
  size_t state_size() const { return model_->signature().state_floats; }
  void save_state(float* dst) const;
  void restore_state(const float* src);

 private:
  void bind_pointers();

  std::shared_ptr<const CompiledModel> model_;
  std::vector<float> memory_;
  std::vector<std::vector<float*>> pointers_;  // per kernel: the buffer table it is called with
};

}  // namespace njc::runtime
