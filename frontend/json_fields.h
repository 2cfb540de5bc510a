// Typed access to the members of a JSON object with precise errors: each getter names the JSON pointer
// of the member it rejects, and check_keys rejects members the format does not define.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontend/json_document.h"
#include "ir/tensor.h"

namespace njc {

class JsonObject {
 public:
  // Fails unless the value at `pointer` is an object. `what` names it in messages ("a node").
  static Expected<JsonObject> at(const JsonDocument& doc, const nlohmann::json& value, std::string pointer,
                                 const char* what);

  // Fails on the first member whose key is not in `allowed`.
  Status check_keys(std::initializer_list<const char*> allowed) const;

  bool has(const char* key) const { return value_->contains(key); }
  const nlohmann::json& get(const char* key) const { return (*value_)[key]; }
  std::string pointer_of(const char* key) const { return JsonDocument::child(pointer_, key); }
  const std::string& pointer() const { return pointer_; }
  const JsonDocument& doc() const { return *doc_; }
  Diag error(const char* key, std::string message) const {
    return doc_->error_at(pointer_of(key), std::move(message));
  }
  Diag error(std::string message) const { return doc_->error_at(pointer_, std::move(message)); }

  Expected<std::string> required_string(const char* key) const;
  Expected<std::string> optional_string(const char* key, std::string dflt) const;
  // An integer in [lo, hi].
  Expected<int64_t> optional_int(const char* key, int64_t dflt, int64_t lo, int64_t hi) const;
  Expected<double> optional_number(const char* key, double dflt) const;
  // An array of integers >= 1 ([] is a scalar).
  Expected<Shape> required_shape(const char* key) const;
  Expected<std::vector<std::string>> string_list(const char* key, bool allow_empty_strings) const;

 private:
  JsonObject(const JsonDocument& doc, const nlohmann::json& value, std::string pointer)
      : doc_(&doc), value_(&value), pointer_(std::move(pointer)) {}
  const JsonDocument* doc_;
  const nlohmann::json* value_;
  std::string pointer_;
};

// "an object", "a string", ... for messages.
std::string json_type_text(const nlohmann::json& v);

}  // namespace njc
