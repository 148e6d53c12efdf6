/* Parsed directly with fgetpwent/fgetgrent: getpwnam() could load NSS modules from the
 * jail's /lib into a process that still holds privileges. */
#include "jail_user.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JAIL_PATH "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"

/* A regular file only, opened without blocking: the init's child reads these before it
 * executes the command, with the init waiting for it, and the jail's root could have made
 * them FIFOs. */
static FILE *open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return NULL;
	FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "re") : NULL;
	if (!f)
		close(fd);
	return f;
}

static bool find_passwd(const char *want, struct jail_user *u)
{
	FILE *f = open_regular("/etc/passwd");
	struct passwd *pw;
	bool found = false;
	while (f && !found && (pw = fgetpwent(f))) {
		if (strcmp(pw->pw_name, want) != 0)
			continue;
		found = true;
		*u = (struct jail_user){ .uid = pw->pw_uid, .gid = pw->pw_gid };
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		snprintf(u->home, sizeof(u->home), "%s", *pw->pw_dir ? pw->pw_dir : "/");
		snprintf(u->shell, sizeof(u->shell), "%s", *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	}
	if (f)
		fclose(f);
	return found;
}

static void add_groups(struct jail_user *u)
{
	FILE *f = open_regular("/etc/group");
	struct group *gr;
	while (f && u->ngroups < JAIL_USER_MAX_GROUPS && (gr = fgetgrent(f))) {
		for (char **m = gr->gr_mem; m && *m; m++) {
			if (strcmp(*m, u->name) == 0 && gr->gr_gid != u->gid) {
				u->groups[u->ngroups++] = gr->gr_gid;
				break;
			}
		}
	}
	if (f)
		fclose(f);
}

int jail_user_lookup(const char *name, struct jail_user *u)
{
	const char *want = name ? name : "root";
	if (!find_passwd(want, u)) {
		if (strcmp(want, "root") != 0)
			return -ENOENT;
		*u = (struct jail_user){ .name = "root", .home = "/root", .shell = "/bin/sh" };
	}
	u->groups[u->ngroups++] = u->gid;
	add_groups(u);
	return 0;
}

int jail_user_switch(const struct jail_user *u)
{
	if (setgroups(u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return -errno;
	return 0;
}

void jail_user_env_build(const struct jail_user *u, const char *term, struct jail_user_env *e)
{
	const char *const vars[][2] = {
		{ "PATH", JAIL_PATH }, { "HOME", u->home }, { "USER", u->name },
		{ "LOGNAME", u->name }, { "SHELL", u->shell }, { "TERM", term },
	};
	size_t n = 0, used = 0;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		size_t room = sizeof(e->store) - used;
		int len = vars[i][1] ? snprintf(e->store + used, room, "%s=%s", vars[i][0], vars[i][1]) : -1;
		if (len < 0 || (size_t)len >= room)
			continue;
		e->envp[n++] = e->store + used;
		used += (size_t)len + 1;
	}
	e->envp[n] = NULL;
}

void jail_user_clean_env(const struct jail_user *u, const char *term)
{
	/* Kept: putenv makes the strings themselves the environment. */
	struct jail_user_env *e = malloc(sizeof(*e));
	if (!e)
		abort();
	jail_user_env_build(u, term, e);
	clearenv();
	for (size_t i = 0; e->envp[i]; i++)
		putenv(e->envp[i]);
}
