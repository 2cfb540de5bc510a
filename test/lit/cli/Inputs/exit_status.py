"""Runs a command with its stderr merged into stdout, then prints 'exit N': lets FileCheck check a status."""
import subprocess
import sys

r = subprocess.run(sys.argv[1:], stderr=subprocess.STDOUT)
sys.stdout.flush()
print(f"exit {r.returncode}")
