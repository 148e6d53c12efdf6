#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

int cli_fail(const struct jc_error *err)
{
	fprintf(stderr, "jailctl: %s\n", err->msg[0] ? err->msg : "unknown error");
	return EXIT_FAIL;
}

int cli_failf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("jailctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_usage(const char *command, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "jailctl: %s: ", command);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	const struct cli_command *cmd = cli_find_command(command);
	if (cmd)
		fprintf(stderr, "usage: jailctl %s %s\n", cmd->name, cmd->usage);
	return EXIT_USAGE;
}

/* Notices and warnings go to stderr so that stdout stays parseable (-h, --json). */
void cli_message(void *user, enum jc_msg_level level, const char *text)
{
	(void)user;
	switch (level) {
	case JC_MSG_WARNING:
		fprintf(stderr, "jailctl: warning: %s\n", text);
		break;
	case JC_MSG_DEBUG:
		fprintf(stderr, "jailctl: debug: %s\n", text);
		break;
	case JC_MSG_NOTICE:
		fprintf(stderr, "%s\n", text);
		break;
	case JC_MSG_PROGRESS:
		printf("%s\n", text);
		fflush(stdout);
		break;
	}
}

/* Cells live in one text buffer and rows are offsets into it: listings add thousands of
 * rows, and a malloc and free per cell showed up in their profiles. */
struct cli_table {
	size_t ncols;
	char **headers;
	char *text;        /* every cell, NUL-terminated, one after another */
	size_t text_len, text_cap;
	size_t *cells;     /* nrows * ncols offsets into text */
	size_t *order;     /* rows in print order */
	size_t nrows, rows_cap;
};

struct cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
	struct cli_table *t = xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	t->headers = xcalloc(ncols, sizeof(char *));
	for (size_t i = 0; i < ncols; i++)
		t->headers[i] = xstrdup(headers[i]);
	return t;
}

static size_t table_push_text(struct cli_table *t, const char *s)
{
	size_t len = strlen(s) + 1, at = t->text_len;
	if (t->text_cap - at < len) {
		while (t->text_cap - at < len)
			t->text_cap = t->text_cap ? t->text_cap * 2 : 4096;
		t->text = xrealloc(t->text, t->text_cap);
	}
	memcpy(t->text + at, s, len);
	t->text_len += len;
	return at;
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->nrows == t->rows_cap) {
		t->rows_cap = t->rows_cap ? t->rows_cap * 2 : 64;
		t->cells = xrealloc(t->cells, t->rows_cap * t->ncols * sizeof(size_t));
		t->order = xrealloc(t->order, t->rows_cap * sizeof(size_t));
	}
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = table_push_text(t, cells[i] ? cells[i] : "-");
	t->order[t->nrows] = t->nrows;
	t->nrows++;
}

static const char *cell(const struct cli_table *t, size_t row, size_t col)
{
	return t->text + t->cells[row * t->ncols + col];
}

struct sort_key {
	const struct cli_table *t;
	size_t col;
	bool numeric;
};

static int compare_rows(const void *a, const void *b, void *arg)
{
	const struct sort_key *key = arg;
	const char *x = cell(key->t, *(const size_t *)a, key->col);
	const char *y = cell(key->t, *(const size_t *)b, key->col);
	if (key->numeric) {
		long lx = strtol(x, NULL, 10), ly = strtol(y, NULL, 10);
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	return strcmp(x, y);
}

void cli_table_sort(struct cli_table *t, size_t col, bool numeric)
{
	if (t->nrows < 2)
		return; /* also keeps a NULL array away from qsort_r */
	struct sort_key key = { .t = t, .col = col, .numeric = numeric };
	qsort_r(t->order, t->nrows, sizeof(size_t), compare_rows, &key);
}

/* The whole listing is built in memory and written at once. */
struct outbuf {
	char *p;
	size_t len;
};

static void put(struct outbuf *o, const char *s, size_t n)
{
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_rule(struct outbuf *o, const size_t *widths, size_t ncols, char fill)
{
	for (size_t i = 0; i < ncols; i++) {
		o->p[o->len++] = '+';
		memset(o->p + o->len, fill, widths[i] + 2);
		o->len += widths[i] + 2;
	}
	put(o, "+\n", 2);
}

static void put_row(struct outbuf *o, const char *const *cells, const size_t *widths,
		    size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		size_t n = strlen(cells[i]);
		put(o, "| ", 2);
		put(o, cells[i], n);
		memset(o->p + o->len, ' ', widths[i] - n + 1);
		o->len += widths[i] - n + 1;
	}
	put(o, "|\n", 2);
}

static void print_scripting(const struct cli_table *t)
{
	struct outbuf o = { xmalloc(t->text_len + 1), 0 };
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			const char *c = cell(t, t->order[r], i);
			put(&o, c, strlen(c));
			o.p[o.len++] = i + 1 == t->ncols ? '\n' : '\t';
		}
	}
	fwrite(o.p, 1, o.len, stdout);
	free(o.p);
}

void cli_table_print(const struct cli_table *t, bool scripting)
{
	if (scripting) {
		print_scripting(t);
		return;
	}
	cleanup_free size_t *widths = xcalloc(t->ncols, sizeof(size_t));
	size_t line = 2;
	for (size_t i = 0; i < t->ncols; i++) {
		widths[i] = strlen(t->headers[i]);
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(cell(t, r, i)) > widths[i])
				widths[i] = strlen(cell(t, r, i));
		line += widths[i] + 3;
	}
	/* Rules and rows have the same length: "+--" or "| x" per column, then "+\n". */
	struct outbuf o = { xmalloc(line * (3 + 2 * t->nrows)), 0 };
	cleanup_free const char **cells = xcalloc(t->ncols, sizeof(char *));
	put_rule(&o, widths, t->ncols, '-');
	put_row(&o, (const char *const *)t->headers, widths, t->ncols);
	put_rule(&o, widths, t->ncols, '=');
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++)
			cells[i] = cell(t, t->order[r], i);
		put_row(&o, cells, widths, t->ncols);
		put_rule(&o, widths, t->ncols, '-');
	}
	fwrite(o.p, 1, o.len, stdout);
	free(o.p);
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t->headers);
	free(t->text);
	free(t->cells);
	free(t->order);
	free(t);
}

struct cli_json_rows {
	size_t ncols;
	const char *const *keys;
	size_t *sorted;      /* column indices in key order (JSON_SORT_KEYS) */
	struct outbuf out;
	size_t cap, nrows;
};

static void json_reserve(struct cli_json_rows *j, size_t n)
{
	if (j->cap - j->out.len >= n)
		return;
	while (j->cap - j->out.len < n)
		j->cap = j->cap ? j->cap * 2 : 16384;
	j->out.p = xrealloc(j->out.p, j->cap);
}

struct cli_json_rows *cli_json_rows_new(size_t ncols, const char *const *keys)
{
	struct cli_json_rows *j = xcalloc(1, sizeof(*j));
	j->ncols = ncols;
	j->keys = keys;
	j->sorted = xcalloc(ncols, sizeof(size_t));
	for (size_t i = 0; i < ncols; i++) {
		size_t k = i;
		for (; k > 0 && strcmp(keys[j->sorted[k - 1]], keys[i]) > 0; k--)
			j->sorted[k] = j->sorted[k - 1];
		j->sorted[k] = i;
	}
	return j;
}

static bool json_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

/* The quoted value; escapes and UTF-8 checks are left to jansson. false: no key. */
static bool json_put_value(struct cli_json_rows *j, const char *v)
{
	if (json_plain(v)) {
		size_t n = strlen(v);
		json_reserve(j, n + 2);
		j->out.p[j->out.len++] = '"';
		put(&j->out, v, n);
		j->out.p[j->out.len++] = '"';
		return true;
	}
	json_t *s = json_string(v);
	char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	json_decref(s);
	if (!text)
		return false;
	json_reserve(j, strlen(text));
	put(&j->out, text, strlen(text));
	free(text);
	return true;
}

void cli_json_rows_add(struct cli_json_rows *j, const char *const *values)
{
	json_reserve(j, 8);
	put(&j->out, j->nrows++ ? ",\n    {" : "[\n    {", 7);
	bool first = true;
	for (size_t c = 0; c < j->ncols; c++) {
		size_t i = j->sorted[c], mark = j->out.len;
		if (!values[i])
			continue;
		const char *key = j->keys[i];
		json_reserve(j, strlen(key) + 16);
		put(&j->out, first ? "\n        \"" : ",\n        \"", first ? 10 : 11);
		put(&j->out, key, strlen(key));
		put(&j->out, "\": ", 3);
		if (json_put_value(j, values[i]))
			first = false;
		else
			j->out.len = mark;
	}
	json_reserve(j, 8);
	if (first)
		put(&j->out, "}", 1);   /* "{}", as jansson prints an empty object */
	else
		put(&j->out, "\n    }", 6);
}

void cli_json_rows_print(const struct cli_json_rows *j)
{
	if (!j->nrows) {
		fputs("[]\n", stdout);
		return;
	}
	fwrite(j->out.p, 1, j->out.len, stdout);
	fputs("\n]\n", stdout);
}

void cli_json_rows_free(struct cli_json_rows *j)
{
	if (!j)
		return;
	free(j->sorted);
	free(j->out.p);
	free(j);
}
