/*
 * baton-demo: reading the state file's operations (jansson objects), for the model
 * (model_state.c) and the connector's files alike.
 */
#ifndef BATON_DEMO_JSON_H
#define BATON_DEMO_JSON_H

#include <jansson.h>

/*
 * The string member `key` of object `o`: borrowed from o (valid while o is); "" when o is not an
 * object, has no such member or the member is not a string. Never NULL.
 */
const char *demo_json_str(const json_t *o, const char *key);

#endif /* BATON_DEMO_JSON_H */
