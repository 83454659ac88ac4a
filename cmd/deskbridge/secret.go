package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// envRefRE is a whole "${NAME}" reference.
var envRefRE = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// maxSecretFile bounds a secret read from a file.
const maxSecretFile = 64 << 10

// secretKind says what s refers to: "env" with the variable's name, "file"
// with the path, or "" for a literal.
func secretKind(s Secret) (kind, ref string) {
	v := string(s)
	if m := envRefRE.FindStringSubmatch(v); m != nil {
		return "env", m[1]
	}
	if p, ok := strings.CutPrefix(v, "file:"); ok && p != "" {
		return "file", p
	}
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") {
		return "file", v
	}
	return "", ""
}

// checkSecret refuses a secret written in the file: only references are
// accepted. The value itself is never repeated in the message.
func checkSecret(ps *problems, path string, s Secret) {
	if s == "" {
		return
	}
	if kind, _ := secretKind(s); kind != "" {
		return
	}
	what := "is written in the file"
	if looksLikeCredential(string(s)) {
		what = "looks like a credential written in the file"
	}
	if strings.Contains(string(s), "${") {
		what = "is not a whole ${NAME} reference"
	}
	ps.add(path, fmt.Sprintf("%s (%d characters, not shown); secrets are references, never literals", what, len(s)),
		`"${`+envName(path)+`}" (an environment variable) or file:/run/secrets/`+strings.ToLower(envName(path)))
}

// looksLikeCredential reports whether s has the shape of a token or key:
// long, without spaces, mixing letters and digits, or a known prefix.
func looksLikeCredential(s string) bool {
	if strings.HasPrefix(s, "Bearer ") || strings.HasPrefix(s, "Basic ") {
		return true
	}
	if len(s) < 12 || strings.ContainsAny(s, " \t\n") {
		return false
	}
	var letters, digits bool
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	return letters && digits
}

// notEnvRE matches what an environment variable's name cannot hold.
var notEnvRE = regexp.MustCompile(`[^A-Z0-9_]+`)

// envName proposes an environment variable for a setting's path, e.g.
// tenants.zendesk.acme.api_token → ZENDESK_ACME_API_TOKEN.
func envName(path string) string {
	parts := strings.Split(path, ".")
	if len(parts) > 0 && (parts[0] == "tenants" || parts[0] == "flows") {
		parts = parts[1:]
	}
	s := strings.ToUpper(strings.Join(parts, "_"))
	s = strings.Trim(notEnvRE.ReplaceAllString(s, "_"), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "SECRET_" + s
	}
	return s
}

// resolver reads secrets: environment variables through getenv, files
// relative to the config file's directory. A secret that cannot be read
// is noted at its setting's line, as the file's problems are: file and
// pos are the Config's.
type resolver struct {
	getenv func(string) string
	dir    string
	file   string
	pos    map[string]int
	errs   []string
}

// note records why the secret of the setting at path could not be read,
// at "file:N: path: " (or "path: " when the line is unknown).
func (r *resolver) note(path, format string, args ...any) {
	at := path
	if l := lineOf(r.pos, path); l > 0 && r.file != "" {
		at = fmt.Sprintf("%s:%d: %s", r.file, l, path)
	}
	r.errs = append(r.errs, at+": "+fmt.Sprintf(format, args...))
}

// get returns the secret s refers to, or "" after noting why it could not.
// path names the setting in the note; the value is never shown.
func (r *resolver) get(path string, s Secret) string {
	if s == "" {
		return ""
	}
	kind, ref := secretKind(s)
	switch kind {
	case "env":
		v := strings.TrimSpace(r.getenv(ref))
		if v == "" {
			r.note(path, "the environment variable %s is not set (or empty); export it, or point the setting at a file", ref)
		}
		return v
	case "file":
		p := ref
		if !filepath.IsAbs(p) && r.dir != "" {
			p = filepath.Join(r.dir, p)
		}
		f, err := os.Open(p)
		if err != nil {
			r.note(path, "cannot read the secret file: %v", err)
			return ""
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		if err != nil {
			r.note(path, "cannot read the secret file: %v", err)
			return ""
		}
		n := len(b)
		if n > maxSecretFile {
			r.note(path, "the secret file %s is over %d bytes; a secret file holds the secret alone", ref, maxSecretFile)
			return ""
		}
		v := strings.TrimSpace(string(b[:n]))
		if v == "" {
			r.note(path, "the secret file %s is empty", ref)
		}
		return v
	}
	r.note(path, "not a secret reference")
	return ""
}

// err returns every secret that could not be read, at once.
func (r *resolver) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("secrets that could not be read:\n  %s", strings.Join(r.errs, "\n  "))
}
