// docs/parity.md against the Go SDK: every default flag (field.DefaultFields) and every exported
// field builder, field option, rule builder and configuration option of pkg/field, and every
// exported function of pkg/actions/args.go (found by parsing the SDK's sources) has a row, and
// every row names something the SDK has.
package interop

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductorone/baton-sdk/pkg/field"
)

// parityRows: the first column of every table row of docs/parity.md (the Go name without backquotes).
func parityRows(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "parity.md"))
	if err != nil {
		t.Fatal(err)
	}
	cell := regexp.MustCompile("^\\| `([^`]+)` \\|")
	rows := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := cell.FindStringSubmatch(line); m != nil {
			rows[m[1]] = true
		}
	}
	return rows
}

// sdkAPI: the exported builders and options of the SDK's pkg/field, as "Name" or "Type.Method".
func sdkAPI(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/conductorone/baton-sdk").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "pkg", "field")
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	wanted := map[string]bool{"SchemaField": true, "SchemaFieldRelationship": true, "fieldOption": true,
		"configOption": true, "Configuration": true, "*StringRuler": true, "*IntRuler": true, "*BoolRuler": true,
		"*StringSliceRuler": true, "*StringMapRuler": true, "*ResourceIdSliceRuler": true}
	api := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || !fd.Name.IsExported() || fd.Type.Results == nil || len(fd.Type.Results.List) != 1 {
					continue
				}
				res := ""
				switch x := fd.Type.Results.List[0].Type.(type) {
				case *ast.Ident:
					res = x.Name
				case *ast.StarExpr:
					if id, ok := x.X.(*ast.Ident); ok {
						res = "*" + id.Name
					}
				}
				if !wanted[res] || strings.HasPrefix(fd.Name.Name, "New") && res != "Configuration" {
					continue
				}
				name := fd.Name.Name
				if fd.Recv != nil {
					switch x := fd.Recv.List[0].Type.(type) {
					case *ast.StarExpr:
						name = x.X.(*ast.Ident).Name + "." + name
					case *ast.Ident:
						name = x.Name + "." + name
					}
				}
				api[name] = true
			}
		}
	}
	// pkg/actions: the exported argument readers and return-value builders of args.go
	adir := filepath.Join(strings.TrimSpace(string(out)), "pkg", "actions")
	apkgs, err := parser.ParseDir(token.NewFileSet(), adir, func(fi os.FileInfo) bool {
		return fi.Name() == "args.go"
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range apkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
					api[fd.Name.Name] = true
				}
			}
		}
	}
	return api
}

func TestParityTableCoversGoSDK(t *testing.T) {
	rows := parityRows(t)
	known := sdkAPI(t)
	if len(known) < 60 {
		t.Fatalf("found only %d builders and options in the SDK's pkg/field", len(known))
	}
	for name := range known {
		if !rows[name] {
			t.Errorf("docs/parity.md has no row for the Go SDK's %s", name)
		}
	}
	for _, f := range field.DefaultFields {
		known[f.FieldName] = true
		if !rows[f.FieldName] {
			t.Errorf("docs/parity.md has no row for the Go SDK's flag --%s", f.FieldName)
		}
	}
	for name := range rows {
		if !known[name] {
			t.Errorf("docs/parity.md has a row for %s, which the Go SDK does not have", name)
		}
	}
}
