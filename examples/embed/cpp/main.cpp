// Embedding njc in a C++17 program through find_package(njc): the NPCs' brains as njc::Instance values,
// a checkpoint of one NPC's recurrent state, and a snapshot by copy. Usage: npc_demo MODEL.json
#include <cstdio>
#include <vector>

#include <njc/njc.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.json\n", argv[0]);
    return 2;
  }
  try {
    njc::Model model = njc::Model::compile_file(argv[1], njc::Options().opt_level(3));
    njc::TensorInfo out = model.info(NJC_OUTPUT, 0);
    std::printf("njc %s: %zu inputs, %zu outputs, %zu states\n", njc_version_string(), model.count(NJC_INPUT),
                model.count(NJC_OUTPUT), model.count(NJC_STATE));
    std::vector<njc::Instance> npcs;
    for (int i = 0; i < 3; ++i) npcs.push_back(model.instantiate());
    std::vector<float> checkpoint;
    for (int frame = 0; frame < 3; ++frame) {
      for (size_t i = 0; i < npcs.size(); ++i) {
        njc::Span<float> obs = npcs[i].input(0);
        for (size_t e = 0; e < obs.size; ++e) obs[e] = float((e + i + frame) % 5) / 5.0f - 0.4f;
        npcs[i].run();
        std::printf("frame %d npc %zu: %s[0] = %.6f\n", frame, i, out.name.c_str(), npcs[i].output(0)[0]);
      }
      if (frame == 0) checkpoint = npcs[0].save_state();
    }
    njc::Instance ghost = npcs[0];      // a snapshot: runs on without touching npcs[0]
    npcs[0].restore_state(checkpoint);  // npcs[0] back to its state after frame 0
    ghost.run();
    std::printf("restored %zu state floats; the snapshot ran on: %.6f\n", checkpoint.size(),
                ghost.output(0)[0]);
  } catch (const njc::Error& e) {
    std::fprintf(stderr, "%s", e.what());
    return 1;
  }
  return 0;
}
