#!/usr/bin/env python3
"""Markdown report of a bench run.

  report.py OUT_DIR                       print the report
  report.py --write-doc DOC.md OUT_DIR    put it into DOC.md between the markers
                                          <!-- bench:results:begin --> / <!-- bench:results:end -->
"""
import glob
import json
import os
import re
import statistics
import sys

BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


class Run:
    def __init__(self, out):
        self.out = out
        self.env = load(os.path.join(out, "env.json"), {})
        self.env_scale = load(os.path.join(out, "env-scale.json"))
        self.paths = load(os.path.join(out, "data", "paths.json"), {})
        self.results = {}
        for f in glob.glob(os.path.join(out, "*.json")):
            name = os.path.basename(f)[:-5]
            d = load(f)
            if d and "results" in d:
                self.results[name] = d["results"][0]
        self.cmds = {os.path.basename(f)[:-5]: load(f) for f in glob.glob(os.path.join(out, "cmds", "*.json"))}
        self.errors = {}
        for f in glob.glob(os.path.join(out, "errors", "*.txt")):
            with open(f) as fh:
                self.errors[os.path.basename(f)[:-4]] = fh.read().strip()

    def data(self, name, default=None):
        return load(os.path.join(self.out, "data", name + ".json"), default)

    def med(self, name):
        r = self.results.get(name)
        return r["median"] * 1000 if r else None

    def stats(self, name):
        r = self.results.get(name)
        if not r:
            return None
        t = sorted(x * 1000 for x in r["times"])
        q = statistics.quantiles(t, n=4) if len(t) >= 2 else [t[0]] * 3
        return {"median": r["median"] * 1000, "q1": q[0], "q3": q[2], "min": t[0], "max": t[-1], "n": len(t)}

    def shorten(self, s):
        for var, path in sorted(self.paths.items(), key=lambda kv: -len(kv[1])):
            if path:
                s = s.replace(path, var)
        return s


def ms(v):
    if v is None:
        return "–"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def row_of(run, name, label, best=None, floor=None):
    s = run.stats(name)
    if not s:
        err = run.errors.get(name)
        if not err:
            return f"| {label} | not run | | | | | |"
        why = run.shorten(err.splitlines()[-1]).replace("|", "\\|")
        return f"| {label} | failed | | | | | {why[:160]} |"
    return (f"| {label} | **{ms(s['median'])}** | {ms(s['q1'])}–{ms(s['q3'])} | {ms(s['min'])}–{ms(s['max'])} "
            f"| {ratio(s['median'], best)} | {ratio(s['median'], floor)} | n={s['n']} |")


HEAD = ("| what | median ms | IQR ms | min–max ms | × best peer | × floor | |\n"
        "|---|---:|---:|---:|---:|---:|---|")


def best_of(run, names):
    vals = [(run.med(n), n) for n in names if run.med(n) is not None]
    return min(vals) if vals else (None, None)


def section_cycle(run, out):
    peers = ["cycle.crun", "cycle.runc", "cycle.lxc-execute", "cycle.lxc-start", "cycle.nspawn", "cycle.bwrap"]
    best, bname = best_of(run, peers)
    floor = run.med("cycle.floor")
    out.append("### Start → `exec /bin/true` → stop, no network\n")
    out.append(f"Best peer: `{bname}`. Floor: `unshare -m -p -u -i -n -f chroot ROOT /bin/true`. "
               "jailctl's cycle is three commands (`start`, `exec`, `stop`); the parts are measured "
               "separately below it.\n")
    out.append(HEAD)
    labels = [("cycle.jailctl.btrfs", "jailctl start+exec+stop (btrfs pool)"),
              ("cycle.jailctl.dir", "jailctl start+exec+stop (dir pool, ext4)"),
              ("cycle.jailctl-norc.btrfs", "jailctl start+exec+stop, exec_start/exec_stop=/bin/true (btrfs)"),
              ("part.start.jailctl.btrfs", "· jailctl start (btrfs)"),
              ("part.exec.jailctl.btrfs", "· jailctl exec /bin/true (btrfs)"),
              ("part.stop.jailctl.btrfs", "· jailctl stop (btrfs)"),
              ("part.start.jailctl.dir", "· jailctl start (dir)"),
              ("part.stop.jailctl.dir", "· jailctl stop (dir)"),
              ("part.start.jailctl-norc.btrfs", "· jailctl start, exec_start=/bin/true (btrfs)"),
              ("part.stop.jailctl-norc.btrfs", "· jailctl stop, exec_stop=/bin/true (btrfs)"),
              ("startup.jailctl-version", "· `jailctl --version` (process start-up only)"),
              ("startup.true", "· host `/bin/true` (for scale)"),
              ("cycle.crun", "crun run"), ("cycle.runc", "runc run"),
              ("cycle.lxc-execute", "lxc-execute"), ("cycle.lxc-start", "lxc-start -F"),
              ("cycle.nspawn", "systemd-nspawn"), ("cycle.bwrap", "bwrap"),
              ("cycle.floor", "floor: unshare + chroot")]
    for n, l in labels:
        out.append(row_of(run, n, l, best, floor))
    out.append("")


def section_exec(run, out):
    peers = ["exec.lxc-attach", "exec.crun", "exec.runc"]
    best, bname = best_of(run, peers)
    floor = run.med("exec.nsenter")
    out.append("### `exec /bin/true` in a running jail / container\n")
    out.append(f"Best peer: `{bname}`. Floor: `nsenter -a -t PID /bin/true` (PID = the jail's init).\n")
    out.append(HEAD)
    for n, l in [("exec.jailctl", "jailctl exec"), ("exec.lxc-attach", "lxc-attach"),
                 ("exec.crun", "crun exec"), ("exec.runc", "runc exec"),
                 ("exec.nsenter", "floor: nsenter -a")]:
        out.append(row_of(run, n, l, best, floor))
    init = run.data("exec_jail_init")
    if init:
        out.append(f"\nThe jail's init: `{init.get('comm')}` (the busybox jail runs no other process once `/etc/rc` is done; `exec` asks it to fork the command).")
    out.append("")


def section_clone(run, out):
    best, bname = best_of(run, ["clone.lxc-copy.btrfs", "clone.lxc-copy.overlay"])
    floor = run.med("clone.btrfs-snapshot")
    out.append("### Create a clone jail\n")
    out.append(f"Floor: `btrfs subvolume snapshot` of the release's root subvolume. Best peer: `{bname}`. "
               "Each run first destroys the previous clone (not timed).\n")
    out.append(HEAD)
    for n, l in [("clone.jailctl-create.btrfs", "jailctl create -r busybox (btrfs)"),
                 ("clone.jailctl-clone.btrfs", "jailctl clone JAIL (btrfs)"),
                 ("clone.jailctl-create.dir", "jailctl create -r busybox (dir, ext4)"),
                 ("clone.jailctl-clone.dir", "jailctl clone JAIL (dir, ext4)"),
                 ("clone.lxc-copy.btrfs", "lxc-copy -s (btrfs snapshot)"),
                 ("clone.lxc-copy.overlay", "lxc-copy -s -B overlay (ext4)"),
                 ("clone.btrfs-snapshot", "floor: btrfs subvolume snapshot")]:
        out.append(row_of(run, n, l, best, floor))
    out.append("")


def vnet_extra(run):
    a, b = run.med("vnet.start.jailctl-vnet"), run.med("vnet.start.jailctl-novnet")
    return (a - b) if a is not None and b is not None else None


def section_vnet(run, out):
    floor = run.med("vnet.floor")
    out.append("### Start with VNET (inside the bench's private network namespace)\n")
    out.append("VNET jail: `vnet=1 interfaces=vnet0:bridge0 ip4_addr=vnet0|10.231.0.2/24 defaultrouter=none`, "
               "bridge0 made beforehand. Floor: `ip netns add` + veth pair + bridge + address as six "
               "`ip` calls (the script is in the command list). The extra cost of VNET is the "
               "difference of the medians.\n")
    out.append(HEAD)
    for n, l in [("vnet.start.jailctl-novnet", "jailctl start, no VNET"),
                 ("vnet.start.jailctl-vnet", "jailctl start, VNET"),
                 ("vnet.stop.jailctl-vnet", "jailctl stop, VNET"),
                 ("vnet.lxc-execute-empty", "lxc-execute, lxc.net type empty"),
                 ("vnet.lxc-execute-veth", "lxc-execute, veth on bridge0"),
                 ("vnet.floor", "floor: netns + veth + bridge")]:
        out.append(row_of(run, n, l, None, floor))
    extra = vnet_extra(run)
    le, lv = run.med("vnet.lxc-execute-empty"), run.med("vnet.lxc-execute-veth")
    out.append("")
    iqr = run.stats("vnet.start.jailctl-vnet")
    noise = f" (within the run's noise: the IQR of the VNET start is {ms(iqr['q3'] - iqr['q1'])} ms wide)" if iqr and extra is not None and abs(extra) < (iqr["q3"] - iqr["q1"]) else ""
    out.append(f"Extra cost of VNET at start: jailctl **{ms(extra)} ms**{noise} ({ratio(extra, floor)} the floor's "
               f"{ms(floor)} ms)" + (f"; LXC's veth {ms(lv - le)} ms." if le and lv else "."))
    out.append("")


def section_list(run, out):
    out.append("### `list` with many jails, memory per idle jail\n")
    c = run.data("list_create")
    if not c:
        out.append("Not run.\n")
        return
    running = run.data("list_running")
    s1, s2, stop = run.data("list_start_mem"), run.data("list_start_rest"), run.data("list_stop_all")
    out.append(f"{c['jails']} jails (`jailctl create -r busybox -c {c['jails']} -n L`: {c['ms'] / 1000:.1f} s, "
               f"{c['ms'] / c['jails']:.1f} ms per jail), {running} of them running "
               f"(started {s1['jails']} in {s1['ms'] / 1000:.1f} s"
               + (f", then {s2['jails']} in {s2['ms'] / 1000:.1f} s" if s2 else "")
               + (f"; `stop ALL` took {stop['ms'] / 1000:.1f} s" if stop else "") + ").\n")
    out.append(HEAD)
    for n, l in [("list.jailctl", "jailctl list"), ("list.jailctl-H", "jailctl list -H"),
                 ("list.jailctl-q", "jailctl list -q"), ("list.jailctl-json", "jailctl list --json")]:
        out.append(row_of(run, n, l))
    out.append("")
    mem = run.data("mem_idle")
    if mem:
        mem_table(out, mem["summary"], "idle jails (btrfs pool, busybox, `exec_start=/bin/sh /etc/rc`)")
    for tag, what in (("basejail", "idle basejails (btrfs pool, `create -b`)"), ("dir", "idle jails on the dir pool (ext4, overlay clones)")):
        mem = run.data("mem_idle_" + tag)
        if mem:
            mem_table(out, mem["summary"], what)


def mem_table(out, s, what):
    out.append(f"Memory of {s['jails_running']} running {what}, per jail (KiB):\n")
    out.append("| measure | KiB per jail |\n|---|---:|")
    out.append(f"| processes in the jail's cgroup (total {s['processes']}: {', '.join(s['comms'])}) | {s['processes'] / max(s['jails_running'], 1):.2f} procs |")
    out.append(f"| host RSS of the jail's processes | {s['rss_kib_per_jail']} |")
    out.append(f"| PSS of the jail's processes (shared pages split) | {s['pss_kib_per_jail']} |")
    out.append(f"| memory cgroup usage (`memory.usage_in_bytes`) | {s['cgroup_usage_kib_per_jail']} |")
    out.append(f"| · of which kernel memory (`memory.kmem.usage_in_bytes`) | {s['cgroup_kmem_kib_per_jail']} |")
    if "cgroup_cache_kib_per_jail" in s:
        out.append(f"| · of which page cache (`memory.stat` cache) | {s['cgroup_cache_kib_per_jail']} |")
    out.append(f"| RSS + cgroup usage (the issue's formula) | **{s['brief_formula_kib_per_jail']}** |")
    if "system_used_kib_per_jail" in s:
        out.append(f"| host-wide: change of MemTotal−MemAvailable / jails | {s['system_used_kib_per_jail']} |")
        out.append(f"| host-wide kernel: ΔSUnreclaim+KernelStack+PageTables+Percpu / jails | **{s['system_kernel_kib_per_jail']}** |")
    out.append("")


def section_scale(run, out):
    st = run.data("scale_start")
    out.append("### 1,000 running jails on this 2-core machine\n")
    if not st:
        out.append("Not run in this run (`bench/run --scale`).\n")
        return
    e = run.env_scale or run.env
    out.append(f"Run as `{open(os.path.join(run.out, 'args.txt')).read().strip().splitlines()[-1]}`; "
               f"load average at its start {' '.join(e.get('loadavg', []))}.\n")
    cr = run.data("scale_create")
    rows = []
    if cr:
        rows.append(("create 1,000 jails", f"{cr['ms'] / 1000:.1f} s"))
    rows.append((f"start (asked {st['asked']}, in batches of 50)",
                 f"{st['ms'] / 1000:.1f} s, **{st['running']} running**" + (" (deadline hit)" if st.get("deadline_hit") else "")))
    if st["running"]:
        rows.append(("start, per jail", f"{st['ms'] / st['running']:.0f} ms"))
    ls = run.stats("scale.list")
    if ls:
        rows.append((f"`jailctl list` with {run.data('scale_running_at_list')} running", f"median {ms(ls['median'])} ms (min–max {ms(ls['min'])}–{ms(ls['max'])}, n={ls['n']})"))
    sp = run.data("scale_stop")
    if sp:
        rows.append(("`jailctl stop ALL`", f"{sp['ms'] / 1000:.1f} s, {sp['still_running']} still running after"))
    out.append("| step | result |\n|---|---|")
    for a, b in rows:
        out.append(f"| {a} | {b} |")
    out.append("")
    prog = os.path.join(run.out, "data", "scale_progress.tsv")
    if os.path.exists(prog):
        lines = [l.split("\t") for l in open(prog).read().splitlines() if l]
        pts = [l for i, l in enumerate(lines) if i % 4 == 3 or i == len(lines) - 1]
        out.append("Progress (asked / running / seconds since the first start): "
                   + ", ".join(f"{a}/{b}/{float(c) / 1000:.0f}s" for a, b, c in pts) + ".\n")
    mem = run.data("scale_mem")
    if mem:
        mem_table(out, mem["summary"], "jails at scale")


def mi(n):
    return "–" if n is None else f"{n / 1e6:.1f} M"


def section_profile(run, out):
    prof = run.data("profile")
    if not prof:
        return
    out.append("### Profile of each jailctl command (user-space instructions, syscalls)\n")
    out.append("Instructions of jailctl's own process by callgrind (children not included), the "
               "parts spent in the dynamic loader (`_dl_start`: loading and relocating jailctl's shared "
               "libraries), in OpenSSL (`EVP_Digest`; only fetch/export/import and VNET MAC "
               "derivation load libcrypto now), in jansson (`json_loadb`), and "
               "syscalls counted by `strace -f -c` (all processes; not for start, whose init strace "
               "would follow forever). Raw files: `profile/`.\n")
    out.append("| command | instructions | dynamic loader | OpenSSL EVP_Digest | json_loadb | main() | syscalls |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for name, p in prof.items():
        c = p.get("callgrind") or {}
        s = p.get("strace_c") or {}
        out.append(f"| {name} | {mi(c.get('instructions'))} | {mi(c.get('dynamic_loader'))} | "
                   f"{mi(c.get('openssl_EVP_Digest'))} | {mi(c.get('jansson_json_loadb'))} | {mi(c.get('main'))} | "
                   f"{s.get('total_calls', '–')} |")
    out.append("")
    out.append("Slowest syscalls per process (`perf trace -s`, total ms: syscall × calls):\n")
    for name in ("start", "exec", "stop", "create"):
        procs = (prof.get(name) or {}).get("perf_trace_s") or []
        items = []
        for pr in procs[:6]:
            tops = ", ".join(f"{sc} {tot:.1f} ms ×{n}" for sc, n, tot, mx in pr["top_ms"][:3] if tot >= 0.5)
            if tops:
                items.append(f"{pr['process']}: {tops}")
        if items:
            out.append(f"- **{name}**: " + "; ".join(items))
    out.append("")


def targets(run):
    """(target, measured, ratio/limit, verdict)"""
    rows = []

    def verdict(ok):
        return "**met**" if ok else "**missed**"

    b = run.med("cycle.crun")
    for n, what in [("cycle.jailctl-norc.btrfs", "a jail that runs no services, as crun runs none "
                     "(`exec_start`/`exec_stop=/bin/true`)"),
                    ("cycle.jailctl.btrfs", "a default busybox jail (its `/etc/rc` and `/etc/rc.shutdown` run)")]:
        a = run.med(n)
        if a and b:
            rows.append((f"start → exec true → stop ≤ 1.0× one `crun run`: {what}", f"{ms(a)} vs {ms(b)} ms",
                         f"{a / b:.2f}×", verdict(a <= b) + ("" if a <= b else f" ({a / b:.2f}× the limit)")))
    a, b = run.med("exec.jailctl"), run.med("exec.nsenter")
    if a and b:
        rows.append(("exec ≤ 1.2× `nsenter -a`", f"{ms(a)} vs {ms(b)} ms", f"{a / b:.2f}×",
                     verdict(a <= 1.2 * b) + ("" if a <= 1.2 * b else f" ({a / (1.2 * b):.1f}× the limit)")))
    f = run.med("clone.btrfs-snapshot")
    for n, l in [("clone.jailctl-create.btrfs", "create -r"), ("clone.jailctl-clone.btrfs", "clone")]:
        a = run.med(n)
        if a and f:
            rows.append((f"create clone ({l}, btrfs) ≤ 3× `btrfs subvolume snapshot`", f"{ms(a)} vs {ms(f)} ms",
                         f"{a / f:.2f}×", verdict(a <= 3 * f) + ("" if a <= 3 * f else f" ({a / (3 * f):.1f}× the limit)")))
    e, f = vnet_extra(run), run.med("vnet.floor")
    if e is not None and f:
        rows.append(("VNET extra start cost ≤ 1.3× netns+veth+bridge", f"{ms(e)} vs {ms(f)} ms", f"{e / f:.2f}×",
                     verdict(e <= 1.3 * f) + ("" if e <= 1.3 * f else f" ({e / (1.3 * f):.1f}× the limit)")))
    a = run.med("list.jailctl")
    if a:
        c = run.data("list_create", {}).get("jails", "?")
        rows.append((f"`list` of {c} jails < 50 ms", f"{ms(a)} ms", f"{a / 50:.2f}× the limit",
                     verdict(a < 50)))
    mem = run.data("mem_idle")
    if mem:
        s = mem["summary"]
        kern = s.get("system_kernel_kib_per_jail")
        formula = s["brief_formula_kib_per_jail"]
        cache = s.get("cgroup_cache_kib_per_jail")
        text = (f"RSS + cgroup usage {formula / 1024:.2f} MiB (page cache {cache / 1024:.2f} MiB of it); "
                f"unreclaimable kernel memory {kern / 1024:.2f} MiB" if cache is not None else
                f"RSS + cgroup usage {formula / 1024:.2f} MiB; unreclaimable kernel memory {kern / 1024:.2f} MiB")
        v = verdict(formula < 1024)
        if formula >= 1024 and kern is not None and kern < 1024:
            v += " by the issue's formula (RSS + cgroup usage); met for unreclaimable memory"
        rows.append(("idle jail < 1 MiB host memory (btrfs pool)", text, f"{formula / 1024:.2f} MiB", v))
    st = run.data("scale_start")
    if st:
        ok = st["running"] >= 1000
        rows.append(("1,000 running jails hold", f"{st['running']} of {st['asked']} running",
                     "", verdict(ok)))
    return rows


def commands(run, out):
    out.append("### Exact command lines\n")
    out.append("As benchmarked by hyperfine (through `sh -c`; hyperfine subtracts the shell's start-up). "
               "`prepare` runs before every timed run and is not timed. Paths: "
               + ", ".join(f"`{k}`" for k in run.paths) + " (temp dir and pools of the run); "
               "the OCI bundles are `crun spec` with `process.args` set, `terminal=false`, "
               "`root.readonly=false`, `root.path=$PEERS/rootfs`; the LXC configs are written by "
               "`bench/lib/inner.sh` (`lxc_conf`).\n")
    out.append("| name | command | prepare / wrapper |\n|---|---|---|")
    for name in sorted(run.cmds):
        c = run.cmds[name]
        extra = []
        if c.get("prepare"):
            extra.append(f"`{run.shorten(c['prepare'])}`")
        if c.get("wrap") == "nounified":
            extra.append("in a mount namespace without /sys/fs/cgroup/unified")
        if c.get("wrap") == "incg":
            extra.append("in a cgroup of the bench's own")
        if c.get("note"):
            extra.append(c["note"])
        cmd = run.shorten(c["command"]).replace("|", "\\|")
        out.append(f"| {name} | `{cmd}` | {'; '.join(extra).replace('|', chr(92) + '|')} |")
    out.append("")


def report(out_dir):
    run = Run(out_dir)
    e = run.env
    out = []
    out.append(f"Run `{os.path.basename(os.path.abspath(out_dir))}`: "
               f"{open(os.path.join(out_dir, 'args.txt')).read().strip().splitlines()[0] if os.path.exists(os.path.join(out_dir, 'args.txt')) else 'bench/run'}"
               ", hyperfine JSON in `bench/results/<run>/`.\n")
    out.append("### Machine and tools\n")
    la_end = ""
    p = os.path.join(out_dir, "env-loadavg_end.txt")
    if os.path.exists(p):
        la_end = " ".join(open(p).read().split()[:3])
    j = e.get("jailctl", {})
    b = j.get("build", {})
    out.append("| item | value |\n|---|---|")
    out.append(f"| CPUs (`nproc`) | {e.get('nproc')} ({e.get('cpu')}) |")
    out.append(f"| memory | {e.get('mem_total_gib')} GiB |")
    out.append(f"| kernel | {e.get('kernel')} |")
    out.append(f"| Debian | {e.get('debian')} |")
    out.append(f"| load average (1/5/15 min) at start → end | {' '.join(e.get('loadavg', []))} → {la_end} |")
    out.append(f"| jailctl | {j.get('version')} ({j.get('git')}), `build/jailctl` from `scripts/build` "
               f"({j.get('linkage', 'static')}): "
               f"buildtype={b.get('buildtype')} (-O{b.get('optimization')}, -g), b_sanitize={b.get('b_sanitize')}, {j.get('compiler')} |")
    for k, v in e.get("tools", {}).items():
        out.append(f"| {k} | {v} |")
    out.append("")
    out.append("### Targets (SPEC §11)\n")
    out.append("| target | measured | ratio | verdict |\n|---|---|---|---|")
    for t in targets(run):
        out.append("| " + " | ".join(t) + " |")
    out.append("")
    section_cycle(run, out)
    section_exec(run, out)
    section_clone(run, out)
    section_vnet(run, out)
    section_list(run, out)
    section_scale(run, out)
    section_profile(run, out)
    if run.errors:
        out.append("### Peers that did not run\n")
        for n, err in sorted(run.errors.items()):
            out.append(f"- `{n}`: " + run.shorten(err.splitlines()[-1]).strip())
        out.append("")
    commands(run, out)
    return "\n".join(out)


def main(argv):
    if argv[:1] == ["--write-doc"] and len(argv) == 3:
        doc, out_dir = argv[1], argv[2]
        text = open(doc).read() if os.path.exists(doc) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
        if BEGIN not in text or END not in text:
            text += f"\n{BEGIN}\n{END}\n"
        body = report(out_dir)
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: f"{BEGIN}\n{body}\n{END}",
                      text, flags=re.S)
        with open(doc, "w") as f:
            f.write(text)
        return 0
    if len(argv) == 1:
        print(report(argv[0]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
