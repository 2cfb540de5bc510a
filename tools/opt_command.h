// `njc opt FILE --passes=...`: reads loop IR text, runs a pass pipeline, prints the result.
#pragma once

namespace njc::tools {
// argv[0] is "opt". Returns the process exit status: 0 ok, 1 user error, 2 usage error.
int run_opt_command(int argc, char** argv);
}  // namespace njc::tools
