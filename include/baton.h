/*
 * libbaton: the Baton connector SDK in C. Include this one header to get the whole public API.
 * See README.md and docs/ for a tour.
 */
#ifndef BATON_H
#define BATON_H

#include "baton/common.h"
#include "baton/ctx.h"
#include "baton/annotations.h"
#include "baton/resource.h"
#include "baton/entitlement.h"
#include "baton/grant.h"
#include "baton/store.h"
#include "baton/expand.h"
#include "baton/connector.h"
#include "baton/events.h"
#include "baton/actions.h"
#include "baton/tickets.h"
#include "baton/config.h"
#include "baton/sync.h"
#include "baton/http.h"

#endif /* BATON_H */
