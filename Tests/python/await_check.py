#!/usr/bin/env python3
"""No `await` inside a tuple literal, in any Swift source of the package.

usage: await_check.py [PACKAGE_DIR]    (run by `make test` before building)
       await_check.py --self-test

Swift 6.3.1 miscompiles, in optimized builds only, a tuple built around an `await` inside an
escaping closure — `group.addTask { do { return (name, try await call(name)) } catch { … } }` — the
elements evaluated before the suspension come back as zeros or as another value's bytes
(docs/architecture.md, "Threads"). A debug build never shows it, and a test only where it runs the
very shape. Each awaited value is bound with `let` first, then the tuple built from plain values. A call's arguments
(`decode(method, try await call())`) are not tuples and are not affected. Exit status 1 lists
every violation.
"""
import os
import re
import sys

ROOTS = ("Shared", "Services", "Tests")
IDENT = re.compile(r"[A-Za-z0-9_]")
# Words after which "(" opens an expression, not a call.
KEYWORDS = {"return", "in", "try", "await", "throw", "case", "else", "where", "yield", "then", "is", "as"}


def blank(source):
    """The source with comments and string literals' contents replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", source[i:j]))
            i = j
        elif source.startswith('"""', i):
            j = source.find('"""', i + 3)
            j = n if j < 0 else j + 3
            out.append(re.sub(r"[^\n]", " ", source[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            depth = 0  # inside \( … ) of an interpolation the string goes on after its ")"
            while j < n and source[j] != "\n":
                if source[j] == "\\" and j + 1 < n:
                    if source[j + 1] == "(":
                        depth += 1
                    j += 2
                    continue
                if depth and source[j] == ")":
                    depth -= 1
                elif not depth and source[j] == '"':
                    break
                j += 1
            out.append(" " * (j + 1 - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def violations(source):
    """(line, text) of each tuple literal that holds an `await`."""
    text = blank(source)
    found = []
    stack = []  # (index of "(", is a tuple literal candidate, saw a top-level comma)
    for i, c in enumerate(text):
        if c == "(":
            k = i - 1
            while k >= 0 and text[k] in " \t\n":
                k -= 1
            before = text[k] if k >= 0 else ""
            w = k
            while w >= 0 and IDENT.match(text[w]):
                w -= 1
            word = text[w + 1:k + 1]
            # After a name, ")", "]", ">", "?" or "!" a parenthesis is a call, a subscript's
            # arguments or a declaration's parameters — not a tuple; after a keyword it is one.
            literal = word in KEYWORDS or not (IDENT.match(before) or before in ")]>?!")
            stack.append([i, literal, False])
        elif c == "," and stack:
            stack[-1][2] = True
        elif c == ")" and stack:
            start, literal, comma = stack.pop()
            if literal and comma and re.search(r"\bawait\b", text[start:i]):
                line = text.count("\n", 0, start) + 1
                found.append((line, " ".join(source[start:i + 1].split())[:120]))
    return found


def self_test():
    bad = [
        "group.addTask { do { return (name, try await call(name)) } catch { return (name, nil) } }",
        "g.addTask {\n    return (\n        p,\n        try await client(p).call(x)\n    )\n}",
        "let r = (instance, .success(try await part(instance)))",
        "return (name, try? await client.call(stats))",
        "Task { (i, i, await plain(i)) }",
    ]
    good = [
        "let value = try await call(name)\nreturn (name, value)",
        "try RPCClient.decode(method, try await callData(method, request))",
        "JSONReply(try await api.call(rpc, try await make(request)), status: s)",
        'print("(a, await b)")  // (x, await y)',
        "let s = \"\\(a) (b, await c)\"",
        "/* (x, await y) */ let f: (Int, Int) -> Void = { (a, b) in }",
        "return (try await judge(i))",
        "if let x = await y { }",
    ]
    missed = [s for s in bad if not violations(s)]
    wrongly = [s for s in good if violations(s)]
    for s in missed:
        print("self-test: not refused:", s)
    for s in wrongly:
        print("self-test: refused wrongly:", s)
    print("await_check self-test: %d of %d bad samples refused, %d of %d good ones passed"
          % (len(bad) - len(missed), len(bad), len(good) - len(wrongly), len(good)))
    return 1 if missed or wrongly else 0


def main():
    if sys.argv[1:2] == ["--self-test"]:
        return self_test()
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    failures = []
    for top in ROOTS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    for line, snippet in violations(f.read()):
                        failures.append("%s:%d: an await inside a tuple literal: %s" % (os.path.relpath(path, root), line, snippet))
    for f in failures:
        print(f)
    if failures:
        print("bind each awaited value with `let` first, then build the tuple (see this script's docstring)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
