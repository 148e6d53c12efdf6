#!/usr/bin/env python3
"""Memory of running jails, for bench/lib/inner.sh.

  mem.py --meminfo                         /proc/meminfo as JSON (kB)
  mem.py --jails POOL_ID PREFIX N [--before MEMINFO_JSON]
        for the running jails PREFIX_1..PREFIX_N: their processes (from the jail's cgroup:
        count, RSS, PSS), the jail's memory cgroup (usage, kmem, stat), and the change of
        /proc/meminfo since --before; totals and per-jail averages in "summary".
"""
import glob
import json
import os
import sys


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0])
    return out


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def cg_dirs(pool_id, name):
    leaf = f"jailctl/jailctl-{pool_id}-{name}"
    return {h: os.path.join(h, leaf) for h in glob.glob("/sys/fs/cgroup/*")
            if os.path.isdir(os.path.join(h, leaf))}


def procs_of(dirs):
    pids = set()
    for d in dirs.values():
        for sub, _, files in os.walk(d):
            if "cgroup.procs" in files:
                for p in (read(os.path.join(sub, "cgroup.procs"), "") or "").split():
                    pids.add(int(p))
    return sorted(pids)


def proc_mem(pid):
    rss = pss = 0
    status = read(f"/proc/{pid}/status", "") or ""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    roll = read(f"/proc/{pid}/smaps_rollup", "") or ""
    for line in roll.splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1])
    comm = (read(f"/proc/{pid}/comm", "?") or "?").strip()
    return comm, rss, pss


def jails(pool_id, prefix, n, before):
    per = []
    for i in range(1, n + 1):
        name = f"{prefix}_{i}"
        dirs = cg_dirs(pool_id, name)
        pids = procs_of(dirs)
        comms, rss, pss = [], 0, 0
        for p in pids:
            c, r, s = proc_mem(p)
            comms.append(c)
            rss += r
            pss += s
        mem = dirs.get("/sys/fs/cgroup/memory")
        cg = {}
        if mem:
            for f in ("memory.usage_in_bytes", "memory.kmem.usage_in_bytes"):
                v = read(os.path.join(mem, f))
                if v is not None:
                    cg[f] = int(v)
            stat = read(os.path.join(mem, "memory.stat"), "") or ""
            for line in stat.splitlines():
                k, v = line.split()
                if k in ("rss", "cache", "shmem", "mapped_file", "kernel_stack"):
                    cg["stat." + k] = int(v)
        per.append({"name": name, "pids": len(pids), "comms": comms, "rss_kib": rss,
                    "pss_kib": pss, "cgroup": cg})
    now = meminfo()
    running = [j for j in per if j["pids"]]
    k = max(len(running), 1)
    tot_rss = sum(j["rss_kib"] for j in running)
    tot_pss = sum(j["pss_kib"] for j in running)
    tot_cg = sum(j["cgroup"].get("memory.usage_in_bytes", 0) for j in running) / 1024
    tot_kmem = sum(j["cgroup"].get("memory.kmem.usage_in_bytes", 0) for j in running) / 1024
    tot_cg_rss = sum(j["cgroup"].get("stat.rss", 0) for j in running) / 1024
    tot_cg_cache = sum(j["cgroup"].get("stat.cache", 0) for j in running) / 1024
    summary = {"jails_running": len(running), "processes": sum(j["pids"] for j in running),
               "rss_kib_per_jail": round(tot_rss / k, 1),
               "pss_kib_per_jail": round(tot_pss / k, 1),
               "cgroup_usage_kib_per_jail": round(tot_cg / k, 1),
               "cgroup_kmem_kib_per_jail": round(tot_kmem / k, 1),
               "cgroup_rss_kib_per_jail": round(tot_cg_rss / k, 1),
               "cgroup_cache_kib_per_jail": round(tot_cg_cache / k, 1),
               "brief_formula_kib_per_jail": round((tot_rss + tot_cg) / k, 1),
               "comms": sorted(set(c for j in running for c in j["comms"]))}
    if before:
        used = lambda m: m["MemTotal"] - m["MemAvailable"]
        delta = {key: now[key] - before.get(key, 0) for key in
                 ("Slab", "SUnreclaim", "KernelStack", "PageTables", "Shmem", "AnonPages",
                  "Percpu", "Buffers", "Cached")}
        delta["Used(MemTotal-MemAvailable)"] = used(now) - used(before)
        delta["MemFree_drop"] = before["MemFree"] - now["MemFree"]
        summary["system_delta_kib"] = delta
        summary["system_used_kib_per_jail"] = round(delta["Used(MemTotal-MemAvailable)"] / k, 1)
        summary["system_kernel_kib_per_jail"] = round(
            (delta["SUnreclaim"] + delta["KernelStack"] + delta["PageTables"] + delta["Percpu"]) / k, 1)
    return {"summary": summary, "meminfo": now, "jails": per}


def main(argv):
    if argv[:1] == ["--meminfo"]:
        json.dump(meminfo(), sys.stdout)
        return 0
    if argv[:1] == ["--jails"] and len(argv) >= 4:
        before = None
        if "--before" in argv:
            before = json.load(open(argv[argv.index("--before") + 1]))
        json.dump(jails(argv[1], argv[2], int(argv[3]), before), sys.stdout, indent=1)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
