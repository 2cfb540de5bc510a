#!/usr/bin/python3
"""Checks docs/model-format.schema.json against the models njc accepts and rejects.

Every bundled example and every test model that njc accepts must validate; the schema-level must-fail
cases (wrong top-level keys, types, missing members) must not. Skips (77) without python3-jsonschema.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("SKIPPED: python3-jsonschema is not installed")
    sys.exit(77)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# must-fail cases whose mistake is visible to a JSON Schema (the rest need njc's own checks)
SCHEMA_VISIBLE = ["missing_format", "wrong_format", "future_version", "version_string", "unknown_top_key",
                  "missing_nodes", "missing_inputs", "no_outputs", "batch_zero", "input_without_name",
                  "input_name_number", "input_zero_dim", "input_fractional_dim", "input_unknown_key", "empty_name",
                  "unknown_op", "param_two_sources", "param_no_source", "param_not_number",
                  "param_offset_without_file", "init_unknown_kind", "state_two_sources", "node_not_object", "node_inputs_not_list",
                  "root_array"]

schema = json.load(open(os.path.join(ROOT, "docs", "model-format.schema.json")))
validator = jsonschema.Draft202012Validator(schema)
failures = 0
valid = glob.glob(os.path.join(ROOT, "examples", "*.json")) + [os.path.join(ROOT, "test", "must-fail", "valid.json")]
valid += glob.glob(os.path.join(ROOT, "test", "lit", "cli", "Inputs", "*.json"))
for path in valid:
    doc = json.load(open(path))
    if "format" not in doc:
        continue  # an input file, not a model
    errors = list(validator.iter_errors(doc))
    if errors:
        failures += 1
        print(f"FAIL {os.path.relpath(path, ROOT)} should validate: {errors[0].message}")
for name in SCHEMA_VISIBLE:
    path = os.path.join(ROOT, "test", "must-fail", name + ".json")
    if validator.is_valid(json.load(open(path))):
        failures += 1
        print(f"FAIL {name}.json should not validate")
print(f"schema: {len(valid) + len(SCHEMA_VISIBLE) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
