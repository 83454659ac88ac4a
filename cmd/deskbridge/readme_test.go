package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeServiceFileParses: the file README.md shows under "Run it as a
// service" is a valid configuration, so that a user who copies it gets
// past the parser.
func TestReadmeServiceFileParses(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Run it as a service")
	if !ok {
		t.Fatal(`README.md has no "## Run it as a service" section`)
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatal("the section shows no ```yaml block")
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		t.Fatal("the yaml block is not closed")
	}
	cfg, err := ParseConfig("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's file does not parse:\n%v\n---\n%s", err, block)
	}
	if cfg == nil {
		t.Fatal("no config")
	}
}
