// Typed JSON member access with located errors.
#include "frontend/json_fields.h"

namespace njc {

std::string json_type_text(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::number_float:
      return "a number";
    default:
      return "an integer";
  }
}

Expected<JsonObject> JsonObject::at(const JsonDocument& doc, const nlohmann::json& value, std::string pointer,
                                    const char* what) {
  if (!value.is_object())
    return doc.error_at(pointer, std::string(what) + " must be a JSON object, not " + json_type_text(value));
  return JsonObject(doc, value, std::move(pointer));
}

Status JsonObject::check_keys(std::initializer_list<const char*> allowed) const {
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok |= it.key() == a;
    if (ok) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return doc_->error_at(JsonDocument::child(pointer_, it.key()),
                          "unknown key '" + it.key() + "' (expected one of: " + list + ")");
  }
  return Status::ok();
}

Expected<std::string> JsonObject::required_string(const char* key) const {
  if (!has(key)) return error("missing required key '" + std::string(key) + "'");
  return optional_string(key, "");
}

Expected<std::string> JsonObject::optional_string(const char* key, std::string dflt) const {
  if (!has(key)) return dflt;
  const nlohmann::json& v = get(key);
  if (!v.is_string())
    return error(key, "'" + std::string(key) + "' must be a string, not " + json_type_text(v));
  return v.get<std::string>();
}

Expected<int64_t> JsonObject::optional_int(const char* key, int64_t dflt, int64_t lo, int64_t hi) const {
  if (!has(key)) return dflt;
  const nlohmann::json& v = get(key);
  if (!v.is_number_integer()) return error(key, "'" + std::string(key) + "' must be an integer");
  int64_t i = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                  ? INT64_MAX
                  : v.get<int64_t>();
  if (i < lo || i > hi)
    return error(key, "'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " +
                          std::to_string(hi) + ", got " + std::to_string(i));
  return i;
}

Expected<double> JsonObject::optional_number(const char* key, double dflt) const {
  if (!has(key)) return dflt;
  const nlohmann::json& v = get(key);
  if (!v.is_number()) return error(key, "'" + std::string(key) + "' must be a number");
  return v.get<double>();
}

Expected<Shape> JsonObject::required_shape(const char* key) const {
  if (!has(key)) return error("missing required key '" + std::string(key) + "'");
  const nlohmann::json& v = get(key);
  if (!v.is_array())
    return error(key, "'" + std::string(key) + "' must be an array of dimensions ([] for a scalar)");
  if (v.size() > kMaxRank)
    return error(key, "a shape has at most " + std::to_string(kMaxRank) + " dimensions, this one has " +
                          std::to_string(v.size()));
  Shape shape;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string p = JsonDocument::child(pointer_of(key), i);
    if (!v[i].is_number_integer() || v[i].get<int64_t>() < 1 || v[i].get<int64_t>() > kMaxTensorElements)
      return doc_->error_at(p, "a dimension must be an integer between 1 and 2^28");
    shape.push_back(v[i].get<int64_t>());
    if (!shape_within_limits(shape)) return error(key, "shape " + v.dump() + " has more than 2^28 elements");
  }
  return shape;
}

Expected<std::vector<std::string>> JsonObject::string_list(const char* key, bool allow_empty_strings) const {
  if (!has(key)) return error("missing required key '" + std::string(key) + "'");
  const nlohmann::json& v = get(key);
  if (!v.is_array()) return error(key, "'" + std::string(key) + "' must be an array of names");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string p = JsonDocument::child(pointer_of(key), i);
    if (!v[i].is_string()) return doc_->error_at(p, "a name must be a string, not " + json_type_text(v[i]));
    if (v[i].get<std::string>().empty() && !allow_empty_strings)
      return doc_->error_at(p, "a name must not be empty");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

}  // namespace njc
