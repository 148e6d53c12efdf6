"""Day-two operations: snapshots and rollback, df and quotas, export and import."""
import datetime
import errno
import hashlib
import io
import json
import os
import re
import signal
import stat
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import JAILCTL, fails, jailctl, ok, read_json, sh


def jail_dir(pool, name, template=False):
    return pool / "iocage" / ("templates" if template else "jails") / name


def data_dir(pool, name, template=False):
    """Where a file written into the jail root lands, seen from the host: the root itself
    (btrfs subvolume, or a plain-directory root of an imported jail on the dir back end),
    or the overlay's upper layer of a dir-back-end clone (not mounted while stopped)."""
    d = jail_dir(pool, name, template)
    upper = d / "root.upper"
    return upper if upper.is_dir() else d / "root"


@pytest.fixture
def web(pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    return pool


def snap_rows(name, *flags):
    return [l.split("\t") for l in ok("snaplist", "-H", *flags, name).out.splitlines()]


def entries(path):
    return sorted(os.listdir(path)) if path.exists() else []


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def write_random(path, mib):
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))


# ---- snapshots ----

def test_snapshot_rollback_restores_files_and_config(web):
    d = data_dir(web, "web")
    (d / "keep.txt").write_text("before\n")
    r = ok("snapshot", "-n", "s1", "web")
    assert r.out.strip() == "Snapshot: web@s1 created."
    (d / "keep.txt").write_text("after\n")
    (d / "new.txt").write_text("new\n")
    ok("set", "notes=changed", "web")
    r = ok("rollback", "-n", "s1", "-f", "web")
    assert "Rolled back to: web@s1" in r.out
    d = data_dir(web, "web")
    assert (d / "keep.txt").read_text() == "before\n"
    assert not (d / "new.txt").exists()
    assert ok("get", "notes", "web").out == "none\n"
    # the pre-rollback config is the backup
    assert read_json(jail_dir(web, "web") / "config_backup.json")["notes"] == "changed"
    # the snapshot itself is still there and usable again
    assert [r[0] for r in snap_rows("web")] == ["s1"]


def test_rollback_asks_first(web):
    d = data_dir(web, "web")
    (d / "f").write_text("1")
    ok("snapshot", "-n", "s1", "web")
    (d / "f").write_text("2")
    r = ok("rollback", "-n", "s1", "web", input="n\n")
    assert "Are you sure? [y/N]" in r.out
    assert (data_dir(web, "web") / "f").read_text() == "2"
    ok("rollback", "-n", "s1", "web", input="y\n")
    assert (data_dir(web, "web") / "f").read_text() == "1"


def test_rollback_removes_later_snapshots(web):
    d = data_dir(web, "web")
    for i in (1, 2, 3):
        (d / "f").write_text(str(i))
        ok("snapshot", "-n", f"s{i}", "web")
    (data_dir(web, "web") / "f").write_text("4")
    r = ok("rollback", "-n", "s2", "-f", "web")
    assert "web@s3 destroyed" in r.out
    assert [r[0] for r in snap_rows("web")] == ["s1", "s2"]
    assert (data_dir(web, "web") / "f").read_text() == "2"
    assert entries(jail_dir(web, "web") / ".snapshots") == ["s1", "s2"]


def test_snapshot_names(web):
    r = ok("snapshot", "web")
    name = r.out.split("@")[1].split()[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d", name)
    ok("snapshot", "-n", "s1", "web")
    r = fails("snapshot", "-n", "s1", "web")
    assert "Snapshot already exists" in r.err
    for bad in (".hidden", "a/b", "a b", "x" * 65, "../x"):
        fails("snapshot", "-n", bad, "web")
    ok("snapshot", "-n", "x" * 64, "web")
    # iocage's argument order works too
    ok("snapshot", "web", "-n", "after")
    assert sorted(r[0] for r in snap_rows("web")) == sorted([name, "s1", "x" * 64, "after"])


def test_snaplist_formats(web):
    write_random(data_dir(web, "web") / "blob", 2)
    ok("snapshot", "-n", "b", "web")
    ok("snapshot", "-n", "a", "web")
    rows = snap_rows("web")
    assert [r[0] for r in rows] == ["b", "a"]          # by creation time
    assert all(len(r) == 4 for r in rows)
    assert re.fullmatch(r"[0-9.]+[BKMGT]", rows[0][2]) and re.fullmatch(r"[0-9.]+[BKMGT]", rows[0][3])
    assert [r[0] for r in snap_rows("web", "-s", "name")] == ["a", "b"]
    long = snap_rows("web", "-l")
    assert long[0][0] == f"{web}/iocage/jails/web@b"
    table = ok("snaplist", "web").out
    assert "| NAME" in table and "CREATED" in table and "RSIZE" in table and "USED" in table
    data = json.loads(ok("snaplist", "--json", "web").out)
    assert [s["name"] for s in data] == ["b", "a"]
    assert data[0]["rsize"] >= 2 << 20 and data[0]["used"] > 0
    fails("snaplist", "-s", "bogus", "web", rc=2)


def test_snapremove(web):
    ok("snapshot", "-n", "s1", "web")
    ok("snapshot", "-n", "s2", "web")
    r = ok("snapremove", "-n", "s1", "web")
    assert r.out.strip() == "Snapshot: web@s1 destroyed."
    assert [r[0] for r in snap_rows("web")] == ["s2"]
    assert entries(jail_dir(web, "web") / ".snapshots") == ["s2"]
    fails("snapremove", "-n", "s1", "web")
    fails("rollback", "-n", "s1", "-f", "web")
    fails("snapremove", "web", rc=2)


def test_snapshots_stay_out_of_list_and_go_with_destroy(web):
    ok("snapshot", "-n", "s1", "web")
    assert [l.split("\t")[1] for l in ok("list", "-H").out.splitlines()] == ["web"]
    ok("destroy", "-f", "web")
    assert entries(web / "iocage" / "jails") == []


def test_rollback_of_running_jail_is_refused(web):
    ok("snapshot", "-n", "s1", "web")
    ok("start", "web")
    try:
        r = fails("rollback", "-n", "s1", "-f", "web")
        assert "running" in r.err
    finally:
        ok("stop", "-f", "web")
    ok("rollback", "-n", "s1", "-f", "web")


def test_rollback_after_rename_keeps_identity(web, tmp_path):
    src = tmp_path / "media"
    src.mkdir()
    ok("fstab", "-a", "web", f"{src} /mnt/media nullfs ro 0 0")
    ok("snapshot", "-n", "s1", "web")
    ok("rename", "web", "www")
    ok("rollback", "-n", "s1", "-f", "www")
    assert ok("get", "host_hostuuid", "www").out == "www\n"
    assert ok("get", "host_hostname", "www").out == "www\n"
    fstab = (jail_dir(web, "www") / "fstab").read_text()
    assert f"{jail_dir(web, 'www')}/root/mnt/media" in fstab


# ---- df and quota ----

def df_json():
    return {r["name"]: r for r in json.loads(ok("df", "--json").out)}


def test_df_reports_real_usage(web):
    ok("create", "-r", "busybox", "-n", "db")
    rows = [l.split("\t") for l in ok("df", "-H").out.splitlines()]
    assert [r[0] for r in rows] == ["db", "web"]
    assert all(r[1] == "1.00x" and r[2] == "none" and r[3] == "none" for r in rows)
    table = ok("df").out
    for col in ("NAME", "CRT", "RES", "QTA", "USE", "AVA"):
        assert col in table
    before = df_json()["web"]
    write_random(data_dir(web, "web") / "big", 50)
    os.sync()
    after = df_json()["web"]
    assert after["use"] - before["use"] >= 49 << 20
    assert after["ava"] < before["ava"]
    assert df_json()["db"]["use"] < after["use"]
    rows = [l.split("\t") for l in ok("df", "-H", "-s", "use").out.splitlines()]
    assert [r[0] for r in rows] == ["db", "web"]
    assert re.fullmatch(r"[0-9.]+M", rows[1][4])


def test_quota_is_enforced_on_btrfs(btrfs_pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    r = ok("set", "quota=20M", "web")
    assert "quota: none -> 20M" in r.out
    row = [l.split("\t") for l in ok("df", "-H").out.splitlines()][0]
    assert row[3] == "20M"
    big = jail_dir(btrfs_pool, "web") / "root" / "big"
    r = sh("dd", "if=/dev/zero", f"of={big}", "bs=1M", "count=50", "conv=fsync", check=False)
    assert r.returncode != 0
    assert "Disk quota exceeded" in r.stderr
    assert df_json()["web"]["ava"] <= 20 << 20
    # lifting it lets the write through
    ok("set", "quota=none", "web")
    sh("dd", "if=/dev/zero", f"of={big}", "bs=1M", "count=50", "conv=fsync")


def test_rollback_brings_back_the_snapshots_quota(btrfs_pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    ok("set", "quota=20M", "web")
    ok("snapshot", "-n", "limited", "web")
    ok("set", "quota=none", "web")
    ok("rollback", "-n", "limited", "-f", "web")
    assert ok("get", "quota", "web").out == "20M\n"
    big = jail_dir(btrfs_pool, "web") / "root" / "big"
    r = sh("dd", "if=/dev/zero", f"of={big}", "bs=1M", "count=50", "conv=fsync", check=False)
    assert "Disk quota exceeded" in r.stderr


def test_quota_is_refused_on_dir_pool(ext4_pool):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    cfg = jail_dir(ext4_pool, "web") / "config.json"
    before = cfg.read_bytes()
    r = fails("set", "quota=10G", "web")
    assert "dir back end" in r.err and "ext4" in r.err and "nothing changed" in r.err
    assert cfg.read_bytes() == before
    assert ok("get", "quota", "web").out == "none\n"
    ok("set", "quota=none", "web")


# ---- export and import ----

def posix_acl(*entries):
    """system.posix_acl_access value: version 2, then (tag, perm, id) entries sorted by tag."""
    undefined = 0xFFFFFFFF
    return struct.pack("<I", 2) + b"".join(
        struct.pack("<HHI", tag, perm, undefined if uid is None else uid) for tag, perm, uid in entries)


ACL = posix_acl((0x01, 6, None), (0x02, 4, 1234), (0x04, 4, None), (0x10, 4, None), (0x20, 0, None))


def populate(d):
    """Files whose every property must survive an export/import round trip."""
    (d / "data").mkdir()
    (d / "data" / "file.txt").write_text("hello jail\n")
    os.chmod(d / "data" / "file.txt", 0o640)
    os.chown(d / "data" / "file.txt", 1234, 5678)
    os.symlink("file.txt", d / "data" / "link")
    os.symlink("/etc/passwd", d / "data" / "abslink")
    os.link(d / "data" / "file.txt", d / "data" / "hard")
    os.setxattr(d / "data" / "file.txt", "user.jailctl", b"kept")
    with open(d / "data" / "sparse", "wb") as f:
        f.seek(8 << 20)
        f.write(b"end")
    os.mkfifo(d / "data" / "fifo")
    os.mknod(d / "data" / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    (d / "data" / "acl.txt").write_text("acl\n")
    os.setxattr(d / "data" / "acl.txt", "system.posix_acl_access", ACL)
    os.chmod(d / "data", 0o750)


def check_populated(d, holes=True):
    f = d / "data" / "file.txt"
    st = os.lstat(f)
    assert f.read_text() == "hello jail\n"
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o640, 1234, 5678)
    assert os.readlink(d / "data" / "link") == "file.txt"
    assert os.readlink(d / "data" / "abslink") == "/etc/passwd"
    assert os.lstat(d / "data" / "hard").st_ino == st.st_ino
    assert os.getxattr(f, "user.jailctl") == b"kept"
    sp = os.lstat(d / "data" / "sparse")
    assert sp.st_size == (8 << 20) + 3
    assert not holes or sp.st_blocks * 512 < (1 << 20)
    assert (d / "data" / "sparse").read_bytes()[-3:] == b"end"
    assert stat.S_ISFIFO(os.lstat(d / "data" / "fifo").st_mode)
    dev = os.lstat(d / "data" / "null")
    assert stat.S_ISCHR(dev.st_mode) and dev.st_rdev == os.makedev(1, 3)
    assert os.getxattr(d / "data" / "acl.txt", "system.posix_acl_access") == ACL
    assert os.lstat(d / "data").st_mode & 0o7777 == 0o750


def export(name):
    r = ok("export", name)
    path = Path(r.out.strip().split("Exported: ")[1])
    assert path.name == f"{name}_{today()}.tar.zst"
    return path


def test_export_destroy_import_round_trip(web):
    populate(data_dir(web, "web"))
    ok("set", "notes=exported", "web")
    archive = export("web")
    sums = archive.with_name(archive.name.replace(".tar.zst", ".sha256"))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert sums.read_text() == f"{digest}  {archive.name}\n"
    assert entries(archive.parent) == sorted([archive.name, sums.name])
    ok("destroy", "-f", "web")
    r = ok("import", "web")
    assert r.out.strip() == "Imported: web"
    root = jail_dir(web, "web") / "root"
    # a full dataset of its own, not a clone: no overlay side files on the dir back end
    assert not (jail_dir(web, "web") / "root.upper").exists()
    check_populated(root)
    assert (root / "bin" / "busybox").exists()
    assert ok("get", "notes", "web").out == "exported\n"
    assert [l.split("\t")[1] for l in ok("list", "-H").out.splitlines()] == ["web"]
    # an imported jail snapshots and rolls back like any other
    ok("snapshot", "-n", "s1", "web")
    (root / "data" / "file.txt").write_text("changed\n")
    ok("rollback", "-n", "s1", "-f", "web")
    # the dir back end's copies (snapshot, restore) keep holes only where it can reflink
    check_populated(jail_dir(web, "web") / "root", holes=False)


def test_import_refuses_existing_name_and_ambiguity(web):
    archive = export("web")
    r = fails("import", "web")
    assert "already exists" in r.err
    ok("destroy", "-f", "web")
    old = archive.with_name("web_2020-01-01.tar.zst")
    old.write_bytes(archive.read_bytes())
    r = fails("import", "web")
    assert "web_2020-01-01.tar.zst" in r.err and archive.name in r.err
    ok("import", "web", "-p", archive)
    fails("import", "nosuch")


def test_exported_template_imports_as_jail(web):
    ok("set", "template=yes", "web")
    export("web")
    ok("destroy", "-f", "web")
    ok("import", "web")
    assert ok("get", "type", "web").out == "jail\n"
    assert ok("get", "template", "web").out == "0\n"
    assert jail_dir(web, "web").is_dir() and not jail_dir(web, "web", template=True).exists()
    assert ok("list", "-H", "-t").out == ""


@pytest.mark.parametrize("src,dst", [("btrfs", "ext4"), ("ext4", "btrfs")])
def test_import_across_back_ends(pools, src, dst):
    a = pools.make(src, name="a")
    b = pools.make(dst, name="b")
    ok("activate", a)
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web", "-b")
    populate(data_dir(a, "web"))
    archive = export("web")
    ok("activate", b)
    ok("import", "web", "-p", archive.parent)
    root = jail_dir(b, "web") / "root"
    check_populated(root)
    fstab = (jail_dir(b, "web") / "fstab").read_text()
    assert str(b / "iocage" / "jails" / "web" / "root") in fstab
    assert str(a) not in fstab
    assert ok("get", "basejail", "web").out == "1\n"


def test_tampered_image_is_refused(web):
    archive = export("web")
    ok("destroy", "-f", "web")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(data)
    r = fails("import", "web")
    assert "checksum mismatch" in r.err
    assert entries(web / "iocage" / "jails") == []
    archive.with_name(archive.name.replace(".tar.zst", ".sha256")).unlink()
    r = fails("import", "web")
    assert "checksum" in r.err
    assert entries(web / "iocage" / "jails") == []


def tar_member(tf, name, data=b"", kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if ti.size else None)


def craft_image(dirpath, name, evil):
    """A valid-looking image with one bad member, zstd-compressed by the zstd tool, with a
    correct checksum so that only the member checks can refuse it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tar_member(tf, name, kind=tarfile.DIRTYPE)
        tar_member(tf, f"{name}/config.json",
                   json.dumps({"host_hostuuid": name, "release": "busybox"}).encode())
        tar_member(tf, f"{name}/fstab")
        tar_member(tf, f"{name}/root", kind=tarfile.DIRTYPE)
        tar_member(tf, f"{name}/root/etc", kind=tarfile.DIRTYPE)
        evil(tf)
    tar = dirpath / f"{name}.tar"
    tar.write_bytes(buf.getvalue())
    sh("zstd", "-q", "-f", "--rm", tar, "-o", dirpath / f"{name}_{today()}.tar.zst")
    archive = dirpath / f"{name}_{today()}.tar.zst"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (dirpath / f"{name}_{today()}.sha256").write_text(f"{digest}  {archive.name}\n")
    return archive


EVIL = {
    "dotdot": (lambda tf: tar_member(tf, "evil/root/../../../evil-dotdot", b"x"), "'..'"),
    "absolute": (lambda tf: tar_member(tf, "/evil-absolute", b"x"), "absolute"),
    "outside": (lambda tf: tar_member(tf, "other/file", b"x"), "outside evil/"),
    "extra": (lambda tf: tar_member(tf, "evil/extra", b"x"), "not part of a jail image"),
    "symlink": (lambda tf: tar_member(tf, "evil/root/up", kind=tarfile.SYMTYPE,
                                      link="../../../../.."), "outside the jail root"),
    "through-symlink": (lambda tf: (tar_member(tf, "evil/root/etc/up", kind=tarfile.SYMTYPE,
                                               link="/tmp"),
                                    tar_member(tf, "evil/root/etc/up/evil-through", b"x")),
                        "symlink"),
    "hardlink": (lambda tf: tar_member(tf, "evil/root/etc/pw", kind=tarfile.LNKTYPE,
                                       link="../../../../etc/passwd"), "hard link"),
    "config-symlink": (lambda tf: tar_member(tf, "evil/fstab", kind=tarfile.SYMTYPE,
                                             link="/etc/fstab"), "regular file"),
}


@pytest.mark.parametrize("kind", sorted(EVIL))
def test_unsafe_image_is_refused(pool, tmp_path, kind):
    evil, why = EVIL[kind]
    d = tmp_path / "img"
    d.mkdir()
    archive = craft_image(d, "evil", evil)
    r = fails("import", "evil", "-p", archive)
    assert why in r.err
    jails = pool / "iocage" / "jails"
    assert entries(jails) == []
    for p in (pool, pool / "iocage", jails, Path("/tmp")):
        assert not any(n.startswith("evil-") for n in entries(p))


def test_crafted_image_without_evil_imports(pool, tmp_path):
    """The crafting helper itself makes importable images (so refusals above are real)."""
    ok("fetch", "-r", "busybox")
    d = tmp_path / "img"
    d.mkdir()
    archive = craft_image(d, "evil", lambda tf: tar_member(tf, "evil/root/etc/motd", b"hi\n"))
    ok("import", "evil", "-p", archive)
    assert (jail_dir(pool, "evil") / "root" / "etc" / "motd").read_text() == "hi\n"


# ---- SIGKILL at any point loses nothing and leaves nothing half-made ----

def kill_when(argv, appeared):
    """Run jailctl, SIGKILL it as soon as appeared() is true (or let it finish)."""
    proc = subprocess.Popen([JAILCTL, *map(str, argv)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    killed = False
    while proc.poll() is None:
        if appeared():
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait()
    return killed


def test_sigkill_during_snapshot(web):
    write_random(data_dir(web, "web") / "big", 50)
    snaps = jail_dir(web, "web") / ".snapshots"
    kill_when(["snapshot", "-n", "big", "web"],
              lambda: any(n.startswith(".tmp-") for n in entries(snaps)))
    names = [r[0] for r in snap_rows("web")]     # the next command cleans up
    assert not any(n.startswith(".") for n in entries(snaps))
    if names:                                    # finished before the kill: complete
        assert names == ["big"]
        assert (snaps / "big" / "meta.json").exists()
    ok("snapshot", "-n", "next", "web")
    assert len((data_dir(web, "web") / "big").read_bytes()) == 50 << 20


def test_sigkill_during_rollback(web):
    """A rollback killed half-way leaves the jail whole (old or new contents, never a mix);
    the next command finishes the rollback, and the jail starts."""
    d = data_dir(web, "web")
    write_random(d / "big", 50)
    (d / "marker").write_text("snapshot")
    ok("snapshot", "-n", "s1", "web")
    expected = (d / "big").read_bytes()
    (data_dir(web, "web") / "marker").write_text("later")
    jdir = jail_dir(web, "web")
    in_progress = lambda: (any(n.startswith(".rollback-") for n in entries(jdir / ".snapshots"))
                           or any(".restore-" in n for n in entries(jdir)))
    kill_when(["rollback", "-n", "s1", "-f", "web"], in_progress)
    snap_rows("web")                              # the next command finishes or undoes it
    assert not in_progress(), (entries(jdir), entries(jdir / ".snapshots"))
    assert [l.split("\t")[1] for l in ok("list", "-H").out.splitlines()] == ["web"]
    after = data_dir(web, "web")
    assert (after / "marker").read_text() in ("snapshot", "later")
    if (after / "marker").read_text() == "snapshot":
        assert (after / "big").read_bytes() == expected
    ok("rollback", "-n", "s1", "-f", "web")      # and it can still be rolled back
    assert (data_dir(web, "web") / "marker").read_text() == "snapshot"
    assert (data_dir(web, "web") / "big").read_bytes() == expected
    ok("start", "web")
    ok("stop", "web")


def test_sigkill_during_export(web):
    write_random(data_dir(web, "web") / "big", 50)
    images = web / "iocage" / "images"
    killed = kill_when(["export", "web"],
                       lambda: any(n.startswith(".export-") for n in entries(images)))
    if killed:
        assert not any(n.endswith(".tar.zst") and not n.startswith(".") for n in entries(images))
    assert jail_dir(web, "web").is_dir()
    assert ok("get", "host_hostuuid", "web").out == "web\n"
    archive = export("web")                      # the next command cleans up
    assert entries(images) == sorted([archive.name, archive.name.replace(".tar.zst", ".sha256")])


def test_sigkill_during_import(web):
    write_random(data_dir(web, "web") / "big", 50)
    archive = export("web")
    ok("destroy", "-f", "web")
    jails = web / "iocage" / "jails"
    killed = kill_when(["import", "web"], lambda: any(n.startswith(".create-") for n in entries(jails)))
    if killed:
        assert [l for l in ok("list", "-H").out.splitlines()] == []
        ok("import", "web", "-p", archive)       # the next command cleans up
    assert entries(jails) == ["web"]
    assert len((jail_dir(web, "web") / "root" / "big").read_bytes()) == 50 << 20


# ---- clean (cmd_clean wires cli_clean_jails / cli_clean_images) ----

def clean(flag):
    r = jailctl("clean", flag, "-f")
    if "not available yet" in r.err:
        pytest.skip(f"clean {flag} is not wired into cmd_clean yet")
    assert r.rc == 0, r
    return r


def test_clean_images_templates_jails(web):
    ok("create", "-r", "busybox", "-n", "db")
    ok("create", "-r", "busybox", "-n", "tpl")
    ok("snapshot", "-n", "s1", "db")
    export("db")
    ok("set", "template=yes", "tpl")
    ok("start", "web")
    images = web / "iocage" / "images"
    clean("-i")
    assert entries(images) == []
    clean("-t")
    assert entries(web / "iocage" / "templates") == []
    assert sorted(l.split("\t")[1] for l in ok("list", "-H").out.splitlines()) == ["db", "web"]
    r = jailctl("clean", "-j", input="n\n")
    assert sorted(entries(web / "iocage" / "jails")) == ["db", "web"]
    clean("-j")                                  # stops the running jail first
    assert entries(web / "iocage" / "jails") == []
    assert ok("list", "-H").out == ""
