/* The built-in release: a minimal system around the host's static busybox (Debian's
 * busybox-static), built without network in a few milliseconds. Applets are hard
 * links to /bin/busybox: unlike absolute symlinks they can never resolve into the
 * host when the tree is looked at from outside a jail, and they cost no space. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "release_priv.h"
#include "util.h"

static const struct {
	const char *path;
	mode_t mode;
} dirs[] = {
	{ "bin", 0755 }, { "sbin", 0755 }, { "usr", 0755 }, { "usr/bin", 0755 },
	{ "usr/sbin", 0755 }, { "usr/share", 0755 }, { "usr/share/udhcpc", 0755 },
	{ "etc", 0755 }, { "etc/rc.d", 0755 }, { "etc/init.d", 0755 }, { "dev", 0755 },
	{ "proc", 0555 }, { "sys", 0555 }, { "tmp", 01777 }, { "root", 0700 }, { "home", 0755 },
	{ "var", 0755 }, { "var/log", 0755 }, { "var/run", 0755 }, { "var/tmp", 01777 },
	{ "var/lib", 0755 }, { "var/spool", 0755 }, { "run", 0755 }, { "srv", 0755 },
	{ "srv/www", 0755 }, { "opt", 0755 }, { "mnt", 0755 }, { "media", 0755 },
};

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	"bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
	"sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
	"www-data:x:33:33:www-data:/srv/www:/usr/sbin/nologin\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

static const char group[] =
	"root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\n"
	"wheel:x:10:root\nwww-data:x:33:\nshadow:x:42:\nutmp:x:43:\nusers:x:100:\n"
	"nogroup:x:65534:\n";

/* Every account locked: jailctl's console and exec enter as root without a password. */
static const char shadow[] =
	"root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"
	"sys:*:19000:0:99999:7:::\nwww-data:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";

static const char hosts[] =
	"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

static const char profile[] =
	"export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	"export PS1='\\u@\\h:\\w\\$ '\n"
	"umask 022\n";

static const char rc_subr[] =
	"# Shared by /etc/rc and /etc/rc.shutdown: the enabled services, in start order.\n"
	"# A service NAME is enabled by NAME_enable=\"YES\" in /etc/rc.conf and is run as\n"
	"# /etc/rc.d/NAME (or /etc/init.d/NAME when there is no rc.d script).\n"
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	"export PATH\n"
	"[ -r /etc/rc.conf ] && . /etc/rc.conf\n"
	"\n"
	"# Sets RC_SERVICES; no subshell and, for plain names, no tr: each fork and exec\n"
	"# is time every start and stop of the jail waits for.\n"
	"rc_enabled_services() {\n"
	"\tRC_SERVICES=\"\"\n"
	"\tseen=\"\"\n"
	"\tfor script in /etc/rc.d/* /etc/init.d/*; do\n"
	"\t\t[ -f \"$script\" ] && [ -x \"$script\" ] || continue\n"
	"\t\tname=${script##*/}\n"
	"\t\tcase \" $seen \" in *\" $name \"*) continue ;; esac\n"
	"\t\tcase \"$name\" in\n"
	"\t\t*[!A-Za-z0-9_]*) var=$(printf '%s' \"$name\" | tr -c 'A-Za-z0-9_' '_') ;;\n"
	"\t\t*) var=$name ;;\n"
	"\t\tesac\n"
	"\t\teval \"val=\\${${var}_enable:-NO}\"\n"
	"\t\tcase \"$val\" in\n"
	"\t\t[Yy][Ee][Ss]|[Tt][Rr][Uu][Ee]|[Oo][Nn]|1) ;;\n"
	"\t\t*) continue ;;\n"
	"\t\tesac\n"
	"\t\tseen=\"$seen $name\"\n"
	"\t\tRC_SERVICES=\"$RC_SERVICES $script\"\n"
	"\tdone\n"
	"}\n";

static const char rc[] =
	"#!/bin/sh\n"
	"# Starts the services enabled in /etc/rc.conf, then /etc/rc.local if present.\n"
	". /etc/rc.subr\n"
	"status=0\n"
	"rc_enabled_services\n"
	"for script in $RC_SERVICES; do\n"
	"\t\"$script\" start || status=1\n"
	"done\n"
	"[ -x /etc/rc.local ] && /etc/rc.local\n"
	"exit $status\n";

static const char rc_shutdown[] =
	"#!/bin/sh\n"
	"# Stops the services enabled in /etc/rc.conf, in reverse start order.\n"
	". /etc/rc.subr\n"
	"order=\"\"\n"
	"rc_enabled_services\n"
	"for script in $RC_SERVICES; do\n"
	"\torder=\"$script $order\"\n"
	"done\n"
	"for script in $order; do\n"
	"\t\"$script\" stop\n"
	"done\n"
	"exit 0\n";

static const char rc_conf[] =
	"# Services started by /etc/rc: NAME_enable=\"YES\" runs /etc/rc.d/NAME start.\n"
	"# httpd_enable=\"YES\"\n"
	"# httpd_port=\"80\"\n"
	"# httpd_home=\"/srv/www\"\n";

static const char rc_httpd[] =
	"#!/bin/sh\n"
	"# busybox httpd. rc.conf: httpd_enable=\"YES\", httpd_port (80), httpd_home\n"
	"# (/srv/www), httpd_flags.\n"
	"[ -r /etc/rc.conf ] && . /etc/rc.conf\n"
	"pidfile=/var/run/httpd.pid\n"
	"case \"$1\" in\n"
	"start)\n"
	"\techo \"Starting httpd.\"\n"
	"\tstart-stop-daemon -S -q -b -m -p \"$pidfile\" -x /usr/sbin/httpd -- -f \\\n"
	"\t\t-p \"${httpd_port:-80}\" -h \"${httpd_home:-/srv/www}\" $httpd_flags\n"
	"\t;;\n"
	"stop)\n"
	"\techo \"Stopping httpd.\"\n"
	"\tstart-stop-daemon -K -q -o -p \"$pidfile\"\n"
	"\trm -f \"$pidfile\"\n"
	"\t;;\n"
	"restart)\n"
	"\t\"$0\" stop\n"
	"\t\"$0\" start\n"
	"\t;;\n"
	"status)\n"
	"\tif start-stop-daemon -K -t -q -p \"$pidfile\"; then\n"
	"\t\techo \"httpd is running.\"\n"
	"\telse\n"
	"\t\techo \"httpd is not running.\"\n"
	"\t\texit 1\n"
	"\tfi\n"
	"\t;;\n"
	"*)\n"
	"\techo \"usage: $0 start|stop|restart|status\" >&2\n"
	"\texit 2\n"
	"\t;;\n"
	"esac\n";

static const char udhcpc_script[] =
	"#!/bin/sh\n"
	"# udhcpc event handler: address, default route and resolv.conf from the lease.\n"
	"case \"$1\" in\n"
	"deconfig)\n"
	"\tifconfig \"$interface\" 0.0.0.0 up\n"
	"\t;;\n"
	"bound|renew)\n"
	"\tifconfig \"$interface\" \"$ip\" netmask \"${subnet:-255.255.255.0}\" up\n"
	"\tif [ -n \"$router\" ]; then\n"
	"\t\twhile route del default gw 0.0.0.0 dev \"$interface\" 2>/dev/null; do :; done\n"
	"\t\tfor r in $router; do route add default gw \"$r\" dev \"$interface\"; done\n"
	"\tfi\n"
	"\t{\n"
	"\t\t[ -n \"$domain\" ] && echo \"search $domain\"\n"
	"\t\tfor d in $dns; do echo \"nameserver $d\"; done\n"
	"\t} > /etc/resolv.conf\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>It works</title></head>\n"
	"<body><p>busybox httpd in a jailctl jail.</p></body></html>\n";

static int write_at(int root_fd, const char *path, const char *data, size_t len, mode_t mode,
		    struct jc_error *err)
{
	cleanup_close int fd = openat(root_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC, mode);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s", path);
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jc_error_errno(err, errno, "%s: write", path);
		data += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0)
		return jc_error_errno(err, errno, "%s: chmod", path);
	return 0;
}

static int write_text(int root_fd, const char *path, const char *text, mode_t mode,
		      struct jc_error *err)
{
	return write_at(root_fd, path, text, strlen(text), mode, err);
}

/* A dynamically linked busybox would not run inside the release. */
static int check_static(const char *busybox, struct jc_error *err)
{
	cleanup_close int fd = open(busybox, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jc_error_errno(err, errno, "%s (install busybox-static)", busybox);
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return 0; /* not a 64-bit ELF we can inspect: let running it decide */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t off = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;
		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP)
			return jc_error_set(err, ENOEXEC, "%s: dynamically linked; the busybox release needs "
					    "a static busybox (install busybox-static)", busybox);
	}
	return 0;
}

/* Run argv (no shell) and collect its standard output. */
static int run_capture(char *const argv[], char **out, struct jc_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return jc_error_errno(err, errno, "pipe");
	cleanup_close int rd = p[0];
	cleanup_close int wr = p[1];
	cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0)
		return jc_error_errno(err, errno, "%s: fork", argv[0]);
	if (pid == 0) {
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(wr, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(steal_fd(wr));
	size_t cap = 16384, used = 0;
	cleanup_free char *buf = xmalloc(cap);
	for (;;) {
		if (used + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = read(rd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return jc_error_errno(err, errno, "%s: wait", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return jc_error_set(err, EIO, "%s %s: failed (status %d)", argv[0], argv[1],
				    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	*out = steal_ptr(buf);
	return 0;
}

static int copy_binary(const char *src, int root_fd, const char *dst, struct jc_error *err)
{
	cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return jc_error_errno(err, errno, "%s", src);
	cleanup_close int out = openat(root_fd, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC, 0755);
	if (out < 0)
		return jc_error_errno(err, errno, "%s", dst);
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jc_error_errno(err, errno, "%s: read", src);
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return jc_error_errno(err, errno, "%s: write", dst);
			off += w;
		}
	}
	if (fchmod(out, 0755) < 0)
		return jc_error_errno(err, errno, "%s: chmod", dst);
	return 0;
}

static int make_dirs(int root_fd, struct jc_error *err)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(dirs); i++) {
		if (mkdirat(root_fd, dirs[i].path, dirs[i].mode) < 0 && errno != EEXIST)
			return jc_error_errno(err, errno, "%s", dirs[i].path);
		/* mkdir honours the umask; the sticky bit and exact modes matter here. */
		if (fchmodat(root_fd, dirs[i].path, dirs[i].mode, 0) < 0)
			return jc_error_errno(err, errno, "%s: chmod", dirs[i].path);
	}
	return 0;
}

/* An applet path from --list-full: relative, a known directory, no tricks. */
static bool applet_path_ok(const char *p)
{
	static const char *const prefixes[] = { "bin/", "sbin/", "usr/bin/", "usr/sbin/" };
	for (size_t i = 0; i < JC_ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(p, prefixes[i], n) == 0)
			return p[n] && !strchr(p + n, '/') && strcmp(p + n, "..") != 0 &&
			       strcmp(p + n, ".") != 0 && strcmp(p, "bin/busybox") != 0;
	}
	return false;
}

static int link_applets(const char *busybox, int root_fd, struct jc_error *err)
{
	char *argv[] = { (char *)busybox, (char *)"--list-full", NULL };
	cleanup_free char *list = NULL;
	int r = run_capture(argv, &list, err);
	if (r < 0)
		return r;
	cleanup_strv char **lines = jc_strsplit(list, "\n");
	size_t linked = 0;
	for (size_t i = 0; lines[i]; i++) {
		if (!applet_path_ok(lines[i]))
			continue;
		if (linkat(root_fd, "bin/busybox", root_fd, lines[i], 0) < 0 && errno != EEXIST)
			return jc_error_errno(err, errno, "%s", lines[i]);
		linked++;
	}
	if (linked == 0 || faccessat(root_fd, "bin/sh", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return jc_error_set(err, ENOEXEC, "%s --list-full: no /bin/sh applet", busybox);
	return 0;
}

/* "BusyBox v1.35.0 (Debian ...) multi-call binary." -> "1.35.0" */
static char *busybox_version(const char *busybox)
{
	char *argv[] = { (char *)busybox, (char *)"--help", NULL };
	cleanup_free char *help = NULL;
	struct jc_error ignored;
	if (run_capture(argv, &help, &ignored) < 0)
		return xstrdup("unknown");
	const char *v = strstr(help, "BusyBox v");
	if (!v)
		return xstrdup("unknown");
	v += strlen("BusyBox v");
	return xstrndup(v, strcspn(v, " \n"));
}

static int write_os_release(const char *busybox, int root_fd, struct jc_error *err)
{
	cleanup_free char *version = busybox_version(busybox);
	cleanup_free char *text = xasprintf(
		"NAME=\"BusyBox\"\nID=busybox\nVERSION_ID=\"%s\"\n"
		"PRETTY_NAME=\"BusyBox %s (jailctl built-in release)\"\n", version, version);
	return write_text(root_fd, "etc/os-release", text, 0644, err);
}

static int write_etc(int root_fd, struct jc_error *err)
{
	static const struct {
		const char *path;
		const char *text;
		mode_t mode;
	} files[] = {
		{ "etc/passwd", passwd, 0644 }, { "etc/group", group, 0644 },
		{ "etc/shadow", shadow, 0600 }, { "etc/hosts", hosts, 0644 },
		{ "etc/hostname", "busybox\n", 0644 }, { "etc/shells", "/bin/sh\n/bin/ash\n", 0644 },
		{ "etc/profile", profile, 0644 }, { "etc/rc.subr", rc_subr, 0644 },
		{ "etc/rc", rc, 0755 }, { "etc/rc.shutdown", rc_shutdown, 0755 },
		{ "etc/rc.conf", rc_conf, 0644 }, { "etc/rc.d/httpd", rc_httpd, 0755 },
		{ "usr/share/udhcpc/default.script", udhcpc_script, 0755 },
		{ "srv/www/index.html", index_html, 0644 },
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(files); i++) {
		int r = write_text(root_fd, files[i].path, files[i].text, files[i].mode, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int jc_busybox_build(const char *busybox, const char *root, struct jc_error *err)
{
	int r = check_static(busybox, err);
	if (r < 0)
		return r;
	cleanup_close int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return jc_error_errno(err, errno, "%s", root);
	if (fchmod(root_fd, 0755) < 0)
		return jc_error_errno(err, errno, "%s: chmod", root);
	r = make_dirs(root_fd, err);
	if (r == 0)
		r = copy_binary(busybox, root_fd, "bin/busybox", err);
	if (r == 0)
		r = link_applets(busybox, root_fd, err);
	if (r == 0)
		r = write_etc(root_fd, err);
	if (r == 0)
		r = write_os_release(busybox, root_fd, err);
	if (r < 0)
		return jc_error_wrap(err, "%s", root);
	return 0;
}
