package babelforce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/jarcoal/httpmock"
)

func TestTasksListPage(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks", rec.Wrap(jsonResp(200, fixture(t, "tasks_page.json"))))
	p, err := c.Tasks.ListPage(t.Context(), &TaskListOptions{Filter: "type==webhook.zendesk.agent_status", Page: 1, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	if r.RawQuery != "filter=type%3D%3Dwebhook.zendesk.agent_status&page=1&page_size=2" {
		t.Fatalf("query = %q", r.RawQuery)
	}
	if p.Total != 3 || p.Next != "2" || len(p.Items) != 2 {
		t.Fatalf("page = %+v", p)
	}
	checkArticleTask(t, p.Items[0])
	if p.Items[1].State != TaskCompleted {
		t.Errorf("second task = %+v", p.Items[1])
	}
}

// The status-sync article's extract of a webhook response
// (testdata/webhook_task_status_sync.json) writes its ids hyphenated; the
// client decodes them as they come. babelforce matches ids in paths in the
// 32-hex form only (https://github.com/babelforce/manager-sdk-go, ids.go),
// so a request names a task by wireTaskID.
const (
	articleTaskID     = "0fe3d4a8-335b-4c3e-a63d-c38d153020e2"
	articleSessionID  = "e18a7220-585b-4f84-8205-a527f9f78022"
	articleCustomerID = "6c2a2f9e-6dbd-4fc1-b9d3-cde3c7a6e80d"
	wireTaskID        = "0fe3d4a8335b4c3ea63dc38d153020e2"
)

// checkArticleTask checks the decoding of the status-sync article's
// webhook response.
func checkArticleTask(t *testing.T, task *Task) {
	t.Helper()
	if task.ID != articleTaskID || task.SessionID != articleSessionID ||
		task.CustomerID != articleCustomerID || task.CreatedAt != 1707901067470 ||
		task.Type != ZendeskAgentStatusTaskType || task.State != TaskScheduled || string(task.Actions) != "{}" {
		t.Errorf("task = %+v", task)
	}
	if got := task.Created(); !got.Equal(time.Date(2024, 2, 14, 8, 57, 47, 470e6, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("Created = %v", got)
	}
	var body struct {
		Event struct {
			NewState string `json:"new_state"`
		} `json:"event"`
		Detail struct {
			AgentID string `json:"agent_id"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(task.Body, &body); err != nil || body.Event.NewState != "online" || body.Detail.AgentID != "10011" {
		t.Errorf("body = %s (%v)", task.Body, err)
	}
}

func TestTaskCreatedZero(t *testing.T) {
	t.Parallel()
	if !(&Task{}).Created().IsZero() {
		t.Fatal("zero created_at is not the zero time")
	}
}

func TestTasksListWalksPages(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks", rec.Wrap(func(req *http.Request) (*http.Response, error) {
		page, _ := strconv.Atoi(req.URL.Query().Get("page"))
		page = max(page, 1)
		var recs []map[string]any
		for i := (page - 1) * 2; i < page*2 && i < 5; i++ {
			recs = append(recs, map[string]any{"id": fmt.Sprint("t", i), "state": "Completed", "type": "x", "created_at": 1})
		}
		body, _ := json.Marshal(map[string]any{"_metadata": map[string]any{"page": page, "per_page": 2, "page_count": 3, "total_count": 5}, "records": recs})
		return jsonResp(200, string(body))(req)
	}))
	opts := &TaskListOptions{PageSize: 2}
	var ids []string
	for task, err := range c.Tasks.List(t.Context(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, task.ID)
	}
	if fmt.Sprint(ids) != "[t0 t1 t2 t3 t4]" || len(rec.All()) != 3 || opts.Page != 0 {
		t.Fatalf("ids %v after %d requests", ids, len(rec.All()))
	}
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks", jsonResp(400, fixture(t, "v3_error.json")))
	for _, err := range c.Tasks.List(t.Context(), nil) {
		var e *Error
		if !errors.As(err, &e) || e.Message != "Bad Request" || e.Detail != "templateId is required" {
			t.Fatalf("err = %v", err)
		}
	}
}

func TestTasksGet(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/"+wireTaskID, rec.Wrap(jsonResp(200, fixture(t, "webhook_task_status_sync.json"))))
	task, err := c.Tasks.Get(t.Context(), wireTaskID)
	if err != nil {
		t.Fatal(err)
	}
	checkArticleTask(t, task)
	checkCommon(t, rec.Last(t), "Bearer "+staticToken)
	mock.RegisterResponder("GET", testBase+"/api/v3/tasks/none", jsonResp(404, `{"error_message":"Not Found","error_detail":"task none"}`))
	if _, err := c.Tasks.Get(t.Context(), "none"); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestTriggerZendeskWebhook(t *testing.T) {
	t.Parallel()
	c, mock, rec := newMocked(t, nil, WithMaxRetries(3), WithRetryWaitMax(time.Millisecond))
	mock.RegisterResponder("POST", testBase+"/api/v1/webhook/zendesk", rec.Wrap(jsonResp(202, fixture(t, "webhook_task_status_sync.json"))))
	event := []byte(`{"type":"zen:event-type:agent.state_changed","detail":{"agent_id":"10011"},"event":{"new_state":"online"}}`)
	task, err := c.Tasks.TriggerZendeskWebhook(t.Context(), StatusSyncTemplate, event)
	if err != nil {
		t.Fatal(err)
	}
	checkArticleTask(t, task)
	r := rec.Last(t)
	checkCommon(t, r, "Bearer "+staticToken)
	if r.RawQuery != "templateId=webhook_map_talk_status" || r.Body != string(event) || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s ?%s %s", r.Method, r.RawQuery, r.Body)
	}
	// A struct body is encoded as JSON.
	if _, err := c.Tasks.TriggerZendeskWebhook(t.Context(), "tpl x", map[string]string{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	if r := rec.Last(t); r.RawQuery != "templateId=tpl+x" || r.Body != `{"a":"b"}` {
		t.Fatalf("request ?%s %s", r.RawQuery, r.Body)
	}
	// Each delivery starts a task: a 503 is not replayed.
	before := len(rec.All())
	mock.RegisterResponder("POST", testBase+"/api/v1/webhook/zendesk", rec.Wrap(jsonResp(503, `{"error_message":"Service Unavailable"}`)))
	if _, err := c.Tasks.TriggerZendeskWebhook(t.Context(), StatusSyncTemplate, event); !errors.Is(err, deskbridge.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.All()) - before; n != 1 {
		t.Fatalf("the POST was sent %d times", n)
	}
	// A 429 is retried: the request was not processed.
	mock.RegisterResponder("POST", testBase+"/api/v1/webhook/zendesk",
		httpmock.ResponderFromMultipleResponses([]*http.Response{
			func() *http.Response {
				r := httpmock.NewStringResponse(429, `{"error_message":"Too Many Requests"}`)
				r.Header.Set("Retry-After", "0")
				return r
			}(),
			httpmock.NewStringResponse(202, `{"id":"t2","state":"Scheduled"}`),
		}))
	if task, err := c.Tasks.TriggerZendeskWebhook(t.Context(), StatusSyncTemplate, event); err != nil || task.ID != "t2" {
		t.Fatalf("after a 429: %+v, %v", task, err)
	}
}
