"""Pools: activation on btrfs and ext4, auto-activation, refusals."""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import fails, jailctl, ok, sh

TREE = ["download", "images", "jails", "log", "releases", "templates"]


def is_active(path):
    try:
        return os.getxattr(path, "user.jailctl.active") == b"yes"
    except OSError:
        return (Path(path) / ".jailctl-active").exists()


def assert_tree(pool):
    ioc = Path(pool) / "iocage"
    for d in TREE:
        assert (ioc / d).is_dir(), d
    assert (ioc / "defaults.json").is_file()


def test_activate_btrfs_creates_tree_with_subvolume(pools):
    pool = pools.make("btrfs")
    r = ok("activate", pool)
    assert "btrfs" in r.out
    assert_tree(pool)
    # the iocage dataset is a btrfs subvolume, like iocage's ZFS dataset
    assert sh("btrfs", "subvolume", "show", pool / "iocage", check=False).returncode == 0
    assert os.getxattr(pool, "user.jailctl.active") == b"yes"
    assert ok("get", "-p").out.strip() == str(pool)


def test_activate_ext4_uses_dir_backend(pools):
    pool = pools.make("ext4")
    r = ok("activate", pool)
    assert "dir back end" in r.out
    assert_tree(pool)
    assert is_active(pool)


def test_activate_xfs(pools):
    pool = pools.make("xfs")
    ok("activate", pool)
    assert_tree(pool)


def test_small_pool_warns_about_free_space(pools):
    pool = pools.make("ext4", size="64M")
    r = ok("activate", pool)
    assert "warning" in r.err and "10 GiB" in r.err


def test_one_active_pool_at_a_time(pools):
    a = pools.make("ext4", name="a")
    b = pools.make("btrfs", name="b")
    ok("activate", a)
    ok("activate", b)
    assert is_active(b) and not is_active(a)
    assert ok("get", "-p").out.strip() == str(b)


def test_activation_is_stored_on_the_pool(pools, tmp_path):
    """A pool moved to another mount point (or host) is still the active one."""
    pool = pools.make("ext4", name="moved")
    ok("activate", pool)
    other = tmp_path / "elsewhere"
    other.mkdir()
    sh("mount", "--move", pool, other)
    assert ok("get", "-p").out.strip() == str(other)


def test_a_disk_with_an_active_pool_mounted_later_is_seen(pools):
    """A disk moved in from another host, its pool active there: the next command sees
    two active pools (commands reuse a copy of the mount table while no mount comes or
    goes, and this pool is in no list of this host)."""
    a = pools.make("ext4", name="a")
    b = pools.make("ext4", name="b")
    (b / "iocage").mkdir()
    os.setxattr(b, "user.jailctl.active", b"yes")
    sh("umount", b)
    ok("activate", a)
    assert ok("get", "-p").out.strip() == str(a)
    sh("mount", "-o", "loop", pools.tmp / "b.img", b)
    r = fails("get", "-p")
    assert "several pools are active" in r.err and str(a) in r.err and str(b) in r.err
    ok("activate", a)
    assert ok("get", "-p").out.strip() == str(a)
    assert not is_active(b)


def test_deactivate(pools):
    pool = pools.make("ext4")
    ok("activate", pool)
    ok("deactivate", pool)
    assert not is_active(pool)
    fails("deactivate", pool)


def test_activate_missing_path():
    r = fails("activate", "/nonexistent/pool")
    assert "/nonexistent/pool" in r.err


def test_activate_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = fails("activate", f)
    assert "not a directory" in r.err
    assert not (tmp_path / "iocage").exists()


def test_activate_nfs_export_is_refused(tmp_path):
    share = tmp_path / "export"
    (share / "sub").mkdir(parents=True)
    Path("/etc/exports").write_text(f"# test\n{share} 10.0.0.0/8(rw)\n")
    r = fails("activate", share / "sub")
    assert "NFS" in r.err
    assert not (share / "sub" / "iocage").exists()


def test_activate_smb_share_is_refused(tmp_path):
    share = tmp_path / "smb"
    share.mkdir()
    Path("/etc/samba").mkdir(exist_ok=True)
    Path("/etc/samba/smb.conf").write_text(f"[global]\n  workgroup = X\n[media]\n  path = {share}\n")
    r = fails("activate", share)
    assert "SMB" in r.err
    assert not (share / "iocage").exists()


def test_first_filesystem_under_mnt_is_auto_activated(pools):
    pool = pools.make("btrfs", mountpoint="/mnt/tank")
    r = ok("list")
    assert "/mnt/tank" in r.err  # the notice names the pool
    assert is_active("/mnt/tank")
    assert_tree("/mnt/tank")


def test_default_pool_without_anything_mounted():
    r = ok("list")
    assert "/var/lib/jailctl" in r.err
    assert_tree("/var/lib/jailctl")
    # next command: no notice any more
    assert ok("list").err == ""


def test_list_empty_pool_prints_header(pool):
    r = ok("list")
    assert r.out.splitlines()[1] == "| JID | NAME | STATE | RELEASE | IP4 |"
    assert ok("list", "-h").out == ""
    assert ok("list", "-H").out == ""
    assert ok("list", "--json").out.strip() == "[]"
    assert "Bases fetched" in ok("list", "-r").out


def test_tmpfs_and_readonly_mounts_under_mnt_are_not_auto_activated(pools):
    os.makedirs("/mnt/scratch")
    sh("mount", "-t", "tmpfs", "tmpfs", "/mnt/scratch")
    ro = pools.make("ext4", mountpoint="/mnt/readonly")
    sh("mount", "-o", "remount,ro", ro)
    r = ok("list")
    assert "/var/lib/jailctl" in r.err
    assert not (Path("/mnt/scratch") / "iocage").exists()
    assert not (Path("/mnt/readonly") / "iocage").exists()
