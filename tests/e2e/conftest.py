"""Harness for the end-to-end tests.

The suite runs (via tests/e2e/run) in private mount and network namespaces. On top of
that every test gets fresh namespaces of its own: the fixture below unshares a new mount
and network namespace for the test, mounts empty tmpfs over jailctl's host directories
(/var/lib/jailctl, /run/jailctl, /mnt) and an overlay over /etc, and when the test ends it
returns to the suite's namespaces. The test's namespaces then die with everything mounted
in them (pools on loop files are autoclear, so their loop devices detach too).
"""
import ctypes
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JAILCTL = os.environ.get("JAILCTL_BIN", str(ROOT / "build" / "jailctl"))
HOST_DIRS = ["/var/lib/jailctl", "/run/jailctl", "/mnt"]

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def wait_for(pred, timeout=10.0):
    """Until pred() holds, for what jailctl finishes in the background (bounded)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def sh(*argv, check=True, **kw):
    """Run a helper program (never through a shell)."""
    return subprocess.run([str(a) for a in argv], check=check, capture_output=True, text=True, **kw)


def pytest_sessionstart(session):
    if os.geteuid() != 0:
        pytest.exit("the end-to-end tests need root", returncode=4)
    if os.environ.get("JAILCTL_E2E_NS") != "1":
        pytest.exit("run the end-to-end tests through tests/e2e/run (private namespaces)", returncode=4)
    if not os.access(JAILCTL, os.X_OK):
        pytest.exit(f"{JAILCTL} not built: run scripts/build", returncode=4)
    for d in HOST_DIRS:
        os.makedirs(d, exist_ok=True)


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"<rc={self.rc} out={self.out!r} err={self.err!r}>"


# LeakSanitizer checks every command. It stops the world through /proc and ptrace, which
# would not survive a process that stayed in a jail's namespaces; jailctl itself never does
# (commands run through the jail's init, and the helpers that join a jail are children that
# exec or _exit). Exit code 86: a sanitizer report, never jailctl's own.
ASAN_OPTIONS = "detect_leaks=1:exitcode=86"


def jailctl(*args, input=None, env=None):
    """Run the real binary as a user would; sanitizer reports always fail the test."""
    full_env = dict(os.environ)
    full_env.setdefault("ASAN_OPTIONS", ASAN_OPTIONS)
    full_env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=87")
    if env:
        full_env.update(env)
    proc = subprocess.run([JAILCTL, *[str(a) for a in args]], input=input, capture_output=True,
                          text=True, env=full_env, timeout=300)
    assert "Sanitizer" not in proc.stderr and "runtime error:" not in proc.stderr, proc.stderr
    assert proc.returncode not in (86, 87), proc.stderr
    return Result(proc)


def ok(*args, **kw):
    r = jailctl(*args, **kw)
    assert r.rc == 0, r
    return r


def fails(*args, rc=1, **kw):
    """A refused command: exit status rc and exactly one line on stderr naming the problem."""
    r = jailctl(*args, **kw)
    assert r.rc == rc, r
    lines = [l for l in r.err.splitlines() if not l.startswith("jailctl: warning:")]
    if rc == 1:
        assert len(lines) == 1, r
        assert lines[0].startswith("jailctl: "), r
    return r


@pytest.fixture(autouse=True)
def test_namespaces(tmp_path):
    saved_mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY)
    saved_net = os.open("/proc/self/ns/net", os.O_RDONLY)
    cwd = os.getcwd()
    try:
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
        sh("mount", "--make-rprivate", "/")
        for d in HOST_DIRS:
            sh("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", d)
        etc = tmp_path / ".etc-overlay"
        (etc / "upper").mkdir(parents=True)
        (etc / "work").mkdir()
        sh("mount", "-t", "overlay", "overlay", "-o",
           f"lowerdir=/etc,upperdir={etc}/upper,workdir={etc}/work", "/etc")
        sh("ip", "link", "set", "lo", "up")
        yield
        _stop_leftover_jails()
    finally:
        _check(_libc.setns(saved_mnt, CLONE_NEWNS), "setns mnt")
        _check(_libc.setns(saved_net, CLONE_NEWNET), "setns net")
        os.close(saved_mnt)
        os.close(saved_net)
        os.chdir(cwd)


def _remove_jail_cgroups(pool_id, name):
    """The cgroups of a jail whose init was killed behind jailctl's back (leaf first)."""
    leaf = f"jailctl-{pool_id}-{name}"
    for parent in Path("/sys/fs/cgroup").glob("*/jailctl"):
        cg = parent / leaf
        if not cg.is_dir():
            continue
        for sub in sorted((d for d in cg.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
            try:
                sub.rmdir()
            except OSError:
                pass
        try:
            cg.rmdir()
        except OSError:
            pass


def _stop_leftover_jails():
    """A failed test may leave jails running; their inits would outlive the test's
    namespaces. Stop them through jailctl, then kill whatever the state still names and
    remove its cgroups."""
    subprocess.run([JAILCTL, "stop", "-f", "ALL"], capture_output=True, timeout=120)
    for state in Path("/run/jailctl").glob("*/*.json"):
        try:
            pid = json.loads(state.read_text()).get("init_pid")
        except (OSError, ValueError, AttributeError):
            continue
        if not isinstance(pid, int) or pid <= 1:
            continue
        try:
            os.kill(pid, 9)
        except OSError:
            pass
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            try:  # a zombie nobody reaps (PID 1 here does not) has let go of its cgroups
                if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                    break
            except (OSError, IndexError):
                break
            time.sleep(0.01)
        _remove_jail_cgroups(state.parent.name, state.stem)


class Pools:
    """Pools on loop files under the test's temp dir (autoclear loop devices)."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.mounted = []

    def make(self, fstype="btrfs", size="320M", mountpoint=None, name=None):
        name = name or fstype
        img = self.tmp / f"{name}.img"
        sh("truncate", "-s", size, img)
        if fstype == "btrfs":
            sh("mkfs.btrfs", "-q", "-f", img)
        elif fstype == "xfs":
            sh("mkfs.xfs", "-q", "-f", img)
        else:
            sh(f"mkfs.{fstype}", "-q", "-F", img)
        mp = Path(mountpoint) if mountpoint else self.tmp / f"pool-{name}"
        mp.mkdir(parents=True, exist_ok=True)
        sh("mount", "-o", "loop", img, mp)
        self.mounted.append(mp)
        return mp

    def cleanup(self):
        if self.mounted:
            _stop_leftover_jails()  # while the pool is still mounted
        for mp in reversed(self.mounted):
            sh("umount", "-l", mp, check=False)


@pytest.fixture
def pools(tmp_path):
    p = Pools(tmp_path)
    yield p
    p.cleanup()


@pytest.fixture
def btrfs_pool(pools):
    pool = pools.make("btrfs")
    ok("activate", pool)
    return pool


@pytest.fixture
def ext4_pool(pools):
    pool = pools.make("ext4")
    ok("activate", pool)
    return pool


@pytest.fixture(params=["btrfs", "ext4"])
def pool(request, pools):
    """A freshly activated pool, once per back end."""
    p = pools.make(request.param)
    ok("activate", p)
    return p


def machine_netns():
    """The machine's network namespace, for the slow tests that reach the host's apt mirror:
    PID 1's, or where that cannot be read (a PID 1 that is not dumpable, as on some VMs), the
    one of the process that started the suite: tests/e2e/run unshares the pytest process
    itself, so its parent is still outside."""
    for pid in (1, os.getppid()):
        path = f"/proc/{pid}/ns/net"
        try:
            os.readlink(path)
            return path
        except OSError:
            continue
    pytest.skip("cannot open the machine's network namespace")


def read_json(path):
    with open(path) as f:
        return json.load(f)
