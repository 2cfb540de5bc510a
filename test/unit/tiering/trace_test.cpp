// The Chrome Trace Event recorder: spans and instants with microsecond timestamps, numbered and named
// threads, the event cap, and a model's compile / tier-up / run events.
#include "runtime/trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "frontend/model_reader.h"
#include "runtime/tiered_model.h"

namespace njc {
namespace {

TEST(Trace, SpansInstantsAndThreads) {
  runtime::TraceRecorder t;
  t.name_thread("main");
  t.span("compile O1", "compile", 1000, 3500, {{"kernel", "k"}});
  std::thread([&] { t.instant("tier-up", "tier-up", 4000); }).join();
  auto j = nlohmann::json::parse(t.json());
  const auto& ev = j["traceEvents"];
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0]["ph"], "M");
  EXPECT_EQ(ev[0]["args"]["name"], "main");
  EXPECT_EQ(ev[1]["ph"], "X");
  EXPECT_DOUBLE_EQ(ev[1]["ts"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(ev[1]["dur"].get<double>(), 2.5);
  EXPECT_EQ(ev[1]["args"]["kernel"], "k");
  EXPECT_EQ(ev[1]["tid"], 1);
  EXPECT_EQ(ev[2]["ph"], "i");
  EXPECT_EQ(ev[2]["tid"], 2);
}

TEST(Trace, KeepsAtMostTheCapAndCountsTheRest) {
  runtime::TraceRecorder t(5);
  for (int i = 0; i < 8; ++i) t.instant("e", "c", i);
  EXPECT_EQ(t.size(), 5u);
  EXPECT_EQ(t.dropped(), 3u);
  auto j = nlohmann::json::parse(t.json());
  EXPECT_EQ(j["otherData"]["dropped_events"], "3");
}

TEST(Trace, TieredModelRecordsCompileTierUpAndRun) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/mlp.json");
  ASSERT_TRUE(g);
  runtime::TraceRecorder t;
  runtime::TierOptions o;
  o.call_threshold = 1;
  o.background = false;
  o.autotune = false;
  o.trace = &t;
  auto model = runtime::TieredModel::compile(*g, o);
  ASSERT_TRUE(model);
  runtime::TieredInstance inst(*model);
  for (int c = 0; c < 5; ++c) inst.run();
  auto j = nlohmann::json::parse(t.json());
  int compile = 0, tierup = 0, run = 0;
  for (const auto& e : j["traceEvents"]) {
    compile += e.value("cat", "") == "compile";
    tierup += e.value("cat", "") == "tier-up";
    run += e.value("cat", "") == "run";
  }
  size_t n = (*model)->kernel_count();
  EXPECT_EQ(compile, static_cast<int>(1 + 3 * n));  // the first tier, then three tier-ups per kernel
  EXPECT_EQ(tierup, static_cast<int>(3 * n));
  EXPECT_EQ(run, 5);
}

}  // namespace
}  // namespace njc
