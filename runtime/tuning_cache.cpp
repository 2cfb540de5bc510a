// The tuning cache's JSON file: strict reading (any doubt → ignore the file), atomic writing.
#include "runtime/tuning_cache.h"

#include <cpuid.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/kernel_cache.h"

namespace njc::runtime {

namespace {
constexpr const char* kFormat = "njc-tuning-cache";
constexpr int kVersion = 1;

bool is_hex32(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}
}  // namespace

std::string cpu_model_name() {
  unsigned regs[12] = {};
  if (__get_cpuid_max(0x80000000u, nullptr) < 0x80000004u) return "unknown-cpu";
  for (unsigned leaf = 0; leaf < 3; ++leaf)
    __get_cpuid(0x80000002u + leaf, &regs[leaf * 4], &regs[leaf * 4 + 1], &regs[leaf * 4 + 2],
                &regs[leaf * 4 + 3]);
  std::string s(reinterpret_cast<const char*>(regs), sizeof regs);
  s = s.substr(0, s.find('\0'));
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "unknown-cpu" : s.substr(b, e - b + 1);
}

std::string kernel_signature(const loop::Kernel& k, x86::Target t) {
  JitOptions o;
  o.target = t;
  o.opt_level = -1;
  KernelKey key = kernel_key(k, o);
  return fmt::format("{:016x}{:016x}", key.hi, key.lo);
}

TuningCache::TuningCache(std::string path, std::string cpu) : path_(std::move(path)), cpu_(std::move(cpu)) {}

bool TuningCache::load(std::string* warning) {
  auto fail = [&](const std::string& why) {
    if (warning) *warning = "njc: warning: ignoring tuning cache " + path_ + ": " + why;
    std::lock_guard lock(mu_);
    entries_.clear();
    return false;
  };
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    std::lock_guard lock(mu_);
    entries_.clear();
    return access(path_.c_str(), F_OK) != 0 ? true : fail("cannot be read");
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("not valid JSON");
  if (!j.is_object() || j.value("format", "") != kFormat) return fail("not an njc tuning cache");
  if (!j.contains("version") || j["version"] != kVersion) return fail("unsupported version");
  if (!j.contains("entries") || !j["entries"].is_array()) return fail("no entries array");
  std::map<std::pair<std::string, std::string>, TuningEntry> read;
  for (const nlohmann::json& e : j["entries"]) {
    if (!e.is_object()) return fail("an entry is not an object");
    for (const char* field : {"cpu", "kernel", "name", "pipeline"})
      if (!e.contains(field) || !e[field].is_string())
        return fail(std::string("an entry lacks the string \"") + field + "\"");
    if (!e.contains("cycles_per_call") || !e["cycles_per_call"].is_number())
      return fail("an entry lacks cycles_per_call");
    std::string sig = e["kernel"];
    if (!is_hex32(sig)) return fail("an entry's kernel signature is not 32 hex digits");
    TuningEntry te{e["name"], e["pipeline"], e["cycles_per_call"].get<double>()};
    read[{e["cpu"], sig}] = std::move(te);
  }
  std::lock_guard lock(mu_);
  entries_ = std::move(read);
  return true;
}

Status TuningCache::save() const {
  nlohmann::json entries = nlohmann::json::array();
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, e] : entries_)
      entries.push_back({{"cpu", key.first},
                         {"kernel", key.second},
                         {"name", e.name},
                         {"pipeline", e.pipeline},
                         {"cycles_per_call", e.cycles_per_call}});
  }
  nlohmann::json j = {{"format", kFormat}, {"version", kVersion}, {"entries", entries}};
  std::string tmp = path_ + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(1) << "\n";
    if (!out.flush()) {
      std::remove(tmp.c_str());
      return Diag{path_, 0, 0, "", "cannot write the tuning cache"};
    }
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Diag{path_, 0, 0, "", "cannot replace the tuning cache"};
  }
  return {};
}

std::optional<TuningEntry> TuningCache::find(const std::string& signature) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find({cpu_, signature});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void TuningCache::put(const std::string& signature, TuningEntry e) {
  std::lock_guard lock(mu_);
  entries_[{cpu_, signature}] = std::move(e);
}

size_t TuningCache::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, e] : entries_) n += key.first == cpu_;
  return n;
}

}  // namespace njc::runtime
