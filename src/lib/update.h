/* Package operations on jails (SPEC §3 `pkg`, `create -p`, `update`, `upgrade`): the
 * release's package manager run inside the running jail, with a safety snapshot and
 * rollback around update and upgrade. Progress lines go through jc_progress. */
#pragma once

#include "context.h"
#include "error.h"
#include "jail.h"

/* pkg JAIL ARGS: the jail must run, have a package manager and a network.
 * *exit_status receives the package manager's exit status. */
int jc_pkg_run(struct jc_ctx *ctx, struct jc_jail *jail, char *const args[], int *exit_status,
	       struct jc_error *err);
/* create -p: start the new jail, install pkgs, stop it again unless boot=1. On failure the
 * caller destroys the jail. */
int jc_pkg_provision(struct jc_ctx *ctx, struct jc_jail *jail, char *const pkgs[],
		     struct jc_error *err);
/* update: snapshot ioc_update_<UTC %F_%H-%M-%S>, upgrade the jail's packages, roll back
 * on failure; the jail ends in the running state it had. */
int jc_jail_pkg_update(struct jc_ctx *ctx, struct jc_jail *jail, struct jc_error *err);
/* upgrade -r REL: basejail -> its system mounts move to releases/REL; Debian clone jail ->
 * apt suite moved to REL's and full-upgrade. Snapshot ioc_upgrade_<date>, rollback on
 * failure. */
int jc_jail_upgrade(struct jc_ctx *ctx, struct jc_jail *jail, const char *release,
		    struct jc_error *err);
