// Temporary file + rename(2), which is atomic within one file system; in place for special files.
#include "tools/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace njc::tools {

namespace {

Status failure(const std::string& path, const char* what) {
  return Status(Diag{path, 0, 0, "", std::string("cannot ") + what + " output file: " + std::strerror(errno)});
}

// Writes all of content to fd; false with errno set on failure.
bool write_all(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// The mode open(2) gives a new file: 0666 minus the umask (read without changing it for good).
mode_t new_file_mode() {
  const mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

Status write_in_place(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return failure(path, "open");
  if (!write_all(fd, content)) {
    Status s = failure(path, "write");
    close(fd);
    return s;
  }
  if (close(fd) != 0) return failure(path, "write");
  return Status::ok();
}

}  // namespace

Status write_file_atomically(const std::string& path, const std::string& content) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      return failure(path, "write");
    }
    return write_in_place(path, content);
  }
  std::string tmp = path + ".njc-tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return failure(path, "create");
  // An existing file keeps its mode; a new one gets what the umask allows.
  const mode_t mode = stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : new_file_mode();
  if (fchmod(fd, mode) != 0 || !write_all(fd, content) || fsync(fd) != 0) {
    Status s = failure(path, "write");
    close(fd);
    unlink(tmp.c_str());
    return s;
  }
  if (close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = failure(path, "write");
    unlink(tmp.c_str());
    return s;
  }
  return Status::ok();
}

}  // namespace njc::tools
