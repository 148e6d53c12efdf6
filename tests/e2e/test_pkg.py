"""Package operations: pkg, create -p, update (safety snapshot and rollback) and upgrade
(basejail mounts moved to another release; Debian suite change in the slow test).

Fake releases are tarballs of the built-in busybox release made with Python's tarfile,
with a fake /usr/bin/apt-get script, so no test but the slow one needs a mirror. The slow
Debian test runs in the machine's network namespace (as test_release.py's) and creates no
interface, route or firewall rule there: its jail uses ip4=inherit.
"""
import json
import os
import shutil
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import JAILCTL, fails, jailctl, ok, read_json, machine_netns

FAIL_APT = "#!/bin/sh\necho \"$@\" >> /var/log/fake-apt.log\necho broken > /etc/broken-by-apt\nexit 1\n"
GOOD_APT = "#!/bin/sh\necho \"$@\" >> /var/log/fake-apt.log\nexit 0\n"


def ioc(pool):
    return Path(pool) / "iocage"


def fake_release(pool, tmp_path, name, apt=None, extra=None):
    """Fetch a release NAME from a tarball of the busybox release plus files."""
    if not (ioc(pool) / "releases" / "busybox").exists():
        ok("fetch", "-r", "busybox")
    root = ioc(pool) / "releases" / "busybox" / "root"
    files = dict(extra or {})
    if apt is not None:
        files["usr/bin/apt-get"] = apt
    out = tmp_path / f"{name}.tar.gz"

    def add(tf, rel, text):
        data = text.encode()
        info = tarfile.TarInfo("./" + rel)
        info.size = len(data)
        info.mode = 0o755
        import io
        tf.addfile(info, io.BytesIO(data))

    with tarfile.open(out, "w:gz") as tf:
        def skip(ti):
            rel = ti.name[2:] if ti.name.startswith("./") else ti.name
            return None if rel in files else ti
        tf.add(root, arcname=".", filter=skip)
        for rel, text in files.items():
            add(tf, rel, text)
    ok("fetch", "-r", name, "-f", out, "--noverify")
    return out


def running(name):
    rows = [l.split("\t") for l in ok("list", "-H").out.splitlines()]
    return [r for r in rows if r[1] == name][0][2] == "up"


@pytest.fixture
def bb(pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "bb")
    return pool


def test_pkg_on_stopped_jail_refused(bb):
    r = fails("pkg", "bb", "install", "nginx")
    assert "bb is not running" in r.err


def test_pkg_on_busybox_refused(bb):
    ok("start", "bb")
    r = fails("pkg", "bb", "install", "nginx")
    assert "bb: the busybox release has no package manager" in r.err
    ok("stop", "bb")


def test_update_on_busybox_refused(bb):
    r = fails("update", "bb")
    assert "busybox release has no package manager" in r.err
    assert ok("snaplist", "-H", "bb").out == ""


def test_upgrade_already_at_refused(bb):
    r = fails("upgrade", "-r", "busybox", "bb")
    assert "Already at busybox" in r.err
    r = fails("upgrade", "-r", "alpine-3.20", "bb")     # clone jail, not Debian
    assert "cannot upgrade" in r.err


@pytest.mark.parametrize("content", [
    "not json", '{"pkgs": "nginx"}', '{"pkgs": ["ok", "bad name"]}', '{"pkgs": [1]}',
    '{"pkgs": ["-rf"]}', '{"other": []}',
])
def test_create_with_bad_pkglist_refused(ext4_pool, tmp_path, content):
    ok("fetch", "-r", "busybox")
    lst = tmp_path / "pkgs.json"
    lst.write_text(content)
    fails("create", "-r", "busybox", "-n", "p", "-p", lst)
    assert ok("list", "-H").out == ""
    assert [n for n in os.listdir(ioc(ext4_pool) / "jails")] == []


def test_create_with_pkglist_installs_and_stops(ext4_pool, tmp_path):
    fake_release(ext4_pool, tmp_path, "fakedeb", apt=GOOD_APT)
    lst = tmp_path / "pkgs.json"
    lst.write_text(json.dumps({"pkgs": ["nginx", "libc6:amd64", "g++"]}))
    r = ok("create", "-r", "fakedeb", "-n", "p", "-p", lst, "ip4=inherit")
    assert "p successfully created!" in r.out
    assert not running("p")
    ok("start", "p")
    log = ok("exec", "p", "cat", "/var/log/fake-apt.log").out
    assert log == "update\ninstall -y nginx libc6:amd64 g++\n"
    ok("stop", "p")


def test_create_with_pkglist_failure_leaves_nothing(ext4_pool, tmp_path):
    fake_release(ext4_pool, tmp_path, "fakedeb", apt=FAIL_APT)
    lst = tmp_path / "pkgs.json"
    lst.write_text(json.dumps({"pkgs": ["nginx"]}))
    r = fails("create", "-r", "fakedeb", "-n", "p", "-p", lst, "ip4=inherit")
    assert "apt-get update" in r.err and "exit status 1" in r.err
    assert ok("list", "-H").out == ""
    # and without a network it is refused the iocage way
    r = fails("create", "-r", "fakedeb", "-n", "q", "-p", lst)
    assert "requires an IP address" in r.err
    assert ok("list", "-H").out == ""


def test_pkg_runs_the_package_manager(ext4_pool, tmp_path):
    fake_release(ext4_pool, tmp_path, "fakedeb", apt=GOOD_APT)
    ok("create", "-r", "fakedeb", "-n", "d")
    ok("start", "d")
    r = fails("pkg", "d", "install", "x")
    assert "requires an IP address" in r.err
    ok("stop", "d")
    ok("set", "ip4=inherit", "d")
    ok("start", "d")
    ok("pkg", "d", "install", "-y", "nginx")
    assert ok("exec", "d", "cat", "/var/log/fake-apt.log").out == "install -y nginx\n"
    ok("stop", "d")


@pytest.mark.parametrize("start_first", [False, True])
def test_update_rolls_back_on_failure(pool, tmp_path, start_first):
    fake_release(pool, tmp_path, "fakedeb", apt=FAIL_APT)
    ok("create", "-r", "fakedeb", "-n", "u", "ip4=inherit")
    if start_first:
        ok("start", "u")
    r = jailctl("update", "u")
    assert r.rc == 1, r
    assert "Rolling u back to snapshot ioc_update_" in r.out, r
    assert "apt-get update" in r.err and "exit status 1" in r.err
    assert running("u") == start_first
    snaps = ok("snaplist", "-H", "u").out.splitlines()
    assert len(snaps) == 1 and snaps[0].startswith("ioc_update_")
    assert ok("get", "release", "u").out.strip() == "fakedeb"
    ok("start", "u") if not start_first else None
    # the file the failed run wrote is gone, as is its log
    assert jailctl("exec", "u", "cat", "/etc/broken-by-apt").rc != 0
    assert jailctl("exec", "u", "cat", "/var/log/fake-apt.log").rc != 0
    ok("stop", "u")


def test_update_success_keeps_state(ext4_pool, tmp_path):
    fake_release(ext4_pool, tmp_path, "fakedeb", apt=GOOD_APT)
    ok("create", "-r", "fakedeb", "-n", "u", "ip4=inherit")
    r = ok("update", "u")
    assert "u has been updated successfully." in r.out
    assert not running("u")
    ok("start", "u")
    assert ok("exec", "u", "cat", "/var/log/fake-apt.log").out == "update\n-y upgrade\n"
    ok("stop", "u")


def test_update_of_basejail_refused(ext4_pool, tmp_path):
    fake_release(ext4_pool, tmp_path, "fakedeb", apt=GOOD_APT)
    ok("create", "-r", "fakedeb", "-b", "-n", "b", "ip4=inherit")
    r = fails("update", "b")
    assert "update of a basejail's release is not supported yet" in r.err


def test_basejail_upgrade_switches_mounts(pool, tmp_path):
    fake_release(pool, tmp_path, "rel1", extra={"usr/share/which": "one\n"})
    fake_release(pool, tmp_path, "rel2", extra={"usr/share/which": "two\n"})
    ok("create", "-r", "rel1", "-b", "-n", "b")
    ok("start", "b")
    assert ok("exec", "b", "cat", "/usr/share/which").out == "one\n"
    r = fails("upgrade", "-r", "rel3", "b")
    assert "fetch rel3 first" in r.err
    r = ok("upgrade", "-r", "rel2", "b")
    assert "successfully upgraded" in r.out
    assert running("b")
    assert ok("get", "release", "b").out.strip() == "rel2"
    assert ok("exec", "b", "cat", "/usr/share/which").out == "two\n"
    fstab = (ioc(pool) / "jails" / "b" / "fstab").read_text()
    assert "/releases/rel1/" not in fstab and "/releases/rel2/root/usr" in fstab
    assert any(l.startswith("ioc_upgrade_") for l in ok("snaplist", "-H", "b").out.splitlines())
    ok("stop", "b")
    fails("upgrade", "-r", "rel2", "b")


# ---- Debian (real network) ----

@pytest.mark.slow
def test_debian_pkg_install_nginx(tmp_path):
    if not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists():
        pytest.skip("debootstrap not installed")
    net = machine_netns()

    def host_net(*args, timeout=1800):
        # The machine's own network namespace, for this command only; the jail uses
        # ip4=inherit, so nothing is created there.
        p = subprocess.run(["nsenter", f"--net={net}", "--", JAILCTL, *map(str, args)],
                           capture_output=True, text=True, timeout=timeout)
        assert p.returncode == 0, (args, p.stdout[-2000:], p.stderr[-2000:])
        return p

    host_net("fetch", "-r", "debian-12")
    host_net("create", "-r", "debian-12", "-n", "web", "ip4=inherit")
    root = Path("/var/lib/jailctl/iocage/jails/web")
    host_net("start", "web")
    try:
        host_net("pkg", "web", "install", "-y", "nginx")
        # /etc/rc written at create starts /etc/rc2.d/S* (nginx's update-rc.d link)
        host_net("restart", "web")
        page = None
        for _ in range(100):
            p = subprocess.run(["nsenter", f"--net={net}", "--", "curl", "-s", "-m", "5",
                                "http://127.0.0.1/"], capture_output=True, text=True, timeout=60)
            if p.returncode == 0 and "nginx" in p.stdout:
                page = p.stdout
                break
            time.sleep(0.2)
        assert page and "Welcome to nginx" in page, page
        assert root.is_dir()
    finally:
        subprocess.run(["nsenter", f"--net={net}", "--", JAILCTL, "stop", "-f", "web"],
                       capture_output=True, timeout=300)
