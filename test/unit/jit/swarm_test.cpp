// The NPC swarm against the reference interpreter (one interpreter per slot, state carried over many
// frames, random slot lists of any size up to the capacity, rows inside structs), bit-identical results
// whatever the thread count, the order of the NPCs in a call or the order chunks run in, and the checks.
#include "runtime/swarm.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "frontend/model_reader.h"
#include "ir/graph_interpreter.h"

namespace njc {
namespace {

Graph example(const char* name) {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR "/examples/") + name + ".json");
  EXPECT_TRUE(g) << (g ? "" : g.error().message);
  return *g;
}

// A game's NPC record: the model's rows live inside it, so the strides are the struct's size.
struct World {
  size_t stride;                      // floats per NPC record
  std::vector<size_t> in_at, out_at;  // offset of each input / output row in a record
  std::vector<float> records;
};

World make_world(const runtime::ModelSignature& s, size_t npcs) {
  World w;
  size_t at = 3;  // a position first, as a game would have
  for (const auto& t : s.inputs) w.in_at.push_back(std::exchange(at, at + t.elements));
  for (const auto& t : s.outputs) w.out_at.push_back(std::exchange(at, at + t.elements + 1));
  w.stride = at;
  w.records.assign(npcs * w.stride, 0.0f);
  return w;
}

runtime::SwarmCall call_for(World& w, const std::vector<uint32_t>& slots) {
  runtime::SwarmCall c;
  c.slots = slots.data();
  c.count = slots.size();
  for (size_t at : w.in_at) c.inputs.push_back({w.records.data() + at, w.stride});
  for (size_t at : w.out_at) c.outputs.push_back({w.records.data() + at, w.stride});
  return c;
}

void fill_inputs(World& w, const runtime::ModelSignature& s, size_t npcs, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t k = 0; k < npcs; ++k)
    for (size_t i = 0; i < s.inputs.size(); ++i)
      for (size_t e = 0; e < s.inputs[i].elements; ++e) w.records[k * w.stride + w.in_at[i] + e] = u(rng);
}

TEST(Swarm, MatchesOneInterpreterPerSlotOverManyFrames) {
  for (const char* name : {"npc_brain", "gru_audio", "mlp", "dnc_memory"}) {
    Graph g = example(name);
    runtime::SwarmOptions o;
    o.capacity = 37;
    o.chunk = 8;
    o.threads = 2;
    auto swarm = runtime::Swarm::create(g, o);
    ASSERT_TRUE(swarm) << swarm.error().message;
    const runtime::ModelSignature& s = (*swarm)->signature();
    std::vector<std::unique_ptr<GraphInterpreter>> reference;
    for (size_t slot = 0; slot < o.capacity; ++slot)
      reference.push_back(std::make_unique<GraphInterpreter>(g));
    std::mt19937 rng(5);
    for (int frame = 0; frame < 8; ++frame) {
      // Who acts: 1 NPC, all of them, or a random odd-sized subset, in a random order.
      std::vector<uint32_t> slots(o.capacity);
      std::iota(slots.begin(), slots.end(), 0u);
      std::shuffle(slots.begin(), slots.end(), rng);
      slots.resize(frame == 0 ? 1 : frame == 1 ? o.capacity : 1 + 2 * (rng() % (o.capacity / 2)));
      if (frame == 5) {  // an NPC dies and another spawns in its slot
        (*swarm)->reset_slot(slots[0]);
        reference[slots[0]] = std::make_unique<GraphInterpreter>(g);
      }
      World w = make_world(s, slots.size());
      fill_inputs(w, s, slots.size(), rng);
      runtime::SwarmCall call = call_for(w, slots);
      ASSERT_TRUE((*swarm)->check(call));
      (*swarm)->run(call);
      for (size_t k = 0; k < slots.size(); ++k) {
        std::vector<std::vector<float>> inputs;
        for (size_t i = 0; i < s.inputs.size(); ++i) {
          const float* row = w.records.data() + k * w.stride + w.in_at[i];
          inputs.emplace_back(row, row + s.inputs[i].elements);
        }
        auto want = reference[slots[k]]->run(inputs);
        for (size_t out = 0; out < want.size(); ++out)
          for (size_t e = 0; e < want[out].size(); ++e) {
            float got = w.records[k * w.stride + w.out_at[out] + e];
            ASSERT_NEAR(got, want[out][e], 1e-5 * std::fabs(want[out][e]) + 1e-6)
                << name << " frame " << frame << " slot " << slots[k] << " output " << out << " element "
                << e;
          }
      }
    }
  }
}

// Runs `frames` frames of all `capacity` NPCs in the given order with a fresh swarm; returns the outputs of
// each slot per frame and the final states, by slot.
std::vector<float> run_frames(const Graph& g, size_t chunk, size_t threads, bool reverse_chunks,
                              uint32_t order_seed) {
  runtime::SwarmOptions o;
  o.capacity = 45;
  o.chunk = chunk;
  o.threads = threads;
  auto swarm = runtime::Swarm::create(g, o);
  EXPECT_TRUE(swarm);
  const runtime::ModelSignature& s = (*swarm)->signature();
  std::vector<float> by_slot;
  for (int frame = 0; frame < 5; ++frame) {
    std::vector<uint32_t> slots(o.capacity);
    std::iota(slots.begin(), slots.end(), 0u);
    std::mt19937 order(order_seed + frame);
    std::shuffle(slots.begin(), slots.end(), order);
    World w = make_world(s, o.capacity);
    std::mt19937 rng(frame);  // NPC k's input depends on its slot, not on where it is in the call
    World by_slot_world = make_world(s, o.capacity);
    fill_inputs(by_slot_world, s, o.capacity, rng);
    for (size_t k = 0; k < o.capacity; ++k)
      std::copy_n(by_slot_world.records.data() + slots[k] * w.stride, w.stride,
                  w.records.data() + k * w.stride);
    runtime::SwarmCall call = call_for(w, slots);
    EXPECT_TRUE((*swarm)->check(call));
    if (reverse_chunks) {  // a job system's order: last chunk first, on worker 0
      for (size_t c = (*swarm)->chunk_count(call.count); c-- > 0;) (*swarm)->run_chunk(call, c, 0);
    } else {
      (*swarm)->run(call);
    }
    std::vector<float> frame_out(o.capacity * w.stride);
    for (size_t k = 0; k < o.capacity; ++k)
      std::copy_n(w.records.data() + k * w.stride, w.stride, frame_out.data() + slots[k] * w.stride);
    by_slot.insert(by_slot.end(), frame_out.begin(), frame_out.end());
  }
  for (size_t slot = 0; slot < o.capacity; ++slot)
    by_slot.insert(by_slot.end(), (*swarm)->slot_state(slot), (*swarm)->slot_state(slot) + s.state_floats);
  return by_slot;
}

// An NPC's row in its chunk changes with the order of the call, and the rows of a chunk run in different
// register tiles of the batched kernels (full tiles and the remainder): its results must not change.
TEST(Swarm, BitIdenticalWhateverTheThreadsOrderOrChunkOrder) {
  for (const char* name : {"npc_brain", "gru_audio"})
    for (size_t chunk : {16, 48}) {
      Graph g = example(name);
      std::string what = std::string(name) + " chunk " + std::to_string(chunk);
      std::vector<float> first = run_frames(g, chunk, 1, false, 1);
      ASSERT_FALSE(first.empty()) << what;
      EXPECT_EQ(run_frames(g, chunk, 2, false, 1), first) << what;
      EXPECT_EQ(run_frames(g, chunk, 3, false, 7), first) << what;  // another order of the NPCs in each call
      EXPECT_EQ(run_frames(g, chunk, 1, true, 3), first) << what;
    }
}

TEST(Swarm, ChecksItsCalls) {
  Graph g = example("npc_brain");
  runtime::SwarmOptions o;
  o.capacity = 4;
  auto swarm = runtime::Swarm::create(g, o);
  ASSERT_TRUE(swarm);
  World w = make_world((*swarm)->signature(), 4);
  std::vector<uint32_t> twice = {0, 1, 1}, beyond = {0, 4};
  EXPECT_NE(std::string::npos, (*swarm)->check(call_for(w, twice)).error().message.find("slot 1 acts twice"));
  EXPECT_NE(std::string::npos, (*swarm)->check(call_for(w, beyond)).error().message.find("capacity"));
  std::vector<uint32_t> ok = {3, 0};
  runtime::SwarmCall c = call_for(w, ok);
  EXPECT_TRUE((*swarm)->check(c));
  c.inputs[0].stride = 3;
  EXPECT_FALSE((*swarm)->check(c));
  c = call_for(w, ok);
  c.outputs.pop_back();
  EXPECT_FALSE((*swarm)->check(c));
  o.capacity = 0;
  EXPECT_FALSE(runtime::Swarm::create(g, o));
  EXPECT_FALSE(runtime::Swarm::create(example("mlp_batch"), runtime::SwarmOptions{{}, 4, 2, 1}));
}

}  // namespace
}  // namespace njc
