#!/usr/bin/env python3
"""Memory of running jails, for bench/lib/inner.sh.

  mem.py --meminfo                         /proc/meminfo as JSON (kB)
  mem.py --jails POOL PREFIX N [--before MEMINFO_JSON]
        for the running jails PREFIX_1..PREFIX_N of the pool mounted at POOL: their
        processes (from the jail's cgroup: count, RSS, PSS), the jail's memory cgroup
        (usage, kmem, stat), and the change of /proc/meminfo since --before; totals and
        per-jail averages in "summary". Exits 1 (the JSON still written) when none of the
        jails is found running: a measure of nothing must not pass for a result.

A jail's cgroups are taken from its runtime record (/run/jailctl/<pool_id>/NAME.json,
"cgroups"), the paths jailctl itself created, picked by the jail's root being under POOL.
Deriving the cgroup names here instead (jailctl-<pool_id>-NAME) broke silently once: the
pool id changed from sha256 to FNV-1a and every jail read as not running (0 MiB per jail).
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


RUN_DIR = "/run/jailctl"


def records(pool):
    """{jail name: runtime record} of the jails of the pool at `pool` that have one."""
    top = os.path.realpath(pool) + "/"
    out = {}
    for path in glob.glob(os.path.join(RUN_DIR, "*", "*.json")):
        try:
            rec = json.loads(read(path, "") or "{}")
        except ValueError:
            continue   # a record being rewritten (temp file) or not a record
        root = rec.get("root") if isinstance(rec, dict) else None
        if root and os.path.realpath(root).startswith(top):
            out[os.path.basename(path)[:-len(".json")]] = rec
    return out


def cg_dirs(rec):
    """{controller ("v2" or the v1 one): directory} of a record's cgroups that exist."""
    dirs = {}
    for cg in (rec or {}).get("cgroups", []):
        if os.path.isdir(cg.get("path", "")):
            dirs.setdefault(cg.get("controller", "?"), cg["path"])
    return dirs


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


# Figures of the memory cgroup, by their cgroup v1 names: (v1 file, v2 file) and memory.stat
# keys (v1 key, v2 key). The v2 hierarchy has no kmem counter; its stat "kernel" stands in.
MEM_FILES = (("memory.usage_in_bytes", "memory.current"),)
MEM_STAT = (("rss", "anon"), ("cache", "file"), ("shmem", "shmem"),
            ("mapped_file", "file_mapped"), ("kernel_stack", "kernel_stack"),
            ("kmem", "kernel"))


def memcg(dirs):
    """The jail's memory cgroup (v1 "memory", else the v2 one), under v1 names."""
    v1 = "memory" in dirs
    d = dirs.get("memory") or dirs.get("v2")
    cg = {}
    if not d:
        return cg
    files = MEM_FILES + ((("memory.kmem.usage_in_bytes", None),) if v1 else ())
    for name, v2name in files:
        v = read(os.path.join(d, name if v1 else v2name))
        if v is not None:
            cg[name] = int(v)
    keys = {(k1 if v1 else k2): k1 for k1, k2 in MEM_STAT}
    for line in (read(os.path.join(d, "memory.stat"), "") or "").splitlines():
        k, v = line.split()
        if k in keys:
            cg["stat." + keys[k]] = int(v)
    if not v1 and "stat.kmem" in cg:
        cg["memory.kmem.usage_in_bytes"] = cg["stat.kmem"]
    return cg


def jails(pool, prefix, n, before):
    per = []
    recs = records(pool)
    for i in range(1, n + 1):
        name = f"{prefix}_{i}"
        dirs = cg_dirs(recs.get(name))
        pids = procs_of(dirs)
        comms, rss, pss = [], 0, 0
        for p in pids:
            c, r, s = proc_mem(p)
            comms.append(c)
            rss += r
            pss += s
        cg = memcg(dirs)
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
        out = jails(argv[1], argv[2], int(argv[3]), before)
        json.dump(out, sys.stdout, indent=1)
        got = out["summary"]["jails_running"]
        if got < int(argv[3]):
            print(f"mem.py: {got} of {argv[3]} jails {argv[2]}_* found running in {argv[1]}",
                  file=sys.stderr)
        return 0 if got else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
