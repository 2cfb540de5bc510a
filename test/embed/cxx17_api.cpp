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
  // A swarm of 5 NPCs, 3 acting, rows in one array; their outputs match instances given the same inputs.
  njc::Swarm swarm(model, njc::SwarmOptions().capacity(5).chunk(2).threads(2));
  size_t in_n = in.elements, out_n = model.info(NJC_OUTPUT, 0).elements;
  std::vector<float> rows(3 * in_n), outs(3 * out_n);
  for (size_t e = 0; e < rows.size(); ++e) rows[e] = static_cast<float>(std::cos(0.1 * double(e)));
  CHECK(swarm.prepare({4, 0, 2}, {{rows.data(), in_n}}, {{outs.data(), out_n}}) == 2);
  swarm.run();
  for (size_t k = 0; k < 3; ++k) {
    njc::Instance one = model.instantiate();
    std::copy(rows.begin() + k * in_n, rows.begin() + (k + 1) * in_n, one.input(0).data);
    one.run();
    for (size_t e = 0; e < out_n; ++e)
      CHECK(std::fabs(one.output(0)[e] - outs[k * out_n + e]) <=
            1e-5f * std::fabs(outs[k * out_n + e]) + 1e-6f);
  }
  CHECK(swarm.slot_state(4).size == saved.size());
  std::printf("njc %s: C++17 API checks passed\n", njc_version_string());
  return 0;
}
