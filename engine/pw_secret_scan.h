/*
 * pw_secret_scan - finds secrets by their shape in data no plugin vouched
 * for (a workflow's input, a Pass state's Result, a Lua step's output, a
 * variable, an error's cause) and registers them (pw_secret_add), so the
 * redactor hides them in every spelling. pw_out runs it over every JSON
 * value it writes (the journal, results, JSON logs) before redacting.
 *
 * A secret's shape:
 *  - the value of a member whose name says it holds one
 *    (pw_secret_scan_name_is_secret), a string, a number or an array of
 *    those (an object under such a name is a structure, scanned like any
 *    other: a state named TargetToken, a GetSecretValue result under
 *    "secret"); the value/Value beside a name/Name/key/Key that says so
 *    ({"name": "PGPASSWORD", "value": ...}, an ECS environment entry);
 *  - a password in a libpq conninfo (`password=s3cret`, `password = 'a b'`),
 *    in a URI's userinfo (`postgresql://user:s3cret@host/db`, any scheme)
 *    or query (`?password=s3cret`): raw and percent-decoded;
 *  - any of those inside a string that is itself JSON (States.JsonToString,
 *    a Secrets Manager SecretString), up to PW_SCAN_MAX_DEPTH deep.
 * Owner: engine-runtime.
 */
#ifndef PW_SECRET_SCAN_H
#define PW_SECRET_SCAN_H

#include <json-c/json.h>

/* Deeper than json-c parses (32), with room for JSON inside strings. */
#define PW_SCAN_MAX_DEPTH 128

/* Nonzero for a member name that says its value is a secret: read
 * ignoring case and all but letters and digits, it ends with password,
 * passwd, passphrase, secret, token, privatekey, apikey, authorization or
 * secretaccesskey (PGPASSWORD, "password ", client.secret, privateKey),
 * or its last word is pwd (db_pwd, userPwd); also the config's var rule
 * (pw_config_var_name_is_secret). Only the end: password_set is not. */
int pw_secret_scan_name_is_secret(const char *name);

/* Registers the conninfo and URI passwords in text. */
void pw_secret_scan_text(const char *text);

/* A log message: pw_secret_scan_text, and pw_secret_scan_json of each
 * JSON object it quotes (a dry run's "would call x:Y with {...}"). */
void pw_secret_scan_message(const char *text);

/* Registers every secret v (borrowed, may be NULL) shows by its shape. */
void pw_secret_scan_json(json_object *v);

/* Registers, before the input is journaled, what a secret-named workflow
 * variable (Assign: {"db_password.$": "$.db.pw"}, or a JSONata Assign
 * "{% $states.input.db.pw %}") would take from input: each such path of
 * definition (anywhere in it) read on the execution input, and each such
 * variable's literal value. A path that reads another state's data is
 * only caught when assigned (pw_vars_commit). */
void pw_secret_scan_assigns(json_object *definition, json_object *input);

#endif
