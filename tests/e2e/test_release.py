"""Releases: the built-in busybox release, simplestreams servers, tarballs, downloads that
resume, archives that are refused, destroy/clean, leftovers of interrupted fetches, and
(slow, real network) Debian through debootstrap from the host's apt mirror.

Every network request goes to a server on 127.0.0.1 inside the test's own network
namespace (servers.py), except the slow Debian test, which runs jailctl in the machine's
network namespace and talks to the apt mirror the host is configured with.
"""
import hashlib
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from conftest import JAILCTL, fails, jailctl, ok, read_json, sh, machine_netns
from servers import SimpleStreams, http_server  # noqa: F401 (fixture)

ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "ppc64le": "ppc64el",
          "s390x": "s390x", "riscv64": "riscv64", "i686": "i386"}
HOST_ARCH = ARCHES.get(platform.machine(), platform.machine())
OTHER_ARCH = "s390x" if HOST_ARCH != "s390x" else "amd64"
ESCAPE = Path("/jailctl-escape-test")


def ioc(pool):
    return Path(pool) / "iocage"


def releases_dir(pool):
    return sorted(os.listdir(ioc(pool) / "releases"))


def chroot_ok(root):
    r = subprocess.run(["chroot", str(root), "/bin/sh", "-c", "echo ok"], capture_output=True,
                       text=True, timeout=30)
    return r.returncode == 0 and r.stdout == "ok\n"


def busybox_tar(pool, out, mode="w:gz"):
    """A tarball of the built-in release's root, made with Python's tarfile."""
    if not (ioc(pool) / "releases" / "busybox").exists():
        ok("fetch", "-r", "busybox")
    root = ioc(pool) / "releases" / "busybox" / "root"
    kw = {"preset": 0} if mode == "w:xz" else {}
    with tarfile.open(out, mode, **kw) as tf:
        tf.add(root, arcname=".")
    return out


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


# ---- the built-in release ----

def test_fetch_busybox_offline(pool):
    t0 = time.monotonic()
    r = ok("fetch", "-r", "busybox")
    elapsed = time.monotonic() - t0
    assert elapsed < 2, elapsed
    assert "Fetching: busybox" in r.out and "busybox fetched" in r.out
    rel = ioc(pool) / "releases" / "busybox"
    root = rel / "root"
    assert (root / "bin" / "sh").exists()
    assert chroot_ok(root)
    for d in ["dev", "proc", "sys", "root", "var/log", "var/run", "etc", "home", "usr/bin",
              "usr/sbin", "sbin", "bin", "srv", "opt", "mnt"]:
        assert (root / d).is_dir(), d
    assert (os.stat(root / "tmp").st_mode & 0o7777) == 0o1777
    for f in ["passwd", "group", "shadow", "hosts", "hostname", "rc", "rc.shutdown", "rc.conf"]:
        assert (root / "etc" / f).is_file(), f
    assert (root / "usr" / "sbin" / "httpd").exists()
    meta = read_json(rel / "release.json")
    assert meta["name"] == "busybox" and meta["source"] == "builtin"
    assert meta["sha256"] == sha256("/bin/busybox")
    assert releases_dir(pool) == ["busybox"]
    if pool.name.endswith("btrfs"):
        prop = sh("btrfs", "property", "get", "-ts", root, "ro").stdout
        assert "ro=true" in prop
    assert ok("list", "-r").out.count("busybox") == 1
    assert "Bases fetched" in ok("list", "-r").out
    assert ok("list", "-r", "-h").out == "busybox\n"


def test_list_releases_json_fields(ext4_pool):
    ok("fetch", "-r", "busybox")
    data = json.loads(ok("list", "-r", "--json").out)
    assert len(data) == 1
    entry = data[0]
    assert set(entry) >= {"name", "source", "size", "date", "sha256"}
    assert entry["name"] == "busybox" and entry["source"] == "builtin"
    assert isinstance(entry["size"], int) and entry["size"] > 1_000_000
    assert len(entry["sha256"]) == 64


def test_fetch_twice_is_harmless(ext4_pool):
    ok("fetch", "-r", "busybox")
    r = ok("fetch", "-r", "busybox")
    assert "already fetched" in r.out
    assert releases_dir(ext4_pool) == ["busybox"]


def test_busybox_rc_starts_and_stops_httpd(ext4_pool):
    ok("fetch", "-r", "busybox")
    root = ioc(ext4_pool) / "releases" / "busybox" / "root"
    rc = (root / "etc" / "rc.subr").read_text()
    assert "_enable" in rc and "/etc/rc.d/" in rc and "/etc/init.d/" in rc
    assert "stop" in (root / "etc" / "rc.shutdown").read_text()
    assert "start-stop-daemon" in (root / "etc" / "rc.d" / "httpd").read_text()


def test_fetch_without_release_lists_sources(ext4_pool):
    out = ok("fetch").out.split()
    assert out[0] == "busybox"
    assert {"debian-11", "debian-12", "debian-13"} <= set(out)
    assert ok("list", "-R").out.split() == out


def test_names_are_validated_before_anything(ext4_pool):
    for bad in ["../x", ".hidden", "a/b", "", "x" * 64]:
        r = fails("fetch", "-r", bad)
        assert "invalid release name" in r.err
    assert "invalid release name" in fails("destroy", "-r", "-f", "../busybox").err
    assert releases_dir(ext4_pool) == []


def test_unknown_release_and_bad_options(ext4_pool):
    assert "unknown release" in fails("fetch", "-r", "nosuch").err
    fails("fetch", "-r", "x", "--sha256", "00" * 32, rc=2)
    fails("fetch", "-f", "/tmp/x.tar", rc=2)
    r = fails("fetch", "-r", "x", "-f", "/tmp/x.tar", "--sha256", "xyz")
    assert "not a sha256 checksum" in r.err
    assert "No such file" in fails("fetch", "-r", "x", "-f", "/nonexistent.tar.gz").err
    assert releases_dir(ext4_pool) == []


# ---- simplestreams ----

def test_simplestreams_list_and_fetch(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "rootfs.tar.xz", "w:xz")
    ss = SimpleStreams(http_server)
    http_server.put("broken.tar.xz", b"not a tarball")
    ss.add("Alpine", "3.20", HOST_ARCH, http_server.root / "broken.tar.xz", version="20240101_12:00")
    newest = ss.add("Alpine", "3.20", HOST_ARCH, tar, version="20240301_12:00")
    ss.add("Alpine", "3.19", OTHER_ARCH, tar)
    ss.add("Fedora", "40", OTHER_ARCH, tar)
    listed = ok("fetch", "-s", http_server.url).out.split()
    assert listed == ["alpine-3.20"]
    assert ok("list", "-R", "-s", http_server.url).out.split() == listed
    r = ok("fetch", "-s", http_server.url, "-r", "alpine-3.20")
    assert "Downloading: rootfs.tar.xz" in r.out and "Extracting: rootfs.tar.xz" in r.out
    assert "100%" in r.out
    assert (newest, None) in http_server.requests
    rel = ioc(ext4_pool) / "releases" / "alpine-3.20"
    assert chroot_ok(rel / "root")
    meta = read_json(rel / "release.json")
    assert meta["source"] == "simplestreams" and meta["sha256"] == sha256(tar)
    assert meta["version"] == "20240301_12:00"
    dl = ioc(ext4_pool) / "download" / "alpine-3.20"
    assert (dl / "rootfs.tar.xz").is_file()
    # the download is a cache only: removing it leaves the release intact
    shutil.rmtree(dl)
    assert "alpine-3.20" in ok("list", "-r").out
    assert chroot_ok(rel / "root")


def test_simplestreams_other_arch_and_aliases(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "rootfs.tar.xz", "w:xz")
    ss = SimpleStreams(http_server)
    ss.add("Fedora", "40", OTHER_ARCH, tar)
    ss.add("Debian", "bookworm", HOST_ARCH, tar,
           aliases="debian/bookworm/default,debian/bookworm,debian/12")
    r = fails("fetch", "-s", http_server.url, "-r", "fedora-40")
    assert "not offered for this host's architecture" in r.err
    assert "no such image" in fails("fetch", "-s", http_server.url, "-r", "nosuch-1").err
    ok("fetch", "-s", http_server.url, "-r", "debian-12")
    assert "debian-12" in releases_dir(ext4_pool)


def test_simplestreams_wrong_sha256_is_refused(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "rootfs.tar.xz", "w:xz")
    ok("destroy", "-r", "-f", "busybox")
    ss = SimpleStreams(http_server)
    ss.add("Alpine", "3.20", HOST_ARCH, tar, sha256="ab" * 32)
    r = fails("fetch", "-s", http_server.url, "-r", "alpine-3.20")
    assert "sha256 mismatch" in r.err and "ab" * 32 in r.err
    assert releases_dir(ext4_pool) == []
    assert not (ioc(ext4_pool) / "download" / "alpine-3.20" / "rootfs.tar.xz").exists()


def test_server_404(ext4_pool, http_server):
    url = f"{http_server.url}/missing.tar.xz"
    r = fails("fetch", "-r", "x", "-f", url, "--sha256", "00" * 32)
    assert f"{url}: not found (HTTP 404)" in r.err
    assert releases_dir(ext4_pool) == []
    r = fails("fetch", "-s", http_server.url, "-r", "alpine-3.20")
    assert "streams/v1/index.json: not found (HTTP 404)" in r.err


# ---- tarballs ----

def test_tarball_local_without_sha_warns(ext4_pool, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    r = ok("fetch", "-r", "mine", "-f", tar)
    assert "nothing was verified" in r.err
    assert chroot_ok(ioc(ext4_pool) / "releases" / "mine" / "root")
    meta = read_json(ioc(ext4_pool) / "releases" / "mine" / "release.json")
    assert meta["source"] == "tarball" and meta["verified"] is False


@pytest.mark.skipif(not shutil.which("zstd"), reason="zstd not installed")
def test_tarball_zstd_with_sha(ext4_pool, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar", "w")
    sh("zstd", "-q", "-1", tar, "-o", tmp_path / "root.tar.zst")
    zst = tmp_path / "root.tar.zst"
    r = ok("fetch", "-r", "zst", "-f", zst, "--sha256", sha256(zst))
    assert "nothing was verified" not in r.err
    assert chroot_ok(ioc(ext4_pool) / "releases" / "zst" / "root")


def test_tarball_url_sha_mismatch(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    http_server.put("root.tar.gz", tar)
    r = fails("fetch", "-r", "web", "-f", f"{http_server.url}/root.tar.gz", "--sha256", "cd" * 32)
    assert "sha256 mismatch" in r.err
    assert "web" not in releases_dir(ext4_pool)
    ok("fetch", "-r", "web", "-f", f"{http_server.url}/root.tar.gz", "--sha256", sha256(tar))
    assert chroot_ok(ioc(ext4_pool) / "releases" / "web" / "root")


def _bad_tar(path, members):
    with tarfile.open(path, "w:gz") as tf:
        for name, kind, target in members:
            ti = tarfile.TarInfo(name)
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                tf.addfile(ti)
            elif kind == "file":
                data = b"evil\n"
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, target
                tf.addfile(ti)
            elif kind == "hardlink":
                ti.type, ti.linkname = tarfile.LNKTYPE, target
                tf.addfile(ti)
    names = [m.name for m in tarfile.open(path).getmembers()]
    assert names == [m[0] for m in members], names  # written exactly as given
    return path


BAD_ARCHIVES = {
    "dotdot": ([("etc", "dir", None), ("../../etc/x", "file", None)],
               "member '../../etc/x': '..' component"),
    "absolute": ([("etc", "dir", None), ("/etc/jailctl-x", "file", None)],
                 "member '/etc/jailctl-x': absolute path"),
    "through-symlink": ([("bin", "symlink", "/"), ("bin" + str(ESCAPE), "file", None)],
                        f"member 'bin{ESCAPE}': passes through symlink 'bin'"),
    "hardlink-outside": ([("etc", "dir", None), ("etc/shadow", "hardlink", "../../../etc/shadow")],
                         "hard link target '../../../etc/shadow' is outside the root"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ARCHIVES))
def test_bad_archives_are_refused(ext4_pool, tmp_path, kind):
    members, why = BAD_ARCHIVES[kind]
    tar = _bad_tar(tmp_path / f"{kind}.tar.gz", members)
    try:
        r = fails("fetch", "-r", "bad", "-f", tar, "--sha256", sha256(tar))
        assert why in r.err, r.err
        assert r.err.startswith(f"jailctl: bad: {kind}.tar.gz: member"), r.err
        assert releases_dir(ext4_pool) == []  # no release, no dot temporary either
        assert not ESCAPE.exists()
        assert not Path("/etc/jailctl-x").exists()
    finally:
        if ESCAPE.exists():
            ESCAPE.unlink()


def test_truncated_archive_is_refused(ext4_pool, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    ok("destroy", "-r", "-f", "busybox")
    data = tar.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    r = fails("fetch", "-r", "cut", "-f", cut, "--sha256", sha256(cut))
    assert "cut: cut.tar.gz:" in r.err
    assert releases_dir(ext4_pool) == []


# ---- downloads: resume, retries, failures ----

def test_truncated_download_is_resumed(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    http_server.put("root.tar.gz", tar)
    http_server.cut_once.add("/root.tar.gz")
    ok("fetch", "-r", "resumed", "-f", f"{http_server.url}/root.tar.gz", "--sha256", sha256(tar))
    ranges = http_server.ranges("/root.tar.gz")
    assert ranges[0] is None and len(ranges) == 2
    assert ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    assert chroot_ok(ioc(ext4_pool) / "releases" / "resumed" / "root")


def test_server_dying_every_time_fails_cleanly(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    ok("destroy", "-r", "-f", "busybox")
    http_server.put("root.tar.gz", tar)
    http_server.cut_always.add("/root.tar.gz")
    url = f"{http_server.url}/root.tar.gz"
    t0 = time.monotonic()
    r = fails("fetch", "-r", "dies", "-f", url, "--sha256", sha256(tar))
    assert time.monotonic() - t0 < 10
    assert url in r.err and "gave up after 4 attempts" in r.err
    assert releases_dir(ext4_pool) == []
    assert len(http_server.ranges("/root.tar.gz")) == 4
    # what arrived is kept for the next attempt, which resumes and completes it
    http_server.cut_always.clear()
    ok("fetch", "-r", "dies", "-f", url, "--sha256", sha256(tar))
    assert http_server.ranges("/root.tar.gz")[-1] != "bytes=0-"


def test_killed_download_resumes_next_time(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    http_server.put("root.tar.gz", tar)
    http_server.stall.add("/root.tar.gz")
    url = f"{http_server.url}/root.tar.gz"
    proc = subprocess.Popen([JAILCTL, "fetch", "-r", "killed", "-f", url, "--sha256", sha256(tar)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = ioc(ext4_pool) / "download" / "killed" / "root.tar.gz.part"
    assert http_server.stalled.wait(30)
    deadline = time.monotonic() + 30
    while not (part.exists() and part.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    have = part.stat().st_size
    assert have > 0
    http_server.stall.clear()
    http_server.release.set()
    assert "killed" not in releases_dir(ext4_pool)
    ok("fetch", "-r", "killed", "-f", url, "--sha256", sha256(tar))
    assert http_server.ranges("/root.tar.gz")[-1] == f"bytes={have}-"
    assert chroot_ok(ioc(ext4_pool) / "releases" / "killed" / "root")


def test_server_ignoring_range_restarts(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    http_server.put("root.tar.gz", tar)
    http_server.cut_always.add("/root.tar.gz")
    url = f"{http_server.url}/root.tar.gz"
    fails("fetch", "-r", "norange", "-f", url, "--sha256", sha256(tar))
    http_server.cut_always.clear()
    http_server.ignore_range.add("/root.tar.gz")
    ok("fetch", "-r", "norange", "-f", url, "--sha256", sha256(tar))
    assert chroot_ok(ioc(ext4_pool) / "releases" / "norange" / "root")


# ---- destroy, clean, leftovers ----

def test_destroy_release(pool):
    ok("fetch", "-r", "busybox")
    r = ok("destroy", "-r", "busybox", input="")
    assert "Are you sure? [y/N]" in r.out and "Not destroying busybox" in r.out
    assert releases_dir(pool) == ["busybox"]
    r = ok("destroy", "-r", "busybox", input="y\n")
    assert releases_dir(pool) == []
    assert "no such release" in fails("destroy", "-r", "-f", "busybox").err


def test_destroy_refused_while_used(ext4_pool):
    ok("fetch", "-r", "busybox")
    for kind, name in [("jails", "web"), ("templates", "tmpl")]:
        d = ioc(ext4_pool) / kind / name
        d.mkdir(parents=True)
        (d / "config.json").write_text(json.dumps({"release": "busybox", "host_hostuuid": name}))
    r = fails("destroy", "-r", "-f", "busybox")
    assert "busybox: release is used by tmpl, web" in r.err
    assert releases_dir(ext4_pool) == ["busybox"]


def test_destroy_recursive_takes_the_jails_along(pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    assert "busybox: release is used by web" in fails("destroy", "-r", "-f", "busybox").err
    r = ok("destroy", "-r", "-R", "busybox", input="y\n")
    assert "web" in r.out and "Destroyed busybox" in r.out
    assert releases_dir(pool) == []
    assert not (ioc(pool) / "jails" / "web").exists()


def test_destroy_with_download(ext4_pool, http_server, tmp_path):
    tar = busybox_tar(ext4_pool, tmp_path / "root.tar.gz")
    http_server.put("root.tar.gz", tar)
    ok("fetch", "-r", "web", "-f", f"{http_server.url}/root.tar.gz", "--sha256", sha256(tar))
    dl = ioc(ext4_pool) / "download" / "web"
    assert dl.is_dir()
    ok("destroy", "-r", "-f", "web")
    assert dl.is_dir()  # kept without -d
    ok("fetch", "-r", "web", "-f", f"{http_server.url}/root.tar.gz", "--sha256", sha256(tar))
    assert len(http_server.ranges("/root.tar.gz")) == 1  # the cached copy was used
    ok("destroy", "-r", "-f", "-d", "web")
    assert not dl.exists()
    assert "web" not in releases_dir(ext4_pool)


def test_clean_releases(pool, tmp_path):
    tar = busybox_tar(pool, tmp_path / "root.tar.gz")
    ok("fetch", "-r", "other", "-f", tar)
    (ioc(pool) / "download" / "stale").mkdir()
    r = ok("clean", "-r", input="")
    assert "Not cleaning" in r.out
    assert releases_dir(pool) == ["busybox", "other"]
    ok("clean", "-r", "-f")
    assert releases_dir(pool) == []
    assert os.listdir(ioc(pool) / "download") == []
    assert "not available yet" in fails("clean", "-d", "-f").err
    fails("clean", "-f", rc=2)


def test_leftovers_of_killed_fetches_are_removed(pool):
    rel = ioc(pool) / "releases"
    dl = ioc(pool) / "download"
    gone = rel / f".fetch-ghost-{dead_pid()}"
    (gone / "root" / "etc").mkdir(parents=True)
    (gone / "root" / "etc" / "passwd").write_text("x\n")
    gone_dl = dl / f".destroy-ghost-{dead_pid()}"
    gone_dl.mkdir()
    alive = rel / f".fetch-alive-{os.getpid()}"
    (alive / "root").mkdir(parents=True)
    reused = rel / f".fetch-reused-{os.getpid()}"
    (reused / "root").mkdir(parents=True)
    (reused / "fetch.json").write_text(json.dumps({"pid": os.getpid(), "starttime": 1}))
    assert ok("list", "-r", "-h").out == ""
    assert not gone.exists() and not gone_dl.exists() and not reused.exists()
    assert alive.exists()  # its process still runs
    shutil.rmtree(alive)


# ---- Debian via debootstrap (real network) ----

@pytest.mark.slow
def test_fetch_debian_with_debootstrap(tmp_path):
    if not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists():
        pytest.skip("debootstrap not installed")
    # The machine's own network namespace, for this one command only: it changes no
    # interface, route or firewall rule; debootstrap talks to the host's apt mirror.
    proc = subprocess.run(["nsenter", f"--net={machine_netns()}", "--", JAILCTL, "fetch", "-r",
                           "debian-12"], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-2000:]
    root = Path("/var/lib/jailctl/iocage/releases/debian-12/root")
    r = subprocess.run(["chroot", str(root), "apt-get", "--version"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("apt "), r
    meta = read_json(root.parent / "release.json")
    assert meta["source"] == "debootstrap" and meta["suite"] == "bookworm"
    assert (Path("/var/lib/jailctl/iocage/download/debian-12") / "debootstrap.log").is_file()
