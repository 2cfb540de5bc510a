// The on-disk code cache (code_cache.h): entry encoding, checks and atomic writes.
#include "runtime/code_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "backend-x86/target_features.h"
#include "njc/version.h"

namespace njc::runtime {

namespace {

constexpr char kMagic[8] = {'N', 'J', 'C', 'C', 'O', 'D', 'E', '\0'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kMaxEntryBytes = size_t{256} << 20;  // larger files are not entries of ours

// The entries' checksum: 64-bit words mixed multiply-xorshift style (FNV-1a's step a word at a time, on
// four independent lanes: an entry holds the kernel's weights, often hundreds of KiB), then the tail.
uint64_t mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

uint64_t checksum(const uint8_t* p, size_t n) {
  uint64_t lane[4] = {0xcbf29ce484222325ull ^ n, 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full,
                      0x165667b19e3779f9ull};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int l = 0; l < 4; ++l) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * l, 8);
      lane[l] = mix(lane[l], w);
    }
  uint64_t h = mix(mix(mix(lane[0], lane[1]), lane[2]), lane[3]);
  for (; i < n; ++i) h = mix(h, p[i]);
  return h ^ (h >> 32);
}

class ByteWriter {
 public:
  template <typename T>
  void put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  void put_bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes.insert(bytes.end(), b, b + n);
  }
  std::vector<uint8_t> bytes;
};

// Reads fields in order; any read past the end makes ok() false and returns zeros.
class ByteReader {
 public:
  ByteReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  template <typename T>
  T get() {
    T v{};
    if (take(sizeof(T))) std::memcpy(&v, p_ + at_ - sizeof(T), sizeof(T));
    return v;
  }
  const uint8_t* get_bytes(size_t n) { return take(n) ? p_ + at_ - n : nullptr; }
  bool ok() const { return ok_; }

 private:
  bool take(size_t n) {
    if (!ok_ || n > n_ - at_) return ok_ = false;
    at_ += n;
    return true;
  }
  const uint8_t* p_;
  size_t n_, at_ = 0;
  bool ok_ = true;
};

std::vector<int64_t> instance_buffer_sizes(const loop::Kernel& k) {
  std::vector<int64_t> sizes;
  for (const loop::Buffer& b : k.buffers)
    if (b.kind != loop::BufferKind::kParam) sizes.push_back(b.size());
  return sizes;
}

std::vector<uint8_t> encode_entry(const KernelKey& key, const JitKernel& j) {
  ByteWriter w;
  w.put_bytes(kMagic, sizeof kMagic);
  w.put(kFormatVersion);
  w.put(key.lo);
  w.put(key.hi);
  const std::string version = NJC_VERSION_STRING;
  w.put(static_cast<uint16_t>(version.size()));
  w.put_bytes(version.data(), version.size());
  w.put(static_cast<int32_t>(j.stats().code_bytes));
  w.put(static_cast<int32_t>(j.stats().spilled_values));
  w.put(static_cast<int32_t>(j.stats().frame_bytes));
  std::vector<int64_t> sizes = instance_buffer_sizes(j.kernel());
  w.put(static_cast<uint32_t>(sizes.size()));
  for (int64_t s : sizes) w.put(s);
  w.put(static_cast<uint64_t>(j.code_bytes()));
  w.put_bytes(j.code(), j.code_bytes());
  w.put(checksum(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

struct DecodedEntry {
  x86::CodegenStats stats;
  const uint8_t* code = nullptr;
  size_t code_size = 0;
};

// The entry's code if it is a sound entry for (key, k); else why not.
std::optional<DecodedEntry> decode_entry(const std::vector<uint8_t>& bytes, const KernelKey& key,
                                         const loop::Kernel& k, std::string* why) {
  if (bytes.size() < sizeof kMagic + sizeof(uint64_t) ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    *why = "not an njc code cache entry";
    return std::nullopt;
  }
  size_t body = bytes.size() - sizeof(uint64_t);
  uint64_t sum;
  std::memcpy(&sum, bytes.data() + body, sizeof sum);
  if (sum != checksum(bytes.data(), body)) {
    *why = "checksum mismatch (truncated or corrupted)";
    return std::nullopt;
  }
  ByteReader r(bytes.data(), body);
  r.get_bytes(sizeof kMagic);
  if (r.get<uint32_t>() != kFormatVersion) {
    *why = "another entry format";
    return std::nullopt;
  }
  KernelKey stored;
  stored.lo = r.get<uint64_t>();
  stored.hi = r.get<uint64_t>();
  const auto version_size = r.get<uint16_t>();
  const uint8_t* version = r.get_bytes(version_size);
  if (!r.ok() || std::string(reinterpret_cast<const char*>(version), version_size) != NJC_VERSION_STRING) {
    *why = "written by another njc version";
    return std::nullopt;
  }
  if (!(stored == key)) {
    *why = "holds another kernel";
    return std::nullopt;
  }
  DecodedEntry e;
  e.stats.code_bytes = r.get<int32_t>();
  e.stats.spilled_values = r.get<int32_t>();
  e.stats.frame_bytes = r.get<int32_t>();
  const std::vector<int64_t> want = instance_buffer_sizes(k);
  bool same_buffers = r.get<uint32_t>() == want.size();
  for (size_t i = 0; same_buffers && i < want.size(); ++i) same_buffers = r.get<int64_t>() == want[i];
  if (!same_buffers) {
    *why = "its kernel has other buffers";
    return std::nullopt;
  }
  e.code_size = static_cast<size_t>(r.get<uint64_t>());
  e.code = r.get_bytes(e.code_size);
  if (!r.ok() || e.code_size == 0 || e.stats.code_bytes <= 0 ||
      static_cast<size_t>(e.stats.code_bytes) > e.code_size) {
    *why = "malformed";
    return std::nullopt;
  }
  return e;
}

// The whole file, or nullopt when it does not exist (a miss); *why says why another failure.
std::optional<std::vector<uint8_t>> read_file(const std::string& path, std::string* why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) *why = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::vector<uint8_t> bytes;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) <= kMaxEntryBytes) {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < bytes.size()) {
      ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    bytes.resize(got);
  } else {
    *why = "not a regular file of at most 256 MiB";
  }
  ::close(fd);
  if (!why->empty()) return std::nullopt;
  return bytes;
}

bool write_all(int fd, const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Creates dir (and missing parents) with mode 0700.
bool make_dirs(const std::string& dir) {
  for (size_t at = 1; at <= dir.size(); ++at) {
    if (at != dir.size() && dir[at] != '/') continue;
    std::string prefix = dir.substr(0, at);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return true;
}

}  // namespace

Expected<std::shared_ptr<CodeCache>> CodeCache::open(const std::string& dir, Warn warn) {
  auto fail = [&](const std::string& why) { return Diag{dir, 0, 0, "", "code cache: " + why}; };
  if (dir.empty()) return fail("no directory given");
  if (!make_dirs(dir)) return fail(std::string("cannot create the directory: ") + std::strerror(errno));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return fail(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fail("not a directory");
  if (st.st_uid != ::geteuid())
    return fail("the directory belongs to another user (it holds code that njc runs)");
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fail("the directory is writable by other users (it holds code that njc runs); chmod go-w it");
  if (!warn) warn = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  return std::shared_ptr<CodeCache>(new CodeCache(dir, std::move(warn)));
}

std::string CodeCache::entry_path(const KernelKey& key) const {
  char name[40];
  std::snprintf(name, sizeof name, "%016llx%016llx.njck", static_cast<unsigned long long>(key.hi),
                static_cast<unsigned long long>(key.lo));
  return dir_ + "/" + name;
}

void CodeCache::reject(const std::string& path, const std::string& why) {
  ++rejected_;
  warn_("njc: warning: code cache: ignoring " + path + ": " + why);
}

std::optional<JitKernel> CodeCache::load(const KernelKey& key, const loop::Kernel& k) {
  const std::string path = entry_path(key);
  std::string why;
  std::optional<std::vector<uint8_t>> bytes = read_file(path, &why);
  if (!bytes) {
    if (why.empty())
      ++misses_;
    else
      reject(path, why);
    return std::nullopt;
  }
  std::optional<DecodedEntry> e = decode_entry(*bytes, key, k, &why);
  if (!e) {
    reject(path, why);
    return std::nullopt;
  }
  Expected<JitKernel> j = place_code(k, e->code, e->code_size, e->stats);
  if (!j) {
    reject(path, j.error().message);
    return std::nullopt;
  }
  ++hits_;
  return std::move(*j);
}

void CodeCache::store(const KernelKey& key, const JitKernel& j) {
  const std::string path = entry_path(key);
  const std::string temp =
      dir_ + "/.tmp." + std::to_string(::getpid()) + "." + std::to_string(temp_counter_++);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && write_all(fd, encode_entry(key, j));
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (ok) ok = ::rename(temp.c_str(), path.c_str()) == 0;
  if (!ok) {
    std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    warn_("njc: warning: code cache: cannot write " + path + ": " + why);
    return;
  }
  ++stored_;
}

Expected<JitKernel> CodeCache::load_or_compile(const loop::Kernel& k, const JitOptions& o,
                                               const KernelKey& key) {
  if (o.emit_asm || !x86::target_supported(o.target, x86::host_cpu())) return compile(k, o);
  if (std::optional<JitKernel> hit = load(key, k)) return std::move(*hit);
  Expected<JitKernel> j = compile(k, o);
  if (j) store(key, *j);
  return j;
}

CodeCacheStats CodeCache::stats() const {
  return {hits_.load(), misses_.load(), rejected_.load(), stored_.load()};
}

}  // namespace njc::runtime
