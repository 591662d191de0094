/*
 * pw_wait - the values a Wait state reads at run time, checked as Step
 * Functions checks them (same error names and causes).
 */
#ifndef PW_WAIT_H
#define PW_WAIT_H

#include <json-c/json.h>
#include <prewarm/plugin.h>

/* The longest wait Step Functions accepts, in seconds (2^31 - 1); a longer
 * one is States.Runtime "Wait state delay is too long." */
#define PW_WAIT_MAX_SECONDS 2147483647.0

/* SecondsPath's value v (read at path) must be an integer >= 0: a decimal
 * or any other type "cannot be parsed as a long value", a negative one
 * "references a negative value" (States.Runtime). PW_OK or PW_ERR. */
int pw_wait_seconds_check(const char *path, json_object *v, pw_error *err);

#endif
