package babelforce

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// TasksService is the v3 Task Automation Platform (/api/v3/tasks) and the
// Zendesk webhook that creates tasks (/api/v1/webhook/zendesk).
type TasksService service

// Task is a task-automation task (task-automation spec BaseTask + Task).
// Fields whose shape is large or varies (body, actions, settings) are kept
// raw; decode the parts you need.
type Task struct {
	ID         string `json:"id"`
	QueueID    string `json:"queue_id,omitempty"`
	SessionID  string `json:"session_id,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	AgentID    string `json:"agent_id,omitempty"`
	// CreatedAt is milliseconds since the Unix epoch, UTC; see Created.
	CreatedAt int64 `json:"created_at,omitempty"`
	// Type matches ^[a-zA-Z0-9._-]+$, e.g. "babelforce.call.inbound" or
	// "webhook.zendesk.agent_status".
	Type string `json:"type,omitempty"`
	// State is Scheduled, Rescheduled, Selecting, Accepted, Rejected,
	// Assigned, Processing, Pending, Completed, Canceled or Failed.
	State string `json:"state,omitempty"`
	// Body is the task's free-form payload; for a Zendesk webhook task, the
	// event Zendesk sent.
	Body              json.RawMessage `json:"body,omitempty"`
	Actions           json.RawMessage `json:"actions,omitempty"`
	TaskCompletion    json.RawMessage `json:"task_completion,omitempty"`
	SelectionSettings json.RawMessage `json:"selection_settings,omitempty"`
	// ScheduledAt is "now", "at <ms>" or "in 1w 3d 5h 10min 5sec" on
	// submission; kept raw since responses may carry a number.
	ScheduledAt json.RawMessage `json:"scheduled_at,omitempty"`
	HasError    bool            `json:"has_error,omitempty"`
}

// Created returns CreatedAt as a time (zero when CreatedAt is zero).
func (t *Task) Created() time.Time {
	if t.CreatedAt == 0 {
		return time.Time{}
	}
	return time.UnixMilli(t.CreatedAt).UTC()
}

// Task states.
const (
	TaskScheduled  = "Scheduled"
	TaskProcessing = "Processing"
	TaskCompleted  = "Completed"
	TaskCanceled   = "Canceled"
	TaskFailed     = "Failed"
)

// TaskListOptions filters [TasksService.List] and [TasksService.ListPage].
type TaskListOptions struct {
	// Filter is babelforce's RSQL-like filter, e.g. "state==active",
	// "type==webhook.zendesk.agent_status", "created_at=gt=1610115403866".
	Filter string `url:"filter,omitempty"`
	// Page is the 1-based page; 0 fetches the first page without a page
	// parameter. To resume a list, put the deskbridge.Page.Next of the page
	// before, a page number in decimal, here.
	Page int `url:"page,omitempty"`
	// PageSize is 1..100; 0 leaves it to babelforce.
	PageSize int `url:"page_size,omitempty"`
}

// listRequest returns the request of the task list that opts asks for,
// the cursor of its first page and the reader of its pages.
func (s *TasksService) listRequest(opts *TaskListOptions) (*rest.Request, string, rest.PageReader[*Task], error) {
	var o TaskListOptions
	if opts != nil {
		o = *opts
	}
	if o.Page < 0 || o.PageSize < 0 || o.PageSize > 100 {
		return nil, "", nil, invalidf("task list: page must not be negative and page size must be 1..100")
	}
	start := pageCursor(o.Page)
	o.Page = 0 // the cursor carries it
	return &rest.Request{Method: http.MethodGet, Path: "/api/v3/tasks", Query: &o}, start, readV3Page[*Task](o.PageSize), nil
}

// ListPage fetches one page of tasks (GET /api/v3/tasks), the page
// opts.Page names. The page's Next is the page after it, in decimal, ""
// after the last: parse it into [TaskListOptions].Page to continue. Its Total
// is the metadata's total_count.
func (s *TasksService) ListPage(ctx context.Context, opts *TaskListOptions) (*deskbridge.Page[*Task], error) {
	req, start, read, err := s.listRequest(opts)
	if err != nil {
		return nil, err
	}
	return rest.ListPage(ctx, s.client.rest, req, pageStyle, start, read)
}

// List iterates over the tasks that match opts, fetching pages as the
// caller ranges (from opts.Page, or the first). opts is copied, never
// modified. An error is yielded once and ends the walk.
func (s *TasksService) List(ctx context.Context, opts *TaskListOptions) iter.Seq2[*Task, error] {
	req, start, read, err := s.listRequest(opts)
	if err != nil {
		return func(yield func(*Task, error) bool) { yield(nil, err) }
	}
	return rest.List(ctx, s.client.rest, req, pageStyle, start, read)
}

// Get returns one task (GET /api/v3/tasks/{id}).
func (s *TasksService) Get(ctx context.Context, taskID string) (*Task, error) {
	if err := checkID("task", taskID); err != nil {
		return nil, err
	}
	return rest.Get[Task](ctx, s.client.rest, rest.Pathf("/api/v3/tasks/%s", taskID), nil, "")
}

// TriggerZendeskWebhook posts body to babelforce's Zendesk webhook endpoint
// (POST /api/v1/webhook/zendesk?templateId=…), the URL that babelforce's
// status-sync article configures as a Zendesk webhook, and returns the task
// babelforce created from template templateID (202). body is sent as JSON; a
// json.RawMessage or []byte is sent as it is, so a Zendesk event can be
// forwarded unchanged.
//
// The POST is not retried after a 5xx or a network error: each delivery
// starts a task.
func (s *TasksService) TriggerZendeskWebhook(ctx context.Context, templateID string, body any) (*Task, error) {
	if strings.TrimSpace(templateID) == "" {
		return nil, invalidf("zendesk webhook: template id is empty")
	}
	if b, ok := body.([]byte); ok {
		body = json.RawMessage(b)
	}
	if body == nil {
		return nil, invalidf("zendesk webhook: body is nil")
	}
	return rest.Send[Task](ctx, s.client.rest, &rest.Request{
		Method: http.MethodPost,
		Path:   "/api/v1/webhook/zendesk",
		Query:  url.Values{"templateId": {templateID}},
		Body:   body,
	}, "")
}

// StatusSyncTemplate is the template id of the webhook URL in babelforce's
// status-sync article ("?templateId=webhook_map_talk_status"): babelforce's
// prebuilt template that maps a Zendesk agent status to a babelforce
// presence.
const StatusSyncTemplate = "webhook_map_talk_status"

// ZendeskAgentStatusTaskType is the type of the task the Zendesk webhook
// creates, as in the test response of babelforce's status-sync article.
const ZendeskAgentStatusTaskType = "webhook.zendesk.agent_status"
