// Loop IR printer: the canonical text form that loop_parser.cpp reads back.
#include "ir/loop_printer.h"

#include <fmt/format.h>

#include <cstring>

#include "ir/assert.h"

namespace njc::loop {

namespace {

class Printer {
 public:
  explicit Printer(const Kernel& k) : k_(k) {}

  std::string run() {
    out_ += fmt::format("kernel @{} {{\n", k_.name);
    for (const Buffer& b : k_.buffers) buffer(b);
    if (!k_.buffers.empty() && !k_.body.empty()) out_ += "\n";
    block(k_.body, 1);
    out_ += "}\n";
    return std::move(out_);
  }

 private:
  void indent(int level) { out_.append(static_cast<size_t>(2 * level), ' '); }
  std::string v(ValueId id) const { return "%" + k_.name_of(id); }

  std::string values(const std::vector<ValueId>& ids) const {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + v(ids[i]);
    return s;
  }

  void buffer(const Buffer& b) {
    out_ += fmt::format("  {} %{} : [{}]", buffer_kind_name(b.kind), b.name, fmt::join(b.shape, ", "));
    if (b.kind == BufferKind::kParam) {
      bool splat = !b.data.empty();
      for (float f : b.data) splat = splat && std::memcmp(&f, &b.data[0], sizeof f) == 0;
      if (splat && b.data.size() > 1) {
        out_ += " = splat " + print_float(b.data[0]);
      } else {
        out_ += " = [";
        for (size_t i = 0; i < b.data.size(); ++i) {
          if (i) out_ += i % 16 == 0 ? ",\n      " : ", ";
          out_ += print_float(b.data[i]);
        }
        out_ += "]";
      }
    }
    out_ += "\n";
  }

  void block(const Block& b, int level) {
    for (const Stmt& s : b) {
      if (s.is_loop())
        loop(s.loop(), level);
      else
        inst(s.inst(), level);
    }
  }

  void loop(const Loop& l, int level) {
    indent(level);
    if (!l.results.empty()) out_ += values(l.results) + " = ";
    out_ += fmt::format("for {} = {} to {} step {}", v(l.iv), l.lb, l.ub, l.step);
    if (!l.iter_args.empty()) {
      out_ += " iter(";
      for (size_t i = 0; i < l.iter_args.size(); ++i)
        out_ += (i ? ", " : "") + v(l.iter_args[i]) + " = " + v(l.inits[i]);
      out_ += ")";
    }
    out_ += " {\n";
    block(l.body, level + 1);
    if (!l.yields.empty()) {
      indent(level + 1);
      out_ += "yield " + values(l.yields) + "\n";
    }
    indent(level);
    out_ += "}\n";
  }

  std::string access(const Inst& i) const {
    std::string s = "%" + k_.buffer(i.buffer).name + "[";
    for (size_t d = 0; d < i.index.size(); ++d) s += (d ? ", " : "") + print_affine(k_, i.index[d]);
    s += "]";
    if (i.mask_lanes) s += fmt::format(" masked {}", i.mask_lanes);
    return s;
  }

  void inst(const Inst& i, int level) {
    indent(level);
    const OpInfo& info = op_info(i.op);
    if (i.result != kNoValue) out_ += v(i.result) + " = ";
    out_ += info.name;
    switch (info.syntax) {
      case Syntax::kGeneric: out_ += " " + values(i.args); break;
      case Syntax::kConst: out_ += " " + print_float(i.imm); break;
      case Syntax::kMask: out_ += fmt::format(" {}", i.mask_lanes); break;
      case Syntax::kLoad: out_ += " " + access(i); break;
      case Syntax::kStore: out_ += " " + v(i.args.at(0)) + ", " + access(i); break;
    }
    if (i.result != kNoValue) out_ += " : " + k_.type_of(i.result).str();
    out_ += "\n";
  }

  const Kernel& k_;
  std::string out_;
};

}  // namespace

std::string print_float(float f) { return fmt::format("{}", f); }

std::string print_affine(const Kernel& k, const Affine& a) {
  std::string s;
  for (const AffineTerm& t : a.terms) {
    int64_t c = t.coeff;
    if (s.empty()) {
      s = "%" + k.name_of(t.iv);
    } else {
      s += c < 0 ? " - %" : " + %";
      s += k.name_of(t.iv);
      if (c < 0) c = -c;
    }
    if (c != 1) s += fmt::format(" * {}", c);
  }
  if (s.empty()) return fmt::format("{}", a.constant);
  if (a.constant > 0) s += fmt::format(" + {}", a.constant);
  if (a.constant < 0) s += fmt::format(" - {}", -a.constant);
  return s;
}

std::string print(const Kernel& k) { return Printer(k).run(); }

std::string print(const Module& m) {
  std::string s;
  for (size_t i = 0; i < m.kernels.size(); ++i) s += (i ? "\n" : "") + print(m.kernels[i]);
  return s;
}

}  // namespace njc::loop
