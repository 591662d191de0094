/*
 * notify_template - fills "{Name}" placeholders in a message template from
 * a JSON object (the Publish call's "Data", else its parameters).
 */
#ifndef NOTIFY_TEMPLATE_H
#define NOTIFY_TEMPLATE_H

#include <json-c/json.h>

/*
 * Renders tmpl: "{Key}" or "{Key.Sub}" is replaced by that member of data
 * (strings as they are, other values as compact JSON); "{{" and "}}" are
 * literal braces; a placeholder naming no member is kept as written, so a
 * missing field shows in the message rather than vanishing. data may be
 * NULL. Returns a malloc'd string the caller frees, or NULL on ENOMEM.
 */
char *notify_render(const char *tmpl, json_object *data);

#endif
