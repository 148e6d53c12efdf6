/* Package managers of Linux releases (SPEC §1 `pkg` row): which one a jail root has,
 * package lists (create -p, JSON {"pkgs": [...]}), the argv arrays that run it inside a
 * jail (never a shell string), and the apt sources rewrite of a Debian upgrade. Pure
 * functions: running them is update.c's job. */
#pragma once

#include <stdbool.h>

#include "error.h"

enum jc_pkg_manager { JC_PKG_NONE, JC_PKG_APT, JC_PKG_APK };

/* ^[A-Za-z0-9][A-Za-z0-9+._:-]*$, at most 255 characters. */
bool jc_pkg_name_valid(const char *name);
/* Parse a package list {"pkgs": ["a", "b"]}; *out is a NULL-terminated vector.
 * what names the list in errors (its path). */
int jc_pkglist_parse(const char *text, const char *what, char ***out, struct jc_error *err);
int jc_pkglist_load(const char *path, char ***out, struct jc_error *err);

/* The package manager of a root (resolved inside it): /usr/bin/apt-get, else /sbin/apk. */
enum jc_pkg_manager jc_pkg_detect(const char *root);
const char *jc_pkg_manager_name(enum jc_pkg_manager m);

/* argv running the manager with args: /usr/bin/env -i with PATH, HOME, (apt)
 * DEBIAN_FRONTEND=noninteractive and the proxies (NULL or "none": left out). */
char **jc_pkg_argv(enum jc_pkg_manager m, const char *http_proxy, const char *https_proxy,
		   char *const args[]);

/* Steps (NULL-terminated list of NULL-terminated arg vectors, without the manager). */
char ***jc_pkg_install_steps(enum jc_pkg_manager m, char *const pkgs[]);
char ***jc_pkg_upgrade_steps(enum jc_pkg_manager m);
char ***jc_pkg_full_upgrade_steps(enum jc_pkg_manager m);
void jc_pkg_steps_free(char ***steps);

/* apt sources text with every suite token old_suite, old_suite-SUFFIX and old_suite/SUFFIX moved to
 * new_suite (one-line and deb822 formats; comment lines untouched). */
char *jc_apt_sources_rewrite(const char *text, const char *old_suite, const char *new_suite);
/* debian-11 -> bullseye, debian-12 -> bookworm, debian-13 -> trixie; else NULL. */
const char *jc_pkg_debian_suite(const char *release);

/* Releases with SysV-style /etc/init.d but no /etc/rc (Debian): write a FreeBSD-style
 * /etc/rc that starts the runlevel-2 services (/etc/rc2.d/S*, in order, then an
 * executable /etc/rc.local) and /etc/rc.shutdown that stops them in reverse order, so
 * the default exec_start "/bin/sh /etc/rc" works. Nothing is written otherwise (0). */
int jc_pkg_install_sysv_rc(const char *root, struct jc_error *err);
