/* Shared by the CLI front end: the command table, reporting, and table output.
 * Errors are printed exactly once, here, as "jailctl: <what>: <why>". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "context.h"
#include "error.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli_command {
	const char *name;
	int (*run)(struct jc_ctx *ctx, int argc, char **argv);
	const char *usage;    /* arguments after the command name */
	const char *summary;  /* one line */
	const char *help;     /* options and details, may be NULL */
};

const struct cli_command *cli_find_command(const char *name);
void cli_print_command_help(const struct cli_command *cmd);

/* The static jailctl (dynlib.h): run jailctl-full with this process's command line in
 * its place. Returns (EXIT_FAIL, reported) only if that cannot be done. */
int cli_exec_full(void);

/* Report err once and return EXIT_FAIL. */
int cli_fail(const struct jc_error *err);
/* "jailctl: <message>" then EXIT_FAIL. */
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message plus the command's usage line, EXIT_USAGE. */
int cli_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True if argv holds -h/--help-style request for the command (handled generically). */
void cli_message(void *user, enum jc_msg_level level, const char *text);

/* Tables: iocage's texttable look, or tab-separated rows without a header (-h/-H). */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
void cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_sort(struct cli_table *t, size_t col, bool numeric);
void cli_table_print(const struct cli_table *t, bool scripting);
void cli_table_free(struct cli_table *t);

/* A JSON array of flat objects of strings, byte for byte as jc_json_dump prints the same
 * rows built with jansson (sorted keys, 4-space indent; a NULL value, or one that is not
 * UTF-8, has no key), without the tree: listings print thousands of rows. */
struct cli_json_rows;
struct cli_json_rows *cli_json_rows_new(size_t ncols, const char *const *keys);
void cli_json_rows_add(struct cli_json_rows *j, const char *const *values);
void cli_json_rows_print(const struct cli_json_rows *j);
void cli_json_rows_free(struct cli_json_rows *j);

/* Command entry points (one file per command group). */
int cmd_activate(struct jc_ctx *ctx, int argc, char **argv);
int cmd_deactivate(struct jc_ctx *ctx, int argc, char **argv);
int cmd_get(struct jc_ctx *ctx, int argc, char **argv);
int cmd_set(struct jc_ctx *ctx, int argc, char **argv);
int cmd_list(struct jc_ctx *ctx, int argc, char **argv);
int cmd_fetch(struct jc_ctx *ctx, int argc, char **argv);
int cmd_destroy(struct jc_ctx *ctx, int argc, char **argv);
int cmd_clean(struct jc_ctx *ctx, int argc, char **argv);
int cmd_create(struct jc_ctx *ctx, int argc, char **argv);
int cmd_rename(struct jc_ctx *ctx, int argc, char **argv);
int cmd_clone(struct jc_ctx *ctx, int argc, char **argv);
int cmd_fstab(struct jc_ctx *ctx, int argc, char **argv);
int cmd_start(struct jc_ctx *ctx, int argc, char **argv);
int cmd_stop(struct jc_ctx *ctx, int argc, char **argv);
int cmd_restart(struct jc_ctx *ctx, int argc, char **argv);
int cmd_exec(struct jc_ctx *ctx, int argc, char **argv);
int cmd_console(struct jc_ctx *ctx, int argc, char **argv);
/* Ask "Are you sure? [y/N]" on stdin; EOF means no. */
bool cli_confirm(const char *question);
/* Destroy jails given by name (cmd_jail.c); cmd_destroy hands non-release names here. */
int cli_destroy_jails(struct jc_ctx *ctx, char **names, size_t n, bool force, bool recursive);

/* Snapshots, usage, images (cmd_snapshot.c, cmd_image.c). */
int cmd_snapshot(struct jc_ctx *ctx, int argc, char **argv);
int cmd_snaplist(struct jc_ctx *ctx, int argc, char **argv);
int cmd_snapremove(struct jc_ctx *ctx, int argc, char **argv);
int cmd_rollback(struct jc_ctx *ctx, int argc, char **argv);
int cmd_df(struct jc_ctx *ctx, int argc, char **argv);
int cmd_export(struct jc_ctx *ctx, int argc, char **argv);
int cmd_import(struct jc_ctx *ctx, int argc, char **argv);
/* Parts of `clean` (cmd_image.c): -j (templates false) / -t (true) destroy every jail or
 * template, stopping running jails and removing their snapshots first; -i removes every
 * image. No prompt here: cmd_clean asks first unless -f. */
int cli_clean_jails(struct jc_ctx *ctx, bool templates);
int cli_clean_images(struct jc_ctx *ctx);

/* Package manager commands (cmd_pkg.c). */
int cmd_pkg(struct jc_ctx *ctx, int argc, char **argv);
int cmd_update(struct jc_ctx *ctx, int argc, char **argv);
int cmd_upgrade(struct jc_ctx *ctx, int argc, char **argv);

/* Release listings used by `list -r` and `list -R [-s URL]` (cmd_fetch.c). */
int cli_list_releases(struct jc_ctx *ctx, bool scripting, bool json);
int cli_list_remote(struct jc_ctx *ctx, const char *server, bool scripting, bool json);
