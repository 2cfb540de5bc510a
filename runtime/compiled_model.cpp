// Compiling a whole model and running its kernels on an instance's memory.
#include "runtime/compiled_model.h"

#include <chrono>
#include <map>

#include "ir/assert.h"
#include "runtime/code_cache.h"
#include "runtime/float_mode.h"
#include "runtime/perf_map.h"

namespace njc::runtime {

namespace {
Expected<std::shared_ptr<const JitKernel>> fresh(const loop::Kernel& k, const JitOptions& o,
                                                 CodeCache* disk) {
  Expected<JitKernel> j = disk ? disk->load_or_compile(k, o, kernel_key(k, o)) : compile(k, o);
  if (!j) return j.error();
  return std::make_shared<const JitKernel>(std::move(*j));
}
}  // namespace

Expected<std::shared_ptr<const CompiledModel>> CompiledModel::compile(const Graph& g, const ModelOptions& o) {
  auto start = std::chrono::steady_clock::now();
  auto model = std::make_shared<CompiledModel>();
  model->graph_ = g;
  model->flush_denormals_ = o.flush_denormals;
  auto lowered = passes::lower_graph(model->graph_);
  if (!lowered) return lowered.error();
  model->lowered_ = std::move(*lowered);
  std::map<std::string, int> slot_of;
  auto slot = [&](const std::string& name, size_t size) {
    auto [it, fresh] = slot_of.emplace(name, static_cast<int>(model->slots_.size()));
    if (fresh) {
      model->slots_.push_back({model->memory_floats_, size});
      model->memory_floats_ += size;
    }
    NJC_ASSERT(model->slots_[static_cast<size_t>(it->second)].size == size,
               "buffer " + name + " has two sizes");
    return it->second;
  };
  JitOptions jo;
  jo.target = o.target;
  jo.opt_level = o.opt_level;
  jo.emit_asm = o.emit_asm;
  if (o.perf_map) enable_perf_map();
  for (const loop::Kernel& k : model->lowered_.module.kernels) {
    auto compiled =
        o.cache ? o.cache->get_or_compile(k, jo, o.code_cache.get()) : fresh(k, jo, o.code_cache.get());
    if (!compiled) {
      Diag d = compiled.error();
      d.message = "kernel " + k.name + ": " + d.message;
      return d;
    }
    std::vector<int> slots;
    // The original buffers (same order as the compiled kernel's): a cached kernel may come from a kernel
    // whose buffers had other names.
    for (const loop::Buffer& b : k.buffers)
      slots.push_back(b.kind == loop::BufferKind::kParam ? -1 : slot(b.name, static_cast<size_t>(b.size())));
    model->kernel_slots_.push_back(std::move(slots));
    if (o.perf_map)  // a cached kernel was compiled before the map was on
      perf_map_record((*compiled)->code(), static_cast<size_t>((*compiled)->stats().code_bytes),
                      (*compiled)->kernel().name);
    model->kernels_.push_back(std::move(*compiled));
  }
  model->signature_ = describe_model(g, model->lowered_, [&](const std::string& name, size_t size) {
    return model->slots_[static_cast<size_t>(slot(name, size))].offset;
  });
  model->compile_us_ =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  return std::shared_ptr<const CompiledModel>(std::move(model));
}

std::string CompiledModel::assembly() const {
  std::string out;
  for (size_t i = 0; i < kernels_.size(); ++i)
    out += "# kernel " + lowered_.module.kernels[i].name + "\n" + kernels_[i]->assembly() + "\n";
  return out;
}

ModelInstance::ModelInstance(std::shared_ptr<const CompiledModel> model)
    : model_(std::move(model)), memory_(model_->memory_floats_, 0.0f) {
  reset_memory(model_->signature_, memory_);
  bind_pointers();
}

ModelInstance::ModelInstance(const ModelInstance& other) : model_(other.model_), memory_(other.memory_) {
  bind_pointers();
}

ModelInstance& ModelInstance::operator=(const ModelInstance& other) {
  if (this != &other) {
    model_ = other.model_;
    memory_ = other.memory_;
    bind_pointers();
  }
  return *this;
}

// Points every kernel's buffer table into this instance's own memory.
void ModelInstance::bind_pointers() {
  pointers_.clear();
  for (const std::vector<int>& slots : model_->kernel_slots_) {
    std::vector<float*> table;
    for (int s : slots)
      table.push_back(s < 0 ? nullptr : memory_.data() + model_->slots_[static_cast<size_t>(s)].offset);
    pointers_.push_back(std::move(table));
  }
}

float* ModelInstance::input(size_t i) {
  return memory_.data() + model_->signature_.inputs.at(i).offset;
}

const float* ModelInstance::input(size_t i) const {
  return memory_.data() + model_->signature_.inputs.at(i).offset;
}

const float* ModelInstance::output(size_t i) const {
  return memory_.data() + model_->signature_.outputs.at(i).offset;
}

float* ModelInstance::state(size_t i) {
  return memory_.data() + model_->signature_.states.at(i).offset;
}

void ModelInstance::save_state(float* dst) const {
  save_states(model_->signature_, memory_.data(), dst);
}

void ModelInstance::restore_state(const float* src) {
  restore_states(model_->signature_, memory_.data(), src);
}

void ModelInstance::run() {
  const CompiledModel& m = *model_;
  FlushDenormalsScope float_mode(m.flush_denormals_);
  for (size_t k = 0; k < m.kernels_.size(); ++k) m.kernels_[k]->run(pointers_[k].data());
}

void ModelInstance::reset_state() {
  reset_memory(model_->signature_, memory_);
}

std::vector<std::vector<float>> ModelInstance::run(const std::vector<std::vector<float>>& inputs) {
  const CompiledModel& m = *model_;
  NJC_ASSERT(inputs.size() == m.signature_.inputs.size(), "wrong number of inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSignature& t = m.signature_.inputs[i];
    NJC_ASSERT(inputs[i].size() <= std::max<size_t>(1, t.elements), "input has the wrong size");
    std::copy(inputs[i].begin(), inputs[i].end(), memory_.begin() + static_cast<long>(t.offset));
  }
  run();
  std::vector<std::vector<float>> out;
  for (const TensorSignature& t : m.signature_.outputs) {
    auto begin = memory_.begin() + static_cast<long>(t.offset);
    out.emplace_back(begin, begin + static_cast<long>(t.elements));
  }
  return out;
}

}  // namespace njc::runtime
