// The tuning cache's JSON file: strict, bounded reading (any doubt → ignore the file), writing that merges
// with other processes under a file lock and replaces the file atomically.
#include "runtime/tuning_cache.h"

#include <cpuid.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/file_reader.h"
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

namespace {

using Entries = std::map<std::pair<std::string, std::string>, TuningEntry>;

// Bounds on what a cache may hold: a file written by a hostile or broken program must not make a run read
// gigabytes or apply a pipeline of a million passes.
constexpr int64_t kMaxCacheBytes = 64 << 20;
constexpr size_t kMaxEntries = 65536, kMaxPipeline = 4096, kMaxName = 256;

// The entries of a cache file's text, or why it is not one.
Expected<Entries> parse_cache(const std::string& text) {
  auto fail = [](const std::string& why) { return Diag{"", 0, 0, "", why}; };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("not valid JSON");
  if (!j.is_object() || j.value("format", "") != kFormat) return fail("not an njc tuning cache");
  if (!j.contains("version") || j["version"] != kVersion) return fail("unsupported version");
  if (!j.contains("entries") || !j["entries"].is_array()) return fail("no entries array");
  if (j["entries"].size() > kMaxEntries) return fail("more than " + std::to_string(kMaxEntries) + " entries");
  Entries read;
  for (const nlohmann::json& e : j["entries"]) {
    if (!e.is_object()) return fail("an entry is not an object");
    for (const char* field : {"cpu", "kernel", "name", "pipeline"})
      if (!e.contains(field) || !e[field].is_string())
        return fail(std::string("an entry lacks the string \"") + field + "\"");
    if (!e.contains("cycles_per_call") || !e["cycles_per_call"].is_number())
      return fail("an entry lacks cycles_per_call");
    std::string sig = e["kernel"];
    if (!is_hex32(sig)) return fail("an entry's kernel signature is not 32 hex digits");
    if (e["pipeline"].get_ref<const std::string&>().size() > kMaxPipeline)
      return fail("an entry's pipeline is longer than " + std::to_string(kMaxPipeline) + " characters");
    if (e["name"].get_ref<const std::string&>().size() > kMaxName ||
        e["cpu"].get_ref<const std::string&>().size() > kMaxName)
      return fail("an entry's name is longer than " + std::to_string(kMaxName) + " characters");
    TuningEntry te{e["name"], e["pipeline"], e["cycles_per_call"].get<double>()};
    read[{e["cpu"], sig}] = std::move(te);
  }
  return read;
}

// An exclusive advisory lock on `path`.lock, held for the object's life: processes sharing one cache
// merge their entries one at a time instead of the last writer dropping the others'.
class CacheLock {
 public:
  explicit CacheLock(const std::string& path)
      : fd_(open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~CacheLock() {
    if (fd_ >= 0) close(fd_);  // closing releases the lock
  }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_;
};

bool is_special_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

}  // namespace

bool TuningCache::load(std::string* warning) {
  auto fail = [&](const std::string& why) {
    if (warning) *warning = "njc: warning: ignoring tuning cache " + path_ + ": " + why;
    std::lock_guard lock(mu_);
    entries_.clear();
    return false;
  };
  if (access(path_.c_str(), F_OK) != 0) {
    std::lock_guard lock(mu_);
    entries_.clear();
    return true;  // no cache yet
  }
  auto text = read_regular_file(path_, kMaxCacheBytes);
  if (!text) return fail(text.error().message);
  auto read = parse_cache(*text);
  if (!read) return fail(read.error().message);
  std::lock_guard lock(mu_);
  entries_ = std::move(*read);
  return true;
}

namespace {

// The permission bits of an existing file, or -1 (a new cache gets 0666 minus the umask).
int existing_mode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// Creates `path` (never through an existing file or symlink: O_EXCL) with `text`, mode 0666 minus the
// umask or `mode` when >= 0. False on any failure.
bool write_new_file(const std::string& path, const std::string& text, int mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  bool ok = mode < 0 || fchmod(fd, static_cast<mode_t>(mode)) == 0;
  for (size_t done = 0; ok && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  return close(fd) == 0 && ok;
}

}  // namespace

Status TuningCache::save() const {
  CacheLock file_lock(path_);
  // Merge: what other processes saved since this one loaded stays; this process's entries win.
  Entries merged;
  if (!is_special_file(path_) && access(path_.c_str(), F_OK) == 0)
    if (auto text = read_regular_file(path_, kMaxCacheBytes))
      if (auto on_disk = parse_cache(*text)) merged = std::move(*on_disk);
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, e] : entries_) merged[key] = e;
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& [key, e] : merged)
    entries.push_back({{"cpu", key.first},
                       {"kernel", key.second},
                       {"name", e.name},
                       {"pipeline", e.pipeline},
                       {"cycles_per_call", e.cycles_per_call}});
  nlohmann::json j = {{"format", kFormat}, {"version", kVersion}, {"entries", entries}};
  const std::string text = j.dump(1) + "\n";
  if (is_special_file(path_)) {  // /dev/null, a FIFO: written in place, never replaced
    std::ofstream out(path_, std::ios::binary);
    if (!(out << text) || !out.flush()) return Diag{path_, 0, 0, "", "cannot write the tuning cache"};
    return {};
  }
  std::string tmp = path_ + ".tmp." + std::to_string(getpid());
  unlink(tmp.c_str());  // a stale one of an earlier process with this pid (a symlink: the link goes)
  if (!write_new_file(tmp, text, existing_mode(path_))) {
    std::remove(tmp.c_str());
    return Diag{path_, 0, 0, "", "cannot write the tuning cache"};
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

void TuningCache::load_or_warn() {
  std::string warning;
  if (!load(&warning)) std::fprintf(stderr, "%s\n", warning.c_str());
}

void TuningCache::save_or_warn() const {
  if (Status s = save(); !s)
    std::fprintf(stderr, "njc: warning: tuning cache not saved: %s: %s\n", s.error().file.c_str(),
                 s.error().message.c_str());
}

}  // namespace njc::runtime
