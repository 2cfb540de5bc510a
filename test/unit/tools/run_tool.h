// Test helper: runs a command through the shell and captures its exit status, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace njc::test {

struct ToolResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` with the working directory `cwd`; stdout and stderr go to files in a fresh temp dir.
inline ToolResult run_tool(const std::string& command, const std::string& cwd) {
  std::string dir_template = (std::filesystem::temp_directory_path() / "njc-run-XXXXXX").string();
  std::string dir = mkdtemp(dir_template.data());
  std::string full = "cd '" + cwd + "' && " + command + " >'" + dir + "/out' 2>'" + dir + "/err' </dev/null";
  int status = std::system(full.c_str());
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(dir + "/out");
  r.err = slurp(dir + "/err");
  std::filesystem::remove_all(dir);
  return r;
}

inline std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

}  // namespace njc::test
