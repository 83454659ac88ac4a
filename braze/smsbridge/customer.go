package smsbridge

import (
	"context"
	"errors"
	"time"
)

// customerLockTTL is the lease of a customer's claim in the store: longer
// than the handling of one text takes (a few Zendesk and Braze calls with
// short retry budgets), short enough that the claim of a replica that died
// does not hold the customer's texts back for long (Braze retries them).
const customerLockTTL = time.Minute

// errCustomerBusy: another replica is handling a text from the same
// customer; the text is answered 503 and Braze retries it.
var errCustomerBusy = errors.New("smsbridge: another text from this customer is being handled elsewhere; retry later")

// customerLockKey and customerTicketKey are the store keys of a customer's
// claim and of the ticket the bridge last opened for them.
func customerLockKey(externalID string) string {
	return keyPrefix + "customer-lock:" + digest(externalID)
}
func customerTicketKey(externalID string) string {
	return keyPrefix + "customer-ticket:" + digest(externalID)
}

// rememberedTicket returns the ticket the bridge last opened for the
// customer (see createTicket), 0 if none.
func (f *Flow) rememberedTicket(ctx context.Context, externalID string) (int64, error) {
	v, ok, err := f.store.Get(ctx, customerTicketKey(externalID))
	if err != nil || !ok {
		return 0, err
	}
	return parseTicketID(v), nil
}
