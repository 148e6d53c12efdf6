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

struct cli_table {
	size_t ncols;
	char **headers;
	char ***rows;
	size_t nrows;
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

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	t->rows = xrealloc(t->rows, (t->nrows + 1) * sizeof(char **));
	char **row = xcalloc(t->ncols, sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++)
		row[i] = xstrdup(cells[i] ? cells[i] : "-");
	t->rows[t->nrows++] = row;
}

struct sort_key {
	size_t col;
	bool numeric;
};

static int compare_rows(const void *a, const void *b, void *arg)
{
	const struct sort_key *key = arg;
	const char *x = (*(char *const *const *)a)[key->col];
	const char *y = (*(char *const *const *)b)[key->col];
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
	struct sort_key key = { .col = col, .numeric = numeric };
	qsort_r(t->rows, t->nrows, sizeof(char **), compare_rows, &key);
}

static void print_rule(const size_t *widths, size_t ncols, char fill)
{
	for (size_t i = 0; i < ncols; i++) {
		putchar('+');
		for (size_t j = 0; j < widths[i] + 2; j++)
			putchar(fill);
	}
	puts("+");
}

static void print_row(char *const *cells, const size_t *widths, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++)
		printf("| %-*s ", (int)widths[i], cells[i]);
	puts("|");
}

void cli_table_print(const struct cli_table *t, bool scripting)
{
	if (scripting) {
		for (size_t r = 0; r < t->nrows; r++)
			for (size_t i = 0; i < t->ncols; i++)
				printf("%s%c", t->rows[r][i], i + 1 == t->ncols ? '\n' : '\t');
		return;
	}
	cleanup_free size_t *widths = xcalloc(t->ncols, sizeof(size_t));
	for (size_t i = 0; i < t->ncols; i++) {
		widths[i] = strlen(t->headers[i]);
		for (size_t r = 0; r < t->nrows; r++)
			if (strlen(t->rows[r][i]) > widths[i])
				widths[i] = strlen(t->rows[r][i]);
	}
	print_rule(widths, t->ncols, '-');
	print_row(t->headers, widths, t->ncols);
	print_rule(widths, t->ncols, '=');
	for (size_t r = 0; r < t->nrows; r++) {
		print_row(t->rows[r], widths, t->ncols);
		print_rule(widths, t->ncols, '-');
	}
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	for (size_t i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t->rows);
	free(t->headers);
	free(t);
}
