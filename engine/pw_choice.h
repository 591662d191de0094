/*
 * pw_choice - evaluation of ASL Choice rules: every comparison operator
 * (String/Numeric/Boolean/Timestamp Equals, LessThan, GreaterThan,
 * LessThanEquals, GreaterThanEquals and their *Path variants),
 * StringMatches, IsPresent, IsNull, IsNumeric, IsString, IsBoolean,
 * IsTimestamp, And, Or, Not.
 * Owner: engine-language.
 */
#ifndef PW_CHOICE_H
#define PW_CHOICE_H

#include <prewarm/plugin.h>
#include <prewarm/timestamp.h> /* pw_timestamp_parse: Choice and Wait */

/* Evaluates one rule (a Choices element or a nested And/Or/Not rule).
 * Sets *matched to 0/1. A Variable that is not present in the input makes
 * every operator except IsPresent raise States.Runtime, as Step Functions
 * does (test presence with IsPresent first, e.g. inside an And); a *Path
 * operand that does not resolve raises States.Runtime too. A value of the
 * wrong type for the operator (NumericEquals on a string) does not match. */
int pw_choice_rule_eval(json_object *rule, json_object *input,
			json_object *context, int *matched, pw_error *err);

/* Picks the next state of a Choice state: the Next of the first matching
 * rule, else Default. Returns the state name (borrowed from `state`), or
 * NULL with States.NoChoiceMatched (or the rule's evaluation error). */
const char *pw_choice_next(json_object *state, json_object *input,
			   json_object *context, pw_error *err);
/* Same, and *matched (borrowed) is the rule that matched, NULL when the
 * Default was taken (whose Assign applies then: the state's own). */
const char *pw_choice_pick(json_object *state, json_object *input,
			   json_object *context, json_object **matched,
			   pw_error *err);

/* Checks a rule's shape for `prewarm validate`: exactly one operator,
 * operand types, Variable a valid path, timestamps RFC 3339, patterns.
 * Returns 0 or -1 with a reason in why and the JSON pointer suffix (below
 * the rule) of the bad field in where. */
int pw_choice_rule_check(json_object *rule, char *why, size_t why_len,
			 char *where, size_t where_len);


#endif
