/* The jail runtime (SPEC §1 jail(8) row, §6): namespaces, the jail root and its mounts,
 * cgroups (v2, or v1 controllers on hybrid hosts), capability bounding set, seccomp, a
 * private /dev, and a tiny init as PID 1. No daemon: the jail's init keeps running after
 * jailctl exits. Runtime state lives in <run_dir>/<pool_id>/<NAME>.json and is cleaned
 * when stale (dead init, host reboot). Every mount of a jail lives in the jail's own mount
 * namespace, so it disappears with the jail and never leaks onto the host. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"
#include "error.h"
#include "fstab.h"
#include "jail.h"

struct jc_run_state {
	bool running;
	int jid;              /* smallest free positive number on the host while running */
	pid_t init_pid;       /* host pid of the jail's PID 1 */
	/* This run's start (UTC "%F %T"), from the runtime record; empty when unknown. While
	 * the jail runs it is the value to show: config.json gets it a little later. */
	char last_started[24];
};

/* Whether starting or stopping the jail needs what only jailctl-full has (dynlib.h): netlink
 * or nftables for its network (jc_net_needs_libs), or glibc's NSS, which a static program
 * cannot load, for the host id that hostid_strict_check compares. */
bool jc_runtime_needs_libs(struct jc_ctx *ctx, const struct jc_jail *jail);
/* Current state; a stale record (init gone) is cleaned up and reported as not running. */
int jc_runtime_status(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_run_state *out,
		      struct jc_error *err);
/* Status of many jails (listings): the run directory and the boot id are read once, each
 * record with one openat and one read, and only the fields the status needs are taken.
 * A jail without a record costs nothing; a record that is stale or unusable goes through
 * jc_runtime_status (which cleans it up), so the answers are jc_runtime_status's. */
struct jc_run_probe;
struct jc_run_probe *jc_run_probe_new(struct jc_ctx *ctx);
int jc_run_probe_status(struct jc_run_probe *p, const char *name, struct jc_run_state *out,
			struct jc_error *err);
void jc_run_probe_free(struct jc_run_probe *p);
/* Start as SPEC §6; progress lines via jc_progress. Any failure undoes everything. On
 * success (and after restart -s) a child of the caller is left writing last_started into
 * config.json under the jail's lock (docs/runtime.md); ctx reaps it when it is done. */
int jc_runtime_start(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);
/* Stop: exec_prestop, exec_stop, SIGTERM all, SIGKILL after stop_timeout, teardown,
 * exec_poststop. force skips the hooks. */
int jc_runtime_stop(struct jc_ctx *ctx, struct jc_jail *jail, bool force, struct jc_error *err);
/* restart -s: exec_stop, every process but the init terminated (SIGKILL after
 * stop_timeout), exec_start, last_started; mounts, network and cgroups stay. */
int jc_runtime_restart_soft(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);
/* Run argv inside the running jail as user (NULL = root), joined to
 * all its namespaces, cgroup and restrictions, with the caller's stdin/stdout/stderr.
 * *exit_status receives the command's exit status (128+signal when killed). */
int jc_runtime_exec(struct jc_ctx *ctx, const struct jc_jail *jail, const char *user,
		    char *const argv[], int *exit_status, struct jc_error *err);
/* Login shell on a new pty in the jail, relayed to the caller's terminal. */
int jc_runtime_console(struct jc_ctx *ctx, const struct jc_jail *jail, struct jc_error *err);
/* Mount / unmount one fstab entry in a running jail (fstab -a / -r on a running jail). */
int jc_runtime_mount_entry(struct jc_ctx *ctx, const struct jc_jail *jail,
			   const struct jc_fstab_entry *entry, struct jc_error *err);
int jc_runtime_umount_entry(struct jc_ctx *ctx, const struct jc_jail *jail,
			    const struct jc_fstab_entry *entry, struct jc_error *err);
/* Apply a changed property to a running jail, from the jail's current effective
 * properties: cgroup limits (memoryuse, swapuse, pcpu, maxproc, nthr, cpuset, I/O), rlimits
 * (recorded for later execs, lowered on running processes), host_hostname and
 * host_domainname. Any other key, or a jail that is not running: nothing to do, 0. */
int jc_runtime_apply_live(struct jc_ctx *ctx, const struct jc_jail *jail, const char *key,
			  struct jc_error *err);
