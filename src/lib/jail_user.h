#ifndef JAILCTL_JAIL_USER_H
#define JAILCTL_JAIL_USER_H

/* A user of a jail, read from the jail's own /etc/passwd and /etc/group (the caller's root
 * is the jail's). Shared by jailctl and the static jailctl-init, so it uses libc only. */
#include <stddef.h>
#include <sys/types.h>

enum { JAIL_USER_MAX_GROUPS = 64 };

struct jail_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[JAIL_USER_MAX_GROUPS];
	size_t ngroups;
	char name[64], home[256], shell[256];
};

/* name NULL is root (which needs no passwd entry). 0, or -ENOENT for an unknown user. */
int jail_user_lookup(const char *name, struct jail_user *u);
/* setgroups/setgid/setuid to u; 0 or -errno. */
int jail_user_switch(const struct jail_user *u);
enum { JAIL_USER_ENV_BYTES = 2048 };

struct jail_user_env {
	char *envp[7];
	char store[JAIL_USER_ENV_BYTES];
};

/* The environment iocage's exec_clean gives: PATH, HOME, USER, LOGNAME, SHELL and the
 * caller's TERM (term may be NULL; left out if it does not fit), as an array for execve,
 * built in e without allocating: the init's child, which shares its memory until it
 * executes the command, uses it. */
void jail_user_env_build(const struct jail_user *u, const char *term, struct jail_user_env *e);
/* The same environment made this process's own. */
void jail_user_clean_env(const struct jail_user *u, const char *term);

#endif
