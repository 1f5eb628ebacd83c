/* baton-demo: demo_secret_wipe (demo_secret.h). */
#define _DEFAULT_SOURCE 1 /* explicit_bzero */
#include "demo_secret.h"

#include <string.h>

void (*demo_secret_wiped)(const char *s, size_t len);

void demo_secret_wipe(char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	explicit_bzero(s, n);
	if (demo_secret_wiped != NULL)
		demo_secret_wiped(s, n);
}
