// The --emit-asm listing of representative kernels (the FileCheck tests of a later round check the same
// facts through `njc --emit-asm`): O3 matvec/matmul at avx512 use zmm vfmadd231ps with an embedded
// broadcast and keep the accumulators in registers across the k loop; O0 does not; a width that is not a
// multiple of 16 gets a masked tail. Nothing runs, so every target is checked on every host. NJC_DUMP_ASM=1
// prints the listings.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "backend-x86/codegen.h"
#include "passes/pipelines.h"
#include "test/unit/codegen/jit_check.h"

namespace njc::codegen_test {
namespace {

Affine v(ValueId iv) {
  return Affine::var(iv);
}

Kernel dense(int64_t n, int64_t kk) {
  Kernel k;
  k.name = "dense";
  Builder b(k);
  BufferId x = b.input("x", {kk});
  BufferId w = b.param("w", {kk, n}, std::vector<float>(static_cast<size_t>(kk * n), 0.5f));
  BufferId y = b.output("y", {n});
  b.loop("j0", 0, n, 1, [&](ValueId j) { b.store(b.constant(0.0f), y, {v(j)}); });
  b.loop("j", 0, n, 1, [&](ValueId j) {
    b.loop("k", 0, kk, 1, [&](ValueId r) {
      ValueId acc = b.load(y, {v(j)});
      b.store(b.fma(b.load(x, {v(r)}), b.load(w, {v(r), v(j)}), acc), y, {v(j)});
    });
  });
  return k;
}

// The listing of k compiled for t at -O`level`: the JIT's pipeline and code generation without mapping the
// code, so every target is checked on every host (nothing here runs).
std::string listing(const Kernel& k, int level, x86::Target t = x86::Target::kAvx512) {
  Kernel optimized = k;
  const passes::TargetDesc desc{x86::target_lanes(t), x86::target_vector_registers(t)};
  Expected<passes::Pipeline> applied = passes::optimize(level, optimized, desc);
  EXPECT_TRUE(applied) << (applied ? "" : applied.error().message);
  if (!applied) return "";
  x86::CodegenOptions co;
  co.target = t;
  co.listing = true;
  Expected<x86::CompiledCode> code = x86::generate(optimized, co);
  EXPECT_TRUE(code) << (code ? "" : code.error().message);
  if (!code) return "";
  if (std::getenv("NJC_DUMP_ASM"))
    std::printf("---- %s O%d %s\n%s", k.name.c_str(), level, std::string(x86::target_name(t)).c_str(),
                code->listing.c_str());
  return code->listing;
}

// Regex search line by line (the listing is long; see innermost_loop).
bool has(const std::string& text, const std::string& re) {
  std::regex r(re);
  size_t p = 0;
  while (p < text.size()) {
    size_t e = text.find('\n', p);
    if (e == std::string::npos) e = text.size();
    if (std::regex_search(text.begin() + static_cast<long>(p), text.begin() + static_cast<long>(e), r))
      return true;
    p = e + 1;
  }
  return false;
}

// The body of the innermost loop that contains an fma: the lines between a label and the `jl` back to it
// with no other label in between (plain line scanning: std::regex recurses per character on long text).
std::string innermost_loop(const std::string& text) {
  std::vector<std::string> lines;
  size_t p = 0;
  while (p < text.size()) {
    size_t e = text.find('\n', p);
    if (e == std::string::npos) e = text.size();
    lines.push_back(text.substr(p, e - p));
    p = e + 1;
  }
  std::string best;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].size() < 2 || lines[i].back() != ':' || lines[i][0] != '.') continue;
    std::string label = lines[i].substr(0, lines[i].size() - 1), body;
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (lines[j].back() == ':') break;
      if (lines[j] == "jl " + label) {
        if (body.find("vfmadd231ps") != std::string::npos) best = body;
        break;
      }
      body += lines[j] + "\n";
    }
  }
  return best;
}

// 64 outputs are four zmm accumulators per input: x[k] is broadcast once into a register and feeds four
// register-register fmas.
TEST(AsmListing, O3DenseBroadcastsEachInputOnceIntoARegister) {
  std::string s = listing(dense(64, 64), 3);
  std::string body = innermost_loop(s);
  ASSERT_FALSE(body.empty()) << s;
  EXPECT_TRUE(has(body, R"(vbroadcastss zmm\d+, dword ptr \[)")) << body;
  EXPECT_TRUE(has(body, R"(vfmadd231ps zmm\d+, zmm\d+, zmm\d+)")) << body;
  EXPECT_FALSE(has(body, R"(\{1to16\})")) << body;
  // Accumulators stay in registers: the k loop has no store and no stack access.
  EXPECT_FALSE(has(body, "vmovups (z|y|x)mmword ptr \\[")) << body;
  EXPECT_FALSE(has(body, "rsp")) << body;
}

// 16 outputs are one accumulator per reduction chain: each broadcast has one use and becomes the fma's
// embedded-broadcast memory operand.
TEST(AsmListing, O3NarrowDenseUsesZmmFmaWithEmbeddedBroadcast) {
  std::string s = listing(dense(16, 64), 3);
  std::string body = innermost_loop(s);
  ASSERT_FALSE(body.empty()) << s;
  EXPECT_TRUE(has(body, R"(vfmadd231ps zmm\d+, zmm\d+, dword ptr \[[^\]]+\]\{1to16\})")) << body;
  EXPECT_FALSE(has(body, "vbroadcastss")) << body;
  EXPECT_FALSE(has(body, "rsp")) << body;
}

TEST(AsmListing, O0DenseIsScalar) {
  std::string s = listing(dense(64, 64), 0);
  EXPECT_FALSE(has(s, "zmm")) << s;
  EXPECT_TRUE(has(s, R"(vfmadd2\d\dps xmm)")) << s;
}

TEST(AsmListing, MaskedTailForWidthNotMultipleOf16) {
  std::string s = listing(dense(37, 16), 3);
  EXPECT_TRUE(has(s, R"(kmovw k1, eax)")) << s;
  EXPECT_TRUE(has(s, R"(\{k1\})")) << s;
}

TEST(AsmListing, Avx2UsesYmmAndVmaskmovps) {
  std::string s = listing(dense(37, 16), 3, x86::Target::kAvx2);
  EXPECT_TRUE(has(s, R"(vfmadd231ps ymm)")) << s;
  EXPECT_TRUE(has(s, R"(vmaskmovps)")) << s;
  EXPECT_FALSE(has(s, "zmm")) << s;
}

// exp, log, tanh, sigmoid, compare and select over a width with a tail.
Kernel activations(int64_t n) {
  Kernel k;
  k.name = "act";
  Builder b(k);
  BufferId x = b.input("x", {n});
  BufferId y = b.output("y", {n});
  b.loop("j", 0, n, 1, [&](ValueId j) {
    ValueId t = b.load(x, {v(j)});
    ValueId e = b.add(b.unary(Op::Exp, t), b.unary(Op::Log, b.unary(Op::Abs, t)));
    ValueId g = b.mul(b.unary(Op::Tanh, t), b.unary(Op::Sigmoid, t));
    ValueId r = b.op(Op::Select, {b.op(Op::CmpLt, {t, b.constant(0.0f)}), e, g});
    b.store(b.max(r, b.constant(-1.0f)), y, {v(j)});
  });
  return k;
}

// sse4 code is legacy SSE only: no VEX (v* mnemonics), no ymm/zmm, no opmask registers.
TEST(AsmListing, Sse4UsesNoVexAndOnlyXmm) {
  for (int level : {0, 3}) {
    for (const Kernel& k : {dense(37, 16), activations(39)}) {
      std::string s = listing(k, level, x86::Target::kSse4);
      ASSERT_FALSE(s.empty());
      EXPECT_FALSE(has(s, R"(^\s*v[a-z0-9]+\b)")) << s;
      EXPECT_FALSE(has(s, "[yz]mm")) << s;
      EXPECT_FALSE(has(s, R"(\bk[0-7]\b)")) << s;
      EXPECT_TRUE(has(s, R"(^\s*(mulps|addps|movups) xmm)")) << s;
    }
  }
  // A tail of 39 = 9 * 4 + 3 lanes at O3: two lanes by movq and the third by insertps/extractps, never a
  // 16-byte access past the end.
  std::string s = listing(activations(39), 3, x86::Target::kSse4);
  EXPECT_TRUE(has(s, R"(mulps xmm\d+, xmm)")) << s;
  EXPECT_TRUE(has(s, R"(movq xmm\d+, qword ptr \[)")) << s;
  EXPECT_TRUE(has(s, R"(insertps xmm\d+, dword ptr \[[^\]]+\], 32)")) << s;
  EXPECT_TRUE(has(s, R"(extractps dword ptr \[[^\]]+\], xmm\d+, 2)")) << s;
}

}  // namespace
}  // namespace njc::codegen_test
