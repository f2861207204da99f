#!/usr/bin/env python3
"""Writes the startup layout the executables are linked with (docs/performance.md, "Memory at rest").

`make startup-order` builds the suite with every function at the start of a page of its own and a
link map per executable, then runs this: it starts `posy up` from that build with `pagetrace.so`
preloaded, lets the suite rest, and lists every function any process ran by then — its own start
and its rest, nothing a client asked for. The result is a linker script that gathers those
functions, by object file and section, into one output section ahead of `.text`: what a process
runs at start then lies together instead of across the whole file. Sections, not symbols: some
functions the compiler emits (closure contexts' destroyers, unnamed helpers) have no symbol.

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
OUTPUT_SECTION = ".text.posy_start"
# One input section in lld's map: address, load address, size, alignment, then "file:(section)".
MAP_LINE = re.compile(r"\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(/\S+):\((\.text[^)\s]*)\)\s*$")
# An object of the build: .../<Module>.build/[<dir>/…]<file>.o, matched wherever the build lies.
OBJECT = re.compile(r"^.*?/([^/]+\.build/.+\.o)$")


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
    """The input sections on the pages a trace lists: on the tracing build each starts a page."""
    lines = open(trace).read().split()
    exe, offsets = lines[0], [int(x, 16) for x in lines[1:]]
    name = os.path.basename(exe)
    offset, address, size = text_segment(exe)
    pages = {(address + o - offset) // 4096 for o in offsets if offset <= o < offset + size}
    hit = set()
    for start, length, obj, section in sections(os.path.join(maps, name + ".map")):
        if any(p in pages for p in range(start // 4096, (start + length - 1) // 4096 + 1)):
            m = OBJECT.match(obj)
            if m:  # the C runtime's own objects (crt1, crti) are not the build's
                hit.add((m.group(1), section))
    return name, hit


def script(hits):
    """A linker script placing the sections run at start ahead of .text, one line per object."""
    by_object = collections.defaultdict(set)
    for obj, section in hits:
        by_object[obj].add(section)
    lines = [
        "/* What the suite's processes run from start to rest, gathered ahead of .text (docs/performance.md,",
        "   \"Memory at rest\"). Written by `make startup-order`; do not edit. */",
        "SECTIONS {",
        f"  {OUTPUT_SECTION} : {{",
    ]
    for obj in sorted(by_object):
        lines.append(f"    */{obj}({' '.join(sorted(by_object[obj]))})")
    lines += ["  }", "} INSERT BEFORE .text;", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin-dir", required=True, help="the tracing build's executables")
    ap.add_argument("--maps", required=True, help="directory of the tracing build's link maps, <executable>.map")
    ap.add_argument("--preload", required=True, help="pagetrace.so")
    ap.add_argument("--out", required=True, help="the linker script to write")
    ap.add_argument("--rest", type=int, default=10, help="seconds from each process's start to its trace")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="posy-startup-order-") as tmp:
        bus = free_block([0, 1, 2])
        rpc = free_block([0, 11, 20, 30, 40])
        http = free_block([0])
        env = dict(os.environ, PAGETRACE_OUT=os.path.join(tmp, "trace"), PAGETRACE_AFTER=str(args.rest),
                   SWIFT_BACKTRACE="enable=no", LD_PRELOAD=os.path.abspath(args.preload))
        cmd = [os.path.join(args.bin_dir, "posy"), "up", "--data-dir", os.path.join(tmp, "data"), "--http-port", str(http),
               "--bus-port", str(bus), "--rpc-base", str(rpc), "--bin-dir", os.path.abspath(args.bin_dir)]
        suite = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = set()
        try:
            deadline = time.time() + args.rest + 60
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
        hits = set()
        for t in sorted(os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith("trace.")):
            if open(t).readline().strip().rsplit("/", 1)[-1] not in SERVICES:
                continue  # posy up itself is not a service at rest
            name, found = ran(t, args.maps)
            print(f"startup_order: {name} ran {len(found)} functions of its own by {args.rest} s", file=sys.stderr)
            hits |= found
    with open(args.out, "w") as f:
        f.write(script(hits))
    print(f"startup_order: {len(hits)} sections in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
