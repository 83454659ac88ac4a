package zendesk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/internal/testkit"
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

// Wait polls at the interval asked for (2 s by default), on the client's
// clock: the test takes no real time.
func TestJobStatusesWaitPollsUntilDone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts *WaitOptions
		want time.Duration
	}{
		{"default interval", nil, DefaultPollInterval},
		{"interval asked for", &WaitOptions{PollInterval: 90 * time.Second}, 90 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.on("GET", "/api/v2/job_statuses/82de0b044094f0c67893ac9fe64f1a99",
				ok(testdata(t, "job_status_queued.json")),
				ok(`{"job_status":{"id":"82de0b044094f0c67893ac9fe64f1a99","status":"working","progress":1,"total":2}}`),
				ok(`{"job_status":{"id":"82de0b044094f0c67893ac9fe64f1a99","status":"completed","progress":2,"total":2,"results":[{"id":1,"index":0,"action":"create","status":"Created","success":true},{"index":1,"error":"RecordInvalid","details":"Subject: cannot be blank"}]}}`))
			ft := testkit.NewClock()
			start := time.Now()
			js, err := f.client(WithOAuthToken(testToken), withClock(ft)).JobStatuses.Wait(t.Context(), "82de0b044094f0c67893ac9fe64f1a99", tc.opts)
			if err != nil || js.Status != JobCompleted || len(f.calls()) != 3 {
				t.Fatalf("job = %+v, err = %v, polls = %d", js, err, len(f.calls()))
			}
			if got, want := fmt.Sprint(ft.Sleeps()), fmt.Sprint([]time.Duration{tc.want, tc.want}); got != want {
				t.Fatalf("waits = %s, want %s on the client's clock", got, want)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("Wait took %s of real time", d)
			}
			if js.Results[1].Success || js.Results[1].Index != 1 || js.Results[1].Error != "RecordInvalid" {
				t.Fatalf("an item can fail in a completed job: %+v", js.Results[1])
			}
		})
	}
}

// A context that ends during a wait between polls ends Wait with its
// error and the last status read.
func TestJobStatusesWaitHonoursContext(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/job_statuses/j1", ok(`{"job_status":{"id":"j1","status":"queued"}}`))
	// The deadline is a backstop only: a Wait that does not sleep on the
	// client's clock would poll until it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ft := testkit.NewClock()
	sleep := func(ctx context.Context, d time.Duration) error {
		if len(ft.Sleeps()) == 2 {
			cancel() // during the third wait
		}
		return ft.Sleep(ctx, d)
	}
	js, err := f.client(WithOAuthToken(testToken), withSleep(ft, sleep)).JobStatuses.Wait(ctx, "j1", nil)
	if !errors.Is(err, context.Canceled) || js == nil || js.Status != JobQueued || len(f.calls()) != 3 {
		t.Fatalf("job = %+v, err = %v, polls = %d", js, err, len(f.calls()))
	}
	if got := fmt.Sprint(ft.Sleeps()); got != "[2s 2s]" {
		t.Fatalf("waits = %s, want two of 2 s before the one the context ended", got)
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
