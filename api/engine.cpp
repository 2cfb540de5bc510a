// The C API's model and instance objects over the one-level and the tiered JIT.
#include "api/engine.h"

#include <algorithm>

#include "ir/assert.h"

namespace njc::api {

x86::Target target_of(njc_target t) {
  switch (t) {
    case NJC_TARGET_SSE4:
      return x86::Target::kSse4;
    case NJC_TARGET_AVX2:
      return x86::Target::kAvx2;
    case NJC_TARGET_AVX512:
      return x86::Target::kAvx512;
    case NJC_TARGET_HOST:
      break;
  }
  return x86::host_target();
}

Expected<std::shared_ptr<Engine>> Engine::compile(const Graph& g, const njc_options& o) {
  auto e = std::make_shared<Engine>();
  e->options_ = o;
  if (o.tiered) {
    runtime::TierOptions to;
    to.target = target_of(o.target);
    to.flush_denormals = o.flush_denormals != 0;
    if (o.tuning_cache_path) {
      e->tuning_cache_ = std::make_unique<runtime::TuningCache>(o.tuning_cache_path);
      e->tuning_cache_->load_or_warn();
      to.tuning_cache = e->tuning_cache_.get();
    }
    auto m = runtime::TieredModel::compile(g, to);
    if (!m) return m.error();
    e->tiered_ = std::move(*m);
    e->signature_ = &e->tiered_->signature();
  } else {
    if (o.code_cache_dir) {
      auto cache = runtime::CodeCache::open(o.code_cache_dir);
      if (!cache) return cache.error();
      e->code_cache_ = *cache;
    }
    auto m = runtime::CompiledModel::compile(g, e->model_options());
    if (!m) return m.error();
    e->plain_ = std::move(*m);
    e->signature_ = &e->plain_->signature();
  }
  e->describe();
  return e;
}

runtime::ModelOptions Engine::model_options() const {
  runtime::ModelOptions mo;
  mo.target = target_of(options_.target);
  mo.opt_level = options_.opt_level;
  mo.flush_denormals = options_.flush_denormals != 0;
  mo.code_cache = code_cache_;
  return mo;
}

Engine::~Engine() {
  if (!tiered_) return;
  tiered_->wait_idle();
  tiered_.reset();  // joins the background compiler before the cache it fills goes
  if (tuning_cache_) tuning_cache_->save_or_warn();
}

// The C views of the signature; its strings and shapes do not move while the engine lives.
void Engine::describe() {
  const std::vector<runtime::TensorSignature>* lists[3] = {&signature_->inputs, &signature_->outputs,
                                                           &signature_->states};
  for (int kind = 0; kind < 3; ++kind)
    for (const runtime::TensorSignature& t : *lists[kind])
      infos_[kind].push_back({t.name.c_str(), t.shape.size(), t.shape.data(), t.elements});
}

const std::vector<njc_tensor_info>& Engine::infos(njc_tensor_kind kind) const {
  return infos_[static_cast<int>(kind)];
}

std::unique_ptr<Instance> Engine::instantiate(const std::shared_ptr<const Engine>& self) const {
  NJC_ASSERT(self.get() == this, "instantiate: self is another engine");
  if (tiered_)
    return std::make_unique<Instance>(self, nullptr, std::make_unique<runtime::TieredInstance>(tiered_));
  return std::make_unique<Instance>(self, std::make_unique<runtime::ModelInstance>(plain_), nullptr);
}

Instance::Instance(std::shared_ptr<const Engine> engine, std::unique_ptr<runtime::ModelInstance> plain,
                   std::unique_ptr<runtime::TieredInstance> tiered)
    : engine_(std::move(engine)), plain_(std::move(plain)), tiered_(std::move(tiered)) {}

std::unique_ptr<Instance> Instance::clone() const {
  if (plain_)
    return std::make_unique<Instance>(engine_, std::make_unique<runtime::ModelInstance>(*plain_), nullptr);
  std::unique_ptr<Instance> copy = engine_->instantiate(engine_);
  const runtime::ModelSignature& s = engine_->signature();
  for (size_t i = 0; i < s.inputs.size(); ++i) std::copy_n(input(i), s.inputs[i].elements, copy->input(i));
  std::vector<float> state(s.state_floats);
  save_state(state.data());
  copy->restore_state(state.data());
  return copy;
}

float* Instance::input(size_t i) {
  return plain_ ? plain_->input(i) : tiered_->input(i);
}
const float* Instance::input(size_t i) const {
  return plain_ ? static_cast<const runtime::ModelInstance&>(*plain_).input(i)
                : static_cast<const runtime::TieredInstance&>(*tiered_).input(i);
}
const float* Instance::output(size_t i) const {
  return plain_ ? plain_->output(i) : tiered_->output(i);
}
float* Instance::state(size_t i) {
  return plain_ ? plain_->state(i) : tiered_->state(i);
}

void Instance::run() {
  if (plain_)
    plain_->run();
  else
    tiered_->run();
}

void Instance::reset() {
  if (plain_)
    plain_->reset_state();
  else
    tiered_->reset_state();
}

void Instance::save_state(float* dst) const {
  if (plain_)
    plain_->save_state(dst);
  else
    tiered_->save_state(dst);
}

void Instance::restore_state(const float* src) {
  if (plain_)
    plain_->restore_state(src);
  else
    tiered_->restore_state(src);
}

}  // namespace njc::api
