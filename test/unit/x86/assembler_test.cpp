// Labels, branch relaxation and the constant pool. The listing of each program is assembled to an object by
// llvm-mc (which relaxes branches itself) and its .text must equal our finalized bytes.
#include "backend-x86/assembler.h"

#include <gtest/gtest.h>

#include <functional>

#include "proof_support.h"

namespace njc::x86 {
namespace {

using test::kLlvmMc;
using test::kMattr;

// Our bytes vs llvm-mc -filetype=obj of our listing.
void expect_same_as_llvm_mc(const std::function<void(Assembler&)>& program, const char* what) {
  Assembler a;
  std::string listing = ".intel_syntax noprefix\n";
  a.set_listing(&listing);
  program(a);
  ASSERT_FALSE(a.finalize()) << a.first_error().message();
  if (!test::tool_exists(kLlvmMc) || !test::tool_exists("/usr/bin/objcopy")) {
    GTEST_SKIP() << "llvm-mc or objcopy not found";
  }
  test::ScratchDir dir;
  const std::string s = dir.file("p.s"), o = dir.file("p.o"), bin = dir.file("p.bin");
  test::write_file(s, listing);
  ASSERT_EQ(test::run(std::string(kLlvmMc) + " -filetype=obj -mattr=" + kMattr + " " + s + " -o " + o +
                      " && /usr/bin/objcopy -O binary --only-section=.text " + o + " " + bin),
            0)
      << listing;
  const std::string theirs = test::read_file(bin);
  const std::vector<uint8_t> ours = a.code();
  EXPECT_EQ(test::hex(ours.data(), ours.size()),
            test::hex(reinterpret_cast<const uint8_t*>(theirs.data()), theirs.size()))
      << what << "\n"
      << listing;
}

void filler(Assembler& a, int n) {
  for (int i = 0; i < n; ++i) a.vaddps(zmm1, zmm2, zmm3);  // 6 bytes each
}

TEST(Assembler, ShortAndLongBranchesMatchLlvmMc) {
  expect_same_as_llvm_mc(
      [](Assembler& a) {
        Label near_fwd = a.new_label(), far_fwd = a.new_label(), back = a.new_label(), end = a.new_label();
        a.bind(back);
        a.jne(near_fwd);
        a.je(far_fwd);
        a.jmp(end);
        filler(a, 3);
        a.bind(near_fwd);
        filler(a, 30);  // 180 bytes: far_fwd is beyond rel8
        a.bind(far_fwd);
        a.jb(back);  // backward, out of rel8 reach
        a.jmp(near_fwd);
        a.call(back);
        a.call(end);
        a.bind(end);
        a.ret();
      },
      "short/long forward and backward");
}

TEST(Assembler, CascadingRelaxationMatchesLlvmMc) {
  // jl reaches l2 (rel 125) only until the jmp between them grows (rel 129); the fixed point has both long.
  expect_same_as_llvm_mc(
      [](Assembler& a) {
        Label l1 = a.new_label(), l2 = a.new_label();
        a.jl(l2);
        a.jmp(l1);
        filler(a, 20);  // 120 bytes
        a.nop();
        a.nop();
        a.nop();
        a.bind(l2);
        filler(a, 1);
        a.bind(l1);
        a.ret();
        EXPECT_EQ(a.size(), 134u);  // before relaxation: both short
      },
      "cascade");
}

TEST(Assembler, ConstantPoolAndRipDataMatchLlvmMc) {
  expect_same_as_llvm_mc(
      [](Assembler& a) {
        const float one[1] = {1.0f};
        const uint32_t mask[16] = {0xffffffff, 0, 7, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        Label c1 = a.data(one, sizeof one, 4);
        Label c2 = a.data(mask, sizeof mask, 64);
        a.vbroadcastss(zmm0, dword_ptr(c1));
        a.vaddps(zmm1 | k1, zmm2, ptr_b32(c1));
        a.vmovups(zmm3, zmmword_ptr(c2));
        a.vpternlogd(zmm4, zmm5, zmmword_ptr(c2), 0x96);  // rip disp32 before an imm8
        Mem second = zmmword_ptr(c2);
        second.disp = 4;
        a.vmovups(zmm3, second);
        a.ret();
      },
      "constant pool");
}

TEST(Assembler, LabelOffsetsAfterRelaxation) {
  Assembler a;
  Label fwd = a.new_label(), data = a.data("abcd", 4, 16);
  a.jmp(fwd);
  filler(a, 30);
  a.bind(fwd);
  a.ret();
  ASSERT_FALSE(a.finalize());
  EXPECT_EQ(a.label_offset(fwd), 5 + 180);
  EXPECT_EQ(a.label_offset(data), 192);  // 186 bytes of code padded to 16
  EXPECT_EQ(a.code().size(), 196u);
  EXPECT_EQ(a.code()[186], 0xCC);
}

TEST(Assembler, UnboundAndReboundLabels) {
  Assembler a;
  Label l = a.new_label();
  EXPECT_FALSE(a.jne(l));
  EXPECT_EQ(a.finalize().code, ErrorCode::kUnboundLabel);

  Assembler b;
  Label m = b.new_label();
  EXPECT_FALSE(b.bind(m));
  EXPECT_EQ(b.bind(m).code, ErrorCode::kBadLabel);
  EXPECT_EQ(b.jmp(Label{42}).code, ErrorCode::kBadLabel);
  EXPECT_EQ(b.finalize().code, ErrorCode::kBadLabel);
}

TEST(Assembler, EmitsAcrossBufferGrowth) {
  Assembler a;
  for (int i = 0; i < 10000; ++i) ASSERT_FALSE(a.vfmadd231ps(zmm0, zmm1, ptr_b32(rdi + rcx * 4 + 64)));
  ASSERT_FALSE(a.finalize());
  EXPECT_EQ(a.code().size(), 80000u);
  EXPECT_EQ(a.code()[79992], 0x62);
}

}  // namespace
}  // namespace njc::x86
