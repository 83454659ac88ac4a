package babelforcetest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Secret returns a stored secret's value, for assertions. The API never
// returns values: it lists prefixes and keys only.
func (s *Server) Secret(prefix, key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.secrets[prefix][key]
	return v, ok
}

// Secrets returns a copy of the secrets stored under prefix.
func (s *Server) Secrets(prefix string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.secrets[prefix])
}

// listPrefixes answers GET /api/v3/tasks/configurations/secrets with the
// prefixes, sorted.
func (s *Server) listPrefixes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := slices.Sorted(maps.Keys(s.secrets))
	s.mu.Unlock()
	if out == nil {
		out = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

// listKeys answers GET …/secrets/{prefix} with the keys, sorted; 404 for a
// prefix that holds none.
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, ok := s.secrets[r.PathValue("prefix")]
	keys := slices.Sorted(maps.Keys(m))
	s.mu.Unlock()
	if !ok {
		apiError(w, r, http.StatusNotFound, "Not Found", "no secrets under prefix "+r.PathValue("prefix"))
		return
	}
	writeJSON(w, http.StatusOK, keys)
}

// storeSecrets answers POST and PATCH …/secrets/{prefix} with 204: the body
// is an object of string values. PATCH adds keys and keeps the others (the
// task-automation spec, static/openapi/task-automation.openapi.yaml in
// https://github.com/babelforce/manager-sdk); POST replaces the prefix's
// secrets (secretsWriteReplaces).
func (s *Server) storeSecrets(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if !readJSON(w, r, &raw) {
		return
	}
	if len(raw) == 0 {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "no secrets in the body")
		return
	}
	in := make(map[string]string, len(raw))
	for k, v := range raw {
		var str string
		if k == "" || fakeserver.DecodeJSON(v, &str) != nil {
			apiError(w, r, http.StatusBadRequest, "Bad Request", "secret values must be strings, under non-empty keys")
			return
		}
		in[k] = str
	}
	prefix := r.PathValue("prefix")
	s.mu.Lock()
	if secretsWriteReplaces(r.Method) || s.secrets[prefix] == nil {
		s.secrets[prefix] = in
	} else {
		maps.Copy(s.secrets[prefix], in)
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// deleteSecrets answers DELETE …/secrets/{prefix} (a JSON array of keys)
// with 204; a prefix left empty is removed.
func (s *Server) deleteSecrets(w http.ResponseWriter, r *http.Request) {
	var keys []string
	if !readJSON(w, r, &keys) {
		return
	}
	prefix := r.PathValue("prefix")
	s.mu.Lock()
	m, ok := s.secrets[prefix]
	for _, k := range keys {
		delete(m, k)
	}
	if ok && len(m) == 0 {
		delete(s.secrets, prefix)
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, r, http.StatusNotFound, "Not Found", "no secrets under prefix "+prefix)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
