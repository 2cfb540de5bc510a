// Intel-syntax text for one encoded instruction. Memory widths and {1toN} counts come from the form's
// operand kinds; immediates print in decimal (unsigned for imm8 fields that are bit patterns).
#include "backend-x86/printer.h"

#include <cstdio>

#include "backend-x86/registers.h"

namespace njc::x86 {
namespace {

const char* size_keyword(int bytes) {
  switch (bytes) {
    case 1:
      return "byte ptr ";
    case 2:
      return "word ptr ";
    case 4:
      return "dword ptr ";
    case 8:
      return "qword ptr ";
    case 16:
      return "xmmword ptr ";
    case 32:
      return "ymmword ptr ";
    case 64:
      return "zmmword ptr ";
    default:
      return "";
  }
}

void append_hex(std::string& out, uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  out += buf;
}

// " + 0x40" / " - 0x40" after a register, "0x40" / "-0x40" when it stands alone.
void append_disp(std::string& out, int64_t disp, bool after_term) {
  const bool neg = disp < 0;
  const uint64_t mag = neg ? static_cast<uint64_t>(-disp) : static_cast<uint64_t>(disp);
  if (after_term) {
    out += neg ? " - " : " + ";
  } else if (neg) {
    out += '-';
  }
  append_hex(out, mag);
}

void append_mem(std::string& out, const Mem& m, OpKind kind) {
  const KindInfo& k = kind_info(kind);
  out += size_keyword(m.bcst ? 4 : k.mem_size);
  out += '[';
  bool term = false;
  if (m.base.valid()) {
    out += reg_name(m.base);
    term = true;
  }
  if (m.label != kNoLabel) {
    out += " + ";
    out += label_name(m.label);
  }
  if (m.index.valid()) {
    if (term) out += " + ";
    out += reg_name(m.index);
    out += '*';
    out += static_cast<char>('0' + m.scale);
    term = true;
  }
  if (m.disp != 0 || !term) append_disp(out, m.disp, term);
  out += ']';
  if (m.bcst && k.vec_bytes != 0) {
    out += "{1to";
    out += std::to_string(k.vec_bytes / 4);
    out += '}';
  }
}

void append_imm(std::string& out, int64_t v, OpKind kind) {
  if (kind == OpKind::kUimm8) {
    out += std::to_string(v & 0xff);
  } else if (kind == OpKind::kImm64 && (v < INT32_MIN || v > INT32_MAX)) {
    append_hex(out, static_cast<uint64_t>(v));
  } else {
    out += std::to_string(v);
  }
}

void append_decorations(std::string& out, const Operand& o) {
  if (o.mask != 0 && o.mask < 8) {
    out += " {k";
    out += static_cast<char>('0' + o.mask);
    out += '}';
  }
  if (o.zero) out += " {z}";
}

}  // namespace

std::string label_name(uint32_t id) {
  return ".L" + std::to_string(id);
}

void print_instruction(std::string& out, int form, const Operand* ops) {
  const Form& f = kForms[form];
  out += (f.flags & kFlagMovabs) ? "movabs" : mnemonic_name(f.mnemonic);
  for (int i = 0; i < 4 && f.ops[i] != OpKind::kNone; ++i) {
    out += i == 0 ? " " : ", ";
    const Operand& o = ops[i];
    switch (o.type) {
      case OpType::kReg:
        out += reg_name(o.reg);
        break;
      case OpType::kMem:
        append_mem(out, o.mem, f.ops[i]);
        break;
      case OpType::kImm:
        append_imm(out, o.imm, f.ops[i]);
        break;
      case OpType::kLabel:
        out += label_name(o.label);
        break;
      case OpType::kNone:
        out += '?';
        break;
    }
    if (i == 0) append_decorations(out, o);
  }
}

std::string print_instruction(int form, const Operand* ops) {
  std::string s;
  print_instruction(s, form, ops);
  return s;
}

}  // namespace njc::x86
