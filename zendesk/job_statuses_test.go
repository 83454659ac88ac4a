package zendesk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJobStatusesGet(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/job_statuses/8b726e606741012ffc2d782bcb7848fe", ok(testdata(t, "job_status.json")))
	js, err := f.client().JobStatuses.Get(t.Context(), "8b726e606741012ffc2d782bcb7848fe")
	if err != nil {
		t.Fatal(err)
	}
	f.only().expect(t, "GET", "/api/v2/job_statuses/8b726e606741012ffc2d782bcb7848fe", "", "")
	if js.Status != JobCompleted || !js.Done() || js.Total != 2 || js.Progress != 2 || !strings.HasPrefix(js.Message, "Completed at") ||
		len(js.Results) != 1 || js.Results[0] != (JobResult{ID: 380, Action: "update", Status: "Updated", Success: true}) {
		t.Fatalf("job = %+v", js)
	}
	_, err = f.client().JobStatuses.Get(t.Context(), "")
	isInvalid(t, err)
}

func TestJobStatusesWaitPollsUntilDone(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/job_statuses/82de0b044094f0c67893ac9fe64f1a99",
		ok(testdata(t, "job_status_queued.json")),
		ok(`{"job_status":{"id":"82de0b044094f0c67893ac9fe64f1a99","status":"working","progress":1,"total":2}}`),
		ok(`{"job_status":{"id":"82de0b044094f0c67893ac9fe64f1a99","status":"completed","progress":2,"total":2,"results":[{"id":1,"index":0,"action":"create","status":"Created","success":true},{"index":1,"error":"RecordInvalid","details":"Subject: cannot be blank"}]}}`))
	js, err := f.client().JobStatuses.Wait(t.Context(), "82de0b044094f0c67893ac9fe64f1a99", &WaitOptions{PollInterval: time.Millisecond})
	if err != nil || js.Status != JobCompleted || len(f.calls()) != 3 {
		t.Fatalf("job = %+v, err = %v, polls = %d", js, err, len(f.calls()))
	}
	if js.Results[1].Success || js.Results[1].Index != 1 || js.Results[1].Error != "RecordInvalid" {
		t.Fatalf("an item can fail in a completed job: %+v", js.Results[1])
	}
}
func TestJobStatusesWaitHonoursContext(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/job_statuses/j1", ok(`{"job_status":{"id":"j1","status":"queued"}}`))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	js, err := f.client().JobStatuses.Wait(ctx, "j1", nil) // default interval: 2 s
	if !errors.Is(err, context.DeadlineExceeded) || js == nil || js.Status != JobQueued || time.Since(start) > time.Second {
		t.Fatalf("job = %+v, err = %v after %s", js, err, time.Since(start))
	}
	_, err = f.client().JobStatuses.Wait(t.Context(), "j1", &WaitOptions{PollInterval: -1})
	isInvalid(t, err)
	// A poll that fails ends the wait with its error.
	f2 := newFake(t)
	f2.on("GET", "/api/v2/job_statuses/j2", status(404, testdata(t, "error_404.json")))
	if _, err := f2.client().JobStatuses.Wait(t.Context(), "j2", nil); err == nil {
		t.Fatal("want an error")
	}
}
