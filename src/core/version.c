#include "baton/common.h"

#ifndef BATON_VERSION_STRING
#error "BATON_VERSION_STRING must come from the build (CMake project version)"
#endif

_Static_assert(sizeof(BATON_VERSION_STRING) > 1, "version string is empty");

const char *baton_version(void)
{
	return BATON_VERSION_STRING;
}
