/* cli_validate - `prewarm validate WORKFLOW...`: checks without running. */
#include "pw_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_vars_check.h"
#include "pw_out.h"
#include "sfn_export.h"

static void usage(FILE *f)
{
	pw_out_printf(f,
		"usage: prewarm validate WORKFLOW... [--config FILE] [--var KEY=VALUE]...\n"
		"                        [--plugin-path DIRS] [--target stepfunctions]\n"
		"Checks each workflow without running it: syntax, states, paths, Choice rules,\n"
		"that every Task resource resolves (loading only the plugins named) and that\n"
		"Lua step scripts compile. With a config (--config or $PREWARM_CONFIG), a\n"
		"workflow directory's vars-check.lua also checks the config's vars (with the\n"
		"--var values), once per directory. Errors name FILE:LINE:COLUMN on stderr.\n"
		"--target stepfunctions also checks that `prewarm export --to stepfunctions`\n"
		"accepts it (engine/SFN.md).\n"
		"Exit status: 0 all valid, 2 otherwise.\n");
}

/* The directory lua: paths of the workflow at `path` are relative to (as
 * the executor computes it from the file name). */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

static int is_override(const char *key, char **overrides, int n)
{
	for (int i = 0; i < n; i++) {
		size_t klen = strcspn(overrides[i], "=");
		if (strlen(key) == klen && strncmp(key, overrides[i], klen) == 0)
			return 1;
	}
	return 0;
}

/* RFC 6901: "~" -> "~0", "/" -> "~1". */
static void pointer_of(const char *key, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "/vars/");
	for (const char *k = key; *k && o + 3 < len; k++) {
		if (*k == '~' || *k == '/') {
			out[o++] = '~';
			out[o++] = *k == '~' ? '0' : '1';
		} else {
			out[o++] = *k;
		}
	}
	out[o < len ? o : len - 1] = '\0';
}

/*
 * The config var a checker's cause ("vars.FIELD: ...") is about: the
 * longest key that FIELD is or lies inside (warm for vars.warm.top_n given
 * as JSON), else the first key inside FIELD (clusters.x.wram.top_n for
 * vars.clusters.x.wram). Vars set by --var have no line in the file. NULL
 * when none.
 */
static const char *var_key_of(json_object *vars, const char *cause, char **overrides,
			      int n_overrides)
{
	const char *best = NULL, *inside = NULL;
	size_t best_len = 0;
	if (strncmp(cause, "vars.", 5) != 0 || !json_object_is_type(vars, json_type_object))
		return NULL;
	const char *field = cause + 5;
	size_t flen = strcspn(field, ":");
	if (field[flen] != ':' || flen == 0)
		return NULL;
	json_object_object_foreach(vars, key, val) {
		size_t n = strlen(key);
		(void)val;
		if (is_override(key, overrides, n_overrides))
			continue;
		if (n <= flen && n > best_len && strncmp(field, key, n) == 0 &&
		    (n == flen || field[n] == '.' || field[n] == '[')) {
			best = key;
			best_len = n;
		} else if (inside == NULL && n > flen && strncmp(field, key, flen) == 0 &&
			   key[flen] == '.') {
			inside = key;
		}
	}
	return best ? best : inside;
}

/* Reports a checker's error against the config file: at the line of the
 * var its cause names (var_key_of), else at the file alone. */
static void report(const struct pw_config *config, const char *dir, const pw_error *e,
		   char **overrides, int n_overrides)
{
	pw_diag d;
	json_object *vars = NULL;
	json_object_object_get_ex(pw_doc_root(config->doc), "vars", &vars);
	const char *best = var_key_of(vars, e->cause, overrides, n_overrides);
	if (best != NULL) {
		char pointer[1024];
		pointer_of(best, pointer, sizeof(pointer));
		pw_doc_diag(config->doc, pointer, &d, "%.64s: %.600s (%.200s/%s)", e->name, e->cause, dir,
			    PW_VARS_CHECK_FILE);
	} else {
		memset(&d, 0, sizeof(d));
		snprintf(d.file, sizeof(d.file), "%s", pw_doc_file(config->doc));
		snprintf(d.message, sizeof(d.message), "%.64s: %.600s (%.200s/%s)", e->name, e->cause, dir,
			 PW_VARS_CHECK_FILE);
	}
	pw_diag_print(&d, stderr);
}

/* The outcome of one directory's checker, remembered so it runs once. */
struct checked {
	char dir[4096];
	int ok;
};

/* 1 when the config's vars pass dir's checker (or there is none). */
static int vars_ok(struct pw_cli *cli, const char *dir, struct checked *done, int *n_done,
		   char **overrides, int n_overrides)
{
	for (int i = 0; i < *n_done; i++)
		if (strcmp(done[i].dir, dir) == 0)
			return done[i].ok;
	struct checked *c = &done[(*n_done)++];
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->ok = 1;
	if (cli->config->doc == NULL || !pw_vars_check_exists(dir))
		return 1;
	pw_error e = {{0}, {0}};
	if (pw_vars_check_run(dir, cli->config->vars, &e) != PW_OK) {
		report(cli->config, dir, &e, overrides, n_overrides);
		c->ok = 0;
	}
	return c->ok;
}

int pw_cli_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"var", required_argument, NULL, 'V'}, {"target", required_argument, NULL, 'T'},
		PW_CLI_COMMON_OPTIONS, {NULL, 0, NULL, 0}};
	struct pw_cli cli;
	int c, rc = PW_EXIT_USAGE, n_vars = 0, n_done = 0, sfn = 0;
	char **vars = calloc((size_t)argc + 1, sizeof(*vars));
	struct checked *done = calloc((size_t)argc + 1, sizeof(*done));
	memset(&cli, 0, sizeof(cli));
	if (vars == NULL || done == NULL) {
		pw_out_printf(stderr, "prewarm validate: out of memory\n");
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'V') {
			vars[n_vars++] = optarg;
			continue;
		}
		if (c == 'T') {
			if (strcmp(optarg, "stepfunctions") != 0) {
				pw_out_printf(stderr, "prewarm validate: --target must be stepfunctions\n");
				goto out;
			}
			sfn = 1;
			continue;
		}
		int common = pw_cli_common_option(&cli, c, optarg);
		if (common <= 0) {
			if (common == 0)
				usage(stderr);
			goto out;
		}
	}
	if (cli.help) {
		usage(stdout);
		rc = PW_EXIT_OK;
		goto out;
	}
	if (optind >= argc) {
		pw_out_printf(stderr, "prewarm validate: expected at least one WORKFLOW\n");
		usage(stderr);
		goto out;
	}
	if ((rc = pw_cli_setup(&cli)) != 0)
		goto out;
	for (int i = 0; i < n_vars; i++) {
		char *eq = strchr(vars[i], '=');
		if (eq == NULL || eq == vars[i]) {
			pw_out_printf(stderr, "prewarm validate: --var expects KEY=VALUE, got '%s'\n", vars[i]);
			rc = PW_EXIT_USAGE;
			goto out;
		}
		*eq = '\0';
		pw_config_set_var(cli.config, vars[i], eq + 1);
		*eq = '=';
	}
	for (int i = optind; i < argc; i++) {
		pw_doc *doc = NULL;
		char dir[4096];
		if (pw_cli_load_workflow(&cli, argv[i], 1, &doc) != 0) {
			rc = PW_EXIT_USAGE;
			continue;
		}
		pw_doc_free(doc);
		if (sfn) {
			/* What the export needs of an ARN does not depend on it. */
			struct pw_sfn_export_opts o = {
				"arn:aws:states:us-east-1:123456789012:activity:prewarm", NULL, 0, -1,
				cli.config->vars};
			json_object *def = NULL;
			int bad = pw_cli_export_one(&cli, argv[i], &o, &def);
			json_object_put(def);
			if (bad) {
				rc = PW_EXIT_USAGE;
				continue;
			}
		}
		dir_of(argv[i], dir, sizeof(dir));
		if (!vars_ok(&cli, dir, done, &n_done, vars, n_vars)) {
			rc = PW_EXIT_USAGE;
			continue;
		}
		pw_out_printf(stdout, "%s: valid\n", argv[i]);
	}
out:
	pw_cli_teardown(&cli);
	free(done);
	free(vars);
	return rc;
}
