"""Jails on a pool: create, list, get/set, rename, clone, templates, fstab, destroy."""
import contextlib
import fcntl
import json
import os
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import JAILCTL, fails, jailctl, ok, read_json, sh, wait_for


@pytest.fixture
def busybox(pool):
    ok("fetch", "-r", "busybox")
    return pool


def jail_dir(pool, name, template=False):
    return pool / "iocage" / ("templates" if template else "jails") / name


def list_rows(*flags):
    r = ok("list", "-H", *flags)
    return [line.split("\t") for line in r.out.splitlines()]


def test_create_clone_jail(busybox):
    r = ok("create", "-r", "busybox", "-n", "web")
    assert r.out.strip() == "web successfully created!"
    d = jail_dir(busybox, "web")
    cfg = read_json(d / "config.json")
    assert cfg["host_hostuuid"] == "web" and cfg["release"] == "busybox"
    # thin: nothing that equals the defaults
    assert "priority" not in cfg and "vnet" not in cfg
    assert (d / "fstab").read_text() == ""
    rows = list_rows()
    assert rows == [["-", "web", "down", "busybox", "-"]]


def test_create_writes_identity_files(busybox):
    ok("create", "-r", "busybox", "-n", "my_web")
    # the root is visible directly on btrfs; on the dir back end it is an overlay,
    # so read the files through `get`/`exec` later; here check what create stored
    assert ok("get", "host_hostname", "my_web").out == "my-web\n"


def test_create_with_properties_and_validation(busybox):
    ok("create", "-r", "busybox", "-n", "a", "priority=5", "notes=hello", "boot=off")
    assert ok("get", "priority", "a").out == "5\n"
    assert ok("get", "notes", "a").out == "hello\n"
    jails = busybox / "iocage" / "jails"
    before = sorted(os.listdir(jails))
    fails("create", "-r", "busybox", "-n", "b", "priority=abc")
    fails("create", "-r", "busybox", "-n", "b", "bogus=1")
    assert sorted(os.listdir(jails)) == before


@pytest.mark.parametrize("name", ["../x", "a b", "default", "ALL", "help", "x" * 64, ".", ".."])
def test_bad_names_are_refused(busybox, name):
    jails = busybox / "iocage" / "jails"
    before = sorted(os.listdir(jails))
    fails("create", "-r", "busybox", "-n", name)
    assert sorted(os.listdir(jails)) == before


def test_dot_and_underscore_collide(busybox):
    ok("create", "-r", "busybox", "-n", "a.b")
    r = fails("create", "-r", "busybox", "-n", "a_b")
    assert "a.b" in r.err


def test_name_of_63_chars_is_fine(busybox):
    ok("create", "-r", "busybox", "-n", "x" * 63)


def test_count_and_uuid_names(busybox):
    ok("create", "-r", "busybox", "-n", "multi", "-c", "3")
    names = [r[1] for r in list_rows()]
    assert names == ["multi_1", "multi_2", "multi_3"]
    r = ok("create", "-r", "busybox", "-s")
    short = r.out.split()[0]
    assert len(short) == 8
    r = ok("create", "-r", "busybox")
    uuid = r.out.split()[0]
    assert len(uuid) == 36 and uuid[14] == "4"


def test_get_all_set_and_backup(busybox):
    ok("create", "-r", "busybox", "-n", "web")
    r = ok("get", "-a", "web")
    props = dict(l.split(":", 1) for l in r.out.splitlines())
    assert props["host_hostuuid"] == "web" and props["state"] == "down"
    assert props["last_started"] == "never"
    r = ok("set", "notes=first", "web")
    assert r.out.splitlines()[0] == "notes: none -> first"
    ok("set", "notes=second", "memoryuse=deny=512m", "web")
    d = jail_dir(busybox, "web")
    assert read_json(d / "config_backup.json")["notes"] == "first"
    assert read_json(d / "config.json")["memoryuse"] == "deny=512m"
    # renaming the backup restores the previous settings
    os.replace(d / "config_backup.json", d / "config.json")
    assert ok("get", "notes", "web").out == "first\n"


def test_set_no_effect_property_says_so(busybox):
    ok("create", "-r", "busybox", "-n", "web")
    r = ok("set", "compression=gzip", "web")
    assert "no effect on Linux" in r.out


def test_set_defaults_only_property_on_jail_is_refused(busybox):
    ok("create", "-r", "busybox", "-n", "web")
    before = (jail_dir(busybox, "web") / "config.json").read_bytes()
    fails("set", "nat_prefix=10.1", "web")
    fails("set", "priority=abc", "web")
    assert (jail_dir(busybox, "web") / "config.json").read_bytes() == before


def test_get_recursive_and_prefix(busybox):
    ok("create", "-r", "busybox", "-n", "alpha", "priority=3")
    ok("create", "-r", "busybox", "-n", "beta")
    r = ok("get", "-r", "-H", "priority")
    assert r.out.splitlines() == ["alpha\t3", "beta\t99"]
    assert ok("get", "priority", "alp").out == "3\n"  # unique prefix
    ok("create", "-r", "busybox", "-n", "alpine")
    r = fails("get", "priority", "al")
    assert "Multiple jails" in r.err


def test_corrupt_config_shows_corrupt_and_listing_goes_on(busybox):
    ok("create", "-r", "busybox", "-n", "good")
    ok("create", "-r", "busybox", "-n", "bad")
    cfg = jail_dir(busybox, "bad") / "config.json"
    cfg.write_text("{not json")
    rows = list_rows()
    assert ["-", "bad", "CORRUPT", "N/A", "N/A"] in rows
    assert ["-", "good", "down", "busybox", "-"] in rows
    # never overwritten silently
    fails("set", "notes=x", "bad")
    assert cfg.read_text() == "{not json"


def test_long_and_quick_listing(busybox):
    ok("create", "-r", "busybox", "-n", "web", "ip4_addr=vnet0|10.1.1.5/24")
    ok("set", "boot=on", "web")
    row = list_rows("-l")[0]
    assert row[:6] == ["-", "web", "on", "down", "jail", "busybox"]
    assert row[6] == "vnet0|10.1.1.5/24"  # long listing: full entries, as iocage
    assert list_rows("-q") == [["web", "10.1.1.5"]]
    data = json.loads(ok("list", "--json").out)
    assert data[0]["name"] == "web"


def test_rename(busybox):
    ok("create", "-r", "busybox", "-n", "old")
    ok("rename", "old", "new")
    assert [r[1] for r in list_rows()] == ["new"]
    assert ok("get", "host_hostname", "new").out == "new\n"
    assert not jail_dir(busybox, "old").exists()
    ok("create", "-r", "busybox", "-n", "other")
    fails("rename", "new", "other")


def test_clone_gets_new_identity(busybox):
    ok("create", "-r", "busybox", "-n", "src", "vnet0_mac=02:00:00:00:00:01 02:00:00:00:00:02", "notes=n")
    r = ok("clone", "src", "-n", "copy")
    assert "copy successfully cloned!" in r.out
    cfg = read_json(jail_dir(busybox, "copy") / "config.json")
    assert cfg["host_hostuuid"] == "copy" and cfg["notes"] == "n"
    assert "vnet0_mac" not in cfg


def test_template_flow(busybox):
    ok("create", "-r", "busybox", "-n", "tpl", "notes=from-template")
    r = ok("set", "template=yes", "tpl")
    assert [r[1] for r in list_rows()] == []
    assert [r[1] for r in list_rows("-t")] == ["tpl"]
    assert jail_dir(busybox, "tpl", template=True).is_dir()
    fails("clone", "tpl", "-n", "x")
    ok("create", "-t", "tpl", "-n", "child")
    assert ok("get", "source_template", "child").out == "tpl\n"
    assert ok("get", "notes", "child").out == "from-template\n"
    ok("set", "template=no", "tpl")
    assert sorted(r[1] for r in list_rows()) == ["child", "tpl"]


def test_destroy(busybox):
    ok("create", "-r", "busybox", "-n", "web")
    r = jailctl("destroy", "web", input="n\n")
    assert jail_dir(busybox, "web").exists()
    ok("destroy", "-f", "web")
    assert not jail_dir(busybox, "web").exists()
    assert list_rows() == []
    fails("destroy", "-f", "web")


def test_basejail_fstab_has_system_entries(busybox):
    ok("create", "-r", "busybox", "-n", "base", "-b")
    assert ok("get", "basejail", "base").out == "1\n"
    lines = (jail_dir(busybox, "base") / "fstab").read_text().splitlines()
    assert lines and all("SYSTEM" in l and "\tro\t" in l for l in lines)
    assert list_rows("-B")[0][1] == "base"


def test_fstab_add_list_remove(busybox, tmp_path):
    ok("create", "-r", "busybox", "-n", "web")
    src = tmp_path / "media"
    src.mkdir()
    ok("fstab", "-a", "web", f"{src} /mnt/media nullfs ro 0 0")
    rows = ok("fstab", "-l", "-H", "web").out.splitlines()
    assert len(rows) == 1 and str(src) in rows[0]
    data = json.loads(ok("fstab", "-l", "--json", "web").out)
    assert data[0]["destination"] == "/mnt/media"
    ok("fstab", "-r", "web", "0")
    assert ok("fstab", "-l", "-H", "web").out == ""


def test_fstab_bad_entries_are_refused(busybox, tmp_path):
    ok("create", "-r", "busybox", "-n", "web")
    fstab = jail_dir(busybox, "web") / "fstab"
    fails("fstab", "-a", "web", f"{tmp_path}/missing /mnt/x nullfs ro 0 0")
    src = tmp_path / "src"
    src.mkdir()
    fails("fstab", "-a", "web", f"{src} /mnt/../../etc nullfs ro 0 0")
    fails("fstab", "-a", "web", f"{src} /mnt/x tmpfs ro 0 0")
    assert fstab.read_text() == ""


def test_leftover_of_killed_create_is_invisible_and_cleaned(busybox):
    jails = busybox / "iocage" / "jails"
    leftover = jails / ".create-ghost-999999"
    (leftover / "root").mkdir(parents=True)
    assert list_rows() == []
    ok("create", "-r", "busybox", "-n", "real")
    assert not leftover.exists()


def test_fstab_destination_through_symlink_is_refused(btrfs_pool, tmp_path):
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    root = jail_dir(btrfs_pool, "web") / "root"
    os.symlink("/etc", root / "evil")
    src = tmp_path / "src"
    src.mkdir()
    r = fails("fstab", "-a", "web", f"{src} /evil/x nullfs ro 0 0")
    assert "symlink" in r.err
    assert not Path("/etc/x").exists()
    assert (jail_dir(btrfs_pool, "web") / "fstab").read_text() == ""


def test_start_keeps_the_users_backup(busybox):
    """last_started is recorded at start without replacing config_backup.json, so renaming
    the backup still restores the settings from before the last `set`."""
    ok("create", "-r", "busybox", "-n", "web", "notes=one")
    ok("set", "notes=two", "web")
    ok("start", "web")
    ok("stop", "web")
    d = jail_dir(busybox, "web")
    # written in the background, after start returned (docs/runtime.md, "last_started")
    wait_for(lambda: "last_started" in read_json(d / "config.json"))
    assert read_json(d / "config_backup.json")["notes"] == "one"
    assert read_json(d / "config.json")["last_started"] != "none"
    assert ok("get", "last_started", "web").out.strip() != "never"


@pytest.fixture
def stopper(busybox):
    yield
    jailctl("stop", "-f", "ALL")


@contextlib.contextmanager
def writable_release(pool):
    """The busybox release's root, writable for the test's change (read-only on btrfs: lifted
    as `update` of a basejail's release would)."""
    release = pool / "iocage" / "releases" / "busybox" / "root"
    ro = sh("btrfs", "property", "get", release, "ro", check=False).stdout.strip() == "ro=true"
    if ro:
        sh("btrfs", "property", "set", release, "ro", "false")
    try:
        yield release
    finally:
        if ro:
            sh("btrfs", "property", "set", release, "ro", "true")


def test_basejail_usr_is_read_only_and_follows_the_release(busybox, stopper):
    ok("create", "-r", "busybox", "-n", "base", "-b", "exec_start=/bin/true", "exec_stop=/bin/true")
    ok("start", "base")
    r = jailctl("exec", "base", "sh", "-c", "echo x > /usr/new-file")
    assert r.rc != 0 and "Read-only file system" in r.err
    # the jail keeps its own writable /etc
    ok("exec", "base", "sh", "-c", "echo mine > /etc/mine")
    # an update of the release shows in the basejail
    with writable_release(busybox) as release:
        (release / "usr" / "release-update").write_text("v2\n")
    assert ok("exec", "base", "cat", "/usr/release-update").out == "v2\n"


def test_device_node_of_a_basejails_release_opens_nothing(busybox, stopper):
    """A read-only mount still lets a device node be written; the release's mounts are
    nodev as well, so a node a release brought (here /dev/null's numbers) does nothing."""
    with writable_release(busybox) as release:
        os.mknod(release / "usr" / "null-copy", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    ok("create", "-r", "busybox", "-n", "base", "-b", "exec_start=/bin/true", "exec_stop=/bin/true")
    ok("start", "base")
    r = jailctl("exec", "base", "sh", "-c", "echo x > /usr/null-copy")
    assert r.rc != 0 and "Permission denied" in r.err, r
    ok("exec", "base", "sh", "-c", "echo x > /dev/null")


def test_jail_from_template_starts(busybox, stopper):
    ok("create", "-r", "busybox", "-n", "tpl", "exec_start=/bin/true", "exec_stop=/bin/true")
    ok("set", "template=yes", "tpl")
    fails("start", "tpl")
    ok("create", "-t", "tpl", "-n", "child")
    ok("start", "child")
    assert ok("exec", "child", "hostname").out == "child\n"


def test_boot_at_create_starts_the_jail(busybox, stopper):
    r = ok("create", "-r", "busybox", "-n", "boots", "boot=1", "exec_start=/bin/true")
    assert "boots successfully created!" in r.out and "Started OK" in r.out
    assert ok("get", "-s", "boots").out == "up\n"


def test_set_of_a_property_that_cannot_change_while_running(busybox, stopper):
    ok("create", "-r", "busybox", "-n", "web", "exec_start=/bin/true", "exec_stop=/bin/true")
    ok("start", "web")
    r = fails("set", "dhcp=1", "web")
    assert "dhcp" in r.err and "running" in r.err
    # A refused set takes no lock: wait for start's own write (last_started, made in the
    # background, which lets go of the lock while it flushes) before comparing.
    config = jail_dir(busybox, "web") / "config.json"
    wait_for(lambda: "last_started" in read_json(config))
    with open(Path(busybox) / "iocage" / ".locks" / "web.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
    before = config.read_bytes()
    fails("set", "dhcp=1", "web")
    assert (jail_dir(busybox, "web") / "config.json").read_bytes() == before
    r = ok("set", "memoryuse=deny=256m", "web")  # a live one is applied at once
    assert "restart" not in r.out
    r = ok("set", "ip4_addr=vnet0|10.9.9.9/24", "web")
    assert "requires a jail restart" in r.out
    fails("rename", "web", "other")
    fails("clone", "web", "-n", "copy")
