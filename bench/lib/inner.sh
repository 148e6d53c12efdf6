#!/bin/bash
# The benchmark proper; bench/run starts it inside fresh mount, network and pid namespaces
# (unshare --mount --net --pid --fork --mount-proc). Never run it directly on the host.
set -euo pipefail
[ "${RUN_ID:-}" ] && [ "$$" = 1 ] || { echo "inner.sh: start it through bench/run" >&2; exit 1; }
. "$BENCH_DIR/lib/common.sh"

# ---- private host directories: nothing below is written to the machine's own ----
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock /run/jailctl /run/netns /run/lxc /run/systemd
for d in /var/lib/jailctl /mnt /var/lib/lxc /var/cache/lxc; do
	mkdir -p "$d"
	mount -t tmpfs -o mode=0755 tmpfs "$d"
done
mkdir -p "$WORK/etc/upper" "$WORK/etc/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$WORK/etc/upper,workdir=$WORK/etc/work" /etc
ip link set lo up
# sysfs shows the network devices of the namespace that mounted it: give /sys/class/net the
# bench's own (LXC looks for bridges there). The rest of /sys, cgroups included, stays.
mkdir -p "$WORK/sys"
mount -t sysfs sysfs "$WORK/sys"
mount --bind "$WORK/sys/class/net" /sys/class/net
mount --bind "$WORK/sys/devices/virtual/net" /sys/devices/virtual/net

# ---- pools on loop files (sparse; 12 GiB so that activate does not warn) ----
make_pool() {   # make_pool FSTYPE -> mount point
	local fs=$1 img=$WORK/$1.img mp=$WORK/pool-$1
	truncate -s 12G "$img"
	if [ "$fs" = btrfs ]; then mkfs.btrfs -q -f "$img" >/dev/null; else mkfs.ext4 -q -F "$img"; fi
	mkdir -p "$mp"
	mount -o loop "$img" "$mp"
	echo "$mp"
}
PB=$(make_pool btrfs)
PD=$(make_pool ext4)
use_pool() { $J activate "$1" >/dev/null; }
use_pool "$PD"; $J fetch -r busybox >/dev/null
use_pool "$PB"; $J fetch -r busybox >/dev/null
REL=$PB/iocage/releases/busybox/root
put pool_ids "{\"btrfs\": \"$(pool_id "$PB")\", \"dir\": \"$(pool_id "$PD")\"}"

# ---- the peers' copy of the same root filesystem (on the same btrfs filesystem) ----
P=$PB/bench-peers
mkdir -p "$P"
cp -a "$REL" "$P/rootfs"
ROOTFS=$P/rootfs
LXCP=$P/lxc
mkdir -p "$LXCP" "$P/crun" "$P/runc"

# OCI bundles: crun's default spec (pid, network, ipc, uts, mount namespaces; /proc, /dev,
# /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup), rootfs = the copy, not read-only.
oci_bundle() {   # oci_bundle DIR ARGS_JSON CGROUP
	mkdir -p "$1"
	(cd "$1" && crun spec)
	python3 - "$1/config.json" "$ROOTFS" "$2" "$3" <<'EOF'
import json, sys
path, rootfs, args, cg = sys.argv[1:]
c = json.load(open(path))
c["process"]["args"] = json.loads(args)
c["process"]["terminal"] = False
c["root"] = {"path": rootfs, "readonly": False}
c["hostname"] = "bench"
c["linux"]["cgroupsPath"] = cg
json.dump(c, open(path, "w"), indent=1)
EOF
}
oci_bundle "$P/oci-true" '["/bin/true"]' "/jb$RUN_ID/oci-true"
oci_bundle "$P/oci-sleep" '["/bin/sleep", "100000000"]' "/jb$RUN_ID/oci-sleep"

# LXC containers: same rootfs, lxc.net.0.type=empty (a network namespace with lo only).
lxc_conf() {   # lxc_conf NAME ROOTFS_SPEC [EXTRA_LINES]
	mkdir -p "$LXCP/$1"
	cat >"$LXCP/$1/config" <<EOF
lxc.uts.name = $1
lxc.rootfs.path = $2
lxc.mount.auto = proc:mixed sys:ro
lxc.autodev = 1
lxc.tty.max = 0
lxc.pty.max = 16
lxc.console.path = none
lxc.apparmor.profile = unconfined
lxc.cgroup.dir = jb$RUN_ID/lxc-$1
${3:-lxc.net.0.type = empty}
EOF
}
lxc_conf ltrue "dir:$ROOTFS" "lxc.net.0.type = empty
lxc.init.cmd = /bin/true"
lxc_conf lsleep "dir:$ROOTFS" "lxc.net.0.type = empty
lxc.init.cmd = /bin/sleep 100000000"

LXC="-P $LXCP"
PATHS_JSON=$OUT/data/paths.json; [ -z "$ONLY" ] && PATHS_JSON=$OUT/data/paths-scale.json
cat >"$PATHS_JSON" <<EOF
{"\$JAILCTL": "$J", "\$PEERS": "$P", "\$POOL_BTRFS": "$PB", "\$POOL_DIR": "$PD", "\$WORK": "$WORK"}
EOF
CRUN="crun --root $P/crun"
RUNC="runc --root $P/runc"

# ---- sections ----

# One round of the cycles on the btrfs pool, jailctl's and the peers' (bm_rounds).
cycles_btrfs() {
	local st
	st="$J stop bj >/dev/null 2>&1 || true"
	bm cycle.jailctl.btrfs --prepare "$st" -- "$J start bj && $J exec bj /bin/true && $J stop bj"
	st="$J stop bm >/dev/null 2>&1 || true"
	bm cycle.jailctl-norc.btrfs --prepare "$st" -- "$J start bm && $J exec bm /bin/true && $J stop bm"
	bm cycle.crun --wrap nounified -- "$CRUN run -b $P/oci-true bt$RUN_ID"
	bm cycle.runc -- "$RUNC run -b $P/oci-true bt$RUN_ID"
	bm cycle.lxc-execute -- "lxc-execute -n ltrue $LXC -- /bin/true"
	bm cycle.lxc-start -- "lxc-start -F -n ltrue $LXC"
	bm cycle.nspawn --wrap incg -- "systemd-nspawn -q --register=no --keep-unit --timezone=off --private-network -D $ROOTFS /bin/true"
	bm cycle.bwrap -- "bwrap --unshare-pid --unshare-uts --unshare-ipc --unshare-net --bind $ROOTFS / --proc /proc --dev /dev /bin/true"
	bm cycle.floor -- "unshare -m -p -u -i -n -f chroot $ROOTFS /bin/true"
}

# One round of the execs (bm_rounds); the containers run already, or are skipped.
execs() {
	bm exec.jailctl -- "$J exec bj /bin/true"
	bm exec.nsenter --note "PID = the jail's init" -- "nsenter -a -t $EXEC_PID /bin/true"
	[ -n "$EXEC_LXC" ] && bm exec.lxc-attach -- "lxc-attach -n lsleep $LXC -- /bin/true"
	[ -n "$EXEC_CRUN" ] && bm exec.crun --wrap nounified -- "$CRUN exec bs$RUN_ID /bin/true"
	[ -n "$EXEC_RUNC" ] && bm exec.runc -- "$RUNC exec br$RUN_ID /bin/true"
	return 0
}

section_cycle() {
	log "== start -> exec /bin/true -> stop (no network)"
	use_pool "$PB"
	$J create -r busybox -n bj >/dev/null
	put jail_props "$($J get -a bj | python3 -c 'import json,sys; print(json.dumps(dict(l.rstrip("\n").split(":",1) for l in sys.stdin if ":" in l)))' 2>/dev/null || echo '{}')"
	# The same with exec_start/exec_stop=/bin/true instead of busybox's /etc/rc and
	# /etc/rc.shutdown: jailctl's own cost, without the jail's rc scripts.
	$J create -r busybox -n bm exec_start=/bin/true exec_stop=/bin/true >/dev/null
	bm_rounds "$ROUNDS" cycles_btrfs

	local st="$J stop bj >/dev/null 2>&1 || true"
	bm part.start.jailctl.btrfs --prepare "$st" -- "$J start bj"
	bm part.exec.jailctl.btrfs --prepare "$J start bj >/dev/null 2>&1 || true" -- "$J exec bj /bin/true"
	bm part.stop.jailctl.btrfs --prepare "$J start bj >/dev/null 2>&1 || true" -- "$J stop bj"
	$J stop bj >/dev/null 2>&1 || true
	st="$J stop bm >/dev/null 2>&1 || true"
	bm part.start.jailctl-norc.btrfs --prepare "$st" -- "$J start bm"
	bm part.stop.jailctl-norc.btrfs --prepare "$J start bm >/dev/null 2>&1 || true" -- "$J stop bm"
	$J stop bm >/dev/null 2>&1 || true
	bm startup.jailctl-version --note "process start-up only (dynamic loader, no pool)" -- "$J --version"
	bm startup.true --note "the busybox-free host /bin/true, for scale" -- "/bin/true"

	use_pool "$PD"
	$J create -r busybox -n dj >/dev/null
	st="$J stop dj >/dev/null 2>&1 || true"
	bm cycle.jailctl.dir --prepare "$st" -- "$J start dj && $J exec dj /bin/true && $J stop dj"
	bm part.start.jailctl.dir --prepare "$st" -- "$J start dj"
	bm part.stop.jailctl.dir --prepare "$J start dj >/dev/null 2>&1 || true" -- "$J stop dj"
	$J stop dj >/dev/null 2>&1 || true
	use_pool "$PB"
}

section_exec() {
	log "== exec /bin/true in a running jail / container"
	use_pool "$PB"
	$J list -H | cut -f2 | grep -qx bj || $J create -r busybox -n bj >/dev/null
	$J start bj >/dev/null
	local pid
	pid=$(init_pid bj)
	put exec_jail_init "{\"pid\": $pid, \"comm\": \"$(cat /proc/$pid/comm)\", \"processes\": $(ps -o pid= --ppid "$pid" | wc -l)}"
	EXEC_PID=$pid EXEC_LXC="" EXEC_CRUN="" EXEC_RUNC=""
	if lxc-start -d -n lsleep $LXC; then EXEC_LXC=1; else skip exec.lxc-attach "lxc-start -d failed"; fi
	if nounified $CRUN run -d -b "$P/oci-sleep" bs$RUN_ID </dev/null >/dev/null 2>"$OUT/logs/crun-run-d.log"; then
		EXEC_CRUN=1
	else
		skip exec.crun "crun run -d: $(tail -n1 "$OUT/logs/crun-run-d.log")"
	fi
	if $RUNC run -d -b "$P/oci-sleep" br$RUN_ID </dev/null >/dev/null 2>"$OUT/logs/runc-run-d.log"; then
		EXEC_RUNC=1
	else
		skip exec.runc "runc run -d: $(tail -n1 "$OUT/logs/runc-run-d.log")"
	fi
	bm_rounds "$ROUNDS" execs
	[ -n "$EXEC_LXC" ] && { lxc-stop -k -n lsleep $LXC || true; }
	[ -n "$EXEC_CRUN" ] && { nounified $CRUN delete -f bs$RUN_ID || true; }
	[ -n "$EXEC_RUNC" ] && { $RUNC delete -f br$RUN_ID || true; }
	$J stop bj >/dev/null
}

section_clone() {
	log "== create a clone jail"
	use_pool "$PB"
	$J list -H | cut -f2 | grep -qx bsrc || $J create -r busybox -n bsrc >/dev/null
	bm clone.jailctl-create.btrfs --prepare "$J destroy -f bc >/dev/null 2>&1 || true" -- "$J create -r busybox -n bc"
	bm clone.jailctl-clone.btrfs --prepare "$J destroy -f bc2 >/dev/null 2>&1 || true" -- "$J clone bsrc -n bc2"
	bm clone.btrfs-snapshot --note "of the release's root subvolume" \
		--prepare "btrfs subvolume delete $P/snap >/dev/null 2>&1 || true" -- "btrfs subvolume snapshot $REL $P/snap"
	btrfs subvolume delete "$P/snap" >/dev/null 2>&1 || true
	# lxc-copy -s: a btrfs-backed container (its rootfs a subvolume) gets a btrfs snapshot.
	mkdir -p "$LXCP/lbtr"
	btrfs subvolume snapshot "$REL" "$LXCP/lbtr/rootfs" >/dev/null
	lxc_conf lbtr "btrfs:$LXCP/lbtr/rootfs"
	bm clone.lxc-copy.btrfs --prepare "lxc-destroy -n lbtr2 $LXC >/dev/null 2>&1 || true" -- "lxc-copy -s -n lbtr -N lbtr2 $LXC"
	lxc-destroy -n lbtr2 $LXC >/dev/null 2>&1 || true

	use_pool "$PD"
	$J list -H | cut -f2 | grep -qx dsrc || $J create -r busybox -n dsrc >/dev/null
	bm clone.jailctl-create.dir --prepare "$J destroy -f dc >/dev/null 2>&1 || true" -- "$J create -r busybox -n dc"
	bm clone.jailctl-clone.dir --prepare "$J destroy -f dc2 >/dev/null 2>&1 || true" -- "$J clone dsrc -n dc2"
	# lxc-copy -s of a directory-backed container on ext4: an overlay snapshot.
	local DL=$PD/bench-peers/lxc
	mkdir -p "$DL/ldir"
	cp -a "$REL" "$DL/ldir/rootfs"
	LXCP=$DL lxc_conf ldir "dir:$DL/ldir/rootfs"
	bm clone.lxc-copy.overlay --prepare "lxc-destroy -n ldir2 -P $DL >/dev/null 2>&1 || true" -- "lxc-copy -s -B overlay -n ldir -N ldir2 -P $DL"
	lxc-destroy -n ldir2 -P "$DL" >/dev/null 2>&1 || true
	use_pool "$PB"
}

section_vnet() {
	log "== start with VNET (private network namespace of the bench)"
	use_pool "$PB"
	ip link add bridge0 type bridge
	ip addr add 10.231.0.1/24 dev bridge0
	ip link set bridge0 up
	$J list -H | cut -f2 | grep -qx bj || $J create -r busybox -n bj >/dev/null
	$J create -r busybox -n bv vnet=1 interfaces=vnet0:bridge0 "ip4_addr=vnet0|10.231.0.2/24" \
		defaultrouter=none >/dev/null
	bm vnet.start.jailctl-novnet --prepare "$J stop bj >/dev/null 2>&1 || true" -- "$J start bj"
	$J stop bj >/dev/null 2>&1 || true
	bm vnet.start.jailctl-vnet --prepare "$J stop bv >/dev/null 2>&1 || true" -- "$J start bv"
	$J stop bv >/dev/null 2>&1 || true
	$J start bv >/dev/null && { $J exec bv ip -4 addr show; $J exec bv ip route; } >"$OUT/data/vnet_check.txt" 2>&1 || true
	$J stop bv >/dev/null 2>&1 || true
	bm vnet.stop.jailctl-vnet --prepare "$J start bv >/dev/null 2>&1 || true" -- "$J stop bv"
	$J stop bv >/dev/null 2>&1 || true
	# The floor: what a VNET start must do at least, as separate ip(8) calls.
	cat >"$P/netns-floor.sh" <<'EOF'
#!/bin/sh -e
ip netns add bnf
ip link add bnf0 type veth peer name eth0 netns bnf
ip link set bnf0 master bridge0 up
ip -n bnf link set lo up
ip -n bnf link set eth0 up
ip -n bnf addr add 10.231.0.3/24 dev eth0
EOF
	chmod +x "$P/netns-floor.sh"
	cp "$P/netns-floor.sh" "$OUT/data/netns-floor.sh"
	bm vnet.floor --note "bench/results/*/data/netns-floor.sh" \
		--prepare "ip link del bnf0 2>/dev/null; ip netns del bnf 2>/dev/null; true" -- "$P/netns-floor.sh"
	ip link del bnf0 2>/dev/null || true
	ip netns del bnf 2>/dev/null || true
	# LXC with and without a veth on the bridge (its own extra cost of networking).
	lxc_conf lveth "dir:$ROOTFS" "lxc.net.0.type = veth
lxc.net.0.link = bridge0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.231.0.4/24"
	bm vnet.lxc-execute-empty -- "lxc-execute -n ltrue $LXC -- /bin/true"
	bm vnet.lxc-execute-veth -- "lxc-execute -n lveth $LXC -- /bin/true"
}

# Where the time goes: instruction counts (callgrind, jailctl's own process), syscall counts
# (strace -c -f) and blocking syscalls per process (perf trace -s) of each jailctl command.
section_profile() {
	log "== profile (callgrind, strace -c, perf trace -s) -> profile/"
	local D=$OUT/profile
	mkdir -p "$D"
	use_pool "$PB"
	$J list -H | cut -f2 | grep -qx bj || $J create -r busybox -n bj >/dev/null
	$J stop bj >/dev/null 2>&1 || true
	$J destroy -f pc >/dev/null 2>&1 || true
	# name | command | what to do before it
	local spec="version|$J --version|true
start|$J start bj|$J stop bj >/dev/null 2>&1 || true
exec|$J exec bj /bin/true|$J start bj >/dev/null 2>&1 || true
stop|$J stop bj|$J start bj >/dev/null 2>&1 || true
create|$J create -r busybox -n pc|$J destroy -f pc >/dev/null 2>&1 || true
list|$J list|true"
	local name cmd pre
	while IFS='|' read -r name cmd pre; do
		sh -c "$pre"
		valgrind --tool=callgrind --callgrind-out-file="$D/callgrind.$name.%p" $cmd >/dev/null 2>"$D/valgrind.$name.txt" || true
		sh -c "$pre"
		if [ "$name" != start ]; then   # strace -f would follow the jail's init forever
			strace -f -c -o "$D/strace-c.$name.txt" $cmd >/dev/null 2>&1 || true
			sh -c "$pre"
		fi
		timeout 60 perf trace -s -o "$D/perf-trace-s.$name.txt" $cmd >/dev/null 2>&1 || true
		sh -c "$pre"
		timeout 60 perf trace -o "$D/perf-trace.$name.txt" $cmd >/dev/null 2>&1 || true
	done <<<"$spec"
	$J stop bj >/dev/null 2>&1 || true
	# jailctl's process only (the lowest pid): totals and the top functions, inclusive.
	for f in "$D"/callgrind.*.*; do
		case "$f" in *.txt) continue ;; esac
		callgrind_annotate --inclusive=yes "$f" 2>/dev/null | head -60 >"$f.top.txt" || true
	done
	python3 "$BENCH_DIR/lib/profile_summary.py" "$D" >"$OUT/data/profile.json" || true
}

section_list() {
	local n=$LIST_JAILS half=$((LIST_JAILS / 2)) m=$MEM_JAILS t0 t1
	log "== $n jails ($half running): list; memory of $m idle jails"
	use_pool "$PB"
	t0=$(now); $J create -r busybox -c "$n" -n L >/dev/null; t1=$(now)
	put list_create "{\"jails\": $n, \"ms\": $(elapsed_ms "$t0" "$t1")}"
	log "created $n jails in $(elapsed_ms "$t0" "$t1") ms"
	python3 "$BENCH_DIR/lib/mem.py" --meminfo >"$OUT/data/mem_before.json"
	t0=$(now); $J start $(seq -f 'L_%g' 1 "$m") >/dev/null; t1=$(now)
	put list_start_mem "{\"jails\": $m, \"ms\": $(elapsed_ms "$t0" "$t1")}"
	sleep 2
	mem_measure "$PB" L "$m" mem_before mem_idle
	if [ "$half" -gt "$m" ]; then
		t0=$(now); $J start $(seq -f 'L_%g' $((m + 1)) "$half") >/dev/null; t1=$(now)
		put list_start_rest "{\"jails\": $((half - m)), \"ms\": $(elapsed_ms "$t0" "$t1")}"
	fi
	put list_running "$($J list -H | awk -F'\t' '$3=="up"' | wc -l)"
	bm list.jailctl -- "$J list"
	bm list.jailctl-H -- "$J list -H"
	bm list.jailctl-q -- "$J list -q"
	bm list.jailctl-json -- "$J list --json"
	t0=$(now); $J stop ALL >/dev/null 2>&1 || true; t1=$(now)
	put list_stop_all "{\"jails\": $half, \"ms\": $(elapsed_ms "$t0" "$t1")}"
	# The same memory measure for btrfs basejails (-b: the release's /bin, /sbin, /usr, /lib
	# bind-mounted read-only) and on the dir pool (overlay clones of the release).
	mem_variant "$PB" B basejail -b
	mem_variant "$PD" D dir
	use_pool "$PB"
}

mem_variant() {   # mem_variant POOL PREFIX TAG [CREATE_ARGS...]
	local pool=$1 pre=$2 tag=$3 m=$MEM_JAILS
	shift 3
	use_pool "$pool"
	$J create -r busybox "$@" -c "$m" -n "$pre" >/dev/null
	python3 "$BENCH_DIR/lib/mem.py" --meminfo >"$OUT/data/mem_before_$tag.json"
	$J start $(seq -f "${pre}_%g" 1 "$m") >/dev/null
	sleep 2
	mem_measure "$pool" "$pre" "$m" "mem_before_$tag" "mem_idle_$tag"
	$J stop ALL >/dev/null 2>&1 || true
}

# mem_measure POOL PREFIX N BEFORE OUT: mem.py over the running jails PREFIX_1..N of POOL
# into data/OUT.json. When none of them is found running, the measure is of nothing: it goes
# to errors/OUT.txt instead, so that the report shows no memory figures rather than 0 MiB.
mem_measure() {
	local pool=$1 pre=$2 n=$3 before=$4 out=$5
	if ! python3 "$BENCH_DIR/lib/mem.py" --jails "$pool" "$pre" "$n" --before "$OUT/data/$before.json" \
		>"$OUT/data/$out.json" 2>"$OUT/logs/$out.err"; then
		{ echo "mem.py --jails $pool $pre $n"; cat "$OUT/logs/$out.err"; $J list -H | head -5; } >"$OUT/errors/$out.txt"
		rm -f "$OUT/data/$out.json"
		log "memory ($out): FAILED, see errors/$out.txt"
		return 0
	fi
	log "memory ($out): $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["summary"]; print({k: d[k] for k in ("jails_running", "rss_kib_per_jail", "cgroup_usage_kib_per_jail", "cgroup_cache_kib_per_jail", "brief_formula_kib_per_jail", "system_kernel_kib_per_jail")})' "$OUT/data/$out.json")"
}

section_scale() {
	local n=$SCALE_N deadline started=0 t0 t1 b=50
	deadline=$(( $(date +%s) + SCALE_TIMEOUT ))
	log "== scale: $n running jails (bounded by ${SCALE_TIMEOUT}s)"
	use_pool "$PB"
	local have
	have=$($J list -H | cut -f2 | grep -c '^L_' || true)
	if [ "$have" -lt "$n" ]; then
		t0=$(now); $J create -r busybox -c "$n" -n S >/dev/null; t1=$(now); pre=S
		put scale_create "{\"jails\": $n, \"ms\": $(elapsed_ms "$t0" "$t1")}"
	else
		pre=L
	fi
	python3 "$BENCH_DIR/lib/mem.py" --meminfo >"$OUT/data/scale_mem_before.json"
	: >"$OUT/data/scale_progress.tsv"
	t0=$(now)
	local i=1
	while [ "$i" -le "$n" ] && [ "$(date +%s)" -lt "$deadline" ]; do
		local hi=$((i + b - 1)); [ "$hi" -gt "$n" ] && hi=$n
		$J start $(seq -f "${pre}_%g" "$i" "$hi") >/dev/null 2>>"$OUT/logs/scale-start.err" || true
		started=$($J list -H | awk -F'\t' '$3=="up"' | wc -l)
		printf '%s\t%s\t%s\n' "$hi" "$started" "$(elapsed_ms "$t0" "$(now)")" >>"$OUT/data/scale_progress.tsv"
		log "scale: asked $hi, running $started, $(elapsed_ms "$t0" "$(now)") ms"
		i=$((hi + 1))
	done
	t1=$(now)
	put scale_start "{\"asked\": $n, \"running\": $started, \"ms\": $(elapsed_ms "$t0" "$t1"), \"deadline_hit\": $([ "$i" -le "$n" ] && echo true || echo false)}"
	sleep 2
	mem_measure "$PB" "$pre" "$n" scale_mem_before scale_mem
	bm scale.list --runs 10 --warmup 1 -- "$J list"
	put scale_running_at_list "$($J list -H | awk -F'\t' '$3=="up"' | wc -l)"
	t0=$(now); timeout $(( deadline - $(date +%s) + 300 )) $J stop ALL >/dev/null 2>>"$OUT/logs/scale-stop.err" || true; t1=$(now)
	put scale_stop "{\"ms\": $(elapsed_ms "$t0" "$t1"), \"still_running\": $($J list -H | awk -F'\t' '$3=="up"' | wc -l)}"
}

TAG=""; [ -z "$ONLY" ] && TAG=-scale   # a --scale-only run into an existing --out keeps the first run's files
python3 "$BENCH_DIR/lib/mem.py" --meminfo >"$OUT/data/meminfo_start$TAG.json"
cat /proc/loadavg >"$OUT/data/loadavg_start$TAG.txt"
for s in $ONLY; do
	t0=$(now)
	"section_$s"
	put "section_$s" "{\"ms\": $(elapsed_ms "$t0" "$(now)")}"
done
[ "$SCALE" = 1 ] && section_scale
cat /proc/loadavg >"$OUT/data/loadavg_end$TAG.txt"
log "done"
