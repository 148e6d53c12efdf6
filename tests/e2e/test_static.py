"""The static jailctl and jailctl-full (docs/decisions.md, "Speed"): jailctl starts, runs
commands in and stops a jail without networking by itself, and hands everything that needs
shared libraries to jailctl-full. Only for a static build: sanitizer builds have one binary."""
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import JAILCTL, jailctl, ok

PT_INTERP = 3


def is_static(path):
    """No program interpreter: the ELF program headers hold no PT_INTERP."""
    data = Path(path).read_bytes()
    phoff = int.from_bytes(data[0x20:0x28], "little")
    phentsize = int.from_bytes(data[0x36:0x38], "little")
    phnum = int.from_bytes(data[0x38:0x3a], "little")
    types = [int.from_bytes(data[phoff + i * phentsize:phoff + i * phentsize + 4], "little")
             for i in range(phnum)]
    return PT_INTERP not in types


pytestmark = pytest.mark.skipif(not is_static(JAILCTL), reason="jailctl is not the static build")


@pytest.fixture
def lone(tmp_path):
    """A copy of the static jailctl with its init but without jailctl-full."""
    d = tmp_path / "bin"
    d.mkdir()
    shutil.copy2(JAILCTL, d / "jailctl")
    shutil.copy2(Path(JAILCTL).parent / "jailctl-init", d / "jailctl-init")
    return str(d / "jailctl")


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_a_jail_without_networking_lives_without_jailctl_full(btrfs_pool, lone):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "quiet")
    try:
        rc, out, err = run(lone, "start", "quiet")
        assert rc == 0, err
        rc, out, err = run(lone, "exec", "quiet", "cat", "/etc/hostname", "/proc/1/comm")
        assert rc == 0, err
        assert out.split() == ["quiet", "jailctl-init"]
        rc, out, err = run(lone, "stop", "quiet")
        assert rc == 0, err
        assert "quiet" in ok("list", "-H").out and "down" in ok("list", "-H").out
    finally:
        jailctl("stop", "-f", "quiet")


def test_what_needs_shared_libraries_is_refused_cleanly_without_jailctl_full(btrfs_pool, lone):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "wired", "vnet=1", "ip4_addr=vnet0|10.77.0.2/24")
    ok("create", "-r", "busybox", "-n", "strict", "hostid_strict_check=1")
    before = ok("list", "-H").out
    # a command that always needs them, a start that needs netlink for the jail's VNET, and
    # one that needs glibc's NSS for the host id it checks
    for args in (["list"], ["start", "wired"], ["start", "strict"]):
        rc, out, err = run(lone, *args)
        assert rc == 1
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("jailctl: jailctl-full not found"), err
    assert ok("list", "-H").out == before   # nothing started, nothing changed


def test_jailctl_full_does_the_rest_under_the_same_command_line(btrfs_pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "wired", "vnet=1", "ip4_addr=vnet0|10.77.0.2/24",
       "defaultrouter=none")
    try:
        # options before the command survive the hand-over (-D: debug messages)
        r = ok("-D", "start", "wired")
        assert "jailctl: debug: " in r.err, r
        addrs = ok("exec", "wired", "ip", "-4", "-o", "addr", "show", "eth0").out
        assert "10.77.0.2/24" in addrs
        ok("stop", "wired")
    finally:
        jailctl("stop", "-f", "wired")
