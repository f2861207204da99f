#!/usr/bin/env python3
"""Every module a target imports is one it declares in Package.swift — directly, not through
another target's dependencies — and no service library imports another service's library.

usage: import_check.py [PACKAGE_DIR]    (run by `make test` before building)

SwiftPM's `--explicit-target-dependency-import-check` accepts modules that arrive transitively
and does not look at products of other packages; this check does both. The layering rule
(docs/architecture.md, "Modules"): a service library (`Services/<X>/Library`) imports `Shared/*`
and other services' policy targets (`Services/<Y>/Policy`), never another service's library; the
gateway and the CLI likewise. Exit status 1 lists every violation.
"""
import json, os, re, subprocess, sys

# Modules of the toolchain and the system: never declared in Package.swift.
SYSTEM = {"Foundation", "FoundationNetworking", "FoundationEssentials", "Dispatch", "Glibc", "Darwin", "Musl",
          "Synchronization", "Testing", "XCTest", "_Concurrency", "Observation", "PackageDescription", "os"}
IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*import\s+(?:(?:class|struct|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    described = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=root, capture_output=True, text=True)
    if described.returncode != 0:
        print(described.stderr, file=sys.stderr)
        return 2
    package = json.loads(described.stdout)
    targets = {t["name"]: t for t in package["targets"]}
    c99 = {t["c99name"]: t["name"] for t in package["targets"]}
    libraries = {name for name, t in targets.items() if t["path"].startswith("Services/") and t["path"].endswith("/Library")}
    failures = []
    for name, t in sorted(targets.items()):
        if t.get("module_type") not in ("SwiftTarget",):
            continue
        declared = set(t.get("target_dependencies", [])) | set(t.get("product_dependencies", []))
        for source in t.get("sources", []):
            path = os.path.join(root, t["path"], source)
            with open(path, encoding="utf-8") as f:
                in_string = False  # inside a multi-line string literal (e.g. a Python snippet)
                for n, line in enumerate(f, 1):
                    quotes = line.count('"""')
                    if in_string or quotes:
                        if quotes % 2 == 1:
                            in_string = not in_string
                        continue
                    m = IMPORT.match(line)
                    if not m:
                        continue
                    module = c99.get(m.group(1), m.group(1))
                    where = f"{t['path']}/{source}:{n}"
                    if module in SYSTEM or module == name:
                        continue
                    if module not in declared:
                        failures.append(f"{where}: {name} imports {module} without declaring it in Package.swift")
                    if module in libraries and name in libraries | {"PosyGateway", "PosyCLI"} and not t["path"].startswith(targets[module]["path"].rsplit("/", 1)[0]):
                        failures.append(f"{where}: {name} imports another service's library {module}; import its policy target")
    for f in failures:
        print(f, file=sys.stderr)
    print(f"import check: {len(targets)} targets, {len(failures)} violations")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
