#ifndef JAILCTL_INIT_PROTO_H
#define JAILCTL_INIT_PROTO_H

/* jailctl ↔ jailctl-init: running a command in a jail by asking its init to start it.
 * The init's child already is in every namespace and cgroup of the jail, under its
 * seccomp filter, capabilities and rlimits, so nothing has to be joined or dropped.
 *
 * The socket is a SOCK_SEQPACKET unix socket bound by jailctl start at
 * <run_dir>/<pool id>/<NAME>.sock (root's own directory) and handed to the init as fd
 * argv[1]. Messages:
 *   jailctl → init  struct init_request + strings, with SCM_RIGHTS stdin/stdout/stderr
 *   init → jailctl  'P' with SCM_RIGHTS a pidfd of the command, once it runs (signals,
 *                   timeouts)
 *   child → jailctl 'E' + text: the command could not be started (before exit 127)
 *   init → jailctl  'S' + int wait status, once the command has been reaped; then EOF */
#include <stdint.h>

#define INIT_PROTO_VERSION 1

enum {
	INIT_REQ_CLEAN_ENV = 1u << 0,
	INIT_REQ_MAX = 65536,         /* bytes of one request */
	INIT_REQ_MAX_STRINGS = 4096,
};

struct init_request {
	uint32_t version;
	uint32_t flags;
	uint32_t umask;
	uint32_t argc;                /* >= 1 */
	uint32_t envc;
	/* then NUL-terminated: user ("" = root), argv[0..argc), env[0..envc) */
};

struct init_status {
	char type;                    /* 'S' */
	int32_t wait_status;
};

#endif
