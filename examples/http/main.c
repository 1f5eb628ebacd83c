/* baton-http-example: see connector.c. */
#include "http_example.h"

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &http_example_connector);
}
