package zendesktest

import "time"

// SetDeliveryHistory sets how many deliveries s keeps for Deliveries, so
// that a test can see the bound without making 10,000 of them.
func SetDeliveryHistory(s *Server, n int) {
	s.dl.mu.Lock()
	defer s.dl.mu.Unlock()
	s.dl.keep = n
}

// DeliveryHistory is the default bound.
const DeliveryHistory = maxDeliveryRecords

// The guesses of unconfirmed.go, for unconfirmed_test.go.
var (
	WebhookRetryPolicy     = zendeskRetryPolicy
	DefaultUnifiedStatuses = defaultUnifiedStatuses
)

const (
	DefaultTokenLifetime   = defaultTokenLifetime
	DefaultDeliveryTimeout = defaultDeliveryTimeout
)

// DeliveryTimeout is how long s lets one delivery attempt take.
func DeliveryTimeout(s *Server) time.Duration { return s.dl.client.Timeout }

// More guesses of unconfirmed.go, for unconfirmed_test.go.
var (
	StatusAfterComment = statusAfterComment
	ReplierDate        = replierDate
	DisplayStatus      = displayStatus
	TriggerQueryParams = triggerQueryParams
)
