// A JSON document that remembers where each value came from, so that any problem found later can be
// reported as `file:line:col: error: ...` with the JSON pointer of the offending part. Duplicate object
// keys are errors (plain JSON parsers keep the last one silently).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <optional>
#include <unordered_map>
#include <vector>

#include "ir/diag.h"

namespace njc {

class JsonDocument {
 public:
  // Parses text (the contents of `file`, used in diagnostics). Fails on malformed JSON or duplicate keys.
  static Expected<JsonDocument> parse(std::string text, std::string file);

  const nlohmann::json& root() const { return root_; }
  const std::string& file() const { return file_; }
  const std::string& text() const { return text_; }

  // A Diag at the value (or object member) with this RFC 6901 pointer; if the pointer is not in the
  // document, at its nearest ancestor that is.
  Diag error_at(const std::string& pointer, std::string message) const;

  // Appends one reference token to a pointer, escaping '~' and '/'.
  static std::string child(const std::string& pointer, const std::string& token);
  static std::string child(const std::string& pointer, size_t index) {
    return pointer + "/" + std::to_string(index);
  }

 private:
  void set_position(Diag& d, size_t offset) const;
  // Where the value at this pointer starts, if the document has it.
  std::optional<size_t> offset_of(const std::string& pointer) const;

  nlohmann::json root_;
  std::string text_;
  std::string file_;
  std::unordered_map<std::string, size_t> offsets_;  // pointer -> byte offset: the root, objects' members
  std::unordered_map<std::string, std::vector<size_t>> element_offsets_;  // array pointer -> its elements'
};

}  // namespace njc
