// The C API (include/njc/njc.h) through libnjc.so: results against the reference interpreter for the
// one-level JIT at every level and the tiered JIT, introspection, state save/restore and snapshots, error
// messages identical to the CLI's, and every argument check.
#include "njc/njc.h"

#include <gtest/gtest.h>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "test/support/random_values.h"
#include "test/support/scratch_dir.h"
#include "test/unit/tools/run_tool.h"

namespace njc {
namespace {

using test::random_values;

const char* kNpcBrain = NJC_SOURCE_DIR "/examples/npc_brain.json";

njc_model* compile_or_fail(const char* path, const njc_options* o) {
  njc_model* m = nullptr;
  njc_error* e = nullptr;
  njc_status s = njc_model_compile_file(path, o, &m, &e);
  EXPECT_EQ(s, NJC_OK) << njc_error_message(e);
  njc_error_destroy(e);
  return m;
}

// Runs `calls` calls through the C API and the interpreter, state carried, and compares.
void expect_matches_interpreter(const char* path, const njc_options& o, int calls) {
  auto g = read_model_file(path);
  ASSERT_TRUE(g);
  njc_model* model = compile_or_fail(path, &o);
  ASSERT_NE(model, nullptr);
  njc_instance* inst = nullptr;
  ASSERT_EQ(njc_instance_create(model, &inst), NJC_OK);
  njc_model_destroy(model);  // the instance keeps the code alive
  GraphInterpreter reference(*g);
  for (int call = 0; call < calls; ++call) {
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < g->inputs.size(); ++i) {
      inputs.push_back(random_values(g->batch * num_elements(g->value(g->inputs[i]).shape), 13 * call + i));
      ASSERT_EQ(njc_instance_set_input(inst, i, inputs[i].data(), inputs[i].size()), NJC_OK);
    }
    ASSERT_EQ(njc_instance_run(inst), NJC_OK);
    auto want = reference.run(inputs);
    for (size_t out = 0; out < want.size(); ++out) {
      std::vector<float> got(want[out].size());
      ASSERT_EQ(njc_instance_get_output(inst, out, got.data(), got.size()), NJC_OK);
      for (size_t e = 0; e < got.size(); ++e)
        ASSERT_NEAR(got[e], want[out][e], 1e-5 * std::fabs(want[out][e]) + 1e-6)
            << path << " tiered " << o.tiered << " O" << o.opt_level << " call " << call << " output " << out;
    }
  }
  njc_instance_destroy(inst);
}

TEST(CApi, EveryExampleMatchesTheInterpreter) {
  for (const char* name : {"mlp", "mlp_batch", "npc_brain", "gru_audio", "dnc_memory"}) {
    std::string path = std::string(NJC_SOURCE_DIR "/examples/") + name + ".json";
    njc_options o;
    njc_options_init(&o);
    for (int level = 0; level <= 3; ++level) {
      o.opt_level = level;
      expect_matches_interpreter(path.c_str(), o, 4);
    }
    o.tiered = 1;
    expect_matches_interpreter(path.c_str(), o, 4);
  }
}

TEST(CApi, IntrospectionDescribesTheGraph) {
  auto g = read_model_file(kNpcBrain);
  ASSERT_TRUE(g);
  njc_model* model = compile_or_fail(kNpcBrain, nullptr);
  ASSERT_NE(model, nullptr);
  int64_t batch = 0;
  ASSERT_EQ(njc_model_batch(model, &batch), NJC_OK);
  EXPECT_EQ(batch, g->batch);
  struct Kind {
    njc_tensor_kind kind;
    std::vector<ValueId> values;
  };
  std::vector<ValueId> states;
  for (const StateInfo& s : g->states) states.push_back(s.value);
  for (const Kind& k : {Kind{NJC_INPUT, g->inputs}, Kind{NJC_OUTPUT, g->outputs}, Kind{NJC_STATE, states}}) {
    size_t count = 99;
    ASSERT_EQ(njc_model_tensor_count(model, k.kind, &count), NJC_OK);
    ASSERT_EQ(count, k.values.size());
    for (size_t i = 0; i < count; ++i) {
      const ValueInfo& v = g->value(k.values[i]);
      njc_tensor_info info;
      ASSERT_EQ(njc_model_tensor_info(model, k.kind, i, &info), NJC_OK);
      EXPECT_EQ(std::string(info.name), v.name);
      EXPECT_EQ(std::vector<int64_t>(info.dims, info.dims + info.rank), v.shape);
      EXPECT_EQ(info.elements, static_cast<size_t>(g->batch * num_elements(v.shape)));
      size_t found = 99;
      ASSERT_EQ(njc_model_find_tensor(model, k.kind, v.name.c_str(), &found), NJC_OK);
      EXPECT_EQ(found, i);
    }
    size_t index = 7;
    EXPECT_EQ(njc_model_find_tensor(model, k.kind, "no such tensor", &index), NJC_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(index, 7u);
  }
  njc_model_destroy(model);
}

std::vector<float> run_once(njc_instance* inst, int seed) {
  float* in = nullptr;
  size_t n = 0;
  EXPECT_EQ(njc_instance_input(inst, 0, &in, &n), NJC_OK);
  std::vector<float> x = random_values(static_cast<int64_t>(n), seed);
  std::copy(x.begin(), x.end(), in);
  EXPECT_EQ(njc_instance_run(inst), NJC_OK);
  const float* out = nullptr;
  EXPECT_EQ(njc_instance_output(inst, 0, &out, &n), NJC_OK);
  return std::vector<float>(out, out + n);
}

TEST(CApi, SaveRestoreAndCloneReplayTheSameCalls) {
  for (int tiered = 0; tiered <= 1; ++tiered) {
    njc_options o;
    njc_options_init(&o);
    o.tiered = tiered;
    njc_model* model = compile_or_fail(kNpcBrain, &o);
    ASSERT_NE(model, nullptr);
    njc_instance* npc = nullptr;
    ASSERT_EQ(njc_instance_create(model, &npc), NJC_OK);
    for (int call = 0; call < 5; ++call) run_once(npc, call);
    size_t size = 0;
    ASSERT_EQ(njc_instance_state_size(npc, &size), NJC_OK);
    ASSERT_GT(size, 0u);
    std::vector<float> saved(size);
    ASSERT_EQ(njc_instance_save_state(npc, saved.data(), size), NJC_OK);
    njc_instance* snapshot = nullptr;
    ASSERT_EQ(njc_instance_clone(npc, &snapshot), NJC_OK);

    std::vector<float> next = run_once(npc, 100);
    EXPECT_NE(saved, std::vector<float>(size));  // the state moved away from zero
    run_once(npc, 101);
    EXPECT_EQ(run_once(snapshot, 100), next) << "tiered " << tiered;  // the clone is where npc was
    ASSERT_EQ(njc_instance_restore_state(npc, saved.data(), size), NJC_OK);
    EXPECT_EQ(run_once(npc, 100), next) << "tiered " << tiered;

    // One state's pointer reads what save_state wrote first.
    float* state = nullptr;
    size_t elements = 0;
    ASSERT_EQ(njc_instance_restore_state(npc, saved.data(), size), NJC_OK);
    ASSERT_EQ(njc_instance_state(npc, 0, &state, &elements), NJC_OK);
    EXPECT_EQ(std::vector<float>(state, state + elements),
              std::vector<float>(saved.begin(), saved.begin() + elements));
    ASSERT_EQ(njc_instance_reset(npc), NJC_OK);
    EXPECT_EQ(std::vector<float>(state, state + elements), std::vector<float>(elements, 0.0f));
    njc_instance_destroy(snapshot);
    njc_instance_destroy(npc);
    njc_model_destroy(model);
  }
}

// A state with a declared initial value holds it at creation and after njc_instance_reset (plain and
// tiered instances), and in every swarm slot at creation and after njc_swarm_reset_slot.
TEST(CApi, ResetRestoresDeclaredInitialStates) {
  test::ScratchDir dir;
  std::string path = dir.path() + "/held.json";
  std::ofstream(path) << R"({"format": "njc-model", "version": 1, "name": "held",
    "inputs": [{"name": "x", "shape": [3]}], "outputs": ["y"],
    "states": [{"name": "h", "shape": [3], "next": "y", "data": [0.5, -1.25, 2.0]}],
    "nodes": [{"op": "Add", "inputs": ["h", "x"], "outputs": ["y"]}]})";
  const std::vector<float> initial = {0.5f, -1.25f, 2.0f};
  for (int tiered = 0; tiered <= 1; ++tiered) {
    njc_options o;
    njc_options_init(&o);
    o.tiered = tiered;
    njc_model* model = compile_or_fail(path.c_str(), &o);
    ASSERT_NE(model, nullptr);
    njc_instance* inst = nullptr;
    ASSERT_EQ(njc_instance_create(model, &inst), NJC_OK);
    float* state = nullptr;
    size_t elements = 0;
    ASSERT_EQ(njc_instance_state(inst, 0, &state, &elements), NJC_OK);
    EXPECT_EQ(std::vector<float>(state, state + elements), initial) << "tiered " << tiered;
    const float ones[] = {1, 1, 1};
    for (int call = 0; call < 3; ++call) {
      ASSERT_EQ(njc_instance_set_input(inst, 0, ones, 3), NJC_OK);
      ASSERT_EQ(njc_instance_run(inst), NJC_OK);
    }
    EXPECT_EQ(std::vector<float>(state, state + elements), (std::vector<float>{3.5f, 1.75f, 5.0f}));
    ASSERT_EQ(njc_instance_reset(inst), NJC_OK);
    EXPECT_EQ(std::vector<float>(state, state + elements), initial) << "tiered " << tiered;
    njc_instance_destroy(inst);
    njc_model_destroy(model);
  }
  njc_model* model = compile_or_fail(path.c_str(), nullptr);
  ASSERT_NE(model, nullptr);
  njc_swarm_options so;
  njc_swarm_options_init(&so);
  so.capacity = 4;
  so.chunk = 2;
  so.threads = 1;
  njc_swarm* swarm = nullptr;
  ASSERT_EQ(njc_swarm_create(model, &so, &swarm, nullptr), NJC_OK);
  float* state = nullptr;
  size_t count = 0;
  for (uint32_t slot = 0; slot < 4; ++slot) {
    ASSERT_EQ(njc_swarm_slot_state(swarm, slot, &state, &count), NJC_OK);
    EXPECT_EQ(std::vector<float>(state, state + count), initial) << "slot " << slot;
  }
  state[0] = 9.0f;
  ASSERT_EQ(njc_swarm_reset_slot(swarm, 3), NJC_OK);
  EXPECT_EQ(std::vector<float>(state, state + count), initial);
  njc_swarm_destroy(swarm);
  njc_model_destroy(model);
}

// What `njc PATH --jit run` prints on stderr.
std::string cli_stderr(const std::string& path) {
  test::ToolResult r = test::run_tool(std::string(NJC_TOOL) + " '" + path + "' --jit run", ".");
  EXPECT_EQ(r.exit_code, 1);
  return r.err;
}

TEST(CApi, ModelErrorsCarryTheCliMessage) {
  test::ScratchDir dir;
  std::string path = dir.path() + "/bad.json";
  std::ofstream(path)
      << "{\"format\": \"njc-model\", \"version\": 1,\n \"inputs\": [{\"name\": \"x\", \"shape\": [4]}],\n"
         " \"outputs\": [\"y\"], \"nodes\": [{\"op\": \"Relux\", \"inputs\": [\"x\"], \"outputs\": "
         "[\"y\"]}]}\n";
  for (const std::string& p : {path, dir.path() + "/missing.json"}) {
    njc_model* model = nullptr;
    njc_error* error = nullptr;
    EXPECT_EQ(njc_model_compile_file(p.c_str(), nullptr, &model, &error), NJC_ERROR_MODEL);
    EXPECT_EQ(model, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(njc_error_status(error), NJC_ERROR_MODEL);
    EXPECT_EQ(std::string(njc_error_message(error)), cli_stderr(p));
    EXPECT_NE(std::string(njc_error_message(error)).find(p + ":"), std::string::npos);
    njc_error_destroy(error);
  }
  // From memory: the name labels the message, the line and column are the text's.
  std::string text = "{\"format\": \"njc-model\",\n \"version\": 1,,}";  // a syntax error on line 2
  njc_model* model = nullptr;
  njc_error* error = nullptr;
  EXPECT_EQ(
      njc_model_compile_memory(text.data(), text.size(), "inline.json", nullptr, nullptr, &model, &error),
      NJC_ERROR_MODEL);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(std::string(njc_error_message(error)).rfind("inline.json:2:", 0), 0u) << njc_error_message(error);
  njc_error_destroy(error);
  // The error pointer is optional.
  EXPECT_EQ(njc_model_compile_memory(text.data(), text.size(), "x.json", nullptr, nullptr, &model, nullptr),
            NJC_ERROR_MODEL);
}

TEST(CApi, CompileFromMemoryMatchesCompileFromFile) {
  std::ifstream in(kNpcBrain);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  njc_model *a = compile_or_fail(kNpcBrain, nullptr), *b = nullptr;
  njc_error* e = nullptr;
  ASSERT_EQ(
      njc_model_compile_memory(text.data(), text.size(), "npc", NJC_SOURCE_DIR "/examples", nullptr, &b, &e),
      NJC_OK)
      << njc_error_message(e);
  njc_instance *ia = nullptr, *ib = nullptr;
  ASSERT_EQ(njc_instance_create(a, &ia), NJC_OK);
  ASSERT_EQ(njc_instance_create(b, &ib), NJC_OK);
  for (int call = 0; call < 3; ++call) EXPECT_EQ(run_once(ia, call), run_once(ib, call));
  njc_instance_destroy(ia);
  njc_instance_destroy(ib);
  njc_model_destroy(a);
  njc_model_destroy(b);
}

TEST(CApi, BadOptionsAreRefusedWithAMessage) {
  struct Case {
    void (*change)(njc_options&);
    njc_status status;
    const char* says;
  };
  const Case cases[] = {
      {[](njc_options& o) { o.struct_size = 8; }, NJC_ERROR_INVALID_ARGUMENT, "struct_size"},
      {[](njc_options& o) { o.opt_level = 4; }, NJC_ERROR_INVALID_ARGUMENT, "opt_level"},
      {[](njc_options& o) { o.opt_level = -1; }, NJC_ERROR_INVALID_ARGUMENT, "opt_level"},
      {[](njc_options& o) { o.target = static_cast<njc_target>(9); }, NJC_ERROR_INVALID_ARGUMENT, "target"},
      {[](njc_options& o) { o.max_memory_mib = 0; }, NJC_ERROR_INVALID_ARGUMENT, "max_memory_mib"},
  };
  for (const Case& c : cases) {
    njc_options o;
    njc_options_init(&o);
    c.change(o);
    njc_model* model = nullptr;
    njc_error* error = nullptr;
    EXPECT_EQ(njc_model_compile_file(kNpcBrain, &o, &model, &error), c.status) << c.says;
    EXPECT_EQ(model, nullptr);
    EXPECT_NE(std::string(njc_error_message(error)).find(c.says), std::string::npos)
        << njc_error_message(error);
    njc_error_destroy(error);
  }
  if (njc_host_target() != NJC_TARGET_AVX512) {
    njc_options o;
    njc_options_init(&o);
    o.target = NJC_TARGET_AVX512;
    njc_model* model = nullptr;
    EXPECT_EQ(njc_model_compile_file(kNpcBrain, &o, &model, nullptr), NJC_ERROR_UNSUPPORTED);
    EXPECT_EQ(model, nullptr);
  }
}

// code_cache_dir: the second compile maps the kernels the first stored (the directory fills once) and
// computes the same; a directory others can write is refused; a 0.2.0 program's shorter options struct
// still compiles, with no code cache.
TEST(CApi, CodeCacheDirKeepsKernelsForTheNextCompile) {
  test::ScratchDir dir;
  std::string cache = dir / "cache";
  njc_options o;
  njc_options_init(&o);
  o.code_cache_dir = cache.c_str();
  expect_matches_interpreter(kNpcBrain, o, 3);
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache)) entries += e.path().extension() == ".njck";
  EXPECT_GT(entries, 0u);
  auto stamp = std::filesystem::last_write_time(cache);
  expect_matches_interpreter(kNpcBrain, o, 3);
  EXPECT_EQ(std::filesystem::last_write_time(cache), stamp);  // nothing written: every kernel was a hit

  std::filesystem::permissions(cache, std::filesystem::perms::others_write,
                               std::filesystem::perm_options::add);
  njc_model* model = nullptr;
  njc_error* error = nullptr;
  EXPECT_EQ(njc_model_compile_file(kNpcBrain, &o, &model, &error), NJC_ERROR_MODEL);
  EXPECT_NE(std::string(njc_error_message(error)).find("writable by other users"), std::string::npos)
      << njc_error_message(error);
  njc_error_destroy(error);

  njc_options old;
  njc_options_init(&old);
  old.struct_size = offsetof(njc_options, code_cache_dir);
  old.code_cache_dir = cache.c_str();  // past the old struct's end: must not be read
  expect_matches_interpreter(kNpcBrain, old, 2);
}

TEST(CApi, EveryCallChecksItsArguments) {
  njc_model* model = compile_or_fail(kNpcBrain, nullptr);
  ASSERT_NE(model, nullptr);
  njc_instance* inst = nullptr;
  ASSERT_EQ(njc_instance_create(model, &inst), NJC_OK);
  const njc_status bad = NJC_ERROR_INVALID_ARGUMENT;
  float* p = nullptr;
  const float* cp = nullptr;
  size_t n = 0;
  int64_t b = 0;
  njc_tensor_info info;
  float buf[4096] = {};
  size_t in_size = 0, state_size = 0;
  ASSERT_EQ(njc_instance_input(inst, 0, &p, &in_size), NJC_OK);
  ASSERT_EQ(njc_instance_state_size(inst, &state_size), NJC_OK);
  njc_model* no_model = nullptr;

  EXPECT_EQ(njc_model_compile_file(nullptr, nullptr, &no_model, nullptr), bad);
  EXPECT_EQ(njc_model_compile_file(kNpcBrain, nullptr, nullptr, nullptr), bad);
  EXPECT_EQ(njc_model_compile_memory(nullptr, 5, "x", nullptr, nullptr, &no_model, nullptr), bad);
  EXPECT_EQ(njc_model_batch(nullptr, &b), bad);
  EXPECT_EQ(njc_model_batch(model, nullptr), bad);
  EXPECT_EQ(njc_model_tensor_count(model, static_cast<njc_tensor_kind>(3), &n), bad);
  EXPECT_EQ(njc_model_tensor_count(nullptr, NJC_INPUT, &n), bad);
  EXPECT_EQ(njc_model_tensor_info(model, NJC_INPUT, 99, &info), bad);
  EXPECT_EQ(njc_model_tensor_info(model, NJC_INPUT, 0, nullptr), bad);
  EXPECT_EQ(njc_model_find_tensor(model, NJC_INPUT, nullptr, &n), bad);
  EXPECT_EQ(njc_instance_create(nullptr, &inst), bad);
  EXPECT_EQ(njc_instance_create(model, nullptr), bad);
  EXPECT_EQ(njc_instance_clone(nullptr, &inst), bad);
  EXPECT_EQ(njc_instance_input(inst, 99, &p, &n), bad);
  EXPECT_EQ(njc_instance_input(nullptr, 0, &p, &n), bad);
  EXPECT_EQ(njc_instance_input(inst, 0, nullptr, &n), bad);
  EXPECT_EQ(njc_instance_output(inst, 99, &cp, &n), bad);
  EXPECT_EQ(njc_instance_state(inst, 99, &p, &n), bad);
  EXPECT_EQ(njc_instance_set_input(inst, 0, buf, in_size + 1), bad);
  EXPECT_EQ(njc_instance_set_input(inst, 0, nullptr, in_size), bad);
  EXPECT_EQ(njc_instance_get_output(inst, 0, buf, 0), bad);
  EXPECT_EQ(njc_instance_run(nullptr), bad);
  EXPECT_EQ(njc_instance_reset(nullptr), bad);
  EXPECT_EQ(njc_instance_state_size(inst, nullptr), bad);
  EXPECT_EQ(njc_instance_save_state(inst, buf, state_size - 1), bad);
  EXPECT_EQ(njc_instance_save_state(inst, nullptr, state_size), bad);
  EXPECT_EQ(njc_instance_restore_state(inst, buf, state_size + 1), bad);
  EXPECT_EQ(njc_instance_restore_state(nullptr, buf, state_size), bad);
  EXPECT_STREQ(njc_status_name(bad), "NJC_ERROR_INVALID_ARGUMENT");
  EXPECT_STREQ(njc_status_name(static_cast<njc_status>(42)), "unknown status");
  EXPECT_STREQ(njc_error_message(nullptr), "");
  njc_error_destroy(nullptr);
  njc_instance_destroy(nullptr);
  njc_model_destroy(nullptr);
  EXPECT_EQ(no_model, nullptr);
  njc_instance_destroy(inst);
  njc_model_destroy(model);
}

// A swarm call against one instance per NPC, the job-system path against the pool, and the checks.
TEST(CApi, SwarmMatchesOneInstancePerNpc) {
  njc_model* model = compile_or_fail(kNpcBrain, nullptr);
  ASSERT_NE(model, nullptr);
  njc_tensor_info in, out;
  ASSERT_EQ(njc_model_tensor_info(model, NJC_INPUT, 0, &in), NJC_OK);
  ASSERT_EQ(njc_model_tensor_info(model, NJC_OUTPUT, 0, &out), NJC_OK);
  njc_swarm_options so;
  njc_swarm_options_init(&so);
  so.capacity = 11;
  so.chunk = 4;
  so.threads = 2;
  njc_swarm *pool = nullptr, *jobs = nullptr;
  ASSERT_EQ(njc_swarm_create(model, &so, &pool, nullptr), NJC_OK);
  ASSERT_EQ(njc_swarm_create(model, &so, &jobs, nullptr), NJC_OK);
  std::vector<njc_instance*> npcs(so.capacity);
  for (njc_instance*& npc : npcs) ASSERT_EQ(njc_instance_create(model, &npc), NJC_OK);
  const std::vector<uint32_t> slots = {7, 2, 10, 0, 5, 3, 9};  // odd-sized, out of order
  const size_t n = slots.size();
  for (int frame = 0; frame < 4; ++frame) {
    std::vector<float> x(n * in.elements), y(n * out.elements), y2(n * out.elements);
    for (size_t k = 0; k < n; ++k) {
      std::vector<float> row = random_values(static_cast<int64_t>(in.elements), 100 * frame + slots[k]);
      std::copy(row.begin(), row.end(), x.begin() + k * in.elements);
    }
    const float* inputs[] = {x.data()};
    float* outputs[] = {y.data()};
    float* outputs2[] = {y2.data()};
    size_t in_strides[] = {in.elements}, out_strides[] = {out.elements}, chunks = 0;
    ASSERT_EQ(njc_swarm_prepare(pool, slots.data(), n, inputs, in_strides, outputs, out_strides, &chunks),
              NJC_OK);
    ASSERT_EQ(chunks, 2u);
    ASSERT_EQ(njc_swarm_run(pool), NJC_OK);
    ASSERT_EQ(njc_swarm_prepare(jobs, slots.data(), n, inputs, in_strides, outputs2, out_strides, nullptr),
              NJC_OK);
    ASSERT_EQ(njc_swarm_run_chunk(jobs, 1, 1), NJC_OK);  // as a job system might: any order, any worker
    ASSERT_EQ(njc_swarm_run_chunk(jobs, 0, 0), NJC_OK);
    EXPECT_EQ(y2, y);
    for (size_t k = 0; k < n; ++k) {
      ASSERT_EQ(njc_instance_set_input(npcs[slots[k]], 0, x.data() + k * in.elements, in.elements), NJC_OK);
      ASSERT_EQ(njc_instance_run(npcs[slots[k]]), NJC_OK);
      std::vector<float> want(out.elements);
      ASSERT_EQ(njc_instance_get_output(npcs[slots[k]], 0, want.data(), want.size()), NJC_OK);
      for (size_t e = 0; e < want.size(); ++e)
        ASSERT_NEAR(y[k * out.elements + e], want[e], 1e-5 * std::fabs(want[e]) + 1e-6) << "frame " << frame;
    }
  }
  float* state = nullptr;
  size_t count = 0, expected = 0;
  ASSERT_EQ(njc_swarm_slot_state(pool, 7, &state, &count), NJC_OK);
  ASSERT_EQ(njc_instance_state_size(npcs[7], &expected), NJC_OK);
  EXPECT_EQ(count, expected);
  ASSERT_EQ(njc_swarm_reset_slot(pool, 7), NJC_OK);
  EXPECT_EQ(std::vector<float>(state, state + count), std::vector<float>(count, 0.0f));

  const uint32_t twice[] = {1, 1}, beyond[] = {11};
  float row[64] = {};
  const float* inputs[] = {row};
  float* outputs[] = {row};
  size_t strides[] = {in.elements}, out_strides[] = {out.elements}, short_stride[] = {1};
  EXPECT_EQ(njc_swarm_prepare(pool, twice, 2, inputs, strides, outputs, out_strides, nullptr),
            NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(njc_swarm_run(pool), NJC_ERROR_INVALID_ARGUMENT);  // the refused call is not kept
  EXPECT_EQ(njc_swarm_prepare(pool, beyond, 1, inputs, strides, outputs, out_strides, nullptr),
            NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(njc_swarm_prepare(pool, twice, 1, inputs, short_stride, outputs, out_strides, nullptr),
            NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(njc_swarm_prepare(pool, twice, 1, nullptr, strides, outputs, out_strides, nullptr),
            NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(njc_swarm_run_chunk(jobs, 2, 0), NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(njc_swarm_run_chunk(jobs, 0, 2), NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(njc_swarm_slot_state(pool, 11, &state, &count), NJC_ERROR_INVALID_ARGUMENT);
  so.capacity = 0;
  njc_swarm* none = nullptr;
  njc_error* error = nullptr;
  EXPECT_EQ(njc_swarm_create(model, &so, &none, &error), NJC_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(njc_error_message(error)).find("capacity"), std::string::npos);
  njc_error_destroy(error);
  EXPECT_EQ(none, nullptr);

  for (njc_instance* npc : npcs) njc_instance_destroy(npc);
  njc_swarm_destroy(pool);
  njc_swarm_destroy(jobs);
  njc_model_destroy(model);
}

TEST(CApi, VersionIsTheProjects) {
  int major = -1, minor = -1, patch = -1;
  njc_version(&major, &minor, &patch);
  EXPECT_EQ(major, NJC_VERSION_MAJOR);
  EXPECT_EQ(minor, NJC_VERSION_MINOR);
  EXPECT_EQ(patch, NJC_VERSION_PATCH);
  EXPECT_STREQ(njc_version_string(), NJC_VERSION_STRING);
}

}  // namespace
}  // namespace njc
