/* baton-http-example: the connector (connector.c), run by main.c. */
#ifndef BATON_HTTP_EXAMPLE_H
#define BATON_HTTP_EXAMPLE_H

#include "baton.h"

extern const baton_connector http_example_connector;

#endif
