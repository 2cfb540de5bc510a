// Loop IR core: the op table, types, affine arithmetic, and kernel bookkeeping (value names, buffers).
#include "ir/loop_ir.h"

#include <algorithm>
#include <array>

#include "ir/assert.h"

namespace njc::loop {

namespace {
constexpr std::array kOpInfos = {
#define NJC_LOOP_OP(e, text, arity, rule, syntax, flags) \
  OpInfo{text, arity, TypeRule::rule, Syntax::syntax, static_cast<unsigned>(flags)},
#include "ir/loop_ops.def"
};
}  // namespace

const OpInfo& op_info(Op op) {
  auto i = static_cast<size_t>(op);
  NJC_ASSERT(i < kOpInfos.size(), "bad loop op");
  return kOpInfos[i];
}

bool is_plain_arithmetic(Op op) {
  switch (op) {
    case Op::Const:
    case Op::Splat:
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div:
    case Op::Min:
    case Op::Max:
    case Op::Fma:
    case Op::Neg:
    case Op::Abs:
    case Op::Load:
    case Op::LoadBcast:
    case Op::Store:
      return true;
    default:
      return false;
  }
}

std::optional<Op> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kOpInfos.size(); ++i)
    if (kOpInfos[i].name == name) return static_cast<Op>(i);
  return std::nullopt;
}

std::string Type::str() const {
  std::string s = kind == ScalarKind::kF32 ? "f32" : kind == ScalarKind::kI1 ? "i1" : "index";
  if (lanes > 1) s += "x" + std::to_string(lanes);
  return s;
}

bool is_valid_lane_count(int lanes) {
  return lanes == 1 || lanes == 4 || lanes == 8 || lanes == 16;
}

// ---- Affine -------------------------------------------------------------------------------------------
Affine Affine::var(ValueId iv, int64_t coeff) {
  Affine a;
  if (coeff != 0) a.terms.push_back({iv, coeff});
  return a;
}

Affine Affine::cst(int64_t c) {
  Affine a;
  a.constant = c;
  return a;
}

int64_t Affine::coeff_of(ValueId iv) const {
  for (const AffineTerm& t : terms)
    if (t.iv == iv) return t.coeff;
  return 0;
}

Affine Affine::plus(const Affine& other, int64_t scale) const {
  Affine r = *this;
  r.constant += scale * other.constant;
  for (const AffineTerm& t : other.terms) {
    auto it = std::find_if(r.terms.begin(), r.terms.end(), [&](const AffineTerm& x) { return x.iv == t.iv; });
    if (it == r.terms.end())
      r.terms.push_back({t.iv, scale * t.coeff});
    else
      it->coeff += scale * t.coeff;
  }
  std::erase_if(r.terms, [](const AffineTerm& t) { return t.coeff == 0; });
  return r;
}

Affine Affine::substitute(ValueId iv, const Affine& repl) const {
  int64_t c = coeff_of(iv);
  if (c == 0) return *this;
  Affine r = *this;
  std::erase_if(r.terms, [&](const AffineTerm& t) { return t.iv == iv; });
  return r.plus(repl, c);
}

Affine operator+(const Affine& a, const Affine& b) {
  return a.plus(b);
}
Affine operator+(const Affine& a, int64_t c) {
  return a.plus(Affine::cst(c));
}
Affine operator*(const Affine& a, int64_t c) {
  return Affine{}.plus(a, c);
}

// ---- buffers and kernels ------------------------------------------------------------------------------
std::string_view buffer_kind_name(BufferKind k) {
  switch (k) {
    case BufferKind::kInput:
      return "input";
    case BufferKind::kOutput:
      return "output";
    case BufferKind::kParam:
      return "param";
    case BufferKind::kState:
      return "state";
    case BufferKind::kScratch:
      return "scratch";
  }
  NJC_UNREACHABLE("bad buffer kind");
}

int64_t Buffer::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t Buffer::stride(size_t dim) const {
  int64_t s = 1;
  for (size_t d = dim + 1; d < shape.size(); ++d) s *= shape[d];
  return s;
}

std::string_view base_name(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return name;
  for (size_t i = dot + 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return name;
  return name.substr(0, dot);
}

ValueId Kernel::add_unique(const std::string& base, char sep, Type type) {
  if (used_names_.size() != values.size())
    for (const ValueInfo& v : values) used_names_.insert(v.name);
  std::string name = base;
  if (used_names_.count(name)) {
    // Names are never freed, so every suffix below the one handed out last for this base is still taken:
    // start there (unrolling copies %acc hundreds of times; probing from 1 each time was quadratic).
    int& n = next_suffix_[base + sep];
    do name = base + sep + std::to_string(++n);
    while (used_names_.count(name));
  }
  return add_value_named(name, type);
}

ValueId Kernel::new_value(std::string_view hint, Type type) {
  return add_unique(hint.empty() ? std::string("v") : std::string(hint), '_', type);
}

ValueId Kernel::copy_value(ValueId of, Type type) {
  return add_unique(std::string(base_name(name_of(of))), '.', type);
}

ValueId Kernel::add_value_named(std::string_view name, Type type) {
  if (used_names_.size() != values.size())
    for (const ValueInfo& v : values) used_names_.insert(v.name);
  if (!used_names_.insert(std::string(name)).second) return kNoValue;
  values.push_back({std::string(name), type});
  return static_cast<ValueId>(values.size() - 1);
}

std::optional<BufferId> Kernel::find_buffer(std::string_view n) const {
  if (buffer_index_.size() == buffers.size()) {
    auto it = buffer_index_.find(std::string(n));
    if (it == buffer_index_.end()) return std::nullopt;
    if (buffers[static_cast<size_t>(it->second)].name == n) return it->second;
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    if (buffers[i].name == n) return static_cast<BufferId>(i);
  return std::nullopt;
}

BufferId Kernel::add_buffer(Buffer b) {
  const auto id = static_cast<BufferId>(buffers.size());
  if (buffer_index_.size() == buffers.size()) buffer_index_.emplace(b.name, id);
  buffers.push_back(std::move(b));
  return id;
}

}  // namespace njc::loop
