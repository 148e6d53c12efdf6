/* activate / deactivate: choose the pool jailctl works on. */
#include <stdio.h>

#include "cli.h"
#include "pool.h"
#include "storage.h"

int cmd_activate(struct jc_ctx *ctx, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage("activate", "expected exactly one PATH");
	struct jc_error err = { 0 };
	if (jc_pool_activate(ctx, argv[1], &err) < 0)
		return cli_fail(&err);
	/* The tree is complete with its defaults.json (created with a notice). */
	if (jc_ctx_load_defaults(ctx, &err) < 0)
		return cli_fail(&err);
	const struct jc_storage_ops *storage = NULL;
	const char *backend = jc_storage_for_path(argv[1], &storage, &err) == 0 ? storage->name : "?";
	printf("%s successfully activated (%s back end)\n", argv[1], backend);
	return 0;
}

int cmd_deactivate(struct jc_ctx *ctx, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage("deactivate", "expected exactly one PATH");
	struct jc_error err = { 0 };
	if (jc_pool_deactivate(ctx, argv[1], &err) < 0)
		return cli_fail(&err);
	printf("%s successfully deactivated\n", argv[1]);
	return 0;
}
