/* jailctl: FreeBSD/iocage-style jails for Linux. Thin front end over the library:
 * parse the command line, call the library, print results and report errors once. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dynlib.h"
#include "fileio.h"
#include "net.h"
#include "util.h"

static int cmd_help(struct jc_ctx *ctx, int argc, char **argv);

static const struct cli_command commands[] = {
	{ "activate", cmd_activate, "PATH",
	  "Make a mounted filesystem (or directory) the active pool",
	  "Creates the iocage tree (defaults.json, download, images, jails, log, releases,\n"
	  "templates) and marks PATH active on the pool itself (xattr user.jailctl.active, or\n"
	  "the file .jailctl-active where xattrs are missing). Any other active pool is\n"
	  "deactivated. On btrfs jails are subvolumes; elsewhere the dir back end is used.\n"
	  "Refuses paths shared over NFS or SMB; warns below 10 GiB free." },
	{ "deactivate", cmd_deactivate, "PATH", "Remove the active mark from a pool", NULL },
	{ "get", cmd_get, "[-a|-p|-r] [--json] [-h|-H] PROPERTY|-a JAIL|default",
	  "Show properties of a jail or of the defaults",
	  "  -a, --all        every property, as key:value lines\n"
	  "  -p, --pool       print the active pool\n"
	  "  -r, --recursive  PROPERTY for every jail (table NAME, PROP - <property>)\n"
	  "  -h, -H           scripting mode: tab-separated, no header\n"
	  "      --json       JSON output\n"
	  "JAIL may be 'default' (defaults.json)." },
	{ "set", cmd_set, "PROPERTY=VALUE... JAIL|default",
	  "Change properties of a jail or of the defaults",
	  "Every value is validated before anything is written; see docs/properties.md.\n"
	  "Booleans accept 0 1 on off yes no true false and are stored as 1/0." },
	{ "list", cmd_list, "[-l] [-r] [-t] [-B] [-P] [-q] [-R] [-s KEY] [-h|-H] [--json]",
	  "List jails, releases or templates",
	  "  -l, --long       long listing (BOOT TYPE IP6 TEMPLATE BASEJAIL)\n"
	  "  -r, --release    fetched releases (Bases fetched)\n"
	  "  -t, --template   templates\n"
	  "  -B, --basejails  only basejails\n"
	  "  -q, --quick      NAME and IP4 only\n"
	  "  -s, --sort KEY   sort by column (default name)\n"
	  "  -h, -H           scripting mode: tab-separated, no header\n"
	  "      --json       JSON output" },
	{ "fetch", cmd_fetch, "[-r RELEASE] [-s SERVER] [-f FILE [--sha256 HEX]] [--noverify]",
	  "Fetch a release (a Linux root filesystem) into the pool",
	  "  -r, --release REL   busybox (built-in, offline), debian-11/12/13 (debootstrap from\n"
	  "                      the host's apt mirror), or an image name on SERVER\n"
	  "  -s, --server URL    a simplestreams image server\n"
	  "  -f, --file PATH|URL a tarball (tar, tar.gz, tar.xz, tar.zst)\n"
	  "      --sha256 HEX    expected checksum of FILE\n"
	  "      --noverify      do not verify checksums (warns)\n"
	  "Without -r: list the releases available from the source." },
	{ "destroy", cmd_destroy, "[-f] [-r] [-R] [-d] NAME...",
	  "Destroy jails or releases",
	  "  -f, --force      do not ask for confirmation\n"
	  "  -r, --release    NAMEs are releases\n"
	  "  -R, --recursive  also destroy jails that depend on them\n"
	  "  -d, --download   with -r, also remove the release's download/ directory" },
	{ "clean", cmd_clean, "-a|-j|-r|-t|-i [-f]",
	  "Destroy every dataset of a kind",
	  "  -r, --base       releases and downloads\n"
	  "  -f, --force      do not ask for confirmation" },
	{ "create", cmd_create,
	  "-r RELEASE|-t TEMPLATE|-e [-n NAME] [-b|-B] [-c COUNT] [-s] [-u UUID] [-S PROXY] [-p PKGLIST] [PROP=VAL...]",
	  "Create jails",
	  "  -r, --release REL    release to clone (fetched when missing)\n"
	  "  -t, --template T     clone template T\n"
	  "  -e, --empty          an empty jail (no release)\n"
	  "  -n, --name NAME      name (default: a UUID)\n"
	  "  -b, --basejail       release system directories mounted read-only at start\n"
	  "  -B, --clone_basejail same as -b on Linux (both are O(1) clones)\n"
	  "  -c, --count N        create NAME_1 .. NAME_N\n"
	  "  -s, --short          8-character UUID name\n"
	  "  -u, --uuid UUID      use this UUID4 as name\n"
	  "  -S, --proxy URL      http(s)_proxy for the jail\n"
	  "  -p, --pkglist FILE   JSON {\"pkgs\": [...]}: start the jail, install them with\n"
	  "                       its package manager, stop it again (unless boot=1); on\n"
	  "                       failure the new jail is destroyed\n"
	  "Names: letters, digits, '.', '_', '-'; at most 63 characters." },
	{ "rename", cmd_rename, "JAIL NEW_NAME", "Rename a stopped jail", NULL },
	{ "clone", cmd_clone, "SOURCE -n NEW_NAME [PROP=VAL...]",
	  "Clone a stopped jail (the clone gets new MAC addresses)", NULL },
	{ "fstab", cmd_fstab, "-a|-r|-R INDEX|-l|-e JAIL [ENTRY...]",
	  "Manage a jail's mount points",
	  "  -a, --add       add ENTRY: 'SRC DST nullfs ro 0 0' or a single path (SRC SRC nullfs ro)\n"
	  "  -r, --remove    remove ENTRY (or its INDEX)\n"
	  "  -R, --replace N replace entry N with ENTRY\n"
	  "  -l, --list      list entries (INDEX FSTAB ENTRY); -h/-H, --json\n"
	  "  -e, --edit      edit with $EDITOR\n"
	  "DST is the path inside the jail. A running jail mounts/unmounts at once." },
	{ "start", cmd_start, "[--rc] NAME...|ALL",
	  "Start jails",
	  "      --rc  every jail with boot=on, by ascending priority; a jail's depends are\n"
	  "            started first; jails of equal priority start in parallel\n"
	  "ALL starts every jail in the same order. One failure does not stop the others;\n"
	  "the exit status is 1 if any jail failed." },
	{ "stop", cmd_stop, "[--rc] [-f] NAME...|ALL",
	  "Stop jails",
	  "  -f, --force  skip exec_prestop, exec_stop and exec_poststop\n"
	  "      --rc     every running jail with boot=on, by descending priority\n"
	  "Processes get SIGTERM, then SIGKILL after stop_timeout seconds." },
	{ "restart", cmd_restart, "[-s] NAME...|ALL",
	  "Stop and start jails",
	  "  -s, --soft  keep the jail: run exec_stop, end every process but its init,\n"
	  "              run exec_start" },
	{ "exec", cmd_exec, "[-U USER] [-f] NAME COMMAND [ARG...]",
	  "Run a command inside a running jail",
	  "  -U USER  run as USER of the jail (default root)\n"
	  "  -f       start the jail first if it is not running\n"
	  "Options end at NAME: COMMAND keeps its own. The exit status is COMMAND's." },
	{ "console", cmd_console, "[-f] NAME",
	  "Open a login shell in a running jail",
	  "  -f  start the jail first if it is not running" },
	{ "snapshot", cmd_snapshot, "[-n SNAPSHOT] JAIL",
	  "Take a snapshot of a jail",
	  "  -n, --name SNAPSHOT  name (default: UTC date and time, %F_%T); letters, digits,\n"
	  "                       '.', '_', ':' and '-', at most 64, not starting with '.'\n"
	  "btrfs: a read-only subvolume snapshot; dir back end: a (reflinked) copy.\n"
	  "config.json and fstab are kept with it. Running jails can be snapshotted." },
	{ "snaplist", cmd_snaplist, "[-h|-H] [-l] [-s KEY] [--json] JAIL",
	  "List the snapshots of a jail (NAME CREATED RSIZE USED)",
	  "  -h, -H           scripting mode: tab-separated, no header\n"
	  "  -l, --long       full snapshot names (<iocroot>/jails/JAIL@SNAPSHOT)\n"
	  "  -s, --sort KEY   name, created (default), rsize or used\n"
	  "      --json       JSON output (sizes in bytes)" },
	{ "snapremove", cmd_snapremove, "-n SNAPSHOT JAIL", "Remove a snapshot of a jail", NULL },
	{ "rollback", cmd_rollback, "-n SNAPSHOT [-f] JAIL",
	  "Roll a stopped jail back to a snapshot",
	  "  -n, --name SNAPSHOT  the snapshot\n"
	  "  -f, --force          do not ask for confirmation\n"
	  "Restores the root, config.json (the current one goes to config_backup.json) and\n"
	  "fstab. Snapshots taken after SNAPSHOT are destroyed, as iocage does." },
	{ "df", cmd_df, "[-h|-H] [-l] [-s KEY] [--json]",
	  "Show disk usage of jails (NAME CRT RES QTA USE AVA)",
	  "  -h, -H           scripting mode: tab-separated, no header\n"
	  "  -l, --long       accepted for iocage compatibility (names are never shortened)\n"
	  "  -s, --sort KEY   name (default), crt, res, qta, use or ava\n"
	  "      --json       JSON output (use and ava in bytes)\n"
	  "quota= is enforced on btrfs pools (qgroups); the dir back end refuses it." },
	{ "export", cmd_export, "JAIL",
	  "Export a stopped jail to images/JAIL_YYYY-MM-DD.tar.zst (+ .sha256)",
	  "A pax tar compressed with zstd: config.json, fstab and the root, with owners,\n"
	  "modes, xattrs, ACLs, hard links, device nodes and sparse files." },
	{ "import", cmd_import, "NAME [-p PATH]",
	  "Import a jail from images/NAME_YYYY-MM-DD.tar.zst",
	  "  -p, --path PATH  the image file, or a directory to look in\n"
	  "The checksum (.sha256 beside the image) is verified and every member checked\n"
	  "before the jail appears. An exported template is imported as a jail." },
	{ "pkg", cmd_pkg, "JAIL ARGS...",
	  "Run the release's package manager in a running jail",
	  "apt-get (Debian) or apk (Alpine), found in the jail root, run as root with a clean\n"
	  "environment plus the jail's http_proxy/https_proxy. The jail needs a network\n"
	  "(ip4=inherit, an address, vnet, dhcp or nat). The exit status is the manager's.\n"
	  "The busybox release has no package manager." },
	{ "update", cmd_update, "[-P] JAIL",
	  "Upgrade the packages of a jail, rolling back on failure",
	  "Takes the snapshot ioc_update_<UTC date>, starts the jail if needed, runs\n"
	  "apt-get update && apt-get -y upgrade (or apk upgrade), and on failure stops the\n"
	  "jail and rolls it back to the snapshot. The jail ends as it was (running or not).\n"
	  "  -P, --pkgs  accepted for iocage compatibility (packages are always updated)\n"
	  "Basejails and busybox jails are refused." },
	{ "upgrade", cmd_upgrade, "-r RELEASE JAIL",
	  "Move a jail to another release",
	  "  -r, --release REL  the new release\n"
	  "Basejail: its read-only system mounts move to releases/REL (fetch REL first).\n"
	  "Debian clone jail (debian-N to debian-M, M > N): the apt suite is changed and\n"
	  "apt-get -y full-upgrade runs. Snapshot ioc_upgrade_<UTC date>, rolled back on\n"
	  "failure. Anything else is refused." },
	{ "help", cmd_help, "[COMMAND]", "Show help for jailctl or one command", NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void cli_print_command_help(const struct cli_command *cmd)
{
	printf("usage: jailctl %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->help)
		printf("\n%s\n", cmd->help);
}

static void print_main_help(void)
{
	printf("usage: jailctl [-D|--debug] [--version] COMMAND [ARGS...]\n\n"
	       "FreeBSD-style jails for Linux, managed the iocage way.\n\nCommands:\n");
	for (size_t i = 0; i < JC_ARRAY_SIZE(commands); i++)
		printf("  %-12s %s\n", commands[i].name, commands[i].summary);
	printf("\nRun 'jailctl help COMMAND' or 'jailctl COMMAND --help' for details.\n");
}

static int cmd_help(struct jc_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc < 2) {
		print_main_help();
		return 0;
	}
	const struct cli_command *cmd = cli_find_command(argv[1]);
	if (!cmd)
		return cli_usage("help", "unknown command '%s'", argv[1]);
	cli_print_command_help(cmd);
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

/* What the static jailctl runs itself: the commands of a jail's life, which are run most
 * often and need no optional library unless the jail has networking (cmd_run.c hands
 * those jails over). Everything else goes to jailctl-full at once. */
static bool runs_static(const char *command)
{
	static const char *const fast[] = { "start", "stop", "restart", "exec", "console", "help" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(fast); i++)
		if (strcmp(command, fast[i]) == 0)
			return true;
	return false;
}

int cli_exec_full(void)
{
	struct jc_error err = { 0 };
	cleanup_free char *cmdline = NULL;
	size_t len = 0;
	/* The command line exactly as given, options before the command included. */
	if (jc_read_file("/proc/self/cmdline", &cmdline, &len, &err) < 0)
		return cli_fail(&err);
	cleanup_free char **argv = xcalloc(len + 1, sizeof(char *));
	size_t n = 0;
	for (size_t at = 0; at < len; at += strlen(cmdline + at) + 1)
		argv[n++] = cmdline + at;
	cleanup_close int fd = jc_open_helper("jailctl-full", &err);
	if (fd < 0)
		return cli_fail(&err);
	fflush(NULL);
	fexecve(fd, argv, environ);
	jc_error_errno(&err, errno, "cannot run jailctl-full");
	return cli_fail(&err);
}

/* jailctl is the event script of the DHCP clients it starts (net_dhcp.c): udhcpc runs
 * it as "jailctl EVENT" with JC_NET_DHCP_HOOK_ENV set, in the jail's network namespace. */
static int dhcp_event(const char *event)
{
	struct jc_error err = { 0 };
	if (jc_net_dhcp_event(event, &err) < 0)
		return cli_fail(&err);
	return 0;
}

int main(int argc, char **argv)
{
	if (getenv(JC_NET_DHCP_HOOK_ENV) && argc == 2)
		return jc_dl_available() ? dhcp_event(argv[1]) : cli_exec_full();
	static const struct option opts[] = {
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool debug = false;
	int c;
	/* '+' stops at the command name: the rest belongs to the command. */
	while ((c = getopt_long(argc, argv, "+Dhv", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			debug = true;
			break;
		case 'h':
			print_main_help();
			return 0;
		case 'V':
		case 'v':
			printf("jailctl %s\n", JAILCTL_VERSION);
			return 0;
		default:
			fprintf(stderr, "usage: jailctl [-D|--debug] [--version] COMMAND [ARGS...]\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_main_help();
		return EXIT_USAGE;
	}
	const struct cli_command *cmd = cli_find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "jailctl: unknown command '%s' (see 'jailctl help')\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!jc_dl_available() && !runs_static(cmd->name))
		return cli_exec_full();
	int cargc = argc - optind;
	char **cargv = argv + optind;
	if (wants_help(cargc, cargv)) {
		cli_print_command_help(cmd);
		return 0;
	}
	struct jc_ctx ctx;
	jc_ctx_init(&ctx, cli_message, NULL);
	ctx.debug = debug;
	optind = 0; /* reset getopt for the command's own parsing */
	int r = cmd->run(&ctx, cargc, cargv);
	jc_ctx_release(&ctx);
	return r;
}
