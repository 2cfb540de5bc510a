// Test helper: a fresh directory under the system's temporary folder, removed with everything in it at
// scope exit. Tests write only inside one.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace njc::test {

class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "njc-test-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace njc::test
