/* Small helpers shared by every module: scope-bound cleanup, allocation that
 * aborts on OOM (so error paths stay for real failures), and string helpers. */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define jc_cleanup(f) __attribute__((cleanup(f)))

void jc_freep(void *p);
void jc_closep(int *fd);
void jc_fclosep(FILE **f);
void jc_closedirp(DIR **d);
void jc_strvfreep(char ***v);

#define cleanup_free jc_cleanup(jc_freep)
#define cleanup_close jc_cleanup(jc_closep)
#define cleanup_fclose jc_cleanup(jc_fclosep)
#define cleanup_closedir jc_cleanup(jc_closedirp)
#define cleanup_strv jc_cleanup(jc_strvfreep)

/* Hand ownership of a pointer or fd out of a cleanup-managed variable. */
#define steal_ptr(p) ({ __typeof__(p) steal_tmp_ = (p); (p) = NULL; steal_tmp_; })
#define steal_fd(fd) ({ int steal_tmp_ = (fd); (fd) = -1; steal_tmp_; })

#define JC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t jc_strv_len(char *const *v);
void jc_strv_push(char ***v, const char *s);
void jc_strv_free(char **v);
/* The strings of v with sep between them ("" for an empty vector). */
char *jc_strv_join(char *const *v, const char *sep);
/* Split s on any byte of seps, dropping empty fields. */
char **jc_strsplit(const char *s, const char *seps);

bool jc_streq(const char *a, const char *b);
bool jc_str_has_prefix(const char *s, const char *prefix);
/* Parse a base-10 integer that must fill the whole string. */
int jc_parse_long(const char *s, long *out);
/* Remove leading/trailing ASCII whitespace in place; returns s. */
char *jc_strstrip(char *s);
/* Undo \ooo octal escapes (\000-\377) in place, as fstab(5) and the kernel's mount table
 * write blanks and backslashes; anything else is kept. Returns s. */
char *jc_unescape_octal(char *s);
/* t formatted in UTC with strftime's fmt (e.g. "%F %T", iocage's timestamp form). */
char *jc_utc_format(time_t t, const char *fmt) __attribute__((format(strftime, 2, 0)));
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long jc_now_ms(void);
/* Copy of s with every ASCII whitespace byte removed. */
char *jc_strdup_nospace(const char *s);
