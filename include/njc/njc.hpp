// njc.hpp: the C++ API of njc (C++17, header-only over the C API of njc/njc.h; link njc::njc).
//
//   njc::Model model = njc::Model::compile_file("npc_brain.json");   // throws njc::Error
//   njc::Instance npc = model.instantiate();
//   std::copy(obs.begin(), obs.end(), npc.input(0).data);
//   npc.run();
//   njc::Span<const float> probs = npc.output(0);
//   std::vector<float> saved = npc.save_state();   ...   npc.restore_state(saved);
//
// Errors are njc::Error exceptions carrying the C API's status and message; the real-time calls
// (input, output, run) do not throw once their indices are checked. Copying an Instance makes a snapshot
// (its own inputs and state); copying a Model shares it. Threads and lifetimes: as in njc/njc.h.
#ifndef NJC_NJC_HPP
#define NJC_NJC_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "njc/njc.h"

namespace njc {

class Error : public std::runtime_error {
 public:
  Error(njc_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  njc_status status() const noexcept { return status_; }

 private:
  njc_status status_;
};

namespace detail {
inline void check(njc_status s, const char* what) {
  if (s != NJC_OK) throw Error(s, std::string(what) + ": " + njc_status_name(s));
}
}  // namespace detail

// A pointer and a length (std::span is C++20).
template <class T>
struct Span {
  T* data = nullptr;
  size_t size = 0;
  T* begin() const { return data; }
  T* end() const { return data + size; }
  T& operator[](size_t i) const { return data[i]; }
};

struct TensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // of one batch instance
  size_t elements = 0;        // batch × product of dims
};

struct Options {
  njc_options c;
  Options() { njc_options_init(&c); }
  Options& target(njc_target t) {
    c.target = t;
    return *this;
  }
  Options& opt_level(int level) {
    c.opt_level = level;
    return *this;
  }
  Options& tiered(bool on) {
    c.tiered = on;
    return *this;
  }
  Options& tuning_cache(const char* path) {
    c.tuning_cache_path = path;
    return *this;
  }
  Options& flush_denormals(bool on) {
    c.flush_denormals = on;
    return *this;
  }
  Options& code_cache(const char* dir) {
    c.code_cache_dir = dir;
    return *this;
  }
};

class Instance;

class Model {
 public:
  static Model compile_file(const std::string& path, const Options& options = {}) {
    njc_model* m = nullptr;
    njc_error* e = nullptr;
    njc_status s = njc_model_compile_file(path.c_str(), &options.c, &m, &e);
    return finish(s, m, e);
  }
  static Model compile_memory(const std::string& text, const std::string& name = "<memory>",
                              const std::string& base_dir = ".", const Options& options = {}) {
    njc_model* m = nullptr;
    njc_error* e = nullptr;
    njc_status s = njc_model_compile_memory(text.data(), text.size(), name.c_str(), base_dir.c_str(),
                                            &options.c, &m, &e);
    return finish(s, m, e);
  }

  int64_t batch() const {
    int64_t b = 0;
    detail::check(njc_model_batch(get(), &b), "njc_model_batch");
    return b;
  }
  size_t count(njc_tensor_kind kind) const {
    size_t n = 0;
    detail::check(njc_model_tensor_count(get(), kind, &n), "njc_model_tensor_count");
    return n;
  }
  TensorInfo info(njc_tensor_kind kind, size_t index) const {
    njc_tensor_info t;
    detail::check(njc_model_tensor_info(get(), kind, index, &t), "njc_model_tensor_info");
    return TensorInfo{t.name, std::vector<int64_t>(t.dims, t.dims + t.rank), t.elements};
  }
  size_t find(njc_tensor_kind kind, const std::string& name) const {
    size_t i = 0;
    detail::check(njc_model_find_tensor(get(), kind, name.c_str(), &i), "njc_model_find_tensor");
    return i;
  }
  Instance instantiate() const;
  const njc_model* get() const { return handle_.get(); }

 private:
  explicit Model(njc_model* m) : handle_(m, njc_model_destroy) {}
  static Model finish(njc_status s, njc_model* m, njc_error* e) {
    if (s == NJC_OK) return Model(m);
    std::string message = e ? njc_error_message(e) : njc_status_name(s);
    njc_error_destroy(e);
    throw Error(s, message);
  }
  std::shared_ptr<njc_model> handle_;  // copies of a Model share one compiled model
};

// One user of a model with its own inputs, outputs and state. Copies are snapshots.
class Instance {
 public:
  explicit Instance(const Model& model) {
    detail::check(njc_instance_create(model.get(), &handle_), "njc_instance_create");
  }
  Instance(const Instance& other) {
    detail::check(njc_instance_clone(other.handle_, &handle_), "njc_instance_clone");
  }
  Instance& operator=(const Instance& other) {
    if (this != &other) *this = Instance(other);
    return *this;
  }
  Instance(Instance&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Instance& operator=(Instance&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~Instance() { njc_instance_destroy(handle_); }

  Span<float> input(size_t index) {
    Span<float> s;
    detail::check(njc_instance_input(handle_, index, &s.data, &s.size), "njc_instance_input");
    return s;
  }
  Span<const float> output(size_t index) const {
    Span<const float> s;
    detail::check(njc_instance_output(handle_, index, &s.data, &s.size), "njc_instance_output");
    return s;
  }
  Span<float> state(size_t index) {
    Span<float> s;
    detail::check(njc_instance_state(handle_, index, &s.data, &s.size), "njc_instance_state");
    return s;
  }
  void run() { detail::check(njc_instance_run(handle_), "njc_instance_run"); }
  void reset() { detail::check(njc_instance_reset(handle_), "njc_instance_reset"); }

  std::vector<float> save_state() const {
    size_t n = 0;
    detail::check(njc_instance_state_size(handle_, &n), "njc_instance_state_size");
    std::vector<float> v(n);
    detail::check(njc_instance_save_state(handle_, v.data(), n), "njc_instance_save_state");
    return v;
  }
  void restore_state(const std::vector<float>& v) {
    detail::check(njc_instance_restore_state(handle_, v.data(), v.size()), "njc_instance_restore_state");
  }
  njc_instance* get() const { return handle_; }

 private:
  njc_instance* handle_ = nullptr;
};

inline Instance Model::instantiate() const {
  return Instance(*this);
}

// Many NPCs of one model per call (njc_swarm_*): a state slot per NPC, rows anywhere with strides.
//   njc::Swarm swarm(model, njc::SwarmOptions().capacity(10000).threads(0));
//   swarm.prepare(slots, {{obs_base, obs_stride}}, {{act_base, act_stride}});   // once per layout
//   swarm.run();                                                              // every frame
struct SwarmOptions {
  njc_swarm_options c;
  SwarmOptions() { njc_swarm_options_init(&c); }
  SwarmOptions& capacity(size_t n) {
    c.capacity = n;
    return *this;
  }
  SwarmOptions& chunk(size_t n) {
    c.chunk = n;
    return *this;
  }
  SwarmOptions& threads(size_t n) {
    c.threads = n;
    return *this;
  }
};

class Swarm {
 public:
  struct Rows {
    const float* base;
    size_t stride;  // floats from one NPC's row to the next
  };
  struct OutRows {
    float* base;
    size_t stride;
  };

  Swarm(const Model& model, const SwarmOptions& options) {
    njc_error* e = nullptr;
    njc_status s = njc_swarm_create(model.get(), &options.c, &handle_, &e);
    if (s != NJC_OK) {
      std::string message = e ? njc_error_message(e) : njc_status_name(s);
      njc_error_destroy(e);
      throw Error(s, message);
    }
  }
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;
  ~Swarm() { njc_swarm_destroy(handle_); }

  // Keeps a call (the rows must stay valid while it is run); returns its chunk count.
  size_t prepare(const std::vector<uint32_t>& slots, const std::vector<Rows>& inputs,
                 const std::vector<OutRows>& outputs) {
    std::vector<const float*> in;
    std::vector<float*> out;
    std::vector<size_t> in_strides, out_strides;
    for (const Rows& r : inputs) in.push_back(r.base), in_strides.push_back(r.stride);
    for (const OutRows& r : outputs) out.push_back(r.base), out_strides.push_back(r.stride);
    size_t chunks = 0;  // njc_swarm_prepare copies the slots and the row table
    detail::check(njc_swarm_prepare(handle_, slots.data(), slots.size(), in.data(), in_strides.data(),
                                    out.data(), out_strides.data(), &chunks),
                  "njc_swarm_prepare");
    return chunks;
  }
  void run() { detail::check(njc_swarm_run(handle_), "njc_swarm_run"); }
  void run_chunk(size_t chunk, size_t worker) {
    detail::check(njc_swarm_run_chunk(handle_, chunk, worker), "njc_swarm_run_chunk");
  }
  Span<float> slot_state(size_t slot) {
    Span<float> s;
    detail::check(njc_swarm_slot_state(handle_, slot, &s.data, &s.size), "njc_swarm_slot_state");
    return s;
  }
  void reset_slot(size_t slot) { detail::check(njc_swarm_reset_slot(handle_, slot), "njc_swarm_reset_slot"); }

 private:
  njc_swarm* handle_ = nullptr;
};

}  // namespace njc

#endif  // NJC_NJC_HPP
