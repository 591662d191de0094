/* cli_run - `prewarm run WORKFLOW [--input FILE|-] [--dry-run] [--var K=V]
 * [--key KEY] ...`: one execution; output JSON on stdout. */
#include "pw_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_log.h"
#include "pw_out.h"

static void usage(FILE *f)
{
	pw_out_printf(f,
		"usage: prewarm run WORKFLOW [--input FILE|-] [--dry-run] [--var KEY=VALUE]...\n"
		"                   [--key KEY] [--name NAME] [--config FILE] [--state-dir DIR]\n"
		"                   [--no-journal] [--plugin-path DIRS] [--log-format text|json]\n"
		"                   [--log-level LEVEL]\n"
		"Runs one execution of WORKFLOW (input {} unless --input). stdout carries only\n"
		"the output JSON, or {\"Error\": ..., \"Cause\": ...} when the execution fails.\n"
		"Exit status: 0 succeeded, 1 failed, 2 usage, load or validation error.\n");
}

/* Reads all of f into a malloc'd buffer (input documents are small). */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			char *grown = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);
			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	if (buf == NULL || ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Parses the execution input (JSON, or YAML) with positions in errors. */
static int load_input(const char *path, json_object **out)
{
	*out = NULL;
	if (path == NULL) {
		*out = json_object_new_object();
		return 0;
	}
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		pw_out_printf(stderr, "prewarm: cannot read input %s: %s\n", path, strerror(errno));
		return PW_EXIT_USAGE;
	}
	size_t len = 0;
	char *buf = read_all(f, &len);
	if (!is_stdin)
		fclose(f);
	if (buf == NULL) {
		pw_out_printf(stderr, "prewarm: cannot read input %s\n", path);
		return PW_EXIT_USAGE;
	}
	pw_doc *doc = NULL;
	pw_diag diag;
	int rc = pw_doc_load_buffer(is_stdin ? "<stdin>.json" : path, buf, len, &doc, &diag);
	free(buf);
	if (rc != 0) {
		pw_diag_print(&diag, stderr);
		return PW_EXIT_USAGE;
	}
	json_object *root = pw_doc_root(doc);
	*out = root ? json_object_get(root) : NULL;
	pw_doc_free(doc);
	return 0;
}

int pw_cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"input", required_argument, NULL, 'i'},
		{"dry-run", no_argument, NULL, 'n'},
		{"var", required_argument, NULL, 'V'},
		{"key", required_argument, NULL, 'k'},
		{"name", required_argument, NULL, 'N'},
		PW_CLI_COMMON_OPTIONS,
		{NULL, 0, NULL, 0}};
	struct pw_cli cli;
	const char *input_path = NULL, *key = NULL, *name = NULL;
	int dry_run = 0, c, rc = PW_EXIT_USAGE;
	char **vars = calloc((size_t)argc + 1, sizeof(*vars));
	int n_vars = 0;
	pw_doc *doc = NULL;
	json_object *input = NULL;
	memset(&cli, 0, sizeof(cli));
	if (vars == NULL)
		return PW_EXIT_USAGE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:nV:k:N:", opts, NULL)) != -1) {
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common < 0)
			goto out;
		if (common)
			continue;
		switch (c) {
		case 'i': input_path = optarg; break;
		case 'n': dry_run = 1; break;
		case 'V': vars[n_vars++] = optarg; break;
		case 'k': key = optarg; break;
		case 'N': name = optarg; break;
		default: usage(stderr); goto out;
		}
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind != argc - 1) {
		pw_out_printf(stderr, "prewarm run: expected exactly one WORKFLOW\n");
		usage(stderr);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	rc = PW_EXIT_USAGE;
	for (int i = 0; i < n_vars; i++) {
		char *eq = strchr(vars[i], '=');
		if (eq == NULL || eq == vars[i]) {
			pw_out_printf(stderr, "prewarm run: --var expects KEY=VALUE, got '%s'\n", vars[i]);
			goto out;
		}
		*eq = '\0';
		pw_config_set_var(cli.config, vars[i], eq + 1);
		*eq = '=';
	}
	if (pw_cli_load_workflow(&cli, argv[optind], 1, &doc) != 0 ||
	    load_input(input_path, &input) != 0)
		goto out;
	struct pw_exec_opts eo;
	memset(&eo, 0, sizeof(eo));
	eo.registry = cli.registry;
	eo.dry_run = dry_run;
	eo.state_dir = dry_run ? NULL : pw_cli_state_dir(&cli);
	eo.name = name;
	eo.vars = cli.config->vars;
	eo.wait_for_running = 1;
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	pw_cli_signals();
	int erc = key ? pw_exec_run_keyed(doc, input, key, &eo, &res, &err)
		      : pw_exec_run(doc, input, &eo, &res, &err);
	if (erc != PW_OK) {
		pw_out_printf(stderr, "prewarm run: %s\n", err.cause);
		goto out;
	}
	rc = pw_cli_finish(&res);
	pw_exec_result_clear(&res);
out:
	json_object_put(input);
	pw_doc_free(doc);
	pw_cli_teardown(&cli);
	free(vars);
	return rc;
}
