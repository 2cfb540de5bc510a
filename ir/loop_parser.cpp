// Loop IR parser: a recursive-descent reader over characters, one function per grammar rule of
// docs/loop-ir.md. It resolves names (values are scoped to the block that defines them) and records each
// statement's line:col so the verifier and the passes can point at it.
#include "ir/loop_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <unordered_map>

#include "ir/memory_budget.h"
#include "ir/tensor.h"

namespace njc::loop {

namespace {

// Thrown inside the parser only and turned into a Diag at its entry points, so that every rule stays a
// straight line of expect() calls. It never leaves this file.
struct ParseError {
  Diag diag;
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view file) : text_(text), file_(file) {
    for (size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }

  Module module() {
    Module m;
    skip_ws();
    while (pos_ < text_.size()) {
      m.kernels.push_back(kernel());
      skip_ws();
    }
    return m;
  }

 private:
  // ---- characters and tokens ----
  void skip_ws() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else {
        break;
      }
    }
  }

  // Every statement records its position: a binary search over the line starts, not a count from the
  // top of the text (which made a kernel of thousands of loops quadratic to read).
  Loc loc_at(size_t pos) const {
    pos = std::min(pos, text_.size());
    auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    const auto line =
        static_cast<size_t>(next_line - line_starts_.begin()) - 1;  // 0-based, the last start <= pos
    return Loc{static_cast<int>(line) + 1, static_cast<int>(pos - line_starts_[line]) + 1};
  }

  [[noreturn]] void fail_at(size_t pos, std::string msg) const {
    Loc l = loc_at(pos);
    throw ParseError{Diag{std::string(file_), l.line, l.col, "", std::move(msg)}};
  }
  [[noreturn]] void fail(std::string msg) const { fail_at(pos_, std::move(msg)); }

  char peek() {
    skip_ws();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail(fmt::format("expected '{}'{}", c, found()));
  }
  std::string found() {
    skip_ws();
    if (pos_ >= text_.size()) return " but reached the end of the input";
    size_t e = pos_;
    while (e < text_.size() && e < pos_ + 16 && !std::isspace(static_cast<unsigned char>(text_[e]))) ++e;
    return fmt::format(" but found '{}'", text_.substr(pos_, e - pos_));
  }

  static bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  }

  // A bare word: letters, digits, '_' and '.'.
  std::string_view word() {
    skip_ws();
    size_t b = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    return text_.substr(b, pos_ - b);
  }
  std::string_view peek_word() {
    size_t save = pos_;
    std::string_view w = word();
    pos_ = save;
    return w;
  }
  void expect_word(std::string_view w) {
    size_t at = (skip_ws(), pos_);
    if (word() != w) {
      pos_ = at;
      fail(fmt::format("expected '{}'{}", w, found()));
    }
  }
  // '%name' or '@name'; returns the name without the sigil.
  std::string sigil_name(char sigil, std::string_view what) {
    if (peek() != sigil) fail(fmt::format("expected {} ('{}name'){}", what, sigil, found()));
    ++pos_;
    size_t b = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == b) fail(fmt::format("expected a name after '{}'", sigil));
    return std::string(text_.substr(b, pos_ - b));
  }

  int64_t integer() {
    skip_ws();
    size_t b = pos_;
    if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) ++pos_;
    size_t digits = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ == digits) {
      pos_ = b;
      fail("expected an integer" + found());
    }
    std::string s(text_.substr(b, pos_ - b));
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == ERANGE) fail_at(b, "integer out of range");
    return v;
  }

  float number() {
    skip_ws();
    size_t b = pos_;
    size_t e = pos_;
    while (e < text_.size() && (is_name_char(text_[e]) || text_[e] == '-' || text_[e] == '+')) ++e;
    std::string s(text_.substr(b, e - b));
    char* end = nullptr;
    float f = std::strtof(s.c_str(), &end);
    if (end == s.c_str()) fail("expected a number" + found());
    pos_ = b + static_cast<size_t>(end - s.c_str());
    return f;
  }

  Type type() {
    size_t at = (skip_ws(), pos_);
    std::string_view w = word();
    Type t;
    std::string_view lanes;
    if (w.starts_with("f32")) {
      t.kind = ScalarKind::kF32;
      lanes = w.substr(3);
    } else if (w.starts_with("i1")) {
      t.kind = ScalarKind::kI1;
      lanes = w.substr(2);
    } else {
      fail_at(at, fmt::format("expected a type (f32, f32xN, i1, i1xN) but found '{}'", w));
    }
    if (!lanes.empty()) {
      int n = 0;
      if (lanes[0] != 'x' || lanes.size() < 2) fail_at(at, fmt::format("bad type '{}'", w));
      for (char c : lanes.substr(1)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) fail_at(at, fmt::format("bad type '{}'", w));
        n = n * 10 + (c - '0');
        if (n > 1024) break;
      }
      if (!is_valid_lane_count(n))
        fail_at(at, fmt::format("vector types have 4, 8 or 16 lanes, not '{}'", w));
      t.lanes = n;
    }
    return t;
  }

  // ---- names and scopes ----
  ValueId define(const std::string& name, Type t, size_t at) {
    ValueId id = k_.add_value_named(name, t);
    if (id == kNoValue) fail_at(at, fmt::format("redefinition of %{}", name));
    ids_[name] = id;
    visible_.resize(k_.values.size(), false);
    visible_[static_cast<size_t>(id)] = true;
    scopes_.back().push_back(id);
    return id;
  }

  ValueId use() {
    size_t at = (skip_ws(), pos_);
    std::string name = sigil_name('%', "a value");
    auto it = ids_.find(name);
    if (it == ids_.end()) fail_at(at, fmt::format("use of undefined value %{}", name));
    if (!visible_[static_cast<size_t>(it->second)])
      fail_at(at, fmt::format("%{} is used outside the block that defines it", name));
    return it->second;
  }

  void open_scope() { scopes_.emplace_back(); }
  void close_scope() {
    for (ValueId id : scopes_.back()) visible_[static_cast<size_t>(id)] = false;
    scopes_.pop_back();
  }

  // ---- grammar rules ----
  Kernel kernel() {
    k_ = Kernel{};
    ids_.clear();
    visible_.clear();
    scopes_.clear();
    size_t at = (skip_ws(), pos_);
    k_.loc = loc_at(at);
    expect_word("kernel");
    k_.name = sigil_name('@', "a kernel name");
    expect('{');
    open_scope();
    while (true) {
      std::string_view w = peek_word();
      if (w == "input" || w == "output" || w == "param" || w == "state" || w == "scratch")
        buffer();
      else
        break;
    }
    block(k_.body);
    expect('}');
    close_scope();
    return std::move(k_);
  }

  void buffer() {
    size_t at = (skip_ws(), pos_);
    Buffer b;
    b.loc = loc_at(at);
    std::string_view kind = word();
    b.kind = kind == "input"    ? BufferKind::kInput
             : kind == "output" ? BufferKind::kOutput
             : kind == "param"  ? BufferKind::kParam
             : kind == "state"  ? BufferKind::kState
                                : BufferKind::kScratch;
    size_t name_at = (skip_ws(), pos_);
    b.name = sigil_name('%', "a buffer name");
    if (k_.find_buffer(b.name)) fail_at(name_at, fmt::format("redefinition of buffer %{}", b.name));
    expect(':');
    expect('[');
    if (!accept(']')) {
      do {
        size_t dim_at = (skip_ws(), pos_);
        int64_t d = integer();
        if (d <= 0) fail_at(dim_at, "buffer dimensions must be positive");
        if (b.shape.size() == kMaxRank)
          fail_at(dim_at, fmt::format("buffer %{} has more than {} dimensions", b.name, kMaxRank));
        b.shape.push_back(d);
        if (!shape_within_limits(b.shape))
          fail_at(dim_at, fmt::format("buffer %{} has more than 2^28 elements", b.name));
      } while (accept(','));
      expect(']');
    }
    module_floats_ += b.size();
    if (module_floats_ > (kDefaultMemoryBudget >> 2))
      fail_at(name_at,
              fmt::format("the buffers need more than the memory budget of {} bytes", kDefaultMemoryBudget));
    if (b.kind == BufferKind::kParam) {
      expect('=');
      if (peek_word() == "splat") {
        word();
        b.data.assign(static_cast<size_t>(b.size()), number());
      } else {
        expect('[');
        if (!accept(']')) {
          do b.data.push_back(number());
          while (accept(','));
          expect(']');
        }
      }
    }
    k_.add_buffer(std::move(b));
  }

  // Statements until a '}' or a 'yield' (left for the caller).
  void block(Block& out) {
    while (true) {
      char c = peek();
      if (c == '}' || c == '\0' || peek_word() == "yield") return;
      statement(out);
    }
  }

  void statement(Block& out) {
    size_t at = (skip_ws(), pos_);
    std::vector<std::pair<std::string, size_t>> results;
    if (peek() == '%') {
      do {
        size_t r_at = (skip_ws(), pos_);
        results.emplace_back(sigil_name('%', "a result name"), r_at);
      } while (accept(','));
      expect('=');
    }
    size_t op_at = (skip_ws(), pos_);
    std::string_view w = word();
    if (w == "for") {
      out.push_back(loop(results, at));
      return;
    }
    std::optional<Op> op = op_from_name(w);
    if (!op) fail_at(op_at, w.empty() ? "expected a statement" + found() : fmt::format("unknown op '{}'", w));
    const OpInfo& info = op_info(*op);
    bool has_result = info.rule != TypeRule::kNoResult;
    if (results.size() != (has_result ? 1u : 0u))
      fail_at(at, has_result ? fmt::format("'{}' defines exactly one result", w)
                             : fmt::format("'{}' has no result", w));
    Inst i;
    i.op = *op;
    i.loc = loc_at(at);
    switch (info.syntax) {
      case Syntax::kGeneric:
        for (int n = 0; n < info.arity; ++n) {
          if (n) expect(',');
          i.args.push_back(use());
        }
        break;
      case Syntax::kConst:
        i.imm = number();
        break;
      case Syntax::kMask: {
        size_t n_at = (skip_ws(), pos_);
        int64_t n = integer();
        if (n < 0 || n > 16) fail_at(n_at, "mask lane count out of range");
        i.mask_lanes = static_cast<int>(n);
        break;
      }
      case Syntax::kLoad:
        access(i);
        break;
      case Syntax::kStore:
        i.args.push_back(use());
        expect(',');
        access(i);
        break;
    }
    if (has_result) {
      expect(':');
      Type t = type();
      i.result = define(results[0].first, t, results[0].second);
    }
    out.push_back(Stmt(std::move(i)));
  }

  // %buf[affine, ...] (masked N)?
  void access(Inst& i) {
    size_t at = (skip_ws(), pos_);
    std::string name = sigil_name('%', "a buffer");
    std::optional<BufferId> b = k_.find_buffer(name);
    if (!b) fail_at(at, fmt::format("use of undefined buffer %{}", name));
    i.buffer = *b;
    expect('[');
    if (!accept(']')) {
      do i.index.push_back(affine());
      while (accept(','));
      expect(']');
    }
    if (peek_word() == "masked") {
      word();
      size_t n_at = (skip_ws(), pos_);
      int64_t n = integer();
      if (n <= 0 || n > 16) fail_at(n_at, "masked lane count must be in 1..16");
      i.mask_lanes = static_cast<int>(n);
    }
  }

  // term (('+' | '-') term)*, term = INT | INT '*' %iv | '-'? %iv ('*' INT)?
  Affine affine() {
    Affine a = term();
    while (true) {
      char c = peek();
      if (c != '+' && c != '-') return a;
      ++pos_;
      a = a.plus(term(), c == '-' ? -1 : 1);
    }
  }

  Affine term() {
    char c = peek();
    int64_t sign = 1;
    if (c == '-') {
      size_t save = pos_++;
      if (peek() == '%') {
        sign = -1;
        c = '%';
      } else {
        pos_ = save;
      }
    }
    if (c == '%') {
      ValueId iv = index_var();
      int64_t coeff = accept('*') ? integer() : 1;
      return Affine::var(iv, sign * coeff);
    }
    int64_t n = integer();
    if (accept('*')) return Affine::var(index_var(), n);
    return Affine::cst(n);
  }

  ValueId index_var() {
    size_t at = (skip_ws(), pos_);
    ValueId v = use();
    if (k_.type_of(v).kind != ScalarKind::kIndex)
      fail_at(at, fmt::format("%{} is not an induction variable", k_.name_of(v)));
    return v;
  }

  Stmt loop(const std::vector<std::pair<std::string, size_t>>& results, size_t at) {
    Loop l;
    l.loc = loc_at(at);
    size_t iv_at = (skip_ws(), pos_);
    std::string iv = sigil_name('%', "an induction variable");
    expect('=');
    l.lb = integer();
    expect_word("to");
    l.ub = integer();
    expect_word("step");
    size_t step_at = (skip_ws(), pos_);
    l.step = integer();
    if (l.step <= 0) fail_at(step_at, "loop step must be positive");
    open_scope();
    l.iv = define(iv, Type::index(), iv_at);
    std::vector<std::pair<std::string, size_t>> iter_names;
    if (peek_word() == "iter") {
      word();
      expect('(');
      do {
        size_t a_at = (skip_ws(), pos_);
        iter_names.emplace_back(sigil_name('%', "a loop-carried value"), a_at);
        expect('=');
        l.inits.push_back(use());
      } while (accept(','));
      expect(')');
      for (size_t n = 0; n < iter_names.size(); ++n)
        l.iter_args.push_back(define(iter_names[n].first, k_.type_of(l.inits[n]), iter_names[n].second));
    }
    if (results.size() != l.iter_args.size())
      fail_at(at, fmt::format("loop defines {} results but carries {} values", results.size(),
                              l.iter_args.size()));
    expect('{');
    block(l.body);
    if (peek_word() == "yield") {
      size_t y_at = (skip_ws(), pos_);
      word();
      do l.yields.push_back(use());
      while (accept(','));
      if (l.yields.size() != l.iter_args.size())
        fail_at(y_at,
                fmt::format("yield of {} values in a loop carrying {}", l.yields.size(), l.iter_args.size()));
    } else if (!l.iter_args.empty()) {
      fail("a loop with iter(...) must end with 'yield'" + found());
    }
    expect('}');
    close_scope();
    for (size_t n = 0; n < results.size(); ++n)
      l.results.push_back(define(results[n].first, k_.type_of(l.iter_args[n]), results[n].second));
    return Stmt(std::move(l));
  }

  std::string_view text_;
  std::string_view file_;
  std::vector<size_t> line_starts_{0};  // offset of the first character of each line
  size_t pos_ = 0;
  Kernel k_;
  int64_t module_floats_ = 0;  // of every buffer parsed so far, against the memory budget
  std::unordered_map<std::string, ValueId> ids_;
  std::vector<bool> visible_;
  std::vector<std::vector<ValueId>> scopes_;
};

}  // namespace

Expected<Module> parse_module(std::string_view text, std::string_view file) {
  try {
    return Parser(text, file).module();
  } catch (ParseError& e) {
    return std::move(e.diag);
  }
}

Expected<Kernel> parse_kernel(std::string_view text, std::string_view file) {
  Expected<Module> m = parse_module(text, file);
  if (!m) return m.error();
  if (m->kernels.size() != 1)
    return Diag{std::string(file), 1, 1, "", fmt::format("expected one kernel, found {}", m->kernels.size())};
  return std::move(m->kernels[0]);
}

}  // namespace njc::loop
