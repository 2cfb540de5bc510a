// Register names in GNU/LLVM Intel syntax, used by the printer and by error messages.
#include "backend-x86/registers.h"

namespace njc::x86 {
namespace {

constexpr const char* kGpr64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
constexpr const char* kGpr32[16] = {"eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
constexpr const char* kGpr16[16] = {"ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
constexpr const char* kGpr8[16] = {"al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
constexpr const char* kXmm[32] = {"xmm0",  "xmm1",  "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
                                  "xmm8",  "xmm9",  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
                                  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
                                  "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31"};
constexpr const char* kYmm[32] = {"ymm0",  "ymm1",  "ymm2",  "ymm3",  "ymm4",  "ymm5",  "ymm6",  "ymm7",
                                  "ymm8",  "ymm9",  "ymm10", "ymm11", "ymm12", "ymm13", "ymm14", "ymm15",
                                  "ymm16", "ymm17", "ymm18", "ymm19", "ymm20", "ymm21", "ymm22", "ymm23",
                                  "ymm24", "ymm25", "ymm26", "ymm27", "ymm28", "ymm29", "ymm30", "ymm31"};
constexpr const char* kZmm[32] = {"zmm0",  "zmm1",  "zmm2",  "zmm3",  "zmm4",  "zmm5",  "zmm6",  "zmm7",
                                  "zmm8",  "zmm9",  "zmm10", "zmm11", "zmm12", "zmm13", "zmm14", "zmm15",
                                  "zmm16", "zmm17", "zmm18", "zmm19", "zmm20", "zmm21", "zmm22", "zmm23",
                                  "zmm24", "zmm25", "zmm26", "zmm27", "zmm28", "zmm29", "zmm30", "zmm31"};
constexpr const char* kMask[8] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};

}  // namespace

const char* reg_name(Reg r) {
  const unsigned id = r.id;
  switch (r.kind) {
    case RegKind::kGpr8:
      return id < 16 ? kGpr8[id] : "?";
    case RegKind::kGpr16:
      return id < 16 ? kGpr16[id] : "?";
    case RegKind::kGpr32:
      return id < 16 ? kGpr32[id] : "?";
    case RegKind::kGpr64:
      return id < 16 ? kGpr64[id] : "?";
    case RegKind::kXmm:
      return id < 32 ? kXmm[id] : "?";
    case RegKind::kYmm:
      return id < 32 ? kYmm[id] : "?";
    case RegKind::kZmm:
      return id < 32 ? kZmm[id] : "?";
    case RegKind::kMask:
      return id < 8 ? kMask[id] : "?";
    case RegKind::kRip:
      return "rip";
    case RegKind::kNone:
      break;
  }
  return "?";
}

}  // namespace njc::x86
