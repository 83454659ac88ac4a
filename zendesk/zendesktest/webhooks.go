package zendesktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Webhooks (https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/).
//
// Endpoints: POST /api/v2/webhooks (201), GET /api/v2/webhooks (cursor
// pagination, in creation order; filter[name_contains], filter[status];
// "sort" is ignored), GET, PUT and PATCH
// /api/v2/webhooks/{id} (partial updates answered 204 No Content), DELETE
// (204), GET /api/v2/webhooks/{id}/signing_secret, POST
// /api/v2/webhooks/{id}/signing_secret (reset: 201 with the new secret),
// POST /api/v2/webhooks/test.
//
// The guesses, in unconfirmed.go: the list, PATCH and reset paths
// (webhookRoutes), the answer to an update (webhookUpdated), the answer of
// the test endpoint (webhookTestAnswer) and the secret that signs a test of
// an unsaved webhook ([TestSigningSecret]). Validation errors are 422
// RecordInvalid, like the other Support endpoints'. The test endpoint is
// lenient, the fake's choice, so that a client's request is tested
// whatever the shape it guesses: it accepts ?webhook_id= for a saved
// webhook and a "webhook" object for an unsaved one, plus an optional
// "request" with "payload" and "headers" ([{"key": ..., "value": ...}] or
// {"name": "value"}); the endpoint, method, format and authentication may
// also be given inside "request".
//
// A webhook subscribed to Zendesk events must use POST and json and cannot
// be connected to triggers; "conditional_ticket_events" must be the only
// subscription of a trigger webhook; the connection kind cannot change
// after creation
// (https://developer.zendesk.com/documentation/event-connectors/webhooks/creating-and-monitoring-webhooks/).
// The API never shows authentication
// data. http endpoints are allowed (Zendesk may require https).

const triggerSubscription = "conditional_ticket_events"

type webhookInput struct {
	Name           nullString        `json:"name"`
	Description    nullString        `json:"description"`
	Status         nullString        `json:"status"`
	Endpoint       nullString        `json:"endpoint"`
	HTTPMethod     nullString        `json:"http_method"`
	RequestFormat  nullString        `json:"request_format"`
	Subscriptions  *[]string         `json:"subscriptions"`
	Authentication json.RawMessage   `json:"authentication"`
	CustomHeaders  map[string]string `json:"custom_headers"`
	ExternalSource json.RawMessage   `json:"external_source"`
}

func isEventSubscription(s string) bool { return strings.HasPrefix(s, "zen:event-type:") }

func connection(subs []string) string {
	if slices.Contains(subs, triggerSubscription) {
		return "trigger"
	}
	if len(subs) > 0 {
		return "event"
	}
	return ""
}

// applyWebhook validates in and applies it to w.
func applyWebhook(w *Webhook, in *webhookInput, creating bool) error {
	p := problems{}
	before := connection(w.Subscriptions)
	set := func(dst *string, v nullString) {
		if v.Set {
			*dst = strings.TrimSpace(v.V)
		}
	}
	set(&w.Name, in.Name)
	set(&w.Description, in.Description)
	set(&w.Status, in.Status)
	set(&w.Endpoint, in.Endpoint)
	set(&w.HTTPMethod, in.HTTPMethod)
	set(&w.RequestFormat, in.RequestFormat)
	w.HTTPMethod = strings.ToUpper(w.HTTPMethod)
	if in.Subscriptions != nil {
		w.Subscriptions = slices.Clone(*in.Subscriptions)
	}
	if w.Name == "" {
		p.add("name", "Name", "cannot be blank", "BlankValue")
	}
	if u, err := url.Parse(w.Endpoint); w.Endpoint == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add("endpoint", "Endpoint", "is not a valid URL", "InvalidValue")
	}
	if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, w.HTTPMethod) {
		p.add("http_method", "HTTP method", "is not valid", "InvalidValue")
	}
	if !slices.Contains([]string{"json", "xml", "form_encoded"}, w.RequestFormat) {
		p.add("request_format", "Request format", "is not valid", "InvalidValue")
	}
	if w.Status != "active" && w.Status != "inactive" {
		p.add("status", "Status", "is not valid", "InvalidValue")
	}
	switch conn := connection(w.Subscriptions); {
	case conn == "trigger" && len(w.Subscriptions) != 1:
		p.add("subscriptions", "Subscriptions", "conditional_ticket_events cannot be combined with event subscriptions", "InvalidValue")
	case conn == "event":
		for _, s := range w.Subscriptions {
			if !isEventSubscription(s) {
				p.add("subscriptions", "Subscriptions", fmt.Sprintf("%q is not a valid subscription", s), "InvalidValue")
			}
		}
		if w.HTTPMethod != "POST" || w.RequestFormat != "json" {
			p.add("subscriptions", "Subscriptions", "webhooks subscribed to Zendesk events must use POST and json", "InvalidValue")
		}
	}
	if !creating && before != connection(w.Subscriptions) {
		p.add("subscriptions", "Subscriptions", "the connection method of a webhook cannot be changed", "InvalidValue")
	}
	if len(in.Authentication) > 0 {
		if string(in.Authentication) == "null" {
			w.Authentication = nil
		} else {
			var a WebhookAuth
			if err := fakeserver.DecodeJSON(in.Authentication, &a); err != nil {
				p.add("authentication", "Authentication", "is not valid", "InvalidValue")
			} else {
				if a.AddPosition == "" {
					a.AddPosition = "header"
				}
				if a.Data == nil && w.Authentication != nil && w.Authentication.Type == a.Type {
					a.Data = w.Authentication.Data
				}
				need := map[string][]string{"basic_auth": {"username", "password"}, "bearer_token": {"token"}, "api_key": {"name", "value"}}[a.Type]
				if need == nil {
					p.add("authentication", "Authentication", "type must be basic_auth, bearer_token or api_key", "InvalidValue")
				}
				for _, k := range need {
					if a.Data[k] == "" {
						p.add("authentication", "Authentication", "data."+k+" cannot be blank", "BlankValue")
					}
				}
				w.Authentication = &a
			}
		}
	}
	if in.CustomHeaders != nil {
		w.CustomHeaders = in.CustomHeaders
	}
	if len(in.ExternalSource) > 0 {
		w.ExternalSource = slices.Clone(in.ExternalSource)
	}
	return p.err()
}

type webhookEnvelope struct {
	Webhook *webhookInput `json:"webhook"`
}

func (s *Server) webhooksCreate(c *call) error {
	var env webhookEnvelope
	if err := c.decodeEnvelope("webhook", &env, func() bool { return env.Webhook == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	w := Webhook{Subscriptions: []string{}}
	if err := applyWebhook(&w, env.Webhook, true); err != nil {
		return err
	}
	w.ID = newULID(s.now())
	w.CreatedAt = now
	w.CreatedBy = itoa(c.user)
	rec := &webhookRec{w: w, seq: s.st.nextID(), secret: randomSecret()}
	s.st.webhooks.put(w.ID, rec)
	return c.created(s.st.url("/api/v2/webhooks/%s", w.ID), map[string]any{"webhook": w.public()})
}

func (s *Server) webhooksList(c *call) error {
	p, err := c.pageParams(pageCursor, 100)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	name, status := q.Get("filter[name_contains]"), q.Get("filter[status]")
	s.mu.Lock()
	defer s.mu.Unlock()
	type item struct {
		w   Webhook
		seq int64
	}
	var list []item
	for _, r := range s.st.webhooks.values() {
		if name != "" && !containsFold(r.w.Name, name) {
			continue
		}
		if status != "" && r.w.Status != status {
			continue
		}
		list = append(list, item{r.w.public(), r.seq})
	}
	page, meta, links := cursorPage(c, p, list, func(i item) string { return seqKey(i.seq) })
	hooks := []Webhook{}
	for _, i := range page {
		hooks = append(hooks, i.w)
	}
	return c.json(200, map[string]any{"webhooks": hooks, "meta": meta, "links": links})
}

func (s *Server) webhookGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.webhooks.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	return c.json(200, map[string]any{"webhook": r.w.public()})
}

func (s *Server) webhookUpdate(c *call) error {
	var env webhookEnvelope
	if err := c.decodeEnvelope("webhook", &env, func() bool { return env.Webhook == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.webhooks.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	w := r.w.clone()
	if err := applyWebhook(&w, env.Webhook, false); err != nil {
		return err
	}
	w.UpdatedAt, w.UpdatedBy = ptr(s.stamp()), ptr(itoa(c.user))
	r.w = w
	return webhookUpdated(c)
}

func (s *Server) webhookDelete(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.st.webhooks.del(c.r.PathValue("id")) {
		return errNotFound()
	}
	return c.noContent()
}

type signingSecret struct {
	Algorithm string `json:"algorithm"`
	Secret    string `json:"secret"`
}

func (s *Server) webhookSecretGet(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.webhooks.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	return c.json(200, map[string]any{"signing_secret": signingSecret{"sha256", r.secret}})
}

func (s *Server) webhookSecretReset(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.webhooks.get(c.r.PathValue("id"))
	if !ok {
		return errNotFound()
	}
	r.secret = randomSecret()
	return c.json(http.StatusCreated, map[string]any{"signing_secret": signingSecret{"sha256", r.secret}})
}

// sampleAgentEvent is the agent.state_changed example of Zendesk's
// reference (https://developer.zendesk.com/api-reference/webhooks/event-types/agent-availability-events/),
// sent by a test of an event webhook when the
// request gives no payload.
const sampleAgentEvent = `{"account_id":2,"detail":{"account_id":"2","agent_id":"10011","version":"3"},"event":{"updated_at":"2023-04-05T23:30:58.642630335Z","previous_state":"offline","new_state":"online","channel":"support"},"id":"01GX79ST1QX01C889XV42S2J5T","subject":"zen:agent:10011","time":"2023-05-10T23:31:58.642630335Z","type":"zen:event-type:agent.state_changed","zendesk_event_version":"2022-11-06"}`

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// testRequest is the "request" member of a webhook test: the payload and
// headers to send, and, when no "webhook" member is given, the endpoint,
// method, format and authentication to send them with.
type testRequest struct {
	webhookInput
	Payload *string         `json:"payload"`
	Headers json.RawMessage `json:"headers"`
}

// testHeaders reads headers given as [{"key", "value"}] or {"name": "value"}.
func testHeaders(raw json.RawMessage) ([]kv, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []kv
	if err := fakeserver.DecodeJSON(raw, &list); err == nil {
		return list, nil
	}
	var m map[string]string
	if err := fakeserver.DecodeJSON(raw, &m); err != nil {
		return nil, errBadBody("request.headers must be a list of {key, value} or an object")
	}
	for k, v := range m {
		list = append(list, kv{k, v})
	}
	slices.SortFunc(list, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
	return list, nil
}

func (s *Server) webhooksTest(c *call) error {
	var env struct {
		Webhook *webhookInput `json:"webhook"`
		Request *testRequest  `json:"request"`
	}
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := c.decode(&env); err != nil {
			return err
		}
	}
	def := env.Webhook
	var headers []kv
	if env.Request != nil {
		if def == nil && env.Request.Endpoint.Set {
			def = &env.Request.webhookInput
		}
		var err error
		if headers, err = testHeaders(env.Request.Headers); err != nil {
			return err
		}
	}
	id := c.r.URL.Query().Get("webhook_id")
	s.mu.Lock()
	var rec *webhookRec
	if id != "" {
		r, ok := s.st.webhooks.get(id)
		if !ok {
			s.mu.Unlock()
			return errNotFound()
		}
		rec = &webhookRec{w: r.w.clone(), secret: r.secret}
		if def != nil {
			if err := applyWebhook(&rec.w, def, true); err != nil {
				s.mu.Unlock()
				return err
			}
		}
	} else {
		if def == nil {
			s.mu.Unlock()
			return invalidField("webhook", "Webhook", "cannot be blank", "BlankValue")
		}
		w := Webhook{Name: "Test webhook", Status: "active", Subscriptions: []string{}}
		if err := applyWebhook(&w, def, true); err != nil {
			s.mu.Unlock()
			return err
		}
		w.ID = newULID(s.now())
		rec = &webhookRec{w: w, secret: TestSigningSecret}
	}
	now := s.now()
	o := s.st.newOutbound(rec, now)
	s.mu.Unlock()
	o.kind = "test"
	payload := "{}"
	if connection(rec.w.Subscriptions) == "event" {
		payload = sampleAgentEvent
	}
	if env.Request != nil && env.Request.Payload != nil {
		payload = *env.Request.Payload
	}
	for _, h := range headers {
		o.header.Set(h.Key, h.Value)
	}
	if o.method != http.MethodGet && o.method != http.MethodDelete {
		o.body = []byte(payload)
	} else {
		o.header.Del("Content-Type")
	}
	d, resp := s.dl.deliverNow(c.r.Context(), o)
	if resp != nil {
		var hs []kv
		for k, vs := range resp.header {
			for _, v := range vs {
				hs = append(hs, kv{strings.ToLower(k), v})
			}
		}
		slices.SortFunc(hs, func(a, b kv) int { return strings.Compare(a.Key, b.Key) })
		return c.json(200, webhookTestAnswer(resp.status, hs, resp.body))
	}
	if len(d.Attempts) > 0 {
		a := d.Attempts[0]
		status := http.StatusBadGateway
		if a.Err == "timeout" {
			status = http.StatusGatewayTimeout
		}
		return c.json(200, webhookTestAnswer(status, nil, a.Err))
	}
	return c.json(200, webhookTestAnswer(0, nil, ""))
}

type testResponse struct {
	status int
	header http.Header
	body   string
}

func readTestResponse(resp *http.Response) *testResponse {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return &testResponse{status: resp.StatusCode, header: resp.Header.Clone(), body: string(b)}
}

// --- accessors ---

// Webhooks returns copies of the webhooks (with their authentication data).
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Webhook
	for _, r := range s.st.webhooks.values() {
		out = append(out, r.w.clone())
	}
	return out
}

// WebhookSecret returns a webhook's signing secret.
func (s *Server) WebhookSecret(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.webhooks.get(id)
	if !ok {
		return "", false
	}
	return r.secret, true
}

// AddWebhook creates a webhook as POST /api/v2/webhooks would (Status
// defaults to "active", HTTPMethod to "POST", RequestFormat to "json") and
// returns it with its id and signing secret.
func (s *Server) AddWebhook(w Webhook) (Webhook, string, error) {
	in := webhookInput{
		Name: nullString{Set: true, V: w.Name}, Description: nullString{Set: true, V: w.Description},
		Status: nullString{Set: true, V: cmpOr(w.Status, "active")}, Endpoint: nullString{Set: true, V: w.Endpoint},
		HTTPMethod:    nullString{Set: true, V: cmpOr(w.HTTPMethod, "POST")},
		RequestFormat: nullString{Set: true, V: cmpOr(w.RequestFormat, "json")},
		Subscriptions: &w.Subscriptions, CustomHeaders: w.CustomHeaders,
	}
	if w.Authentication != nil {
		in.Authentication, _ = json.Marshal(w.Authentication)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nw := Webhook{Subscriptions: []string{}}
	if err := applyWebhook(&nw, &in, true); err != nil {
		return Webhook{}, "", errorf("add webhook: %v", err)
	}
	nw.ID = newULID(s.now())
	nw.CreatedAt = s.stamp()
	nw.CreatedBy = itoa(s.AdminID)
	rec := &webhookRec{w: nw, seq: s.st.nextID(), secret: randomSecret()}
	s.st.webhooks.put(nw.ID, rec)
	return nw.clone(), rec.secret, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
