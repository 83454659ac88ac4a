package conversationstest

import "net/http"

// The app's keys (/v2/apps/{appId}/keys): account provisioning, which
// only an account key may do (an app or integration key gets 403).

func (s *Server) createAppKey(c *call, in *keyInput) error {
	if err := in.check(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.newKey(c, in, s.st.appKeys, MaxKeysPerApp, "app_", "")
}

func (s *Server) listAppKeys(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := entries(s.st.appKeys.ids, func(id string) Key { return keyView(s.st.keys[id].key) })
	return c.json(http.StatusOK, map[string]any{"keys": list})
}

// appKeyOr404 finds the app key the path names. Callers hold s.mu.
func (s *Server) appKeyOr404(c *call) (*keyRec, error) {
	id := c.r.PathValue("keyId")
	if _, ok := s.st.appKeys.pos[id]; ok {
		return s.st.keys[id], nil
	}
	return nil, notFound("not_found", "Key not found")
}

func (s *Server) getAppKey(c *call) error {
	return locked(s, c, s.appKeyOr404, func(k *keyRec) error {
		return c.json(http.StatusOK, map[string]any{"key": keyView(k.key)})
	})
}

func (s *Server) deleteAppKey(c *call) error {
	return locked(s, c, s.appKeyOr404, func(k *keyRec) error {
		s.st.appKeys.remove(k.key.ID)
		delete(s.st.keys, k.key.ID)
		return c.json(http.StatusOK, map[string]any{})
	})
}

// AppKeys returns the app's keys as the API lists them (no secrets).
func (s *Server) AppKeys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return entries(s.st.appKeys.ids, func(id string) Key { return keyView(s.st.keys[id].key) })
}
