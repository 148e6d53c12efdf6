#ifndef JAILCTL_KERNEL_API_H
#define JAILCTL_KERNEL_API_H

/* Kernel interfaces that glibc 2.36 wraps and musl 1.2.3 does not: pidfds, the new mount
 * API, statx, renameat2, close_range (and sigabbrev_np). The static jailctl is built against
 * musl (meson.build says why); with glibc this header only includes glibc's declarations. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <sys/pidfd.h>
#else
#include <linux/mount.h>
#include <stdint.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static inline int pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int close_range(unsigned int first, unsigned int last, int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

/* The signals jailctl names in messages; glibc's sigabbrev_np names them all. */
static inline const char *sigabbrev_np(int sig)
{
	switch (sig) {
	case SIGINT: return "INT";
	case SIGQUIT: return "QUIT";
	case SIGTERM: return "TERM";
	case SIGHUP: return "HUP";
	case SIGKILL: return "KILL";
	default: return NULL;
	}
}

static inline int renameat2(int olddfd, const char *oldpath, int newdfd, const char *newpath,
			    unsigned int flags)
{
	return (int)syscall(SYS_renameat2, olddfd, oldpath, newdfd, newpath, flags);
}

static inline int fsopen(const char *fs, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
			     unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
				struct mount_attr *attr, size_t size)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}

/* <linux/stat.h> cannot be included beside musl's <sys/stat.h> (both define S_IFMT and
 * friends): the statx fields jailctl reads, laid out as the kernel's struct statx. */
#define STATX_BASIC_STATS 0x000007ffU
#define STATX_ATTR_MOUNT_ROOT 0x00002000
struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};

static inline int statx(int dfd, const char *path, int flags, unsigned int mask,
			struct statx *buf)
{
	return (int)syscall(SYS_statx, dfd, path, flags, mask, buf);
}
#endif

#endif
