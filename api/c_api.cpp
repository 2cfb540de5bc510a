// The C API (include/njc/njc.h): argument checks, error objects and exception barriers around api::Engine
// and api::Instance. No C++ exception crosses this file's functions.
#include <cstddef>
#include <cstring>
#include <new>

#include "api/handles.h"
#include "frontend/model_loader.h"

namespace {

using njc::Diag;
using njc::Expected;
using njc::api::guarded;

njc_status fail(njc_error** error, njc_status status, std::string message) {
  if (error) *error = njc::api::make_error(status, std::move(message));
  return status;
}

// Checks options (or takes the defaults) and says what is wrong in the CLI's words.
njc_status checked_options(const njc_options* given, njc_options* out, njc_error** error) {
  njc_options_init(out);
  if (!given) return NJC_OK;
  // A program built against 0.2.0 passes the struct without the fields added since: they keep defaults.
  const size_t v020 = offsetof(njc_options, code_cache_dir);
  if (given->struct_size != sizeof(njc_options) && given->struct_size != v020)
    return fail(error, NJC_ERROR_INVALID_ARGUMENT,
                "njc: options.struct_size is " + std::to_string(given->struct_size) + ", expected " +
                    std::to_string(sizeof(njc_options)) + " (call njc_options_init first)\n");
  std::memcpy(static_cast<void*>(out), given, given->struct_size);
  out->struct_size = sizeof(njc_options);
  if (out->target < NJC_TARGET_HOST || out->target > NJC_TARGET_AVX512)
    return fail(
        error, NJC_ERROR_INVALID_ARGUMENT,
        "njc: options.target is " + std::to_string(static_cast<int>(out->target)) + ", not a target\n");
  if (out->opt_level < 0 || out->opt_level > 3)
    return fail(error, NJC_ERROR_INVALID_ARGUMENT,
                "njc: options.opt_level is " + std::to_string(out->opt_level) + ", expected 0 to 3\n");
  if (out->max_memory_mib < 1 || out->max_memory_mib > (int64_t{1} << 30))
    return fail(
        error, NJC_ERROR_INVALID_ARGUMENT,
        "njc: options.max_memory_mib is " + std::to_string(out->max_memory_mib) + ", expected 1 to 2^30\n");
  if (out->target != NJC_TARGET_HOST) {
    njc::x86::Target t = njc::api::target_of(out->target);
    if (!njc::x86::target_supported(t, njc::x86::host_cpu()))
      return fail(error, NJC_ERROR_UNSUPPORTED,
                  "njc: this CPU cannot run target " + std::string(njc::x86::target_name(t)) + "\n");
  }
  return NJC_OK;
}

// The CLI's rendering of d: with the offending line, read from the model's text or, for an error in
// another file (a weight file), from that file.
njc_status model_error(njc_error** error, Diag d, const std::string& file, const std::string* source) {
  if (d.file.empty()) d.file = file;
  Expected<std::string> other =
      d.line > 0 && d.file != file ? njc::read_text_file(d.file) : Expected<std::string>(Diag{});
  const std::string* text = d.file == file ? source : other ? &*other : nullptr;
  return fail(error, NJC_ERROR_MODEL, njc::format_diag(d, text));
}

// Compiles a loaded graph (or reports why it did not load) into *model.
njc_status finish_compile(Expected<njc::Graph> graph, const njc_options& o, const std::string& file,
                          const std::string* source, njc_model** model, njc_error** error) {
  if (!graph) return model_error(error, graph.error(), file, source);
  auto engine = njc::api::Engine::compile(*graph, o);
  if (!engine) return model_error(error, engine.error(), file, source);
  *model = new njc_model{std::move(*engine)};
  return NJC_OK;
}

njc::ReadOptions read_options(const njc_options& o) {
  return njc::ReadOptions{o.weights_anywhere != 0, o.max_memory_mib << 20};
}

// The tensor's description, or null when the kind or index is out of range.
const njc_tensor_info* tensor_of(const njc::api::Engine& engine, njc_tensor_kind kind, size_t index) {
  if (kind < NJC_INPUT || kind > NJC_STATE) return nullptr;
  const auto& infos = engine.infos(kind);
  return index < infos.size() ? &infos[index] : nullptr;
}

const njc_tensor_info* tensor_at(const njc_model* model, njc_tensor_kind kind, size_t index) {
  return model ? tensor_of(*model->engine, kind, index) : nullptr;
}

const njc_tensor_info* tensor_at(const njc_instance* instance, njc_tensor_kind kind, size_t index) {
  return instance ? tensor_of(instance->impl->engine(), kind, index) : nullptr;
}

}  // namespace

extern "C" {

const char* njc_status_name(njc_status status) {
  switch (status) {
    case NJC_OK:
      return "NJC_OK";
    case NJC_ERROR_INVALID_ARGUMENT:
      return "NJC_ERROR_INVALID_ARGUMENT";
    case NJC_ERROR_MODEL:
      return "NJC_ERROR_MODEL";
    case NJC_ERROR_UNSUPPORTED:
      return "NJC_ERROR_UNSUPPORTED";
    case NJC_ERROR_OUT_OF_MEMORY:
      return "NJC_ERROR_OUT_OF_MEMORY";
    case NJC_ERROR_INTERNAL:
      return "NJC_ERROR_INTERNAL";
  }
  return "unknown status";
}

const char* njc_version_string(void) {
  return NJC_VERSION_STRING;
}

void njc_version(int* major, int* minor, int* patch) {
  if (major) *major = NJC_VERSION_MAJOR;
  if (minor) *minor = NJC_VERSION_MINOR;
  if (patch) *patch = NJC_VERSION_PATCH;
}

njc_target njc_host_target(void) {
  switch (njc::x86::host_target()) {
    case njc::x86::Target::kSse4:
      return NJC_TARGET_SSE4;
    case njc::x86::Target::kAvx2:
      return NJC_TARGET_AVX2;
    case njc::x86::Target::kAvx512:
      return NJC_TARGET_AVX512;
  }
  return NJC_TARGET_SSE4;
}

void njc_options_init(njc_options* options) {
  if (!options) return;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->target = NJC_TARGET_HOST;
  options->opt_level = 3;
  options->flush_denormals = 1;
  options->max_memory_mib = njc::kDefaultMemoryBudget >> 20;
}

const char* njc_error_message(const njc_error* error) {
  return error ? error->message.c_str() : "";
}
njc_status njc_error_status(const njc_error* error) {
  return error ? error->status : NJC_OK;
}
void njc_error_destroy(njc_error* error) {
  delete error;
}

njc_status njc_model_compile_file(const char* path, const njc_options* options, njc_model** model,
                                  njc_error** error) {
  if (!model) return fail(error, NJC_ERROR_INVALID_ARGUMENT, "njc: model (the result pointer) is NULL\n");
  if (!path) return fail(error, NJC_ERROR_INVALID_ARGUMENT, "njc: path is NULL\n");
  return guarded([&] {
    njc_options o;
    if (njc_status s = checked_options(options, &o, error); s != NJC_OK) return s;
    auto source = njc::read_text_file(path);
    if (!source) return model_error(error, source.error(), path, nullptr);
    auto graph = njc::load_model_text(*source, path, njc::directory_of(path), read_options(o));
    return finish_compile(std::move(graph), o, path, &*source, model, error);
  });
}

njc_status njc_model_compile_memory(const char* text, size_t size, const char* name, const char* base_dir,
                                    const njc_options* options, njc_model** model, njc_error** error) {
  if (!model) return fail(error, NJC_ERROR_INVALID_ARGUMENT, "njc: model (the result pointer) is NULL\n");
  if (!text && size > 0) return fail(error, NJC_ERROR_INVALID_ARGUMENT, "njc: text is NULL\n");
  return guarded([&] {
    njc_options o;
    if (njc_status s = checked_options(options, &o, error); s != NJC_OK) return s;
    std::string file = name ? name : "<memory>";
    std::string source(text ? text : "", size);
    auto graph = njc::load_model_text(source, file, base_dir ? base_dir : ".", read_options(o));
    return finish_compile(std::move(graph), o, file, &source, model, error);
  });
}

void njc_model_destroy(njc_model* model) {
  guarded([&] {
    delete model;
    return NJC_OK;
  });
}

njc_status njc_model_batch(const njc_model* model, int64_t* batch) {
  if (!model || !batch) return NJC_ERROR_INVALID_ARGUMENT;
  *batch = model->engine->signature().batch;
  return NJC_OK;
}

njc_status njc_model_tensor_count(const njc_model* model, njc_tensor_kind kind, size_t* count) {
  if (!model || !count || kind < NJC_INPUT || kind > NJC_STATE) return NJC_ERROR_INVALID_ARGUMENT;
  *count = model->engine->infos(kind).size();
  return NJC_OK;
}

njc_status njc_model_tensor_info(const njc_model* model, njc_tensor_kind kind, size_t index,
                                 njc_tensor_info* info) {
  const njc_tensor_info* t = tensor_at(model, kind, index);
  if (!t || !info) return NJC_ERROR_INVALID_ARGUMENT;
  *info = *t;
  return NJC_OK;
}

njc_status njc_model_find_tensor(const njc_model* model, njc_tensor_kind kind, const char* name,
                                 size_t* index) {
  if (!model || !name || !index || kind < NJC_INPUT || kind > NJC_STATE) return NJC_ERROR_INVALID_ARGUMENT;
  const auto& infos = model->engine->infos(kind);
  for (size_t i = 0; i < infos.size(); ++i)
    if (std::strcmp(infos[i].name, name) == 0) {
      *index = i;
      return NJC_OK;
    }
  return NJC_ERROR_INVALID_ARGUMENT;
}

njc_status njc_instance_create(const njc_model* model, njc_instance** instance) {
  if (!model || !instance) return NJC_ERROR_INVALID_ARGUMENT;
  return guarded([&] {
    *instance = new njc_instance{model->engine->instantiate(model->engine)};
    return NJC_OK;
  });
}

njc_status njc_instance_clone(const njc_instance* source, njc_instance** instance) {
  if (!source || !instance) return NJC_ERROR_INVALID_ARGUMENT;
  return guarded([&] {
    *instance = new njc_instance{source->impl->clone()};
    return NJC_OK;
  });
}

void njc_instance_destroy(njc_instance* instance) {
  guarded([&] {
    delete instance;
    return NJC_OK;
  });
}

njc_status njc_instance_input(njc_instance* instance, size_t index, float** data, size_t* elements) {
  const njc_tensor_info* t = tensor_at(instance, NJC_INPUT, index);
  if (!t || !data) return NJC_ERROR_INVALID_ARGUMENT;
  *data = instance->impl->input(index);
  if (elements) *elements = t->elements;
  return NJC_OK;
}

njc_status njc_instance_output(const njc_instance* instance, size_t index, const float** data,
                               size_t* elements) {
  const njc_tensor_info* t = tensor_at(instance, NJC_OUTPUT, index);
  if (!t || !data) return NJC_ERROR_INVALID_ARGUMENT;
  *data = instance->impl->output(index);
  if (elements) *elements = t->elements;
  return NJC_OK;
}

njc_status njc_instance_state(njc_instance* instance, size_t index, float** data, size_t* elements) {
  const njc_tensor_info* t = tensor_at(instance, NJC_STATE, index);
  if (!t || !data) return NJC_ERROR_INVALID_ARGUMENT;
  *data = instance->impl->state(index);
  if (elements) *elements = t->elements;
  return NJC_OK;
}

njc_status njc_instance_set_input(njc_instance* instance, size_t index, const float* data, size_t count) {
  const njc_tensor_info* t = tensor_at(instance, NJC_INPUT, index);
  if (!t || (!data && count > 0) || count != t->elements) return NJC_ERROR_INVALID_ARGUMENT;
  if (count > 0) std::memcpy(instance->impl->input(index), data, count * sizeof(float));
  return NJC_OK;
}

njc_status njc_instance_get_output(const njc_instance* instance, size_t index, float* data, size_t count) {
  const njc_tensor_info* t = tensor_at(instance, NJC_OUTPUT, index);
  if (!t || (!data && count > 0) || count != t->elements) return NJC_ERROR_INVALID_ARGUMENT;
  if (count > 0) std::memcpy(data, instance->impl->output(index), count * sizeof(float));
  return NJC_OK;
}

njc_status njc_instance_run(njc_instance* instance) {
  if (!instance) return NJC_ERROR_INVALID_ARGUMENT;
  return guarded([&] {  // a tiered instance may allocate to queue a tier-up
    instance->impl->run();
    return NJC_OK;
  });
}

njc_status njc_instance_reset(njc_instance* instance) {
  if (!instance) return NJC_ERROR_INVALID_ARGUMENT;
  instance->impl->reset();
  return NJC_OK;
}

njc_status njc_instance_state_size(const njc_instance* instance, size_t* count) {
  if (!instance || !count) return NJC_ERROR_INVALID_ARGUMENT;
  *count = instance->impl->engine().signature().state_floats;
  return NJC_OK;
}

njc_status njc_instance_save_state(const njc_instance* instance, float* data, size_t count) {
  if (!instance || (!data && count > 0) || count != instance->impl->engine().signature().state_floats)
    return NJC_ERROR_INVALID_ARGUMENT;
  instance->impl->save_state(data);
  return NJC_OK;
}

njc_status njc_instance_restore_state(njc_instance* instance, const float* data, size_t count) {
  if (!instance || (!data && count > 0) || count != instance->impl->engine().signature().state_floats)
    return NJC_ERROR_INVALID_ARGUMENT;
  instance->impl->restore_state(data);
  return NJC_OK;
}

}  // extern "C"
