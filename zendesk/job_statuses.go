package zendesk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// JobStatusesService reads the background jobs that bulk endpoints start
// ([TicketsService.CreateMany], [TicketsService.UpdateMany], ...) and waits
// for them.
type JobStatusesService service

// Job states that appear in the examples of Zendesk's job statuses
// reference
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/).
// The other states, [JobWorking], [JobFailed] and [JobKilled], are guesses
// kept in unconfirmed.go.
const (
	JobQueued    = "queued"
	JobCompleted = "completed"
)

// JobStatus is the state of a background job.
type JobStatus struct {
	ID       string `json:"id"`
	JobType  string `json:"job_type,omitempty"`
	URL      string `json:"url,omitempty"`
	Status   string `json:"status"`
	Total    int    `json:"total,omitempty"`
	Progress int    `json:"progress,omitempty"`
	Message  string `json:"message,omitempty"`
	// Results has one entry per item once the job has run. An item can fail
	// (Success false, Error set) in a job that completed.
	Results []JobResult `json:"results,omitempty"`
}

// JobResult is the outcome for one item of a job.
type JobResult struct {
	// ID is the id of the resource created or updated.
	ID int64 `json:"id,omitempty"`
	// Index is the item's position in the request (create jobs).
	Index   int    `json:"index"`
	Action  string `json:"action,omitempty"`
	Status  string `json:"status,omitempty"`
	Success bool   `json:"success,omitempty"`
	Error   string `json:"error,omitempty"`
	Details string `json:"details,omitempty"`
	// ExternalID is set for items matched by external id.
	ExternalID string `json:"external_id,omitempty"`
}

// Done reports whether the job has stopped running: [JobCompleted],
// [JobFailed] or [JobKilled] (which states are final is a guess, see
// unconfirmed.go).
func (j *JobStatus) Done() bool { return jobDone(j.Status) }

// ErrJobFailed is matched by the error Wait returns for a job that ended
// failed or killed.
var ErrJobFailed = errors.New("zendesk: background job did not complete")

// Get returns the status of the job with id.
func (s *JobStatusesService) Get(ctx context.Context, id string) (*JobStatus, error) {
	if id == "" {
		return nil, invalid("job status id is empty")
	}
	return rest.Get[JobStatus](ctx, s.client.rest, rest.Pathf("/api/v2/job_statuses/%s", id), nil, "job_status")
}

// start sends a request that answers with a job status.
func (s *JobStatusesService) start(ctx context.Context, req *rest.Request) (*JobStatus, error) {
	return rest.Send[JobStatus](ctx, s.client.rest, req, "job_status")
}

// DefaultPollInterval is how often Wait polls when [WaitOptions] gives no
// interval.
const DefaultPollInterval = 2 * time.Second

// WaitOptions tune [JobStatusesService.Wait].
type WaitOptions struct {
	// PollInterval is the time between two polls; 0 means
	// [DefaultPollInterval].
	PollInterval time.Duration
}

// Wait polls the job until it is done ([JobStatus.Done]) and returns its
// final status. A job that ended failed or killed is returned with an error
// matching [ErrJobFailed]. Wait stops with the context's error when ctx
// ends first (with the last status read, when it ends between two polls);
// bound it with a deadline. The waits between polls run on the client's
// clock, as its retries do.
func (s *JobStatusesService) Wait(ctx context.Context, id string, opts *WaitOptions) (*JobStatus, error) {
	o := copyOpts(opts)
	if o.PollInterval < 0 {
		return nil, invalid("poll interval %s is negative", o.PollInterval)
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	for {
		js, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if js.Done() {
			if js.Status != JobCompleted {
				return js, fmt.Errorf("zendesk: job %s ended %s: %s: %w", js.ID, js.Status, rest.Snippet([]byte(js.Message), 200), ErrJobFailed)
			}
			return js, nil
		}
		if err := s.client.rest.Sleep(ctx, o.PollInterval); err != nil {
			return js, err
		}
	}
}
