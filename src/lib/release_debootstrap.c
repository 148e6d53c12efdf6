/* Debian releases through debootstrap, from the mirror the host's apt already uses
 * (sources.list one-line entries or deb822 .sources files): jailctl names no mirror
 * of its own. debootstrap runs from an argv array, never through a shell. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "release_priv.h"
#include "util.h"

extern char **environ;

static const struct {
	const char *release;
	const char *suite;
} debian[] = {
	{ "debian-11", "bullseye" },
	{ "debian-12", "bookworm" },
	{ "debian-13", "trixie" },
};

const char *jc_debian_suite(const char *release)
{
	for (size_t i = 0; i < JC_ARRAY_SIZE(debian); i++)
		if (strcmp(debian[i].release, release) == 0)
			return debian[i].suite;
	return NULL;
}

const char *const *jc_debian_releases(void)
{
	static const char *const names[] = { "debian-11", "debian-12", "debian-13", NULL };
	return names;
}

/* Base suites of the Debian archive (not -updates, -security, -backports, nor other
 * vendors' suites that merely contain a Debian code name). */
static bool is_debian_suite(const char *s)
{
	static const char *const suites[] = {
		"buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid",
		"oldoldstable", "oldstable", "stable", "testing", "unstable",
	};
	size_t n = strcspn(s, "/");   /* "bookworm/" style flat suites */
	for (size_t i = 0; i < JC_ARRAY_SIZE(suites); i++)
		if (strlen(suites[i]) == n && strncmp(s, suites[i], n) == 0)
			return true;
	return false;
}

static bool usable_uri(const char *u)
{
	return jc_str_has_prefix(u, "http://") || jc_str_has_prefix(u, "https://") ||
	       jc_str_has_prefix(u, "ftp://") || jc_str_has_prefix(u, "file:/");
}

/* One line of sources.list: deb [options] URI SUITE [COMPONENT...] */
static bool parse_one_line(char *line, char **mirror)
{
	line[strcspn(line, "#")] = '\0';
	cleanup_strv char **tok = jc_strsplit(line, " \t\r");
	size_t i = 0;
	if (!tok[i] || strcmp(tok[i++], "deb") != 0)
		return false;
	if (tok[i] && tok[i][0] == '[') {
		while (tok[i] && !strchr(tok[i], ']'))
			i++;
		if (tok[i])
			i++;
	}
	if (!tok[i] || !tok[i + 1] || !usable_uri(tok[i]) || !is_debian_suite(tok[i + 1]))
		return false;
	*mirror = xstrdup(tok[i]);
	return true;
}

int jc_apt_parse_list(const char *text, char **mirror)
{
	cleanup_strv char **lines = jc_strsplit(text, "\n");
	for (size_t i = 0; lines[i]; i++)
		if (parse_one_line(lines[i], mirror))
			return 1;
	return 0;
}

struct stanza {
	char *types, *uris, *suites, *enabled;
};

static void stanza_clear(struct stanza *s)
{
	free(s->types);
	free(s->uris);
	free(s->suites);
	free(s->enabled);
	*s = (struct stanza){ 0 };
}

static bool strv_has(char **v, bool (*pred)(const char *))
{
	for (size_t i = 0; v[i]; i++)
		if (pred(v[i]))
			return true;
	return false;
}

static bool is_deb(const char *t)
{
	return strcmp(t, "deb") == 0;
}

static bool stanza_mirror(const struct stanza *s, char **mirror)
{
	if (!s->types || !s->uris || !s->suites)
		return false;
	if (s->enabled && (strcasecmp(s->enabled, "no") == 0 || strcasecmp(s->enabled, "false") == 0))
		return false;
	cleanup_strv char **types = jc_strsplit(s->types, " \t");
	cleanup_strv char **suites = jc_strsplit(s->suites, " \t");
	cleanup_strv char **uris = jc_strsplit(s->uris, " \t");
	if (!strv_has(types, is_deb) || !strv_has(suites, is_debian_suite))
		return false;
	for (size_t i = 0; uris[i]; i++) {
		if (usable_uri(uris[i])) {
			*mirror = xstrdup(uris[i]);
			return true;
		}
	}
	return false;
}

/* Field "Key: value" (continuation lines appended) into the stanza slot for Key. */
static char **stanza_slot(struct stanza *s, const char *key, size_t keylen)
{
	static const char *const names[] = { "Types", "URIs", "Suites", "Enabled" };
	char **slots[] = { &s->types, &s->uris, &s->suites, &s->enabled };
	for (size_t i = 0; i < JC_ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == keylen && strncasecmp(key, names[i], keylen) == 0)
			return slots[i];
	return NULL;
}

/* One line of a stanza: "Key: value", or a continuation of the previous field. */
static void stanza_line(struct stanza *s, char ***last, const char *line)
{
	if (line[0] == ' ' || line[0] == '\t') {
		if (*last && **last) {
			char *joined = xasprintf("%s %s", **last, line);
			free(**last);
			**last = jc_strstrip(joined);
		}
		return;
	}
	const char *colon = strchr(line, ':');
	*last = colon ? stanza_slot(s, line, (size_t)(colon - line)) : NULL;
	if (!*last)
		return;
	free(**last);
	**last = jc_strstrip(xstrdup(colon + 1));
}

int jc_apt_parse_deb822(const char *text, char **mirror)
{
	cleanup_free char *copy = xstrdup(text);
	struct stanza s = { 0 };
	char **last = NULL;
	int found = 0;
	for (char *line = copy, *next; line && !found; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#')
			continue;
		bool blank = true;
		for (const char *p = line; *p; p++)
			blank = blank && isspace((unsigned char)*p);
		if (blank) {
			found = stanza_mirror(&s, mirror);
			stanza_clear(&s);
			last = NULL;
			continue;
		}
		stanza_line(&s, &last, line);
	}
	if (!found)
		found = stanza_mirror(&s, mirror);
	stanza_clear(&s);
	return found;
}

static int mirror_from_file(const char *path, bool deb822, char **out)
{
	cleanup_free char *text = NULL;
	struct jc_error ignored;
	if (jc_read_file(path, &text, NULL, &ignored) < 0)
		return 0;
	return deb822 ? jc_apt_parse_deb822(text, out) : jc_apt_parse_list(text, out);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

int jc_apt_mirror(const char *apt_dir, char **out, struct jc_error *err)
{
	cleanup_free char *list = xasprintf("%s/sources.list", apt_dir);
	if (mirror_from_file(list, false, out))
		return 0;
	cleanup_free char *dir = xasprintf("%s/sources.list.d", apt_dir);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	int found = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!found && name[0] != '.' && (has_suffix(name, ".list") || has_suffix(name, ".sources"))) {
			cleanup_free char *path = xasprintf("%s/%s", dir, name);
			found = mirror_from_file(path, has_suffix(name, ".sources"), out);
		}
		free(names[i]);
	}
	free(names);
	if (found)
		return 0;
	return jc_error_set(err, ENOENT, "%s: no Debian mirror configured (no 'deb' entry for a "
			    "Debian suite in sources.list or sources.list.d)", apt_dir);
}

static const char *find_debootstrap(void)
{
	static const char *const paths[] = {
		"/usr/sbin/debootstrap", "/sbin/debootstrap", "/usr/local/sbin/debootstrap",
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* The caller's environment (proxy settings included) with a PATH that has the sbin
 * directories debootstrap needs, and no locale or debconf questions. */
static char **child_env(void)
{
	char **env = NULL;
	for (char **e = environ; e && *e; e++)
		if (!jc_str_has_prefix(*e, "PATH=") && !jc_str_has_prefix(*e, "LC_ALL=") &&
		    !jc_str_has_prefix(*e, "DEBIAN_FRONTEND="))
			jc_strv_push(&env, *e);
	jc_strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	jc_strv_push(&env, "LC_ALL=C");
	jc_strv_push(&env, "DEBIAN_FRONTEND=noninteractive");
	return env;
}

struct db_run {
	const struct jc_ctx *ctx;
	const struct jc_fetch_opts *opts;
	const char *suite;
	int log_fd;
	char *last_error;   /* last "E: " line, or last line */
};

static void handle_line(struct db_run *d, const char *line)
{
	if (d->log_fd >= 0) {
		cleanup_free char *text = xasprintf("%s\n", line);
		if (write(d->log_fd, text, strlen(text)) < 0) {
			/* the log is an aid only */
		}
	}
	jc_debug(d->ctx, "debootstrap: %s", line);
	if (jc_str_has_prefix(line, "E: ") || !d->last_error || !jc_str_has_prefix(d->last_error, "E: ")) {
		free(d->last_error);
		d->last_error = xstrdup(line);
	}
	/* Milestones only ("Unpacking required packages...", "Configuring the base
	 * system..."): per-package lines would flood a non-terminal output. */
	if (d->opts->progress && jc_str_has_prefix(line, "I: ") &&
	    (strstr(line, " packages...") || strstr(line, "base system"))) {
		cleanup_free char *what = xasprintf("debootstrap %s: %s", d->suite, line + 3);
		d->opts->progress(d->opts->progress_user, what, 0, 0);
	}
}

static void read_output(struct db_run *d, int fd)
{
	char buf[4096];
	size_t used = 0;
	for (;;) {
		ssize_t n = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		char *start = buf, *nl;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			handle_line(d, start);
			start = nl + 1;
		}
		used = strlen(start);
		memmove(buf, start, used);
		/* An over-long line is handled in pieces. */
		if (used == sizeof(buf) - 1) {
			buf[used] = '\0';
			handle_line(d, buf);
			used = 0;
		}
	}
	if (used) {
		buf[used] = '\0';
		handle_line(d, buf);
	}
}

static pid_t spawn(const char *bin, char **argv, char **env, int out_fd, struct jc_error *err)
{
	cleanup_close int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return jc_error_errno(err, errno, "%s: fork", bin);
	if (pid == 0) {
		/* A SIGKILLed jailctl must not leave debootstrap writing into a temporary
		 * that the next command removes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		execve(bin, argv, env);
		_exit(127);
	}
	return pid;
}

int jc_debootstrap_run(const struct jc_ctx *ctx, const struct jc_fetch_opts *opts,
		       const char *suite, const char *mirror, const char *root,
		       const char *cache, const char *log, struct jc_error *err)
{
	const char *bin = find_debootstrap();
	if (!bin)
		return jc_error_set(err, ENOENT, "debootstrap is not installed (apt-get install debootstrap)");
	cleanup_free char *cache_opt = xasprintf("--cache-dir=%s", cache);
	char *argv[] = { (char *)bin, (char *)"--variant=minbase", cache_opt, (char *)suite,
			 (char *)root, (char *)mirror, NULL };
	cleanup_strv char **env = child_env();
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return jc_error_errno(err, errno, "pipe");
	cleanup_close int rd = p[0];
	cleanup_close int wr = p[1];
	struct db_run d = { .ctx = ctx, .opts = opts, .suite = suite };
	d.log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	pid_t pid = spawn(bin, argv, env, wr, err);
	if (pid < 0) {
		if (d.log_fd >= 0)
			close(d.log_fd);
		return pid;
	}
	close(steal_fd(wr));
	read_output(&d, rd);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (d.log_fd >= 0)
		close(d.log_fd);
	cleanup_free char *last = d.last_error;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return jc_error_set(err, EIO, "debootstrap %s %s: failed (status %d): %s (log: %s)", suite,
			    mirror, code, last ? last : "no output", log);
}
