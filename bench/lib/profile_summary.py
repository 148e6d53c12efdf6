#!/usr/bin/env python3
"""Condenses bench/results/<run>/profile/ into JSON: profile_summary.py PROFILE_DIR

Per command: instructions of jailctl's own process (callgrind; the file of the highest pid,
since a forked child inside a jail's pid namespace has a small one) with the parts spent in
the dynamic loader, in OpenSSL (EVP_Digest: the pool id's SHA-256), in JSON parsing (jansson)
and in main(); syscall counts (strace -c -f); per process, the syscalls that took most time
(perf trace -s).
"""
import glob
import json
import os
import re
import sys

KEYS = {
    "dynamic_loader": r"rtld\.c:_dl_start ",
    "openssl_EVP_Digest": r":EVP_Digest ",
    "jansson_json_loadb": r":json_loadb ",
    "jansson_json_dump": r":json_dump",
    "main": r"main\.c:main ",
}


def callgrind(d, name):
    files = [f for f in glob.glob(os.path.join(d, f"callgrind.{name}.*")) if re.search(r"\.\d+$", f)]
    if not files:
        return None
    f = max(files, key=lambda p: int(p.rsplit(".", 1)[1]))
    top = f + ".top.txt"
    out = {"file": os.path.basename(f)}
    if not os.path.exists(top):
        return out
    text = open(top).read()
    m = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
    total = int(m.group(1).replace(",", "")) if m else None
    out["instructions"] = total
    for key, pat in KEYS.items():
        for line in text.splitlines():
            if re.search(pat, line + " "):
                n = int(line.split()[0].replace(",", ""))
                out[key] = n
                break
    fn = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S+)", line)
        if m and "/src/" in m.group(3):
            fn.append((int(m.group(1).replace(",", "")), m.group(3).split("/src/")[-1]))
    out["top_jailctl_functions"] = fn[:12]
    return out


def strace_c(d, name):
    p = os.path.join(d, f"strace-c.{name}.txt")
    if not os.path.exists(p):
        return None
    rows = []
    total = None
    for line in open(p):
        parts = line.split()
        if len(parts) >= 5 and re.match(r"[\d.]+$", parts[0]):
            if parts[-1] == "total":
                total = int(parts[3])
            else:
                rows.append((parts[-1], int(parts[3])))
    rows.sort(key=lambda r: -r[1])
    return {"total_calls": total, "by_calls": rows[:10]}


def perf_s(d, name):
    p = os.path.join(d, f"perf-trace-s.{name}.txt")
    if not os.path.exists(p):
        return None
    procs, cur = [], None
    for line in open(p):
        m = re.match(r"\s*(\S+) \((\d+)\), (\d+) events", line)
        if m:
            cur = {"process": f"{m.group(1)}({m.group(2)})", "top_ms": []}
            procs.append(cur)
            continue
        parts = line.split()
        if cur is not None and len(parts) >= 8 and re.match(r"\d+$", parts[1]) and re.match(r"[\d.]+$", parts[3]):
            cur["top_ms"].append((parts[0], int(parts[1]), float(parts[3]), float(parts[6])))
    for pr in procs:
        pr["top_ms"] = sorted(pr["top_ms"], key=lambda r: -r[2])[:6]
    return procs


def main(d):
    out = {}
    for name in ("version", "start", "exec", "stop", "create", "list"):
        out[name] = {"callgrind": callgrind(d, name), "strace_c": strace_c(d, name), "perf_trace_s": perf_s(d, name)}
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
