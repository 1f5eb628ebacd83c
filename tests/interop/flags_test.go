// libbaton's table of the SDK's own flags (src/cli/flags.c, baton__sdk_fields) against the Go
// SDK's field.DefaultFields: the same flags in the same order, each with the same kind, default,
// shorthand, hidden-ness, export target (none or ops) and description. The `config` comparison
// (cli_test.go) sees only the exported (ops) fields at run time; this covers the CLI-only ones
// too, which decide what `--help`, the environment (BATON_<NAME>) and the config file accept.
package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductorone/baton-sdk/pkg/field"
)

type flagRow struct {
	name, kind, def, short, export, desc string
	hidden                               bool
}

// ourSDKFlags parses the entries of baton__sdk_fields up to libbaton's own (marked in the file).
func ourSDKFlags(t *testing.T) []flagRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "src", "cli", "flags.c"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	start := strings.Index(src, "const baton_field baton__sdk_fields[] = {")
	end := strings.Index(src, "/* ---- libbaton's own")
	if start < 0 || end < start {
		t.Fatal("src/cli/flags.c: the table or its libbaton marker is not where this test looks")
	}
	src = src[start:end]
	// adjacent C string literals are one string
	src = regexp.MustCompile(`"\s*\n\s*"`).ReplaceAllString(src, "")
	entry := regexp.MustCompile(`(?s)\{\.name = "([^"]+)",(.*?)\},\n`)
	str := func(rest, member string) (string, bool) {
		m := regexp.MustCompile(`\.` + member + ` = "((?:[^"\\]|\\.)*)"`).FindStringSubmatch(rest)
		if m == nil {
			return "", false
		}
		return strings.ReplaceAll(strings.ReplaceAll(m[1], `\"`, `"`), `\\`, `\`), true
	}
	kinds := map[string]string{"S": "StringField", "B": "BoolField", "I": "IntField", "L": "StringSliceField",
		"BATON_FIELD_SELECT": "StringField"}
	var rows []flagRow
	for _, m := range entry.FindAllStringSubmatch(src, -1) {
		rest := m[2]
		r := flagRow{name: m[1]}
		k := regexp.MustCompile(`\.kind = (\w+)`).FindStringSubmatch(rest)
		fl := regexp.MustCompile(`\.flags = ([^,]+),`).FindStringSubmatch(rest)
		if k == nil || fl == nil {
			t.Fatalf("flags.c: entry %s has no .kind or .flags", r.name)
		}
		if r.kind = kinds[k[1]]; r.kind == "" {
			t.Fatalf("flags.c: entry %s: unknown kind %s", r.name, k[1])
		}
		r.hidden = strings.Contains(fl[1], "HIDDEN")
		r.export = "none"
		if strings.Contains(fl[1], "BATON_FIELD_OPS") {
			r.export = "ops"
		}
		if s := regexp.MustCompile(`\.short_name = '(.)'`).FindStringSubmatch(rest); s != nil {
			r.short = s[1]
		}
		r.def, _ = str(rest, "default_value")
		r.desc, _ = str(rest, "description")
		rows = append(rows, r)
	}
	return rows
}

// goDefault is the Go field's default as libbaton's table writes it ("" for none or a zero value
// the kind implies; the two computed defaults are libbaton's code, not its table).
func goDefault(f field.SchemaField) string {
	switch f.FieldName {
	case "event-feed-start-at", "log-format":
		return ""
	}
	switch v := f.DefaultValue.(type) {
	case nil:
		return ""
	case bool:
		return "" // false: libbaton's bools default to false
	case []string:
		return strings.Join(v, ",")
	default:
		return fmt.Sprint(v)
	}
}

func TestSDKFlagsMatchGo(t *testing.T) {
	ours := ourSDKFlags(t)
	if len(ours) != len(field.DefaultFields) {
		t.Errorf("libbaton has %d SDK flags, Go %d", len(ours), len(field.DefaultFields))
	}
	for i, g := range field.DefaultFields {
		if i >= len(ours) {
			t.Errorf("flag %d (--%s) missing from src/cli/flags.c", i, g.FieldName)
			continue
		}
		o := ours[i]
		if o.name != g.FieldName {
			t.Errorf("flag %d: libbaton has --%s where Go has --%s (same order expected)", i, o.name, g.FieldName)
			continue
		}
		want := flagRow{name: g.FieldName, kind: fmt.Sprint(g.Variant), def: goDefault(g), short: g.GetCLIShortHand(),
			export: fmt.Sprint(g.ExportTarget), desc: g.Description, hidden: g.IsHidden()}
		if o.def == "0" && want.def == "0" {
			want.def = o.def
		}
		if o != want {
			t.Errorf("--%s differs:\n  libbaton %+v\n  Go       %+v", g.FieldName, o, want)
		}
	}
}
