/* Internal interface between the release modules (release.c and its sources:
 * release_busybox.c, release_debootstrap.c, release_simplestreams.c). Also used
 * by the unit tests. Not for other modules: they use release.h. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "download.h"
#include "release.h"

/* ---- release_busybox.c ---- */
#define JC_BUSYBOX_BIN "/bin/busybox"
/* Build the minimal busybox system into root (an empty directory) from the static
 * busybox binary at busybox. */
int jc_busybox_build(const char *busybox, const char *root, struct jc_error *err);

/* ---- release_debootstrap.c ---- */
/* Debian suite for a release name (debian-12 -> bookworm), NULL when not a debootstrap
 * release. */
const char *jc_debian_suite(const char *release);
/* Release names offered through debootstrap, in order (NULL-terminated, static). */
const char *const *jc_debian_releases(void);
/* First `deb` URI for a Debian suite in one-line (sources.list) or deb822 (.sources)
 * text: 1 and *mirror set when found, 0 when none. */
int jc_apt_parse_list(const char *text, char **mirror);
int jc_apt_parse_deb822(const char *text, char **mirror);
/* The host's Debian mirror from apt_dir/sources.list, then apt_dir/sources.list.d/
 * *.list and *.sources in name order. -ENOENT with a message when there is none. */
int jc_apt_mirror(const char *apt_dir, char **out, struct jc_error *err);
/* debootstrap --variant=minbase SUITE ROOT MIRROR with --cache-dir=CACHE (absolute),
 * its output logged to log. */
int jc_debootstrap_run(const struct jc_ctx *ctx, const struct jc_fetch_opts *opts,
		       const char *suite, const char *mirror, const char *root,
		       const char *cache, const char *log, struct jc_error *err);

/* ---- release_simplestreams.c ---- */
struct jc_ss_image {
	char *product;   /* e.g. alpine:3.20:amd64:default */
	char *version;   /* newest version key */
	char *path;      /* item path relative to the server root */
	char *sha256;
	uint64_t size;   /* 0 = unknown */
};
void jc_ss_image_clear(struct jc_ss_image *img);
/* Debian-style architecture name for a uname machine (x86_64 -> amd64), NULL if unknown. */
const char *jc_arch_from_machine(const char *machine);
int jc_host_arch(const char **out, struct jc_error *err);
/* products file path named by a simplestreams index (datatype image-downloads). */
int jc_ss_products_path(json_t *index, const char **out, struct jc_error *err);
/* Release names of the products for arch (sorted, unique; NULL-terminated). */
char **jc_ss_names(json_t *products, const char *arch);
/* The product for arch named name (<os>-<release>[-<variant>] or an alias), its newest
 * version holding a root.tar.xz item. */
int jc_ss_select(json_t *products, const char *name, const char *arch,
		 struct jc_ss_image *out, struct jc_error *err);
/* Network: fetch server's index and products file. */
int jc_ss_load(const char *server, json_t **products, struct jc_error *err);
/* "http://" is prepended to a server given without a scheme (as iocage does). */
char *jc_ss_server_url(const char *server);
