package live

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// terminalCode are the import paths (or their prefixes) of terminal code:
// the engine reports progress through hooks and never draws.
var terminalCode = []string{
	"github.com/vbauerster/mpb",
	"github.com/creack/pty",
	"golang.org/x/term",
	"github.com/bwstate/bwstate/internal/live",
	"github.com/bwstate/bwstate/internal/ptytest",
}

// TestEngineImportsNoTerminalCode: no package under engine/ imports a
// terminal library or this package (docs/architecture.md).
func TestEngineImportsNoTerminalCode(t *testing.T) {
	root := filepath.Join("..", "..", "engine")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() == "testdata" {
			return err
		}
		pkg, err := build.ImportDir(path, build.ImportComment)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		checked++
		for _, imp := range append(append(pkg.Imports, pkg.TestImports...), pkg.XTestImports...) {
			for _, bad := range terminalCode {
				if strings.HasPrefix(imp, bad) {
					t.Errorf("%s imports %s: the engine must not draw on terminals", path, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("wrong result: checked %d engine packages, want all of them", checked)
	}
}
