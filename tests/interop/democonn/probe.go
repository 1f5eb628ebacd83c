package democonn

import "github.com/conductorone/baton-sdk/pkg/field"

// ProbeConfiguration mirrors tests/cli/probe.c's schema (every field kind, flag and constraint
// kind), for comparing the cli-probe program's `config` output with the Go SDK's.
func ProbeConfiguration() field.Configuration {
	user := field.StringField("user", field.WithDescription("A user name"))
	password := field.StringField("password", field.WithIsSecret(true), field.WithDescription("The user's password"))
	token := field.StringField("token", field.WithIsSecret(true), field.WithDescription("A token"))
	cert := field.FileUploadField("cert", []string{".pem"}, field.WithDescription("A CA certificate"))
	fields := []field.SchemaField{
		field.StringField("base-url", field.WithRequired(true), field.WithDisplayName("Base URL"),
			field.WithDescription("The API's base URL"), field.WithPlaceholder("https://api.example.com"),
			field.WithString(func(r *field.StringRuler) { r.Pattern("^https?://") })),
		field.StringField("api-key", field.WithIsSecret(true), field.WithDescription("The API key"),
			field.WithDefaultValue("default-key-value"), field.WithString(func(r *field.StringRuler) { r.MinLen(8) })),
		field.SelectField("region", []string{"us", "eu"}, field.WithDescription("Where the tenant lives"),
			field.WithDefaultValue("us")),
		field.StringSliceField("tags", field.WithDescription("Tags to sync"), field.WithDefaultValue([]string{"a", "b"}),
			field.WithStringSlice(func(r *field.StringSliceRuler) {
				r.ItemRules(func(s *field.StringRuler) { s.MaxLen(5) })
			})),
		field.StringMapField("labels", field.WithDescription("Labels to add"),
			field.WithDefaultValue(map[string]any{"k": "v"})),
		field.IntField("limit", field.WithDescription("A limit"), field.WithDefaultValue(10),
			field.WithInt(func(r *field.IntRuler) { r.Gte(1).Lte(100) })),
		field.BoolField("verbose", field.WithShortHand("V"), field.WithDescription("Talk more")),
		cert, user, password, token,
		field.BoolField("debug-dump", field.WithHidden(true), field.WithExportTarget(field.ExportTargetCLIOnly),
			field.WithDescription("A hidden, CLI-only switch")),
		field.IntField("tuning", field.WithExportTarget(field.ExportTargetOps), field.WithDescription("An ops knob")),
	}
	return field.NewConfiguration(fields,
		field.WithConnectorDisplayName("CLI Probe"),
		field.WithHelpUrl("https://example.com/probe"),
		field.WithCatalogId("probe"),
		field.WithConstraints(
			field.FieldsRequiredTogether(user, password),
			field.FieldsMutuallyExclusive(token, user),
			field.FieldsDependentOn([]field.SchemaField{cert}, []field.SchemaField{token}),
		))
}

// ProbeGroupsConfiguration mirrors probe.c's PROBE_VARIANT=groups schema (auth methods).
func ProbeGroupsConfiguration() field.Configuration {
	baseURL := field.StringField("base-url", field.WithRequired(true), field.WithDescription("The API's base URL"))
	keyA := field.StringField("key-a", field.WithDescription("Key A"))
	keyB := field.StringField("key-b", field.WithDescription("Key B"))
	oauthID := field.StringField("oauth-id", field.WithDescription("OAuth client id"))
	oauthSecret := field.StringField("oauth-secret", field.WithRequired(true), field.WithIsSecret(true),
		field.WithDescription("OAuth client secret"))
	return field.NewConfiguration([]field.SchemaField{baseURL, keyA, keyB, oauthID, oauthSecret},
		field.WithConnectorDisplayName("CLI Probe"),
		field.WithConstraints(field.FieldsAtLeastOneUsed(keyA, keyB)),
		field.WithFieldGroups([]field.SchemaFieldGroup{
			{Name: "api-key", DisplayName: "API key", HelpText: "Authenticate with a key",
				Fields: []field.SchemaField{baseURL, keyA}, Default: true},
			{Name: "oauth", DisplayName: "OAuth", HelpText: "Authenticate with OAuth",
				Fields: []field.SchemaField{baseURL, oauthID, oauthSecret, keyB}},
		}))
}

// ProbeKindsConfiguration mirrors probe.c's PROBE_VARIANT=kinds schema: Oauth2Field, RandomField,
// the well-known string rules, prefix/suffix/contains, list item counts and uniqueness, suggested
// values, a computed default (WithDefaultValueFunc) and two SDK fields re-exported with ExportAs.
func ProbeKindsConfiguration() field.Configuration {
	wk := func(name, desc string, rule func(r *field.StringRuler)) field.SchemaField {
		return field.StringField(name, field.WithDescription(desc), field.WithString(rule))
	}
	fields := []field.SchemaField{
		field.Oauth2Field("token", field.WithIsSecret(true), field.WithDescription("An OAuth2 token")),
		field.RandomField("nonce", field.WithDescription("A random value")),
		wk("email", "An email", func(r *field.StringRuler) { r.IsEmail() }),
		field.StringField("site", field.WithDescription("A URL"), field.WithString(func(r *field.StringRuler) { r.IsURI() }),
			field.WithSuggestedValue("https://example.com")),
		wk("host", "A host", func(r *field.StringRuler) { r.IsHostname() }),
		wk("addr", "An IP", func(r *field.StringRuler) { r.IsIP() }),
		wk("addr4", "An IPv4", func(r *field.StringRuler) { r.IsIpv4() }),
		wk("addr6", "An IPv6", func(r *field.StringRuler) { r.IsIpv6() }),
		wk("tenant-id", "A UUID", func(r *field.StringRuler) { r.IsUUID() }),
		wk("key", "A key", func(r *field.StringRuler) { r.Prefix("ak_").Suffix("_z").Contains("-") }),
		field.StringSliceField("scopes", field.WithDescription("Scopes"),
			field.WithStringSlice(func(r *field.StringSliceRuler) {
				r.MinItems(1).MaxItems(3).Unique(true).ItemRules(func(s *field.StringRuler) { s.Prefix("s:") })
			}),
			field.WithSuggestedValue([]string{"s:read", "s:write"})),
		field.IntField("retries", field.WithDescription("Retries"), field.WithSuggestedValue(3)),
		field.BoolField("dry-run", field.WithDescription("Dry run"), field.WithSuggestedValue(true)),
		field.StringField("started", field.WithDescription("A computed default"),
			field.WithDefaultValueFunc(func() any { return "computed" })),
		wk("code", "A code", func(r *field.StringRuler) { r.Len(4).NotIn([]string{"0000", "1234"}) }),
		field.IntField("port", field.WithDescription("A port"),
			field.WithInt(func(r *field.IntRuler) { r.In([]int64{80, 443, 8080}) })),
		field.IntField("level", field.WithDescription("A level"),
			field.WithInt(func(r *field.IntRuler) { r.Gte(1).Lte(20).NotIn([]int64{13}) })),
		field.TicketingField.ExportAs(field.ExportTargetGUI),
		field.HttpTimeoutField.ExportAs(field.ExportTargetGUI),
	}
	return field.NewConfiguration(fields, field.WithConnectorDisplayName("CLI Probe"))
}
