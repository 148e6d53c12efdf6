/* Internals of the jail runtime, shared by the runtime_*.c files and the unit tests.
 * Pure pieces (RCTL parsing, cgroup settings, device lists, capability sets, resolver text)
 * take plain values so they can be tested without a pool; runtime_plan.c is the only file
 * that reads a jail's properties. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "runtime.h"

enum {
	RT_MAX_CGROUPS = 12,
	RT_MAX_RLIMITS = 8,
	RT_MAX_DEVNODES = 16,
	RT_MAX_SETTINGS = 24,
};

/* ---- limits (runtime_cgroup.c) ---- */

enum rt_rctl_action { RT_RCTL_OFF, RT_RCTL_DENY, RT_RCTL_LOG, RT_RCTL_DEVCTL, RT_RCTL_SIG,
		      RT_RCTL_THROTTLE };

struct rt_rctl {
	enum rt_rctl_action action;
	uint64_t amount;            /* suffixes applied (k, m, g, t, p are powers of 1024) */
};

/* Parse an iocage RCTL value: "off" or ACTION=AMOUNT[bkmgtp]. key names the property in
 * messages. */
int rt_rctl_parse(const char *key, const char *value, struct rt_rctl *out, struct jc_error *err);
/* Whether the action is enforced on Linux (deny, throttle, sig*); log/devctl only notify
 * on FreeBSD, and Linux has no such notification, so they are not applied. */
bool rt_rctl_enforced(const struct rt_rctl *r);

#define RT_UNLIMITED (-1LL)

struct rt_rlimit {
	int resource;
	rlim_t value;
};

struct rt_limits {
	long long memory;       /* bytes or RT_UNLIMITED */
	long long swap;
	long long pids;
	long long cpu_quota;    /* microseconds per 100 ms period */
	char *cpuset;           /* "0,1" / "0-3"; NULL = all */
	long long rbps, wbps, riops, wiops;
	long long ptys;         /* devpts max= */
	struct rt_rlimit rlimits[RT_MAX_RLIMITS];
	size_t nrlimits;
};

void rt_limits_init(struct rt_limits *l);
void rt_limits_release(struct rt_limits *l);
/* Fill one limit from a property (key, value). Keys that are not limits return 0 and
 * change nothing; *warning (may be NULL) receives a note to show for accepted values that
 * have no effect. */
int rt_limits_set(struct rt_limits *l, const char *key, const char *value, char **warning,
		  struct jc_error *err);
/* cpuset property → a cpus list for cpuset.cpus, NULL for off/all. */
int rt_cpuset_parse(const char *value, char **out, struct jc_error *err);

struct rt_cg_setting {
	char controller[16];        /* "memory", "cpu", ... (v1 hierarchy or v2 controller) */
	char file[48];
	char value[96];
};

/* The cgroup files that express limits. v2 selects the cgroup v2 file names. all: also
 * write the values of unlimited settings (live changes); otherwise they are skipped
 * because a new cgroup starts unlimited. blkdev "MAJ:MIN" of the pool's disk or NULL. */
size_t rt_cgroup_settings(const struct rt_limits *l, bool v2, bool all, const char *blkdev,
			  struct rt_cg_setting out[RT_MAX_SETTINGS]);

/* ---- devices and privileges (runtime_security.c) ---- */

struct rt_devnode {
	const char *name;     /* relative to /dev */
	unsigned major, minor;
	mode_t mode;
};

struct rt_devfs {
	int ruleset;
	bool pts;             /* devpts + ptmx + tty */
	struct rt_devnode nodes[RT_MAX_DEVNODES];
	size_t n;
};

/* Device set for a devfs_ruleset number; -ENOENT for rulesets jailctl does not know. */
int rt_devfs_build(int ruleset, bool allow_tun, bool allow_vmm, struct rt_devfs *out,
		   struct jc_error *err);
const char *rt_devfs_description(int ruleset);
/* Rules for the v1 devices controller ("c 1:3 rwm", ...), written after "a" is denied. */
size_t rt_devfs_cgroup_rules(const struct rt_devfs *d, char out[][32], size_t max);

struct rt_privs {
	bool allow_chflags, allow_mlock, allow_raw_sockets, bpf, vnet, own_netns;
	bool allow_mount, allow_quotas, allow_socket_af;
};

/* Capabilities a jail keeps (bit n = capability n). */
uint64_t rt_caps_keep(const struct rt_privs *p);

enum rt_seccomp_flags {
	RT_SECCOMP_ALLOW_MOUNT = 1u << 0,
	RT_SECCOMP_ALLOW_QUOTAS = 1u << 1,
	RT_SECCOMP_ALLOW_SOCKET_AF = 1u << 2,
};
unsigned rt_seccomp_flags(const struct rt_privs *p);

/* A compiled seccomp filter (struct sock_filter array), built once per start and kept
 * beside the runtime record so that exec loads it without compiling it again. */
struct rt_bpf {
	void *data;
	size_t len;     /* bytes */
};

void rt_bpf_release(struct rt_bpf *b);
int rt_seccomp_compile(unsigned flags, struct rt_bpf *out, struct jc_error *err);
/* The same, from a cache in cache_dir (made 0700 if missing) when a filter compiled by this
 * binary on this kernel is there; compiled and stored otherwise. */
int rt_seccomp_compile_cached(const char *cache_dir, unsigned flags, struct rt_bpf *out,
			      struct jc_error *err);
/* In a process about to exec jail code, still holding CAP_SYS_ADMIN: install the filter
 * (bpf, or compiled from flags when bpf is empty), shrink the bounding set to keep. Then
 * (apply_caps) set permitted/effective to keep and clear inheritable and ambient. */
int rt_seccomp_install(const struct rt_bpf *bpf, unsigned flags, struct jc_error *err);
int rt_caps_drop_bounding(uint64_t keep, struct jc_error *err);
int rt_caps_apply(uint64_t keep, struct jc_error *err);

/* ---- the start plan (runtime_plan.c) ---- */

struct rt_plan {
	const char *name;
	const char *root;               /* host path of the jail root */
	char *hostname;
	char *domainname;               /* NULL: leave empty */
	char *resolv;                   /* NULL: leave /etc/resolv.conf untouched */
	size_t resolv_len;
	char *localtime;                /* host /etc/localtime contents, NULL: untouched */
	size_t localtime_len;
	char *http_proxy, *https_proxy; /* for /etc/environment and apt; NULL: none */
	int ns_flags;                   /* CLONE_NEW* the jail gets of its own (not PID) */
	bool ipc_disable;               /* sysv* = disable: zero the IPC limits */
	struct rt_devfs devfs;
	struct rt_privs privs;
	uint64_t caps_keep;
	unsigned seccomp;
	struct rt_bpf bpf;              /* the compiled filter */
	struct rt_limits limits;
	struct jc_fstab fstab;
	long exec_timeout;              /* seconds, 0 = none */
	long stop_timeout;
	const struct jc_storage_ops *storage;
};

int rt_plan_build(struct jc_ctx *ctx, struct jc_jail *jail, struct rt_plan *out,
		  struct jc_error *err);
void rt_plan_release(struct rt_plan *p);
/* The text written to the jail's /etc/resolv.conf for a resolver property value; NULL when
 * the file is left alone ("/dev/null"). host_conf is the host's resolv.conf contents. */
char *rt_resolver_render(const char *resolver, const char *host_conf);
/* The jail's hostname: host_hostname, or the name with '_' → '-' when unset/none. */
char *rt_hostname_for(const char *name, const char *host_hostname);

/* ---- cgroups (runtime_cgroup.c) ---- */

struct rt_cgroups {
	char *paths[RT_MAX_CGROUPS];    /* [0] tracks the processes (v2 when there is one) */
	char *controllers[RT_MAX_CGROUPS]; /* "v2" or the v1 controller */
	size_t n;
};

void rt_cgroups_release(struct rt_cgroups *cg);
/* The jail's cgroups are jailctl/jailctl-<pool_id>-<NAME> in each hierarchy. This names
 * them all and creates the v2 one with the plan's limits and device rules; the v1 ones
 * (hybrid and v1 hosts) are made by rt_cgroups_create_rest, which start runs just before
 * its child, which joins them. Warnings (e.g. I/O limits without a known disk) go through
 * ctx. */
int rt_cgroups_create(struct jc_ctx *ctx, const char *name, const struct rt_plan *plan,
		      struct rt_cgroups *out, struct jc_error *err);
/* The device rules of a cgroup v2 directory: a BPF program that allows d's nodes only
 * (runtime_devcg.c). */
int rt_devcg_attach(const char *v2_dir, const struct rt_devfs *d, struct jc_error *err);
/* The rest of the cgroups, with the plan's limits and device rules. */
int rt_cgroups_create_rest(struct jc_ctx *ctx, const char *name, const struct rt_plan *plan,
			   struct rt_cgroups *cg, struct jc_error *err);
/* Move pid into every cgroup (0 = the caller). */
int rt_cgroups_attach(const struct rt_cgroups *cg, pid_t pid, struct jc_error *err);
/* fork(), the child created right inside the jail's cgroup v2 (clone3 CLONE_INTO_CGROUP;
 * extra: more CLONE_* flags such as CLONE_NEWPID). Moving a process between cgroups later
 * takes a global lock that waits for an RCU grace period (several ms); creating it in
 * place does not. *v2_joined tells the child whether that worked (else plain fork);
 * *out_pidfd (may be NULL) receives a pidfd of the child in the parent. */
pid_t rt_fork_into_cgroup(const struct rt_cgroups *cg, unsigned long long extra, int *out_pidfd,
			  bool *v2_joined);
/* An O_PATH descriptor of the jail's cgroup v2 directory (-1: none), for CLONE_INTO_CGROUP. */
int rt_cgroup_v2_fd(const struct rt_cgroups *cg);
/* clone3 (-errno on failure) for flags with CLONE_VM | CLONE_VFORK and no stack of its own:
 * the child runs on the caller's stack while the caller waits, and must exec or _exit
 * without returning from the function that called this. -ENOSYS off x86-64. */
struct clone_args;
long rt_clone3_shared_vm(struct clone_args *args, size_t size) __attribute__((returns_twice));
/* In the single-threaded child: join the jail's other cgroups. v1 hierarchies through
 * their tasks file with "0" (moving just the calling thread takes no global lock). */
int rt_cgroups_join_self(const struct rt_cgroups *cg, bool v2_joined, struct jc_error *err);
/* Kill whatever is left in the cgroups, wait until they are empty, remove them. */
int rt_cgroups_destroy(const struct rt_cgroups *cg, struct jc_error *err);
/* SIGTERM (or sig) to every process of the jail except skip (0 = none). */
int rt_cgroups_signal(const struct rt_cgroups *cg, int sig, pid_t skip);
/* Best effort, after exec_start: drop the page cache charged to the jail's memory cgroup
 * that no process maps (what exec_start read from the jail's own files), when there is
 * 512 KiB or more. Never fails; what happened goes to debug messages. */
void rt_cgroups_trim(const struct jc_ctx *ctx, const char *name, const struct rt_cgroups *cg);
/* Live change of limits: write settings for a running jail. */
int rt_cgroups_apply(struct jc_ctx *ctx, const struct rt_cgroups *cg, const struct rt_limits *l,
		     struct jc_error *err);

/* ---- persisted runtime state (runtime_state.c) ---- */

struct rt_state {
	char *path;                     /* <run_dir>/<pool_id>/<NAME>.json */
	int jid;
	bool running;                   /* start completed */
	pid_t init_pid;
	unsigned long long init_start;  /* /proc/PID/stat start time, against pid reuse */
	pid_t starter_pid;              /* jailctl doing the start, while not running */
	unsigned long long starter_start;
	bool other_boot;                /* written before the host's last boot: all pids void */
	char *root;
	struct rt_cgroups cg;
	uint64_t caps_keep;
	unsigned seccomp;
	struct rt_rlimit rlimits[RT_MAX_RLIMITS];
	size_t nrlimits;
	char last_started[24];          /* UTC "%F %T" once started */
	char boot_id[40];               /* this boot's, named by every save; "": read it then */
};

void rt_state_release(struct rt_state *st);
char *rt_state_path(const struct jc_ctx *ctx, const char *name);
/* -ENOENT when there is no record. */
int rt_state_load(const char *path, struct rt_state *out, struct jc_error *err);
int rt_state_save(const struct rt_state *st, struct jc_error *err);
/* The compiled seccomp filter beside the record (NAME.bpf); empty when missing. */
int rt_state_save_bpf(const struct rt_state *st, const struct rt_bpf *bpf, struct jc_error *err);
void rt_state_load_bpf(const struct rt_state *st, struct rt_bpf *out);
void rt_state_remove(const struct rt_state *st);
/* Start time of pid from /proc/PID/stat; 0 when the process is gone or a zombie. */
unsigned long long rt_pid_start_time(pid_t pid);
bool rt_pid_alive(pid_t pid, unsigned long long start);
/* A pidfd for pid if it is still the process that started at start, else -ESRCH. */
int rt_pidfd_checked(pid_t pid, unsigned long long start);
/* Smallest free JID, reserved together with the state file under one lock. */
int rt_jid_allocate(struct jc_ctx *ctx, const char *name, struct rt_state *st,
		    struct jc_error *err);
/* Free jid if it is still reserved for this jail. */
void rt_jid_release(const struct jc_ctx *ctx, const char *name, int jid);
/* Whole small file (e.g. /proc, cgroup files) without error message; -errno. */
int rt_read_text(const char *path, char **out);
/* The per-jail runtime lock (<run_dir>/<pool_id>/<NAME>.lock); nonblock: -EWOULDBLOCK if
 * held. */
int rt_runtime_lock(const struct jc_ctx *ctx, const char *name, bool nonblock, int *out_fd,
		    struct jc_error *err);
/* Remove every trace of a jail that is not running: kill leftovers, cgroups, JID, state. */
int rt_state_cleanup(struct jc_ctx *ctx, struct rt_state *st, struct jc_error *err);
enum rt_probe_mode {
	RT_PROBE_LOOK,          /* report only */
	RT_PROBE_CLEAN,         /* clean a stale record if nobody holds the runtime lock */
	RT_PROBE_CLEAN_LOCKED,  /* the caller holds the runtime lock: clean a stale record */
};
/* Load the state; running means the init lives and the start completed. A record of a
 * start whose jailctl died, or of a dead init, is stale. Returns 1 when running, 0 when
 * not (out then describes a start in progress, or is empty). */
int rt_state_probe(struct jc_ctx *ctx, const char *name, enum rt_probe_mode mode,
		   struct rt_state *out, struct jc_error *err);

/* ---- running things (runtime_exec.c) ---- */

struct rt_exec_opts {
	const char *user;               /* NULL = root */
	char *const *argv;
	int in_fd, out_fd, err_fd;      /* -1 = inherit */
	int tty_fd;                     /* console: becomes the controlling tty; -1 */
	bool clean_env;
};

/* Start a process inside the running jail described by st (init_pidfd pins its init).
 * Returns once the command is executing (or failed to). */
int rt_exec_spawn(const struct rt_state *st, int init_pidfd, const struct rt_exec_opts *o,
		  pid_t *out_pid, struct jc_error *err);
/* A wait status as a shell shows it: the exit status, or 128 + the killing signal. */
int rt_decode_status(int ws);
/* Through the jail's init (runtime_init_exec.c): runs o in the jail and waits for it
 * (timeout_s > 0: killed after that long, -ETIMEDOUT). forward_signals: SIGINT, SIGQUIT,
 * SIGTERM and SIGHUP of this process go to the command. 0 with *status (exit status, or
 * 128 + signal); 1 when the init takes no requests (use rt_exec_spawn); <0 on error. */
int rt_init_exec(const struct rt_state *st, const struct rt_exec_opts *o, long timeout_s,
		 bool forward_signals, int *status, struct jc_error *err);
/* rt_init_exec in two halves. The send needs no running init: a request waits in the
 * listening socket until the init takes it. 0 with *sock; 1 as above. */
int rt_init_exec_send(const struct rt_state *st, const struct rt_exec_opts *o, int *sock,
		      struct jc_error *err);
/* Waits for the command sent on sock, and closes it. */
int rt_init_exec_wait(int sock, long timeout_s, int *status, struct jc_error *err);
/* The init's request socket beside the state record: bound and listening (-1 when it
 * cannot be), and removed. */
char *rt_init_socket_path(const struct rt_state *st);
int rt_init_listen(const struct rt_state *st);
void rt_init_unlink(const struct rt_state *st);
/* Lower (never raise: that needs CAP_SYS_RESOURCE) the calling process's rlimits. */
void rt_lower_rlimits(const struct rt_rlimit *l, size_t n);
/* Wait for a child; timeout_s 0 = no limit. On timeout the child (and, for hooks, its
 * process group) is killed and -ETIMEDOUT returned. *status: exit code, 128+signal. */
int rt_wait_child(pid_t pid, long timeout_s, bool kill_group, int *status);
/* exec_* hook on the host: /bin/sh -c CMD with JAIL_NAME, JAIL_ROOT, and JAIL_JID /
 * JAIL_PID (the init's host pid) when > 0; output appended to log_fd, bounded by
 * timeout_s. Trivial hooks (/usr/bin/true) are not run. */
int rt_run_hook(struct jc_ctx *ctx, const struct jc_jail *jail, const char *key, int jid,
		pid_t init_pid, int log_fd, long timeout_s, struct jc_error *err);
/* exec_start / exec_stop inside the jail as exec_jail_user, output to log_fd. */
int rt_run_in_jail(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_state *st,
		   int init_pidfd, const char *key, int log_fd, long timeout_s,
		   struct jc_error *err);
/* The same in two halves, so that start can hand exec_start to its init before the init
 * runs (rt_init_exec_send) and wait for it later. A job with no argv has nothing to run
 * (a trivial command); one with no socket runs through rt_exec_spawn at the finish. */
struct rt_job {
	const char *key;
	char **argv;
	char *user;
	int null_fd;
	int sock;
	struct rt_exec_opts opts;
};
/* A job with nothing to run and nothing to release. */
#define RT_JOB_NONE ((struct rt_job){ .null_fd = -1, .sock = -1 })
int rt_job_send(struct jc_ctx *ctx, const struct jc_jail *jail, const struct rt_state *st,
		const char *key, int log_fd, struct rt_job *job, struct jc_error *err);
int rt_job_finish(const struct jc_jail *jail, const struct rt_state *st, int init_pidfd,
		  long timeout_s, struct rt_job *job, struct jc_error *err);
void rt_job_release(struct rt_job *job);
/* <iocroot>/log/NAME-console.log opened for appending. */
int rt_open_console_log(const struct jc_ctx *ctx, const char *name, int *out_fd,
			struct jc_error *err);

/* Stamp st->last_started with the current time (UTC); the caller saves the record. */
void rt_stamp_started(struct rt_state *st);
/* Put st->last_started into the jail's configuration: at once in memory, and into
 * config.json by a child (own session, stdio on /dev/null, not waited for) that inherits
 * lock_fd (the jail's lock, held by the caller; the child lets go of it while it flushes).
 * A failure is only a warning, in log_fd when the child hits it. */
void rt_mark_started(struct jc_ctx *ctx, struct jc_jail *jail, const struct rt_state *st,
		     int lock_fd, int log_fd);

/* ---- the jail's side of start (runtime_mounts.c) ---- */

/* In the child, in its new namespaces: build the root, pivot into it, set hostname and
 * files. After this only the init exec remains. */
int rt_setup_root(const struct rt_plan *plan, struct jc_error *err);
/* Resolve path (relative to the jail root dirfd) without leaving the root, creating
 * missing directories; returns an O_PATH fd. */
int rt_open_in_root(int rootfd, const char *path, bool create_dirs, struct jc_error *err);
/* Mount one fstab entry (dst is the host path under root) onto the jail tree at rootfd. */
int rt_mount_fstab_entry(int rootfd, const char *root, const struct jc_fstab_entry *e,
			 struct jc_error *err);
/* The same in two steps, for live mounts: a detached mount made on the host side, then
 * attached inside the jail's mount namespace. */
int rt_fstab_detached(const struct jc_fstab_entry *e, int *out_mfd, bool *out_isdir,
		      struct jc_error *err);
int rt_fstab_attach(int rootfd, const char *root, const struct jc_fstab_entry *e, int mfd,
		    bool isdir, struct jc_error *err);
/* dst (host path under root) as a path inside the jail, NULL when it is not under root. */
const char *rt_jail_relative(const char *root, const char *dst);
/* Bring lo up in the current network namespace. */
int rt_loopback_up(struct jc_error *err);

/* ---- network hooks (runtime_network.c) ---- */

/* Host-side networking of a starting jail whose init is pid (its netns exists): VNET,
 * shared-IP, NAT and DHCP (jc_net_setup; may save generated MACs into jail's config). */
int runtime_network_setup(struct jc_ctx *ctx, struct jc_jail *jail, const struct rt_plan *plan,
			  pid_t init_pid, int jid, struct jc_error *err);
/* Host interfaces named for this JID still exist (a jail that stopped a moment ago). */
bool runtime_network_jid_busy(int jid);
/* Undo runtime_network_setup (called at stop and on failed starts; must tolerate a
 * partial setup). */
int runtime_network_teardown(struct jc_ctx *ctx, const char *name, int jid, struct jc_error *err);
