"""Properties on `default`: get/set, validation, defaults.json handling."""
import json
import multiprocessing
import os
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import JAILCTL, fails, jailctl, ok, read_json

IOCAGE_DEFAULTS = {
    "interfaces": "vnet0:bridge0",
    "priority": "99",
    "nat_prefix": "172.16",
    "devfs_ruleset": "4",
    "exec_timeout": "60",
    "stop_timeout": "30",
    "vnet": "0",
    "boot": "0",
    "ip4": "new",
    "ip4_addr": "none",
    "defaultrouter": "auto",
    "exec_start": "/bin/sh /etc/rc",
    "exec_stop": "/bin/sh /etc/rc.shutdown",
    "allow_set_hostname": "1",
    "allow_raw_sockets": "0",
    "resolver": "/etc/resolv.conf",
    "securelevel": "2",
    "memoryuse": "off",
    "cpuset": "off",
    "nat_forwards": "none",
    "vnet0_mac": "none",
    "vnet3_mtu": "auto",
    "vnet_default_interface": "auto",
    "sysvshm": "new",
    "quota": "none",
}


def get_all(fmt_json=False):
    r = ok("get", "-a", "default")
    pairs = dict(line.split(":", 1) for line in r.out.splitlines())
    return pairs


def test_get_all_default_has_every_iocage_default(pool):
    props = get_all()
    assert len(props) >= 110
    for key, value in IOCAGE_DEFAULTS.items():
        assert props[key] == value, key


def test_get_one_default(pool):
    assert ok("get", "priority", "default").out == "99\n"
    assert ok("get", "interfaces", "default").out == "vnet0:bridge0\n"


def test_set_default_prints_and_persists(pool):
    r = ok("set", "priority=10", "vnet=on", "notes=hello world", "default")
    assert "Default Property: priority has been updated to 10" in r.out
    assert "Default Property: vnet has been updated to 1" in r.out
    assert ok("get", "vnet", "default").out == "1\n"
    assert ok("get", "notes", "default").out == "hello world\n"
    data = read_json(pool / "iocage" / "defaults.json")
    assert data["vnet"] == 1 and data["priority"] == "10"


def test_defaults_json_is_sorted_with_four_space_indent(pool):
    text = (pool / "iocage" / "defaults.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=4) + "\n"
    assert data["CONFIG_VERSION"]


def test_missing_defaults_is_recreated_with_notice(pool):
    f = pool / "iocage" / "defaults.json"
    f.unlink()
    r = ok("get", "priority", "default")
    assert "Default configuration missing, creating one" in r.err
    assert read_json(f)["priority"] == "99"


BAD = [
    ("bogus=1", "bogus"),
    ("priority=abc", "priority"),
    ("priority=0", "priority"),
    ("ip4_addr=vnet0|300.1.1.1/24", "ip4_addr"),
    ("ip4_addr=|10.0.0.1", "ip4_addr"),
    ("nat_forwards=tcp(99999)", "nat_forwards"),
    ("mac_prefix=zzzzzz", "mac_prefix"),
    ("ip4=maybe", "ip4"),
    ("interfaces=vnet0", "interfaces"),
    ("vnet=perhaps", "vnet"),
    ("memoryuse=deny=lots", "memoryuse"),
    ("nat_prefix=8.8", "nat_prefix"),
    ("last_started=now", "last_started"),
]


@pytest.mark.parametrize("assignment,culprit", BAD)
def test_bad_values_are_refused_and_change_nothing(pool, assignment, culprit):
    f = pool / "iocage" / "defaults.json"
    before = f.read_bytes()
    r = fails("set", assignment, "default")
    assert culprit in r.err
    assert f.read_bytes() == before


def test_one_bad_value_among_good_ones_changes_nothing(pool):
    f = pool / "iocage" / "defaults.json"
    before = f.read_bytes()
    fails("set", "priority=5", "ip4=maybe", "default")
    assert f.read_bytes() == before


def test_set_without_equals_is_refused(pool):
    f = pool / "iocage" / "defaults.json"
    before = f.read_bytes()
    r = fails("set", "priority", "default")
    assert "priority" in r.err and "PROPERTY=VALUE" in r.err
    assert f.read_bytes() == before


def test_unknown_property_on_get(pool):
    fails("get", "bogus", "default")


def test_corrupt_defaults_warns_once_and_is_left_alone(pool):
    f = pool / "iocage" / "defaults.json"
    f.write_bytes(b'{"priority": "50", broken')
    before = f.read_bytes()
    r = ok("get", "priority", "default")
    assert r.out == "99\n"  # built-in defaults in use
    assert r.err.count("warning") == 1 and "corrupt" in r.err
    r = ok("list")
    assert r.err.count("warning") == 1
    r = fails("set", "priority=5", "default")
    assert "corrupt" in r.err
    assert f.read_bytes() == before


def test_old_version_is_migrated_with_backup(pool):
    f = pool / "iocage" / "defaults.json"
    old = {"CONFIG_VERSION": "28", "priority": "42", "vnet": "yes", "interfaces": "vnet0:bridge5"}
    f.write_text(json.dumps(old))
    r = ok("get", "-a", "default")
    props = dict(line.split(":", 1) for line in r.out.splitlines())
    assert props["priority"] == "42" and props["vnet"] == "1"
    assert props["exec_timeout"] == "60"  # added by the migration
    assert props["interfaces"] == "vnet0:bridge5"
    assert read_json(pool / "iocage" / "defaults_backup.json") == old
    new = read_json(f)
    assert new["CONFIG_VERSION"] != "28" and new["vnet"] == 1
    # the migration happens once
    assert "Migrated" not in ok("get", "priority", "default").err


def _setter(prop, n, errors):
    for i in range(n):
        p = subprocess.run([JAILCTL, "set", f"{prop}={i}", "default"], capture_output=True, text=True)
        if p.returncode != 0:
            errors.append(p.stderr)
            return


def test_concurrent_sets_never_lose_an_update(pool):
    """8 processes each set their own property 200 times at once; a reader checks that the
    file is valid JSON at every moment; every property ends at its last value."""
    f = pool / "iocage" / "defaults.json"
    props = ["exec_timeout", "stop_timeout", "exec_fib", "devfs_ruleset",
             "children_max", "min_dyn_devfs_ruleset", "notes", "comment"]
    n = 200
    errors = []
    stop = threading.Event()
    bad_reads = []

    def reader():
        while not stop.is_set():
            try:
                json.loads(f.read_text())
            except ValueError as e:
                bad_reads.append(str(e))

    t = threading.Thread(target=reader)
    t.start()
    threads = [threading.Thread(target=_setter, args=(p, n, errors)) for p in props]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stop.set()
    t.join()
    assert not errors, errors[:3]
    assert not bad_reads, bad_reads[:3]
    data = read_json(f)
    for p in props:
        assert data[p] == str(n - 1), p
