/*
 * baton-demo: wiping the secrets the demo holds (the passwords it generates, the API token values
 * it mints, the answers demo_tokens.c keeps) once it no longer needs them: before their memory is
 * freed, or handed back to the SDK with the call's context (which frees it without wiping).
 */
#ifndef BATON_DEMO_SECRET_H
#define BATON_DEMO_SECRET_H

#include <stddef.h>

/* Overwrites the string s with zeros, every byte up to its terminating NUL, in a way the compiler
 * cannot drop (explicit_bzero); NULL: nothing. */
void demo_secret_wipe(char *s);

/*
 * Test seam: when not NULL, called by demo_secret_wipe with the buffer it just wiped and its
 * length (before the caller frees or releases it), so a test can check the secret is gone. The
 * program never sets it; a test sets it while no other thread wipes.
 */
extern void (*demo_secret_wiped)(const char *s, size_t len);

#endif /* BATON_DEMO_SECRET_H */
