// Temporary file + rename(2), which is atomic within one file system.
#include "tools/atomic_file.h"

#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace njc::tools {

Status write_file_atomically(const std::string& path, const std::string& content) {
  auto fail = [&](const char* what) {
    return Status(
        Diag{path, 0, 0, "", std::string("cannot ") + what + " output file: " + std::strerror(errno)});
  };
  std::string tmp = path + ".njc-tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return fail("create");
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = fail("write");
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = fail("write");
    unlink(tmp.c_str());
    return s;
  }
  return Status::ok();
}

}  // namespace njc::tools
