#!/usr/bin/python3
"""Former Python ONNX importer, now a thin wrapper: the importer is `njc import` (docs/importers.md).

    /usr/bin/python3 tools/onnx_import.py model.onnx -o model.json [--weights model.bin] [njc import options]

Runs `njc import` with the same arguments and exits with its status. njc is $NJC, else build/tools/njc
beside this source tree, else `njc` on the PATH.
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def find_njc():
    for candidate in (os.environ.get("NJC"), os.path.join(HERE, "..", "build", "tools", "njc")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("njc")


def main():
    njc = find_njc()
    if not njc:
        print("onnx_import.py: njc not found (set NJC, build it with scripts/build.sh, or put it on the PATH)",
              file=sys.stderr)
        return 1
    os.execv(njc, [njc, "import"] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
