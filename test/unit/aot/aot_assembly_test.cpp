// `njc MODEL --emit-asm -o FILE.s` against `njc MODEL --emit-obj`: GNU as assembles the file into an
// object whose .text and .rodata bytes are identical to njc's, with the same relocations (offset, type,
// addend; as numbers its symbols differently), for every bundled example at -O0 and -O3 on every target
// and for random models.
#include <gtest/gtest.h>

#include "test/support/random_model.h"
#include "test/unit/aot/aot_test_util.h"

namespace njc::aot_test {
namespace {

std::vector<std::tuple<uint64_t, uint32_t, int64_t>> relocation_list(const ElfFile& f) {
  std::vector<std::tuple<uint64_t, uint32_t, int64_t>> out;
  for (const ElfRelaInfo& r : f.relocations(".rela.text")) out.emplace_back(r.offset, r.type, r.addend);
  std::sort(out.begin(), out.end());
  return out;
}

void expect_as_reproduces(const std::string& model, int level, const std::string& target,
                          const std::string& what) {
  ScratchDir dir;
  const std::string opts = " -O" + std::to_string(level) + " --target " + target;
  ToolResult r = sh(njc() + " '" + model + "' --emit-obj -o njc.o" + opts, dir.path());
  ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
  r = sh(njc() + " '" + model + "' --emit-asm -o m.s" + opts, dir.path());
  ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
  r = sh("as m.s -o as.o", dir.path());
  ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
  EXPECT_EQ(r.err, "") << what;
  ElfFile ours(read_bytes(dir / "njc.o")), gas(read_bytes(dir / "as.o"));
  ASSERT_TRUE(ours.ok() && gas.ok());
  EXPECT_FALSE(ours.section(".text").empty());
  EXPECT_TRUE(ours.section(".text") == gas.section(".text")) << what << ": .text differs";
  EXPECT_TRUE(ours.section(".rodata") == gas.section(".rodata")) << what << ": .rodata differs";
  EXPECT_EQ(relocation_list(ours), relocation_list(gas)) << what;
  for (const char* sym : {"_run", "_init_state"}) {
    std::string name = ours.symbols().back().name;  // the last global: <name>_init_state
    name = name.substr(0, name.size() - std::string("_init_state").size()) + sym;
    ASSERT_TRUE(gas.symbol(name)) << what << " " << name;
    ASSERT_TRUE(ours.symbol(name)) << what << " " << name;
    EXPECT_EQ(gas.symbol(name)->value, ours.symbol(name)->value) << what << " " << name;
    EXPECT_EQ(gas.symbol(name)->bind, STB_GLOBAL);
  }
}

TEST(AotAssembly, AsReproducesTheObjectForEveryExample) {
  for (const char* name : {"mlp", "mlp_batch", "npc_brain", "gru_audio", "dnc_memory"})
    for (int level : {0, 3})
      for (const char* target : {"avx512", "avx2", "sse4"})
        expect_as_reproduces(std::string(NJC_SOURCE_DIR) + "/examples/" + name + ".json", level, target,
                             std::string(name) + " O" + std::to_string(level) + " " + target);
}

TEST(AotAssembly, AsReproducesTheObjectForRandomModels) {
  ScratchDir models;
  const char* targets[] = {"avx512", "avx2", "sse4"};
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const std::string path = models / "m.json";
    std::ofstream(path) << test::random_model(seed);
    expect_as_reproduces(path, static_cast<int>(seed % 4), targets[seed % 3], "seed " + std::to_string(seed));
  }
}

}  // namespace
}  // namespace njc::aot_test
