/* simplestreams image servers (the protocol of the public LXC/Incus image server):
 * streams/v1/index.json names the products file (images.json); each product
 * (e.g. alpine:3.20:amd64:default) has versions keyed by build date, each with items
 * of which the one with ftype root.tar.xz is a root filesystem tarball with a sha256.
 * A product is fetched as <os>-<release> (lowercase; -<variant> appended for
 * variants other than "default") or as any of its aliases with '/' read as '-'. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "release_priv.h"
#include "util.h"

enum { INDEX_MAX = 16 << 20, PRODUCTS_MAX = 256 << 20 };

void jc_ss_image_clear(struct jc_ss_image *img)
{
	free(img->product);
	free(img->version);
	free(img->path);
	free(img->sha256);
	*img = (struct jc_ss_image){ 0 };
}

const char *jc_arch_from_machine(const char *machine)
{
	static const struct {
		const char *machine, *arch;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "arm64", "arm64" },
		{ "armv8l", "armhf" }, { "armv7l", "armhf" }, { "armv6l", "armel" },
		{ "i686", "i386" }, { "i586", "i386" }, { "i386", "i386" },
		{ "ppc64le", "ppc64el" }, { "ppc64", "ppc64" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" }, { "loongarch64", "loong64" },
	};
	for (size_t i = 0; i < JC_ARRAY_SIZE(map); i++)
		if (strcmp(map[i].machine, machine) == 0)
			return map[i].arch;
	return NULL;
}

int jc_host_arch(const char **out, struct jc_error *err)
{
	struct utsname u;
	if (uname(&u) < 0)
		return jc_error_errno(err, errno, "uname");
	*out = jc_arch_from_machine(u.machine);
	if (!*out)
		return jc_error_set(err, ENOTSUP, "%s: unknown machine architecture", u.machine);
	return 0;
}

char *jc_ss_server_url(const char *server)
{
	return jc_is_url(server) ? xstrdup(server) : xasprintf("http://%s", server);
}

int jc_ss_products_path(json_t *index, const char **out, struct jc_error *err)
{
	json_t *idx = json_object_get(index, "index");
	if (!json_is_object(idx))
		return jc_error_set(err, EBADMSG, "not a simplestreams index (no 'index' object)");
	const char *key;
	json_t *entry;
	json_object_foreach(idx, key, entry) {
		const char *datatype = json_string_value(json_object_get(entry, "datatype"));
		const char *path = json_string_value(json_object_get(entry, "path"));
		if (datatype && path && strcmp(datatype, "image-downloads") == 0) {
			*out = path;
			return 0;
		}
	}
	return jc_error_set(err, ENOENT, "the index names no image-downloads products file");
}

/* Lowercase, and anything a release name cannot hold becomes '-'. */
static void name_clean(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
			   *p == '_' || *p == '-'))
			*p = '-';
	}
}

static const char *str_field(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static char *product_name(const char *key, json_t *prod)
{
	const char *os = str_field(prod, "os");
	const char *rel = str_field(prod, "release");
	const char *variant = str_field(prod, "variant");
	char *name;
	if (!os || !rel)
		name = xstrdup(key);
	else if (variant && strcmp(variant, "default") != 0)
		name = xasprintf("%s-%s-%s", os, rel, variant);
	else
		name = xasprintf("%s-%s", os, rel);
	name_clean(name);
	return name;
}

static bool alias_matches(json_t *prod, const char *name)
{
	const char *aliases = str_field(prod, "aliases");
	if (!aliases)
		return false;
	cleanup_strv char **v = jc_strsplit(aliases, ", ");
	for (size_t i = 0; v[i]; i++) {
		name_clean(v[i]);
		if (strcasecmp(v[i], name) == 0)
			return true;
	}
	return false;
}

/* The product's architecture: its arch field, else the third part of its key. */
static bool arch_matches(const char *key, json_t *prod, const char *arch)
{
	const char *a = str_field(prod, "arch");
	if (a)
		return strcmp(a, arch) == 0;
	cleanup_strv char **parts = jc_strsplit(key, ":");
	return jc_strv_len(parts) >= 3 && strcmp(parts[2], arch) == 0;
}

static json_t *rootfs_item(json_t *version)
{
	const char *ikey;
	json_t *item;
	json_object_foreach(json_object_get(version, "items"), ikey, item) {
		const char *ftype = str_field(item, "ftype");
		if (!ftype)
			ftype = ikey;
		if (strcmp(ftype, "root.tar.xz") == 0 && str_field(item, "path") &&
		    str_field(item, "sha256"))
			return item;
	}
	return NULL;
}

/* Newest version (greatest key) that has a root.tar.xz item; NULL when none. */
static json_t *newest_rootfs(json_t *prod, const char **version)
{
	const char *vkey, *best_key = NULL;
	json_t *ver, *best = NULL;
	json_object_foreach(json_object_get(prod, "versions"), vkey, ver) {
		json_t *item = rootfs_item(ver);
		if (item && (!best_key || strcmp(vkey, best_key) > 0)) {
			best_key = vkey;
			best = item;
		}
	}
	*version = best_key;
	return best;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **jc_ss_names(json_t *products, const char *arch)
{
	char **names = xcalloc(1, sizeof(char *));
	const char *key;
	json_t *prod;
	json_object_foreach(products, key, prod) {
		const char *version;
		if (!arch_matches(key, prod, arch) || !newest_rootfs(prod, &version))
			continue;
		cleanup_free char *name = product_name(key, prod);
		jc_strv_push(&names, name);
	}
	size_t n = jc_strv_len(names), out = 0;
	qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && strcmp(names[out - 1], names[i]) == 0)
			free(names[i]);
		else
			names[out++] = names[i];
	}
	names[out] = NULL;
	return names;
}

/* First product for arch whose name (pass 0) or alias (pass 1) is name. */
static json_t *find_product(json_t *products, const char *name, const char *arch,
			    const char **pkey, bool *other_arch)
{
	for (int pass = 0; pass < 2; pass++) {
		const char *key;
		json_t *prod;
		json_object_foreach(products, key, prod) {
			bool match;
			if (pass == 0) {
				cleanup_free char *pname = product_name(key, prod);
				match = strcasecmp(pname, name) == 0;
			} else {
				match = alias_matches(prod, name);
			}
			if (!match)
				continue;
			if (!arch_matches(key, prod, arch)) {
				*other_arch = true;
				continue;
			}
			*pkey = key;
			return prod;
		}
	}
	return NULL;
}

int jc_ss_select(json_t *products, const char *name, const char *arch,
		 struct jc_ss_image *out, struct jc_error *err)
{
	if (!json_is_object(products))
		return jc_error_set(err, EBADMSG, "not a simplestreams products file (no 'products')");
	bool other_arch = false;
	const char *key = NULL;
	json_t *prod = find_product(products, name, arch, &key, &other_arch);
	if (!prod && other_arch)
		return jc_error_set(err, ENOENT, "%s: not offered for this host's architecture (%s)",
				    name, arch);
	if (!prod)
		return jc_error_set(err, ENOENT, "%s: no such image on the server", name);
	const char *version = NULL;
	json_t *item = newest_rootfs(prod, &version);
	if (!item)
		return jc_error_set(err, ENOENT, "%s: the server has no root.tar.xz image of %s", name,
				    key);
	const char *sha = str_field(item, "sha256");
	if (!jc_sha256_valid(sha))
		return jc_error_set(err, EBADMSG, "%s: %s %s: invalid sha256 '%s' in the index", name,
				    key, version, sha);
	json_int_t size = json_integer_value(json_object_get(item, "size"));
	*out = (struct jc_ss_image){
		.product = xstrdup(key), .version = xstrdup(version),
		.path = xstrdup(str_field(item, "path")), .sha256 = xstrdup(sha),
		.size = size > 0 ? (uint64_t)size : 0,
	};
	return 0;
}

static int load_json(const char *url, size_t max, json_t **out, struct jc_error *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = jc_download_memory(url, max, &text, &len, err);
	if (r < 0)
		return r;
	json_error_t jerr;
	*out = json_loadb(text, len, 0, &jerr);
	if (!*out)
		return jc_error_set(err, EBADMSG, "%s: invalid JSON: %s (line %d)", url, jerr.text,
				    jerr.line);
	return 0;
}

int jc_ss_load(const char *server, json_t **products, struct jc_error *err)
{
	cleanup_free char *base = jc_ss_server_url(server);
	cleanup_free char *index_url = jc_url_join(base, "streams/v1/index.json");
	json_t *index = NULL;
	int r = load_json(index_url, INDEX_MAX, &index, err);
	if (r < 0)
		return r;
	const char *path = NULL;
	r = jc_ss_products_path(index, &path, err);
	if (r < 0) {
		json_decref(index);
		return jc_error_wrap(err, "%s", index_url);
	}
	cleanup_free char *products_url = jc_url_join(base, path);
	json_decref(index);
	json_t *doc = NULL;
	r = load_json(products_url, PRODUCTS_MAX, &doc, err);
	if (r < 0)
		return r;
	json_t *prods = json_object_get(doc, "products");
	if (!json_is_object(prods)) {
		json_decref(doc);
		return jc_error_set(err, EBADMSG, "%s: not a simplestreams products file (no 'products')",
				    products_url);
	}
	*products = json_incref(prods);
	json_decref(doc);
	return 0;
}

/* Here rather than in release.c: the interesting half of it is the server listing. */
int jc_release_list_remote(struct jc_ctx *ctx, const char *server, char ***out, struct jc_error *err)
{
	(void)ctx;
	if (!server) {
		char **v = xcalloc(1, sizeof(char *));
		jc_strv_push(&v, "busybox");
		for (const char *const *d = jc_debian_releases(); *d; d++)
			jc_strv_push(&v, *d);
		*out = v;
		return 0;
	}
	const char *arch;
	int r = jc_host_arch(&arch, err);
	if (r < 0)
		return r;
	json_t *products = NULL;
	r = jc_ss_load(server, &products, err);
	if (r < 0)
		return r;
	*out = jc_ss_names(products, arch);
	json_decref(products);
	return 0;
}
