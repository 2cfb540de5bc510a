// Encoding speed of the x86-64 assembler in ns per instruction, on a realistic ~600-instruction kernel: an
// AVX-512 6x32 fp32 GEMM micro-kernel (B loads, FMAs with {1to16} broadcast A operands, loop control,
// masked C tail stores). Reference on this machine: asmjit ~10 ns/insn, Xbyak ~34; target <= 3.
//   ./build-x86/bench/bench_encoder --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include "backend-x86/assembler.h"

namespace {

using namespace njc::x86;

constexpr int kRows = 6;      // C rows held in zmm0-zmm11 (two zmm per row)
constexpr int kUnrollK = 40;  // k steps unrolled per loop iteration

// Emits the kernel; returns the number of instructions.
int emit_gemm_kernel(Assembler& a) {
  int n = 0;
  auto count = [&n](Error) { ++n; };
  const Reg a_rows[kRows] = {rdi, r8, r9, r10, r11, r12};
  Label loop = a.new_label(), done = a.new_label();
  count(a.push(rbx));
  count(a.push(r12));
  count(a.mov(r12, qword_ptr(rsp + 24)));
  for (int i = 0; i < 2 * kRows; ++i) count(a.vpxord(zmm(i), zmm(i), zmm(i)));
  count(a.test(rcx, rcx));
  count(a.je(done));
  a.bind(loop);
  for (int k = 0; k < kUnrollK; ++k) {
    count(a.vmovups(zmm28, zmmword_ptr(rsi + k * 128)));
    count(a.vmovups(zmm29, zmmword_ptr(rsi + k * 128 + 64)));
    for (int r = 0; r < kRows; ++r) {
      count(a.vfmadd231ps(zmm(2 * r), zmm28, ptr_b32(a_rows[r] + rax * 4 + k * 4)));
      count(a.vfmadd231ps(zmm(2 * r + 1), zmm29, ptr_b32(a_rows[r] + rax * 4 + k * 4)));
    }
  }
  count(a.add(rsi, kUnrollK * 128));
  count(a.add(rax, kUnrollK));
  count(a.sub(rcx, 1));
  count(a.jne(loop));
  a.bind(done);
  count(a.kmovw(k1, edx));
  for (int r = 0; r < kRows; ++r) {
    count(a.vaddps(zmm(2 * r), zmm(2 * r), zmmword_ptr(rbx + r * 256)));
    count(a.vaddps(zmm(2 * r + 1) | k1 | kZero, zmm(2 * r + 1), zmmword_ptr(rbx + r * 256 + 64)));
    count(a.vmovups(zmmword_ptr(rbx + r * 256), zmm(2 * r)));
    count(a.vmovups(zmmword_ptr(rbx + r * 256 + 64) | k1, zmm(2 * r + 1)));
  }
  count(a.vzeroupper());
  count(a.pop(r12));
  count(a.pop(rbx));
  count(a.ret());
  return n;
}

void BM_EncodeGemmKernel(benchmark::State& state) {
  int insns = 0;
  for (auto _ : state) {
    Assembler a;
    insns = emit_gemm_kernel(a);
    const Error e = a.finalize();
    benchmark::DoNotOptimize(a.code().data());
    if (e) state.SkipWithError(e.message().c_str());
  }
  state.counters["insns"] = insns;
  state.counters["ns_per_insn"] =
      benchmark::Counter(static_cast<double>(insns) * state.iterations(),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_EncodeGemmKernel);

// The same kernel through the generic emit(Mnemonic, ...) entry point with pre-built operands, without
// labels or finalize: the pure per-instruction cost.
void BM_EmitOnly(benchmark::State& state) {
  const Operand fma[3] = {zmm3, zmm28, ptr_b32(r9 + rax * 4 + 12)};
  const Operand load[2] = {zmm28, zmmword_ptr(rsi + 128)};
  constexpr int kInsns = 600;
  for (auto _ : state) {
    Assembler b;
    for (int i = 0; i < kInsns / 6; ++i) {
      b.emit(Mnemonic::vmovups, load[0], load[1]);
      for (int j = 0; j < 5; ++j) b.emit(Mnemonic::vfmadd231ps, fma[0], fma[1], fma[2]);
    }
    benchmark::DoNotOptimize(b.size());
  }
  state.counters["ns_per_insn"] =
      benchmark::Counter(static_cast<double>(kInsns) * state.iterations(),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_EmitOnly);

}  // namespace

BENCHMARK_MAIN();
