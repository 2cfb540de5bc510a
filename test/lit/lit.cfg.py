# lit configuration for njc: tests are .test/.ir/.loop/.json files with RUN lines; %njc is the CLI.
import os
import lit.formats

config.name = "njc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".graph", ".loop", ".s"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.njc_obj_root, "test", "lit")

config.substitutions.append(("%njc", os.path.join(config.njc_tools_dir, "njc")))
config.substitutions.append(("FileCheck", config.filecheck))
config.substitutions.append(("%examples", os.path.join(config.njc_src_root, "examples")))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%llvm-mc", "/usr/lib/llvm-14/bin/llvm-mc"))

config.environment["NJC_SHARED_DIR"] = config.shared_dir
# NJC_TARGET_CAP reaches njc, so a capped run (.ci/run) runs the JIT tests as on a smaller CPU.
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "NJC_TARGET_CAP"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
