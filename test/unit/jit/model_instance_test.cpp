// ModelInstance as a value: a copy is a snapshot with memory of its own, and the state can be saved and
// restored; the signature names every input, output and state with its shape and size.
#include <gtest/gtest.h>

#include "frontend/model_reader.h"
#include "runtime/compiled_model.h"
#include "runtime/tiered_model.h"
#include "test/support/random_values.h"

namespace njc {
namespace {

using test::random_values;

Graph npc_brain() {
  auto g = read_model_file(NJC_SOURCE_DIR "/examples/npc_brain.json");
  EXPECT_TRUE(g) << (g ? "" : g.error().message);
  return *g;
}

std::vector<float> observation(const Graph& g, int call) {
  return random_values(g.batch * num_elements(g.value(g.inputs[0]).shape), 7 * call + 1);
}

TEST(ModelInstance, SignatureNamesInputsOutputsAndStates) {
  Graph g = npc_brain();
  auto model = runtime::CompiledModel::compile(g, {});
  ASSERT_TRUE(model);
  const runtime::ModelSignature& s = (*model)->signature();
  ASSERT_EQ(s.inputs.size(), g.inputs.size());
  ASSERT_EQ(s.outputs.size(), g.outputs.size());
  ASSERT_EQ(s.states.size(), g.states.size());
  ASSERT_FALSE(s.states.empty());
  size_t state_floats = 0;
  for (size_t i = 0; i < g.states.size(); ++i) {
    EXPECT_EQ(s.states[i].name, g.value(g.states[i].value).name);
    EXPECT_EQ(s.states[i].shape, g.value(g.states[i].value).shape);
    state_floats += s.states[i].elements;
  }
  EXPECT_EQ(s.state_floats, state_floats);
  EXPECT_EQ(s.inputs[0].elements, static_cast<size_t>(g.batch * num_elements(g.value(g.inputs[0]).shape)));
}

TEST(ModelInstance, CopyIsASnapshotWithItsOwnMemory) {
  Graph g = npc_brain();
  auto model = runtime::CompiledModel::compile(g, {});
  ASSERT_TRUE(model);
  runtime::ModelInstance original(*model);
  for (int call = 0; call < 3; ++call) original.run({observation(g, call)});
  runtime::ModelInstance copy = original;
  EXPECT_NE(copy.input(0), original.input(0));
  // Both continue from the same state: equal outputs; then running the copy leaves the original alone.
  auto a = original.run({observation(g, 3)});
  auto b = copy.run({observation(g, 3)});
  EXPECT_EQ(a, b);
  std::vector<float> before(original.output(0), original.output(0) + a[0].size());
  copy.run({observation(g, 9)});
  copy.reset_state();
  EXPECT_EQ(std::vector<float>(original.output(0), original.output(0) + a[0].size()), before);
  // Assignment too, and moves keep their pointer tables valid.
  runtime::ModelInstance assigned(*model);
  assigned = original;
  runtime::ModelInstance moved = std::move(assigned);
  EXPECT_EQ(moved.run({observation(g, 4)}), original.run({observation(g, 4)}));
}

template <class Instance>
void expect_restore_replays(Instance& npc, const Graph& g) {
  for (int call = 0; call < 4; ++call) npc.run({observation(g, call)});
  std::vector<float> saved(npc.state_size());
  npc.save_state(saved.data());
  auto first = npc.run({observation(g, 10)});
  npc.run({observation(g, 11)});
  npc.restore_state(saved.data());
  EXPECT_EQ(npc.run({observation(g, 10)}), first);
}

TEST(ModelInstance, RestoredStateReplaysTheSameCalls) {
  Graph g = npc_brain();
  auto model = runtime::CompiledModel::compile(g, {});
  ASSERT_TRUE(model);
  runtime::ModelInstance npc(*model);
  expect_restore_replays(npc, g);
  // A state saved from one instance continues identically in another.
  std::vector<float> saved((*model)->signature().state_floats);
  npc.save_state(saved.data());
  runtime::ModelInstance other(*model);
  other.restore_state(saved.data());
  EXPECT_EQ(other.run({observation(g, 20)}), npc.run({observation(g, 20)}));
}

TEST(TieredInstance, RestoredStateReplaysTheSameCalls) {
  Graph g = npc_brain();
  runtime::TierOptions o;
  o.pinned_tier = 1;
  auto model = runtime::TieredModel::compile(g, o);
  ASSERT_TRUE(model);
  runtime::TieredInstance npc(*model);
  expect_restore_replays(npc, g);
  EXPECT_EQ((*model)->signature().states.size(), g.states.size());
}

}  // namespace
}  // namespace njc
