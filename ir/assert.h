// Internal-bug checks: NJC_ASSERT and NJC_UNREACHABLE abort with file:line and a message, in every build
// type. They are for broken invariants inside njc, never for bad user input (that is a Diag).
#pragma once

#include <string_view>

namespace njc {
[[noreturn]] void assertion_failed(const char* file, int line, const char* cond, std::string_view msg);
}

#define NJC_ASSERT(cond, msg)                                               \
  do {                                                                      \
    if (!(cond)) ::njc::assertion_failed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)

#define NJC_UNREACHABLE(msg) ::njc::assertion_failed(__FILE__, __LINE__, "unreachable", (msg))
