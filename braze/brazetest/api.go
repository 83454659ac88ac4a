package brazetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/internal/fakeserver"
)

// Documented limits and messages (https://www.braze.com/docs/api/errors/).
const (
	maxRecipients     = 50
	msgMaxRecipients  = "The max number of external_ids and aliases per request was exceeded"
	msgMaxInputLength = "Max Input Length Exceeded"
	msgNoRecipients   = "No Recipients"
	msgNoMessage      = "No message to send"
	msgBothEmailPhone = "Either an email address or a phone number should be provided, but not both."
)

// apiError is a fatal answer: its status and envelope.
type apiError struct {
	status  int
	message string
	errors  []string
}

func fatal(status int, message string, errs ...string) *apiError {
	return &apiError{status: status, message: message, errors: errs}
}

func badRequest(format string, args ...any) *apiError {
	return fatal(http.StatusBadRequest, "Bad Request", fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if err := s.authenticate(r); err != nil {
		writeError(w, err)
		return
	}
	handlers := map[string]func(body []byte) (map[string]any, *apiError){
		"/campaigns/trigger/send":  s.campaignTriggerSend,
		"/canvas/trigger/send":     s.canvasTriggerSend,
		"/messages/send":           s.messagesSend,
		"/users/track":             s.usersTrack,
		"/users/identify":          s.usersIdentify,
		"/users/export/ids":        s.usersExportIDs,
		"/subscription/status/set": s.subscriptionStatusSet,
	}
	handle, ok := handlers[r.URL.Path]
	if !ok || r.Method != http.MethodPost {
		writeError(w, fatal(http.StatusNotFound, "Not Found"))
		return
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 4<<20)); err != nil {
		writeError(w, badRequest("body: %v", err))
		return
	}
	out, apiErr := handle(body.Bytes())
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	if errs := s.takeMinor(r.URL.Path); len(errs) > 0 {
		out["errors"] = errs
	}
	out["message"] = "success"
	s.mu.Lock()
	queued := s.queued
	s.mu.Unlock()
	if queued {
		writeJSON(w, http.StatusAccepted, map[string]any{"message": "queued"})
		return
	}
	writeJSON(w, successStatus(r.URL.Path), out)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"message": e.message}
	if len(e.errors) > 0 {
		body["errors"] = e.errors
	}
	writeJSON(w, e.status, body)
}

func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || key != s.apiKey {
		return fatal(http.StatusUnauthorized, unauthorizedMessage(strings.TrimSpace(h) != ""))
	}
	return nil
}

// decode reads a JSON body as Braze reads it: keys match field names
// exactly (fakeserver.DecodeJSON; encoding/json alone would take
// "EXTERNAL_USER_IDS" for "external_user_ids"). A key that names no field,
// a miscased one included, is answered with unknownKeyError.
func decode(body []byte, v any) *apiError {
	if err := fakeserver.DecodeJSON(body, v); err != nil {
		return badRequest("body: %v", err)
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return badRequest("body: %v", err)
	}
	if key := unknownKey(raw, reflect.TypeOf(v), ""); key != "" {
		return unknownKeyError(key)
	}
	return nil
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// unknownKey returns the path (such as "recipients[0].External_User_Id")
// of the first key in x, the decoded body bound for a value of type t, that
// is not the exact JSON name of a field; "" when there is none. Values of a
// type with its own UnmarshalJSON, maps and interfaces are free-form and
// not looked into.
func unknownKey(x any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return ""
	}
	switch x := x.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return ""
		}
		fields := jsonFieldTypes(t)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				return p
			}
			if bad := unknownKey(x[k], ft, p); bad != "" {
				return bad
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return ""
		}
		for i, e := range x {
			if bad := unknownKey(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// jsonFieldTypes maps the JSON names of a request struct's fields to their
// types. (The request types embed nothing.)
func jsonFieldTypes(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case name == "":
			out[f.Name] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}

type wireAlias struct {
	Name  string `json:"alias_name"`
	Label string `json:"alias_label"`
}

type wireRecipient struct {
	ExternalUserID        string         `json:"external_user_id"`
	UserAlias             *wireAlias     `json:"user_alias"`
	BrazeID               string         `json:"braze_id"`
	Email                 string         `json:"email"`
	Prioritization        []string       `json:"prioritization"`
	TriggerProperties     map[string]any `json:"trigger_properties"`
	Context               map[string]any `json:"context"`
	CanvasEntryProperties map[string]any `json:"canvas_entry_properties"`
	SendToExistingOnly    *bool          `json:"send_to_existing_only"`
	Attributes            map[string]any `json:"attributes"`
}

// wireTrigger is the body of a campaign or Canvas trigger send. A Canvas
// takes context, and canvas_entry_properties: its older name, which Braze
// still accepts ("Currently, canvas_entry_properties are still backwards
// compatible", https://www.braze.com/docs/user_guide/engagement_tools/canvas/create_a_canvas/canvas_entry_properties_event_properties/;
// braze-inc/braze-docs _docs/_api/objects_filters/canvas_entry_properties_object.md).
type wireTrigger struct {
	CampaignID            string          `json:"campaign_id"`
	CanvasID              string          `json:"canvas_id"`
	SendID                string          `json:"send_id"`
	TriggerProperties     map[string]any  `json:"trigger_properties"`
	Context               map[string]any  `json:"context"`
	CanvasEntryProperties map[string]any  `json:"canvas_entry_properties"`
	Broadcast             bool            `json:"broadcast"`
	Audience              json.RawMessage `json:"audience"`
	Recipients            []wireRecipient `json:"recipients"`
	Attachments           []struct {
		FileName string `json:"file_name"`
		URL      string `json:"url"`
	} `json:"attachments"`
}

func (s *Server) campaignTriggerSend(body []byte) (map[string]any, *apiError) {
	var req wireTrigger
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.CanvasID != "" || req.Context != nil || req.CanvasEntryProperties != nil {
		return nil, badRequest("canvas_id, context and canvas_entry_properties are for /canvas/trigger/send")
	}
	s.mu.Lock()
	c := s.campaignByID(req.CampaignID)
	s.mu.Unlock()
	if c == nil {
		return nil, fatal(http.StatusBadRequest, invalidCampaignMessage)
	}
	return s.triggerSend("/campaigns/trigger/send", &req, c)
}

func (s *Server) canvasTriggerSend(body []byte) (map[string]any, *apiError) {
	var req wireTrigger
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.CampaignID != "" || req.TriggerProperties != nil || len(req.Attachments) > 0 {
		return nil, badRequest("campaign_id, trigger_properties and attachments are for /campaigns/trigger/send")
	}
	s.mu.Lock()
	_, ok := s.canvases[req.CanvasID]
	s.mu.Unlock()
	if !ok {
		return nil, fatal(http.StatusBadRequest, invalidCanvasMessage)
	}
	return s.triggerSend("/canvas/trigger/send", &req, nil)
}

// triggerSend checks and carries out a campaign (c set) or Canvas trigger
// send: attributes are applied first, then one Send is recorded per
// recipient that exists or was created.
func (s *Server) triggerSend(endpoint string, req *wireTrigger, c *Campaign) (map[string]any, *apiError) {
	switch {
	case len(req.Recipients) > maxRecipients:
		return nil, fatal(http.StatusBadRequest, msgMaxRecipients)
	case req.Broadcast && len(req.Recipients) > 0:
		return nil, badRequest("recipients cannot be given with broadcast")
	case req.Broadcast && len(req.Attachments) > 0:
		return nil, badRequest("attachments cannot be given with broadcast")
	case !req.Broadcast && len(req.Recipients) == 0:
		return nil, fatal(http.StatusBadRequest, msgNoRecipients)
	}
	if err := checkContextSize("", req.Context, req.CanvasEntryProperties); err != nil {
		return nil, err
	}
	for i, r := range req.Recipients {
		if err := checkWireRecipient(i, &r); err != nil {
			return nil, err
		}
		if endpoint == "/campaigns/trigger/send" && (r.Context != nil || r.CanvasEntryProperties != nil) {
			return nil, badRequest("recipients[%d]: context and canvas_entry_properties are for Canvases", i)
		}
		if err := checkContextSize(fmt.Sprintf("recipients[%d].", i), r.Context, r.CanvasEntryProperties); err != nil {
			return nil, err
		}
		if endpoint == "/canvas/trigger/send" && r.TriggerProperties != nil {
			return nil, badRequest("recipients[%d]: trigger_properties are for campaigns", i)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dispatch := s.nextID("dispatch")
	base := Send{Time: s.now(), Endpoint: endpoint, CanvasID: req.CanvasID, SendID: req.SendID, DispatchID: dispatch}
	if c != nil {
		base.CampaignID = c.ID
	}
	if req.Broadcast {
		snd := base
		snd.Broadcast = true
		snd.TriggerProperties = maps.Clone(req.TriggerProperties)
		snd.Context = canvasContext(req.CanvasEntryProperties, req.Context, nil, nil)
		s.sends = append(s.sends, snd)
	}
	for _, r := range req.Recipients {
		u := s.recipientUser(&r)
		if u == nil {
			continue // send_to_existing_only (the default) and no such user: nothing is sent
		}
		s.setAttributes(u, r.Attributes)
		snd := base
		snd.ExternalUserID, snd.Email, snd.BrazeID = r.ExternalUserID, r.Email, r.BrazeID
		if r.UserAlias != nil {
			snd.UserAlias = &Alias{Name: r.UserAlias.Name, Label: r.UserAlias.Label}
		}
		snd.Attributes = maps.Clone(r.Attributes)
		if endpoint == "/campaigns/trigger/send" {
			snd.TriggerProperties = mergeAll(req.TriggerProperties, r.TriggerProperties)
		} else {
			snd.Context = canvasContext(req.CanvasEntryProperties, req.Context, r.CanvasEntryProperties, r.Context)
		}
		if c != nil && c.Message != "" {
			snd.Message = render(c.Message, renderData{user: u, trigger: snd.TriggerProperties}, plainText)
		}
		s.sends = append(s.sends, snd)
	}
	return map[string]any{"dispatch_id": dispatch}, nil
}

func checkWireRecipient(i int, r *wireRecipient) *apiError {
	n := 0
	for _, set := range []bool{r.ExternalUserID != "", r.UserAlias != nil, r.BrazeID != "", r.Email != ""} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return badRequest("recipients[%d]: exactly one of external_user_id, user_alias, braze_id, email is required", i)
	case r.Email != "" && len(r.Prioritization) == 0:
		return badRequest("recipients[%d]: prioritization is required with email", i)
	case r.UserAlias != nil && r.SendToExistingOnly != nil:
		return badRequest("recipients[%d]: send_to_existing_only cannot be used with user_alias", i)
	case r.SendToExistingOnly != nil && !*r.SendToExistingOnly && len(r.Attributes) == 0:
		return badRequest("recipients[%d]: attributes are required when send_to_existing_only is false", i)
	}
	return nil
}

// recipientUser finds the recipient's profile, creating it when
// send_to_existing_only is false. Callers hold s.mu.
func (s *Server) recipientUser(r *wireRecipient) *User {
	var u *User
	switch {
	case r.ExternalUserID != "":
		u = s.userByExternalID(r.ExternalUserID)
	case r.UserAlias != nil:
		u = s.users.byAlias.first(Alias{Name: r.UserAlias.Name, Label: r.UserAlias.Label})
	case r.BrazeID != "":
		u = s.users.byBrazeID.first(r.BrazeID)
	case r.Email != "":
		u = s.users.byEmail.first(emailKey(r.Email))
	}
	if u == nil && r.SendToExistingOnly != nil && !*r.SendToExistingOnly {
		u = s.newUser()
		s.users.change(u, func(u *User) { u.ExternalID, u.Email = r.ExternalUserID, r.Email })
	}
	return u
}

// mergeAll merges objects, each later one's keys over the earlier ones';
// nil when all are empty.
func mergeAll(objs ...map[string]any) map[string]any {
	var out map[string]any
	for _, m := range objs {
		if len(m) == 0 {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		maps.Copy(out, m)
	}
	return out
}

// maxContextBytes is the documented size limit of a Canvas's context
// object ("maximum size limit of 50 KB",
// braze-inc/braze-docs _docs/_api/objects_filters/context_object.md), and
// of canvas_entry_properties, its older name.
const maxContextBytes = 50 << 10

// checkContextSize refuses a context or canvas_entry_properties object over
// 50 KB (as compact JSON); prefix names where it is, such as
// "recipients[0].".
func checkContextSize(prefix string, context, entryProperties map[string]any) *apiError {
	for _, o := range []struct {
		name string
		obj  map[string]any
	}{{"context", context}, {"canvas_entry_properties", entryProperties}} {
		if o.obj == nil {
			continue
		}
		b, err := json.Marshal(o.obj)
		if err != nil {
			return badRequest("%s%s: %v", prefix, o.name, err)
		}
		if len(b) > maxContextBytes {
			return contextTooLarge(prefix+o.name, len(b))
		}
	}
	return nil
}

// standardFields are the profile fields kept outside CustomAttributes.
var standardFields = map[string]func(u *User) *string{
	"first_name": func(u *User) *string { return &u.FirstName },
	"last_name":  func(u *User) *string { return &u.LastName },
	"email":      func(u *User) *string { return &u.Email },
	"phone":      func(u *User) *string { return &u.Phone },
}

// setAttributes applies an attributes object: standard fields, inline
// subscription groups, and custom attributes. Callers hold s.mu.
func (s *Server) setAttributes(u *User, attrs map[string]any) {
	s.users.change(u, func(u *User) { applyAttributes(u, attrs) })
}

func applyAttributes(u *User, attrs map[string]any) {
	for k, v := range attrs {
		if field, ok := standardFields[k]; ok {
			if str, ok := v.(string); ok {
				*field(u) = str
				continue
			}
		}
		if k == "subscription_groups" {
			if list, ok := v.([]any); ok {
				for _, item := range list {
					if m, ok := item.(map[string]any); ok {
						id, _ := m["subscription_group_id"].(string)
						state, _ := m["subscription_state"].(string)
						if id != "" && state != "" {
							u.Subscriptions[id] = state
						}
					}
				}
				continue
			}
		}
		u.CustomAttributes[k] = v
	}
}

type wireMessages struct {
	Broadcast                  bool            `json:"broadcast"`
	ExternalUserIDs            []string        `json:"external_user_ids"`
	UserAliases                []wireAlias     `json:"user_aliases"`
	SegmentID                  string          `json:"segment_id"`
	Audience                   json.RawMessage `json:"audience"`
	CampaignID                 string          `json:"campaign_id"`
	SendID                     string          `json:"send_id"`
	OverrideFrequencyCapping   bool            `json:"override_frequency_capping"`
	RecipientSubscriptionState string          `json:"recipient_subscription_state"`
	Messages                   map[string]any  `json:"messages"`
}

func (s *Server) messagesSend(body []byte) (map[string]any, *apiError) {
	var req wireMessages
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	switch {
	case len(req.ExternalUserIDs) > maxRecipients || len(req.UserAliases) > maxRecipients:
		return nil, fatal(http.StatusBadRequest, msgMaxRecipients)
	case len(req.ExternalUserIDs)+len(req.UserAliases) == 0 && !req.Broadcast:
		return nil, fatal(http.StatusBadRequest, msgNoRecipients)
	case len(req.Messages) == 0:
		return nil, fatal(http.StatusBadRequest, msgNoMessage)
	}
	sms, _ := req.Messages["sms"].(map[string]any)
	if req.Messages["sms"] != nil {
		for _, k := range []string{"subscription_group_id", "body", "app_id"} {
			if v, _ := sms[k].(string); v == "" {
				return nil, badRequest("messages.sms.%s is required", k)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.CampaignID != "" && s.campaignByID(req.CampaignID) == nil {
		return nil, fatal(http.StatusBadRequest, invalidCampaignMessage)
	}
	dispatch := s.nextID("dispatch")
	base := Send{Time: s.now(), Endpoint: "/messages/send", CampaignID: req.CampaignID, SendID: req.SendID, DispatchID: dispatch, SMS: sms}
	if body, ok := sms["body"].(string); ok {
		base.Message = body
	}
	if req.Broadcast && len(req.ExternalUserIDs)+len(req.UserAliases) == 0 {
		snd := base
		snd.Broadcast = true
		s.sends = append(s.sends, snd)
	}
	for _, id := range req.ExternalUserIDs {
		if s.userByExternalID(id) == nil {
			continue
		}
		snd := base
		snd.ExternalUserID = id
		s.sends = append(s.sends, snd)
	}
	for _, a := range req.UserAliases {
		alias := Alias(a)
		if s.users.byAlias.first(alias) == nil {
			continue
		}
		snd := base
		snd.UserAlias = &alias
		s.sends = append(s.sends, snd)
	}
	return map[string]any{"dispatch_id": dispatch}, nil
}

type wireTrack struct {
	Attributes []map[string]any `json:"attributes"`
	Events     []map[string]any `json:"events"`
	Purchases  []map[string]any `json:"purchases"`
}

func (s *Server) usersTrack(body []byte) (map[string]any, *apiError) {
	var req wireTrack
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := s.trackTooLarge(len(req.Attributes), len(req.Events), len(req.Purchases)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var minor []MinorError
	out := map[string]any{}
	processed := 0
	for i, obj := range req.Attributes {
		u, err := s.trackUser(obj)
		if err != "" {
			minor = append(minor, MinorError{Type: err, InputArray: "attributes", Index: at(i)})
			continue
		}
		s.setAttributes(u, withoutIdentifiers(obj))
		processed++
	}
	if len(req.Attributes) > 0 {
		out["attributes_processed"] = processed
	}
	for _, kind := range []struct {
		name, key string
		objs      []map[string]any
	}{{"events", "name", req.Events}, {"purchases", "product_id", req.Purchases}} {
		processed = 0
		for i, obj := range kind.objs {
			name, _ := obj[kind.key].(string)
			when, _ := obj["time"].(string)
			if name == "" || when == "" {
				minor = append(minor, MinorError{Type: fmt.Sprintf("'%s' and 'time' are required", kind.key), InputArray: kind.name, Index: at(i)})
				continue
			}
			u, err := s.trackUser(obj)
			if err != "" {
				minor = append(minor, MinorError{Type: err, InputArray: kind.name, Index: at(i)})
				continue
			}
			props, _ := obj["properties"].(map[string]any)
			ev := TrackedEvent{Name: name, Time: when, Properties: props}
			if kind.name == "events" {
				u.Events = append(u.Events, ev)
			} else {
				u.Purchases = append(u.Purchases, ev)
			}
			processed++
		}
		if len(kind.objs) > 0 {
			out[kind.name+"_processed"] = processed
		}
	}
	if len(minor) > 0 {
		out["errors"] = minor
	}
	return out, nil
}

// withoutIdentifiers returns the fields a users/track attributes object
// sets: all but the identifier that named the user (email and phone are
// fields when another identifier comes first).
func withoutIdentifiers(obj map[string]any) map[string]any {
	out := maps.Clone(obj)
	delete(out, "_update_existing_only")
	for _, k := range []string{"external_id", "user_alias", "braze_id", "email", "phone"} {
		if v, ok := obj[k]; ok && v != nil && v != "" {
			delete(out, k)
			if k == "email" || k == "phone" {
				return out
			}
			delete(out, "external_id")
			delete(out, "user_alias")
			delete(out, "braze_id")
			return out
		}
	}
	return out
}

// trackUser finds or creates the user a users/track object names, or says
// why it cannot. Callers hold s.mu.
func (s *Server) trackUser(obj map[string]any) (*User, string) {
	updateOnly, hasFlag := obj["_update_existing_only"].(bool)
	str := func(k string) string { v, _ := obj[k].(string); return v }
	var u *User
	switch {
	case str("external_id") != "":
		if u = s.userByExternalID(str("external_id")); u == nil && !(hasFlag && updateOnly) {
			u = s.newUser()
			s.setExternalID(u, str("external_id"))
		}
	case obj["user_alias"] != nil:
		m, _ := obj["user_alias"].(map[string]any)
		name, _ := m["alias_name"].(string)
		label, _ := m["alias_label"].(string)
		if name == "" || label == "" {
			return nil, "'user_alias' needs 'alias_name' and 'alias_label'"
		}
		alias := Alias{Name: name, Label: label}
		// Alias-only users are created only with _update_existing_only false.
		if u = s.users.byAlias.first(alias); u == nil && hasFlag && !updateOnly {
			u = s.newUser()
			s.users.change(u, func(u *User) { u.Aliases = append(u.Aliases, alias) })
		}
	case str("braze_id") != "":
		u = s.users.byBrazeID.first(str("braze_id"))
	case str("email") != "":
		if u = s.users.byEmail.first(emailKey(str("email"))); u == nil {
			u = s.newUser()
			s.users.change(u, func(u *User) { u.Email = str("email") })
		}
	case str("phone") != "":
		if u = s.users.byPhone.first(str("phone")); u == nil {
			u = s.newUser()
			s.users.change(u, func(u *User) { u.Phone = str("phone") })
		}
	default:
		return nil, "one of 'external_id', 'user_alias', 'braze_id', 'email', 'phone' is required"
	}
	if u == nil {
		return nil, "no such user (update existing only)"
	}
	return u, ""
}

type wireIdentify struct {
	AliasesToIdentify []struct {
		ExternalID string    `json:"external_id"`
		UserAlias  wireAlias `json:"user_alias"`
	} `json:"aliases_to_identify"`
	EmailsToIdentify []struct {
		ExternalID     string   `json:"external_id"`
		Email          string   `json:"email"`
		Prioritization []string `json:"prioritization"`
	} `json:"emails_to_identify"`
	PhoneNumbersToIdentify []struct {
		ExternalID     string   `json:"external_id"`
		Phone          string   `json:"phone"`
		Prioritization []string `json:"prioritization"`
	} `json:"phone_numbers_to_identify"`
	// MergeBehavior is "none" or "merge" ("one of 'none' or 'merge' is
	// expected"). Since 7 August 2023 Braze merges on every call ("this
	// endpoint will merge data for all calls. This means merge_behavior
	// will be set to merge for all calls"), and so does the fake, whatever
	// it says; later versions of the page drop the field. Source:
	// braze-inc/braze-docs _docs/_api/endpoints/user_data/post_user_identify.md
	// (2023 versions), https://www.braze.com/docs/api/endpoints/user_data/post_user_identify/.
	MergeBehavior *string `json:"merge_behavior"`
}

func (s *Server) usersIdentify(body []byte) (map[string]any, *apiError) {
	var req wireIdentify
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	switch {
	case len(req.AliasesToIdentify)+len(req.EmailsToIdentify)+len(req.PhoneNumbersToIdentify) == 0:
		return nil, badRequest("one of aliases_to_identify, emails_to_identify, phone_numbers_to_identify is required")
	case len(req.AliasesToIdentify) > maxRecipients:
		return nil, fatal(http.StatusBadRequest, msgMaxRecipients)
	case req.MergeBehavior != nil && *req.MergeBehavior != "none" && *req.MergeBehavior != "merge":
		return nil, badRequest("merge_behavior must be \"none\" or \"merge\", not %q", *req.MergeBehavior)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	processed := 0
	for _, a := range req.AliasesToIdentify {
		alias := Alias{Name: a.UserAlias.Name, Label: a.UserAlias.Label}
		if s.identify(a.ExternalID, firstUnidentified(s.users.byAlias, alias)) {
			processed++
		}
	}
	for _, e := range req.EmailsToIdentify {
		s.identify(e.ExternalID, firstUnidentified(s.users.byEmail, emailKey(e.Email)))
	}
	for _, p := range req.PhoneNumbersToIdentify {
		s.identify(p.ExternalID, firstUnidentified(s.users.byPhone, p.Phone))
	}
	return map[string]any{"aliases_processed": processed}, nil
}

// identify gives the unidentified profile src the external ID, or merges
// it into the identified profile that has it (fields found only on the
// anonymous profile are kept) and removes it. Callers hold s.mu.
func (s *Server) identify(externalID string, src *User) bool {
	if src == nil || externalID == "" {
		return false
	}
	dst := s.userByExternalID(externalID)
	if dst == nil {
		s.setExternalID(src, externalID)
		return true
	}
	s.users.remove(src)
	s.users.change(dst, func(dst *User) {
		for k, v := range src.CustomAttributes {
			if _, ok := dst.CustomAttributes[k]; !ok {
				dst.CustomAttributes[k] = v
			}
		}
		for _, f := range standardFields {
			if *f(dst) == "" {
				*f(dst) = *f(src)
			}
		}
		dst.Aliases = append(dst.Aliases, src.Aliases...)
		dst.Events = append(dst.Events, src.Events...)
		dst.Purchases = append(dst.Purchases, src.Purchases...)
	})
	return true
}

type wireExport struct {
	ExternalIDs    []string    `json:"external_ids"`
	UserAliases    []wireAlias `json:"user_aliases"`
	DeviceID       string      `json:"device_id"`
	BrazeID        string      `json:"braze_id"`
	EmailAddress   string      `json:"email_address"`
	Phone          string      `json:"phone"`
	FieldsToExport []string    `json:"fields_to_export"`
}

func (s *Server) usersExportIDs(body []byte) (map[string]any, *apiError) {
	var req wireExport
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if len(req.ExternalIDs) > maxRecipients || len(req.UserAliases) > maxRecipients {
		return nil, fatal(http.StatusBadRequest, msgMaxRecipients)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	users := []map[string]any{}
	var invalid []string
	add := func(u *User) { users = append(users, exportUser(u, req.FieldsToExport)) }
	for _, id := range req.ExternalIDs {
		if u := s.userByExternalID(id); u != nil {
			add(u)
		} else {
			invalid = append(invalid, id)
		}
	}
	for _, a := range req.UserAliases {
		if u := s.users.byAlias.first(Alias(a)); u != nil {
			add(u)
		} else {
			invalid = append(invalid, a.Name)
		}
	}
	for _, one := range []struct {
		value string
		user  *User
	}{
		{req.BrazeID, s.users.byBrazeID.first(req.BrazeID)},
		{req.EmailAddress, s.users.byEmail.first(emailKey(req.EmailAddress))},
		{req.Phone, s.users.byPhone.first(req.Phone)},
	} {
		if one.value == "" {
			continue
		}
		if u := one.user; u != nil {
			add(u)
		} else {
			invalid = append(invalid, one.value)
		}
	}
	out := map[string]any{"users": users}
	if len(invalid) > 0 {
		out["invalid_user_ids"] = invalid
	}
	return out, nil
}

// exportUser renders a profile as users/export/ids does; with fields, only
// those (and the external ID) are included.
func exportUser(u *User, fields []string) map[string]any {
	all := map[string]any{
		"external_id":       u.ExternalID,
		"braze_id":          u.BrazeID,
		"first_name":        u.FirstName,
		"last_name":         u.LastName,
		"email":             u.Email,
		"phone":             u.Phone,
		"custom_attributes": maps.Clone(u.CustomAttributes),
	}
	if len(u.Aliases) > 0 {
		all["user_aliases"] = u.Aliases
	}
	for _, kind := range []struct {
		key    string
		events []TrackedEvent
	}{{"custom_events", u.Events}, {"purchases", u.Purchases}} {
		if len(kind.events) == 0 {
			continue
		}
		var list []map[string]any
		index := map[string]int{}
		for _, e := range kind.events {
			if i, ok := index[e.Name]; ok {
				list[i]["count"] = list[i]["count"].(int) + 1
				list[i]["last"] = e.Time
				continue
			}
			index[e.Name] = len(list)
			list = append(list, map[string]any{"name": e.Name, "first": e.Time, "last": e.Time, "count": 1})
		}
		all[kind.key] = list
	}
	for k, v := range all {
		if s, ok := v.(string); ok && s == "" {
			delete(all, k) // missing fields are left out
		}
	}
	if len(fields) == 0 {
		return all
	}
	out := map[string]any{}
	if u.ExternalID != "" {
		out["external_id"] = u.ExternalID
	}
	for _, f := range fields {
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	return out
}

type wireSetStatus struct {
	SubscriptionGroupID string `json:"subscription_group_id"`
	SubscriptionState   string `json:"subscription_state"`
	// Documented as arrays; a single string is accepted too.
	ExternalID stringList `json:"external_id"`
	Email      stringList `json:"email"`
	Phone      stringList `json:"phone"`
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

func (s *Server) subscriptionStatusSet(body []byte) (map[string]any, *apiError) {
	var req wireSetStatus
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	switch {
	case len(req.Email) > 0 && len(req.Phone) > 0:
		return nil, fatal(http.StatusBadRequest, msgBothEmailPhone)
	case req.SubscriptionGroupID == "":
		return nil, badRequest("subscription_group_id is required")
	case req.SubscriptionState != "subscribed" && req.SubscriptionState != "unsubscribed":
		return nil, badRequest("subscription_state must be subscribed or unsubscribed")
	case len(req.ExternalID)+len(req.Email)+len(req.Phone) == 0:
		return nil, badRequest("one of external_id, email, phone is required")
	case len(req.ExternalID) > maxRecipients || len(req.Email) > maxRecipients || len(req.Phone) > maxRecipients:
		return nil, fatal(http.StatusBadRequest, "The max number of ids per request was exceeded")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every profile named is updated: by external ID, and all the
	// profiles that share a phone number or an email address.
	set := func(u *User) { u.Subscriptions[req.SubscriptionGroupID] = req.SubscriptionState }
	for _, id := range req.ExternalID {
		if u := s.userByExternalID(id); u != nil {
			set(u)
		}
	}
	for _, p := range req.Phone {
		if p != "" {
			for _, u := range s.users.byPhone[p] {
				set(u)
			}
		}
	}
	for _, e := range req.Email {
		if k := emailKey(e); k != "" {
			for _, u := range s.users.byEmail[k] {
				set(u)
			}
		}
	}
	return map[string]any{}, nil
}
