#!/usr/bin/env python3
"""The machine and the tools, as JSON: env.py ROOT JAILCTL > env.json"""
import json
import os
import platform
import subprocess
import sys


def run(*argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return (p.stdout or p.stderr).strip().splitlines()[0] if (p.stdout or p.stderr).strip() else ""
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"


def dpkg(pkg):
    return run("dpkg-query", "-W", "-f=${Version}", pkg) or "not installed"


def linkage(binary):
    """How the jailctl binary was linked: glibc's objects carry an ABI note, musl's none."""
    try:
        elf = subprocess.run(["readelf", "-n", "-l", binary], capture_output=True,
                             text=True).stdout
    except OSError:
        elf = ""
    libc = "glibc" if "NT_GNU_ABI_TAG" in elf else "musl"
    return f"{'dynamic' if 'INTERP' in elf else 'static'}, {libc}"


def main(root, jailctl):
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    build = {}
    try:
        opts = json.loads(subprocess.run(["meson", "introspect", os.path.join(root, "build"), "--buildoptions"],
                                         capture_output=True, text=True).stdout)
        build = {o["name"]: o["value"] for o in opts
                 if o["name"] in ("buildtype", "optimization", "debug", "b_sanitize", "b_ndebug")}
    except (OSError, ValueError):
        pass
    git = run("git", "-C", root, "describe", "--always", "--dirty")
    env = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_total_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "debian": open("/etc/debian_version").read().strip(),
        "loadavg": open("/proc/loadavg").read().split()[:3],
        "jailctl": {"version": run(jailctl, "--version"), "git": git, "build": build,
                    "linkage": linkage(jailctl),
                    "compiler": run("cc", "--version")},
        "tools": {
            "hyperfine": run("hyperfine", "--version"),
            "crun": run("crun", "--version"),
            "runc": run("runc", "--version"),
            "lxc": "lxc " + run("lxc-start", "--version") + f" (Debian {dpkg('lxc')})",
            "systemd-nspawn": run("systemd-nspawn", "--version"),
            "bubblewrap": run("bwrap", "--version"),
            "util-linux (unshare, nsenter)": run("unshare", "--version"),
            "btrfs-progs": run("btrfs", "--version"),
            "iproute2": run("ip", "-V"),
            "e2fsprogs": f"e2fsprogs {dpkg('e2fsprogs')}",
            "busybox (release source)": f"busybox-static {dpkg('busybox-static')}" if dpkg('busybox-static') != "not installed" else f"busybox {dpkg('busybox')}",
        },
    }
    json.dump(env, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
