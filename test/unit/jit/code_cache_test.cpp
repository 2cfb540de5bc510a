// The on-disk code cache (runtime/code_cache.h): a second compile of a model maps every kernel from its
// entry and computes the same outputs; corrupted, truncated, foreign and mismatched entries are ignored
// with a warning and replaced; concurrent writers never leave a torn entry; unsafe directories are refused.
#include "runtime/code_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"
#include "runtime/compiled_model.h"
#include "test/support/random_values.h"
#include "test/support/scratch_dir.h"

namespace njc {
namespace {

namespace fs = std::filesystem;
using test::random_values;

Graph example(const std::string& name) {
  auto g = read_model_file(NJC_SOURCE_DIR "/examples/" + name + ".json");
  EXPECT_TRUE(g) << (g ? "" : g.error().message);
  return *g;
}

struct Opened {
  std::shared_ptr<runtime::CodeCache> cache;
  std::vector<std::string> warnings;
};

std::unique_ptr<Opened> open_cache(const std::string& dir) {
  auto o = std::make_unique<Opened>();
  auto c = runtime::CodeCache::open(dir, [w = &o->warnings](const std::string& line) { w->push_back(line); });
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  if (c) o->cache = *c;
  return o;
}

// Outputs of `calls` calls (state carried) of g compiled with the cache (no in-memory kernel cache).
std::vector<std::vector<float>> run_with(const Graph& g, const std::shared_ptr<runtime::CodeCache>& cache,
                                         int calls = 3) {
  runtime::ModelOptions o;
  o.cache = nullptr;
  o.code_cache = cache;
  auto model = runtime::CompiledModel::compile(g, o);
  EXPECT_TRUE(model) << (model ? "" : model.error().message);
  runtime::ModelInstance instance(*model);
  std::vector<std::vector<float>> out;
  for (int call = 0; call < calls; ++call) {
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < g.inputs.size(); ++i)
      inputs.push_back(random_values(g.batch * num_elements(g.value(g.inputs[i]).shape), 11 * call + i));
    for (auto& o : instance.run(inputs)) out.push_back(o);
  }
  return out;
}

std::vector<fs::path> entries(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CodeCache, SecondCompileMapsEveryKernelAndComputesTheSame) {
  test::ScratchDir dir;
  for (const char* name : {"npc_brain", "gru_audio", "dnc_memory"}) {
    Graph g = example(name);
    auto first = open_cache(dir / name);
    auto want = run_with(g, first->cache);
    runtime::CodeCacheStats s1 = first->cache->stats();
    EXPECT_GT(s1.stored, 0u) << name;
    EXPECT_EQ(s1.misses, s1.stored) << name;  // hits: a model with two identical kernels (dnc_memory)
    EXPECT_EQ(entries(dir / name).size(), s1.stored) << name;  // no temporary file left behind

    auto second = open_cache(dir / name);
    EXPECT_EQ(run_with(g, second->cache), want) << name;  // bit for bit: the same code
    runtime::CodeCacheStats s2 = second->cache->stats();
    EXPECT_EQ(s2.hits, s1.hits + s1.stored) << name;
    EXPECT_EQ(s2.misses + s2.stored + s2.rejected, 0u) << name;
    EXPECT_TRUE(second->warnings.empty()) << name;

    GraphInterpreter reference(g);  // and the cached code is right, not only stable
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < g.inputs.size(); ++i)
      inputs.push_back(random_values(g.batch * num_elements(g.value(g.inputs[i]).shape), i));
    auto ref = reference.run(inputs);
    for (size_t o = 0; o < ref.size(); ++o)
      for (size_t e = 0; e < ref[o].size(); ++e)
        EXPECT_NEAR(want[o][e], ref[o][e], 1e-5 * std::fabs(ref[o][e]) + 2e-6) << name;
  }
}

// Each way an entry can be wrong: rejected with a warning naming the file, compiled again, rewritten.
TEST(CodeCache, BadEntriesAreIgnoredWithAWarningAndReplaced) {
  Graph g = example("npc_brain");
  enum Damage { kFlipCodeByte, kTruncate, kEmpty, kForeign, kSwapEntries };
  for (Damage damage : {kFlipCodeByte, kTruncate, kEmpty, kForeign, kSwapEntries}) {
    test::ScratchDir dir;
    auto want = run_with(g, open_cache(dir.path())->cache);
    std::vector<fs::path> files = entries(dir.path());
    ASSERT_GE(files.size(), 2u);
    fs::path victim = files[0];
    std::string bytes;
    {
      std::ifstream in(victim, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    if (damage == kFlipCodeByte) bytes[bytes.size() / 2] ^= 0x10;
    if (damage == kTruncate) bytes.resize(bytes.size() - 9);
    if (damage == kEmpty) bytes.clear();
    if (damage == kForeign) bytes = "not a cache entry at all";
    if (damage == kSwapEntries) {  // a sound entry of another kernel under this key
      std::ifstream in(files[1], std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    std::ofstream(victim, std::ios::binary | std::ios::trunc) << bytes;

    auto again = open_cache(dir.path());
    EXPECT_EQ(run_with(g, again->cache), want) << "damage " << damage;
    runtime::CodeCacheStats s = again->cache->stats();
    EXPECT_EQ(s.rejected, 1u) << "damage " << damage;
    EXPECT_EQ(s.stored, 1u) << "damage " << damage;
    ASSERT_EQ(again->warnings.size(), 1u) << "damage " << damage;
    EXPECT_NE(again->warnings[0].find(victim.string()), std::string::npos) << again->warnings[0];

    auto third = open_cache(dir.path());  // the rewritten entry is sound
    EXPECT_EQ(run_with(g, third->cache), want);
    EXPECT_EQ(third->cache->stats().rejected, 0u) << "damage " << damage;
  }
}

// Threads standing for processes compile the same models into one directory at once: every entry that
// ends up there is whole (a later open maps them all without a warning).
TEST(CodeCache, ConcurrentWritersLeaveOnlyWholeEntries) {
  test::ScratchDir dir;
  Graph g = example("npc_brain");
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) writers.emplace_back([&] { run_with(g, open_cache(dir.path())->cache, 1); });
  for (std::thread& t : writers) t.join();
  auto after = open_cache(dir.path());
  run_with(g, after->cache, 1);
  EXPECT_EQ(after->cache->stats().rejected, 0u);
  EXPECT_EQ(after->cache->stats().misses, 0u);
  EXPECT_TRUE(after->warnings.empty());
  for (const fs::path& p : entries(dir.path())) EXPECT_EQ(p.extension(), ".njck") << p;
}

TEST(CodeCache, RefusesDirectoriesOthersCanWriteAndFiles) {
  test::ScratchDir dir;
  auto created = runtime::CodeCache::open(dir / "new/nested");
  ASSERT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "new/nested").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  ASSERT_EQ(::chmod((dir / "new/nested").c_str(), 0777), 0);
  auto shared = runtime::CodeCache::open(dir / "new/nested");
  ASSERT_FALSE(shared);
  EXPECT_NE(shared.error().message.find("writable by other users"), std::string::npos)
      << shared.error().message;

  std::ofstream(dir / "file") << "x";
  auto file = runtime::CodeCache::open(dir / "file");
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message.find("not a directory"), std::string::npos) << file.error().message;
}

}  // namespace
}  // namespace njc
