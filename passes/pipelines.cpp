// The -O0..-O3 pipelines. Each level is one list below; O3's parameters come from the kernel's loop
// nests and the target (vector lanes W, vector registers R):
//
//   O0  (nothing: the naive loops)
//   O1  interchange                                   unit-stride loop innermost
//   O2  interchange ─ unroll{factor=4} ─ cse           + innermost loops unrolled, copies merged
//   O3  interchange                                   then, per root nest with an accumulator C that the
//        │                                            reduction loop %k leaves in place (matmul, matvec):
//        ├─ tile{loop=root, sizes=..MR..0..NR*W}         micro-kernel order (i.tile, j.tile, k, i, j)
//        ├─ vectorize{loop=j, width=W}                   j on vectors, masked tail
//        ├─ relayout                                     B in column panels [N/(NR*W)][K][NR*W]
//        ├─ unroll{loop=j, factor=full}                  NR vectors per row
//        ├─ unroll{loop=i, factor=full}                  MR rows
//        ├─ register-tile{loop=k}                        MR x NR accumulators in registers across k
//        ├─ split-reduction{loop=k, ways=S}              S independent sets when MR*NR is small (batch 1),
//        │   or unroll{loop=k, factor=2|4}               when MR*NR fills the registers (GEMM)
//        │                                            (AVX2, whole 16-column panels, plain arithmetic: 6x16)
//        │                                            or, rows narrower than a vector (Dense(1)):
//        ├─ unroll{loop=j, factor=full}, register-tile{loop=k}, vectorize{loop=k}, split-reduction{loop=k}
//        │                                            then loops whose bodies hold reduction loops, all:
//        ├─ vectorize-outer{loop=u, width=W}             units on lanes (recurrent cells, convolutions)
//        ├─ relayout                                     weights per block of W units, in read order
//        ├─ fuse{in=u}                                   a cell's per-gate reduction loops as one
//        │                                            then each:
//        ├─ unroll{loop=u, factor=F}, fuse{in=u}         F blocks per reduction loop (unroll-and-jam)
//        ├─ split-reduction{loop=k, ways=S}              >= 8 accumulator chains in the inner loops
//        │                                            and for every other innermost loop:
//        ├─ vectorize{loop=l, width=W}                   (elementwise, dot products, softmax reductions)
//        ├─ split-reduction{loop=l, ways=4}              vector accumulators of reductions
//        ├─ unroll{loop=l, factor=2}                     elementwise loops
//        └─ cse                                          one load per B vector of the micro-kernel
//
//   with MR*NR*S <= R - NR - 2 accumulators (leaves registers for the B vectors and a broadcast).
#include "passes/pipelines.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "ir/assert.h"
#include "ir/loop_verifier.h"
#include "passes/dependence.h"
#include "passes/loop_nest.h"

namespace njc::passes {

using namespace loop;

namespace {

PassInstance make(std::string_view text) {
  Expected<Pipeline> p = parse_pipeline(text);
  NJC_ASSERT(p && p->size() == 1, "bad built-in pipeline entry: " + std::string(text));
  return std::move((*p)[0]);
}

#ifdef NDEBUG
constexpr bool kVerifyEachPass = false;  // the JIT verifies the final kernel (runtime/jit.cpp)
#else
constexpr bool kVerifyEachPass = true;
#endif

// Passes never read weights: default_pipeline() dry-runs its recipe on a copy without them.
void drop_param_data(Kernel& k) {
  for (Buffer& b : k.buffers) std::vector<float>().swap(b.data);
}

// Where the kernel reads its params: their shapes, then every param access's index in program order.
struct ParamLayout {
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<Affine>> indexes;
  bool operator==(const ParamLayout&) const = default;
};
ParamLayout param_layout(const Kernel& k) {
  ParamLayout l;
  for (const Buffer& b : k.buffers)
    if (b.kind == BufferKind::kParam) l.shapes.push_back(b.shape);
  for_each_inst(k.body, [&](const Inst& in) {
    if (in.buffer >= 0 && k.buffer(in.buffer).kind == BufferKind::kParam) l.indexes.push_back(in.index);
  });
  return l;
}

// Builds a pipeline while applying it to the kernel, keeping only passes that succeed. A pass may refuse
// after changing part of the body (passes are not transactional), so the body is saved first and put back
// on a refusal; the values a refused pass added stay behind unused (harmless, and cheaper than copying the
// whole kernel with its names per trial).
class Recipe {
 public:
  Recipe(Kernel k, const TargetDesc& t) : k_(std::move(k)), t_(t) {}

  // Applies the pass and keeps it; a refusal puts the body back and returns false. A transactional pass
  // refuses before it changes anything, so its trial needs no saved body.
  bool add(const std::string& text, bool transactional = false) {
    PassInstance p = make(text);
    std::optional<Block> saved;
    if (!transactional) saved = k_.body;
    size_t buffers = k_.buffers.size();
    if (!p.info->run(k_, p.options, t_)) {
      if (saved) k_.body = std::move(*saved);
      NJC_ASSERT(k_.buffers.size() == buffers, "a refused pass added a buffer");
      return false;
    }
    if (kVerifyEachPass && !in_run_) {  // a run alone may use values defined outside it
      Status s = verify_without_param_data(k_);
      NJC_ASSERT(s, "pass " + text + " produced invalid IR: " + (s ? "" : s.error().message));
    }
    pipeline_.push_back(std::move(p));
    return true;
  }
  // add() for relayout (transactional): kept in the pipeline only when it moved some weights.
  bool add_layout(const std::string& text) {
    ParamLayout before = param_layout(k_);
    if (!add(text, true)) return false;
    if (!(param_layout(k_) == before)) return true;
    pipeline_.pop_back();
    return false;
  }
  // Calls fn(*this) once per independent run of the kernel's top-level statements (loop_nest.h), with the
  // run standing in for the whole body, then puts the runs back in order. Passes that select loops by name
  // then cost the size of their run, not of the kernel: a state update of thousands of copy loops took one
  // pass over all of them per loop. The passes applied, their order and the values they create are those
  // of fn on the whole body; fn must only run passes that select loops by name.
  template <class F>
  void in_each_run(F&& fn) {
    std::vector<std::pair<size_t, size_t>> runs = independent_runs(k_);
    if (runs.size() <= 1) return fn(*this);
    Block body = std::move(k_.body), out;
    out.reserve(body.size());
    in_run_ = true;
    for (auto [begin, end] : runs) {
      k_.body.clear();
      for (size_t i = begin; i < end; ++i) k_.body.push_back(std::move(body[i]));
      fn(*this);
      for (Stmt& s : k_.body) out.push_back(std::move(s));
    }
    in_run_ = false;
    k_.body = std::move(out);
    if (kVerifyEachPass) {
      Status s = verify_without_param_data(k_);
      NJC_ASSERT(s, "the runs of a kernel rejoined make invalid IR: " + (s ? "" : s.error().message));
    }
  }
  const Kernel& kernel() const { return k_; }
  Kernel take_kernel() { return std::move(k_); }
  Pipeline take() { return std::move(pipeline_); }

 private:
  Kernel k_;
  TargetDesc t_;
  Pipeline pipeline_;
  bool in_run_ = false;  // k_.body holds one run of in_each_run
};

std::string name(const Kernel& k, const Loop& l) {
  return std::string(base_name(k.name_of(l.iv)));
}

// The band loop that a store of the innermost body does not depend on while a load reads the same
// address: the reduction loop of an accumulation C[..] += ... . -1 if none.
int reduction_loop(const std::vector<const Loop*>& band) {
  const Block& body = band.back()->body;
  for (size_t p = 0; p < band.size(); ++p) {
    bool found = false;
    for_each_inst(body, [&](const Inst& st) {
      if (st.op != Op::Store) return;
      bool invariant = std::none_of(st.index.begin(), st.index.end(),
                                    [&](const Affine& a) { return a.uses(band[p]->iv); });
      if (!invariant) return;
      for_each_inst(body, [&](const Inst& ld) {
        found = found || (ld.op == Op::Load && ld.buffer == st.buffer && ld.index == st.index);
      });
    });
    if (found) return static_cast<int>(p);
  }
  return -1;
}

constexpr int64_t kL2Bytes = 1 << 20;  // per core on Zen 4/5 and recent Intel (../shared/PERF-NOTES.md)

int pick_width(int64_t trip, int lanes) {
  for (int w = lanes; w >= 4; w /= 2)
    if (trip >= w) return w;
  return 0;
}

// Whether every instruction of k expands to one machine instruction (no math, reductions, compares or
// selects): the code generator then needs one scratch register, not two (isel.cpp, plain_arithmetic).
bool plain_arithmetic(const Kernel& k) {
  bool plain = true;
  for_each_inst(k.body, [&](const Inst& in) { plain = plain && is_plain_arithmetic(in.op); });
  return plain;
}

// A nest whose rows are narrower than a vector (a dense layer with 1..3 outputs, as the Dense(1) after a
// recurrent cell): the row loop unrolled away, its accumulators in registers, and the reduction loop on
// vectors, with independent partial sums when it is long (one reduce.add per output at the end).
bool dot_products(Recipe& r, const Kernel& k, const std::vector<const Loop*>& band, size_t red,
                  const TargetDesc& t) {
  const size_t j = band.size() - 1;
  const int64_t k_trip = band[red]->trip_count();
  const int w = pick_width(k_trip, t.vector_lanes);
  if (w == 0 || red + 1 != j || band[j]->trip_count() > 3) return false;
  const std::string jn = name(k, *band[j]), kn = name(k, *band[red]);
  if (!r.add(fmt::format("unroll{{loop={} factor=full}}", jn))) return false;
  if (!r.add(fmt::format("register-tile{{loop={}}}", kn))) return true;
  if (!r.add(fmt::format("vectorize{{loop={} width={}}}", kn, w))) return true;
  const int64_t vectors = k_trip / w;
  if (vectors >= 4) r.add(fmt::format("split-reduction{{loop={} ways={}}}", kn, vectors >= 8 ? 4 : 2));
  return true;
}

// Whether root starts a perfect band of at least two loops whose innermost body accumulates along a loop
// other than the innermost one: the nests micro_kernel() tiles. Passes on other nests never change it.
bool has_reduction_band(const Loop& root) {
  std::vector<const Loop*> band = perfect_band(root);
  if (band.size() < 2) return false;
  int red = reduction_loop(band);
  return red >= 0 && static_cast<size_t>(red) != band.size() - 1;
}

// The register-tiled micro-kernel for one root nest (see the diagram above). Returns whether it applied.
bool micro_kernel(Recipe& r, const Kernel& k, const Loop& root, const TargetDesc& t) {
  if (!has_reduction_band(root)) return false;
  std::vector<const Loop*> band = perfect_band(root);
  int red = reduction_loop(band);
  size_t j = band.size() - 1;
  int w = pick_width(band[j]->trip_count(), t.vector_lanes);
  if (w == 0) return dot_products(r, k, band, static_cast<size_t>(red), t);
  int budget = std::max(t.vector_registers - 6, 4);  // accumulators: leave B vectors + broadcast + temps
  int64_t vectors = (band[j]->trip_count() + w - 1) / w;
  int64_t nr = std::min<int64_t>(vectors, std::min(4, budget / 2));
  // MR rows from the innermost other non-reduction loop, if any.
  int row = -1;
  for (size_t p = 0; p < j; ++p)
    if (static_cast<int>(p) != red) row = static_cast<int>(p);
  int64_t mr = row >= 0 ? std::min<int64_t>(band[static_cast<size_t>(row)]->trip_count(), budget / nr) : 1;
  mr = std::max<int64_t>(mr, 1);
  // 16 registers of 8 lanes (AVX2): BLIS's 6x16 tile, 12 accumulators + 2 B vectors + 1 broadcast, loads
  // 8 values per 12 FMAs (2x32 loads 6 per 8). It needs 15 registers, which the code generator leaves
  // only to kernels of plain arithmetic without masked tails (isel.cpp, plain_arithmetic): GEMM 128
  // 71 % -> 88 % of the FMA peak on a Zen 3.
  if (t.vector_registers == 16 && w == 8 && row >= 0 && band[static_cast<size_t>(row)]->trip_count() >= 6 &&
      band[j]->trip_count() % 16 == 0 && plain_arithmetic(k)) {
    nr = 2;
    mr = 6;
  }
  int64_t ways = std::clamp<int64_t>(budget / (mr * nr), 1, 4);
  ways = std::min<int64_t>(ways, band[static_cast<size_t>(red)]->trip_count() / 2);
  std::vector<int64_t> sizes(band.size(), 0);
  sizes[j] = nr * w;
  if (row >= 0) sizes[static_cast<size_t>(row)] = mr;
  std::string jn = name(k, *band[j]), kn = name(k, *band[static_cast<size_t>(red)]);
  if (!r.add(fmt::format("tile{{loop={} sizes={}}}", name(k, root), fmt::join(sizes, ",")))) return false;
  // When the weights outgrow half of L2, walk the column panels outermost: each NR-wide panel of B then
  // stays in L2 while every row tile streams past it (GEMM 512: B is 1 MiB).
  int64_t b_bytes = band[static_cast<size_t>(red)]->trip_count() * band[j]->trip_count() * 4;
  if (row >= 0 && row < static_cast<int>(j) && b_bytes > kL2Bytes / 2)
    r.add(fmt::format("interchange{{loop={}.tile order=1,0}}", name(k, *band[static_cast<size_t>(row)])));
  r.add(fmt::format("vectorize{{loop={} width={}}}", jn, w));
  r.add_layout("relayout");  // B in column panels (when several): a k step reads the next NR vectors
  r.add(fmt::format("unroll{{loop={} factor=full}}", jn));
  if (row >= 0) r.add(fmt::format("unroll{{loop={} factor=full}}", name(k, *band[static_cast<size_t>(row)])));
  if (!r.add(fmt::format("register-tile{{loop={}}}", kn))) return true;
  int64_t k_trip = band[static_cast<size_t>(red)]->trip_count();
  if (ways > 1)
    r.add(fmt::format("split-reduction{{loop={} ways={}}}", kn, ways));
  else if (k_trip >= 8)  // enough chains already: unroll k to cut loop overhead instead
    r.add(fmt::format("unroll{{loop={} factor={}}}", kn, k_trip >= 32 ? 4 : 2));
  return true;
}

// Unroll-and-jam of a vectorized unit loop: `factor` blocks of units per iteration, their reduction loops
// fused, so one loop carries every block's accumulators and their activations follow one another (the
// out-of-order core overlaps their latency chains; a block alone leaves it waiting). The factor keeps the
// accumulators within half the register file; kept only when the blocks' loops do fuse.
void jam_blocks(Recipe& r, const std::string& outer, int64_t blocks, const TargetDesc& t) {
  size_t accs = 0;
  for_each_loop(r.kernel().body, [&](const Loop& l, int) {
    if (name(r.kernel(), l) != outer) return;
    for (const Stmt& s : l.body)
      if (s.is_loop()) accs = std::max(accs, s.loop().iter_args.size());
  });
  int64_t factor = 1;
  while (factor * 2 <= blocks &&
         accs * static_cast<size_t>(factor * 2) <= static_cast<size_t>(t.vector_registers / 2))
    factor *= 2;
  if (accs == 0 || factor == 1) return;
  Recipe trial = r;
  if (!trial.add(fmt::format("unroll{{loop={} factor={}}}", outer, factor)) ||
      !trial.add(fmt::format("fuse{{in={}}}", outer)))
    return;
  r = std::move(trial);
}

// Loops over outputs whose bodies hold reduction loops (recurrent cell steps over units, convolutions
// over positions): their iterations onto vector lanes, then enough accumulator chains in the inner loops
// (at least 8: two FMA pipes, latency 4).
void outer_loops(Recipe& r, const TargetDesc& t) {
  std::vector<std::pair<std::string, int64_t>> outer;
  std::unordered_set<std::string> listed;
  for_each_loop(r.kernel().body, [&](const Loop& l, int) {
    bool nested = std::any_of(l.body.begin(), l.body.end(), [](const Stmt& s) { return s.is_loop(); });
    if (nested && listed.insert(name(r.kernel(), l)).second)
      outer.emplace_back(name(r.kernel(), l), l.trip_count());
  });
  // First every loop on lanes and the weights in their read order (relayout sees plain block accesses),
  // then per loop the jam and the chains.
  std::vector<std::pair<std::string, int64_t>> vectorized;  // name, blocks
  for (const auto& [loop_name, trip] : outer) {
    const std::string& n = loop_name;  // clang 14 lambdas cannot capture a structured binding
    int w = pick_width(trip, t.vector_lanes);
    if (w == 0 || !r.add(fmt::format("vectorize-outer{{loop={} width={}}}", n, w))) continue;
    r.add_layout("relayout");  // gate weights per block of W units: [block][k][gate][W lanes]
    // A cell's per-gate reduction loops: one loop, chains side by side.
    r.add(fmt::format("fuse{{in={}}}", n));
    vectorized.emplace_back(n, (trip + w - 1) / w);
  }
  for (const auto& [loop_name, blocks] : vectorized) {
    const std::string& n = loop_name;
    jam_blocks(r, n, blocks, t);
    std::vector<std::pair<std::string, size_t>> chains;  // inner reduction loops and their accumulators
    for_each_loop(r.kernel().body, [&](const Loop& l, int) {
      if (name(r.kernel(), l) != n) return;
      for_each_loop(l.body, [&](const Loop& in, int) {
        std::string m = name(r.kernel(), in);
        if (!in.iter_args.empty() && in.trip_count() >= 8 &&
            std::none_of(chains.begin(), chains.end(), [&](const auto& x) { return x.first == m; }))
          chains.emplace_back(m, in.iter_args.size());
      });
    });
    // Up to R - 6 accumulators: the broadcast, a weight vector and the math temporaries' share stay free.
    const size_t most = static_cast<size_t>(std::max(t.vector_registers - 6, 8));
    for (const auto& [m, accs] : chains) {
      const size_t ways = std::min<size_t>({4, (8 + accs - 1) / accs, std::max<size_t>(1, most / accs)});
      if (ways > 1) r.add(fmt::format("split-reduction{{loop={} ways={}}}", m, ways));
    }
  }
}

// Every remaining scalar innermost loop: vectorize, then split reductions or unroll.
void inner_loops(Recipe& r, const TargetDesc& t) {
  std::vector<std::pair<std::string, int64_t>> inner;
  std::unordered_set<std::string> listed;
  for_each_loop(r.kernel().body, [&](const Loop& l, int) {
    bool innermost = std::none_of(l.body.begin(), l.body.end(), [](const Stmt& s) { return s.is_loop(); });
    bool scalar = true;
    for_each_inst(l.body, [&](const Inst& i) {
      scalar = scalar && (i.result == kNoValue || !r.kernel().type_of(i.result).is_vector());
    });
    std::string n(base_name(r.kernel().name_of(l.iv)));
    if (innermost && scalar && listed.insert(n).second) inner.emplace_back(n, l.trip_count());
  });
  for (const auto& [loop_name, trip] : inner) {
    const std::string& n = loop_name;  // clang 14 lambdas cannot capture a structured binding
    int w = pick_width(trip, t.vector_lanes);
    if (w == 0 || !r.add(fmt::format("vectorize{{loop={} width={}}}", n, w))) continue;
    bool carries = false;
    for_each_loop(r.kernel().body, [&](const Loop& l, int) {
      carries = carries || (base_name(r.kernel().name_of(l.iv)) == n && !l.iter_args.empty());
    });
    if (carries) {
      if (trip / w >= 8)
        r.add(fmt::format("split-reduction{{loop={} ways=4}}", n));
      else if (trip / w >= 4)
        r.add(fmt::format("split-reduction{{loop={} ways=2}}", n));
    } else if (trip / w >= 4) {
      r.add(fmt::format("unroll{{loop={} factor=2}}", n));
    }
  }
}

// Fills r with O3's pipeline, applied to r's kernel.
void o3(Recipe& r, const TargetDesc& t) {
  r.add("interchange");
  // Every nest, also those wrapped in an outer loop (band heads, loop_nest.h).
  std::vector<std::string> roots;
  {
    Expected<std::unordered_set<ValueId>> heads =
        select_loops(r.kernel(), "o3", "", DefaultLoops::kBandHeads);
    for_each_loop(r.kernel().body, [&](const Loop& l, int) {
      if (heads->count(l.iv) && has_reduction_band(l)) roots.push_back(r.kernel().name_of(l.iv));
    });
  }
  // Each candidate found again by name: a search of the kernel per matrix-product nest (there are few),
  // not per nest (a state update has thousands).
  for (const std::string& root : roots) {
    // A copy of the nest to analyze while r rewrites the kernel (names: values are only ever appended).
    std::optional<Loop> nest;
    for_each_loop(r.kernel().body, [&](const Loop& l, int) {
      if (!nest && r.kernel().name_of(l.iv) == root) nest = l;
    });
    if (nest) micro_kernel(r, r.kernel(), *nest, t);
  }
  outer_loops(r, t);
  r.in_each_run([&](Recipe& run) { inner_loops(run, t); });
  r.add("cse");
}

}  // namespace

Pipeline default_pipeline(int level, const Kernel& k, const TargetDesc& t) {
  switch (std::clamp(level, 0, 3)) {
    case 0:
      return {};
    case 1:
      return {make("interchange")};
    case 2:
      return {make("interchange"), make("unroll{factor=4}"), make("cse")};
    default: {
      Kernel shape = k;  // weights are copied once here; optimize() rewrites k itself
      drop_param_data(shape);
      Recipe r(std::move(shape), t);
      o3(r, t);
      return r.take();
    }
  }
}

Expected<Pipeline> optimize(int level, Kernel& k, const TargetDesc& t) {
  if (std::clamp(level, 0, 3) < 3) {
    Pipeline p = default_pipeline(level, k, t);
    for (const PassInstance& pass : p)
      if (Status s = pass.info->run(k, pass.options, t); !s) return s.error();
    return p;
  }
  Recipe r(std::move(k), t);
  o3(r, t);
  k = r.take_kernel();
  return r.take();
}

}  // namespace njc::passes
