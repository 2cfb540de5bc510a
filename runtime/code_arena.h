// Executable memory for JIT-compiled kernels: a pooled arena of mmap'ed chunks, handed out in page-granular
// blocks. A block is only ever readable+writable (while a WriteWindow is open on it) or readable+executable
// (otherwise) — never both — so the process never has a W+X mapping.
//
//   CodeArena arena;
//   CodeBlock b = arena.allocate(bytes.size());
//   { WriteWindow w(b); std::memcpy(w.data(), bytes.data(), bytes.size()); }  // RW, then back to RX
//   auto fn = reinterpret_cast<void (*)(float* const*)>(b.data());
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace njc::runtime {

class CodeArena;

// A page-aligned range of executable memory. Owned by the arena: release() returns it to the pool.
struct CodeBlock {
  uint8_t* ptr = nullptr;
  size_t size = 0;  // a multiple of the page size
  void* data() const { return ptr; }
  explicit operator bool() const { return ptr != nullptr; }
};

class CodeArena {
 public:
  // chunk_bytes: size of each mmap (rounded up to pages); blocks larger than a chunk get their own.
  explicit CodeArena(size_t chunk_bytes = size_t{1} << 20);
  ~CodeArena();
  CodeArena(const CodeArena&) = delete;
  CodeArena& operator=(const CodeArena&) = delete;

  // A block of at least bytes (> 0), mapped read+execute. Returns an empty block if mmap fails.
  CodeBlock allocate(size_t bytes);
  // Gives b back to the pool (its pages stay mapped, PROT_NONE-free reuse). b must come from this arena.
  void release(CodeBlock b);

  size_t mapped_bytes() const;  // total mmap'ed by this arena
  static size_t page_size();

  // Process-wide arena used by the JIT.
  static CodeArena& global();

 private:
  struct Chunk {
    uint8_t* base;
    size_t size;
  };
  mutable std::mutex mu_;
  size_t chunk_bytes_;
  std::vector<Chunk> chunks_;
  std::vector<CodeBlock> free_;  // best fit, neighbours not merged (kernels are similar in size)
};

// RAII write access to a block: switches it to read+write on construction and back to read+execute on
// destruction (also flushing nothing: x86 keeps instruction caches coherent). ok() is false if mprotect
// failed; the block then stays as it was.
class WriteWindow {
 public:
  explicit WriteWindow(CodeBlock b);
  ~WriteWindow();
  WriteWindow(const WriteWindow&) = delete;
  WriteWindow& operator=(const WriteWindow&) = delete;
  bool ok() const { return ok_; }
  uint8_t* data() const { return b_.ptr; }

 private:
  CodeBlock b_;
  bool ok_;
};

}  // namespace njc::runtime
