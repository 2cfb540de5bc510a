// Regular-file reading with a size limit (see file_reader.h).
#include "frontend/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace njc {

namespace {

std::string describe(const struct stat& st) {
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  return "";
}

}  // namespace

std::string why_not_regular_file(const std::string& path) {
  if (path.find('\0') != std::string::npos) return "has a NUL character in its name";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::string("cannot open file: ") + std::strerror(errno);
  return describe(st);
}

Expected<std::string> read_regular_file(const std::string& path, int64_t max_bytes) {
  auto fail = [&](const std::string& why) { return Diag{path, 0, 0, "", why}; };
  if (std::string why = why_not_regular_file(path); !why.empty()) return fail(why);
  // O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not wait for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(std::string("cannot open file: ") + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !describe(st).empty()) {
    close(fd);
    return fail("is not a regular file");
  }
  if (st.st_size > max_bytes) {
    close(fd);
    return fail("is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::string("cannot read file: ") + std::strerror(errno);
      close(fd);
      return fail(why);
    }
    if (n == 0) break;  // the file shrank: what is there is the file
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  close(fd);
  return out;
}

}  // namespace njc
