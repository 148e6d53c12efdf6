/* create / destroy (jails) / rename / clone. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jail.h"
#include "pkg.h"
#include "runtime.h"
#include "update.h"
#include "util.h"

static int parse_create_opts(int argc, char **argv, struct jc_create_opts *o)
{
	static const struct option opts[] = {
		{ "release", required_argument, NULL, 'r' },
		{ "template", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "pkglist", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "proxy", required_argument, NULL, 'S' },
		{ "basejail", no_argument, NULL, 'b' },
		{ "clone_basejail", no_argument, NULL, 'B' },
		{ "empty", no_argument, NULL, 'e' },
		{ "short", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	long count = 1;
	o->count = 1;
	while ((c = getopt_long(argc, argv, "r:t:c:p:n:u:S:bBes", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->release = optarg; break;
		case 't': o->template = optarg; break;
		case 'c':
			if (jc_parse_long(optarg, &count) < 0 || count < 1 || count > 10000)
				return cli_usage("create", "count: '%s' is not a number from 1 to 10000", optarg);
			o->count = (int)count;
			break;
		case 'p': o->pkglist = optarg; break;
		case 'n': o->name = optarg; break;
		case 'u': o->uuid = optarg; break;
		case 'S': o->proxy = optarg; break;
		case 'b': o->basejail = true; break;
		case 'B': o->clone_basejail = true; break;
		case 'e': o->empty = true; break;
		case 's': o->short_uuid = true; break;
		default: return cli_usage("create", "unknown option");
		}
	}
	if (!o->release && !o->template && !o->empty)
		return cli_usage("create", "a release (-r), a template (-t) or -e is required");
	if ((o->release != NULL) + (o->template != NULL) + o->empty > 1)
		return cli_usage("create", "-r, -t and -e exclude each other");
	if (o->name && o->uuid)
		return cli_usage("create", "-n and -u exclude each other");
	o->props = argv + optind;
	return 0;
}

static bool wants_boot(struct jc_ctx *ctx, const char *name)
{
	struct jc_jail *jail = NULL;
	struct jc_error err = { 0 };
	bool boot = jc_jail_open_exact(ctx, name, false, &jail, &err) == 0 && jc_jail_get_bool(jail, "boot");
	jc_jail_free(jail);
	return boot;
}

/* create -p: install the packages in a new jail; any failure destroys it. */
static int provision(struct jc_ctx *ctx, const char *name, char **pkgs)
{
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	int r = jc_jail_open_exact(ctx, name, false, &jail, &err);
	if (r == 0)
		r = jc_pkg_provision(ctx, jail, pkgs, &err);
	if (r < 0 && jail) {
		struct jc_error ignore = { 0 };
		struct jc_run_state st = { 0 };
		if (jc_runtime_status(ctx, jail, &st, &ignore) == 0 && st.running)
			jc_runtime_stop(ctx, jail, true, &ignore);
		if (jc_jail_destroy(ctx, jail, &ignore) < 0)
			jc_warning(ctx, "%s: could not destroy the new jail: %s", name, ignore.msg);
	}
	jc_jail_free(jail);
	return r < 0 ? cli_fail(&err) : 0;
}

int cmd_create(struct jc_ctx *ctx, int argc, char **argv)
{
	struct jc_create_opts o = { 0 };
	int r = parse_create_opts(argc, argv, &o);
	if (r)
		return r;
	struct jc_error err = { 0 };
	cleanup_strv char **pkgs = NULL;
	if (o.pkglist && jc_pkglist_load(o.pkglist, &pkgs, &err) < 0)
		return cli_fail(&err);
	cleanup_strv char **names = NULL;
	if (jc_jail_create(ctx, &o, &names, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	for (size_t i = 0; names[i]; i++) {
		if (pkgs) {
			/* Started, provisioned and stopped again unless boot=1. */
			if (provision(ctx, names[i], pkgs) != 0)
				rc = EXIT_FAIL;
			else
				printf("%s successfully created!\n", names[i]);
			fflush(stdout);
			continue;
		}
		printf("%s successfully created!\n", names[i]);
		fflush(stdout);
		/* boot=1 at create starts the jail, as iocage does. */
		if (!wants_boot(ctx, names[i]))
			continue;
		struct jc_jail *jail = NULL;
		if (jc_jail_open_exact(ctx, names[i], false, &jail, &err) < 0 ||
		    jc_runtime_start(ctx, jail, &err) < 0)
			rc = cli_fail(&err);
		jc_jail_free(jail);
	}
	return rc;
}

/* Prompt on the terminal; anything but y/yes (and no input at all) means no. */
bool cli_confirm(const char *question)
{
	printf("%s\n\nAre you sure? [y/N]: ", question);
	fflush(stdout);
	char line[32];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	jc_strstrip(line);
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int destroy_one(struct jc_ctx *ctx, const char *name, bool force)
{
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	if (jc_jail_open(ctx, name, &jail, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	struct jc_run_state st = { 0 };
	cleanup_free char *question = xasprintf("This will destroy %s %s", jail->is_template ? "template" : "jail",
						jail->name);
	if (!force && !cli_confirm(question)) {
		printf("Not destroying %s\n", jail->name);
		goto out;
	}
	if (jc_runtime_status(ctx, jail, &st, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (st.running && jc_runtime_stop(ctx, jail, true, &err) < 0) {
		rc = cli_fail(&err);
		goto out;
	}
	if (jc_jail_destroy(ctx, jail, &err) < 0)
		rc = cli_fail(&err);
	else
		printf("Destroyed %s\n", jail->name);
out:
	jc_jail_free(jail);
	return rc;
}

int cli_destroy_jails(struct jc_ctx *ctx, char **names, size_t n, bool force, bool recursive)
{
	(void)recursive; /* jail clones do not depend on their source on either back end */
	struct jc_error err = { 0 };
	if (jc_ctx_load_defaults(ctx, &err) < 0 || jc_jail_clean_leftovers(ctx, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (destroy_one(ctx, names[i], force) != 0)
			rc = EXIT_FAIL;
	return rc;
}

static int require_stopped(struct jc_ctx *ctx, const struct jc_jail *jail, const char *what)
{
	struct jc_error err = { 0 };
	struct jc_run_state st = { 0 };
	if (jc_runtime_status(ctx, jail, &st, &err) < 0)
		return cli_fail(&err);
	if (st.running)
		return cli_failf("%s: %s is running: stop it first", what, jail->name);
	return 0;
}

int cmd_rename(struct jc_ctx *ctx, int argc, char **argv)
{
	if (argc != 3)
		return cli_usage("rename", "expected JAIL and NEW_NAME");
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	if (jc_jail_open(ctx, argv[1], &jail, &err) < 0)
		return cli_fail(&err);
	int rc = require_stopped(ctx, jail, "rename");
	if (rc == 0 && jc_jail_rename(ctx, jail, argv[2], &err) < 0)
		rc = cli_fail(&err);
	if (rc == 0)
		printf("%s renamed to %s\n", jail->name, argv[2]);
	jc_jail_free(jail);
	return rc;
}

int cmd_clone(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+n:", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage("clone", "unknown option");
		name = optarg;
	}
	if (optind >= argc)
		return cli_usage("clone", "expected SOURCE");
	const char *src_name = argv[optind++];
	/* iocage accepts -n after SOURCE too. */
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage("clone", "unknown option");
		name = optarg;
	}
	if (!name)
		return cli_usage("clone", "-n NEW_NAME is required");
	struct jc_error err = { 0 };
	struct jc_jail *src = NULL;
	if (jc_jail_open(ctx, src_name, &src, &err) < 0)
		return cli_fail(&err);
	int rc = require_stopped(ctx, src, "clone");
	if (rc == 0 && jc_jail_clone(ctx, src, name, argv + optind, &err) < 0)
		rc = cli_fail(&err);
	if (rc == 0)
		printf("%s successfully cloned!\n", name);
	jc_jail_free(src);
	return rc;
}
