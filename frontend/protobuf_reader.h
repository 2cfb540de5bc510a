// A reader of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/), enough to decode
// the few ONNX messages the ONNX importer needs (onnx_model.h) without a protobuf library. It never trusts
// its input: every length is checked against the bytes left, and a malformed field is an error value.
//
// A message is a sequence of fields; each field is a key then a payload:
//
//   key (varint) = field_number << 3 | wire_type
//   +--------------------------+-----------+
//   | field number (29 bits)   | type (3)  |
//   +--------------------------+-----------+
//
//   wire type 0 VARINT  base-128 varint (int32, int64, uint64, bool, enum)
//   wire type 1 I64     8 bytes little-endian (fixed64, double)
//   wire type 2 LEN     varint byte count, then that many bytes (string, bytes, message, packed repeated)
//   wire type 5 I32     4 bytes little-endian (fixed32, float)
//   wire types 3, 4     groups (deprecated since proto2): refused
//
// A varint is 1 to 10 bytes, 7 payload bits each, least significant group first; the top bit says
// "more bytes follow":
//
//   byte 0: 1 bbbbbbb   bits 0..6
//   byte 1: 1 bbbbbbb   bits 7..13
//   ...
//   byte k: 0 bbbbbbb   last byte (top bit clear)
//
// A negative int32/int64 is sign-extended to 64 bits and so takes all 10 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/diag.h"

namespace njc::protobuf {

enum class WireType : uint8_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

// One decoded field. For kVarint, kI64 and kI32 the payload is in `scalar` (the raw bits for I64/I32);
// for kLen it is `bytes`, a view into the reader's buffer.
struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t scalar = 0;
  std::string_view bytes;
};

// Reads the fields of one message in order. Errors are Diags with only a message; the caller names the file.
class Reader {
 public:
  explicit Reader(std::string_view message) : rest_(message) {}
  bool at_end() const { return rest_.empty(); }
  // The next field; fails on a truncated or malformed field, a field number 0 or a group.
  Expected<Field> next();

 private:
  std::string_view rest_;
};

// Decodes one varint at the start of `in`, advancing it; false if `in` ends first or it runs past 10 bytes.
bool read_varint(std::string_view& in, uint64_t& value);

// The value of a repeated scalar field occurrence, appended to `out`: a packed LEN run or a single
// value. Fails when a packed run is truncated or the wire type does not fit.
Status append_varints(const Field& f, std::vector<int64_t>& out);
Status append_floats(const Field& f, std::vector<float>& out);
Status append_doubles(const Field& f, std::vector<double>& out);

// The float / double stored in an I32 / I64 field.
float as_float(const Field& f);
double as_double(const Field& f);

}  // namespace njc::protobuf
