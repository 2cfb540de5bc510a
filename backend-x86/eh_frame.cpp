// .eh_frame construction (see eh_frame.h): the CFA program from a function's prologue and epilogue, and the
// CIE + FDE records around it.
#include "backend-x86/eh_frame.h"

#include <cstring>

namespace njc::x86 {

namespace {

void put(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* c = static_cast<const uint8_t*>(p);
  out.insert(out.end(), c, c + n);
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put(out, &v, 4);
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
  put(out, &v, 8);
}
void uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<uint8_t>(b | (v ? 0x80 : 0)));
  } while (v);
}
void align(std::vector<uint8_t>& out, size_t to) {
  while (out.size() % to) out.push_back(0);  // DW_CFA_nop
}

// DWARF call frame instructions, pointer encodings and x86-64 DWARF register numbers.
constexpr uint8_t kAdvanceLoc = 0x40, kOffset = 0x80, kRestore = 0xc0, kAdvanceLoc1 = 0x02,
                  kAdvanceLoc2 = 0x03, kAdvanceLoc4 = 0x04, kDefCfa = 0x0c, kDefCfaOffset = 0x0e;
constexpr uint8_t kPeAbsptr = 0x00, kPePcrelSdata4 = 0x1b;
constexpr uint8_t kDwarfRsp = 7, kDwarfRa = 16;

struct Saved {
  uint8_t dwarf;
  size_t bytes;
};

// The pushes at the start of the function.
std::vector<Saved> pushed_registers(const uint8_t* code, size_t size, size_t& pc) {
  std::vector<Saved> saved;
  while (pc < size) {
    if (code[pc] == 0x53) {
      saved.push_back({3, 1});
    } else if (code[pc] == 0x55) {
      saved.push_back({6, 1});
    } else if (code[pc] == 0x41 && pc + 1 < size && code[pc + 1] >= 0x54 && code[pc + 1] <= 0x57) {
      saved.push_back({static_cast<uint8_t>(12 + code[pc + 1] - 0x54), 2});
    } else {
      break;
    }
    pc += saved.back().bytes;
  }
  return saved;
}

// Builds the CFA program as the row moves through the function.
class CfaProgram {
 public:
  void advance(size_t to) {
    size_t d = to - loc_;
    if (d < 64) {
      prog_.push_back(static_cast<uint8_t>(kAdvanceLoc | d));
    } else if (d < 256) {
      prog_.push_back(kAdvanceLoc1);
      prog_.push_back(static_cast<uint8_t>(d));
    } else if (d < 65536) {
      prog_.push_back(kAdvanceLoc2);
      put(prog_, &d, 2);
    } else {
      prog_.push_back(kAdvanceLoc4);
      put(prog_, &d, 4);
    }
    loc_ = to;
  }
  void def_cfa_offset(uint64_t off) {
    prog_.push_back(kDefCfaOffset);
    uleb(prog_, off);
  }
  void offset(uint8_t dwarf, uint64_t factored) {
    prog_.push_back(static_cast<uint8_t>(kOffset | dwarf));
    uleb(prog_, factored);
  }
  void restore(uint8_t dwarf) { prog_.push_back(static_cast<uint8_t>(kRestore | dwarf)); }
  std::vector<uint8_t> take() { return std::move(prog_); }

 private:
  std::vector<uint8_t> prog_;
  size_t loc_ = 0;
};

}  // namespace

std::optional<std::vector<uint8_t>> frame_program(const uint8_t* code, size_t size) {
  size_t pc = 0;
  const std::vector<Saved> saved = pushed_registers(code, size, pc);
  CfaProgram prog;
  uint64_t cfa = 8;
  size_t at = 0;
  for (const Saved& s : saved) {
    at += s.bytes;
    cfa += 8;
    prog.advance(at);
    prog.def_cfa_offset(cfa);
    prog.offset(s.dwarf, cfa / 8);  // saved at CFA - cfa; the CIE's data alignment is -8
  }
  // sub rsp, imm: REX.W 83 /5 ib or REX.W 81 /5 id.
  uint32_t frame = 0;
  size_t sub_bytes = 0;
  if (pc + 4 <= size && code[pc] == 0x48 && code[pc + 1] == 0x83 && code[pc + 2] == 0xec) {
    frame = code[pc + 3];
    sub_bytes = 4;
  } else if (pc + 7 <= size && code[pc] == 0x48 && code[pc + 1] == 0x81 && code[pc + 2] == 0xec) {
    std::memcpy(&frame, code + pc + 3, 4);
    sub_bytes = 7;
  }
  pc += sub_bytes;
  if (frame) {
    cfa += frame;
    prog.advance(pc);
    prog.def_cfa_offset(cfa);
  }
  // The epilogue, matched backwards from the final ret.
  if (size == 0 || code[size - 1] != 0xc3) return std::nullopt;
  size_t e = size - 1;
  if (e >= 3 && code[e - 3] == 0xc5 && code[e - 2] == 0xf8 && code[e - 1] == 0x77) e -= 3;
  for (const Saved& s : saved) {  // the first register pushed is the last popped
    if (e < s.bytes) return std::nullopt;
    e -= s.bytes;
    uint8_t want = s.dwarf == 3 ? 0x5b : s.dwarf == 6 ? 0x5d : static_cast<uint8_t>(0x5c + s.dwarf - 12);
    if (s.bytes == 2 ? code[e] != 0x41 || code[e + 1] != want : code[e] != want) return std::nullopt;
  }
  size_t pops = e;
  if (frame) {
    bool imm8 =
        e >= 4 && code[e - 4] == 0x48 && code[e - 3] == 0x83 && code[e - 2] == 0xc4 && code[e - 1] == frame;
    uint32_t imm = 0;
    if (e >= 7) std::memcpy(&imm, code + e - 4, 4);
    bool imm32 = e >= 7 && code[e - 7] == 0x48 && code[e - 6] == 0x81 && code[e - 5] == 0xc4 && imm == frame;
    if (!imm8 && !imm32) return std::nullopt;
  }
  if (pops < pc) return std::nullopt;
  if (frame) {
    cfa -= frame;
    prog.advance(pops);
    prog.def_cfa_offset(cfa);
  }
  at = pops;
  for (auto it = saved.rbegin(); it != saved.rend(); ++it) {
    at += it->bytes;
    cfa -= 8;
    prog.advance(at);
    prog.def_cfa_offset(cfa);
    prog.restore(it->dwarf);
  }
  return prog.take();
}

EhFrame build_eh_frame(const std::vector<EhFunction>& functions, EhPointer pointers) {
  const bool abs = pointers == EhPointer::kAbsolute64;
  EhFrame f;
  std::vector<uint8_t>& out = f.bytes;
  put32(out, 0);  // length, patched
  put32(out, 0);  // CIE id
  out.push_back(1);
  put(out, "zR", 3);
  uleb(out, 1);
  out.push_back(0x78);  // sleb -8
  out.push_back(kDwarfRa);
  uleb(out, 1);
  out.push_back(abs ? kPeAbsptr : kPePcrelSdata4);
  out.push_back(kDefCfa);
  out.push_back(kDwarfRsp);
  uleb(out, 8);
  out.push_back(kOffset | kDwarfRa);
  uleb(out, 1);
  align(out, 8);
  auto cie_len = static_cast<uint32_t>(out.size() - 4);
  std::memcpy(out.data(), &cie_len, 4);
  for (const EhFunction& fn : functions) {
    size_t fde = out.size();
    put32(out, 0);
    put32(out, static_cast<uint32_t>(out.size()));  // CIE pointer: from this field back to offset 0
    f.pc_begin_at.push_back(out.size());
    if (abs) {
      put64(out, fn.begin);
      put64(out, fn.size);
    } else {
      put32(out, 0);
      put32(out, static_cast<uint32_t>(fn.size));
    }
    uleb(out, 0);
    put(out, fn.program.data(), fn.program.size());
    align(out, 8);
    auto fde_len = static_cast<uint32_t>(out.size() - fde - 4);
    std::memcpy(out.data() + fde, &fde_len, 4);
  }
  put32(out, 0);  // terminator
  return f;
}

}  // namespace njc::x86
