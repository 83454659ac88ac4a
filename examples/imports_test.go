// Package examples holds only tests about the examples, which are the main
// packages in the directories below it.
package examples

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestExamplesImportNoInternalPackage guards what the examples are for: a
// user copies examples/<flow> into a module of their own and it builds. Go
// refuses an import of an internal package from another module, so no Go
// file under examples/ (tests included) may import one.
func TestExamplesImportNoInternalPackage(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if isInternal(p) {
				t.Errorf("%s imports %s: an internal package does not build when the example is copied into another module",
					fset.Position(imp.Pos()), p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("found %d Go files under examples/; the walk is looking in the wrong place", files)
	}
}

// isInternal says whether Go's internal rule applies to the import path:
// one of its elements is "internal".
func isInternal(importPath string) bool {
	return slices.Contains(strings.Split(importPath, "/"), "internal")
}

func TestIsInternal(t *testing.T) {
	t.Parallel()
	const module = "github.com/deskbridge/deskbridge" // apart, so that a grep for our internal imports does not find these
	for p, want := range map[string]bool{
		module + "/internal/httpserve":   true,
		module + "/internal":             true,
		"internal/race":                  true,
		module + "/webhook":              false,
		"github.com/example/internalize": false,
		"net/http":                       false,
	} {
		if got := isInternal(p); got != want {
			t.Errorf("isInternal(%q) = %v, want %v", p, got, want)
		}
	}
}
