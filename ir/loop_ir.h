// The loop IR: kernels of counted loop nests over named fp32 buffers with static shapes. Sits between the
// graph IR (lowered into it) and the x86 backend (instruction selection walks it); every optimizing pass in
// passes/ rewrites it. Text form: docs/loop-ir.md. Ops: ir/loop_ops.def.
//
// Shape of the data structure (a tree, walked top-down):
//   Kernel ─ buffers[]            input/output/param/state/scratch, shape, param data
//          ─ values[]             name + type of every SSA value and induction variable (ValueId indexes it)
//          ─ body : Block         = vector<Stmt>, Stmt = Inst | Loop
//                     Loop ─ iv, lb, ub, step (constants), iter_args/inits, body : Block, yields, results
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace njc::loop {

// ---- the op table -------------------------------------------------------------------------------------
enum class Op : uint8_t {
#define NJC_LOOP_OP(e, text, arity, rule, syntax, flags) e,
#include "ir/loop_ops.def"
};

// How an op's result type follows from its operands.
enum class TypeRule : uint8_t {
  kDeclared,  // written after ':' in the text (const, mask, loads)
  kNoResult,  // store
  kSame,      // result and every operand have one f32 type
  kCompare,   // f32xN operands, i1xN result
  kSelect,    // (i1xN, f32xN, f32xN) -> f32xN
  kSplat,     // f32 -> f32xN (N declared)
  kReduce,    // f32xN -> f32
};
// Which textual form the op uses (docs/loop-ir.md, "Operations").
enum class Syntax : uint8_t { kGeneric, kConst, kMask, kLoad, kStore };

enum OpFlag : unsigned { kNone = 0, kReads = 1, kWrites = 2, kElementwise = 4 };

struct OpInfo {
  std::string_view name;
  int arity;
  TypeRule rule;
  Syntax syntax;
  unsigned flags;
};
const OpInfo& op_info(Op op);
// Plain arithmetic: loads, stores, const, splat and the ops every target does in one instruction (add, sub,
// mul, div, min, max, fma, neg, abs) — no math expansion, reduction, compare or select. A kernel of only
// these (and no masked access) needs one scratch register in the code generator, which lets the AVX2
// pipeline use a 15-register tile (passes/pipelines.cpp, backend-x86/isel.cpp).
bool is_plain_arithmetic(Op op);
std::optional<Op> op_from_name(std::string_view name);
inline std::string_view op_name(Op op) {
  return op_info(op).name;
}

// ---- types --------------------------------------------------------------------------------------------
enum class ScalarKind : uint8_t { kF32, kI1, kIndex };

// f32 or i1 with 1, 4, 8 or 16 lanes; index is the type of induction variables (never an op operand).
struct Type {
  ScalarKind kind = ScalarKind::kF32;
  int lanes = 1;
  static Type f32(int lanes = 1) { return {ScalarKind::kF32, lanes}; }
  static Type mask(int lanes) { return {ScalarKind::kI1, lanes}; }
  static Type index() { return {ScalarKind::kIndex, 1}; }
  bool is_f32() const { return kind == ScalarKind::kF32; }
  bool is_vector() const { return lanes > 1; }
  bool operator==(const Type&) const = default;
  std::string str() const;  // "f32", "f32x8", "i1x8", "index"
};
bool is_valid_lane_count(int lanes);  // 1, 4, 8, 16

using ValueId = int32_t;
using BufferId = int32_t;
constexpr ValueId kNoValue = -1;

// Source position of a statement (1-based; 0 when made by a builder or pass).
struct Loc {
  int line = 0;
  int col = 0;
};

// ---- affine index expressions -------------------------------------------------------------------------
struct AffineTerm {
  ValueId iv;
  int64_t coeff;
  bool operator==(const AffineTerm&) const = default;
};

// sum(coeff * iv) + constant over induction variables. Kept normalized: no zero coefficients, each iv once,
// terms in first-appearance order.
struct Affine {
  std::vector<AffineTerm> terms;
  int64_t constant = 0;

  static Affine var(ValueId iv, int64_t coeff = 1);
  static Affine cst(int64_t c);
  int64_t coeff_of(ValueId iv) const;
  bool uses(ValueId iv) const { return coeff_of(iv) != 0; }
  bool is_constant() const { return terms.empty(); }
  // this + scale * other, normalized.
  Affine plus(const Affine& other, int64_t scale = 1) const;
  // Replaces iv by repl everywhere.
  Affine substitute(ValueId iv, const Affine& repl) const;
  bool operator==(const Affine&) const = default;
};
Affine operator+(const Affine& a, const Affine& b);
Affine operator+(const Affine& a, int64_t c);
Affine operator*(const Affine& a, int64_t c);

// ---- statements ---------------------------------------------------------------------------------------
// One operation. Which fields matter is decided by op_info(op).syntax:
//   loads/stores: buffer, index (one Affine per buffer dimension), mask_lanes (0 = all lanes active;
//                 otherwise the first mask_lanes lanes are read/written, the rest of a load are 0);
//   const: imm;  mask: mask_lanes (first mask_lanes lanes true).
struct Inst {
  Op op = Op::Const;
  ValueId result = kNoValue;
  std::vector<ValueId> args;
  BufferId buffer = -1;
  std::vector<Affine> index;
  int mask_lanes = 0;
  float imm = 0.0f;
  Loc loc;
};

struct Stmt;
using Block = std::vector<Stmt>;

// for iv = lb to ub step step (ub exclusive), all constants. iter_args are loop-carried values: on entry
// iter_args[n] = inits[n], each iteration ends with iter_args[n] = yields[n], after the loop results[n]
// hold the last yields (or the inits when the loop runs zero times).
struct Loop {
  ValueId iv = kNoValue;
  int64_t lb = 0;
  int64_t ub = 0;
  int64_t step = 1;
  std::vector<ValueId> iter_args;
  std::vector<ValueId> inits;
  Block body;
  std::vector<ValueId> yields;
  std::vector<ValueId> results;
  Loc loc;

  int64_t trip_count() const { return ub > lb ? (ub - lb + step - 1) / step : 0; }
  int64_t last_iv() const { return lb + (trip_count() - 1) * step; }
};

// A statement: an instruction or a loop. Loops are held by pointer so that a Stmt stays small and cheap to
// move; copying a Stmt copies the whole loop (deep copy: passes duplicate bodies this way).
struct Stmt {
  std::variant<Inst, std::unique_ptr<Loop>> node;

  Stmt(Inst i) : node(std::move(i)) {}
  Stmt(Loop l) : node(std::make_unique<Loop>(std::move(l))) {}
  Stmt(const Stmt& o) : node(copy(o)) {}
  Stmt& operator=(const Stmt& o) {
    if (this != &o) node = copy(o);
    return *this;
  }
  Stmt(Stmt&&) noexcept = default;
  Stmt& operator=(Stmt&&) noexcept = default;

  bool is_loop() const { return node.index() == 1; }
  Inst& inst() { return std::get<Inst>(node); }
  const Inst& inst() const { return std::get<Inst>(node); }
  Loop& loop() { return *std::get<1>(node); }
  const Loop& loop() const { return *std::get<1>(node); }

 private:
  static std::variant<Inst, std::unique_ptr<Loop>> copy(const Stmt& o) {
    if (o.is_loop()) return std::make_unique<Loop>(o.loop());
    return o.inst();
  }
};

// ---- buffers, kernels, modules ------------------------------------------------------------------------
enum class BufferKind : uint8_t { kInput, kOutput, kParam, kState, kScratch };
std::string_view buffer_kind_name(BufferKind k);

// A named row-major fp32 array. Params carry their constant contents in data (size() elements).
struct Buffer {
  std::string name;
  BufferKind kind = BufferKind::kScratch;
  std::vector<int64_t> shape;
  std::vector<float> data;
  Loc loc;

  int64_t size() const;
  int64_t stride(size_t dim) const;  // elements between neighbours along dim
  bool read_only() const { return kind == BufferKind::kInput || kind == BufferKind::kParam; }
};

struct ValueInfo {
  std::string name;  // without the '%'
  Type type;
};

struct Kernel {
  std::string name;  // without the '@'
  std::vector<Buffer> buffers;
  std::vector<ValueInfo> values;
  Block body;
  Loc loc;

  // Adds a fresh value named hint, made unique by a "_N" suffix (%load, %load_1, ...). Never fails.
  ValueId new_value(std::string_view hint, Type type);
  // Adds a value that is a copy of `of` made by a pass (an unrolled body, a remainder loop): named
  // base_name(of) + ".N" (%acc -> %acc.1, %acc.2, ...), so options that select loops by name (loop=acc)
  // keep selecting the copies. Never fails.
  ValueId copy_value(ValueId of, Type type);
  // Adds a value with exactly this name; kNoValue when the name is taken.
  ValueId add_value_named(std::string_view name, Type type);
  const std::string& name_of(ValueId v) const { return values.at(static_cast<size_t>(v)).name; }
  Type type_of(ValueId v) const { return values.at(static_cast<size_t>(v)).type; }
  // The buffer of this name: a hash lookup while every buffer came through add_buffer (a kernel of
  // thousands of buffers, e.g. the state update of thousands of states, is built in linear time), a
  // search otherwise.
  std::optional<BufferId> find_buffer(std::string_view name) const;
  const Buffer& buffer(BufferId b) const { return buffers.at(static_cast<size_t>(b)); }
  // Adds a buffer; the caller makes sure the name is new.
  BufferId add_buffer(Buffer b);

 private:
  ValueId add_unique(const std::string& base, char sep, Type type);
  std::unordered_set<std::string> used_names_;
  std::unordered_map<std::string, int> next_suffix_;  // base + separator -> last suffix handed out
  // name -> index of every buffer, while it has one entry per buffer (buffers is public: a kernel filled
  // by other means, or given a duplicate name, is searched instead).
  std::unordered_map<std::string, BufferId> buffer_index_;
};

struct Module {
  std::vector<Kernel> kernels;
};

// The name a pass uses to select a loop: the IV name without a trailing ".N" copy suffix ("k.2" -> "k";
// "k_2" is a different loop, see Kernel::new_value).
std::string_view base_name(std::string_view name);

// ---- walking ------------------------------------------------------------------------------------------
// Pre-order walks over every loop / instruction of a block, nested ones included. depth is 0 for loops
// directly in the walked block.
template <class F>
void for_each_loop(Block& b, F&& f, int depth = 0) {
  for (Stmt& s : b)
    if (s.is_loop()) {
      f(s.loop(), depth);
      for_each_loop(s.loop().body, f, depth + 1);
    }
}
template <class F>
void for_each_loop(const Block& b, F&& f, int depth = 0) {
  for (const Stmt& s : b)
    if (s.is_loop()) {
      f(s.loop(), depth);
      for_each_loop(s.loop().body, f, depth + 1);
    }
}
template <class F>
void for_each_inst(Block& b, F&& f) {
  for (Stmt& s : b) {
    if (s.is_loop())
      for_each_inst(s.loop().body, f);
    else
      f(s.inst());
  }
}
template <class F>
void for_each_inst(const Block& b, F&& f) {
  for (const Stmt& s : b) {
    if (s.is_loop())
      for_each_inst(s.loop().body, f);
    else
      f(s.inst());
  }
}

}  // namespace njc::loop
