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

/* Shared checks used outside the schema. */
/* Jail name rule: ^[A-Za-z0-9._-]+$, 1..63 chars, not ".", "..", "default", "help", "ALL". */
int jc_validate_jail_name(const char *name, struct jc_error *err);
bool jc_parse_ipv4(const char *s, uint8_t out[4]);
bool jc_parse_ipv6(const char *s, uint8_t out[16]);
bool jc_valid_ifname(const char *s);
