package conversationstest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Triggers lists the webhook triggers the API takes (case-sensitive).
var Triggers = []string{
	"client:add", "client:remove", "client:update", "conversation:create", "conversation:join",
	"conversation:leave", "conversation:remove", "conversation:message", "conversation:message:delivery:channel",
	"conversation:message:delivery:failure", "conversation:message:delivery:user", "conversation:postback",
	"conversation:read", "conversation:referral", "passthrough:messaging", "conversation:typing",
	"switchboard:acceptControl", "switchboard:acceptControl:failure", "switchboard:offerControl",
	"switchboard:offerControl:failure", "switchboard:passControl", "switchboard:passControl:failure",
	"switchboard:releaseControl", "user:merge", "user:update", "user:remove",
}

type webhookInput struct {
	Target            *string  `json:"target"`
	Triggers          []string `json:"triggers"`
	IncludeFullUser   *bool    `json:"includeFullUser"`
	IncludeFullSource *bool    `json:"includeFullSource"`
}

// apply checks in and sets it on w; create requires target and triggers.
func (in *webhookInput) apply(w *Webhook, create bool) error {
	if create && in.Target == nil {
		return badRequest("should have required property 'target'")
	}
	if create && in.Triggers == nil {
		return badRequest("should have required property 'triggers'")
	}
	if in.Target != nil {
		u, err := url.Parse(*in.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badRequest("target must be an http or https URL")
		}
		w.Target = *in.Target
	}
	if in.Triggers != nil {
		if len(in.Triggers) == 0 {
			return badRequest("triggers must name at least one trigger")
		}
		for _, t := range in.Triggers {
			if !slices.Contains(Triggers, t) {
				return badRequest("trigger %q is not a webhook trigger (they are case-sensitive)", t)
			}
		}
		w.Triggers = slices.Clone(in.Triggers)
	}
	if in.IncludeFullUser != nil {
		w.IncludeFullUser = *in.IncludeFullUser
	}
	if in.IncludeFullSource != nil {
		w.IncludeFullSource = *in.IncludeFullSource
	}
	return nil
}

type integrationInput struct {
	Type        *string        `json:"type"`
	DisplayName *string        `json:"displayName"`
	Webhooks    []webhookInput `json:"webhooks"`
}

func (s *Server) createIntegration(c *call, in *integrationInput) error {
	if in.Type == nil {
		return badRequest("should have required property 'type'")
	}
	if *in.Type != "custom" {
		return badRequest("the fake creates integrations of type custom only, not %q", *in.Type)
	}
	if len(in.Webhooks) != 1 {
		return badRequest("a custom integration takes exactly one webhook on creation; add more with CreateWebhook")
	}
	if in.DisplayName != nil {
		if err := checkLen("displayName", *in.DisplayName, 1, 100); err != nil {
			return err
		}
	}
	w := Webhook{Version: "v2"}
	if err := in.Webhooks[0].apply(&w, true); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.st.webhooks) >= MaxWebhooksPerApp {
		return badRequest("an app has at most %d webhooks", MaxWebhooksPerApp)
	}
	ir := &integrationRec{in: Integration{ID: s.st.newID(), Type: "custom", Status: "active"}, webhooks: newOrdered(), keys: newOrdered()}
	if in.DisplayName != nil {
		ir.in.DisplayName = *in.DisplayName
	}
	s.st.ints[ir.in.ID] = ir
	s.st.integrations.add(ir.in.ID)
	s.st.addWebhook(ir, w)
	return c.json(http.StatusCreated, map[string]any{"integration": s.st.integrationView(ir)})
}

// addWebhook stores w on ir with a new id and secret. Callers hold s.mu.
func (st *state) addWebhook(ir *integrationRec, w Webhook) Webhook {
	w.ID = st.newID()
	w.Version = "v2"
	w.Secret = randomSecret(16)
	st.webhooks[w.ID] = &webhookRec{w: w, integrationID: ir.in.ID}
	ir.webhooks.add(w.ID)
	return w
}

func (s *Server) listIntegrations(c *call) error {
	q := c.r.URL.Query()
	p, err := parsePage(q, 0)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.integrations
	if types := q.Get("filter[types]"); types != "" {
		want := strings.Split(types, ",")
		o = newOrdered()
		for _, id := range s.st.integrations.ids {
			if slices.Contains(want, s.st.ints[id].in.Type) {
				o.add(id)
			}
		}
	}
	return listed(c, "integrations", o, p, false, func(id string) Integration { return s.st.integrationView(s.st.ints[id]) })
}

// integrationOr404 finds the integration the path names; "me" is the
// calling integration. An integration key reaches its own integration
// only. Callers hold s.mu.
func (s *Server) integrationOr404(c *call) (*integrationRec, error) {
	id := c.r.PathValue("integrationId")
	if id == "me" && c.who.integration() {
		id = c.who.integrationID
	}
	if c.who.integration() && id != c.who.integrationID {
		return nil, forbidden("An integration key can only reach its own integration")
	}
	if ir, ok := s.st.ints[id]; ok {
		return ir, nil
	}
	return nil, notFound("integration_not_found", "Integration not found")
}

func (s *Server) getIntegration(c *call) error {
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		return c.json(http.StatusOK, map[string]any{"integration": s.st.integrationView(ir)})
	})
}

func (s *Server) updateIntegration(c *call, in *integrationInput) error {
	if in.Type != nil || in.Webhooks != nil {
		return badRequest("a custom integration's update takes displayName only")
	}
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		if in.DisplayName != nil {
			if err := checkLen("displayName", *in.DisplayName, 1, 100); err != nil {
				return err
			}
			ir.in.DisplayName = *in.DisplayName
		}
		return c.json(http.StatusOK, map[string]any{"integration": s.st.integrationView(ir)})
	})
}

func (s *Server) deleteIntegration(c *call) error {
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		for _, id := range ir.webhooks.ids {
			delete(s.st.webhooks, id)
		}
		for _, id := range ir.keys.ids {
			delete(s.st.keys, id)
		}
		if si := s.st.switchboardIntegrationFor(ir.in.ID); si != nil {
			s.st.sbis.remove(si.ID)
			delete(s.st.sbi, si.ID)
		}
		s.st.integrations.remove(ir.in.ID)
		delete(s.st.ints, ir.in.ID)
		return c.json(http.StatusOK, map[string]any{})
	})
}

// --- custom integration keys ---

type keyInput struct {
	DisplayName *string `json:"displayName"`
}

func (s *Server) createIntegrationKey(c *call, in *keyInput) error {
	if err := in.check(); err != nil {
		return err
	}
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		return s.st.newKey(c, in, ir.keys, MaxKeysPerIntegration, "int_", ir.in.ID)
	})
}

// check refuses a key without a display name of 1 to 100 characters.
func (in *keyInput) check() error {
	if in.DisplayName == nil {
		return badRequest("should have required property 'displayName'")
	}
	return checkLen("displayName", *in.DisplayName, 1, 100)
}

// newKey adds a key to list (at most max) and answers 201 with it, its
// secret shown this once. Callers hold s.mu.
func (st *state) newKey(c *call, in *keyInput, list *ordered, max int, prefix, integrationID string) error {
	if list.len() >= max {
		owner := "an app"
		if integrationID != "" {
			owner = "an integration"
		}
		return badRequest("%s has at most %d keys", owner, max)
	}
	id, _ := st.addKey(prefix, *in.DisplayName, integrationID)
	list.add(id)
	return c.json(http.StatusCreated, map[string]any{"key": st.keys[id].key})
}

// keyView is a key as list and get show it.
func keyView(k Key) Key {
	if !keySecretOnRead() {
		k.Secret = ""
	}
	return k
}

func (s *Server) listIntegrationKeys(c *call) error {
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		list := entries(ir.keys.ids, func(id string) Key { return keyView(s.st.keys[id].key) })
		return c.json(http.StatusOK, map[string]any{"keys": list})
	})
}

// keyOr404 finds the key the path names on the integration it names
// (integrationOr404). Callers hold s.mu.
func (s *Server) keyOr404(c *call) (*keyRec, error) {
	ir, err := s.integrationOr404(c)
	if err != nil {
		return nil, err
	}
	id := c.r.PathValue("keyId")
	if _, ok := ir.keys.pos[id]; ok {
		return s.st.keys[id], nil
	}
	return nil, notFound("not_found", "Key not found")
}

func (s *Server) getIntegrationKey(c *call) error {
	return locked(s, c, s.keyOr404, func(k *keyRec) error {
		return c.json(http.StatusOK, map[string]any{"key": keyView(k.key)})
	})
}

func (s *Server) deleteIntegrationKey(c *call) error {
	return locked(s, c, s.keyOr404, func(k *keyRec) error {
		s.st.ints[k.integrationID].keys.remove(k.key.ID)
		delete(s.st.keys, k.key.ID)
		return c.json(http.StatusOK, map[string]any{})
	})
}

// --- webhooks ---

func (s *Server) createWebhook(c *call, in *webhookInput) error {
	var w Webhook
	if err := in.apply(&w, true); err != nil {
		return err
	}
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		if len(s.st.webhooks) >= MaxWebhooksPerApp {
			return badRequest("an app has at most %d webhooks", MaxWebhooksPerApp)
		}
		return c.json(http.StatusCreated, map[string]any{"webhook": s.st.addWebhook(ir, w)})
	})
}

func (s *Server) listWebhooks(c *call) error {
	return locked(s, c, s.integrationOr404, func(ir *integrationRec) error {
		return c.json(http.StatusOK, map[string]any{"webhooks": s.st.integrationView(ir).Webhooks})
	})
}

// webhookOr404 finds the webhook the path names on the integration it
// names (integrationOr404). Callers hold s.mu.
func (s *Server) webhookOr404(c *call) (*webhookRec, error) {
	ir, err := s.integrationOr404(c)
	if err != nil {
		return nil, err
	}
	if wr, ok := s.st.webhooks[c.r.PathValue("webhookId")]; ok && wr.integrationID == ir.in.ID {
		return wr, nil
	}
	return nil, notFound("not_found", "Webhook not found")
}

func (s *Server) getWebhook(c *call) error {
	return locked(s, c, s.webhookOr404, func(wr *webhookRec) error {
		return c.json(http.StatusOK, map[string]any{"webhook": wr.w})
	})
}

func (s *Server) updateWebhook(c *call, in *webhookInput) error {
	return locked(s, c, s.webhookOr404, func(wr *webhookRec) error {
		next := wr.w
		if err := in.apply(&next, false); err != nil {
			return err
		}
		wr.w = next
		return c.json(http.StatusOK, map[string]any{"webhook": wr.w})
	})
}

func (s *Server) deleteWebhook(c *call) error {
	return locked(s, c, s.webhookOr404, func(wr *webhookRec) error {
		s.st.ints[wr.integrationID].webhooks.remove(wr.w.ID)
		delete(s.st.webhooks, wr.w.ID)
		return c.json(http.StatusOK, map[string]any{})
	})
}

// Integrations returns copies of the custom integrations, webhooks and
// their secrets included, in the order they were made.
func (s *Server) Integrations() []Integration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := entries(s.st.integrations.ids, func(id string) Integration { return s.st.integrationView(s.st.ints[id]) })
	return out
}

// AddIntegration creates a custom integration with one webhook, as an
// admin does in Admin Center (Apps and integrations › Conversations
// integrations), and returns it with the webhook's id and secret. An
// invalid webhook is an error.
func (s *Server) AddIntegration(displayName string, w Webhook) (Integration, error) {
	in := webhookInput{Target: &w.Target, Triggers: w.Triggers, IncludeFullUser: &w.IncludeFullUser, IncludeFullSource: &w.IncludeFullSource}
	var hook Webhook
	if err := in.apply(&hook, true); err != nil {
		return Integration{}, errorf("%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ir := &integrationRec{in: Integration{ID: s.st.newID(), Type: "custom", Status: "active", DisplayName: displayName}, webhooks: newOrdered(), keys: newOrdered()}
	s.st.ints[ir.in.ID] = ir
	s.st.integrations.add(ir.in.ID)
	s.st.addWebhook(ir, hook)
	return s.st.integrationView(ir), nil
}

// AddIntegrationKey creates an API key for a custom integration (scope
// integration) and returns its id and secret.
func (s *Server) AddIntegrationKey(integrationID, displayName string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ir, ok := s.st.ints[integrationID]
	if !ok {
		return Key{}, errorf("no integration %s", integrationID)
	}
	id, _ := s.st.addKey("int_", displayName, ir.in.ID)
	ir.keys.add(id)
	return s.st.keys[id].key, nil
}

// AddSwitchboardIntegration links an integration to the switchboard (by
// IntegrationID, or by IntegrationType for a first-party one) and returns
// it with its id.
func (s *Server) AddSwitchboardIntegration(si SwitchboardIntegration) (SwitchboardIntegration, error) {
	in := switchboardIntegrationInput{Name: &si.Name, DeliverStandbyEvents: &si.DeliverStandbyEvents}
	if si.IntegrationID != "" {
		in.IntegrationID = &si.IntegrationID
	} else {
		in.IntegrationType = &si.IntegrationType
	}
	if si.NextSwitchboardIntegrationID != "" {
		in.NextSwitchboardIntegrationID = &si.NextSwitchboardIntegrationID
	}
	if si.MessageHistoryCount != 0 {
		in.MessageHistoryCount = &si.MessageHistoryCount
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.switchboard == nil {
		return SwitchboardIntegration{}, errorf("the app has no switchboard")
	}
	rec := &SwitchboardIntegration{ID: s.st.newID()}
	if err := s.st.applySwitchboardIntegration(rec, &in); err != nil {
		return SwitchboardIntegration{}, errorf("%v", err)
	}
	s.st.sbis.add(rec.ID)
	s.st.sbi[rec.ID] = rec
	return *rec, nil
}
