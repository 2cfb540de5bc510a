// The tuning cache: a round trip through the file, the next run starting at the tuned schedule, and files
// that must be ignored with a warning (corrupt, foreign, malformed entries) or kept but not used (other
// CPUs).
#include "runtime/tuning_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "frontend/model_reader.h"
#include "runtime/tiered_model.h"

namespace njc {
namespace {

std::string temp_path(const std::string& name) {
  return "/tmp/njc-tuning-test-" + std::to_string(getpid()) + "-" + name + ".json";
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

constexpr const char* kSig = "0123456789abcdef0123456789abcdef";

TEST(TuningCache, CpuNameAndSignature) {
  EXPECT_FALSE(runtime::cpu_model_name().empty());
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/mlp.json");
  ASSERT_TRUE(g);
  auto lowered = passes::lower_graph(*g);
  ASSERT_TRUE(lowered);
  loop::Kernel k = lowered->module.kernels[0];
  std::string sig = runtime::kernel_signature(k, x86::Target::kSse4);
  EXPECT_EQ(sig.size(), 32u);
  EXPECT_EQ(sig.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(sig, runtime::kernel_signature(k, x86::Target::kAvx2));
  loop::Kernel renamed = k;
  renamed.name = "other";
  EXPECT_EQ(sig, runtime::kernel_signature(renamed, x86::Target::kSse4));
  EXPECT_NE(sig, runtime::kernel_signature(lowered->module.kernels[1], x86::Target::kSse4));
}

TEST(TuningCache, RoundTrip) {
  std::string path = temp_path("round");
  runtime::TuningCache a(path, "CPU A");
  a.put(kSig, {"k", "interchange,unroll{factor=2}", 123.5});
  ASSERT_TRUE(a.save());
  runtime::TuningCache b(path, "CPU A");
  std::string warning;
  ASSERT_TRUE(b.load(&warning)) << warning;
  EXPECT_TRUE(warning.empty());
  auto e = b.find(kSig);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pipeline, "interchange,unroll{factor=2}");
  EXPECT_EQ(e->name, "k");
  EXPECT_DOUBLE_EQ(e->cycles_per_call, 123.5);
  std::remove(path.c_str());
}

// A save keeps the mode of the file it replaces (a user's 0600 cache stays private) and never writes
// through what lies at its temporary path (a stale file or a symlink planted there).
TEST(TuningCache, SaveKeepsTheModeAndIgnoresWhatIsAtTheTemporaryPath) {
  std::string path = temp_path("mode"), target = temp_path("planted-target");
  write(path, "");
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  write(target, "untouched");
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  ASSERT_EQ(symlink(target.c_str(), tmp.c_str()), 0);
  runtime::TuningCache a(path, "CPU A");
  a.put(kSig, {"k", "cse", 1.0});
  ASSERT_TRUE(a.save());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream planted(target);
  std::string content((std::istreambuf_iterator<char>(planted)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "untouched");
  EXPECT_NE(access(tmp.c_str(), F_OK), 0) << "the temporary path is gone after the rename";
  runtime::TuningCache b(path, "CPU A");
  std::string warning;
  ASSERT_TRUE(b.load(&warning)) << warning;
  EXPECT_TRUE(b.find(kSig));
  std::remove(path.c_str());
  std::remove(target.c_str());
}

TEST(TuningCache, OtherCpusEntriesAreKeptButNotUsed) {
  std::string path = temp_path("cpus");
  runtime::TuningCache a(path, "CPU A");
  a.put(kSig, {"k", "interchange", 1});
  ASSERT_TRUE(a.save());
  runtime::TuningCache b(path, "CPU B");
  ASSERT_TRUE(b.load());
  EXPECT_FALSE(b.find(kSig));
  EXPECT_EQ(b.size(), 0u);
  b.put(kSig, {"k", "interchange,unroll{factor=4}", 2});
  ASSERT_TRUE(b.save());
  runtime::TuningCache c(path, "CPU A");
  ASSERT_TRUE(c.load());
  ASSERT_TRUE(c.find(kSig));
  EXPECT_EQ(c.find(kSig)->pipeline, "interchange");
  std::remove(path.c_str());
}

TEST(TuningCache, MissingFileIsAnEmptyCacheWithoutWarning) {
  runtime::TuningCache c(temp_path("missing"));
  std::string warning;
  EXPECT_TRUE(c.load(&warning));
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(c.size(), 0u);
}

TEST(TuningCache, CorruptOrForeignFilesAreIgnoredWithAWarning) {
  std::string path = temp_path("bad");
  const std::pair<const char*, const char*> cases[] = {
      {"{\"format\": \"njc-tuning-cache\", \"version\": 1, \"entries\": [", "not valid JSON"},
      {"\x01\x02garbage", "not valid JSON"},
      {"{\"traceEvents\": []}", "not an njc tuning cache"},
      {"[1, 2, 3]", "not an njc tuning cache"},
      {"{\"format\": \"njc-tuning-cache\", \"version\": 2, \"entries\": []}", "unsupported version"},
      {"{\"format\": \"njc-tuning-cache\", \"version\": 1}", "no entries array"},
      {"{\"format\": \"njc-tuning-cache\", \"version\": 1, \"entries\": [{\"cpu\": \"A\", \"kernel\": "
       "\"xyz\", "
       "\"name\": \"k\", \"pipeline\": \"interchange\", \"cycles_per_call\": 1}]}",
       "not 32 hex digits"},
      {"{\"format\": \"njc-tuning-cache\", \"version\": 1, \"entries\": [{\"cpu\": \"A\", \"kernel\": "
       "\"0123456789abcdef0123456789abcdef\", \"name\": \"k\", \"pipeline\": 5, \"cycles_per_call\": 1}]}",
       "pipeline"},
  };
  for (const auto& [text, why] : cases) {
    write(path, text);
    runtime::TuningCache c(path, "A");
    c.put(kSig, {"stale", "interchange", 1});  // load replaces what the cache held
    std::string warning;
    EXPECT_FALSE(c.load(&warning)) << text;
    EXPECT_NE(warning.find("ignoring tuning cache"), std::string::npos) << warning;
    EXPECT_NE(warning.find(why), std::string::npos) << warning;
    EXPECT_EQ(c.size(), 0u) << text;
  }
  std::remove(path.c_str());
}

// Two processes (two caches on one file) that each tuned other kernels: the second save merges with the
// first instead of dropping its entries; on the same kernel the later save wins.
TEST(TuningCache, ConcurrentSavesMergeInsteadOfLosingEntries) {
  std::string path = temp_path("merge");
  const std::string other = "fedcba9876543210fedcba9876543210";
  runtime::TuningCache a(path, "A"), b(path, "A");
  ASSERT_TRUE(a.load());
  ASSERT_TRUE(b.load());
  a.put(kSig, {"ka", "interchange", 1});
  b.put(other, {"kb", "unroll{factor=2}", 2});
  b.put(kSig, {"kb0", "unroll{factor=4}", 3});
  ASSERT_TRUE(a.save());
  ASSERT_TRUE(b.save());
  runtime::TuningCache c(path, "A");
  ASSERT_TRUE(c.load());
  EXPECT_EQ(c.size(), 2u);
  ASSERT_TRUE(c.find(other));
  ASSERT_TRUE(c.find(kSig));
  EXPECT_EQ(c.find(kSig)->name, "kb0");
  std::remove(path.c_str());
  std::remove((path + ".lock").c_str());
}

// Bounded: a pipeline of thousands of passes is not applied; a device is not read.
TEST(TuningCache, OversizedEntriesAndDevicesAreIgnored) {
  std::string path = temp_path("huge");
  std::string pipeline = "interchange";
  while (pipeline.size() <= 4096) pipeline += ",interchange";
  write(path, "{\"format\": \"njc-tuning-cache\", \"version\": 1, \"entries\": [{\"cpu\": \"A\", \"kernel\": \"" +
                  std::string(kSig) + "\", \"name\": \"k\", \"pipeline\": \"" + pipeline +
                  "\", \"cycles_per_call\": 1}]}");
  runtime::TuningCache c(path, "A");
  std::string warning;
  EXPECT_FALSE(c.load(&warning));
  EXPECT_NE(warning.find("pipeline is longer than 4096 characters"), std::string::npos) << warning;
  std::remove(path.c_str());
  runtime::TuningCache zero("/dev/zero", "A");
  EXPECT_FALSE(zero.load(&warning));
  EXPECT_NE(warning.find("is not a regular file"), std::string::npos) << warning;
}

runtime::TierOptions tuned_options(runtime::TuningCache* cache) {
  runtime::TierOptions o;
  o.call_threshold = 1;
  o.background = false;
  o.tune.max_candidates = 3;
  o.tune.repetitions = 1;
  o.tuning_cache = cache;
  return o;
}

// Run 1 tunes every kernel and saves; run 2 reads the file and starts each kernel at the same schedule.
TEST(TuningCache, NextRunStartsAtTheTunedSchedule) {
  std::string path = temp_path("run");
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/mlp.json");
  ASSERT_TRUE(g);
  std::vector<std::string> first;
  {
    runtime::TuningCache cache(path);
    ASSERT_TRUE(cache.load());
    auto model = runtime::TieredModel::compile(*g, tuned_options(&cache));
    ASSERT_TRUE(model);
    runtime::TieredInstance inst(*model);
    for (int call = 0; call < 4; ++call) inst.run();
    for (size_t k = 0; k < (*model)->kernel_count(); ++k) {
      ASSERT_EQ((*model)->tier_of(k), 3);
      first.push_back((*model)->tuned_pipeline(k));
    }
    EXPECT_EQ(cache.size(), (*model)->kernel_count());
    ASSERT_TRUE(cache.save());
  }
  runtime::TuningCache cache(path);
  ASSERT_TRUE(cache.load());
  auto model = runtime::TieredModel::compile(*g, tuned_options(&cache));
  ASSERT_TRUE(model);
  for (size_t k = 0; k < (*model)->kernel_count(); ++k) {
    EXPECT_EQ((*model)->tier_of(k), 3);
    EXPECT_EQ((*model)->tuned_pipeline(k), first[k]);
  }
  runtime::TieredInstance inst(*model);
  inst.run();
  for (int t : inst.last_tiers()) EXPECT_EQ(t, 3);
  EXPECT_TRUE((*model)->events().empty());
  std::remove(path.c_str());
}

// A cached schedule that does not compile is not trusted: the kernel climbs and tunes as if it were absent.
TEST(TuningCache, AnUnusableEntryIsNotTrusted) {
  std::string path = temp_path("unusable");
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/mlp.json");
  ASSERT_TRUE(g);
  runtime::TuningCache cache(path);
  auto lowered = passes::lower_graph(*g);
  ASSERT_TRUE(lowered);
  for (const loop::Kernel& k : lowered->module.kernels)
    cache.put(runtime::kernel_signature(k, x86::host_target()), {k.name, "tile{loop=nosuchloop sizes=4}", 1});
  auto model = runtime::TieredModel::compile(*g, tuned_options(&cache));
  ASSERT_TRUE(model);
  runtime::TieredInstance inst(*model);
  inst.run();
  for (int t : inst.last_tiers()) EXPECT_EQ(t, 3);  // it was compiled for tier 3, just not from the entry
  for (size_t k = 0; k < (*model)->kernel_count(); ++k)
    EXPECT_NE((*model)->tuned_pipeline(k), "tile{loop=nosuchloop sizes=4}");
}

}  // namespace
}  // namespace njc
