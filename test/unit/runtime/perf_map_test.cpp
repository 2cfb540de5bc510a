// The perf map (runtime/perf_map.cpp): /tmp/perf-<pid>.map names every kernel of a model compiled with
// ModelOptions::perf_map, cached kernels included, with an address range inside an r-x mapping.
#include "runtime/perf_map.h"
#include "test/support/proc_maps.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"

namespace njc::runtime {
namespace {

using Range = test::Mapping;

std::vector<Range> maps() {
  return test::proc_maps();
}

bool inside_rx(uintptr_t lo, uintptr_t hi) {
  for (const Range& m : maps())
    if (lo >= m.lo && hi <= m.hi) return m.perms.substr(0, 3) == "r-x";
  return false;
}

TEST(PerfMap, NamesEveryKernelOfAModel) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/npc_brain.json");
  ASSERT_TRUE(g) << g.error().message;
  KernelCache cache;
  ModelOptions o;
  o.cache = &cache;
  ASSERT_TRUE(CompiledModel::compile(*g, o));  // fill the cache while the map is off
  o.perf_map = true;
  auto m = CompiledModel::compile(*g, o);  // every kernel a hit, yet each must be in the map
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(perf_map_enabled());
  EXPECT_EQ(perf_map_path(), "/tmp/perf-" + std::to_string(getpid()) + ".map");

  std::ifstream in(perf_map_path());
  ASSERT_TRUE(in) << perf_map_path();
  std::map<std::string, std::pair<uintptr_t, size_t>> listed;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string start, size, name;
    s >> start >> size >> name;
    ASSERT_FALSE(name.empty()) << line;
    ASSERT_EQ(start.find("0x"), std::string::npos) << "perf wants bare hex: " << line;
    listed[name] = {std::stoull(start, nullptr, 16), std::stoull(size, nullptr, 16)};
  }
  ASSERT_GT((*m)->kernel_count(), 1u);
  for (const auto& k : (*m)->kernels()) {
    auto it = listed.find(k->kernel().name);
    ASSERT_NE(it, listed.end()) << k->kernel().name;
    EXPECT_EQ(it->second.first, reinterpret_cast<uintptr_t>(k->code()));
    EXPECT_EQ(it->second.second, static_cast<size_t>(k->stats().code_bytes));
    EXPECT_TRUE(inside_rx(it->second.first, it->second.first + it->second.second)) << k->kernel().name;
  }
  // A kernel compiled while the map is on is recorded by runtime::compile itself.
  ModelOptions fresh = o;
  fresh.cache = nullptr;
  fresh.perf_map = false;
  fresh.opt_level = 0;
  auto m0 = CompiledModel::compile(*g, fresh);
  ASSERT_TRUE(m0);
  disable_perf_map();
  EXPECT_FALSE(perf_map_enabled());
  std::ifstream again(perf_map_path());
  std::string all((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  char want[32];
  std::snprintf(want, sizeof want, "%lx ",
                static_cast<unsigned long>(reinterpret_cast<uintptr_t>((*m0)->kernels()[0]->code())));
  EXPECT_NE(all.find(want), std::string::npos);
  std::remove(perf_map_path().c_str());
}

}  // namespace
}  // namespace njc::runtime
