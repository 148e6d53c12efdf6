/* Parsed directly with fgetpwent/fgetgrent: getpwnam() could load NSS modules from the
 * jail's /lib into a process that still holds privileges. */
#include "jail_user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JAIL_PATH "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"

static bool find_passwd(const char *want, struct jail_user *u)
{
	FILE *f = fopen("/etc/passwd", "re");
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
	FILE *f = fopen("/etc/group", "re");
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

void jail_user_clean_env(const struct jail_user *u, const char *term)
{
	char *t = term ? strdup(term) : NULL;
	clearenv();
	setenv("PATH", JAIL_PATH, 1);
	setenv("HOME", u->home, 1);
	setenv("USER", u->name, 1);
	setenv("LOGNAME", u->name, 1);
	setenv("SHELL", u->shell, 1);
	if (t)
		setenv("TERM", t, 1);
	free(t);
}
