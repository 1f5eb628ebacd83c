/*
 * Builds objects with the public builder API and writes their wire bytes to
 * $BATON_TEST_OUT_DIR/interop/fixture.json, for the Go oracle in tests/interop/ to compare with
 * what the Go SDK's own builders produce for the same inputs.
 *
 * THE CASE LIST: `cases[]` at the bottom of this file and `builders` in
 * tests/interop/fixture_test.go must name the same cases, building the same objects. The Go test
 * fails on a case one side has and the other lacks.
 *
 * Here, each case is also checked on its own: it packs, unpacks, and packs again to the same bytes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <setjmp.h>
#include <sys/stat.h>

#include "testutil.h"
#include "interop_manifest.h" /* im_base64 */
#include "baton/ctx.h"
#include "baton/resource.h"
#include "baton/entitlement.h"
#include "baton/grant.h"
#include "baton/annotations.h"

/* Fixed instants, so both sides build identical timestamps. */
static const baton_timestamp TS_CREATED = { 1600000000, 0 };
static const baton_timestamp TS_LAST_LOGIN = { 1700000000, 123456789 };
static const baton_timestamp TS_LAST_USED = { 1710000000, 500 };
static const baton_timestamp TS_EXPIRES = { 1900000000, 0 };

/*
 * A failing call inside a case abandons that case only (it is written to the fixture with its
 * error, so the Go side reports it too); the test fails at the end, naming every failed case.
 */
static jmp_buf case_jmp;
static bool in_case;
static char case_err[1024];

static void case_fail(const char *what, int rc)
{
	snprintf(case_err, sizeof case_err, "%s: %d %s (%s)", what, rc, baton_error_code_name(rc),
	         baton_error_last()->message);
	if (in_case)
		longjmp(case_jmp, 1);
	fail_msg("%s", case_err);
}

#define OK(expr)                                                                             \
	do {                                                                                     \
		int rc_ = (expr);                                                                    \
		if (rc_ != 0)                                                                        \
			case_fail(#expr, rc_);                                                           \
	} while (0)

#define NN(expr) check_nn((expr), #expr)
static void *check_nn(void *p, const char *what)
{
	if (!p)
		case_fail(what, baton_error_last()->code);
	return p;
}

/* What a case produced. */
typedef enum kind { K_RESOURCE_TYPE, K_RESOURCE, K_ENTITLEMENT, K_GRANT } kind;
static const char *const kind_names[] = { "ResourceType", "Resource", "Entitlement", "Grant" };

typedef struct out {
	kind k;
	void *obj;
} out;

/* ------------------------------------------------------------------------------------------ */
/* Shared building blocks (the Go side has the same helpers under the same names).             */

static baton_resource_type *rt_user(baton_ctx *ctx)
{
	static const baton_trait t[] = { BATON_TRAIT_USER };
	baton_resource_type *rt;
	OK(baton_resource_type_new(ctx, "User", t, 1, &rt));
	return rt;
}

static baton_resource_type *rt_group(baton_ctx *ctx)
{
	static const baton_trait t[] = { BATON_TRAIT_GROUP };
	baton_resource_type *rt;
	OK(baton_resource_type_new(ctx, "Group", t, 1, &rt));
	return rt;
}

static baton_resource_type *rt_plain(baton_ctx *ctx, const char *name)
{
	baton_resource_type *rt;
	OK(baton_resource_type_new(ctx, name, NULL, 0, &rt));
	return rt;
}

/* A group resource with a trait (embedded whole in entitlements and grants below). */
static baton_resource *group_eng(baton_ctx *ctx)
{
	baton_resource *r;
	OK(baton_group_resource_new(ctx, "Engineering", rt_group(ctx), "eng", &r));
	baton_group_trait *gt = NN(baton_resource_group_trait(r));
	OK(baton_group_trait_set_source_type(gt, BATON_GROUP_SOURCE_NATIVE));
	return r;
}

static baton_resource *repo_resource(baton_ctx *ctx)
{
	baton_resource *r;
	const baton_resource_id parent = { "org", "acme" };
	OK(baton_resource_new(ctx, "widgets", rt_plain(ctx, "Repository"), "acme/widgets", &r));
	OK(baton_resource_set_parent(r, &parent));
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Resource types                                                                              */

static void rt_user_described(baton_ctx *ctx, out *o)
{
	baton_resource_type *rt = rt_user(ctx);
	OK(baton_resource_type_set_description(rt, "People who sign in"));
	*o = (out){ K_RESOURCE_TYPE, rt };
}

static void rt_service_account_skip(baton_ctx *ctx, out *o)
{
	baton_resource_type *rt = rt_plain(ctx, "Service Account");
	OK(baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt)));
	*o = (out){ K_RESOURCE_TYPE, rt };
}

static void rt_multi_trait(baton_ctx *ctx, out *o)
{
	static const baton_trait t[] = { BATON_TRAIT_ROLE, BATON_TRAIT_APP, BATON_TRAIT_SECRET };
	baton_resource_type *rt;
	OK(baton_resource_type_new(ctx, "Cloud Role", t, 3, &rt));
	*o = (out){ K_RESOURCE_TYPE, rt };
}

static void rt_id_override_external(baton_ctx *ctx, out *o)
{
	baton_resource_type *rt = rt_plain(ctx, "Workspace");
	OK(baton_resource_type_set_id(rt, "ws"));
	OK(baton_resource_type_set_sourced_externally(rt, true));
	*o = (out){ K_RESOURCE_TYPE, rt };
}

/* ------------------------------------------------------------------------------------------ */
/* Resources                                                                                   */

static void user_defaults(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_user_resource_new(ctx, "Alice Smith", rt_user(ctx), "alice", &r));
	*o = (out){ K_RESOURCE, r };
}

static void user_all_options(baton_ctx *ctx, out *o)
{
	static const char *const aliases[] = { "asmith", "alice.smith" };
	static const char *const employee_ids[] = { "E-1001", "E-0007" };
	static const char *const middle[] = { "Marie", "Jo" };
	baton_resource *r;
	OK(baton_user_resource_new(ctx, "Alice Smith", rt_user(ctx), "alice", &r));
	baton_user_trait *ut = NN(baton_resource_user_trait(r));
	OK(baton_user_trait_add_email(ut, "alice@example.com", true));
	OK(baton_user_trait_add_email(ut, "alice.alt@example.org", false));
	OK(baton_user_trait_add_email(ut, "", true)); /* ignored, as Go */
	OK(baton_user_trait_set_status(ut, BATON_STATUS_DISABLED, "on leave"));
	OK(baton_user_trait_set_account_type(ut, BATON_ACCOUNT_TYPE_SERVICE));
	OK(baton_user_trait_set_login(ut, "alice", aliases, 2));
	OK(baton_user_trait_set_employee_ids(ut, employee_ids, 2));
	OK(baton_user_trait_set_last_login(ut, TS_LAST_LOGIN));
	OK(baton_user_trait_set_mfa_enabled(ut, true));
	OK(baton_user_trait_set_sso_enabled(ut, false));
	OK(baton_user_trait_set_structured_name(ut, "Alice", "Smith", middle, 2, "Dr.", "PhD"));
	OK(baton_user_trait_set_profile_json(ut, "{\"department\": \"R&D\", \"level\": 3, \"remote\": true,"
	                                         " \"manager\": {\"id\": \"bob\", \"tags\": [\"a\", 2, null]},"
	                                         " \"nothing\": null, \"ratio\": 0.25}"));
	*o = (out){ K_RESOURCE, r };
}

/* The deprecated trait fields, mirrored onto the resource. */
static void user_deprecated_mirrored(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_user_resource_new(ctx, "Bob", rt_user(ctx), "bob", &r));
	baton_user_trait *ut = NN(baton_resource_user_trait(r));
	OK(baton_user_trait_set_icon(ut, "icon-bob"));
	OK(baton_user_trait_set_created_at(ut, TS_CREATED));
	OK(baton_user_trait_set_status(ut, BATON_STATUS_DELETED, NULL));
	*o = (out){ K_RESOURCE, r };
}

/* Resource-level attributes set explicitly win over the trait's deprecated ones. */
static void user_resource_attrs(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_user_resource_new(ctx, "Carol", rt_user(ctx), "carol", &r));
	OK(baton_resource_set_status(r, BATON_STATUS_ENABLED, "active in HR"));
	OK(baton_resource_set_profile_json(r, "{\"title\": \"CTO\"}"));
	OK(baton_resource_set_icon(r, "icon-carol"));
	OK(baton_resource_set_created_at(r, TS_CREATED));
	baton_user_trait *ut = NN(baton_resource_user_trait(r));
	OK(baton_user_trait_set_status(ut, BATON_STATUS_DISABLED, "trait says disabled"));
	OK(baton_user_trait_set_profile_json(ut, "{\"title\": \"ignored on the resource\"}"));
	*o = (out){ K_RESOURCE, r };
}

static void user_int_id(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new_int(ctx, "User 42", rt_user(ctx), 42, &r));
	baton_user_trait *ut = NN(baton_resource_user_trait(r));
	OK(baton_user_trait_add_email(ut, "u42@example.com", false));
	*o = (out){ K_RESOURCE, r };
}

static void group_all_options(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_group_resource_new(ctx, "Admins", rt_group(ctx), "grp-admins", &r));
	baton_group_trait *gt = NN(baton_resource_group_trait(r));
	OK(baton_group_trait_set_source_type(gt, BATON_GROUP_SOURCE_DIRECTORY_SYNCED));
	OK(baton_group_trait_set_raw_source_type(gt, "AAD security group"));
	OK(baton_group_trait_set_profile_json(gt, "{\"members\": 12, \"mail\": \"admins@example.com\"}"));
	OK(baton_group_trait_set_icon(gt, "icon-admins"));
	OK(baton_resource_set_description(r, "Administrators"));
	*o = (out){ K_RESOURCE, r };
}

static void role_scope_conditions(baton_ctx *ctx, out *o)
{
	static const baton_trait t[] = { BATON_TRAIT_ROLE };
	static const char *const exprs[] = { "resource.type == 'project'", "principal.dept == 'eng'" };
	baton_resource_type *rt;
	baton_resource *r;
	OK(baton_resource_type_new(ctx, "Role", t, 1, &rt));
	OK(baton_role_resource_new(ctx, "Viewer", rt, "viewer", &r));
	baton_role_trait *tr = NN(baton_resource_role_trait(r));
	OK(baton_role_trait_set_scope_conditions(tr, "cel", exprs, 2));
	OK(baton_role_trait_set_profile_json(tr, "{\"builtin\": true}"));
	*o = (out){ K_RESOURCE, r };
}

static void app_all_options(baton_ctx *ctx, out *o)
{
	static const baton_trait t[] = { BATON_TRAIT_APP };
	static const baton_app_flag flags[] = { BATON_APP_FLAG_SAML, BATON_APP_FLAG_HIDDEN };
	baton_resource_type *rt;
	baton_resource *r;
	OK(baton_resource_type_new(ctx, "App", t, 1, &rt));
	OK(baton_app_resource_new(ctx, "Payroll", rt, "app-payroll", &r));
	baton_app_trait *at = NN(baton_resource_app_trait(r));
	OK(baton_app_trait_set_help_url(at, "https://help.example.com/payroll"));
	OK(baton_app_trait_set_logo(at, "logo-payroll"));
	OK(baton_app_trait_set_flags(at, flags, 2));
	OK(baton_app_trait_set_source_type(at, "native"));
	OK(baton_app_trait_set_raw_source_type(at, "SAML 2.0 app"));
	OK(baton_app_trait_set_icon(at, "icon-payroll"));
	OK(baton_app_trait_set_profile_json(at, "{\"vendor\": \"ACME\"}"));
	*o = (out){ K_RESOURCE, r };
}

static void secret_all_options(baton_ctx *ctx, out *o)
{
	static const baton_trait t[] = { BATON_TRAIT_SECRET };
	const baton_resource_id creator = { "user", "alice" };
	const baton_resource_id identity = { "service-account", "deploy-bot" };
	baton_resource_type *rt;
	baton_resource *r;
	OK(baton_resource_type_new(ctx, "API Key", t, 1, &rt));
	OK(baton_secret_resource_new(ctx, "deploy key", rt, "key-1", &r));
	baton_secret_trait *st = NN(baton_resource_secret_trait(r));
	OK(baton_secret_trait_set_created_at(st, TS_CREATED));
	OK(baton_secret_trait_set_last_used_at(st, TS_LAST_USED));
	OK(baton_secret_trait_set_expires_at(st, TS_EXPIRES));
	OK(baton_secret_trait_set_created_by_id(st, &creator));
	OK(baton_secret_trait_set_identity_id(st, &identity));
	OK(baton_secret_trait_set_credential_type(st, BATON_CREDENTIAL_TYPE_ASYMMETRIC_KEY));
	OK(baton_secret_trait_set_credential_detail(st, "ssh_key"));
	*o = (out){ K_RESOURCE, r };
}

static void resource_parent_description(baton_ctx *ctx, out *o)
{
	baton_resource *r = repo_resource(ctx);
	OK(baton_resource_set_description(r, "The widgets repository"));
	*o = (out){ K_RESOURCE, r };
}

static void resource_annotations(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "ACME", rt_plain(ctx, "Org"), "acme", &r));
	baton_annotations *a = baton_resource_annotations(r);
	OK(baton_annotations_set_external_link(a, "https://github.com/acme"));
	OK(baton_annotations_add_child_resource_type(a, "repository"));
	OK(baton_annotations_add_child_resource_type(a, "team"));
	OK(baton_annotations_set_skip_grants(a));
	OK(baton_annotations_set_raw_id(a, "O_kgDOA"));
	OK(baton_annotations_append_json(a, "c1.connector.v2.ChildResourceType",
	                                 "{\"resourceTypeId\": \"project\"}"));
	*o = (out){ K_RESOURCE, r };
}

static void resource_skip_entitlements(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "Archive", rt_plain(ctx, "Folder"), "f-9", &r));
	OK(baton_annotations_set_skip_entitlements(baton_resource_annotations(r)));
	OK(baton_annotations_set_skip_entitlements_and_grants(baton_resource_annotations(r)));
	*o = (out){ K_RESOURCE, r };
}

static void resource_alias_single(baton_ctx *ctx, out *o)
{
	static const char *const ids[] = { "legacy-42" };
	baton_resource *r;
	OK(baton_resource_new(ctx, "Device", rt_plain(ctx, "Device"), "dev-42", &r));
	OK(baton_resource_add_aliases(r, ids, 1));
	*o = (out){ K_RESOURCE, r };
}

/* Go keeps aliases in a map (random order): the Go side sorts them before comparing. */
static void resource_aliases_multi(baton_ctx *ctx, out *o)
{
	static const char *const first[] = { "a-1", "b-2" };
	static const char *const second[] = { "b-2", "c-3" };
	baton_resource *r;
	OK(baton_resource_new(ctx, "Device", rt_plain(ctx, "Device"), "dev-43", &r));
	OK(baton_resource_add_aliases(r, first, 2));
	OK(baton_resource_add_aliases(r, second, 2));
	*o = (out){ K_RESOURCE, r };
}

static void resource_external_id(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "Ticket", rt_plain(ctx, "Ticket"), "T-1", &r));
	OK(baton_resource_set_external_id(r, "ext-1", "https://tickets.example.com/T-1", "the ticket"));
	OK(baton_resource_set_baton_resource(r, true));
	*o = (out){ K_RESOURCE, r };
}

static void resource_nhi(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_app_resource_new(ctx, "CI bot", rt_plain(ctx, "Service Principal"), "sp-1", &r));
	OK(baton_resource_set_nhi_type(r, BATON_NHI_TYPE_APP_REGISTRATION, "github actions"));
	*o = (out){ K_RESOURCE, r };
}

/*
 * The Go side applies WithNHIType to the finished resource, after its AppTrait. A typed
 * constructor's trait takes its annotation slot at the first flush, and reading the annotation
 * list flushes: after that, setters append behind the trait.
 */
static void resource_nhi_set_after(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_app_resource_new(ctx, "CI bot", rt_plain(ctx, "Service Principal"), "sp-1", &r));
	assert_int_equal(baton_annotations_count(baton_resource_annotations(r)), 1);
	OK(baton_resource_set_nhi_type(r, BATON_NHI_TYPE_APP_REGISTRATION, "github actions"));
	*o = (out){ K_RESOURCE, r };
}

static void resource_scope_binding(baton_ctx *ctx, out *o)
{
	const baton_resource_id role = { "role", "viewer" };
	const baton_resource_id scope = { "project", "p-1" };
	baton_resource *r;
	OK(baton_scope_binding_resource_new(ctx, "viewer@p-1", rt_plain(ctx, "Binding"), "b-1", &role,
	                                    &scope, &r));
	*o = (out){ K_RESOURCE, r };
}

static void resource_profile_values(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "Numbers", rt_plain(ctx, "Thing"), "n-1", &r));
	OK(baton_resource_set_profile_json(r, "{\"int\": 7, \"neg\": -12, \"float\": 1.5,"
	                                      " \"big\": 9007199254740993, \"zero\": 0,"
	                                      " \"utf8\": \"h\\u00e9llo \\u2713\", \"empty\": \"\","
	                                      " \"list\": [], \"obj\": {}, \"f\": false}"));
	*o = (out){ K_RESOURCE, r };
}

/* Present-but-empty messages must still be written: {} profile, UNSPECIFIED status, epoch. */
static void resource_empty_messages(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "Empty", rt_plain(ctx, "Thing"), "e-1", &r));
	OK(baton_resource_set_profile_json(r, "{}"));
	OK(baton_resource_set_status(r, BATON_STATUS_UNSPECIFIED, NULL));
	OK(baton_resource_set_created_at(r, (baton_timestamp){ 0, 0 }));
	*o = (out){ K_RESOURCE, r };
}

static void resource_with_id(baton_ctx *ctx, out *o)
{
	const baton_resource_id id = { "custom-type", "obj 1/2:3" };
	baton_resource *r;
	OK(baton_resource_new_with_id(ctx, "Odd id", &id, &r));
	*o = (out){ K_RESOURCE, r };
}

/* Go's Update replaces every entry of the type in place (duplicates stay duplicates). */
static void resource_annotation_update_all(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "ACME 2", rt_plain(ctx, "Org"), "acme2", &r));
	baton_annotations *a = baton_resource_annotations(r);
	OK(baton_annotations_add_child_resource_type(a, "a"));
	OK(baton_annotations_set_skip_grants(a));
	OK(baton_annotations_add_child_resource_type(a, "b"));
	OK(baton_annotations_update_json(a, "c1.connector.v2.ChildResourceType",
	                                 "{\"resourceTypeId\": \"c\"}"));
	*o = (out){ K_RESOURCE, r };
}

/* A user trait added to a resource that already has an annotation goes after it. */
static void user_trait_after_annotation(baton_ctx *ctx, out *o)
{
	baton_resource *r;
	OK(baton_resource_new(ctx, "Dave", rt_user(ctx), "dave", &r));
	OK(baton_annotations_set_external_link(baton_resource_annotations(r), "https://example.com/dave"));
	OK(baton_user_trait_add_email(NN(baton_resource_user_trait(r)), "dave@example.com", true));
	*o = (out){ K_RESOURCE, r };
}

static void user_login_edge(baton_ctx *ctx, out *o)
{
	static const char *const ignored[] = { "x" };
	static const char *const first[] = { "a" };
	static const char *const second[] = { "b", "c" };
	baton_resource *r;
	OK(baton_user_resource_new(ctx, "Erin", rt_user(ctx), "erin", &r));
	baton_user_trait *ut = NN(baton_resource_user_trait(r));
	OK(baton_user_trait_set_login(ut, "", ignored, 1)); /* empty login: nothing at all */
	OK(baton_user_trait_set_employee_ids(ut, first, 1));
	OK(baton_user_trait_set_employee_ids(ut, second, 2)); /* replaces */
	OK(baton_user_trait_set_mfa_enabled(ut, false));  /* present, false */
	OK(baton_user_trait_set_sso_enabled(ut, true));
	OK(baton_user_trait_set_structured_name(ut, "Erin", NULL, NULL, 0, NULL, NULL));
	OK(baton_user_trait_set_account_type(ut, BATON_ACCOUNT_TYPE_SYSTEM));
	*o = (out){ K_RESOURCE, r };
}

/* ------------------------------------------------------------------------------------------ */
/* Entitlements                                                                                */

static void ent_assignment(baton_ctx *ctx, out *o)
{
	const baton_resource_type *types[2];
	baton_entitlement *e;
	types[0] = rt_user(ctx);
	types[1] = rt_group(ctx);
	OK(baton_assignment_entitlement_new(ctx, group_eng(ctx), "member", &e));
	OK(baton_entitlement_set_grantable_to(e, types, 2));
	OK(baton_entitlement_set_description(e, "Member of Engineering"));
	OK(baton_entitlement_set_display_name(e, "Engineering member"));
	*o = (out){ K_ENTITLEMENT, e };
}

static void ent_permission_exclusion_default(baton_ctx *ctx, out *o)
{
	baton_entitlement *e;
	OK(baton_permission_entitlement_new(ctx, repo_resource(ctx), "admin", &e));
	OK(baton_entitlement_set_exclusion_group(e, "repo-role", 3, true));
	*o = (out){ K_ENTITLEMENT, e };
}

static void ent_ownership_slug_order(baton_ctx *ctx, out *o)
{
	baton_entitlement *e;
	OK(baton_ownership_entitlement_new(ctx, repo_resource(ctx), "owner", &e));
	OK(baton_entitlement_set_slug(e, "own"));
	OK(baton_entitlement_set_exclusion_group(e, "repo-role", 9, false));
	*o = (out){ K_ENTITLEMENT, e };
}

static void ent_exclusion_plain(baton_ctx *ctx, out *o)
{
	baton_entitlement *e;
	OK(baton_permission_entitlement_new(ctx, repo_resource(ctx), "read", &e));
	OK(baton_entitlement_set_exclusion_group(e, "repo-role", 0, false));
	*o = (out){ K_ENTITLEMENT, e };
}

static void ent_unspecified_purpose(baton_ctx *ctx, out *o)
{
	baton_entitlement *e;
	OK(baton_entitlement_new(ctx, repo_resource(ctx), "triage",
	                         baton_entitlement_purpose_from_string("bogus"), &e));
	*o = (out){ K_ENTITLEMENT, e };
}

static void ent_immutable(baton_ctx *ctx, out *o)
{
	baton_entitlement *e;
	OK(baton_assignment_entitlement_new(ctx, group_eng(ctx), "admin", &e));
	OK(baton_entitlement_set_immutable(e, "okta", "{\"reason\": \"synced from IdP\", \"n\": 1}"));
	*o = (out){ K_ENTITLEMENT, e };
}

/* ------------------------------------------------------------------------------------------ */
/* Grants                                                                                      */

static const baton_resource_id P_ALICE = { "user", "alice" };
static const baton_resource_id P_OPS = { "group", "ops" };

static void grant_plain(baton_ctx *ctx, out *o)
{
	baton_grant *g;
	OK(baton_grant_new(ctx, group_eng(ctx), "member", &P_ALICE, &g));
	*o = (out){ K_GRANT, g };
}

static void grant_principal_resource(baton_ctx *ctx, out *o)
{
	baton_resource *alice;
	baton_grant *g;
	OK(baton_user_resource_new(ctx, "Alice Smith", rt_user(ctx), "alice", &alice));
	OK(baton_user_trait_add_email(NN(baton_resource_user_trait(alice)), "alice@example.com", true));
	OK(baton_grant_new_with_principal(ctx, group_eng(ctx), "member", alice, &g));
	*o = (out){ K_GRANT, g };
}

static void grant_expandable(baton_ctx *ctx, out *o)
{
	static const char *const ents[] = { "group:ops:member" };
	baton_grant *g;
	OK(baton_grant_new(ctx, group_eng(ctx), "member", &P_OPS, &g));
	OK(baton_grant_set_expandable(g, ents, 1, false, NULL, 0));
	*o = (out){ K_GRANT, g };
}

static void grant_expandable_shallow_types(baton_ctx *ctx, out *o)
{
	static const char *const ents[] = { "group:ops:member", "group:ops:admin" };
	static const char *const rts[] = { "user", "service-account" };
	baton_grant *g;
	OK(baton_grant_new(ctx, group_eng(ctx), "member", &P_OPS, &g));
	OK(baton_grant_set_expandable(g, ents, 2, true, rts, 2));
	*o = (out){ K_GRANT, g };
}

static void grant_immutable_metadata(baton_ctx *ctx, out *o)
{
	baton_grant *g;
	OK(baton_grant_new(ctx, repo_resource(ctx), "admin", &P_ALICE, &g));
	OK(baton_grant_set_immutable(g, "scim", "{\"source\": \"scim\", \"weight\": 2}"));
	OK(baton_grant_set_metadata_json(g, "{\"reason\": \"on-call\", \"ticket\": 1234}"));
	*o = (out){ K_GRANT, g };
}

static void grant_immutable_empty(baton_ctx *ctx, out *o)
{
	baton_grant *g;
	OK(baton_grant_new(ctx, repo_resource(ctx), "read", &P_ALICE, &g));
	OK(baton_grant_set_immutable(g, NULL, NULL));
	*o = (out){ K_GRANT, g };
}

static void grant_sources(baton_ctx *ctx, out *o)
{
	baton_grant *g;
	OK(baton_grant_new(ctx, group_eng(ctx), "member", &P_ALICE, &g));
	OK(baton_grant_add_source(g, "group:ops:member", false));
	OK(baton_grant_add_source(g, "group:eng:member", true));
	OK(baton_grant_add_source(g, "group:all:member", false));
	*o = (out){ K_GRANT, g };
}

static void grant_for_entitlement(baton_ctx *ctx, out *o)
{
	out eo;
	baton_grant *g;
	ent_assignment(ctx, &eo);
	OK(baton_grant_new_for_entitlement(ctx, eo.obj, &P_ALICE, &g));
	*o = (out){ K_GRANT, g };
}

static void grant_everything(baton_ctx *ctx, out *o)
{
	static const char *const ents[] = { "group:ops:member" };
	baton_grant *g;
	OK(baton_grant_new(ctx, group_eng(ctx), "member", &P_OPS, &g));
	OK(baton_grant_set_expandable(g, ents, 1, false, NULL, 0));
	OK(baton_grant_set_immutable(g, "ldap", NULL));
	OK(baton_grant_set_metadata_json(g, "{\"k\": \"v\"}"));
	OK(baton_grant_add_source(g, "group:ops:member", true));
	*o = (out){ K_GRANT, g };
}

static void grant_metadata_twice(baton_ctx *ctx, out *o)
{
	baton_grant *g;
	OK(baton_grant_new(ctx, group_eng(ctx), "member", &P_ALICE, &g));
	OK(baton_grant_set_metadata_json(g, "{\"first\": 1}"));
	OK(baton_grant_set_immutable(g, "x", NULL));
	OK(baton_grant_set_metadata_json(g, "{\"second\": 2}")); /* update: replaces in place */
	*o = (out){ K_GRANT, g };
}

/* ------------------------------------------------------------------------------------------ */
/* THE CASE LIST (keep in step with `builders` in tests/interop/fixture_test.go).              */

typedef struct fixture_case {
	const char *name;
	void (*build)(baton_ctx *ctx, out *o);
} fixture_case;

#define CASE(fn) { #fn, fn }
static const fixture_case cases[] = {
	CASE(rt_user_described),
	CASE(rt_service_account_skip),
	CASE(rt_multi_trait),
	CASE(rt_id_override_external),
	CASE(user_defaults),
	CASE(user_all_options),
	CASE(user_deprecated_mirrored),
	CASE(user_resource_attrs),
	CASE(user_int_id),
	CASE(group_all_options),
	CASE(role_scope_conditions),
	CASE(app_all_options),
	CASE(secret_all_options),
	CASE(resource_parent_description),
	CASE(resource_annotations),
	CASE(resource_skip_entitlements),
	CASE(resource_alias_single),
	CASE(resource_aliases_multi),
	CASE(resource_external_id),
	CASE(resource_nhi),
	CASE(resource_nhi_set_after),
	CASE(resource_scope_binding),
	CASE(resource_profile_values),
	CASE(resource_empty_messages),
	CASE(resource_with_id),
	CASE(resource_annotation_update_all),
	CASE(user_trait_after_annotation),
	CASE(user_login_edge),
	CASE(ent_assignment),
	CASE(ent_permission_exclusion_default),
	CASE(ent_ownership_slug_order),
	CASE(ent_exclusion_plain),
	CASE(ent_unspecified_purpose),
	CASE(ent_immutable),
	CASE(grant_plain),
	CASE(grant_principal_resource),
	CASE(grant_expandable),
	CASE(grant_expandable_shallow_types),
	CASE(grant_immutable_metadata),
	CASE(grant_immutable_empty),
	CASE(grant_sources),
	CASE(grant_for_entitlement),
	CASE(grant_everything),
	CASE(grant_metadata_twice),
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* ------------------------------------------------------------------------------------------ */

static void pack_out(const out *o, baton_ctx *ctx, const uint8_t **data, size_t *len)
{
	switch (o->k) {
	case K_RESOURCE_TYPE:
		OK(baton_resource_type_pack(o->obj, ctx, data, len));
		break;
	case K_RESOURCE:
		OK(baton_resource_pack(o->obj, ctx, data, len));
		break;
	case K_ENTITLEMENT:
		OK(baton_entitlement_pack(o->obj, ctx, data, len));
		break;
	case K_GRANT:
		OK(baton_grant_pack(o->obj, ctx, data, len));
		break;
	}
}

/* Unpacks our own bytes and packs them again: must be the same bytes. */
static void check_round_trip(const char *name, kind k, baton_ctx *ctx, const uint8_t *data, size_t len)
{
	out again = { k, NULL };
	const uint8_t *d2;
	size_t l2;

	switch (k) {
	case K_RESOURCE_TYPE:
		OK(baton_resource_type_unpack(ctx, data, len, (baton_resource_type **)&again.obj));
		break;
	case K_RESOURCE:
		OK(baton_resource_unpack(ctx, data, len, (baton_resource **)&again.obj));
		break;
	case K_ENTITLEMENT:
		OK(baton_entitlement_unpack(ctx, data, len, (baton_entitlement **)&again.obj));
		break;
	case K_GRANT:
		OK(baton_grant_unpack(ctx, data, len, (baton_grant **)&again.obj));
		break;
	}
	pack_out(&again, ctx, &d2, &l2);
	if (l2 != len || (len > 0 && memcmp(d2, data, len) != 0)) {
		char msg[160];
		snprintf(msg, sizeof msg, "unpack + pack of our own bytes changes them (%zu -> %zu bytes)",
		         len, l2);
		case_fail(msg, BATON_EINTERNAL);
	}
}

static void test_write_fixture(void **state)
{
	(void)state;
	json_t *arr = json_array();
	char dir[4096], path[4200], failed[4096] = "";
	size_t n_failed = 0;

	assert_non_null(arr);
	for (size_t i = 0; i < N_CASES; i++) {
		baton_ctx *ctx;
		out o = { K_RESOURCE, NULL };
		const uint8_t *data;
		size_t len;
		json_t *item;

		if (baton_ctx_new(&ctx) != 0)
			fail_msg("baton_ctx_new failed");
		in_case = true;
		if (setjmp(case_jmp) != 0) {
			in_case = false;
			print_error("case %s: %s\n", cases[i].name, case_err);
			item = json_pack("{s:s, s:s, s:s}", "name", cases[i].name, "type", "", "error", case_err);
			assert_non_null(item);
			assert_int_equal(json_array_append_new(arr, item), 0);
			size_t n = strlen(failed);
			snprintf(failed + n, sizeof failed - n, " %s", cases[i].name);
			n_failed++;
			baton_ctx_free(ctx);
			continue;
		}
		cases[i].build(ctx, &o);
		if (!o.obj)
			case_fail("the case built nothing", BATON_EINTERNAL);
		pack_out(&o, ctx, &data, &len);
		check_round_trip(cases[i].name, o.k, ctx, data, len);
		in_case = false;

		char *b64 = im_base64(data, len);
		item = json_pack("{s:s, s:s, s:s}", "name", cases[i].name, "type", kind_names[o.k], "data", b64);
		assert_non_null(item);
		assert_int_equal(json_array_append_new(arr, item), 0);
		free(b64);
		baton_ctx_free(ctx);
	}

	snprintf(dir, sizeof dir, "%s/interop", test_out_dir());
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/fixture.json", dir);
	if (json_dump_file(arr, path, JSON_INDENT(1)) != 0)
		fail_msg("cannot write %s", path);
	print_message("wrote %zu cases to %s\n", N_CASES, path);
	json_decref(arr);
	if (n_failed)
		fail_msg("%zu of %zu cases failed to build:%s", n_failed, (size_t)N_CASES, failed);
}

/* Case names must be unique (the Go side keys on them). */
static void test_case_names_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++)
		for (size_t j = i + 1; j < N_CASES; j++)
			if (strcmp(cases[i].name, cases[j].name) == 0)
				fail_msg("duplicate case name %s", cases[i].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_names_unique),
		cmocka_unit_test(test_write_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
