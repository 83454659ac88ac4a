package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// TriggersService manages ticket triggers: business rules that run on every
// ticket creation or update and, for example, call a webhook.
type TriggersService service

// Trigger is a ticket trigger. The same struct is read and sent (to Create
// and Update): zero fields are left out.
type Trigger struct {
	ID       int64  `json:"id,omitempty"`
	URL      string `json:"url,omitempty"`
	Title    string `json:"title,omitempty"`
	RawTitle string `json:"raw_title,omitempty"`
	// Description may be null in Zendesk's answers.
	Description string `json:"description,omitempty"`
	// Active false creates or leaves the trigger inactive; nil leaves
	// Zendesk's default (active).
	Active   *bool `json:"active,omitempty"`
	Default  bool  `json:"default,omitempty"`
	Position int   `json:"position,omitempty"`
	// CategoryID is the trigger category (a string id); accounts that use
	// categories need it on creation.
	CategoryID string     `json:"category_id,omitempty"`
	Conditions Conditions `json:"conditions,omitzero"`
	Actions    []Action   `json:"actions,omitempty"`
	CreatedAt  time.Time  `json:"created_at,omitzero"`
	UpdatedAt  time.Time  `json:"updated_at,omitzero"`
}

// Conditions decide when a trigger fires: every condition of All (AND) and
// at least one of Any (OR) when Any is not empty.
type Conditions struct {
	All []Condition `json:"all,omitempty"`
	Any []Condition `json:"any,omitempty"`
}

// Condition is one test on a ticket update, e.g. {"field": "status",
// "operator": "is", "value": "solved"}. Value varies with the field (a
// string, a list, absent for operators such as "changed" or "present").
type Condition struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value,omitempty"`
}

// Cond builds a condition. No value leaves it out (operators "changed",
// "present", ...); one value is sent as a string; several as a list.
//
//	zendesk.Cond("status", "is", "solved")
//	zendesk.Cond("comment_is_public", "is", "true")
//	zendesk.Cond("update_type", "is", "Change")
func Cond(field, operator string, values ...string) Condition {
	return Condition{Field: field, Operator: operator, Value: stringsValue(values)}
}

// LoopGuard is the condition "Ticket > Update via is not Web service (API)":
// the trigger does not fire for updates made through the API, so that a
// trigger calling a webhook does not fire again for the update that the
// webhook's receiver makes back through the API (an SMS reply posted as a
// comment would otherwise be sent back as an SMS).
func LoopGuard() Condition { return loopGuardCondition() }

// Action is what a trigger does, e.g. {"field": "status", "value": "open"}.
// Value varies with the field (a string, or a list such as the
// [webhook id, body] of notification_webhook).
type Action struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// Act builds an action: one value is sent as a string, several as a list.
//
//	zendesk.Act("status", "open")
//	zendesk.Act("current_tags", "sms_sent")
func Act(field string, values ...string) Action {
	return Action{Field: field, Value: stringsValue(values)}
}

// NotifyWebhook is the action that calls a webhook subscribed to
// conditional_ticket_events, with body as the request body (a template in
// the webhook's request format: Zendesk replaces placeholders such as
// {{ticket.id}} and {{ticket.latest_public_comment_html}} before sending).
// The wire form is {"field": "notification_webhook", "value": [id, body]}.
func NotifyWebhook(webhookID, body string) Action {
	return Action{Field: "notification_webhook", Value: stringsValue([]string{webhookID, body})}
}

// NotifyWebhookJSON is [NotifyWebhook] with body marshalled from v (HTML
// characters are not escaped, so placeholders stay readable).
func NotifyWebhookJSON(webhookID string, v any) (Action, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Action{}, invalid("webhook body: %v", err)
	}
	return NotifyWebhook(webhookID, string(bytes.TrimSpace(buf.Bytes()))), nil
}

// stringsValue encodes no value as nil, one as a JSON string, several as a
// JSON list of strings.
func stringsValue(values []string) json.RawMessage {
	var v any
	switch len(values) {
	case 0:
		return nil
	case 1:
		v = values[0]
	default:
		v = values
	}
	raw, _ := json.Marshal(v) // strings always marshal
	return raw
}

// TriggerListOptions filter [TriggersService.List].
type TriggerListOptions struct {
	// Active filters on active (true) or inactive (false) triggers.
	Active *bool `url:"active,omitempty"`
	// CategoryID lists the triggers of one category.
	CategoryID string `url:"category_id,omitempty"`
	// SortBy is alphabetical, created_at, updated_at, usage_1h, usage_24h,
	// usage_7d or usage_30d; SortOrder asc or desc.
	SortBy    string `url:"sort_by,omitempty"`
	SortOrder string `url:"sort_order,omitempty"`
	CursorOptions
}

// List iterates over ticket triggers (cursor pagination). opts may be nil;
// it is copied, never modified.
func (s *TriggersService) List(ctx context.Context, opts *TriggerListOptions) iter.Seq2[*Trigger, error] {
	return triggersList(opts).all(ctx, s.client)
}

// ListPage returns one page of triggers; put its Next into opts.After to
// fetch the next.
func (s *TriggersService) ListPage(ctx context.Context, opts *TriggerListOptions) (*deskbridge.Page[*Trigger], error) {
	return triggersList(opts).page(ctx, s.client)
}

func triggersList(opts *TriggerListOptions) listing[*Trigger] {
	o := copyOpts(opts)
	return cursorList[*Trigger]("/api/v2/triggers", &o.CursorOptions, &o, "triggers")
}

type triggerEnvelope struct {
	Trigger *Trigger `json:"trigger"`
}

// Get returns the trigger with id.
func (s *TriggersService) Get(ctx context.Context, id int64) (*Trigger, error) {
	if id <= 0 {
		return nil, invalid("trigger id %d", id)
	}
	return rest.Get[Trigger](ctx, s.client.rest, rest.Pathf("/api/v2/triggers/%d", id), nil, "trigger")
}

// Create creates a trigger (Title, at least one condition and one action
// are required).
func (s *TriggersService) Create(ctx context.Context, t *Trigger) (*Trigger, error) {
	if t == nil || t.Title == "" {
		return nil, invalid("a trigger needs a title")
	}
	if len(t.Conditions.All)+len(t.Conditions.Any) == 0 || len(t.Actions) == 0 {
		return nil, invalid("trigger %q needs conditions and actions", t.Title)
	}
	return rest.Send[Trigger](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/triggers", Body: &triggerEnvelope{t}}, "trigger")
}

// Update changes the trigger with id. Conditions and actions, when given,
// replace the trigger's.
func (s *TriggersService) Update(ctx context.Context, id int64, t *Trigger) (*Trigger, error) {
	if id <= 0 {
		return nil, invalid("trigger id %d", id)
	}
	if t == nil {
		return nil, invalid("trigger is nil")
	}
	return rest.Send[Trigger](ctx, s.client.rest, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/triggers/%d", id), Body: &triggerEnvelope{t}}, "trigger")
}

// Delete deletes the trigger with id.
func (s *TriggersService) Delete(ctx context.Context, id int64) error {
	if id <= 0 {
		return invalid("trigger id %d", id)
	}
	return s.client.delete(ctx, rest.Pathf("/api/v2/triggers/%d", id))
}
