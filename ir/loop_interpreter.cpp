// Loop IR interpreter: a direct tree walk. Every value is a 16-lane register (scalars use lane 0, masks are
// 0.0/1.0 per lane), induction variables are integers; the op semantics are one switch over the op table.
#include "ir/loop_interpreter.h"

#include <array>
#include <cmath>

#include "ir/assert.h"

namespace njc::loop {

namespace {

using Lanes = std::array<float, 16>;

class Interpreter {
 public:
  Interpreter(const Kernel& k, BufferData& mem) : k_(k), mem_(mem), vals_(k.values.size()), ivs_(k.values.size()) {
    NJC_ASSERT(mem.size() == k.buffers.size(), "interpret: one data vector per buffer expected");
    for (size_t b = 0; b < mem.size(); ++b)
      NJC_ASSERT(static_cast<int64_t>(mem[b].size()) == k.buffers[b].size(), "interpret: buffer size mismatch");
  }

  void block(const Block& b) {
    for (const Stmt& s : b) {
      if (s.is_loop())
        loop(s.loop());
      else
        inst(s.inst());
    }
  }

 private:
  Lanes& val(ValueId v) { return vals_[static_cast<size_t>(v)]; }

  void loop(const Loop& l) {
    for (size_t n = 0; n < l.iter_args.size(); ++n) val(l.iter_args[n]) = val(l.inits[n]);
    std::vector<Lanes> next(l.yields.size());
    for (int64_t i = l.lb; i < l.ub; i += l.step) {
      ivs_[static_cast<size_t>(l.iv)] = i;
      block(l.body);
      // Yields are read before any iter_arg is overwritten: yield %b, %a swaps.
      for (size_t n = 0; n < l.yields.size(); ++n) next[n] = val(l.yields[n]);
      for (size_t n = 0; n < l.yields.size(); ++n) val(l.iter_args[n]) = next[n];
    }
    for (size_t n = 0; n < l.results.size(); ++n) val(l.results[n]) = val(l.iter_args[n]);
  }

  int64_t eval(const Affine& a) const {
    int64_t r = a.constant;
    for (const AffineTerm& t : a.terms) r += t.coeff * ivs_[static_cast<size_t>(t.iv)];
    return r;
  }

  // Flat element offset of an access; asserts the verifier's bounds guarantee.
  size_t offset(const Inst& i, int extent) const {
    const Buffer& b = k_.buffer(i.buffer);
    int64_t off = 0;
    for (size_t d = 0; d < i.index.size(); ++d) {
      int64_t x = eval(i.index[d]);
      int64_t hi = d + 1 == i.index.size() ? x + extent - 1 : x;
      NJC_ASSERT(x >= 0 && hi < b.shape[d], "interpret: access out of bounds (kernel not verified?)");
      off += x * b.stride(d);
    }
    return static_cast<size_t>(off);
  }

  static float apply(Op op, float a, float b, float c) {
    switch (op) {
      case Op::Add: return a + b;
      case Op::Sub: return a - b;
      case Op::Mul: return a * b;
      case Op::Div: return a / b;
      case Op::Min: return std::fmin(a, b);
      case Op::Max: return std::fmax(a, b);
      case Op::Fma: return std::fmaf(a, b, c);
      case Op::Neg: return -a;
      case Op::Abs: return std::fabs(a);
      case Op::Exp: return std::exp(a);
      case Op::Log: return std::log(a);
      case Op::Tanh: return std::tanh(a);
      case Op::Sigmoid: return 1.0f / (1.0f + std::exp(-a));
      case Op::Sqrt: return std::sqrt(a);
      case Op::Rsqrt: return 1.0f / std::sqrt(a);
      case Op::Recip: return 1.0f / a;
      case Op::Floor: return std::floor(a);
      case Op::Ceil: return std::ceil(a);
      case Op::Round: return std::nearbyint(a);  // the default rounding mode: to nearest, ties to even
      case Op::CmpLt: return a < b;
      case Op::CmpLe: return a <= b;
      case Op::CmpGt: return a > b;
      case Op::CmpGe: return a >= b;
      case Op::CmpEq: return a == b;
      case Op::CmpNe: return a != b;
      case Op::Select: return a != 0.0f ? b : c;
      default: NJC_UNREACHABLE("not a lane-wise op");
    }
  }

  void inst(const Inst& i) {
    int lanes = i.result != kNoValue ? k_.type_of(i.result).lanes : 1;
    Lanes r{};
    switch (i.op) {
      case Op::Const: r.fill(i.imm); break;
      case Op::Mask:
        for (int l = 0; l < i.mask_lanes; ++l) r[static_cast<size_t>(l)] = 1.0f;
        break;
      case Op::Load: {
        int n = i.mask_lanes ? i.mask_lanes : lanes;
        const float* p = mem_[static_cast<size_t>(i.buffer)].data() + offset(i, n);
        for (int l = 0; l < n; ++l) r[static_cast<size_t>(l)] = p[l];
        break;
      }
      case Op::LoadBcast: r.fill(mem_[static_cast<size_t>(i.buffer)][offset(i, 1)]); break;
      case Op::Store: {
        const Lanes& v = val(i.args[0]);
        int n = i.mask_lanes ? i.mask_lanes : k_.type_of(i.args[0]).lanes;
        float* p = mem_[static_cast<size_t>(i.buffer)].data() + offset(i, n);
        for (int l = 0; l < n; ++l) p[l] = v[static_cast<size_t>(l)];
        return;
      }
      case Op::Splat: r.fill(val(i.args[0])[0]); break;
      case Op::ReduceAdd:
      case Op::ReduceMax:
      case Op::ReduceMin: {
        const Lanes& v = val(i.args[0]);
        int n = k_.type_of(i.args[0]).lanes;
        float acc = v[0];
        for (int l = 1; l < n; ++l) {
          float x = v[static_cast<size_t>(l)];
          acc = i.op == Op::ReduceAdd ? acc + x : i.op == Op::ReduceMax ? std::fmax(acc, x) : std::fmin(acc, x);
        }
        r[0] = acc;
        break;
      }
      default: {
        const Lanes zero{};
        const Lanes& a = val(i.args[0]);
        const Lanes& b = i.args.size() > 1 ? val(i.args[1]) : zero;
        const Lanes& c = i.args.size() > 2 ? val(i.args[2]) : zero;
        for (size_t l = 0; l < static_cast<size_t>(lanes); ++l) r[l] = apply(i.op, a[l], b[l], c[l]);
      }
    }
    val(i.result) = r;
  }

  const Kernel& k_;
  BufferData& mem_;
  std::vector<Lanes> vals_;
  std::vector<int64_t> ivs_;
};

}  // namespace

BufferData make_buffers(const Kernel& k) {
  BufferData mem;
  for (const Buffer& b : k.buffers)
    mem.push_back(b.kind == BufferKind::kParam ? b.data : std::vector<float>(static_cast<size_t>(b.size()), 0.0f));
  return mem;
}

void interpret(const Kernel& k, BufferData& buffers) { Interpreter(k, buffers).block(k.body); }

}  // namespace njc::loop
