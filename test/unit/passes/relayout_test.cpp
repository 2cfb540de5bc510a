// Tests for passes/layout_map.cpp and passes/relayout.cpp: relocated offsets checked element by element
// against the permuted data over every iteration of random loop nests; access order on the shapes O3
// makes; the pass keeps results on tiled and vectorized kernels.
#include "passes/relayout.h"

#include <functional>
#include <numeric>
#include <random>

#include "passes/layout_map.h"
#include "passes/pipelines.h"
#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

int64_t eval(const Affine& a, const std::vector<int64_t>& iv) {
  int64_t x = a.constant;
  for (const AffineTerm& t : a.terms) x += t.coeff * iv[static_cast<size_t>(t.iv)];
  return x;
}

// Calls f with the values of ivs 0..n-1 at every point of their spans.
void for_each_point(const std::vector<IvSpan>& spans,
                    const std::function<void(const std::vector<int64_t>&)>& f) {
  std::vector<int64_t> t(spans.size(), 0), iv(spans.size());
  for (;;) {
    for (size_t v = 0; v < spans.size(); ++v) iv[v] = spans[v].lb + spans[v].step * t[v];
    f(iv);
    size_t v = 0;
    while (v < spans.size() && ++t[v] == spans[v].trip) t[v++] = 0;
    if (v == spans.size()) return;
  }
}

// Property: whenever relocate gives an offset, every lane of every iteration reads in the new layout the
// element it read before. Random views, orders, loops and accesses (most do not split; enough do).
TEST(LayoutMap, RelocatedAccessesReadTheSameElements) {
  std::mt19937 rng(11);
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  int relocated = 0, refused = 0;
  for (int round = 0; round < 3000; ++round) {
    // A shape of 1-2 dimensions, each padded by up to one top digit and split into 1-3 digits.
    Layout l;
    int64_t size = 1;
    for (size_t r = 0, dims = static_cast<size_t>(pick(1, 2)); r < dims; ++r) {
      std::vector<int64_t> digits;
      for (int64_t d = pick(1, 3); d > 0; --d) digits.push_back(pick(1, 5));
      int64_t padded = std::accumulate(digits.begin(), digits.end(), int64_t{1}, std::multiplies<>());
      int64_t below_top = padded / digits[0];
      l.shape.push_back(std::max<int64_t>(1, padded - (rng() % 2 ? pick(0, below_top - 1) : 0)));
      size *= l.shape.back();
      for (int64_t d : digits) l.dims.push_back(d), l.dim_of.push_back(r);
    }
    size_t n = l.dims.size();
    l.order.resize(n);
    std::iota(l.order.begin(), l.order.end(), size_t{0});
    std::shuffle(l.order.begin(), l.order.end(), rng);
    std::vector<float> data(static_cast<size_t>(size));
    std::iota(data.begin(), data.end(), 1.0f);  // each element holds its old offset + 1 (padding: 0)
    std::vector<float> moved = permute(data, l);
    ASSERT_EQ(static_cast<int64_t>(moved.size()), l.size());
    ASSERT_EQ(std::count(moved.begin(), moved.end(), 0.0f), l.size() - size);  // every element once
    std::vector<IvSpan> spans(static_cast<size_t>(pick(0, 3)));
    FlatAccess a;
    for (size_t v = 0; v < spans.size(); ++v) {
      spans[v] = {pick(0, 3), pick(1, 4), pick(1, 4), static_cast<int>(v)};
      a.offset = a.offset.plus(Affine::var(static_cast<ValueId>(v), pick(-2, 8)));
    }
    a.offset.constant = pick(-4, size);
    a.lanes = rng() % 3 == 0 ? pick(2, 4) : 1;
    // Keep the access in bounds, as the verifier would.
    bool in_bounds = true;
    for_each_point(spans, [&](const std::vector<int64_t>& iv) {
      int64_t f = eval(a.offset, iv);
      in_bounds = in_bounds && f >= 0 && f + a.lanes <= size;
    });
    if (!in_bounds) continue;
    Expected<Affine> to = relocate(a, l, spans);
    if (!to) {
      ++refused;
      continue;
    }
    ++relocated;
    for_each_point(spans, [&](const std::vector<int64_t>& iv) {
      int64_t f = eval(a.offset, iv), g = eval(*to, iv);
      for (int64_t lane = 0; lane < a.lanes; ++lane)
        ASSERT_EQ(moved[static_cast<size_t>(g + lane)], static_cast<float>(f + lane + 1)) << "round " << round;
    });
  }
  EXPECT_GT(relocated, 300);
  EXPECT_GT(refused, 100);
}

TEST(LayoutMap, PermuteMovesEachDigit) {
  Layout l{{2, 3}, {1, 0}, {}, {}};  // transpose of a 2x3 matrix
  EXPECT_EQ(permute({0, 1, 2, 3, 4, 5}, l), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(l.new_dims(), (std::vector<int64_t>{3, 2}));
  EXPECT_FALSE(l.is_identity());
  EXPECT_TRUE((Layout{{2, 1, 3}, {1, 0, 2}, {}, {}}.is_identity()));  // moving a digit of size 1 moves nothing
}

// The panel layout O3's register tile wants: w [K=5][N=64] read by column tiles of 32 (%jt), k, then two
// vectors of 16 (%j): digits [5][2][2][16] in the order (jt, k, j, lanes).
TEST(LayoutMap, AccessOrderOfAColumnPanelWalk) {
  std::vector<IvSpan> spans = {{0, 32, 2, 0}, {0, 1, 5, 1}, {0, 16, 2, 2}};  // jt, k, j
  FlatAccess a{Affine::var(1, 64) + Affine::var(0) + Affine::var(2), 16};
  Expected<Layout> l = access_order({a}, 5 * 64, spans);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->dims, (std::vector<int64_t>{5, 2, 32}));  // [5][2][2][16] in order 1,0,2,3, coalesced
  EXPECT_EQ(l->order, (std::vector<size_t>{1, 0, 2}));
  Expected<Affine> to = relocate(a, *l, spans);
  ASSERT_TRUE(to);
  EXPECT_EQ(to->coeff_of(0), 5);   // a panel of 32 columns is 5 * 32 floats: jt (step 32) * 5
  EXPECT_EQ(to->coeff_of(1), 32);  // k steps over one panel row
  EXPECT_EQ(to->coeff_of(2), 1);
}

// Constant offsets spaced evenly (unrolled gates) get a digit of their own inside the loops.
TEST(LayoutMap, AccessOrderPutsUnrolledCopiesInsideTheLoops) {
  std::vector<IvSpan> spans = {{0, 4, 2, 0}, {0, 1, 3, 1}};  // u (vector of 4 units), k
  std::vector<FlatAccess> gates;
  for (int g = 0; g < 3; ++g) gates.push_back({Affine::var(1, 24) + Affine::var(0) + Affine::cst(8 * g), 4});
  Expected<Layout> l = access_order(gates, 3 * 24, spans);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->new_dims(), (std::vector<int64_t>{2, 9, 4}));  // [unit block][k, gate][lane]
}

TEST(LayoutMap, CoalescedMergesDigitsThatStayTogether) {
  Layout l{{32, 2, 4, 8, 16}, {3, 0, 1, 2, 4}, {}, {}};
  Layout c = l.coalesced();
  EXPECT_EQ(c.dims, (std::vector<int64_t>{256, 8, 16}));
  EXPECT_EQ(c.order, (std::vector<size_t>{1, 0, 2}));
  std::vector<float> data(static_cast<size_t>(32 * 2 * 4 * 8 * 16));
  std::iota(data.begin(), data.end(), 0.0f);
  EXPECT_EQ(permute(data, l), permute(data, c));
  // A variable over all 64 values of the first two digits splits only once they are one digit.
  std::vector<IvSpan> spans = {{0, 1, 64, 0}};
  FlatAccess a{Affine::var(0, 512), 1};
  EXPECT_FALSE(relocate(a, l, spans));
  EXPECT_TRUE(relocate(a, c, spans));
}

// Rows of 400 read in panels of 64 (%jt over 6 full panels, two vectors of 16 per k) and a remainder of
// 16 columns at 384: each row is padded to 448, 7 panels, the last one 16 columns and 48 zeros wide.
TEST(LayoutMap, AccessOrderPadsRowsThatPanelsDoNotSplit) {
  std::vector<IvSpan> spans = {{0, 64, 6, 0}, {0, 1, 3, 1}, {0, 16, 4, 2}, {0, 1, 3, 0}};  // jt, k, j, k2
  FlatAccess panel{Affine::var(1, 400) + Affine::var(0) + Affine::var(2), 16};
  FlatAccess rest{Affine::var(3, 400) + Affine::cst(384), 16};
  Expected<Layout> l = access_order({panel, rest}, 3 * 400, spans);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->shape, (std::vector<int64_t>{3, 400}));
  EXPECT_EQ(l->size(), 3 * 448);
  EXPECT_EQ(l->new_dims(), (std::vector<int64_t>{7, 3, 64}));  // [panel][k][column]
  Expected<Affine> p = relocate(panel, *l, spans), r = relocate(rest, *l, spans);
  ASSERT_TRUE(p && r);
  EXPECT_EQ(p->coeff_of(0), 3);   // a panel is 3 * 64 floats: jt (step 64) * 3
  EXPECT_EQ(p->coeff_of(1), 64);  // k steps over one panel row
  EXPECT_EQ(r->constant, 6 * 3 * 64);
  EXPECT_EQ(r->coeff_of(3), 64);
}

TEST(LayoutMap, StridesThatDoNotNestHaveNoAccessOrder) {
  std::vector<IvSpan> spans = {{0, 1, 2, 0}, {0, 1, 2, 1}};
  Expected<Layout> l = access_order({{Affine::var(0, 5) + Affine::var(1, 2), 1}}, 12, spans);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().message, "rows of 12 and 5 elements do not nest");
}

// The pass on kernels the pipelines make: O3's schedule without relayout, then relayout, must keep every
// result; the weights of a multi-panel GEMM end up in panel order.
TEST(Relayout, KeepsResultsAfterTheMicroKernelSchedule) {
  for (auto [m, n, kk] : {std::tuple{4, 64, 8}, {7, 96, 5}, {1, 48, 17}, {3, 40, 6}}) {
    Kernel k = matmul(m, n, kk);
    RunConfig c;
    c.target = TargetDesc::avx512();
    PassManager pm(c);
    std::string dump;
    Expected<Pipeline> p = parse_pipeline("interchange,tile{sizes=4,0,32},vectorize{width=16 loop=j}");
    ASSERT_TRUE(p);
    Kernel x = k;
    ASSERT_TRUE(pm.run(*p, x, dump));
    ASSERT_TRUE(relayout(x, {}));
    EXPECT_TRUE(same_results(k, x)) << m << "x" << n << "x" << kk;
    const Buffer& b = x.buffer(*x.find_buffer("b"));
    if (n % 32 == 0 && n > 32) {
      ASSERT_EQ(b.shape, (std::vector<int64_t>{kk * n}));
      EXPECT_EQ(b.data[1], k.buffer(*k.find_buffer("b")).data[1]);
      EXPECT_EQ(b.data[32], k.buffer(*k.find_buffer("b")).data[static_cast<size_t>(n)]);  // row 1 of panel 0
    }
  }
}

TEST(Relayout, RefusalsChangeNothing) {
  Kernel k = matvec(16, 4);
  Kernel before = k;
  RelayoutOptions o;
  o.buffer = "w";
  o.order = {1, 0};  // a transpose: the 4 lanes of a vector of w's row would land 4 floats apart
  Expected<Pipeline> p = parse_pipeline("interchange,vectorize{width=4 loop=j}");
  ASSERT_TRUE(p);
  PassManager pm(RunConfig{});
  std::string dump;
  ASSERT_TRUE(pm.run(*p, k, dump));
  std::string printed = print(k);
  Status s = relayout(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("lanes would not stay contiguous"), std::string::npos)
      << s.error().message;
  EXPECT_EQ(print(k), printed);
}

}  // namespace
}  // namespace njc::passes
