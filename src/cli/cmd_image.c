/* export / import, and the jail and image parts of `clean` (cmd_clean wires them). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "jail.h"
#include "runtime.h"
#include "snapshot.h"
#include "util.h"

int cmd_export(struct jc_ctx *ctx, int argc, char **argv)
{
	if (getopt(argc, argv, "") != -1)
		return cli_usage("export", "unknown option");
	if (argc - optind != 1)
		return cli_usage("export", "expected exactly one JAIL");
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	if (jc_ctx_load_defaults(ctx, &err) < 0 || jc_jail_clean_leftovers(ctx, &err) < 0 ||
	    jc_jail_open(ctx, argv[optind], &jail, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	cleanup_free char *path = NULL;
	if (jc_image_export(ctx, jail, &path, &err) < 0)
		rc = cli_fail(&err);
	else
		printf("Exported: %s\n", path);
	jc_jail_free(jail);
	return rc;
}

int cmd_import(struct jc_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		if (c != 'p')
			return cli_usage("import", "unknown option");
		path = optarg;
	}
	if (argc - optind != 1)
		return cli_usage("import", "expected exactly one NAME");
	struct jc_error err = { 0 };
	if (jc_image_import(ctx, argv[optind], path, &err) < 0)
		return cli_fail(&err);
	printf("Imported: %s\n", argv[optind]);
	return 0;
}

/* Stop (if running), drop snapshots, destroy. */
static int clean_one(struct jc_ctx *ctx, const char *name, bool templates)
{
	struct jc_error err = { 0 };
	struct jc_jail *jail = NULL;
	if (jc_jail_open_exact(ctx, name, templates, &jail, &err) < 0)
		return cli_fail(&err);
	struct jc_run_state st = { 0 };
	int r = templates ? 0 : jc_runtime_status(ctx, jail, &st, &err);
	if (r == 0 && st.running)
		r = jc_runtime_stop(ctx, jail, true, &err);
	if (r == 0)
		r = jc_snapshot_remove_all(ctx, jail, &err);
	if (r == 0)
		r = jc_jail_destroy(ctx, jail, &err);
	if (r == 0)
		printf("Destroyed %s\n", jail->name);
	jc_jail_free(jail);
	return r < 0 ? cli_fail(&err) : 0;
}

int cli_clean_jails(struct jc_ctx *ctx, bool templates)
{
	struct jc_error err = { 0 };
	cleanup_strv char **names = NULL;
	if (jc_ctx_load_defaults(ctx, &err) < 0 || jc_jail_clean_leftovers(ctx, &err) < 0 ||
	    jc_jail_names(ctx, templates, &names, &err) < 0)
		return cli_fail(&err);
	int rc = 0;
	for (size_t i = 0; names[i]; i++)
		if (clean_one(ctx, names[i], templates) != 0)
			rc = EXIT_FAIL;
	return rc;
}

int cli_clean_images(struct jc_ctx *ctx)
{
	struct jc_error err = { 0 };
	if (jc_image_clean_all(ctx, &err) < 0)
		return cli_fail(&err);
	return 0;
}
