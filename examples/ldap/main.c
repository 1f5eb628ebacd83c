/*
 * baton-ldap: a Baton connector for LDAP directories. See README.md here.
 */
#include <signal.h>

#include "ldap_connector.h"

int main(int argc, char **argv)
{
	/* a server closing the connection must be an error, not a signal */
	signal(SIGPIPE, SIG_IGN);
	return baton_main(argc, argv, &ldap_connector);
}
