/* Validators for property values, following iocage's rules (json_check_prop) and
 * tightened where iocage is sloppy. Each matches jc_prop_validate_fn. Helpers for
 * other modules (names, addresses) are exported too. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "props.h"

int jc_validate_any(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_bool(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_priority(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_uint(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_securelevel(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_new_inherit_disable(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_enforce_statfs(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_nat_backend(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_type(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_mtu(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_default_mtu(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_ip4_addr(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_ip6_addr(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_defaultrouter(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_defaultrouter6(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_localhost_ip(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_interfaces(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_vnet_default_interface(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_ifname_or_none(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_ifname_list(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_mac_pair(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_mac_prefix(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_nat_prefix(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_nat_interface(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_nat_forwards(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_rctl(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_cpuset(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_hostid(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_resolver(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_hostname(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_domainname(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_size(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_depends(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_username(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_abs_path_or_none(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_proxy_url(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_zfs_compression(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_onoff(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
int jc_validate_single_line(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);
/* none, or a pool-relative dataset/subvolume path (jail_zfs_dataset). */
int jc_validate_dataset(const struct jc_prop *p, const char *v, char **norm, struct jc_error *err);

/* Shared checks used outside the schema. */
/* Jail name rule: ^[A-Za-z0-9._-]+$, 1..63 chars, not ".", "..", "default", "help", "ALL". */
int jc_validate_jail_name(const char *name, struct jc_error *err);
bool jc_parse_ipv4(const char *s, uint8_t out[4]);
bool jc_parse_ipv6(const char *s, uint8_t out[16]);
bool jc_valid_ifname(const char *s);

/* Building blocks shared by the validators (validate.c, validate_net.c). */
/* Sets err to "<prop>: '<shown>'<rest>", shown made printable and cut to a sane
 * length; rest starts with " " or ": ". Returns -EINVAL. */
int jc_validate_fail(const struct jc_prop *p, const char *shown, struct jc_error *err,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Stores a copy of text in *norm when norm is not NULL; returns 0. */
int jc_validate_emit(char **norm, const char *text);
/* Plain decimal digits only (no sign, space or junk) within [min, max]. */
bool jc_parse_uint_range(const char *s, unsigned long long min, unsigned long long max,
			 unsigned long long *out);
/* Valid UTF-8 without control characters (tab allowed when allow_tab). */
bool jc_text_is_clean(const char *s, bool allow_tab);
/* RFC 1123 host name: dot-separated labels of 1..63 letters, digits and '-', not
 * starting or ending with '-', at most maxlen bytes in all. */
bool jc_valid_dns_name(const char *s, size_t maxlen);
/* True when a sep-separated list has an empty field (leading, trailing or doubled sep). */
bool jc_list_has_empty_field(const char *s, char sep);
/* Replace control characters and broken UTF-8 in err->msg so it stays one printable line. */
void jc_validate_scrub(struct jc_error *err);
