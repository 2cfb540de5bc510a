// .npy parsing:
//
//   offset 0: "\x93NUMPY"  major(1)  minor(1)  header_len (2 bytes LE for v1, 4 for v2/v3)
//   then     : header, a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//   then     : the data, header padded so the data starts at a multiple of 64
#include "tools/npy.h"

#include <cstring>
#include <regex>

namespace njc::tools {

Expected<std::vector<float>> parse_npy(const std::string& b, const std::string& file) {
  auto fail = [&](std::string m) { return Diag{file, 0, 0, "", "invalid .npy file: " + m}; };
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) return fail("missing the \\x93NUMPY magic");
  int major = static_cast<unsigned char>(b[6]);
  size_t len_bytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) return fail("unsupported version " + std::to_string(major));
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i)
    header_len |= size_t{static_cast<unsigned char>(b[8 + i])} << (8 * i);
  size_t data_at = 8 + len_bytes + header_len;
  if (data_at > b.size()) return fail("truncated header");
  std::string header = b.substr(8 + len_bytes, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|=]?)(f[48])'")))
    return fail("dtype must be float32 or float64");
  if (m[1] == ">") return fail("big-endian data is not supported");
  size_t elem = m[2] == "f4" ? 4 : 8;
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    return fail("Fortran order is not supported");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    return fail("no shape in the header");
  size_t count = 1;
  std::string dims = m[1];
  static const std::regex kDim("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), kDim), end; it != end; ++it) {
    // Bounded like every tensor: no product can wrap to a small count.
    const std::string d = it->str();
    if (d.size() > 10 || std::stoull(d) > (uint64_t{1} << 28) || (count *= std::stoull(d)) > (uint64_t{1} << 28))
      return fail("the shape (" + dims + ") has more than 2^28 values");
  }
  if (b.size() - data_at < count * elem)
    return fail("the data is shorter than the shape says (" + std::to_string(count) + " values)");
  std::vector<float> out(count);
  for (size_t i = 0; i < count; ++i) {
    const char* p = b.data() + data_at + i * elem;
    if (elem == 4) {
      std::memcpy(&out[i], p, 4);
    } else {
      double d;
      std::memcpy(&d, p, 8);
      out[i] = static_cast<float>(d);
    }
  }
  return out;
}

}  // namespace njc::tools
