// User-facing diagnostics: a user error is a value (Diag) carried in Expected<T>, never an exception.
// Everything from the JSON reader to the IR parsers reports through this type; the CLI prints it as
// `file:line:col: error: message` with the source line and a caret, and exits 1.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace njc {

// One user error. line/col are 1-based; 0 means "unknown". pointer is the RFC 6901 JSON pointer of the
// offending part of a model ("/nodes/3/attributes/axis"), empty for non-JSON sources.
struct Diag {
  std::string file;
  int line = 0;
  int col = 0;
  std::string pointer;
  std::string message;
};

// Renders `file:line:col: error: message [at /json/pointer]`, then, when source is given and line is
// known, the offending line and a caret under col.
std::string format_diag(const Diag& d, const std::string* source = nullptr);

// A value or the Diag that explains why there is none. Keeps the call sites short:
//   auto m = parse(text); if (!m) return m.error();
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Diag d) : v_(std::move(d)) {}

  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& value();
  const T& value() const;
  const Diag& error() const;

 private:
  std::variant<T, Diag> v_;
};

// For operations with no value: Status is success or a Diag.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Diag d) : d_(std::move(d)) {}
  static Status ok() { return Status(); }
  explicit operator bool() const { return !d_.has_value(); }
  const Diag& error() const;

 private:
  std::optional<Diag> d_;
};

}  // namespace njc

#include "ir/assert.h"

namespace njc {
template <class T>
T& Expected<T>::value() {
  NJC_ASSERT(v_.index() == 0, "Expected has no value: " + std::get<1>(v_).message);
  return std::get<0>(v_);
}
template <class T>
const T& Expected<T>::value() const {
  NJC_ASSERT(v_.index() == 0, "Expected has no value: " + std::get<1>(v_).message);
  return std::get<0>(v_);
}
template <class T>
const Diag& Expected<T>::error() const {
  NJC_ASSERT(v_.index() == 1, "Expected holds a value, not an error");
  return std::get<1>(v_);
}
inline const Diag& Status::error() const {
  NJC_ASSERT(d_.has_value(), "Status is ok, not an error");
  return *d_;
}
}  // namespace njc
