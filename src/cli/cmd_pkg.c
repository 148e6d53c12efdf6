/* pkg / update / upgrade. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jail.h"
#include "update.h"
#include "util.h"

static int open_jail(struct jc_ctx *ctx, const char *name, struct jc_jail **jail)
{
	struct jc_error err = { 0 };
	if (jc_ctx_load_defaults(ctx, &err) < 0 || jc_jail_open(ctx, name, jail, &err) < 0)
		return cli_fail(&err);
	return 0;
}

int cmd_pkg(struct jc_ctx *ctx, int argc, char **argv)
{
	if (argc < 3)
		return cli_usage("pkg", "expected JAIL and the package manager's arguments");
	struct jc_jail *jail = NULL;
	int rc = open_jail(ctx, argv[1], &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	int status = 0;
	if (jc_pkg_run(ctx, jail, argv + 2, &status, &err) < 0)
		rc = cli_fail(&err);
	else
		rc = status;
	jc_jail_free(jail);
	return rc;
}

int cmd_update(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pkgs", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "P", opts, NULL)) != -1)
		if (c != 'P')
			return cli_usage("update", "unknown option");
	if (optind != argc - 1)
		return cli_usage("update", "expected one JAIL");
	struct jc_jail *jail = NULL;
	int rc = open_jail(ctx, argv[optind], &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	if (jc_jail_pkg_update(ctx, jail, &err) < 0)
		rc = cli_fail(&err);
	jc_jail_free(jail);
	return rc;
}

int cmd_upgrade(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "release", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rel = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (c != 'r')
			return cli_usage("upgrade", "unknown option");
		rel = optarg;
	}
	if (!rel)
		return cli_usage("upgrade", "-r RELEASE is required");
	if (optind != argc - 1)
		return cli_usage("upgrade", "expected one JAIL");
	struct jc_jail *jail = NULL;
	int rc = open_jail(ctx, argv[optind], &jail);
	if (rc)
		return rc;
	struct jc_error err = { 0 };
	if (jc_jail_upgrade(ctx, jail, rel, &err) < 0)
		rc = cli_fail(&err);
	jc_jail_free(jail);
	return rc;
}
