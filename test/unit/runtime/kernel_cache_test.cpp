// The kernel cache (runtime/kernel_cache.cpp): what the key tells apart, hit and miss counts, LRU order
// under a byte budget, sharing across and within models, and that eviction never frees code a live model
// still runs.
#include "runtime/kernel_cache.h"

#include <gtest/gtest.h>

#include <cmath>

#include "frontend/model_reader.h"
#include "ir/assert.h"
#include "ir/loop_builder.h"
#include "runtime/compiled_model.h"

namespace njc::runtime {
namespace {

// y[i] = x[i] * w[i] + c, with w a param: a kernel whose code differs with its weights.
loop::Kernel scale(int n, float w0, std::string name = "scale", std::string x_name = "x") {
  loop::Kernel k;
  k.name = std::move(name);
  loop::Builder b(k);
  std::vector<float> w(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) w[static_cast<size_t>(i)] = w0 + 0.25f * static_cast<float>(i);
  loop::BufferId x = b.input(x_name, {n}), wb = b.param("w", {n}, w), y = b.output("y", {n});
  b.loop("i", 0, n, 1, [&](loop::ValueId i) {
    loop::ValueId p = b.mul(b.load(x, {loop::Affine::var(i)}), b.load(wb, {loop::Affine::var(i)}));
    b.store(b.add(p, b.constant(1.0f)), y, {loop::Affine::var(i)});
  });
  return k;
}

JitOptions opts(x86::Target t = x86::host_target(), int level = 0) {
  JitOptions o;
  o.target = t;
  o.opt_level = level;
  return o;
}

TEST(KernelKey, TellsApartTargetLevelOptionsAndWeights) {
  loop::Kernel k = scale(64, 1.0f);
  KernelKey base = kernel_key(k, opts());
  EXPECT_EQ(base, kernel_key(scale(64, 1.0f), opts()));
  EXPECT_NE(base, kernel_key(scale(64, 1.0f), opts(x86::host_target(), 3)));
  for (x86::Target t : {x86::Target::kAvx512, x86::Target::kAvx2, x86::Target::kSse4}) {
    if (t == x86::host_target()) continue;
    EXPECT_NE(base, kernel_key(k, opts(t)));
  }
  EXPECT_NE(base, kernel_key(scale(64, 1.5f), opts()));  // one weight differs in every element
  loop::Kernel one_bit = k;
  one_bit.buffers[1].data.back() = std::nextafter(one_bit.buffers[1].data.back(), 100.0f);
  EXPECT_NE(base, kernel_key(one_bit, opts()));  // one ulp of one weight
  EXPECT_NE(base, kernel_key(scale(65, 1.0f), opts()));
  JitOptions listing = opts(), spills = opts(), passes = opts();
  listing.emit_asm = true;
  spills.max_vector_registers = 4;
  passes.passes = "vectorize{loop=i,width=4}";
  EXPECT_NE(base, kernel_key(k, listing));
  EXPECT_NE(base, kernel_key(k, spills));
  EXPECT_NE(base, kernel_key(k, passes));
  // The kernel's and the buffers' names do not change the code.
  EXPECT_EQ(base, kernel_key(scale(64, 1.0f, "other", "input"), opts()));
}

TEST(KernelCache, CountsHitsAndMisses) {
  KernelCache cache;
  auto a = cache.get_or_compile(scale(64, 1.0f), opts());
  ASSERT_TRUE(a) << a.error().message;
  auto b = cache.get_or_compile(scale(64, 1.0f, "renamed"), opts());
  ASSERT_TRUE(b);
  auto c = cache.get_or_compile(scale(64, 2.0f), opts());
  ASSERT_TRUE(c);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.bytes(), (*a)->code_bytes() + (*c)->code_bytes());
}

TEST(KernelCache, EvictsLeastRecentlyUsedWithinBudget) {
  KernelCache probe;
  auto one = probe.get_or_compile(scale(64, 1.0f), opts());
  ASSERT_TRUE(one);
  size_t each = (*one)->code_bytes();  // the three kernels below differ only in weights: same size
  KernelCache cache(2 * each);
  loop::Kernel a = scale(64, 1.0f), b = scale(64, 2.0f), c = scale(64, 3.0f);
  ASSERT_TRUE(cache.get_or_compile(a, opts()));
  ASSERT_TRUE(cache.get_or_compile(b, opts()));
  ASSERT_TRUE(cache.get_or_compile(a, opts()));  // a is now the most recently used
  ASSERT_TRUE(cache.get_or_compile(c, opts()));  // evicts b
  EXPECT_TRUE(cache.contains(kernel_key(a, opts())));
  EXPECT_FALSE(cache.contains(kernel_key(b, opts())));
  EXPECT_TRUE(cache.contains(kernel_key(c, opts())));
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_LE(cache.bytes(), cache.budget());
  cache.set_budget(each);  // evicts a, the least recently used now
  EXPECT_FALSE(cache.contains(kernel_key(a, opts())));
  EXPECT_TRUE(cache.contains(kernel_key(c, opts())));
  EXPECT_LE(cache.bytes(), each);
  cache.set_budget(each - 1);  // nothing fits; a kernel larger than the budget is not kept either
  EXPECT_EQ(cache.size(), 0u);
  auto big = cache.get_or_compile(a, opts());
  ASSERT_TRUE(big);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(KernelCache, BudgetHoldsOverManyKernels) {
  KernelCache cache(10000);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(cache.get_or_compile(scale(16 + i, 1.0f), opts()));
    EXPECT_LE(cache.bytes(), 10000u);
  }
  EXPECT_GT(cache.stats().evictions, 0u);
  EXPECT_GT(cache.size(), 0u);
}

Graph mlp() {
  auto g = read_model_file(std::string(NJC_SOURCE_DIR) + "/examples/mlp.json");
  NJC_ASSERT(static_cast<bool>(g), "mlp.json");
  return *g;
}

std::vector<std::vector<float>> run_once(std::shared_ptr<const CompiledModel> m) {
  ModelInstance inst(std::move(m));
  std::vector<float> obs(32);
  for (size_t i = 0; i < obs.size(); ++i) obs[i] = 0.1f * static_cast<float>(i) - 1.0f;
  return inst.run({obs});
}

TEST(KernelCache, CompilingAModelTwiceReusesItsKernels) {
  KernelCache cache;
  ModelOptions o;
  o.cache = &cache;
  auto first = CompiledModel::compile(mlp(), o);
  ASSERT_TRUE(first) << first.error().message;
  KernelCacheStats after_first = cache.stats();
  EXPECT_EQ(after_first.hits + after_first.misses, (*first)->kernel_count());
  auto second = CompiledModel::compile(mlp(), o);
  ASSERT_TRUE(second);
  EXPECT_EQ(cache.stats().hits - after_first.hits, (*second)->kernel_count());
  EXPECT_EQ(cache.stats().misses, after_first.misses);
  for (size_t i = 0; i < (*first)->kernel_count(); ++i)
    EXPECT_EQ((*first)->kernels()[i].get(), (*second)->kernels()[i].get());
  // Another level is another key.
  o.opt_level = 0;
  auto o0 = CompiledModel::compile(mlp(), o);
  ASSERT_TRUE(o0);
  EXPECT_NE((*o0)->kernels()[0].get(), (*first)->kernels()[0].get());
  // No cache: fresh kernels, same results.
  ModelOptions none;
  none.cache = nullptr;
  auto fresh = CompiledModel::compile(mlp(), none);
  ASSERT_TRUE(fresh);
  EXPECT_NE((*fresh)->kernels()[0].get(), (*first)->kernels()[0].get());
  EXPECT_EQ(run_once(*fresh), run_once(*second));
}

TEST(KernelCache, IdenticalKernelsInOneModelAreCompiledOnce) {
  // The same dense layer applied twice: two kernels that differ only in their buffers' names.
  auto g =
      read_model_text(R"({"format": "njc-model", "version": 1, "inputs": [{"name": "x", "shape": [1, 8]}],
    "outputs": ["z"],
    "params": [{"name": "w", "shape": [8, 8], "init": {"kind": "uniform", "low": -1, "high": 1, "seed": 1}},
               {"name": "b", "shape": [8], "init": {"kind": "uniform", "low": -1, "high": 1, "seed": 2}}],
    "nodes": [{"op": "dense", "inputs": ["x", "w", "b"], "outputs": ["y"]},
              {"op": "dense", "inputs": ["y", "w", "b"], "outputs": ["z"]}]})",
                      "twice", ".");
  ASSERT_TRUE(g) << g.error().message;
  KernelCache cache;
  ModelOptions o;
  o.cache = &cache;
  auto m = CompiledModel::compile(*g, o);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ((*m)->kernel_count(), 2u);
  EXPECT_EQ((*m)->kernels()[0].get(), (*m)->kernels()[1].get());
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, 1u);
  ModelOptions none;
  none.cache = nullptr;
  auto reference = CompiledModel::compile(*g, none);
  ASSERT_TRUE(reference);
  EXPECT_NE((*reference)->kernels()[0].get(), (*reference)->kernels()[1].get());
  ModelInstance shared(*m), separate(*reference);
  std::vector<float> x(8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(i) - 2.0f;
  EXPECT_EQ(shared.run({x}), separate.run({x}));
}

TEST(KernelCache, EvictedKernelsStayRunnableByLiveModels) {
  KernelCache cache;
  ModelOptions o;
  o.cache = &cache;
  auto live = CompiledModel::compile(mlp(), o);
  ASSERT_TRUE(live);
  auto before = run_once(*live);
  cache.set_budget(0);  // evict everything
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_GE(cache.stats().evictions, (*live)->kernel_count());
  // Compile and drop other models: had eviction freed the live model's blocks, these would reuse them.
  cache.set_budget(KernelCache::kDefaultBudget);
  for (int level = 0; level < 3; ++level) {
    ModelOptions other = o;
    other.opt_level = level;
    ASSERT_TRUE(CompiledModel::compile(mlp(), other));
  }
  ModelOptions none;
  none.cache = nullptr;
  auto reference = CompiledModel::compile(mlp(), none);
  ASSERT_TRUE(reference);
  EXPECT_EQ(run_once(*live), before);
  EXPECT_EQ(run_once(*live), run_once(*reference));
}

}  // namespace
}  // namespace njc::runtime
