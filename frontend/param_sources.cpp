// Loading param data from each source, with the checks that keep garbage out: counts, file sizes,
// finiteness.
#include "frontend/param_sources.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "frontend/deterministic_init.h"
#include "frontend/file_reader.h"

namespace njc {

namespace {

// Nested arrays deeper than any tensor's rank are refused before they can exhaust the stack.
constexpr int kMaxNesting = 32;

Status append_flattened(const JsonDocument& doc, const nlohmann::json& v, const std::string& pointer,
                        std::vector<float>& out, int depth = 0) {
  if (v.is_array()) {
    if (depth >= kMaxNesting) return doc.error_at(pointer, "weights are nested too deeply");
    for (size_t i = 0; i < v.size(); ++i)
      if (Status s = append_flattened(doc, v[i], JsonDocument::child(pointer, i), out, depth + 1); !s)
        return s;
    return Status::ok();
  }
  if (!v.is_number()) return doc.error_at(pointer, "a weight must be a number, not " + json_type_text(v));
  double d = v.get<double>();
  float f = static_cast<float>(d);
  if (!std::isfinite(f)) return doc.error_at(pointer, "weight " + v.dump() + " is not a finite fp32 value");
  out.push_back(f);
  return Status::ok();
}

Expected<std::vector<float>> inline_data(const JsonObject& p, const JsonDocument& doc, int64_t count) {
  if (!p.get("data").is_array()) return p.error("data", "'data' must be an array of numbers");
  std::vector<float> out;
  out.reserve(static_cast<size_t>(count));
  if (Status s = append_flattened(doc, p.get("data"), p.pointer_of("data"), out); !s) return s.error();
  if (static_cast<int64_t>(out.size()) != count)
    return p.error("data", "'data' has " + std::to_string(out.size()) + " values but the shape needs " +
                               std::to_string(count));
  return out;
}

// The canonical absolute path (symbolic links followed), or empty when it does not resolve.
std::string canonical(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return "";
  std::string out = real;
  std::free(real);
  return out;
}

// Empty when `full` may be read as a weight file of a model in files.dir; else why not.
std::string outside_reason(const std::string& full, const WeightFiles& files) {
  if (files.anywhere) return "";
  const std::string dir = canonical(files.dir), file = canonical(full);
  if (dir.empty() || file.empty()) return "";  // the open below reports what is missing
  if (file.starts_with(dir == "/" ? dir : dir + "/")) return "";
  return "weight file '" + full + "' lies outside the model's directory '" + files.dir +
         "'; models may only read files beside or below them unless allowed (njc --weights-anywhere, "
         "ReadOptions::weights_anywhere)";
}

Expected<std::vector<float>> file_data(const JsonObject& p, int64_t count, const WeightFiles& files) {
  auto path = p.optional_string("file", "");
  if (!path) return path.error();
  auto offset = p.optional_int("offset", 0, 0, INT64_MAX / 2);
  if (!offset) return offset.error();
  if (path->find('\0') != std::string::npos) return p.error("file", "the weight file's name has a NUL character");
  std::string full = (!path->empty() && (*path)[0] == '/') ? *path : files.dir + "/" + *path;
  if (std::string why = outside_reason(full, files); !why.empty()) return p.error("file", why);
  if (access(full.c_str(), F_OK) == 0)  // a missing file is reported by the open below
    if (std::string why = why_not_regular_file(full); !why.empty())
      return p.error("file", "weight file '" + full + "' " + why);
  std::ifstream in(full, std::ios::binary | std::ios::ate);
  if (!in) return p.error("file", "cannot open weight file '" + full + "': " + std::strerror(errno));
  int64_t size = static_cast<int64_t>(in.tellg());
  int64_t need = count * 4;
  if (size < *offset + need)
    return p.error("file", "weight file '" + full + "' has " + std::to_string(size) + " bytes; " +
                               std::to_string(need) + " bytes at offset " + std::to_string(*offset) +
                               " are needed");
  std::vector<unsigned char> bytes(static_cast<size_t>(need));
  in.seekg(*offset);
  in.read(reinterpret_cast<char*>(bytes.data()), need);
  if (!in) return p.error("file", "cannot read weight file '" + full + "'");
  std::vector<float> out(static_cast<size_t>(count));
  for (size_t i = 0; i < out.size(); ++i) {
    uint32_t bits = uint32_t{bytes[4 * i]} | uint32_t{bytes[4 * i + 1]} << 8 |
                    uint32_t{bytes[4 * i + 2]} << 16 |
                    uint32_t{bytes[4 * i + 3]} << 24;  // little-endian on any host
    std::memcpy(&out[i], &bits, 4);
    if (!std::isfinite(out[i]))
      return p.error("file",
                     "weight file '" + full + "' has a non-finite value at index " + std::to_string(i));
  }
  return out;
}

Expected<std::vector<float>> init_data(const JsonObject& p, const JsonDocument& doc, int64_t count) {
  auto o = JsonObject::at(doc, p.get("init"), p.pointer_of("init"), "'init'");
  if (!o) return o.error();
  if (Status s = o->check_keys({"kind", "seed", "value", "low", "high", "mean", "std"}); !s) return s.error();
  InitSpec spec;
  auto kind = o->required_string("kind");
  if (!kind) return kind.error();
  spec.kind = *kind;
  if (spec.kind != "zeros" && spec.kind != "ones" && spec.kind != "constant" && spec.kind != "uniform" &&
      spec.kind != "normal")
    return o->error("kind",
                    "unknown initializer '" + spec.kind + "' (zeros, ones, constant, uniform, normal)");
  auto seed = o->optional_int("seed", 0, 0, INT64_MAX);
  auto value = o->optional_number("value", 0), low = o->optional_number("low", -1),
       high = o->optional_number("high", 1);
  auto mean = o->optional_number("mean", 0), stddev = o->optional_number("std", 1);
  for (auto* e : {&value, &low, &high, &mean, &stddev})
    if (!*e) return e->error();
  if (!seed) return seed.error();
  spec.seed = static_cast<uint64_t>(*seed), spec.value = *value, spec.low = *low, spec.high = *high;
  spec.mean = *mean, spec.stddev = *stddev;
  if (spec.kind == "uniform" && !(spec.low <= spec.high))
    return o->error("low", "'low' must not exceed 'high'");
  if (spec.kind == "normal" && !(spec.stddev >= 0)) return o->error("std", "'std' must be >= 0");
  std::vector<float> out = deterministic_values(spec, count);
  for (float f : out)
    if (!std::isfinite(f)) return o->error("the initializer produces non-finite fp32 values");
  return out;
}

}  // namespace

Expected<std::vector<float>> load_param_data(const JsonObject& p, const Shape& shape,
                                             const WeightFiles& files) {
  int sources = p.has("data") + p.has("file") + p.has("init");
  if (sources != 1)
    return p.error("a param needs exactly one of 'data', 'file' or 'init' (found " + std::to_string(sources) +
                   ")");
  int64_t count = num_elements(shape);
  if (p.has("data")) return inline_data(p, p.doc(), count);
  if (p.has("file")) return file_data(p, count, files);
  return init_data(p, p.doc(), count);
}

}  // namespace njc
