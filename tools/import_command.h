// `njc import FILE -o MODEL.json`: converts a model in another format (RTNeural's JSON) into an njc model.
#pragma once

namespace njc::tools {
// argv[0] is "import". Returns the exit status: 0 ok, 1 user error, 2 usage error.
int run_import_command(int argc, char** argv);
}  // namespace njc::tools
