// njc.hpp compiled as C++17 (-pedantic -Werror) and used as a C++ program would: compile, introspect,
// run, snapshot by copy, save and restore state, and an njc::Error for a bad model. Exits 1 on the first
// check that fails. Usage: njc_embed_cxx17 MODEL.json
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "njc/njc.hpp"

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                                 \
    }                                                                               \
  } while (0)

namespace {
std::vector<float> step(njc::Instance& npc, int seed) {
  njc::Span<float> in = npc.input(0);
  for (size_t i = 0; i < in.size; ++i)
    in[i] = static_cast<float>(std::sin(0.37 * double(i + 1) * (seed + 1)));
  npc.run();
  njc::Span<const float> out = npc.output(0);
  return std::vector<float>(out.begin(), out.end());
}
}  // namespace

int main(int argc, char** argv) {
  CHECK(argc == 2);
  njc::Model model = njc::Model::compile_file(argv[1], njc::Options().opt_level(3));
  CHECK(model.count(NJC_INPUT) == 1 && model.count(NJC_STATE) >= 1);
  njc::TensorInfo in = model.info(NJC_INPUT, 0);
  CHECK(model.find(NJC_INPUT, in.name) == 0 && in.elements > 0);
  njc::Instance npc = model.instantiate();
  for (int call = 0; call < 4; ++call) step(npc, call);
  std::vector<float> saved = npc.save_state();
  njc::Instance snapshot = npc;  // a copy is a snapshot
  std::vector<float> next = step(npc, 50);
  step(npc, 51);
  CHECK(step(snapshot, 50) == next);
  npc.restore_state(saved);
  CHECK(step(npc, 50) == next);
  try {
    njc::Model::compile_memory("{\"format\": \"njc-model\", \"version\": 1, \"inputs\": 5}", "bad.json");
    CHECK(false);
  } catch (const njc::Error& e) {
    CHECK(e.status() == NJC_ERROR_MODEL && std::string(e.what()).rfind("bad.json:1:", 0) == 0);
  }
  try {
    npc.input(7);
    CHECK(false);
  } catch (const njc::Error& e) {
    CHECK(e.status() == NJC_ERROR_INVALID_ARGUMENT);
  }
  std::printf("njc %s: C++17 API checks passed\n", njc_version_string());
  return 0;
}
