// The encoder's error value. Every illegal request (no form takes these operands, a bad address, a mask
// where none is allowed, an unbound label) is reported as an Error naming the instruction and the operand;
// the encoder never throws or aborts. The library has no dependency on njc_ir, so this is its own type.
#pragma once

#include <cstdint>
#include <string>

#include "backend-x86/instr_table.h"

namespace njc::x86 {

enum class ErrorCode : uint8_t {
  kOk,
  kInvalidOperand,  // no form of the mnemonic takes this operand here
  kImmOutOfRange,   // an immediate does not fit any form's immediate
  kBadAddress,      // bad base/index/scale (e.g. rsp as index, 32-bit base, rip with an index)
  kBadMask,         // write mask where the form has none, k0 or a non-k register as mask, mask not on op 0
  kBadZeroing,      // {z} without a mask, or on a form that only merges (stores)
  kBadBroadcast,    // {1toN} where the form cannot broadcast
  kIsaDisabled,     // a form exists but needs an ISA extension that is switched off
  kUnboundLabel,    // finalize(): a referenced label was never bound
  kBadLabel,        // a label id the assembler did not create, or bound twice
};

// kOk converts to false, so `if (Error e = a.vaddps(...))` reads as "if it failed".
// Four bytes with no padding, so it is returned in a register without partial-store stalls.
struct Error {
  ErrorCode code = ErrorCode::kOk;
  int8_t operand = -1;  // 0-based operand index, -1 when the error is about the whole instruction
  Mnemonic mnemonic = Mnemonic::kCount;

  constexpr Error() = default;
  constexpr Error(ErrorCode c, Mnemonic m = Mnemonic::kCount, int op = -1)
      : code(c), operand(static_cast<int8_t>(op)), mnemonic(m) {}

  explicit operator bool() const { return code != ErrorCode::kOk; }
  bool operator==(const Error&) const = default;

  // "vaddps: operand 3: no form takes this operand (xmm, xmm, zmm)" style text; see error.cpp.
  std::string message() const;
};

// A short description of code ("invalid operand").
const char* error_code_name(ErrorCode code);

}  // namespace njc::x86
