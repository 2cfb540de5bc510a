// System V prologue/epilogue for generated kernels (see frame.h).
#include "backend-x86/frame.h"

#include <algorithm>

namespace njc::x86 {

namespace {
bool callee_saved(Reg r) {
  switch (r.id) {
    case 3:
    case 5:
    case 12:
    case 13:
    case 14:
    case 15:
      return true;  // rbx rbp r12-r15
    default:
      return false;
  }
}
}  // namespace

FrameLayout layout_frame(const std::vector<Reg>& used, int spill_bytes) {
  FrameLayout f;
  for (Reg r : used)
    if (r.is_gpr() && callee_saved(r) &&
        std::none_of(f.saved.begin(), f.saved.end(), [&](Reg s) { return s.id == r.id; }))
      f.saved.push_back(gpr64(r.id));
  // At entry rsp = 8 (mod 16); each push adds 8.
  int misalign = static_cast<int>((8 + 8 * f.saved.size()) % 16);
  f.bytes = (spill_bytes + 15) / 16 * 16 + misalign;
  return f;
}

void emit_prologue(Assembler& a, const FrameLayout& f) {
  for (Reg r : f.saved) a.push(r);
  if (f.bytes) a.sub(rsp, f.bytes);
}

void emit_epilogue(Assembler& a, const FrameLayout& f, bool vzeroupper) {
  if (f.bytes) a.add(rsp, f.bytes);
  for (auto it = f.saved.rbegin(); it != f.saved.rend(); ++it) a.pop(*it);
  if (vzeroupper) a.vzeroupper();
  a.ret();
}

}  // namespace njc::x86
