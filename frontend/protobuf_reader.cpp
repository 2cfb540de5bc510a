// The protobuf wire-format reader (protobuf_reader.h): fields, varints and packed repeated scalars.
#include "frontend/protobuf_reader.h"

#include <cstring>

namespace njc::protobuf {

namespace {
Diag malformed(const std::string& why) {
  return Diag{"", 0, 0, "", "malformed protobuf: " + why};
}

// Takes n little-endian bytes off the front of `in`.
bool read_fixed(std::string_view& in, size_t n, uint64_t& value) {
  if (in.size() < n) return false;
  value = 0;
  for (size_t i = 0; i < n; ++i) value |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  in.remove_prefix(n);
  return true;
}

Status wrong_type(const Field& f, const char* wanted) {
  return malformed("field " + std::to_string(f.number) + " should be " + wanted);
}
}  // namespace

bool read_varint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (i >= in.size()) return false;
    uint8_t byte = static_cast<uint8_t>(in[i]);
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80u) == 0) {
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

Expected<Field> Reader::next() {
  uint64_t key = 0;
  if (!read_varint(rest_, key)) return malformed("a field key is truncated");
  Field f;
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) return malformed("field number 0 or out of range");
  f.number = static_cast<uint32_t>(key >> 3);
  switch (key & 7) {
    case 0:
      f.type = WireType::kVarint;
      if (!read_varint(rest_, f.scalar)) return malformed("a varint is truncated");
      return f;
    case 1:
      f.type = WireType::kI64;
      if (!read_fixed(rest_, 8, f.scalar)) return malformed("a 64-bit field is truncated");
      return f;
    case 5:
      f.type = WireType::kI32;
      if (!read_fixed(rest_, 4, f.scalar)) return malformed("a 32-bit field is truncated");
      return f;
    case 2: {
      f.type = WireType::kLen;
      uint64_t size = 0;
      if (!read_varint(rest_, size)) return malformed("a length is truncated");
      if (size > rest_.size())
        return malformed("field " + std::to_string(f.number) + " claims " + std::to_string(size) +
                         " bytes but only " + std::to_string(rest_.size()) + " are left (truncated file?)");
      f.bytes = rest_.substr(0, static_cast<size_t>(size));
      rest_.remove_prefix(static_cast<size_t>(size));
      return f;
    }
    default:
      return malformed("wire type " + std::to_string(key & 7) + " (groups or invalid)");
  }
}

Status append_varints(const Field& f, std::vector<int64_t>& out) {
  if (f.type == WireType::kVarint) {
    out.push_back(static_cast<int64_t>(f.scalar));
    return Status::ok();
  }
  if (f.type != WireType::kLen) return wrong_type(f, "a varint");
  std::string_view in = f.bytes;
  while (!in.empty()) {
    uint64_t v = 0;
    if (!read_varint(in, v)) return malformed("a packed varint is truncated");
    out.push_back(static_cast<int64_t>(v));
  }
  return Status::ok();
}

float as_float(const Field& f) {
  uint32_t bits = static_cast<uint32_t>(f.scalar);
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

double as_double(const Field& f) {
  double v;
  std::memcpy(&v, &f.scalar, sizeof v);
  return v;
}

Status append_floats(const Field& f, std::vector<float>& out) {
  if (f.type == WireType::kI32) {
    out.push_back(as_float(f));
    return Status::ok();
  }
  if (f.type != WireType::kLen) return wrong_type(f, "a float");
  if (f.bytes.size() % 4 != 0) return malformed("packed floats are not a multiple of 4 bytes");
  std::string_view in = f.bytes;
  uint64_t bits = 0;
  while (read_fixed(in, 4, bits)) out.push_back(as_float(Field{0, WireType::kI32, bits, {}}));
  return Status::ok();
}

Status append_doubles(const Field& f, std::vector<double>& out) {
  if (f.type == WireType::kI64) {
    out.push_back(as_double(f));
    return Status::ok();
  }
  if (f.type != WireType::kLen) return wrong_type(f, "a double");
  if (f.bytes.size() % 8 != 0) return malformed("packed doubles are not a multiple of 8 bytes");
  std::string_view in = f.bytes;
  uint64_t bits = 0;
  while (read_fixed(in, 8, bits)) out.push_back(as_double(Field{0, WireType::kI64, bits, {}}));
  return Status::ok();
}

}  // namespace njc::protobuf
