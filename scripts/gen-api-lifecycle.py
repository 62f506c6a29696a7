#!/usr/bin/env python3
"""Regenerates src/check/data/api-lifecycle.tsv: removed and deprecated apiVersions.

Sources, most authoritative first:

a. --k8s-api DIR (optional): checkouts of kubernetes/api (and optionally
   apiextensions-apiserver, kube-aggregator), or any tree of Go API packages
   in that layout. Every zz_generated.prerelease-lifecycle.go gives, per
   type, the release that introduced, deprecated and removed it and its
   replacement; types.go files without one give the same through
   `+k8s:prerelease-lifecycle-gen:` tags (upstream's defaults apply:
   deprecated = introduced + 3 minors, removed = deprecated + 3 minors). The
   header names a git checkout's commit; a tree that is not one names its
   origin in a SOURCE file at its root (first line: what it is; then one
   `<package dir> <commit>` line per package).
b. PyPI kubernetes-validate (PACKAGES, pinned): per Kubernetes minor, the
   `x-kubernetes-group-version-kind` of every definition. A kind no longer in
   a later minor was removed in the first minor without it; descriptions give
   "DEPRECATED ... deprecated by G/V/Kind" and "deprecated in 1.N".
c. scripts/api-lifecycle-guide.toml: facts kept by hand from the Kubernetes
   Deprecated API Migration Guide, and the migration notes.

Per field: removed_in a > c > b, where b bounds a and c (b is built with every
API enabled, so it keeps a type until its code is deleted, later than the
release that stopped serving it by default; an a or guide date later than
b's is rejected with a warning, and so is an a date for a type b still has
in its newest minor); deprecated_in a > b > c; replacement a (followed while
it names a retired version) > b's "deprecated by" > c > b's guess (the same
kind served in the newest minor, more stable). Each row records which source
gave deprecated_in and removed_in; where the guide disagrees with a, a
warning says so.

Usage: scripts/gen-api-lifecycle.py [--k8s-api DIR ...] [--packages-dir DIR] [--check]
  --packages-dir DIR  read the pinned packages from DIR (downloading the
                      missing ones into it) instead of a temporary directory
  --check             exit 1 if the committed file differs from a fresh one
  --self-test         run the doctests and the --k8s-api parser on
                      tests/fixtures/lifecycle
Needs only Python 3.11+ (tomllib) and pip (pip download, no install).
"""
import argparse
import doctest
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
OUT = os.path.join(ROOT, "src", "check", "data", "api-lifecycle.tsv")
GUIDE = os.path.join(HERE, "api-lifecycle-guide.toml")
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "lifecycle")

# 1.24.1 is the last release shipping 1.10-1.24 (as an sdist); 1.37.0 ships 1.25-1.37.
PACKAGES = ["1.24.1", "1.37.0"]
# Kinds that every group version lists (meta types), not objects a manifest holds.
META_KINDS = {"DeleteOptions", "WatchEvent", "Status", "APIGroup", "APIGroupList",
              "APIResourceList", "APIVersions", "ListOptions", "GetOptions"}
SRC_API, SRC_PKG, SRC_GUIDE = "k8s-api", "kubernetes-validate", "guide"


def api_version(group, version):
    """
    >>> api_version("", "v1"), api_version("apps", "v1")
    ('v1', 'apps/v1')
    """
    return version if not group else group + "/" + version


def minor(text):
    """'1.22' -> (1, 22); None for None or ''.

    >>> minor("1.22"), minor("v1.9.3"), minor("")
    ((1, 22), (1, 9), None)
    """
    if not text:
        return None
    a, b = text.lstrip("v").split(".")[:2]
    return (int(a), int(b))


def plus3(v):
    return (v[0], v[1] + 3)


def stability(api):
    """Sort key: GA before beta before alpha, higher numbers first.

    >>> sorted(["x/v1beta1", "x/v2", "x/v1alpha1", "x/v1"], key=stability)
    ['x/v2', 'x/v1', 'x/v1beta1', 'x/v1alpha1']
    """
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", api.rsplit("/", 1)[-1])
    if not m:
        return (3, 0, 0, api)
    level = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (level, -int(m.group(1)), -int(m.group(3) or 0), api)


# --- a. kubernetes/api lifecycle files ----------------------------------------

LIFECYCLE_FUNC = re.compile(
    r"func \(in \*(\w+)\) APILifecycle(Introduced|Deprecated|Removed)\(\) \(major, minor int\) \{\s*"
    r"return (\d+), (\d+)\s*\}")
REPLACEMENT_FUNC = re.compile(
    r"func \(in \*(\w+)\) APILifecycleReplacement\(\) schema\.GroupVersionKind \{\s*"
    r"return schema\.GroupVersionKind\{Group: \"([^\"]*)\", Version: \"([^\"]*)\", Kind: \"([^\"]*)\"\}\s*\}")
TAG = re.compile(r"^\s*//\s*\+k8s:prerelease-lifecycle-gen:(introduced|deprecated|removed|replacement)=(\S+)")
TYPE_DECL = re.compile(r"^type (\w+) struct\b")


def parse_generated(text):
    """Per type: {introduced, deprecated, removed: (major, minor), replacement: (group, version, kind)}.

    >>> src = '''
    ... func (in *Widget) APILifecycleIntroduced() (major, minor int) {
    ... \treturn 1, 8
    ... }
    ... func (in *Widget) APILifecycleReplacement() schema.GroupVersionKind {
    ... \treturn schema.GroupVersionKind{Group: "toys", Version: "v1", Kind: "Widget"}
    ... }'''
    >>> parse_generated(src)
    {'Widget': {'introduced': (1, 8), 'replacement': ('toys', 'v1', 'Widget')}}
    """
    types = {}
    for m in LIFECYCLE_FUNC.finditer(text):
        types.setdefault(m.group(1), {})[m.group(2).lower()] = (int(m.group(3)), int(m.group(4)))
    for m in REPLACEMENT_FUNC.finditer(text):
        types.setdefault(m.group(1), {})["replacement"] = (m.group(2), m.group(3), m.group(4))
    return types


def parse_tags(text):
    """Lifecycle tags of the comment block above each `type X struct`, with upstream's defaults.

    >>> parse_tags('''// +k8s:prerelease-lifecycle-gen:introduced=1.8
    ... // +k8s:prerelease-lifecycle-gen:deprecated=1.19
    ... // Widget is a toy.
    ... type Widget struct {}
    ... // +k8s:prerelease-lifecycle-gen:introduced=1.20
    ... // +k8s:prerelease-lifecycle-gen:replacement=toys,v1,Gadget
    ... type Gadget struct {}
    ... type Plain struct {}''')
    {'Widget': {'introduced': (1, 8), 'deprecated': (1, 19), 'removed': (1, 22)}, 'Gadget': {'introduced': (1, 20), 'replacement': ('toys', 'v1', 'Gadget'), 'deprecated': (1, 23), 'removed': (1, 26)}}
    """
    types, tags = {}, {}
    for line in text.splitlines():
        m = TAG.match(line)
        if m:
            if m.group(1) == "replacement":
                tags["replacement"] = tuple(m.group(2).split(","))
            else:
                tags[m.group(1)] = minor(m.group(2))
            continue
        m = TYPE_DECL.match(line)
        if m and tags:
            if "introduced" in tags and "deprecated" not in tags:
                tags["deprecated"] = plus3(tags["introduced"])
            if "deprecated" in tags and "removed" not in tags:
                tags["removed"] = plus3(tags["deprecated"])
            types[m.group(1)] = tags
        # Like gengo, read the comment block above the type and the one
        # before it (tags often sit apart from the doc comment).
        if line.strip() and not line.lstrip().startswith("//"):
            tags = {}
    return types


def package_group(pkg_dir):
    """The group of a Go API package: GroupName in register.go, else the folder name."""
    for name in ("register.go", "doc.go"):
        path = os.path.join(pkg_dir, name)
        if os.path.exists(path):
            m = re.search(r'GroupName\s*=\s*"([^"]*)"', open(path, encoding="utf-8").read())
            if m:
                return m.group(1)
    group = os.path.basename(os.path.dirname(pkg_dir))
    return "" if group == "core" else group


def read_k8s_api(roots):
    """{(apiVersion, kind): fields} from lifecycle files (types.go tags where no file)."""
    out = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in (".git", "vendor", "testdata"))
            if not re.fullmatch(r"v\d+((alpha|beta)\d+)?", os.path.basename(dirpath)):
                continue
            if "zz_generated.prerelease-lifecycle.go" in filenames:
                text = open(os.path.join(dirpath, "zz_generated.prerelease-lifecycle.go"), encoding="utf-8").read()
                types = parse_generated(text)
            elif "types.go" in filenames:
                types = parse_tags(open(os.path.join(dirpath, "types.go"), encoding="utf-8").read())
            else:
                continue
            api = api_version(package_group(dirpath), os.path.basename(dirpath))
            for kind, f in types.items():
                if kind.endswith("List") or ("deprecated" not in f and "removed" not in f):
                    continue
                rep = f.get("replacement")
                out[(api, kind)] = {
                    "introduced": f.get("introduced"),
                    "deprecated_in": f.get("deprecated"),
                    "removed_in": f.get("removed"),
                    "replacement": api_version(rep[0], rep[1]) if rep else None,
                    "replacement_kind": rep[2] if rep else None,
                }
    return out


def lifecycle_files(roots):
    """(relative path, bytes) of every lifecycle file read_k8s_api reads, sorted."""
    out = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in (".git", "vendor", "testdata"))
            if not re.fullmatch(r"v\d+((alpha|beta)\d+)?", os.path.basename(dirpath)):
                continue
            for name in ("zz_generated.prerelease-lifecycle.go", "types.go"):
                if name in filenames:
                    path = os.path.join(dirpath, name)
                    out.append((os.path.relpath(path, root), open(path, "rb").read()))
                    break
    return sorted(out)


def describe_roots(roots):
    """Header lines for the --k8s-api roots: what each is (its SOURCE file's
    first line, else its name and git commit), the count and sha256 of the
    lifecycle files read, and the per-package commits a SOURCE file lists.

    A temporary directory's path says nothing about where the files came
    from, so a root that is neither a git checkout nor has a SOURCE file is
    named only by its base name.
    """
    if not roots:
        return ["source k8s-api: none given"]
    lines = []
    for root in roots:
        source = os.path.join(root, "SOURCE")
        listed = []
        if os.path.exists(source):
            entries = [l.strip() for l in open(source, encoding="utf-8") if l.strip()]
            what = entries[0]
            listed = [e.split() for e in entries[1:]]
        else:
            head = os.path.join(root, ".git", "HEAD")
            commit = "no git commit"
            if os.path.exists(head):
                ref = open(head).read().strip()
                if ref.startswith("ref: "):
                    ref_path = os.path.join(root, ".git", ref[5:])
                    ref = open(ref_path).read().strip() if os.path.exists(ref_path) else ref
                commit = "commit " + ref
            what = f"{os.path.basename(os.path.normpath(root))} ({commit})"
        files = lifecycle_files([root])
        digest = hashlib.sha256()
        for rel, data in files:
            digest.update(rel.encode() + b"\0" + data + b"\0")
        lines.append(f"source {SRC_API}: {what}; {len(files)} lifecycle files, sha256 {digest.hexdigest()}")
        lines += [f"source {SRC_API} package: {pkg} @ {commit}" for pkg, commit in listed]
    return lines


# --- b. kubernetes-validate schemas ----------------------------------------------

def fetch_packages(dest):
    paths = []
    for version in PACKAGES:
        found = [f for f in os.listdir(dest) if re.match(rf"kubernetes[-_]validate-{re.escape(version)}[-.]", f)]
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", dest,
                            f"kubernetes-validate=={version}"], check=True, stdout=sys.stderr)
            found = [f for f in os.listdir(dest) if re.match(rf"kubernetes[-_]validate-{re.escape(version)}[-.]", f)]
        paths.append(os.path.join(dest, sorted(found)[0]))
    return paths


def archive_definitions(path):
    """{minor: definitions} of one wheel or sdist (the non-strict schemas; strict where alone)."""
    if path.endswith(".whl"):
        z = zipfile.ZipFile(path)
        members = {n: (lambda n=n: z.read(n)) for n in z.namelist()}
    else:
        t = tarfile.open(path)
        members = {m.name: (lambda m=m: t.extractfile(m).read()) for m in t.getmembers() if m.isfile()}
    picked = {}
    for name in sorted(members):
        m = re.search(r"kubernetes-json-schema/v(\d+)\.(\d+)\.0-local(-strict)?/_definitions\.json$", name)
        if m:
            v = (int(m.group(1)), int(m.group(2)))
            if v not in picked or not m.group(3):
                picked[v] = name
    out = {}
    for v, name in picked.items():
        doc = json.loads(members[name]())
        out[v] = doc.get("definitions") or doc.get("$defs") or {}
    return out


DEPRECATED_BY = re.compile(r"deprecated by ([\w.-]+)/(v\w+)/(\w+)")
DEPRECATED_IN = re.compile(r"(?:DEPRECATED|[Dd]eprecated in) v?(\d+)\.(\d+)\b|deprecated in v(\d+)\.(\d+)\+")


def description_facts(text):
    """(deprecated?, explicit version or None, (group, version, kind) or None) from a description.

    >>> description_facts("DEPRECATED 1.9 - This group version of NetworkPolicy is deprecated by networking/v1/NetworkPolicy.")
    (True, (1, 9), ('networking', 'v1', 'NetworkPolicy'))
    >>> description_facts("Deprecated: This API is deprecated in v1.19+")
    (True, (1, 19), None)
    >>> description_facts("A Widget.")
    (False, None, None)
    """
    head = text[:300]
    deprecated = "DEPRECATED" in head or "Deprecated" in head[:120]
    if not deprecated:
        return (False, None, None)
    m = DEPRECATED_IN.search(head)
    when = None
    if m:
        a, b = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        when = (int(a), int(b))
    by = DEPRECATED_BY.search(head)
    return (True, when, by.groups() if by else None)


def read_packages(paths):
    """(minors, {(api, kind): {"served": set, "dep_seen": set, "dep_in": v, "by": gvk}})."""
    per_minor = {}
    for path in paths:  # later packages win for a minor both ship
        per_minor.update(archive_definitions(path))
    kinds = {}
    for v in sorted(per_minor):
        for definition in per_minor[v].values():
            facts = description_facts(definition.get("description", ""))
            for g in definition.get("x-kubernetes-group-version-kind", []):
                if g["kind"] in META_KINDS:
                    continue
                k = kinds.setdefault((api_version(g["group"], g["version"]), g["kind"]),
                                     {"served": set(), "dep_seen": set(), "dep_in": None, "by": None})
                k["served"].add(v)
                if facts[0]:
                    k["dep_seen"].add(v)
                    k["dep_in"] = k["dep_in"] or facts[1]
                    k["by"] = facts[2] or k["by"]
    for (api, kind) in [key for key in kinds if key[1].endswith("List")]:
        if (api, kind[:-4]) in kinds:
            del kinds[(api, kind)]
    return sorted(per_minor), kinds


def newest_served(minors, kinds):
    """{kind: [apiVersions serving it in the newest minor]}."""
    out = {}
    for (api, kind), k in kinds.items():
        if minors[-1] in k["served"]:
            out.setdefault(kind, []).append(api)
    return out


def more_stable_replacement(api, kind, in_newest):
    """The most stable apiVersion of the same group (else the only one) that
    serves the kind in the newest minor and is more stable than api.

    >>> more_stable_replacement("x/v1beta1", "W", {"W": ["x/v1beta1", "x/v1", "y/v1"]})
    'x/v1'
    >>> more_stable_replacement("x/v1", "W", {"W": ["x/v1beta1", "x/v1"]}) is None
    True
    """
    candidates = sorted((c for c in in_newest.get(kind, []) if stability(c) < stability(api)), key=stability)
    group = api.rsplit("/", 1)[0] if "/" in api else ""
    same = [c for c in candidates if (c.rsplit("/", 1)[0] if "/" in c else "") == group]
    if same:
        return same[0]
    return candidates[0] if len(candidates) == 1 else None


def resolve_group(short, groups):
    """Descriptions write `networking/v1` for networking.k8s.io/v1."""
    if short in groups:
        return short
    longer = sorted(g for g in groups if g.split(".")[0] == short)
    return longer[0] if len(longer) == 1 else short


def package_rows(minors, kinds):
    newest = minors[-1]
    in_newest = {}
    for (api, kind), k in kinds.items():
        if newest in k["served"]:
            in_newest.setdefault(kind, []).append(api)
    groups = {api.rsplit("/", 1)[0] if "/" in api else "" for api, _ in kinds}

    def served_replacement(api, kind, seen=()):
        """Follow "deprecated by" to a version served in the newest minor."""
        by = kinds.get((api, kind), {}).get("by")
        if not by or (api, kind) in seen:
            return None
        target = (api_version(resolve_group(by[0], groups), by[1]), by[2])
        if target[0] in in_newest.get(target[1], []):
            return target[0]
        return served_replacement(*target, seen=seen + ((api, kind),))

    def guessed_replacement(api, kind):
        candidates = sorted(in_newest.get(kind, []), key=stability)
        group = api.rsplit("/", 1)[0] if "/" in api else ""
        same = [c for c in candidates if (c.rsplit("/", 1)[0] if "/" in c else "") == group]
        if same:
            return same[0]
        return candidates[0] if len(candidates) == 1 else None

    rows = {}
    for (api, kind), k in kinds.items():
        last = max(k["served"])
        removed = (last[0], last[1] + 1) if last < newest else None
        deprecated = k["dep_in"]
        if deprecated is None and k["dep_seen"] and min(k["dep_seen"]) > min(k["served"]):
            deprecated = min(k["dep_seen"])  # the first minor that calls it deprecated
        if removed is None and not k["dep_seen"]:
            continue
        rows[(api, kind)] = {
            "introduced": min(k["served"]),
            "removed_in": removed,
            "deprecated_in": deprecated,
            "deprecated_seen": bool(k["dep_seen"]),
            "replacement_by": served_replacement(api, kind),
            "replacement_guess": guessed_replacement(api, kind) if api not in in_newest.get(kind, []) else None,
        }
    return rows


# --- c. the guide ------------------------------------------------------------------

def read_guide(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    notes = doc.get("notes", {})
    rows = {}
    for entry in doc.get("api", []):
        changes = []
        for c in entry.get("changes", []):
            changes.extend(notes[c[1:]] if c.startswith("@") else [c])
        for c in changes:
            if "\t" in c or "\n" in c:
                sys.exit(f"{entry['api_version']} {entry['kind']}: a change may not hold a tab or newline")
        key = (entry["api_version"], entry["kind"])
        if key in rows:
            sys.exit(f"{key} is in the guide twice")
        rows[key] = {
            "deprecated_in": minor(entry.get("deprecated_in")),
            "removed_in": minor(entry.get("removed_in")),
            "replacement": entry.get("replacement"),
            "changes": changes,
        }
    return rows


# --- merge and write -----------------------------------------------------------------

def wildcard_covers(guide_row, row):
    """A guide row for kind `*` speaks for the kinds of its apiVersion that
    existed before it was removed, not for kinds added to it later
    (admissionregistration.k8s.io/v1beta1 came back for ValidatingAdmissionPolicy)."""
    return not guide_row.get("removed_in") or (row.get("introduced") or (0, 0)) < guide_row["removed_in"]


def follow_replacement(key, merged, api_rows):
    """a's replacement, followed while it names an apiVersion that is itself
    retired (autoscaling/v2beta1 names v2beta2, removed in 1.26: use v2).
    "" when the chain ends at a retired version without a replacement."""
    a = api_rows[key]
    api, kind = a["replacement"], a.get("replacement_kind") or key[1]
    if kind.endswith("List") and not key[1].endswith("List"):
        kind = kind[:-4]  # upstream tags some kinds with their List's replacement
    seen = {key}
    while (api, kind) in merged and merged[(api, kind)]["removed"] and (api, kind) not in seen:
        seen.add((api, kind))
        row = merged[(api, kind)]
        nxt = api_rows.get((api, kind), {})
        if nxt.get("replacement"):
            api, kind = nxt["replacement"], nxt.get("replacement_kind") or kind
        elif row["replacement"]:
            api = row["replacement"]
        else:
            return ""
    return api


def merge(api_rows, pkg_rows, guide_rows, warn, in_newest=None):
    """Rows (api, kind, deprecated, removed, replacement, dep_src, rem_src, changes).
    in_newest: {kind: [apiVersions]} the newest minor of b serves (none: unknown)."""
    in_newest = in_newest or {}
    newest = getattr(in_newest, "minor", None)
    keys = set(api_rows) | set(pkg_rows) | {k for k in guide_rows if k[1] != "*"}
    for (api, kind), g in guide_rows.items():
        if kind != "*":
            continue
        # A wildcard becomes one row per kind the machine sources know, and
        # stays a wildcard only where they know none.
        covered = [k for k in set(api_rows) | set(pkg_rows)
                   if k[0] == api and wildcard_covers(g, pkg_rows.get(k) or api_rows.get(k))]
        if not covered:
            keys.add((api, kind))
    merged = {}
    for key in sorted(keys):
        a = api_rows.get(key, {})
        b = pkg_rows.get(key, {}) if key[1] != "*" else {}
        c = guide_rows.get(key) or {}
        wildcard = guide_rows.get((key[0], "*"))
        if not c and wildcard and key[1] != "*" and wildcard_covers(wildcard, b or a):
            c = wildcard
        a_removed = a.get("removed_in")
        if a_removed and b.get("removed_in") and b["removed_in"] < a_removed:
            warn(f"{key}: {SRC_API} says removed in {fmt(a_removed)}, the schemas have it gone from {fmt(b['removed_in'])}")
            a_removed = None
        elif a_removed and newest and a_removed <= newest and key[0] in in_newest.get(key[1], []):
            warn(f"{key}: {SRC_API} says removed in {fmt(a_removed)}, the newest schemas still serve it")
            a_removed = None
        if key[1] != "*" and c:
            for field, name in (("deprecated_in", "deprecated"), ("removed_in", "removed")):
                if a.get(field) and c.get(field) and a[field] != c[field]:
                    warn(f"{key}: {SRC_API} says {name} in {fmt(a[field])}, the guide says {fmt(c[field])}")
        removed, removed_src = None, "-"
        if a_removed:
            removed, removed_src = a_removed, SRC_API
        elif c.get("removed_in") and (not b.get("removed_in") or c["removed_in"] <= b["removed_in"]):
            removed, removed_src = c["removed_in"], SRC_GUIDE
        elif b.get("removed_in"):
            removed, removed_src = b["removed_in"], SRC_PKG
            if c.get("removed_in"):
                warn(f"{key}: the guide says removed in {fmt(c['removed_in'])}, the schemas have it until {fmt(b['removed_in'])}")
        deprecated, deprecated_src = None, "-"
        for src, row in ((SRC_API, a), (SRC_PKG, b), (SRC_GUIDE, c)):
            if row.get("deprecated_in"):
                deprecated, deprecated_src = row["deprecated_in"], src
                break
        if deprecated and removed and deprecated > removed:
            deprecated, deprecated_src = None, "-"  # a planned deprecation the removal overtook
        if deprecated is None and removed is None:
            continue
        if "replacement" in a and a["replacement"] is not None:
            replacement = a["replacement"]
        elif b.get("replacement_by"):
            replacement = b["replacement_by"]
        elif c.get("replacement") is not None:
            replacement = c["replacement"]
        else:
            replacement = b.get("replacement_guess") or (
                more_stable_replacement(key[0], key[1], in_newest) if key[1] != "*" else None) or ""
        merged[key] = {"deprecated": deprecated, "removed": removed, "replacement": replacement,
                       "dep_src": deprecated_src, "rem_src": removed_src, "changes": c.get("changes", []),
                       "guide": c if c is guide_rows.get(key) else None}
    out = []
    for key, m in merged.items():
        if api_rows.get(key, {}).get("replacement"):
            m["replacement"] = follow_replacement(key, merged, api_rows)
        g = m["guide"]
        if g and g.get("replacement") is not None and m["replacement"] != g["replacement"]:
            warn(f"{key}: replacement {m['replacement'] or '-'}, the guide says {g['replacement'] or '-'}")
        out.append((key[0], key[1], m["deprecated"], m["removed"], m["replacement"],
                    m["dep_src"], m["rem_src"], m["changes"]))
    return out


class Served(dict):
    """newest_served's mapping, with the minor it describes."""
    def __init__(self, mapping, minor):
        super().__init__(mapping)
        self.minor = minor


def fmt(v):
    return "-" if v is None else "%d.%d" % v


def render(rows, header):
    body = "".join(
        "\t".join([api, kind, fmt(dep), fmt(rem), rep or "-", dsrc, rsrc] + list(changes)) + "\n"
        for api, kind, dep, rem, rep, dsrc, rsrc, changes in rows)
    head = "".join("# " + h + "\n" for h in header)
    head += f"# rows: {len(rows)}, rows sha256 {hashlib.sha256(body.encode()).hexdigest()} (every line after the header)\n"
    return head + body


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def generate(args, warn):
    api_rows = read_k8s_api(args.k8s_api)
    if args.packages_dir:
        os.makedirs(args.packages_dir, exist_ok=True)
        paths = fetch_packages(args.packages_dir)
        return build(args, api_rows, paths, warn)
    with tempfile.TemporaryDirectory() as tmp:
        return build(args, api_rows, fetch_packages(tmp), warn)


def build(args, api_rows, paths, warn):
    minors, kinds = read_packages(paths)
    pkg_rows = package_rows(minors, kinds)
    guide_rows = read_guide(GUIDE)
    rows = merge(api_rows, pkg_rows, guide_rows, warn, Served(newest_served(minors, kinds), minors[-1]))
    header = [
        "Removed and deprecated Kubernetes apiVersions. Generated by scripts/gen-api-lifecycle.py: do not edit;",
        "edit scripts/api-lifecycle-guide.toml and rerun it (see src/check/data/README.md).",
    ] + describe_roots(args.k8s_api)
    for path in paths:
        ms = sorted(archive_definitions_minors(path))
        header.append(f"source {SRC_PKG}: {os.path.basename(path)} sha256 {sha256(path)} "
                      f"(Kubernetes {fmt(ms[0])}-{fmt(ms[-1])})")
    header.append(f"source {SRC_GUIDE}: scripts/api-lifecycle-guide.toml sha256 {sha256(GUIDE)}")
    header.append(f"newest Kubernetes minor in the sources: {fmt(minors[-1])}")
    header.append("columns (tab-separated; - for none): api_version kind deprecated_in removed_in replacement "
                  "deprecated_source removed_source changes...")
    return render(rows, header)


def archive_definitions_minors(path):
    names = zipfile.ZipFile(path).namelist() if path.endswith(".whl") else tarfile.open(path).getnames()
    out = set()
    for n in names:
        m = re.search(r"kubernetes-json-schema/v(\d+)\.(\d+)\.0-local(-strict)?/_definitions\.json$", n)
        if m:
            out.add((int(m.group(1)), int(m.group(2))))
    return out


def self_test():
    failures, _ = doctest.testmod()
    rows = read_k8s_api([FIXTURE])
    expected = {
        ("apps/v1beta1", "Deployment"): {"introduced": (1, 6), "deprecated_in": (1, 9), "removed_in": (1, 16),
                                         "replacement": "apps/v1", "replacement_kind": "Deployment"},
        ("apps/v1beta1", "StatefulSet"): {"introduced": None, "deprecated_in": (1, 9), "removed_in": (1, 12),
                                          "replacement": None, "replacement_kind": None},
        ("widgets.example.com/v1beta1", "Widget"): {"introduced": (1, 17), "deprecated_in": (1, 20),
                                                    "removed_in": (1, 23), "replacement": "widgets.example.com/v1",
                                                    "replacement_kind": "Widget"},
    }
    if rows != expected:
        print(f"read_k8s_api({FIXTURE}):\n  got      {rows}\n  expected {expected}", file=sys.stderr)
        failures += 1
    merged = merge(rows, {("apps/v1beta1", "Deployment"): {"removed_in": (1, 18), "deprecated_in": None}},
                   {("apps/v1beta1", "*"): {"deprecated_in": (1, 8), "removed_in": (1, 15),
                                            "replacement": "apps/v1", "changes": ["x"]}},
                   lambda m: None)
    want = [("apps/v1beta1", "Deployment", (1, 9), (1, 16), "apps/v1", SRC_API, SRC_API, ["x"]),
            ("apps/v1beta1", "StatefulSet", (1, 9), (1, 12), "apps/v1", SRC_API, SRC_API, ["x"]),
            ("widgets.example.com/v1beta1", "Widget", (1, 20), (1, 23), "widgets.example.com/v1",
             SRC_API, SRC_API, [])]
    if merged != want:
        print(f"merge: got {merged}, expected {want}", file=sys.stderr)
        failures += 1
    # A replacement that is itself retired is followed; b bounds a's removal; the guide disagreeing with a warns.
    warnings = []
    x = lambda dep, rem, rep: {"introduced": None, "deprecated_in": dep, "removed_in": rem,
                               "replacement": rep, "replacement_kind": "W" if rep else None}
    merged = merge({("x/v1beta1", "W"): x((1, 20), (1, 23), "x/v1beta2"),
                    ("x/v1beta2", "W"): x((1, 23), (1, 26), "x/v1"),
                    ("x/v1alpha1", "W"): x((1, 21), (1, 30), None)},
                   {("x/v1alpha1", "W"): {"removed_in": (1, 25), "deprecated_in": None}},
                   {("x/v1beta1", "W"): {"deprecated_in": (1, 19), "removed_in": (1, 23),
                                         "replacement": "x/v1", "changes": []}},
                   warnings.append, Served({"W": ["x/v1"]}, (1, 37)))
    want = [("x/v1alpha1", "W", (1, 21), (1, 25), "x/v1", SRC_API, SRC_PKG, []),
            ("x/v1beta1", "W", (1, 20), (1, 23), "x/v1", SRC_API, SRC_API, []),
            ("x/v1beta2", "W", (1, 23), (1, 26), "x/v1", SRC_API, SRC_API, [])]
    if merged != want or len(warnings) != 2:
        print(f"merge (chains, bounds): got {merged} {warnings}, expected {want} and 2 warnings", file=sys.stderr)
        failures += 1
    print(f"self-test: {'ok' if not failures else f'{failures} failed'}", file=sys.stderr)
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--k8s-api", action="append", default=[], metavar="DIR")
    ap.add_argument("--packages-dir", metavar="DIR")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        sys.exit(1 if self_test() else 0)
    text = generate(args, lambda m: print("warning: " + m, file=sys.stderr))
    if args.check:
        committed = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
        if committed != text:
            sys.exit(f"{os.path.relpath(OUT, ROOT)} is not what the script generates: rerun it")
        print(f"{os.path.relpath(OUT, ROOT)} is up to date", file=sys.stderr)
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
