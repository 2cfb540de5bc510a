// Text for the encoder's error values.
#include "backend-x86/error.h"

namespace njc::x86 {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidOperand:
      return "no form of the instruction takes this operand";
    case ErrorCode::kImmOutOfRange:
      return "immediate out of range";
    case ErrorCode::kBadAddress:
      return "invalid address (base must be a 64-bit GPR or rip; index not rsp; scale 1/2/4/8)";
    case ErrorCode::kBadMask:
      return "write mask not allowed here (only k1-k7, only on operand 0 of a masking form)";
    case ErrorCode::kBadZeroing:
      return "zeroing {z} not allowed here (needs a mask and a register destination)";
    case ErrorCode::kBadBroadcast:
      return "broadcast {1toN} not allowed here";
    case ErrorCode::kIsaDisabled:
      return "instruction form needs an ISA extension that is disabled";
    case ErrorCode::kUnboundLabel:
      return "label referenced but never bound";
    case ErrorCode::kBadLabel:
      return "invalid label (unknown id or bound twice)";
  }
  return "?";
}

std::string Error::message() const {
  std::string s = mnemonic_name(mnemonic);
  if (operand >= 0) s += ": operand " + std::to_string(operand + 1);
  s += ": ";
  s += error_code_name(code);
  return s;
}

}  // namespace njc::x86
