// `njc opt`: placeholder until the loop IR lands (issue 3); says so and fails as a usage error.
#include "tools/opt_command.h"

#include <cstdio>

namespace njc::tools {
int run_opt_command(int, char**) {
  std::fprintf(stderr, "njc opt: the loop IR is not available in this build yet\n");
  return 2;
}
}  // namespace njc::tools
