// What the C API holds behind its handles: a compiled model that is either one-level (CompiledModel) or
// tiered (TieredModel), and its instances, behind one interface so the C functions need not care.
//
//   njc_model ──shared_ptr──▶ Engine ◀──shared_ptr── njc_instance (so a model's code outlives its handle)
//                              ├─ CompiledModel | TieredModel (+ the tuning cache, saved on destruction)
//                              └─ introspection: names and dims as C strings and arrays
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/diag.h"
#include "njc/njc.h"
#include "runtime/code_cache.h"
#include "runtime/compiled_model.h"
#include "runtime/tiered_model.h"
#include "runtime/tuning_cache.h"

namespace njc::api {

class Instance;

// The x86 target an njc_target names (NJC_TARGET_HOST: the best this CPU runs).
x86::Target target_of(njc_target t);

class Engine {
 public:
  // Compiles g as the options say (already validated).
  static Expected<std::shared_ptr<Engine>> compile(const Graph& g, const njc_options& o);
  ~Engine();  // waits for background compiles, then saves the tuning cache

  const runtime::ModelSignature& signature() const { return *signature_; }
  const Graph& graph() const { return plain_ ? plain_->graph() : tiered_->graph(); }
  // The one-level JIT's options the model was compiled with (a swarm compiles it again at its chunk).
  runtime::ModelOptions model_options() const;
  const std::vector<njc_tensor_info>& infos(njc_tensor_kind kind) const;
  std::unique_ptr<Instance> instantiate(const std::shared_ptr<const Engine>& self) const;

 private:
  void describe();

  njc_options options_;
  std::shared_ptr<const runtime::CompiledModel> plain_;
  std::unique_ptr<runtime::TuningCache> tuning_cache_;  // before tiered_: outlives it
  std::shared_ptr<runtime::CodeCache> code_cache_;      // options_.code_cache_dir, opened
  std::shared_ptr<runtime::TieredModel> tiered_;
  const runtime::ModelSignature* signature_ = nullptr;
  std::vector<njc_tensor_info> infos_[3];  // per njc_tensor_kind; pointers into signature_
};

// One instance of either kind of model, holding its engine alive.
class Instance {
 public:
  Instance(std::shared_ptr<const Engine> engine, std::unique_ptr<runtime::ModelInstance> plain,
           std::unique_ptr<runtime::TieredInstance> tiered);
  // A snapshot: the same inputs, state (and, one-level, outputs) in memory of its own.
  std::unique_ptr<Instance> clone() const;

  const Engine& engine() const { return *engine_; }
  float* input(size_t i);
  const float* input(size_t i) const;
  const float* output(size_t i) const;
  float* state(size_t i);
  void run();
  void reset();
  void save_state(float* dst) const;
  void restore_state(const float* src);

 private:
  std::shared_ptr<const Engine> engine_;
  std::unique_ptr<runtime::ModelInstance> plain_;
  std::unique_ptr<runtime::TieredInstance> tiered_;
};

}  // namespace njc::api
