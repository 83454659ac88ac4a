package babelforcetest

import (
	"fmt"
	"net/http"
	"strings"
)

// Presence is a presence state of the fake.
type Presence struct {
	Name  string
	Label string
	// Available is true for "available" only: babelforce has one green
	// presence.
	Available bool
	// BuiltIn presences ("available" and "busy") cannot be deleted and are
	// listed with is_default true.
	BuiltIn bool
}

type presence = Presence

// AddPresence adds a red presence named name (as babelforce would name one
// created with that label, when name is empty) and returns it. It panics on
// a name in use, as seeding a fake wrongly is a bug.
func (s *Server) AddPresence(name, label string) Presence {
	if name == "" {
		name = presenceNameFromLabel(label)
	}
	if label == "" {
		label = name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.presenceLocked(name) != nil {
		panic(fmt.Sprintf("babelforcetest: AddPresence: presence %q exists", name))
	}
	p := &presence{Name: name, Label: label}
	s.addPresenceLocked(p)
	return *p
}

// Presences returns every presence, the built-in ones first.
func (s *Server) Presences() []Presence {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Presence, len(s.presences))
	for i, p := range s.presences {
		out[i] = *p
	}
	return out
}

func presenceJSON(p *presence) map[string]any {
	return map[string]any{"name": p.Name, "label": p.Label, "available": p.Available}
}

// listPresences answers GET /api/v2/agents/presence/available.
func (s *Server) listPresences(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.presences))
	for _, p := range s.presences {
		m := presenceJSON(p)
		m["count"] = s.inPresence[p.Name]
		m["is_default"] = p.BuiltIn
		items = append(items, m)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "success": true})
}

// createPresence answers POST /api/v2/agents/presence/available
// ({"label", "available"}): 501 for available true, as the manager spec
// says; presenceExistsStatus for a name in use; else 200 {item, success}.
func (s *Server) createPresence(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Label     string `json:"label"`
		Available bool   `json:"available"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.Available {
		apiError(w, r, http.StatusNotImplemented, "Not Implemented", "available=true is not supported: babelforce has one available presence")
		return
	}
	name := presenceNameFromLabel(in.Label)
	if name == "" {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "label is required")
		return
	}
	s.mu.Lock()
	if s.presenceLocked(name) != nil {
		s.mu.Unlock()
		apiError(w, r, presenceExistsStatus, http.StatusText(presenceExistsStatus), fmt.Sprintf("presence %q exists", name))
		return
	}
	p := &presence{Name: name, Label: strings.TrimSpace(in.Label)}
	s.addPresenceLocked(p)
	body := map[string]any{"item": presenceJSON(p), "success": true}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) getPresence(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p := s.presenceLocked(r.PathValue("name"))
	var body map[string]any
	if p != nil {
		body = map[string]any{"item": presenceJSON(p), "success": true}
	}
	s.mu.Unlock()
	if p == nil {
		apiError(w, r, http.StatusNotFound, "Not Found", "Presence not found")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// deletePresence answers DELETE /api/v2/agents/presence/available/{name}
// with DefaultV2MessageResponse: a built-in presence cannot go
// (builtInDeleteStatus), nor one an agent is in (presenceInUseStatus).
func (s *Server) deletePresence(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.presenceLocked(name)
	switch {
	case p == nil:
		apiError(w, r, http.StatusNotFound, "Not Found", "Presence not found")
		return
	case p.BuiltIn:
		apiError(w, r, builtInDeleteStatus, http.StatusText(builtInDeleteStatus), "a built-in presence cannot be deleted")
		return
	case s.inPresence[name] > 0:
		apiError(w, r, presenceInUseStatus, http.StatusText(presenceInUseStatus), "agents are in this presence")
		return
	}
	s.deletePresenceLocked(name)
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Presence deleted"})
}
