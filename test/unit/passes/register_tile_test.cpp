// Tests for passes/register_tile.cpp: promotion of invariant accumulators, and what blocks it.
#include "passes/register_tile.h"

#include "passes/interchange.h"
#include "passes/tile.h"
#include "passes/unroll.h"
#include "passes/vectorize.h"
#include "test_kernels.h"

namespace njc::passes {
namespace {

using namespace testing_kernels;

TEST(RegisterTile, ScalarAccumulatorAcrossK) {
  Kernel k = matmul(3, 4, 5), before = k;
  RegisterTileOptions o;
  o.loop = "k";
  ASSERT_TRUE(register_tile(k, o));
  EXPECT_TRUE(same_results(before, k));
  // The k loop now carries C[i, j]; its body only loads A and B.
  int stores_in_k = -1;
  for_each_loop(k.body, [&](const Loop& l, int) {
    if (k.name_of(l.iv) != "k") return;
    stores_in_k = 0;
    for_each_inst(l.body, [&](const Inst& i) { stores_in_k += i.op == Op::Store; });
    EXPECT_EQ(l.iter_args.size(), 1u);
  });
  EXPECT_EQ(stores_in_k, 0);
}

TEST(RegisterTile, MicroKernelTile) {
  for (int64_t n : {16, 21, 40}) {
    Kernel k = matmul(5, n, 6);
    ASSERT_TRUE(interchange(k, {}));
    Kernel before = k;
    TileOptions t;
    t.sizes = {2, 0, 32};
    t.loop = "i";
    ASSERT_TRUE(tile(k, t));
    VectorizeOptions v;
    v.width = 16;
    v.loop = "j";
    ASSERT_TRUE(vectorize(k, v));
    UnrollOptions u;
    u.full = true;
    u.loop = "j";
    ASSERT_TRUE(unroll(k, u));
    u.loop = "i";
    ASSERT_TRUE(unroll(k, u));
    RegisterTileOptions o;
    o.loop = "k";
    ASSERT_TRUE(register_tile(k, o));
    EXPECT_TRUE(same_results(before, k)) << "n=" << n;
    // The first tile's k loop carries 2 rows x (1 or 2) vectors.
    bool found = false;
    for_each_loop(k.body, [&](const Loop& l, int) {
      if (k.name_of(l.iv) != "k") return;
      found = true;
      EXPECT_EQ(l.iter_args.size(), n == 16 ? 2u : 4u);
    });
    EXPECT_TRUE(found);
  }
}

TEST(RegisterTile, RefusesVaryingOrOverlappingAddresses) {
  Kernel k = parse_ok(R"(kernel @k {
  input %x : [8]
  output %y : [8]
  for %i = 0 to 8 step 1 {
    %a = load %y[0] : f32
    %b = load %x[%i] : f32
    %c = add %a, %b : f32
    store %c, %y[0]
    store %c, %y[%i]
  }
}
)");
  RegisterTileOptions o;
  o.loop = "i";
  Status s = register_tile(k, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("%y is also accessed at addresses that vary"), std::string::npos)
      << s.error().message;
  Kernel e = elementwise(2, 3);
  o.loop = "j";
  s = register_tile(e, o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no store in its body has an address invariant"), std::string::npos);
}

TEST(RegisterTile, UnnamedLeavesOtherLoopsAlone) {
  Kernel k = matvec(5, 7), before = k;
  ASSERT_TRUE(register_tile(k, {}));
  EXPECT_TRUE(same_results(before, k));
}

}  // namespace
}  // namespace njc::passes
