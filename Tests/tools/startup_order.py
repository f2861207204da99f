#!/usr/bin/env python3
"""Writes the startup layout the executables are linked with (docs/performance.md, "Memory at rest").

`make startup-order` builds the suite with every function at the start of a page of its own and a
link map per executable, then runs this: it starts `posy up` from that build with `pagetrace.so`
preloaded, lets the suite rest, and lists every function any process ran by then, and which of them
it still ran at rest — nothing a client asked for. The result is a linker script that gathers those
functions, by object file and section, into two output sections ahead of `.text`: what a process
runs at rest, then what it ran only to start. A process's start then lies together instead of across
the whole file, and once it lets its start go (`StartPages`) what it runs at rest lies together too.
Sections, not symbols: some functions the compiler emits (closure contexts' destroyers, unnamed
helpers) have no symbol.

  startup_order.py --bin-dir .build-trace/release --maps .build-trace/maps \
      --preload .build-trace/pagetrace.so --out Services/startup.ld
"""
import argparse
import collections
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

SERVICES = ["posy-bus", "posy-orders", "posy-messaging", "posy-location", "posy-receipts", "posy-notify", "posy-gateway"]
START_SECTION = ".text.posy_start"
REST_SECTION = ".text.posy_rest"
# One input section in lld's map: address, load address, size, alignment, then "file:(section)".
MAP_LINE = re.compile(r"\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(/\S+):\((\.text[^)\s]*)\)\s*$")
# An object of the build: .../<Module>.build/[<dir>/…]<file>.o, matched wherever the build lies.
OBJECT = re.compile(r"^.*?/([^/]+\.build/.+\.o)$")
# A member of a static library (the Swift runtime and Foundation when linked statically):
# .../lib<name>.a(<member>.o), which a linker script names lib<name>.a:<member>.o.
MEMBER = re.compile(r"^.*?/(lib[^/]+\.a)\(([^/()]+\.o)\)$")


def free_block(offsets):
    """A base port such that base + each offset is free on loopback."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + max(offsets) > 65000:
            continue
        held = []
        try:
            for o in offsets:
                t = socket.socket()
                held.append(t)
                t.bind(("127.0.0.1", base + o))
            return base
        except OSError:
            continue
        finally:
            for t in held:
                t.close()
    sys.exit("startup_order: no free ports")


def text_segment(exe):
    """(file offset, address, size) of the executable's code segment."""
    out = subprocess.run(["readelf", "-l", "-W", exe], capture_output=True, text=True, check=True).stdout
    for p in (line.split() for line in out.splitlines()):
        if p and p[0] == "LOAD" and p[-2] == "E" and p[-3] == "R":
            return int(p[1], 16), int(p[2], 16), int(p[4], 16)
    sys.exit(f"startup_order: no code segment in {exe}")


def sections(link_map):
    """(address, size, object, section) of every code input section in an lld link map, by address."""
    found = []
    with open(link_map) as f:
        for line in f:
            m = MAP_LINE.match(line)
            if m and int(m.group(2), 16) > 0:
                found.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4)))
    found.sort()
    return found


def ran(trace, maps):
    """The input sections on the pages a trace lists, and those of them run at rest: on the tracing
    build each section starts a page."""
    lines = open(trace).read().splitlines()
    exe, entries = lines[0], [line.split() for line in lines[1:] if line.strip()]
    name = os.path.basename(exe)
    offset, address, size = text_segment(exe)
    pages, rest_pages = set(), set()
    for entry in entries:
        o = int(entry[0], 16)
        if offset <= o < offset + size:
            pages.add((address + o - offset) // 4096)
            if entry[1:] == ["rest"]:
                rest_pages.add((address + o - offset) // 4096)
    hit, rest = set(), set()
    for start, length, obj, section in sections(os.path.join(maps, name + ".map")):
        span = range(start // 4096, (start + length - 1) // 4096 + 1)
        if not any(p in pages for p in span):
            continue
        if m := OBJECT.match(obj):
            key = m.group(1)
        elif m := MEMBER.match(obj):
            key = f"{m.group(1)}:{m.group(2)}"
        else:
            continue  # the C runtime's own objects (crt1, crti) are not the build's
        hit.add((key, section))
        if any(p in rest_pages for p in span):
            rest.add((key, section))
    return name, hit, rest


def script(hits, rest):
    """A linker script placing the sections run at rest, then those run only at start, ahead of .text,
    one line per object in each."""
    lines = [
        "/* What the suite's processes run at rest, then what they run only to start, gathered ahead of .text",
        "   (docs/performance.md, \"Memory at rest\"). Written by `make startup-order`; do not edit. */",
        "SECTIONS {",
    ]
    for output, chosen in ((REST_SECTION, rest), (START_SECTION, hits - rest)):
        by_object = collections.defaultdict(set)
        for obj, section in chosen:
            by_object[obj].add(section)
        lines.append(f"  {output} : {{")
        for obj in sorted(by_object):
            lines.append(f"    */{obj}({' '.join(sorted(by_object[obj]))})")
        lines.append("  }")
    lines += ["} INSERT BEFORE .text;", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin-dir", required=True, help="the tracing build's executables")
    ap.add_argument("--maps", required=True, help="directory of the tracing build's link maps, <executable>.map")
    ap.add_argument("--preload", required=True, help="pagetrace.so")
    ap.add_argument("--out", required=True, help="the linker script to write")
    ap.add_argument("--rest", type=int, default=6,
                    help="seconds from each process's start to its rest: what it runs from then on is its rest")
    ap.add_argument("--until", type=int, default=30, help="seconds from each process's start to its trace")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="posy-startup-order-") as tmp:
        bus = free_block([0, 1, 2])
        rpc = free_block([0, 11, 20, 30, 40])
        http = free_block([0])
        env = dict(os.environ, PAGETRACE_OUT=os.path.join(tmp, "trace"), PAGETRACE_AFTER=str(args.until),
                   PAGETRACE_REST=str(args.rest),
                   SWIFT_BACKTRACE="enable=no", LD_PRELOAD=os.path.abspath(args.preload))
        cmd = [os.path.join(args.bin_dir, "posy"), "up", "--data-dir", os.path.join(tmp, "data"), "--http-port", str(http),
               "--bus-port", str(bus), "--rpc-base", str(rpc), "--bin-dir", os.path.abspath(args.bin_dir)]
        suite = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = set()
        try:
            deadline = time.time() + args.until + 60
            while time.time() < deadline:
                traces = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith("trace.")]
                done = {open(t).readline().strip().rsplit("/", 1)[-1] for t in traces if os.path.getsize(t) > 0}
                if all(s in done for s in SERVICES):
                    break
                if suite.poll() is not None:
                    sys.exit(f"startup_order: posy up exited ({suite.returncode}) before every service was traced")
                time.sleep(1)
            else:
                sys.exit(f"startup_order: no trace from {sorted(set(SERVICES) - done)}")
            time.sleep(1)  # the last writer closes its file
        finally:
            suite.send_signal(signal.SIGTERM)
            suite.wait(timeout=30)
        hits, rest = set(), set()
        for t in sorted(os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith("trace.")):
            if open(t).readline().strip().rsplit("/", 1)[-1] not in SERVICES:
                continue  # posy up itself is not a service at rest
            name, found, at_rest = ran(t, args.maps)
            print(f"startup_order: {name} ran {len(found)} functions of its own by {args.until} s, "
                  f"{len(at_rest)} of them at rest", file=sys.stderr)
            hits |= found
            rest |= at_rest
    with open(args.out, "w") as f:
        f.write(script(hits, rest))
    print(f"startup_order: {len(hits)} sections in {args.out}, {len(rest)} of them run at rest", file=sys.stderr)


if __name__ == "__main__":
    main()
