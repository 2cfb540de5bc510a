#include <gtest/gtest.h>
#include "backend-x86/assembler.h"
using namespace njc::x86;
TEST(Smoke, Basic) {
  Assembler a;
  std::string l; a.set_listing(&l);
  EXPECT_FALSE(a.vfmadd231ps(zmm0, zmm1, ptr_b32(rdi + rcx*4 + 64)));
  EXPECT_FALSE(a.ret());
  EXPECT_FALSE(a.finalize());
  std::cout << l;
}
