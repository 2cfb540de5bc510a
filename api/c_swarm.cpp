// The C API of the NPC swarm (include/njc/njc.h, "swarms") over runtime::Swarm.
#include <cstring>

#include "api/handles.h"
#include "runtime/swarm.h"

struct njc_swarm {
  std::unique_ptr<njc::runtime::Swarm> swarm;
  njc::runtime::SwarmCall call;
  std::vector<uint32_t> slots;
  bool prepared = false;
};

extern "C" {

void njc_swarm_options_init(njc_swarm_options* options) {
  if (!options) return;
  std::memset(options, 0, sizeof *options);
  options->struct_size = sizeof *options;
  options->chunk = 48;
  options->threads = 1;
}

njc_status njc_swarm_create(const njc_model* model, const njc_swarm_options* options, njc_swarm** swarm,
                            njc_error** error) {
  auto fail = [&](njc_status s, const std::string& why) {
    if (error) *error = njc::api::make_error(s, "njc: " + why + "\n");
    return s;
  };
  if (!model || !options || !swarm)
    return fail(NJC_ERROR_INVALID_ARGUMENT, "njc_swarm_create: a NULL argument");
  if (options->struct_size != sizeof(njc_swarm_options))
    return fail(NJC_ERROR_INVALID_ARGUMENT,
                "njc_swarm_options.struct_size is wrong (call njc_swarm_options_init)");
  return njc::api::guarded([&] {
    njc::runtime::SwarmOptions o;
    o.model = model->engine->model_options();
    o.capacity = options->capacity;
    o.chunk = options->chunk;
    o.threads = options->threads;
    auto s = njc::runtime::Swarm::create(model->engine->graph(), o);
    if (!s) return fail(NJC_ERROR_INVALID_ARGUMENT, s.error().message);
    *swarm = new njc_swarm{std::move(*s), {}, {}, false};
    return NJC_OK;
  });
}

void njc_swarm_destroy(njc_swarm* swarm) {
  delete swarm;
}

njc_status njc_swarm_prepare(njc_swarm* swarm, const uint32_t* slots, size_t count,
                             const float* const* inputs, const size_t* input_strides, float* const* outputs,
                             const size_t* output_strides, size_t* chunks) {
  if (!swarm) return NJC_ERROR_INVALID_ARGUMENT;
  const njc::runtime::ModelSignature& sig = swarm->swarm->signature();
  if ((!inputs || !input_strides) && !sig.inputs.empty()) return NJC_ERROR_INVALID_ARGUMENT;
  if ((!outputs || !output_strides) && !sig.outputs.empty()) return NJC_ERROR_INVALID_ARGUMENT;
  if (!slots && count > 0) return NJC_ERROR_INVALID_ARGUMENT;
  return njc::api::guarded([&] {
    swarm->prepared = false;
    swarm->slots.assign(slots, slots + count);
    njc::runtime::SwarmCall call;
    call.slots = swarm->slots.data();
    call.count = count;
    for (size_t i = 0; i < sig.inputs.size(); ++i)
      call.inputs.push_back({const_cast<float*>(inputs[i]), input_strides[i]});  // only read
    for (size_t i = 0; i < sig.outputs.size(); ++i) call.outputs.push_back({outputs[i], output_strides[i]});
    if (!swarm->swarm->check(call)) return NJC_ERROR_INVALID_ARGUMENT;
    swarm->call = std::move(call);
    swarm->prepared = true;
    if (chunks) *chunks = swarm->swarm->chunk_count(count);
    return NJC_OK;
  });
}

njc_status njc_swarm_run(njc_swarm* swarm) {
  if (!swarm || !swarm->prepared) return NJC_ERROR_INVALID_ARGUMENT;
  return njc::api::guarded([&] {
    swarm->swarm->run(swarm->call);
    return NJC_OK;
  });
}

njc_status njc_swarm_run_chunk(njc_swarm* swarm, size_t chunk, size_t worker) {
  if (!swarm || !swarm->prepared || worker >= swarm->swarm->workers() ||
      chunk >= swarm->swarm->chunk_count(swarm->call.count))
    return NJC_ERROR_INVALID_ARGUMENT;
  return njc::api::guarded([&] {
    swarm->swarm->run_chunk(swarm->call, chunk, worker);
    return NJC_OK;
  });
}

njc_status njc_swarm_slot_state(njc_swarm* swarm, size_t slot, float** data, size_t* count) {
  if (!swarm || !data || slot >= swarm->swarm->capacity()) return NJC_ERROR_INVALID_ARGUMENT;
  *data = swarm->swarm->slot_state(slot);
  if (count) *count = swarm->swarm->signature().state_floats;
  return NJC_OK;
}

njc_status njc_swarm_reset_slot(njc_swarm* swarm, size_t slot) {
  if (!swarm || slot >= swarm->swarm->capacity()) return NJC_ERROR_INVALID_ARGUMENT;
  swarm->swarm->reset_slot(slot);
  return NJC_OK;
}

}  // extern "C"
