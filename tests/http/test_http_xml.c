/*
 * XML bodies (libxml2): a request body from a document with Content-Type application/xml, a
 * response parsed when its Content-Type is XML (or whatever it is when asked), a body that is not
 * well-formed refused with the request in the message, and no external entity ever expanded.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static const char *exchanges =
	"{\"mode\":\"sequence\",\"exchanges\":["
	"{\"expect\":{\"method\":\"POST\",\"path\":\"/users\",\"headers\":{\"Content-Type\":\"application/xml\"}},"
	" \"respond\":{\"status\":200,\"headers\":{\"Content-Type\":\"text/xml; charset=utf-8\"},"
	"  \"body\":\"<users><user id=\\\"1\\\">Ann</user></users>\"}},"
	"{\"respond\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/json\"},\"body\":\"<a>x</a>\"}},"
	"{\"respond\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/xml\"},\"body\":\"<a><b></a>\"}},"
	"{\"respond\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/xml\"},"
	"  \"body\":\"<!DOCTYPE a [<!ENTITY x SYSTEM \\\"file:///etc/passwd\\\">]><a>&x;</a>\"}}"
	"]}";

static baton_http_response *call(baton_http_client *c, baton_http_request *r)
{
	baton_http_response *resp = NULL;
	if (baton_http_do(c, r, NULL, &resp) != 0)
		fail_msg("do: %s", baton_error_last()->message);
	return resp;
}

static void test_xml_bodies(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(exchanges);
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);

	/* request body */
	xmlDocPtr req = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"user");
	xmlDocSetRootElement(req, root);
	xmlNewTextChild(root, NULL, (const xmlChar *)"name", (const xmlChar *)"Ann & Bob");
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "POST", "/users", &r), 0);
	assert_int_equal(baton_http_request_set_xml(r, req), 0);
	xmlFreeDoc(req);
	baton_http_response *resp = call(c, r);
	const test_request *sent = test_server_request(s, 0);
	assert_non_null(strstr(sent->body, "<user><name>Ann &amp; Bob</name></user>"));
	/* response: text/xml with a charset parameter */
	xmlDocPtr doc = NULL;
	assert_int_equal(baton_http_response_xml(resp, false, &doc), 0);
	xmlNodePtr top = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)top->name, "users");
	xmlChar *id = xmlGetProp(top->children, (const xmlChar *)"id");
	assert_string_equal((const char *)id, "1");
	xmlFree(id);
	xmlFreeDoc(doc);
	baton_http_response_free(resp);

	/* a JSON content type: refused unless any content type is accepted */
	resp = call(c, r);
	assert_int_equal(baton_http_response_xml(resp, false, &doc), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "unexpected content type for xml response: application/json"));
	assert_null(doc);
	assert_int_equal(baton_http_response_xml(resp, true, &doc), 0);
	xmlFreeDoc(doc);
	baton_http_response_free(resp);

	/* not well-formed */
	resp = call(c, r);
	assert_int_equal(baton_http_response_xml(resp, false, &doc), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "invalid XML in response to POST"));
	assert_null(doc);
	baton_http_response_free(resp);

	/* an external entity is not loaded: the text stays empty, /etc/passwd never read */
	resp = call(c, r);
	assert_int_equal(baton_http_response_xml(resp, false, &doc), 0);
	xmlChar *text = xmlNodeGetContent(xmlDocGetRootElement(doc));
	assert_null(strstr((const char *)text, "root:"));
	xmlFree(text);
	xmlFreeDoc(doc);
	baton_http_response_free(resp);

	baton_http_request_free(r);
	baton_http_client_free(c);
	test_server_check(s, true);
	test_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_xml_bodies)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
