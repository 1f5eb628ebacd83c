/* The descriptor registry: lookups by full name and by type URL, from many threads. */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "c1/connector/v2/annotation_grant.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "proto/registry.h"

static void *lookup_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		if (baton__registry_find("c1.connector.v2.UserTrait") != &c1__connector__v2__user_trait__descriptor)
			return (void *)1;
	return NULL;
}

/* Runs first: the lazy initialization races with itself. */
static void test_concurrent_first_use(void **state)
{
	(void)state;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, lookup_thread, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
}

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(baton__registry_find("c1.connector.v2.UserTrait"),
	                 &c1__connector__v2__user_trait__descriptor);
	assert_ptr_equal(baton__registry_find("google.protobuf.Struct"), &google__protobuf__struct__descriptor);
	/* nested types are registered under their full dotted name */
	assert_ptr_equal(baton__registry_find("c1.connector.v2.UserTrait.Email"),
	                 &c1__connector__v2__user_trait__email__descriptor);
	assert_null(baton__registry_find("c1.connector.v2.NoSuchThing"));
	assert_null(baton__registry_find("UserTrait"));
	assert_null(baton__registry_find(""));
	assert_null(baton__registry_find(NULL));
}

static void test_find_url(void **state)
{
	(void)state;
	assert_ptr_equal(baton__registry_find_url("type.googleapis.com/c1.connector.v2.GrantExpandable"),
	                 &c1__connector__v2__grant_expandable__descriptor);
	assert_ptr_equal(baton__registry_find_url("example.com/a/b/c1.connector.v2.GrantExpandable"),
	                 &c1__connector__v2__grant_expandable__descriptor);
	assert_ptr_equal(baton__registry_find_url("c1.connector.v2.GrantExpandable"),
	                 &c1__connector__v2__grant_expandable__descriptor);
	assert_null(baton__registry_find_url("type.googleapis.com/"));
	assert_null(baton__registry_find_url("type.googleapis.com/c1.connector.v2.Nope"));
	assert_null(baton__registry_find_url(NULL));
	assert_string_equal(baton__type_url_name("type.googleapis.com/x.Y"), "x.Y");
	assert_string_equal(baton__type_url_name("x.Y"), "x.Y");
	assert_null(baton__type_url_name(NULL));
}

static void test_table(void **state)
{
	(void)state;
	size_t n = baton__registry_count();
	assert_true(n > 300);
	assert_int_equal(n, baton__gen_descriptor_count);
	for (size_t i = 0; i < n; i++) {
		const ProtobufCMessageDescriptor *d = baton__registry_at(i);
		assert_non_null(d);
		assert_int_equal(d->magic, PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
		if (i > 0)
			assert_true(strcmp(baton__registry_at(i - 1)->name, d->name) < 0); /* sorted, unique */
		assert_ptr_equal(baton__registry_find(d->name), d);
	}
	assert_null(baton__registry_at(n));
	for (size_t i = 0; i < baton__gen_descriptor_count; i++)
		assert_ptr_equal(baton__registry_find(baton__gen_descriptors[i]->name), baton__gen_descriptors[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_first_use),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_url),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
