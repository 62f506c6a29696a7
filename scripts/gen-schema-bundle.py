#!/usr/bin/env python3
"""Regenerates src/check/data/k8s-schemas.json.gz from PyPI `kubernetes-validate`.

The package ships, per Kubernetes minor version, strict JSON-schema
definitions (`_definitions.json`, OpenAPI names under `$defs`) derived from
the upstream OpenAPI documents (Apache-2.0). This script keeps the versions
from MIN_VERSION through the newest, reduces each definition to the keywords
kourse's validator reads (type, properties, required, items,
additionalProperties, $ref, enum, oneOf, format, first sentence of the
description), deduplicates identical definitions across versions and writes
one gzip-compressed JSON document:

    {"versions": ["1.29", ...],
     "pool": [<definition>, ...],               # each distinct definition once
     "index": {"1.29": {"io.k8s.api.apps.v1.Deployment": 17, ...}, ...},
     "gvk": {"1.29": [["apps/v1", "Deployment", "io.k8s.api.apps.v1.Deployment"], ...]}}

`$ref`s are written as the bare definition name and resolved per version.
It also writes PROVENANCE (package, version, file and sha256 of the wheel and
of the bundle) and copies the package's LICENSE next to the bundle
(data/NOTICE, written by hand, says what the bundle derives from).

Usage: scripts/gen-schema-bundle.py [--version X.Y.Z] [--wheel PATH]
Needs only Python 3 and pip (pip download, no install).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

MIN_VERSION = (1, 29)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "src", "check", "data")
KEEP = ("type", "required", "enum", "format")


def first_sentence(text):
    text = " ".join(text.split())
    m = re.search(r"(?<=[a-z0-9)`\"])\.(\s|$)", text)
    s = text[: m.start() + 1] if m else text
    return s[:300]


def reduce(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k in KEEP:
        if k in schema:
            out[k] = schema[k]
    if "$ref" in schema:
        out["$ref"] = schema["$ref"].rsplit("/", 1)[-1]
    if "description" in schema:
        out["d"] = first_sentence(schema["description"])
    if "properties" in schema:
        out["properties"] = {k: reduce(v) for k, v in schema["properties"].items()}
    if "items" in schema:
        out["items"] = reduce(schema["items"])
    if "additionalProperties" in schema:
        out["additionalProperties"] = reduce(schema["additionalProperties"])
    if "oneOf" in schema:
        out["oneOf"] = [reduce(s) for s in schema["oneOf"]]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", help="kubernetes-validate version (default: newest)")
    ap.add_argument("--wheel", help="use this wheel instead of downloading")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if not wheel:
            spec = "kubernetes-validate" + (f"=={args.version}" if args.version else "")
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp, spec],
                check=True,
            )
            wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
        wheel_bytes = open(wheel, "rb").read()
        wheel_sha = hashlib.sha256(wheel_bytes).hexdigest()
        pkg_version = os.path.basename(wheel).split("-")[1]
        z = zipfile.ZipFile(io.BytesIO(wheel_bytes))

        found = {}
        for name in z.namelist():
            m = re.search(r"kubernetes-json-schema/v(\d+)\.(\d+)\.\d+-local-strict/_definitions\.json$", name)
            if m:
                found[(int(m.group(1)), int(m.group(2)))] = name
        versions = sorted(v for v in found if v >= MIN_VERSION)
        if not versions:
            sys.exit("no versions >= %d.%d in the wheel" % MIN_VERSION)

        pool, pool_ids, index, gvk = [], {}, {}, {}
        for v in versions:
            key = "%d.%d" % v
            defs = json.loads(z.read(found[v]))["$defs"]
            index[key], gvk[key] = {}, []
            for name in sorted(defs):
                d = defs[name]
                r = reduce(d)
                blob = json.dumps(r, sort_keys=True, separators=(",", ":"))
                if blob not in pool_ids:
                    pool_ids[blob] = len(pool)
                    pool.append(r)
                index[key][name] = pool_ids[blob]
                for g in d.get("x-kubernetes-group-version-kind", []):
                    api = g["version"] if not g["group"] else g["group"] + "/" + g["version"]
                    gvk[key].append([api, g["kind"], name])

        bundle = {"versions": [("%d.%d" % v) for v in versions], "pool": pool, "index": index, "gvk": gvk}
        raw = json.dumps(bundle, sort_keys=True, separators=(",", ":")).encode()
        data = gzip.compress(raw, compresslevel=9, mtime=0)
        os.makedirs(OUT_DIR, exist_ok=True)
        with open(os.path.join(OUT_DIR, "k8s-schemas.json.gz"), "wb") as f:
            f.write(data)
        lic = next(n for n in z.namelist() if n.endswith("/LICENSE"))
        with open(os.path.join(OUT_DIR, "LICENSE-kubernetes-validate"), "wb") as f:
            f.write(z.read(lic))
        with open(os.path.join(OUT_DIR, "PROVENANCE"), "w") as f:
            f.write("package = kubernetes-validate\n")
            f.write(f"package_version = {pkg_version}\n")
            f.write(f"wheel = {os.path.basename(wheel)}\n")
            f.write(f"wheel_sha256 = {wheel_sha}\n")
            f.write(f"kubernetes_versions = {' '.join(bundle['versions'])}\n")
            f.write(f"distinct_definitions = {len(pool)}\n")
            f.write(f"bundle = k8s-schemas.json.gz\n")
            f.write(f"bundle_sha256 = {hashlib.sha256(data).hexdigest()}\n")
        print(f"{len(versions)} versions, {len(pool)} distinct definitions, "
              f"{len(raw)} bytes json, {len(data)} bytes gzip", file=sys.stderr)


if __name__ == "__main__":
    main()
