package babelforcetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxPageSize is the largest page_size of GET /api/v3/tasks (the
// task-automation spec bounds it to 1..100); a larger one gets a 400.
const MaxPageSize = 100

// StatusSyncTemplate is the template id of the webhook URL in babelforce's
// status-sync article. The fake runs it (see zendeskWebhook) unless
// [WithoutTemplates] was given.
const StatusSyncTemplate = "webhook_map_talk_status"

// ZendeskTaskType is the type of the tasks the Zendesk webhook records.
const ZendeskTaskType = "webhook.zendesk.agent_status"

// Task is a task of the fake.
type Task struct {
	ID         string
	SessionID  string
	CustomerID string
	AgentID    string
	QueueID    string
	// CreatedAt is when the task was created (created_at, ms on the wire).
	CreatedAt time.Time
	// ScheduledAt is when the task is scheduled to run; zero means "now",
	// the time it was created. On the wire scheduled_at is "now" or
	// "at <ms>"; a filter on scheduled_at compares milliseconds.
	ScheduledAt time.Time
	Type        string
	State       string
	// Body is the task's payload; for a webhook task, the body Zendesk sent.
	Body     json.RawMessage
	HasError bool
	// Template is the templateId the webhook was called with.
	Template string
	// Result says what the fake's template run did, for assertions: "set
	// presence busy of agent …", or why it failed.
	Result string
}

type task = Task

// AddTask records a task (for list and pagination tests) and returns it
// with its id, session, customer, created time and state filled in. It
// panics on an id babelforce would not send (ID, SessionID, CustomerID,
// AgentID or QueueID, when set, not 32 lower-case hex characters; see
// ids.go), as seeding a fake wrongly is a bug in the test or demo.
func (s *Server) AddTask(t Task) Task {
	for what, id := range map[string]string{"ID": t.ID, "SessionID": t.SessionID, "CustomerID": t.CustomerID, "AgentID": t.AgentID, "QueueID": t.QueueID} {
		if id == "" {
			continue
		}
		if err := checkSeedID("task "+what, id); err != nil {
			panic("babelforcetest: AddTask: " + err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID != "" && s.taskLocked(t.ID) != nil {
		panic(fmt.Sprintf("babelforcetest: AddTask: task %q exists", t.ID))
	}
	s.fillTaskLocked(&t)
	s.addTaskLocked(&t)
	return t
}

func (s *Server) fillTaskLocked(t *Task) {
	if t.ID == "" {
		t.ID = newID()
	}
	if t.SessionID == "" {
		t.SessionID = newID()
	}
	if t.CustomerID == "" {
		t.CustomerID = s.CustomerID
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	if t.State == "" {
		t.State = "Scheduled"
	}
	if t.Type == "" {
		t.Type = "custom"
	}
	if len(t.Body) == 0 {
		t.Body = json.RawMessage(`{}`)
	}
	t.Body = slices.Clone(t.Body)
}

// Tasks returns every task, oldest first.
func (s *Server) Tasks() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Task, len(s.tasks))
	for i, t := range s.tasks {
		out[i] = *t
		out[i].Body = slices.Clone(t.Body)
	}
	return out
}

// Task returns the task with the id.
func (s *Server) Task(id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.taskLocked(id); t != nil {
		c := *t
		c.Body = slices.Clone(t.Body)
		return c, true
	}
	return Task{}, false
}

// scheduledMillis is the task's scheduled time in ms: ScheduledAt, or the
// created time for a task scheduled "now".
func (t *Task) scheduledMillis() int64 {
	if t.ScheduledAt.IsZero() {
		return t.CreatedAt.UnixMilli()
	}
	return t.ScheduledAt.UnixMilli()
}

// taskJSON is the wire form of a task (task-automation spec Task): the
// optional agent_id and queue_id are absent when the task has none.
func taskJSON(t *task) map[string]any {
	scheduled := "now"
	if !t.ScheduledAt.IsZero() {
		scheduled = "at " + strconv.FormatInt(t.ScheduledAt.UnixMilli(), 10)
	}
	m := map[string]any{
		"id":           taskBodyID(t.ID),
		"session_id":   taskBodyID(t.SessionID),
		"customer_id":  taskBodyID(t.CustomerID),
		"created_at":   t.CreatedAt.UnixMilli(),
		"body":         t.Body,
		"type":         t.Type,
		"state":        t.State,
		"actions":      map[string]any{},
		"scheduled_at": scheduled,
		"has_error":    t.HasError,
	}
	if t.AgentID != "" {
		m["agent_id"] = taskBodyID(t.AgentID)
	}
	if t.QueueID != "" {
		m["queue_id"] = taskBodyID(t.QueueID)
	}
	return m
}

// listTasks answers GET /api/v3/tasks (filter, page, page_size) with
// {_metadata{page, per_page, page_count, total_count}, records}.
//
// Cost: without a filter a page is a slice of the tasks in creation order,
// O(page_size). With a filter every request walks every task, O(n) per page
// (so O(n²/page_size) to walk all pages), because total_count and the page
// are those of the matching tasks and an RSQL filter is an arbitrary tree of
// and/or over ==, !=, ranges and =in=/=out= on any of ten fields: no one
// index answers it, and the fake is for tests and demos of at most a few
// thousand tasks. GET /api/v3/tasks/{id} (getTask) uses the id index, O(1).
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	q, err := splitQuery(r.URL.RawQuery)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "the query string is malformed: "+err.Error())
		return
	}
	page, size := 1, DefaultPageSize
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			apiError(w, r, http.StatusBadRequest, "Bad Request", "page must be a positive integer")
			return
		}
		page = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			apiError(w, r, http.StatusBadRequest, "Bad Request", "page_size must be 1..100")
			return
		}
		size = n
	}
	match, err := parseTaskFilter(q.Get("filter"))
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	s.mu.Lock()
	all := s.tasks
	if _, everything := match.(matchAll); !everything {
		s.visited += len(s.tasks)
		all = nil
		for _, t := range s.tasks {
			if match.match(t) {
				all = append(all, t)
			}
		}
	}
	records := []map[string]any{}
	for _, t := range pageOf(all, page, size) {
		records = append(records, taskJSON(t))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"_metadata": map[string]any{"page": page, "per_page": size, "page_count": (len(all) + size - 1) / size, "total_count": len(all)},
		"records":   records,
	})
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	var body map[string]any
	if t := s.taskLocked(id); t != nil {
		body = taskJSON(t)
	}
	s.mu.Unlock()
	if body == nil {
		apiError(w, r, http.StatusNotFound, "Not Found", "task "+id+" not found")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// zendeskWebhook answers POST /api/v1/webhook/zendesk?templateId=…: it
// records a task (of webhookTaskType) whose body is the JSON object
// received and answers 202 with it, state Scheduled, as in the status-sync
// article's test response. With that article's template
// ([StatusSyncTemplate]) it then runs the template on the agent whose
// sourceId is the body's detail.agent_id (runStatusTemplate), and the task
// ends Completed or Failed (with HasError and Result saying why). Other
// templates are recorded and left Scheduled.
func (s *Server) zendeskWebhook(w http.ResponseWriter, r *http.Request) {
	tpl := r.URL.Query().Get("templateId")
	if tpl == "" {
		apiError(w, r, missingTemplateStatus, http.StatusText(missingTemplateStatus), "templateId is required")
		return
	}
	var body json.RawMessage
	if !readJSON(w, r, &body) {
		return
	}
	if t := strings.TrimSpace(string(body)); !strings.HasPrefix(t, "{") {
		apiError(w, r, http.StatusBadRequest, "Bad Request", "the body must be a JSON object")
		return
	}
	s.mu.Lock()
	t := &task{Type: webhookTaskType(tpl), Body: body, Template: tpl}
	s.fillTaskLocked(t)
	s.addTaskLocked(t)
	resp := taskJSON(t)
	s.mu.Unlock()

	if tpl == StatusSyncTemplate && s.cfg.templates {
		s.runStatusTemplate(t)
	}
	writeJSON(w, http.StatusAccepted, resp)
}

// runStatusTemplate does what the status-sync article's template does:
// find the agent by sourceId = detail.agent_id, set the presence the
// Zendesk state maps to (statusTemplateInput, statusTemplatePresence).
func (s *Server) runStatusTemplate(t *task) {
	sourceID, state := statusTemplateInput(t.Body)
	var result string
	var err error
	switch {
	case sourceID == "":
		err = fmt.Errorf("the body has no detail.agent_id")
	case state == "":
		err = fmt.Errorf("the body has no event.new_state or event.new_unified_state.name")
	default:
		target := s.statusTemplatePresence(state)
		err = s.setPresenceBySource(sourceID, target, SourceWebhook)
		result = fmt.Sprintf("set presence %s of the agent with sourceId %s", target, sourceID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		t.State, t.HasError, t.Result = "Failed", true, err.Error()
		return
	}
	t.State, t.Result = "Completed", result
}
