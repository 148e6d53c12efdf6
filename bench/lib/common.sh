# Helpers for bench/lib/inner.sh (sourced). Runs inside the bench's private namespaces.

J=$JAILCTL
mkdir -p "$OUT/cmds" "$OUT/logs" "$OUT/errors" "$OUT/data" "$OUT/rounds"

log() { printf 'bench: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed_ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000, 1))" "$1" "$2"; }

# Record a number (or any JSON value) under data/NAME.json.
put() { printf '%s\n' "$2" >"$OUT/data/$1.json"; }

# Run a command inside a mount namespace where the cgroup v2 hierarchy of this hybrid host
# (/sys/fs/cgroup/unified) is unmounted: crun 1.8 refuses hybrid cgroups otherwise.
NOUNIFIED="unshare --mount --propagation private sh -c 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec \"\$@\"' nounified"
nounified() { unshare --mount --propagation private sh -c 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' nounified "$@"; }

# Run a command in cgroups of the bench's own (v2 and name=systemd), so that what a peer
# creates next to its own cgroup (systemd-nspawn: payload/, supervisor/) stays under
# jb<RUN_ID>/ and is removed at the end. Moves the calling (sub)shell: call it in a subshell.
incg() {
	local name=$1; shift
	local h
	for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
		[ -d "$h" ] || continue
		mkdir -p "$h/jb$RUN_ID/$name"
		echo "$BASHPID" >"$h/jb$RUN_ID/$name/cgroup.procs"
	done
	"$@"
}

# bm NAME [--prepare CMD] [--wrap nounified|incg] [--runs N] [--warmup N] [--note TEXT] -- CMD
# Benchmarks CMD (a shell command line, run by hyperfine through sh -c; hyperfine subtracts
# the shell's own start-up) and writes $OUT/NAME.json. A trial run first: a peer that fails
# is recorded with its error in errors/NAME.txt and skipped. With BM_ROUND=K set (see
# bm_rounds) the result goes to rounds/NAME.K.json instead, and only round 1 has a trial.
bm() {
	local name=$1; shift
	local prepare="" wrap="" runs=$RUNS warmup=$WARMUP note=""
	while [ "$1" != "--" ]; do
		case "$1" in
		--prepare) prepare=$2; shift 2 ;;
		--wrap) wrap=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--warmup) warmup=$2; shift 2 ;;
		--note) note=$2; shift 2 ;;
		*) log "bm: bad option $1"; return 1 ;;
		esac
	done
	shift
	local cmd=$1
	python3 - "$OUT/cmds/$name.json" "$name" "$cmd" "$prepare" "$wrap" "$note" "$runs" "$warmup" <<'EOF'
import json, sys
path, name, cmd, prep, wrap, note, runs, warmup = sys.argv[1:]
json.dump({"name": name, "command": cmd, "prepare": prep, "wrap": wrap, "note": note,
           "runs": int(runs), "warmup": int(warmup)}, open(path, "w"), indent=1)
EOF
	local round=${BM_ROUND:-} dest="$OUT/$name.json" tag=$name
	if [ -n "$round" ]; then
		dest="$OUT/rounds/$name.$round.json" tag="$name.$round"
		[ "$round" != 1 ] && [ -e "$OUT/errors/$name.txt" ] && return 0
	fi
	[ "${round:-1}" = 1 ] && rm -f "$OUT/errors/$name.txt" "$OUT/$name.json"
	local pre=()
	case "$wrap" in
	nounified) pre=(nounified) ;;
	incg) pre=(incg "$name") ;;
	"") ;;
	*) log "bm: bad wrap $wrap"; return 1 ;;
	esac
	# Trial run (not timed), output kept for the record.
	if [ "${round:-1}" = 1 ] && ! ( "${pre[@]}" sh -c "${prepare:-true}; $cmd" ) >"$OUT/logs/$name.trial" 2>&1; then
		{ echo "\$ $cmd"; tail -n 15 "$OUT/logs/$name.trial"; } >"$OUT/errors/$name.txt"
		log "$name: FAILED (see errors/$name.txt): $(tail -n 1 "$OUT/logs/$name.trial")"
		return 0
	fi
	local hf=(hyperfine --style basic --warmup "$warmup" --runs "$runs" --export-json "$dest" -n "$name")
	[ -n "$prepare" ] && hf+=(--prepare "$prepare")
	if ! ( "${pre[@]}" "${hf[@]}" "$cmd" ) >"$OUT/logs/$tag.log" 2>&1; then
		{ echo "\$ $cmd"; tail -n 15 "$OUT/logs/$tag.log"; } >"$OUT/errors/$name.txt"
		rm -f "$dest"
		log "$name: FAILED under hyperfine (see errors/$name.txt)"
		return 0
	fi
	[ -z "$round" ] && bm_summary "$dest" "$name"
	return 0
}

bm_summary() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = sorted(r["times"])
print(f"bench: {sys.argv[2]:<34} median {r['median']*1000:8.2f} ms  min {t[0]*1000:7.2f}  max {t[-1]*1000:8.2f}  (n={len(t)})", file=sys.stderr)
EOF
}

# bm_rounds K FUNCTION: calls FUNCTION (a list of bm calls) K times with BM_ROUND=1..K and
# --runs divided by K, then merges each benchmark's rounds into NAME.json. Peers measured
# in alternation see the same moments of a noisy machine (a VM with CPU steal), so their
# ratios do not depend on which one happened to run during a slow minute.
bm_rounds() {
	local k=$1 fn=$2 i f name saved=$RUNS
	RUNS=$(( (saved + k - 1) / k ))
	for i in $(seq "$k"); do
		BM_ROUND=$i "$fn"
	done
	RUNS=$saved
	for f in "$OUT"/rounds/*.1.json; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .1.json)
		python3 "$BENCH_DIR/lib/merge_rounds.py" "$OUT/$name.json" "$OUT"/rounds/"$name".[0-9]*.json
		bm_summary "$OUT/$name.json" "$name"
		rm -f "$OUT"/rounds/"$name".[0-9]*.json
	done
}

# Record a peer that is not run, with the reason.
skip() { printf '%s\n' "$2" >"$OUT/errors/$1.txt"; log "$1: skipped: $2"; }

# The jail's init PID (as this pid namespace sees it), from jailctl's state record.
init_pid() {
	python3 - "$1" <<'EOF'
import glob, json, sys
for f in glob.glob(f"/run/jailctl/*/{sys.argv[1]}.json"):
    print(json.load(open(f))["init_pid"])
    break
EOF
}

# Pool id as jailctl derives it (FNV-1a of the pool path, bench/lib/poolid.py): the cgroups
# of a jail are <hierarchy>/jailctl/jailctl-<pool_id>-<NAME>.
pool_id() { python3 "$BENCH_DIR/lib/poolid.py" "$1"; }
