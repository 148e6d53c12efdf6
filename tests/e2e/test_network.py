"""Jail networking: VNET jails on bridges, static IPv4/IPv6, DHCP from dnsmasq, NAT with
port forwards, shared-IP jails, jails without network, coherence checks, teardown.

Every test builds a small lab inside its own network namespace (conftest.py), never
touching the machine's interfaces. Helper namespaces are `unshare --net sleep` processes
(no /run/netns): a switch `sw` with bridge sw0 is the LAN; on it sit the host (the test's
namespace: lan0, 192.168.77.1/24, default route via the router), a LAN client `lanc`
(192.168.77.10) and the router `up` (192.168.77.254), which also plays the internet: a web
server on 203.0.113.1:8000 answers with the client address it sees.
"""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import fails, jailctl, ok, sh, wait_for

RUN_DIR = Path("/run/jailctl")
LAN = "192.168.77"
UPSTREAM = "203.0.113.1"

ECHO_SERVER = r"""
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        body = self.client_address[0].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("203.0.113.1", 8000), H).serve_forever()
"""


class Netns:
    """A network namespace held by a sleeping process."""

    def __init__(self):
        self.proc = subprocess.Popen(["unshare", "--net", "sleep", "infinity"])
        self.pid = self.proc.pid
        mine = os.readlink("/proc/self/ns/net")
        for _ in range(500):
            try:
                if os.readlink(f"/proc/{self.pid}/ns/net") != mine:
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.002)
        self.run("ip", "link", "set", "lo", "up")

    def run(self, *argv, check=True):
        return sh("nsenter", "-t", self.pid, "-n", *argv, check=check)

    def popen(self, *argv, **kw):
        return subprocess.Popen(["nsenter", "-t", str(self.pid), "-n", *argv], **kw)

    def close(self):
        self.proc.kill()
        self.proc.wait()


class Lab:
    def __init__(self, bridged):
        self.procs = []
        self.sw, self.lanc, self.up = Netns(), Netns(), Netns()
        self.sw.run("ip", "link", "add", "sw0", "type", "bridge")
        self.sw.run("ip", "link", "set", "sw0", "up")
        self.plug("lan0")
        self.plug("lan1")
        self.plug("p-lanc", self.lanc)
        self.plug("p-up", self.up)
        self.lanc.run("ip", "addr", "add", f"{LAN}.10/24", "dev", "eth0")
        self.lanc.run("ip", "route", "add", "default", "via", f"{LAN}.254")
        self.up.run("ip", "addr", "add", f"{LAN}.254/24", "dev", "eth0")
        self.up.run("ip", "addr", "add", f"{UPSTREAM}/32", "dev", "lo")
        for d in ("lan0", "lan1"):
            sh("ip", "link", "set", d, "up")
        if bridged:
            # The Linux way to put jails on the LAN: the host's address on a bridge.
            sh("ip", "link", "add", "bridge0", "type", "bridge")
            sh("ip", "link", "set", "lan0", "master", "bridge0")
            sh("ip", "link", "set", "bridge0", "up")
            sh("ip", "addr", "add", f"{LAN}.1/24", "dev", "bridge0")
        else:
            sh("ip", "addr", "add", f"{LAN}.1/24", "dev", "lan0")
        sh("ip", "route", "add", "default", "via", f"{LAN}.254")
        self.web = self.up.popen("/usr/bin/python3", "-c", ECHO_SERVER)
        self.procs.append(self.web)
        wait_for(lambda: connects(UPSTREAM, 8000))

    def plug(self, name, ns=None):
        """A veth from the switch to the host (name) or to ns (eth0 there)."""
        port = f"s-{name}"[:15]
        if ns is None:
            sh("ip", "link", "add", name, "type", "veth", "peer", "name", port, "netns",
               str(self.sw.pid))
        else:
            sh("ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns",
               str(ns.pid))
            sh("ip", "link", "set", port, "netns", str(self.sw.pid))
            ns.run("ip", "link", "set", "eth0", "up")
        self.sw.run("ip", "link", "set", port, "master", "sw0", "up")

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()
        for ns in (self.sw, self.lanc, self.up):
            ns.close()


def connects(host, port):
    try:
        socket.create_connection((host, port), timeout=0.2).close()
        return True
    except OSError:
        return False


def with_busybox(pool):
    """The busybox release on pool; every jail stopped afterwards."""
    ok("fetch", "-r", "busybox")
    yield pool
    for d in (Path(pool) / "iocage" / "jails").iterdir():
        if not d.name.startswith("."):
            jailctl("stop", "-f", d.name)


@pytest.fixture
def busybox(btrfs_pool):
    yield from with_busybox(btrfs_pool)


@pytest.fixture
def busybox_any(pool):
    """The same on a pool of each back end."""
    yield from with_busybox(pool)


@pytest.fixture
def lab(busybox):
    lab = Lab(bridged=False)
    yield lab
    lab.close()


@pytest.fixture
def blab(busybox):
    lab = Lab(bridged=True)
    yield lab
    lab.close()


def jsh(name, script, check=True):
    r = jailctl("exec", name, "sh", "-c", script)
    if check:
        assert r.rc == 0, r
    return r


def net_record(name):
    files = list(RUN_DIR.glob(f"net/*/{name}.json"))
    return json.loads(files[0].read_text()) if files else None


def host_links():
    out = sh("ip", "-o", "link", "show").stdout
    return [l.split(":")[1].strip().split("@")[0] for l in out.splitlines()]


def bridge_ports(bridge):
    out = sh("ip", "-o", "link", "show", "master", bridge, check=False).stdout
    return [l.split(":")[1].strip().split("@")[0] for l in out.splitlines()]


def nft_chains():
    r = sh("nft", "list", "table", "ip", "jailctl", check=False)
    return [l.split()[1] for l in r.stdout.splitlines() if l.strip().startswith("chain ")]


def jail_ifaces(name):
    lines = jsh(name, "cat /proc/net/dev").out.splitlines()[2:]
    return sorted(l.split(":")[0].strip() for l in lines)


def pid_alive(pid):
    """Running, not a zombie (this machine's init is slow to reap orphans)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def stop(name):
    """A stop that takes everything down, with nothing to warn about: a warning here means
    a link, rule or record was left behind for a later cleanup."""
    r = ok("stop", name)
    assert "warning" not in r.err, r
    return r


def vnet_links():
    return [n for n in host_links() if n.startswith("vnet")]


def assert_no_network_left(jids=()):
    # stop takes the host ends down; the kernel deletes them with the jail's namespace,
    # a moment later
    wait_for(lambda: not vnet_links())
    assert nft_chains() == []
    assert list(RUN_DIR.glob("net/*/*.json")) == []


# ---- VNET ----

def test_vnet_jails_on_a_bridge_reach_each_other_and_the_lan(blab):
    for name, ip in (("a", 21), ("b", 22)):
        ok("create", "-r", "busybox", "-n", name, "vnet=1", f"ip4_addr=vnet0|{LAN}.{ip}/24",
           "allow_raw_sockets=1")
    r = ok("start", "a")
    assert "  + Configuring VNET OK" in r.out.splitlines()
    ok("start", "b")
    jid_a = net_record("a")["jid"]
    assert f"vnet0.{jid_a}" in bridge_ports("bridge0")
    assert "alias associated with jail: a as nic: eth0" in \
        sh("ip", "link", "show", f"vnet0.{jid_a}").stdout
    assert jail_ifaces("a") == ["eth0", "lo"]
    jsh("a", f"ping -c1 -W2 {LAN}.22")
    jsh("a", f"ping -c1 -W2 {LAN}.10")
    jsh("b", f"ping -c1 -W2 {LAN}.10")
    blab.lanc.run("busybox", "ping", "-c1", "-W2", f"{LAN}.21")
    # defaultrouter=auto: the host's gateway, which is on the jails' LAN
    assert f"default via {LAN}.254" in jsh("a", "ip route").out
    assert jsh("a", f"timeout 5 wget -q -O - http://{UPSTREAM}:8000/").out == f"{LAN}.21"
    stop("a")
    stop("b")
    assert_no_network_left()
    assert bridge_ports("bridge0") == ["lan0"]     # the bridge and its uplink stay


def test_a_vnet_jail_started_again_at_once_gets_free_interface_names(blab):
    ok("create", "-r", "busybox", "-n", "r", "vnet=1", f"ip4_addr=vnet0|{LAN}.41/24",
       "allow_raw_sockets=1")
    ok("start", "r")
    rec = net_record("r")
    old = f"vnet0.{rec['jid']}"
    # Somebody holding the jail's network namespace keeps its veth pair alive after stop.
    held = os.open(f"/proc/{rec['init_pid']}/ns/net", os.O_RDONLY)
    try:
        stop("r")
        assert "state DOWN" in sh("ip", "-o", "link", "show", old).stdout
        ok("start", "r")
        new = f"vnet0.{net_record('r')['jid']}"
        assert new != old and new in bridge_ports("bridge0")
        jsh("r", f"ping -c1 -W2 {LAN}.10")
    finally:
        os.close(held)
    wait_for(lambda: old not in host_links())
    stop("r")
    assert_no_network_left()


def test_ping_needs_allow_raw_sockets(blab):
    ok("create", "-r", "busybox", "-n", "a", "vnet=1", f"ip4_addr=vnet0|{LAN}.21/24")
    ok("start", "a")
    assert jsh("a", f"ping -c1 -W1 {LAN}.10", check=False).rc != 0
    # TCP works without raw sockets
    assert jsh("a", f"timeout 5 wget -q -O - http://{UPSTREAM}:8000/").out == f"{LAN}.21"


def test_macs_are_stable_saved_and_new_for_a_clone(blab):
    ok("create", "-r", "busybox", "-n", "m", "vnet=1", f"ip4_addr=vnet0|{LAN}.31/24")
    assert ok("get", "vnet0_mac", "m").out == "none\n"
    ok("start", "m")
    macs = ok("get", "vnet0_mac", "m").out.split()
    assert len(macs) == 2 and macs[0] != macs[1]
    prefix = ok("get", "mac_prefix", "m").out.strip()
    assert macs[0].replace(":", "").startswith(prefix)
    assert jsh("m", "cat /sys/class/net/eth0/address").out.strip() == macs[1]
    jid = net_record("m")["jid"]
    assert f"link/ether {macs[0]} " in sh("ip", "-o", "link", "show", f"vnet0.{jid}").stdout
    stop("m")
    ok("start", "m")
    assert ok("get", "vnet0_mac", "m").out.split() == macs
    stop("m")
    ok("clone", "m", "-n", "m2", f"ip4_addr=vnet0|{LAN}.32/24")
    ok("start", "m2")
    assert ok("get", "vnet0_mac", "m2").out.split() != macs
    stop("m2")
    ok("set", "vnet0_mac=02:aa:bb:cc:dd:01,02:aa:bb:cc:dd:02", "m2")
    ok("start", "m2")
    assert jsh("m2", "cat /sys/class/net/eth0/address").out.strip() == "02:aa:bb:cc:dd:02"


def test_named_uplink_joins_the_bridge_and_an_addressed_nic_does_not(lab):
    # lan1 carries no address: it becomes bridge0's uplink to the LAN
    ok("create", "-r", "busybox", "-n", "x", "vnet=1", f"ip4_addr=vnet0|{LAN}.41/24",
       "vnet_default_interface=lan1", "allow_raw_sockets=1")
    ok("start", "x")
    assert "lan1" in bridge_ports("bridge0")
    jsh("x", f"ping -c1 -W2 {LAN}.10")
    # auto resolves to lan0, which holds the host's address: left alone, with a warning
    ok("create", "-r", "busybox", "-n", "y", "vnet=1", "interfaces=vnet0:bridge1",
       f"ip4_addr=vnet0|{LAN}.42/24")
    r = ok("start", "y")
    assert "lan0 holds the host's addresses" in r.err
    assert "lan0" not in bridge_ports("bridge1")
    assert connects(UPSTREAM, 8000)            # the host kept its network
    # a vnet_default_interface that does not exist is refused
    ok("create", "-r", "busybox", "-n", "z", "vnet=1", "vnet_default_interface=nosuch0")
    r = fails("start", "z")
    assert "vnet_default_interface" in r.err


def test_mtu_follows_the_bridge_or_vnetN_mtu(blab):
    sh("ip", "link", "set", "lan0", "mtu", "1400")
    ok("create", "-r", "busybox", "-n", "a", "vnet=1", f"ip4_addr=vnet0|{LAN}.21/24")
    ok("create", "-r", "busybox", "-n", "b", "vnet=1", f"ip4_addr=vnet0|{LAN}.22/24",
       "vnet0_mtu=1280")
    ok("start", "a")
    ok("start", "b")
    assert jsh("a", "cat /sys/class/net/eth0/mtu").out.strip() == "1400"
    assert jsh("b", "cat /sys/class/net/eth0/mtu").out.strip() == "1280"


def test_static_ipv6_between_jails(busybox):
    for name, ip in (("a", "fd00:77::21"), ("b", "fd00:77::22")):
        ok("create", "-r", "busybox", "-n", name, "vnet=1", "vnet_default_interface=none",
           f"ip6_addr=vnet0|{ip}/64", "allow_raw_sockets=1")
        ok("start", name)
    jsh("a", "ping6 -c1 -W2 fd00:77::22")
    assert "fd00:77::21/64" in jsh("a", "ip addr show dev eth0").out


def test_two_interfaces_and_exec_fib(busybox):
    ok("create", "-r", "busybox", "-n", "f", "vnet=1", "vnet_default_interface=none",
       "interfaces=vnet0:bridge0,vnet1:bridge1",
       "ip4_addr=vnet0|10.70.0.2/24,vnet1|10.71.0.2/24", "defaultrouter=10.70.0.1",
       "exec_fib=5")
    ok("start", "f")
    assert jail_ifaces("f") == ["eth0", "eth1", "lo"]
    assert "lookup 5" in jsh("f", "ip rule").out
    assert "default via 10.70.0.1" in jsh("f", "ip route show table 5").out
    jid = net_record("f")["jid"]
    assert bridge_ports("bridge1") == [f"vnet1.{jid}"]
    stop("f")
    assert_no_network_left()


def test_a_failing_setup_leaves_nothing(lab):
    # lan1 exists but is not a bridge: the veth must not survive the failed start
    ok("create", "-r", "busybox", "-n", "bad", "vnet=1", "interfaces=vnet0:lan1",
       "ip4_addr=vnet0|10.9.0.2/24")
    r = fails("start", "bad")
    assert "lan1 exists and is not a bridge" in r.err
    assert "  + Configuring VNET FAILED" in r.out
    assert_no_network_left()
    assert ok("list", "-h").out.split("\t")[2] == "down"


# ---- DHCP ----

@pytest.fixture
def dnsmasq(blab, tmp_path):
    proc = subprocess.Popen([
        "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
        "--interface=bridge0", "--bind-interfaces", "--user=root", "--group=root",
        f"--dhcp-range={LAN}.100,{LAN}.150,255.255.255.0,1h",
        f"--dhcp-option=3,{LAN}.254", f"--dhcp-leasefile={tmp_path}/leases",
        "--pid-file=", "--log-facility=-"], stderr=subprocess.DEVNULL)
    blab.procs.append(proc)
    # ready once it has bound the DHCP port (0x0043) in this namespace
    deadline = time.monotonic() + 10
    while ":0043 " not in Path("/proc/net/udp").read_text():
        assert proc.poll() is None and time.monotonic() < deadline, "dnsmasq did not start"
        time.sleep(0.01)
    yield proc


def test_dhcp_lease_then_clean_failure_without_a_server(dnsmasq, blab):
    ok("create", "-r", "busybox", "-n", "d", "dhcp=1", "bpf=1", "vnet=1")
    r = ok("start", "d")
    lines = [l for l in r.out.splitlines() if "DHCP Address" in l]
    assert len(lines) == 1 and lines[0].startswith(f"  + DHCP Address: {LAN}.1"), r.out
    addr = lines[0].split(": ")[1]
    assert addr.endswith("/24")
    assert addr in jsh("d", "ip addr show dev eth0").out
    assert f"default via {LAN}.254" in jsh("d", "ip route").out
    assert jsh("d", f"timeout 5 wget -q -O - http://{UPSTREAM}:8000/").out == addr[:-3]
    row = [l.split("\t") for l in ok("list", "-h").out.splitlines() if l.split("\t")[1] == "d"][0]
    assert row[4] == f"DHCP ({addr[:-3]})"  # the live lease of a running DHCP jail
    client = net_record("d")["dhcp"][0][0]
    assert pid_alive(client)
    stop("d")
    assert not pid_alive(client)
    assert_no_network_left()

    # no DHCP server: the start fails cleanly (exec_timeout bounds the wait)
    dnsmasq.kill()
    dnsmasq.wait()
    ok("set", "exec_timeout=2", "d")
    t = time.monotonic()
    r = fails("start", "d")
    assert time.monotonic() - t < 8
    assert "  + Acquiring DHCP address: FAILED" in r.out
    assert "Acquiring DHCP address: FAILED" in r.err
    assert_no_network_left()
    assert not [p for p in sh("ps", "-eo", "args").stdout.splitlines()
                if p.startswith("udhcpc -f -i eth0") and "hostname:d" in p]


def test_slaac_with_accept_rtadv(blab, tmp_path):
    sh("ip", "addr", "add", "fd00:88::1/64", "dev", "bridge0", "nodad")
    ra = subprocess.Popen([
        "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
        "--interface=bridge0", "--bind-interfaces", "--user=root", "--group=root",
        "--enable-ra", "--dhcp-range=::,constructor:bridge0,ra-only",
        f"--dhcp-leasefile={tmp_path}/leases6", "--pid-file=", "--log-facility=-"],
        stderr=subprocess.DEVNULL)
    blab.procs.append(ra)
    ok("create", "-r", "busybox", "-n", "r", "ip6_addr=vnet0|accept_rtadv", "rtsold=1",
       "allow_raw_sockets=1")
    ok("start", "r")
    assert jsh("r", "cat /proc/sys/net/ipv6/conf/eth0/accept_ra").out.strip() == "2"
    wait_for(lambda: "fd00:88:" in jsh("r", "ip addr show dev eth0").out)
    wait_for(lambda: "default via fe80::" in jsh("r", "ip -f inet6 route").out)


# ---- NAT ----

def test_nat_outbound_and_port_forward(lab):
    ok("create", "-r", "busybox", "-n", "n1", "vnet=1", "nat=1", "nat_forwards=tcp(80:8080)")
    ok("start", "n1")
    assert "172.16.0.2/30" in jsh("n1", "ip addr show dev eth0").out
    assert "default via 172.16.0.1" in jsh("n1", "ip route").out
    # outbound: masqueraded to the host's address on the NAT interface
    assert jsh("n1", f"timeout 5 wget -q -O - http://{UPSTREAM}:8000/").out == f"{LAN}.1"
    jsh("n1", "httpd -p 80 -h /srv/www")
    page = lab.lanc.run("busybox", "timeout", "5", "busybox", "wget", "-q", "-O", "-",
                        f"http://{LAN}.1:8080/").stdout
    assert "busybox httpd in a jailctl jail" in page
    # the host itself reaches the forward on its own address
    with socket.create_connection((f"{LAN}.1", 8080), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert b"busybox httpd" in s.makefile("rb").read()
    assert len(nft_chains()) == 3
    assert sh("cat", "/proc/sys/net/ipv4/ip_forward").stdout.strip() == "1"
    stop("n1")
    assert_no_network_left()


def test_network_of_a_killed_jail_is_cleaned_up(lab):
    ok("create", "-r", "busybox", "-n", "k", "vnet=1", "nat=1", "nat_forwards=tcp(80:8080)")
    ok("start", "k")
    init = net_record("k")["init_pid"]
    os.kill(init, signal.SIGKILL)
    wait_for(lambda: not pid_alive(init))
    ok("list")                   # notices the dead jail and cleans up after it
    assert_no_network_left()
    ok("start", "k")
    assert len(nft_chains()) == 3


def test_nat_jails_get_distinct_networks_and_port_conflicts_are_refused(lab):
    ok("create", "-r", "busybox", "-n", "n1", "vnet=1", "nat=1", "nat_forwards=tcp(80:8080)")
    ok("create", "-r", "busybox", "-n", "n2", "vnet=1", "nat=1", "nat_forwards=udp(53),tcp(81:8081)")
    ok("create", "-r", "busybox", "-n", "n3", "vnet=1", "nat=1",
       "nat_forwards=tcp(8075-8080)")
    ok("start", "n1")
    ok("start", "n2")
    assert "172.16.0.2/30" in jsh("n1", "ip addr show dev eth0").out
    assert "172.16.0.6/30" in jsh("n2", "ip addr show dev eth0").out
    r = fails("start", "n3")
    assert "Please correct tcp(8075-8080) port rule as another running jail is using" in r.err
    assert "8080" in r.err and "n1" in r.err
    assert net_record("n3") is None
    assert ok("list", "-h").out.count("\tup\t") == 2
    # once n1 stops, its /30 and its ports are free again
    stop("n1")
    ok("start", "n3")
    assert "172.16.0.2/30" in jsh("n3", "ip addr show dev eth0").out


def test_nat_skips_networks_the_host_uses(lab):
    sh("ip", "addr", "add", "172.16.0.1/24", "dev", "lan1")
    ok("create", "-r", "busybox", "-n", "n1", "vnet=1", "nat=1")
    ok("start", "n1")
    assert "172.16.1.2/30" in jsh("n1", "ip addr show dev eth0").out


# ---- shared IP, no network, inherit ----

def test_shared_ip_jail_answers_on_its_address(lab):
    ok("create", "-r", "busybox", "-n", "s", f"ip4_addr=lan0|{LAN}.50/24,{LAN}.51/24",
       "allow_raw_sockets=1")
    r = ok("start", "s")
    assert f"ip4.addr=lan0|{LAN}.50/24" in r.out
    assert jail_ifaces("s") == ["lan0", "lo"]
    lab.lanc.run("busybox", "ping", "-c1", "-W2", f"{LAN}.50")
    lab.lanc.run("busybox", "ping", "-c1", "-W2", f"{LAN}.51")    # no interface: the default one
    jsh("s", "httpd -p 80 -h /srv/www")
    page = lab.lanc.run("busybox", "timeout", "5", "busybox", "wget", "-q", "-O", "-",
                        f"http://{LAN}.50/").stdout
    assert "busybox httpd" in page
    assert jsh("s", f"timeout 5 wget -q -O - http://{UPSTREAM}:8000/").out == f"{LAN}.50"
    stop("s")
    assert_no_network_left()


def test_ip_hostname_and_assign_localhost(lab):
    with open("/etc/hosts", "a") as f:      # the test's own /etc (an overlay)
        f.write(f"{LAN}.60\thn\n")
    ok("create", "-r", "busybox", "-n", "h2", "host_hostname=hn", "ip_hostname=1",
       "assign_localhost=1", "localhost_ip=127.0.0.9")
    ok("start", "h2")
    assert f"{LAN}.60/24" in jsh("h2", "ip addr show dev lan0").out
    assert "127.0.0.9/32" in jsh("h2", "ip addr show dev lo").out
    lab.lanc.run("busybox", "ping", "-c1", "-W2", f"{LAN}.60")


def test_jail_without_network_has_only_loopback(busybox):
    ok("create", "-r", "busybox", "-n", "lo1")
    ok("start", "lo1")
    assert jail_ifaces("lo1") == ["lo"]
    assert net_record("lo1") is None


def test_inherit_uses_the_host_namespace(lab):
    ok("create", "-r", "busybox", "-n", "h", "ip4=inherit")
    ok("start", "h")
    assert "lan0" in jail_ifaces("h")


# ---- checks, listing, proxy ----

@pytest.mark.parametrize("props,message", [
    (["vnet=1", "dhcp=1"], "h: dhcp requires bpf!"),
    (["ip4_addr=vnet0|DHCP", "bpf=1"], "h: dhcp requires vnet!"),
    (["nat=1"], "h: nat requires vnet!"),
    (["ip6_addr=vnet0|accept_rtadv"], "h: accept_rtadv requires vnet!"),
    (["rtsold=1", "vnet=1"], "h: Must set at least one ip6_addr to accept_rtadv!"),
    (["vnet=1", "ip4_addr=vnet1|10.0.0.2/24"], "names no interface of the jail"),
])
def test_start_time_coherence_checks(busybox, props, message):
    ok("create", "-r", "busybox", "-n", "h")
    ok("set", *props, "h")     # create would complete them (dhcp ⇒ vnet, bpf); set does not
    r = fails("start", "h")
    assert message in r.err
    assert ok("list", "-h").out.split("\t")[2] == "down"
    assert_no_network_left()


def test_list_long_shows_addresses_as_iocage(busybox):
    ok("create", "-r", "busybox", "-n", "l", "vnet=1",
       "ip4_addr=vnet0|10.5.0.2/24,vnet0|10.5.1.2/24", "ip6_addr=vnet0|fd00::2/64")
    rows = [l.split("\t") for l in ok("list", "-l", "-h").out.splitlines()]
    assert rows[0][6] == "vnet0|10.5.0.2/24,vnet0|10.5.1.2/24"
    assert rows[0][7] == "vnet0|fd00::2/64"
    assert ok("list", "-h").out.split("\t")[4].strip() == "10.5.0.2,10.5.1.2"


def test_services_started_at_start_see_the_jails_network(busybox):
    """The init runs exec_start only once jailctl has set up the jail's network (it waits
    for jailctl's go): /etc/rc.local, run by /etc/rc, sees eth0 with its address."""
    ok("create", "-r", "busybox", "-n", "n", "vnet=1", "ip4_addr=vnet0|10.6.0.2/24",
       "defaultrouter=none")
    root = Path(busybox) / "iocage" / "jails" / "n" / "root"
    (root / "etc" / "rc.local").write_text(
        "#!/bin/sh\nip -4 -o addr show eth0 >/root/net-at-start 2>&1\n")
    (root / "etc" / "rc.local").chmod(0o755)
    for _ in range(3):
        ok("start", "n")
        assert "inet 10.6.0.2/24" in jsh("n", "cat /root/net-at-start").out
        jsh("n", "rm /root/net-at-start")
        stop("n")


def test_services_started_at_start_see_the_current_proxy(busybox_any):
    """exec_start is handed to the jail's init before it runs: the proxy lines it reads
    must already be this start's, not the previous one's."""
    ok("create", "-r", "busybox", "-n", "p", "-S", "http://old.example:3128")
    ok("start", "p")
    jsh("p", "printf '#!/bin/sh\\ncp /etc/environment /root/env-at-start\\n' >/etc/rc.local"
        " && chmod 755 /etc/rc.local")
    stop("p")
    ok("set", "http_proxy=http://new.example:8080", "p")
    ok("start", "p")
    seen = jsh("p", "cat /root/env-at-start").out.splitlines()
    assert "http_proxy=http://new.example:8080" in seen
    assert "http_proxy=http://old.example:3128" not in seen


def test_start_refuses_a_proxy_that_set_would_refuse(busybox):
    """A proxy value edited into config.json by hand is checked when the start is planned:
    one line naming the jail and the property, and nothing started."""
    ok("create", "-r", "busybox", "-n", "p")
    conf = Path(busybox) / "iocage" / "jails" / "p" / "config.json"
    c = json.loads(conf.read_text())
    c["http_proxy"] = "http://a$b:3128"
    conf.write_text(json.dumps(c))
    r = fails("start", "p")
    assert r.err.startswith("jailctl: p: http_proxy: 'http://a$b:3128' must be none or an "), r
    assert ok("list", "-h").out.split("\t")[2] == "down"


def test_proxy_reaches_environment_and_apt(busybox):
    ok("create", "-r", "busybox", "-n", "p", "-S", "http://proxy.example:3128")
    ok("start", "p")
    env = jsh("p", "cat /etc/environment").out.splitlines()
    assert "http_proxy=http://proxy.example:3128" in env
    assert "https_proxy=http://proxy.example:3128" in env
    assert jsh("p", "test -e /etc/apt", check=False).rc != 0     # no apt: no apt file
    jsh("p", "mkdir -p /etc/apt")
    stop("p")
    ok("set", "https_proxy=none", "p")
    ok("start", "p")
    apt = jsh("p", "cat /etc/apt/apt.conf.d/90jailctl-proxy").out
    assert 'Acquire::http::Proxy "http://proxy.example:3128";' in apt
    assert "Acquire::https" not in apt
    assert not [l for l in jsh("p", "cat /etc/environment").out.splitlines()
                if l.startswith("https_proxy")]
