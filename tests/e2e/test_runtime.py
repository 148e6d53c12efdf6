"""Jail runtime: start, stop, restart, exec, console, limits, confinement, crash safety,
boot order. Every test runs on both back ends (btrfs subvolumes, dir overlays)."""
import glob
import json
import os
import pty
import re
import select
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ASAN_OPTIONS, JAILCTL, fails, jailctl, ok, sh, wait_for

RUN_DIR = Path("/run/jailctl")


@pytest.fixture
def web(pool):
    """A busybox jail named web; whatever a test leaves running is stopped afterwards."""
    ok("fetch", "-r", "busybox")
    ok("create", "-r", "busybox", "-n", "web")
    yield pool
    stop_everything(pool)


def stop_everything(pool):
    for jail_dir in (Path(pool) / "iocage" / "jails").iterdir():
        if not jail_dir.name.startswith("."):
            jailctl("stop", "-f", jail_dir.name)


def state(name="web"):
    files = glob.glob(str(RUN_DIR / "*" / f"{name}.json"))
    if not files:
        return None
    with open(files[0]) as f:
        return json.load(f)


def cgroup_dirs(st):
    return [c["path"] for c in st["cgroups"]]


def jail_root(pool, name="web"):
    return Path(pool) / "iocage" / "jails" / name / "root"


def mounts_under(path):
    prefix = str(path)
    with open("/proc/self/mountinfo") as f:
        return [l.split()[4] for l in f if l.split()[4].startswith(prefix)]


def list_row(name="web"):
    for line in ok("list", "-h").out.splitlines():
        cells = line.split("\t")
        if cells[1] == name:
            return cells
    raise AssertionError(f"{name} not listed")


def in_jail(*cmd, **kw):
    return jailctl("exec", "web", *cmd, **kw)


def assert_gone(pool, st):
    """No process, cgroup, mount, JID or state left of a stopped jail."""
    assert state() is None
    for d in cgroup_dirs(st):
        assert not os.path.exists(d), d
    assert not os.path.exists(f"/proc/{st['init_pid']}") or \
        open(f"/proc/{st['init_pid']}/stat").read().split()[2] == "Z"
    assert mounts_under(jail_root(pool)) == []
    assert not (RUN_DIR / "jids" / str(st["jid"])).exists()
    assert list_row()[2] == "down"


def test_start_exec_stop(web):
    r = ok("start", "web")
    assert r.out.splitlines() == [
        "* Starting web", "  + Started OK", "  + Using devfs_ruleset: 4 (jailctl default)",
        "  + Starting services OK", "  + Executing poststart OK"]
    st = state()
    row = list_row()
    assert row[0] == str(st["jid"]) and row[2] == "up"
    assert ok("exec", "web", "hostname").out == "web\n"
    ps = ok("exec", "web", "ps", "-o", "pid,comm").out.split("\n")[1:]
    procs = [l.split() for l in ps if l.strip()]
    assert procs[0] == ["1", "jailctl-init"]
    assert len(procs) == 2, procs       # the init and ps itself
    # the jail's mounts live in its own mount namespace only
    assert mounts_under(jail_root(web)) == []
    r = ok("stop", "web")
    assert r.out.splitlines() == [
        "* Stopping web", "  + Executing prestop OK", "  + Stopping services OK",
        "  + Removing jail process OK", "  + Executing poststop OK"]
    assert_gone(web, st)


def test_exec_status_stdin_and_user(web):
    ok("start", "web")
    assert in_jail("sh", "-c", "exit 7").rc == 7
    assert in_jail("sh", "-c", "kill -9 $$").rc == 128 + 9
    assert in_jail("cat", input="through stdin\n").out == "through stdin\n"
    assert ok("exec", "-U", "nobody", "web", "id", "-u").out == "65534\n"
    # options stop at NAME: the command keeps its own
    assert ok("exec", "web", "ls", "-d", "/").out == "/\n"
    r = fails("exec", "web", "/no/such/program")
    assert "/no/such/program" in r.err
    r = fails("exec", "-U", "nosuchuser", "web", "true")
    assert "nosuchuser" in r.err
    # exec_clean: a clean environment
    env = in_jail("env").out.splitlines()
    assert "PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin" in env
    assert "HOME=/root" in env and "USER=root" in env


def test_exec_in_a_jail_whose_passwd_is_a_fifo(web):
    """The init's child reads the jail's /etc/passwd before it runs the command, the init
    waiting for it: a FIFO there (the jail's root can make one) must not stall either."""
    ok("start", "web")
    ok("exec", "web", "sh", "-c", "rm /etc/passwd /etc/group && mkfifo /etc/passwd /etc/group")
    assert in_jail("sh", "-c", "echo ran").out == "ran\n"   # root needs no passwd entry
    r = fails("exec", "-U", "nobody", "web", "true")
    assert "nobody" in r.err
    assert in_jail("true").rc == 0   # the init still takes requests
    ok("stop", "web")


def test_stop_when_the_init_takes_requests_but_never_answers(web):
    """exec_stop gives up after exec_timeout when the init never starts it (here a socket
    nobody serves stands in for a wedged init), and the jail still stops."""
    ok("set", "exec_timeout=2", "web")
    ok("start", "web")
    (path,) = glob.glob(str(RUN_DIR / "*" / "web.sock"))
    os.unlink(path)
    mute = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        mute.bind(path)
        mute.listen(4)
        r = ok("stop", "web")
    finally:
        mute.close()
    assert "exec_stop timed out after 2 seconds" in r.err
    assert "Removing jail process OK" in r.out
    assert state() is None


def test_exec_gives_up_on_sigterm_when_the_init_never_starts_the_command(web):
    """A signal that comes before the command runs is kept for it; when the init never
    starts it (a socket nobody serves stands in for a wedged init), jailctl exec does not
    hang on: it says why and exits."""
    ok("start", "web")
    (path,) = glob.glob(str(RUN_DIR / "*" / "web.sock"))
    os.unlink(path)
    mute = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS)
    p = None
    try:
        mute.bind(path)
        mute.listen(4)
        p = subprocess.Popen([JAILCTL, "exec", "web", "true"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        conn, _ = mute.accept()
        assert conn.recv(65536)   # the request is in: jailctl now waits for the command
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        conn.close()
    finally:
        if p and p.poll() is None:
            p.kill()
        mute.close()
    assert p.returncode == 1, err
    assert err == "jailctl: web: gave up on SIGTERM: the jail's init had not started the command\n"


def test_exec_runs_through_the_init_and_gets_the_terminal_signals(web):
    """exec asks the jail's init to fork the command, so the command is not in jailctl's
    process group: ^C (SIGINT to jailctl) must still reach it."""
    ok("start", "web")
    sock = glob.glob(str(RUN_DIR / "*" / "web.sock"))
    assert len(sock) == 1
    # the init's socket and jailctl's other descriptors never reach the command
    fds = in_jail("ls", "/proc/self/fd").out.split()
    assert set(fds) <= {"0", "1", "2", "3"}, fds
    script = "trap 'echo got-int; kill $!; exit 3' INT; sleep 1000 & echo ready; wait"
    env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS)
    p = subprocess.Popen([JAILCTL, "exec", "web", "sh", "-c", script], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline() == "ready\n"
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert out == "got-int\n", err
    assert p.returncode == 3, err
    ok("stop", "web")
    assert glob.glob(str(RUN_DIR / "*" / "web.sock")) == []


def test_exec_from_a_terminal_stays_in_the_terminals_session(web):
    """Through the init the command leads a session of its own; from a terminal it joins the
    jail itself and stays in the caller's session (outside the jail's pid namespace: 0),
    so job control and ^C inside an interactive shell work."""
    ok("start", "web")
    own_session = ["awk", "{print ($6 == $1)}", "/proc/self/stat"]
    assert in_jail(*own_session).out == "1\n"
    master, slave = pty.openpty()
    try:
        env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS)
        r = subprocess.run([JAILCTL, "exec", "web", *own_session], stdin=slave,
                           capture_output=True, text=True, env=env, timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0\n"


def test_exec_without_the_init_socket_joins_the_jail_itself(web):
    """A jail whose init takes no requests (started by an older jailctl): exec enters it."""
    ok("start", "web")
    for sock in glob.glob(str(RUN_DIR / "*" / "web.sock")):
        os.unlink(sock)
    assert in_jail("hostname").out.endswith("web\n")
    assert in_jail("sh", "-c", "exit 5").rc == 5
    assert ok("exec", "-U", "nobody", "web", "id", "-u").out == "65534\n"
    ok("stop", "web")


def test_confinement(web):
    ok("start", "web")
    script = (
        "echo b > /proc/sysrq-trigger && echo SYSRQ-WRITTEN; "
        "echo x > /sys/kernel/uevent_helper && echo SYS-WRITTEN; "
        "mount -t tmpfs x /mnt && echo MOUNTED; "
        "mknod /tmp/sda b 8 0 && echo MKNOD-DONE; "
        "cat /proc/kcore > /dev/null 2>&1 && head -c1 /proc/kcore | wc -c | grep -q 1 && echo KCORE; "
        "unshare -U true 2>/dev/null && echo USERNS; "
        "echo done")
    r = in_jail("sh", "-c", script)
    assert r.out.strip().splitlines() == ["done"], r
    # no host process is visible
    pids = in_jail("sh", "-c", "ls /proc | grep -E '^[0-9]+$'").out.split()
    assert len(pids) <= 4, pids
    caps = in_jail("grep", "CapBnd", "/proc/self/status").out.split()[1]
    bnd = int(caps, 16)
    for cap in (21, 16, 17, 25, 22, 27, 34):  # SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_TIME, SYS_BOOT, MKNOD, WAKE_ALARM
        assert not bnd & (1 << cap), cap
    mounts = in_jail("cat", "/proc/self/mounts").out
    assert " /sys sysfs ro," in mounts
    assert " /dev tmpfs rw,nosuid,noexec" in mounts
    assert " /dev/pts devpts " in mounts
    devs = sorted(in_jail("ls", "/dev").out.split())
    assert devs == sorted(["fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm",
                           "stderr", "stdin", "stdout", "tty", "urandom", "zero"])


def test_device_nodes_work_only_in_the_jails_dev(web):
    """A node planted in the jail's tree (as a release could bring one) opens nothing, even
    one the devices cgroup allows: the jail's root is nodev, its /dev is not."""
    root = jail_root(web)
    upper = root.with_name("root.upper")   # the dir back end keeps the jail's files there
    planted = (upper if upper.is_dir() else root) / "null-copy"
    os.mknod(planted, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    ok("start", "web")
    r = in_jail("sh", "-c", "echo x > /null-copy")
    assert r.rc != 0 and "Permission denied" in r.err, r
    assert in_jail("sh", "-c", "echo x > /dev/null").rc == 0
    root_opts = [l.split()[3] for l in in_jail("cat", "/proc/self/mounts").out.splitlines()
                 if l.split()[1] == "/"]
    assert root_opts and "nodev" in root_opts[-1].split(","), root_opts


def test_without_a_devices_controller_a_bpf_program_is_the_device_control(web):
    """Pure cgroup v2 has no devices controller: a BPF program on the jail's cgroup refuses
    what the devfs ruleset does not list. Unmounting the v1 devices hierarchy in this test's
    own mount namespace makes a hybrid host look like that. The host puts a node
    in the jail's /dev: refused, not "no such device" (nothing drives 240:0)."""
    with open("/proc/self/mountinfo") as f:
        if not any(" - cgroup2 " in line for line in f):
            pytest.skip("no cgroup v2 hierarchy on this host")
    devices = Path("/sys/fs/cgroup/devices")
    if devices.is_mount():
        sh("umount", devices)
    ok("start", "web")
    st = state()
    assert [c for c in st["cgroups"] if c["controller"] == "devices"] == []
    os.mknod(f"/proc/{st['init_pid']}/root/dev/probe", 0o666 | stat.S_IFCHR, os.makedev(240, 0))
    r = in_jail("sh", "-c", "echo x > /dev/probe")
    assert r.rc != 0 and "Operation not permitted" in r.err, r
    assert in_jail("sh", "-c", "echo x > /dev/null").rc == 0
    assert in_jail("sh", "-c", "exec 3<>/dev/ptmx && echo pty").out == "pty\n"


def test_setuid_still_works_for_root_paths(web):
    """No no_new_privs: the jail's setuid programs keep their power."""
    ok("start", "web")
    nnp = in_jail("grep", "NoNewPrivs", "/proc/self/status").out.split()[1]
    assert nnp == "0"


def test_already_running_and_not_running(web):
    r = fails("stop", "web")
    assert r.err.strip() == "jailctl: web is not running!"
    ok("start", "web")
    r = fails("start", "web")
    assert "web is already running!" in r.err
    assert jailctl("exec", "web").rc == 2      # no command: usage error


def test_exec_f_starts_the_jail(web):
    r = fails("exec", "web", "true")
    assert "not running" in r.err
    assert ok("exec", "-f", "web", "hostname").out.endswith("web\n")
    assert list_row()[2] == "up"


def test_restart_soft_restart_and_force_stop(web):
    ok("start", "web")
    first = state()
    r = ok("restart", "web")
    assert "* Stopping web" in r.out and "* Starting web" in r.out
    second = state()
    assert second["init_pid"] != first["init_pid"]
    ok("exec", "web", "sh", "-c", "sleep 1000 >/dev/null 2>&1 &")
    r = ok("restart", "-s", "web")
    assert "  + Starting services OK" in r.out
    assert state()["init_pid"] == second["init_pid"]
    assert "sleep" not in in_jail("ps").out
    ok("set", "exec_prestop=false", "web")
    r = fails("stop", "web")
    assert "exec_prestop" in r.err and "stop -f" in r.err
    assert list_row()[2] == "up"
    r = ok("stop", "-f", "web")
    assert r.out.splitlines() == ["* Stopping web", "  + Removing jail process OK"]
    assert_gone(web, second)


def test_stop_kills_what_ignores_sigterm(web):
    ok("set", "stop_timeout=1", "web")
    ok("start", "web")
    st = state()
    ok("exec", "web", "sh", "-c", "trap '' TERM; sleep 1000 >/dev/null 2>&1 &")
    t0 = time.time()
    ok("stop", "web")
    assert 0.9 < time.time() - t0 < 10
    assert_gone(web, st)


def test_killed_init_shows_down_and_starts_again(web):
    ok("start", "web")
    st = state()
    os.kill(st["init_pid"], signal.SIGKILL)
    deadline = time.time() + 10
    while os.path.exists(f"/proc/{st['init_pid']}") and time.time() < deadline:
        with open(f"/proc/{st['init_pid']}/stat") as f:
            if f.read().split()[2] == "Z":
                break
        time.sleep(0.05)
    assert list_row()[2] == "down"
    assert state() is None
    for d in cgroup_dirs(st):
        assert not os.path.exists(d)
    ok("start", "web")
    assert ok("exec", "web", "hostname").out == "web\n"


def test_record_from_another_boot_is_stale_and_its_pids_are_left_alone(web):
    """/run survives reboots here: a record naming a pid that now belongs to someone else
    (same pid, same start tick: boots are deterministic) must never lead to a signal."""
    ok("start", "web")
    st = state()
    ok("stop", "web")
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        with open(f"/proc/{bystander.pid}/stat") as f:
            start = int(f.read().rsplit(")", 1)[1].split()[19])
        st.update(boot_id="another-boot", running=True, init_pid=bystander.pid, init_start=start)
        pool_dir = str(RUN_DIR / state_pool_ids()[0])
        Path(pool_dir, "web.json").write_text(json.dumps(st))
        (RUN_DIR / "jids" / str(st["jid"])).write_text(f"{Path(pool_dir).name} web\n")
        assert list_row()[2] == "down"
        assert state() is None
        assert bystander.poll() is None        # not signalled
        ok("start", "web")
    finally:
        bystander.kill()
        bystander.wait()


def test_sigkill_of_jailctl_during_start_leaves_nothing(web):
    # the hook's parent is jailctl itself
    ok("set", "exec_prestart=kill -9 $PPID", "web")
    r = jailctl("start", "web")
    assert r.rc == -signal.SIGKILL, r
    assert list_row()[2] == "down"
    assert state() is None
    assert not list((RUN_DIR / "jids").glob("[0-9]*"))
    ok("set", "exec_prestart=/usr/bin/true", "web")
    ok("start", "web")
    st = state()
    assert st["jid"] == 1


def test_sigkill_of_jailctl_during_exec_start(web):
    ok("set", "exec_start=/bin/sleep 100", "web")
    proc = subprocess.Popen([JAILCTL, "start", "web"], stdout=subprocess.DEVNULL)
    deadline = time.time() + 20
    init = None
    while time.time() < deadline and init is None:
        st = state()
        if st and st["init_pid"] and not st["running"]:
            init = st["init_pid"]
        time.sleep(0.02)
    assert init, "the jail never got an init"
    proc.kill()
    proc.wait()
    # the half-started jail (its init, cgroups, JID) is cleaned up by the next command
    assert list_row()[2] == "down"
    assert state() is None
    for d in cgroup_dirs(st):
        assert not os.path.exists(d)
    ok("set", "exec_start=/bin/sh /etc/rc", "web")
    ok("start", "web")


def test_prestart_failure_undoes_everything(web):
    ok("set", "exec_prestart=false", "web")
    r = fails("start", "web")
    assert "exec_prestart failed" in r.err
    assert state() is None
    assert list_row()[2] == "down"
    assert not list((RUN_DIR / "jids").glob("[0-9]*"))
    leftovers = [p for p in glob.glob("/sys/fs/cgroup/*/jailctl/jailctl-*-web")
                 if Path(p).name.split("-")[1] in state_pool_ids()]
    assert leftovers == []


def test_start_refused_while_planning_says_why_and_changes_nothing(web):
    """A bad value found while planning the start (here an unknown devfs_ruleset) is
    refused before anything exists: the error, not a crash, and the jail starts once
    fixed."""
    ok("set", "devfs_ruleset=77", "web")
    r = fails("start", "web")
    assert r.err == "jailctl: web: devfs_ruleset 77 does not exist! - Not starting jail\n"
    assert state() is None
    assert list_row()[2] == "down"
    ok("set", "devfs_ruleset=4", "web")
    ok("start", "web")
    assert list_row()[2] == "up"


def state_pool_ids():
    """The pools' record directories (not jids/ nor the seccomp filter cache)."""
    return [p.name for p in RUN_DIR.iterdir() if p.is_dir() and p.name not in ("jids", "seccomp")]


def test_exec_start_failure_and_timeout(web):
    ok("set", "exec_start=/bin/false", "web")
    r = fails("start", "web")
    assert "exec_start failed" in r.err
    assert state() is None
    ok("set", "exec_start=/bin/sleep 30", "exec_timeout=1", "web")
    r = fails("start", "web")
    assert "exec_start timed out" in r.err
    assert state() is None


def test_exec_start_output_goes_to_console_log(web):
    ok("set", "exec_start=/bin/echo hello-from-exec-start", "web")
    ok("start", "web")
    log = Path(web) / "iocage" / "log" / "web-console.log"
    assert "hello-from-exec-start" in log.read_text()
    assert ok("get", "last_started", "web").out.strip() != "none"


def test_last_started_is_shown_at_once_and_reaches_config_json(web):
    """start returns before config.json has last_started (a child writes it, and flushes it
    without holding the jail's lock, so neither stop nor a set waits for the flush): get
    shows the start's time at once; config.json gets it, with a set made meanwhile kept."""
    ok("start", "web")
    shown = ok("get", "last_started", "web").out.strip()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown), shown
    assert f"last_started:{shown}\n" in ok("get", "--all", "web").out
    assert ok("get", "-r", "-H", "last_started").out.split("\t")[1].strip() == shown
    ok("set", "notes=set-meanwhile", "web")
    ok("stop", "web")
    path = Path(web) / "iocage" / "jails" / "web" / "config.json"
    wait_for(lambda: json.loads(path.read_text()).get("last_started") == shown)
    assert json.loads(path.read_text())["notes"] == "set-meanwhile"
    assert ok("get", "last_started", "web").out.strip() == shown
    assert not list(path.parent.glob("config.json.tmp.*"))


def test_busybox_rc_starts_enabled_services_and_stops_them(web):
    """The busybox release's /etc/rc starts what rc.conf enables (a name with a dash goes
    through NAME_with_underscores_enable), and /etc/rc.shutdown stops it at stop."""
    ok("start", "web")
    setup = """
printf 'httpd_enable="YES"\\nhttpd_port="8080"\\nmy_svc_enable="YES"\\n' > /etc/rc.conf
for name in my-svc off-svc; do
    printf '#!/bin/sh\\necho "%s $1" >> /var/run/services.log\\n' $name > /etc/rc.d/$name
    chmod 755 /etc/rc.d/$name
done
"""
    ok("exec", "web", "/bin/sh", "-c", setup)
    ok("stop", "web")   # rc.shutdown now sees my-svc enabled
    ok("start", "web")
    log = ok("exec", "web", "/bin/cat", "/var/run/services.log").out
    assert log == "my-svc stop\nmy-svc start\n"
    r = ok("exec", "web", "/bin/sh", "-c", "kill -0 $(cat /var/run/httpd.pid) && echo httpd up")
    assert "httpd up" in r.out


def test_hooks_get_jail_environment(web, tmp_path):
    out = tmp_path / "hook.txt"
    ok("set", f"exec_poststart=echo $JAIL_NAME $JAIL_JID $JAIL_ROOT $JAIL_PID > {out}", "web")
    ok("set", "exec_start=/bin/touch /made-by-exec-start", "web")
    ok("start", "web")
    name, jid, root, pid = out.read_text().split()
    assert name == "web" and jid == str(state()["jid"]) and root == str(jail_root(web))
    assert pid == str(state()["init_pid"])
    # the jail's files, from the host, whatever the back end
    assert os.path.exists(f"/proc/{pid}/root/made-by-exec-start")


def memory_limit_file(st):
    for c in st["cgroups"]:
        if c["controller"] == "v2" and os.path.exists(c["path"] + "/memory.max"):
            return c["path"] + "/memory.max"
        if c["controller"] == "memory":
            return c["path"] + "/memory.limit_in_bytes"
    raise AssertionError("no memory controller")


def test_memory_and_pids_limits(web):
    ok("set", "memoryuse=deny=64m", "maxproc=deny=50", "web")
    ok("start", "web")
    st = state()
    assert Path(memory_limit_file(st)).read_text().strip() == str(64 << 20)
    pids = [c["path"] for c in st["cgroups"] if c["controller"] in ("pids", "v2")
            and os.path.exists(c["path"] + "/pids.max")]
    assert Path(pids[0], "pids.max").read_text().strip() == "50"
    # changed live
    ok("set", "memoryuse=deny=128m", "web")
    assert Path(memory_limit_file(st)).read_text().strip() == str(128 << 20)
    ok("set", "memoryuse=off", "web")
    assert int(Path(memory_limit_file(st)).read_text().strip().replace("max", str(2**63))) > 1 << 40


def test_openfiles_rlimit(web):
    ok("set", "openfiles=deny=256", "web")
    ok("start", "web")
    assert in_jail("sh", "-c", "ulimit -n").out.strip() == "256"


def test_hostname_live_and_resolver(web):
    ok("set", "resolver=nameserver 192.0.2.1;search example.org", "web")
    ok("start", "web")
    assert in_jail("cat", "/etc/resolv.conf").out == "nameserver 192.0.2.1\nsearch example.org\n"
    ok("set", "host_hostname=renamed", "web")
    assert in_jail("hostname").out == "renamed\n"


def test_resolv_conf_is_restored_at_start_and_kept_when_current(web):
    ok("set", "resolver=nameserver 192.0.2.9", "web")
    ok("start", "web")
    in_jail("sh", "-c", "echo 'nameserver 198.51.100.1' > /etc/resolv.conf")
    ok("stop", "web")
    ok("start", "web")
    assert in_jail("cat", "/etc/resolv.conf").out == "nameserver 192.0.2.9\n"
    inode = in_jail("ls", "-i", "/etc/resolv.conf").out.split()[0]
    ok("stop", "web")
    ok("start", "web")
    # already what start would write: left in place, not replaced by a new file
    assert in_jail("ls", "-i", "/etc/resolv.conf").out.split()[0] == inode


def test_resolver_never_follows_a_symlink_out_of_the_jail(web, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("host file\n")
    # prepare the link inside the jail's own tree, as a jail root could
    ok("start", "web")
    in_jail("sh", "-c", f"rm -f /etc/resolv.conf; ln -s {victim} /etc/resolv.conf")
    ok("stop", "web")
    ok("set", "resolver=nameserver 192.0.2.7", "web")
    ok("start", "web")
    assert victim.read_text() == "host file\n"
    assert in_jail("cat", "/etc/resolv.conf").out == "nameserver 192.0.2.7\n"


def test_fstab_mounts_and_live_changes(web, tmp_path):
    src = tmp_path / "share"
    src.mkdir()
    (src / "hello").write_text("from the host\n")
    ok("fstab", "-a", "web", f"{src} /mnt/share nullfs ro 0 0")
    ok("start", "web")
    assert in_jail("cat", "/mnt/share/hello").out == "from the host\n"
    assert in_jail("sh", "-c", "echo x > /mnt/share/new").rc != 0
    assert mounts_under(jail_root(web)) == []
    live = tmp_path / "live"
    live.mkdir()
    (live / "f").write_text("live\n")
    ok("fstab", "-a", "web", f"{live} /srv/live nullfs rw 0 0")
    assert in_jail("cat", "/srv/live/f").out == "live\n"
    in_jail("sh", "-c", "echo back > /srv/live/g")
    assert (live / "g").read_text() == "back\n"
    ok("fstab", "-r", "web", "1")
    assert in_jail("ls", "/srv/live").out == ""
    ok("fstab", "-a", "web", f"{live} /srv/ro nullfs ro 0 0")
    assert in_jail("cat", "/srv/ro/f").out == "live\n"
    assert in_jail("sh", "-c", "echo x > /srv/ro/h").rc != 0
    assert not (live / "h").exists()
    assert mounts_under(jail_root(web)) == []


def test_console_on_a_pty(web):
    ok("start", "web")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(JAILCTL, [JAILCTL, "console", "web"])
    out = read_until(fd, [b"#", b"$"], 20)
    os.write(fd, b"echo hi-from-$((6*7))\nexit\n")
    out += read_until(fd, [], 20)
    _, status = os.waitpid(pid, 0)
    assert b"hi-from-42" in out, out
    assert os.waitstatus_to_exitcode(status) == 0


def read_until(fd, markers, timeout):
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not r:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if markers and any(m in out for m in markers):
            break
    return out


def test_hostid_strict_check(web):
    ok("set", "hostid_strict_check=1", "web")
    ok("start", "web")                      # create recorded this host's id
    ok("stop", "web")
    ok("set", "hostid=0badf00d", "web")
    r = fails("start", "web")
    assert "hostid is not matching and 'hostid_strict_check' is on! - Not starting jail" in r.err
    assert state() is None


def test_template_cannot_start(web):
    ok("set", "template=yes", "web")
    r = fails("start", "web")
    assert "web is a template" in r.err


def test_start_rc_order_priority_and_depends(web, tmp_path):
    order = tmp_path / "order"
    for name, prio, deps in (("a", 20, "none"), ("b", 10, "c"), ("c", 50, "none"),
                             ("d", 20, "none"), ("e", 5, "none")):
        ok("create", "-r", "busybox", "-n", name, f"priority={prio}", f"depends={deps}",
           f"exec_poststart=echo {name} >> {order}", f"exec_poststop=echo -{name} >> {order}")
        if name != "e":
            ok("set", "boot=1", name)
    r = ok("start", "--rc")
    seq = order.read_text().split()
    # c before b (b depends on c and so c inherits b's priority 10), then a and d together
    assert seq[:2] == ["c", "b"], seq
    assert sorted(seq[2:]) == ["a", "d"], seq
    assert list_row("e")[2] == "down"
    order.write_text("")
    ok("stop", "--rc")
    seq = order.read_text().split()
    assert sorted(seq[:2]) == ["-a", "-d"] and seq[2:] == ["-b", "-c"], seq
    for n in "abcd":
        assert list_row(n)[2] == "down"


def test_rc_failure_goes_on_and_cycle_is_refused(web):
    ok("create", "-r", "busybox", "-n", "x", "depends=y")
    ok("create", "-r", "busybox", "-n", "y", "depends=x")
    ok("create", "-r", "busybox", "-n", "bad", "exec_prestart=false")
    for name in ("x", "y", "bad", "web"):
        ok("set", "boot=1", name)
    r = jailctl("start", "--rc")
    assert r.rc == 1
    assert "cycle" in r.err and "bad: exec_prestart failed" in r.err
    assert list_row("web")[2] == "up"
    for n in ("x", "y", "bad"):
        assert list_row(n)[2] == "down"


def test_start_all_and_stop_all(web):
    ok("create", "-r", "busybox", "-n", "other")
    ok("start", "ALL")
    assert list_row("web")[2] == "up" and list_row("other")[2] == "up"
    assert state("other")["jid"] != state("web")["jid"]
    ok("stop", "ALL")
    assert list_row("web")[2] == "down" and list_row("other")[2] == "down"


def test_start_brings_up_dependencies(web):
    ok("create", "-r", "busybox", "-n", "db")
    ok("set", "depends=db", "web")
    ok("start", "web")
    assert list_row("db")[2] == "up"


def test_ipc_namespace_and_host_network(web):
    ok("set", "ip4=inherit", "web")
    ok("start", "web")
    host_net = os.readlink("/proc/self/ns/net")
    assert os.readlink(f"/proc/{state()['init_pid']}/ns/net") == host_net
    ok("stop", "web")
    ok("set", "ip4=new", "web")
    ok("start", "web")
    assert os.readlink(f"/proc/{state()['init_pid']}/ns/net") != host_net
    assert "lo" in in_jail("cat", "/proc/net/dev").out
