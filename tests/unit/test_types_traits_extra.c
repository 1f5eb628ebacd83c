/* The license profile, agent and managed device trait builders and the ResourceDeleted /
 * GrantReplaced annotations (src/types/traits_extra.c): the protojson Go's builders produce. */
#include "types_testutil.h"

static baton_resource *res(baton_ctx *ctx)
{
	baton_resource *r;
	CHECK(baton_resource_new(ctx, "Thing", types_rt(ctx, "Thing", BATON_TRAIT_UNSPECIFIED), "t1", &r));
	return r;
}

static void assert_pick(baton_ctx *ctx, baton_annotations *a, const char *name, const char *want)
{
	char *json;
	CHECK(baton_annotations_pick_json(a, name, ctx, &json));
	if (strcmp(json, want) != 0)
		fail_msg("%s:\n got %s\nwant %s", name, json, want);
}

static void test_license_profile(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	const char *const ents[] = {"app:1:seat", "app:1:admin"};
	baton_license_profile p = {"Enterprise", 100, 42, 1999, NULL, ents, 2};
	CHECK(baton_resource_set_license_profile_trait(r, &p));
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.LicenseProfileTrait",
	            "{\"licenseName\":\"Enterprise\",\"purchasedSeats\":\"100\",\"consumedSeats\":\"42\","
	            "\"costPerUnitInCents\":\"1999\",\"currency\":\"USD\",\"entitlementIds\":[\"app:1:seat\","
	            "\"app:1:admin\"]}");
	/* replaced, not appended */
	baton_license_profile q = {"Basic", 0, 0, 0, "EUR", NULL, 0};
	CHECK(baton_resource_set_license_profile_trait(r, &q));
	assert_int_equal(baton_annotations_count(baton_resource_annotations(r)), 1);
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.LicenseProfileTrait",
	            "{\"licenseName\":\"Basic\",\"currency\":\"EUR\"}");
	ASSERT_ERR(baton_resource_set_license_profile_trait(r, NULL), BATON_EINVALID, "p");
}

static void test_agent(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	CHECK(baton_resource_set_agent_trait(r, &(baton_resource_id){"service-account", "sa-1"}));
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.AgentTrait",
	            "{\"identityResourceId\":{\"resourceType\":\"service-account\",\"resource\":\"sa-1\"}}");
	ASSERT_ERR(baton_resource_set_agent_trait(r, &(baton_resource_id){"", "sa-1"}), BATON_EINVALID, "agent trait");
	/* the failed call changed nothing */
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.AgentTrait",
	            "{\"identityResourceId\":{\"resourceType\":\"service-account\",\"resource\":\"sa-1\"}}");
}

static void test_managed_device(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	baton_managed_device d = {0};
	d.serial = "C02XYZ";
	d.device_type = BATON_DEVICE_TYPE_LAPTOP;
	d.model = "MacBook Pro";
	d.os_type = BATON_DEVICE_OS_MACOS;
	d.os_version = "14.5";
	d.compliance = BATON_DEVICE_COMPLIANCE_COMPLIANT;
	d.is_encrypted = BATON_OPT_BOOL_TRUE;
	d.is_personal = BATON_OPT_BOOL_FALSE;
	d.management_state = BATON_DEVICE_MANAGEMENT_MANAGED;
	d.has_enrolled_at = true;
	d.enrolled_at = (baton_timestamp){1700000000, 0};
	CHECK(baton_resource_set_managed_device_trait(r, &d));
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.ManagedDeviceTrait",
	            "{\"serial\":\"C02XYZ\",\"deviceType\":\"DEVICE_TYPE_LAPTOP\",\"model\":\"MacBook Pro\","
	            "\"os\":{\"type\":\"OS_TYPE_MACOS\",\"version\":\"14.5\"},\"compliance\":\"COMPLIANCE_COMPLIANT\","
	            "\"isEncrypted\":true,\"isPersonal\":false,\"managementState\":\"MANAGEMENT_STATE_MANAGED\","
	            "\"enrolledAt\":\"2023-11-14T22:13:20Z\"}");
	d.device_type = (baton_device_type)7;
	ASSERT_ERR(baton_resource_set_managed_device_trait(r, &d), BATON_EINVALID, "device_type 7");
	d.device_type = BATON_DEVICE_TYPE_OTHER;
	d.is_supervised = (baton_opt_bool)3;
	ASSERT_ERR(baton_resource_set_managed_device_trait(r, &d), BATON_EINVALID, "is_supervised");
}

static void test_vendor(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	baton_money spend = {123456, "USD"};
	baton_vendor v = {0};
	v.vendor_id = "v-1";
	v.vendor_name = "Acme";
	v.website_domain = "acme.example";
	v.ytd_spend = &spend;
	CHECK(baton_resource_set_vendor_trait(r, &v));
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.VendorTrait",
	            "{\"vendorId\":\"v-1\",\"vendorName\":\"Acme\",\"websiteDomain\":\"acme.example\","
	            "\"ytdSpend\":{\"amountMinor\":\"123456\",\"currencyCode\":\"USD\"}}");
	v.vendor_name = "";
	ASSERT_ERR(baton_resource_set_vendor_trait(r, &v), BATON_EINVALID, "vendor_name must be set");
}

static void test_vendor_agreement(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	baton_money each = {1000, "USD"}, total = {50000, "USD"};
	baton_line_item items[] = {{"Seats", 50, "seat", &each, &total}};
	baton_vendor_agreement a = {0};
	a.agreement_name = "2024 renewal";
	a.has_start_date = a.has_end_date = true;
	a.start_date = (baton_timestamp){1704067200, 0};
	a.end_date = (baton_timestamp){1735689599, 0};
	a.auto_renewal = true;
	a.renewal_status = BATON_RENEWAL_STATUS_INITIATED;
	a.total_value = &total;
	a.line_items = items;
	a.n_line_items = 1;
	a.pricing_model = BATON_PRICING_MODEL_PER_SEAT;
	CHECK(baton_resource_set_vendor_agreement_trait(r, &a));
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.VendorAgreementTrait",
	            "{\"agreementName\":\"2024 renewal\",\"startDate\":\"2024-01-01T00:00:00Z\","
	            "\"endDate\":\"2024-12-31T23:59:59Z\",\"autoRenewal\":true,\"renewalStatus\":"
	            "\"RENEWAL_STATUS_INITIATED\",\"totalValue\":{\"amountMinor\":\"50000\",\"currencyCode\":\"USD\"},"
	            "\"lineItems\":[{\"productOrServiceName\":\"Seats\",\"quantity\":50,\"unit\":\"seat\","
	            "\"pricePerUnit\":{\"amountMinor\":\"1000\",\"currencyCode\":\"USD\"},\"totalPrice\":"
	            "{\"amountMinor\":\"50000\",\"currencyCode\":\"USD\"}}],\"pricingModel\":\"PRICING_MODEL_PER_SEAT\"}");
	a.end_date.seconds = 1700000000;
	ASSERT_ERR(baton_resource_set_vendor_agreement_trait(r, &a), BATON_EINVALID, "end_date must not precede start_date");
	a.end_date.seconds = 1735689599;
	a.has_last_date_to_terminate = true;
	a.last_date_to_terminate = (baton_timestamp){1735689600, 0};
	ASSERT_ERR(baton_resource_set_vendor_agreement_trait(r, &a), BATON_EINVALID, "must not exceed end_date");
}

static void test_security_insight(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	baton_risk_factor factors[] = {{"MFA disabled", BATON_RISK_SEVERITY_HIGH}};
	baton_security_insight s = {0};
	s.kind = BATON_INSIGHT_RISK_SCORE;
	s.normalized_score = 87;
	s.source_score = "8.7";
	s.risk_factors = factors;
	s.n_risk_factors = 1;
	s.has_observed_at = true;
	s.observed_at = (baton_timestamp){1700000000, 0};
	s.target = BATON_INSIGHT_TARGET_RESOURCE;
	s.target_resource = (baton_resource_id){"user", "u1"};
	CHECK(baton_resource_set_security_insight_trait(r, &s));
	assert_pick(ctx, baton_resource_annotations(r), "c1.connector.v2.SecurityInsightTrait",
	            "{\"riskScore\":{\"normalizedScore\":87,\"sourceScore\":\"8.7\",\"riskFactors\":[{\"description\":"
	            "\"MFA disabled\",\"severity\":\"SEVERITY_HIGH\"}]},\"observedAt\":\"2023-11-14T22:13:20Z\","
	            "\"resourceId\":{\"resourceType\":\"user\",\"resource\":\"u1\"}}");
	/* an issue about an app user; observed_at defaults to now */
	baton_security_insight i = {0};
	i.kind = BATON_INSIGHT_ISSUE;
	i.issue_value = "stale key";
	i.issue_severity = "HIGH";
	i.target = BATON_INSIGHT_TARGET_APP_USER;
	i.target_email = "a@example.com";
	i.target_external_id = "x1";
	CHECK(baton_resource_set_security_insight_trait(r, &i));
	char *json;
	CHECK(baton_annotations_pick_json(baton_resource_annotations(r), "c1.connector.v2.SecurityInsightTrait", ctx,
	                                  &json));
	assert_non_null(strstr(json, "\"issue\":{\"value\":\"stale key\",\"severity\":\"HIGH\"},\"observedAt\":\"20"));
	assert_non_null(strstr(json, "\"appUser\":{\"email\":\"a@example.com\",\"externalId\":\"x1\"}"));
	/* what Go refuses */
	s.normalized_score = 101;
	ASSERT_ERR(baton_resource_set_security_insight_trait(r, &s), BATON_EINVALID, "between 0 and 100");
	i.target = BATON_INSIGHT_TARGET_UNSET;
	ASSERT_ERR(baton_resource_set_security_insight_trait(r, &i), BATON_EINVALID, "target must be set");
	i.target = BATON_INSIGHT_TARGET_USER;
	i.kind = BATON_INSIGHT_UNSET;
	ASSERT_ERR(baton_resource_set_security_insight_trait(r, &i), BATON_EINVALID, "insight type must be set");
	assert_int_equal(baton_annotations_count(baton_resource_annotations(r)), 1);
}

static void test_provisioning_annotations(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = res(ctx);
	baton_annotations *a = baton_resource_annotations(r);
	CHECK(baton_annotations_append_resource_deleted(a, &(baton_resource_id){"group", "g1"}));
	CHECK(baton_annotations_append_grant_replaced(a, "group:g1:member:user:u1"));
	assert_pick(ctx, a, "c1.connector.v2.ResourceDeleted",
	            "{\"resourceId\":{\"resourceType\":\"group\",\"resource\":\"g1\"}}");
	assert_pick(ctx, a, "c1.connector.v2.GrantReplaced", "{\"replacedGrantId\":\"group:g1:member:user:u1\"}");
	ASSERT_ERR(baton_annotations_append_grant_replaced(a, ""), BATON_EINVALID, "replaced_grant_id");
	ASSERT_ERR(baton_annotations_append_resource_deleted(a, NULL), BATON_EINVALID, "id");
	assert_int_equal(baton_annotations_count(a), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_license_profile, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_agent, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_managed_device, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_vendor, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_vendor_agreement, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_security_insight, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_provisioning_annotations, types_setup, types_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
