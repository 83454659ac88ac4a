package smsbridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/braze"
	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Inbound states kept in the store under "in:" + key.
const (
	inPending = "pending" // "pending <ticket> <author> <unix-nano>": a comment is (or was) being added
	inCreated = "created" // "created <ticket>": the ticket exists; the Braze attributes may not be set
	inDone    = "done"    // "done <ticket>"
)

// errTicketClosed: the ticket closed between the check and the comment.
var errTicketClosed = errors.New("smsbridge: the ticket is closed")

// HandleInboundSMS puts a customer's text on Zendesk: as a public comment
// by the customer on their open ticket, or as a new ticket with the
// customer as requester when they have none. It is what InboundSMSHandler
// calls for each delivery; m.Key must identify the text across Braze's
// retries.
//
// The open ticket is the one in the customer's zendesk_ticket attribute,
// else the one the bridge last opened for the customer, if Zendesk says it
// is not solved or closed and its requester's Braze external ID user field
// is the customer's. Otherwise the customer's
// Zendesk user is found by that user field, or created (or matched by
// external ID) with [zendesk.UsersService.CreateOrUpdate], and a ticket is created with an
// Idempotency-Key derived from m.Key, so that retries after a timeout
// converge on one ticket; the customer's zendesk_ticket and
// zendesk_ticket_open attributes are then set, so that their next texts
// reach the follow-up campaign.
//
// The texts of one customer are handled one at a time, so that two texts
// sent together by a customer without a ticket open one ticket, not two:
// within the process a text waits for the one before it; across replicas
// sharing the [store.Store], the customer is claimed with [store.Store.Add],
// and a text whose customer another replica is handling is answered 503 for
// Braze to retry. The ticket the bridge opens is remembered in the store, and a text
// that carries no ticket yet (Braze's attribute is set after the ticket
// exists) is added to it.
//
// A comment that may have been added although Zendesk's answer was lost
// is looked for on the ticket before it is added again. A failure of
// Zendesk or Braze returns an error (the handler answers 503, and Braze
// retries); a text the bridge cannot use returns [webhook.Permanent].
func (f *Flow) HandleInboundSMS(ctx context.Context, m *InboundSMS) (Result, error) {
	res := Result{Source: SourceBraze}
	if m != nil {
		res.Kind, res.ExternalID, res.TicketID = m.Kind, m.ExternalID, m.TicketID
	}
	switch {
	case m == nil:
		res.Err = webhook.Permanent(errors.New("smsbridge: nil inbound SMS"))
	case m.ExternalID == "":
		res.Err = webhook.Permanent(errors.New("smsbridge: the webhook campaign sent no external_id ({{${user_id}}})"))
	case strings.TrimSpace(m.Message) == "":
		res.Err = webhook.Permanent(errors.New("smsbridge: the SMS has no text"))
	default:
		if m.Key == "" {
			m.Key = "bz:" + digest(m.ExternalID, m.Kind, strconv.FormatInt(m.TicketID, 10), m.Message, m.MessageID)
		}
		res.Key = m.Key
		res.Err = f.inboundSMS(ctx, f.log.With(slog.String("key", m.Key)), m, &res)
	}
	fail(&res)
	return f.report(res), res.Err
}

// inboundSMS handles m under the customer's claim, filling res.
func (f *Flow) inboundSMS(ctx context.Context, log *slog.Logger, m *InboundSMS, res *Result) error {
	unlock, err := f.lockCustomer(ctx, log, m.ExternalID)
	if err != nil {
		return err
	}
	defer unlock()
	key := keyPrefix + "in:" + m.Key
	state, nums, err := f.readRecord(ctx, key)
	if err != nil {
		return err
	}
	switch ticket := nums[0]; state {
	case inDone:
		res.Outcome, res.Detail, res.TicketID = flow.Duplicate, DetailAlreadyPosted, ticket
		return nil
	case inCreated:
		return f.finishCreated(ctx, log, m, key, ticket, res)
	case inPending:
		var since time.Time
		if nums[2] != 0 {
			since = time.Unix(0, nums[2])
		}
		found, err := f.findComment(ctx, ticket, nums[1], m.Message, since)
		if err != nil {
			return fmt.Errorf("smsbridge: looking for the comment of an earlier attempt on ticket %d: %w", ticket, err)
		}
		if found {
			_ = f.store.Set(ctx, key, record(inDone, ticket), f.cfg.InboundWindow)
			log.InfoContext(ctx, "SMS found on the ticket from an earlier attempt", slog.Int64("ticket", ticket), slog.String("outcome", string(flow.Applied)))
			res.Outcome, res.Detail, res.TicketID = flow.Applied, DetailCommentAdded, ticket
			return nil
		}
	}

	ticket, requester, err := f.openTicket(ctx, log, m)
	if err != nil {
		return err
	}
	if ticket > 0 {
		err := f.comment(ctx, log, m, key, ticket, requester, res)
		if !errors.Is(err, errTicketClosed) {
			return err
		}
		log.InfoContext(ctx, "the ticket closed meanwhile; opening a new one", slog.Int64("ticket", ticket))
	}
	return f.createTicket(ctx, log, m, key, res)
}

// openTicket returns the customer's open ticket and its requester, or 0
// when there is none to comment on: the ticket of the customer's
// zendesk_ticket attribute, else the one the bridge last opened for them
// (their attribute may not say so yet).
func (f *Flow) openTicket(ctx context.Context, log *slog.Logger, m *InboundSMS) (ticket, requester int64, err error) {
	remembered, err := f.rememberedTicket(ctx, m.ExternalID)
	if err != nil {
		return 0, 0, errStore(err)
	}
	ids := []int64{m.TicketID}
	if remembered != m.TicketID {
		ids = append(ids, remembered)
	}
	for _, id := range ids {
		if id <= 0 {
			continue
		}
		if ticket, requester, err = f.usableTicket(ctx, log, m, id); err != nil || ticket > 0 {
			return ticket, requester, err
		}
	}
	return 0, 0, nil
}

// usableTicket returns ticket id and its requester if the customer may
// comment on it (it exists, is not solved or closed, and its requester is
// the customer), else 0.
func (f *Flow) usableTicket(ctx context.Context, log *slog.Logger, m *InboundSMS, id int64) (ticket, requester int64, err error) {
	t, err := f.cfg.Zendesk.Tickets.Get(ctx, id)
	switch {
	case errors.Is(err, deskbridge.ErrNotFound):
		log.InfoContext(ctx, "the customer's ticket does not exist", slog.Int64("ticket", id))
		return 0, 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("smsbridge: reading ticket %d: %w", id, err)
	case closedStatus(t.Status):
		log.InfoContext(ctx, "the customer's ticket is "+t.Status, slog.Int64("ticket", t.ID))
		return 0, 0, nil
	}
	u, err := f.cfg.Zendesk.Users.Get(ctx, t.RequesterID)
	switch {
	case errors.Is(err, deskbridge.ErrNotFound):
		return 0, 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("smsbridge: reading the requester of ticket %d: %w", t.ID, err)
	}
	if id, _ := u.UserFieldString(f.cfg.UserField); !strings.EqualFold(strings.TrimSpace(id), m.ExternalID) {
		log.WarnContext(ctx, "the customer's ticket belongs to someone else; opening a new one", slog.Int64("ticket", t.ID))
		return 0, 0, nil
	}
	return t.ID, u.ID, nil
}

// comment adds the text to the ticket as the requester's public comment.
func (f *Flow) comment(ctx context.Context, log *slog.Logger, m *InboundSMS, key string, ticket, requester int64, res *Result) error {
	// Recorded before the call: if the answer is lost, the retry looks for
	// the comment before adding it again; and if Zendesk sends the comment
	// back through a trigger, it is recognised.
	if err := f.store.Set(ctx, key, record(inPending, ticket, requester, f.cfg.Now().UnixNano()), f.cfg.InboundWindow); err != nil {
		return errStore(err)
	}
	if err := f.rememberEcho(ctx, m.ExternalID, m.Message); err != nil {
		return errStore(err)
	}
	_, err := f.cfg.Zendesk.Tickets.Update(ctx, ticket, &zendesk.TicketInput{
		Comment: &zendesk.CommentInput{Body: m.Message, Public: zendesk.Ptr(true), AuthorID: requester},
	})
	if err != nil {
		if errors.Is(err, deskbridge.ErrInvalid) {
			if t, gerr := f.cfg.Zendesk.Tickets.Get(ctx, ticket); gerr == nil && closedStatus(t.Status) {
				return errTicketClosed
			}
			return webhook.Permanent(fmt.Errorf("smsbridge: Zendesk refused the SMS as a comment on ticket %d: %w", ticket, err))
		}
		return fmt.Errorf("smsbridge: adding the SMS to ticket %d: %w", ticket, err)
	}
	_ = f.store.Set(context.WithoutCancel(ctx), key, record(inDone, ticket), f.cfg.InboundWindow)
	log.InfoContext(ctx, "SMS added to the ticket", slog.Int64("ticket", ticket), slog.String("outcome", string(flow.Applied)))
	res.Outcome, res.Detail, res.TicketID = flow.Applied, DetailCommentAdded, ticket
	return nil
}

// createTicket opens a ticket for the text.
func (f *Flow) createTicket(ctx context.Context, log *slog.Logger, m *InboundSMS, key string, res *Result) error {
	user, err := f.findOrCreateUser(ctx, m)
	if err != nil {
		return err
	}
	if err := f.rememberEcho(ctx, m.ExternalID, m.Message); err != nil {
		return errStore(err)
	}
	t, err := f.cfg.Zendesk.Tickets.Create(ctx, &zendesk.TicketInput{
		Subject:     strings.ReplaceAll(f.cfg.TicketSubject, "{name}", displayName(m)),
		Comment:     &zendesk.CommentInput{Body: m.Message, Public: zendesk.Ptr(true), AuthorID: user.ID},
		RequesterID: user.ID,
		SubmitterID: user.ID,
		Tags:        f.cfg.TicketTags,
	}, zendesk.IdempotencyKey(idempotencyKey(m.Key)))
	if err != nil {
		if errors.Is(err, deskbridge.ErrInvalid) {
			return webhook.Permanent(fmt.Errorf("smsbridge: Zendesk refused the ticket: %w", err))
		}
		return fmt.Errorf("smsbridge: creating the ticket: %w", err)
	}
	f.rememberTicket(context.WithoutCancel(ctx), log, m.ExternalID, t.ID)
	if err := f.store.Set(ctx, key, record(inCreated, t.ID), f.cfg.InboundWindow); err != nil {
		return errStore(err)
	}
	log.InfoContext(ctx, "ticket opened from an SMS", slog.Int64("ticket", t.ID), slog.Int64("requester", user.ID))
	return f.finishCreated(ctx, log, m, key, t.ID, res)
}

// idempotencyKey is the Idempotency-Key of the ticket a text creates: the
// same for every retry of the text.
func idempotencyKey(key string) string { return "smsbridge-" + strings.TrimPrefix(key, "bz:") }

// finishCreated sets the customer's ticket attributes in Braze once their
// ticket exists.
func (f *Flow) finishCreated(ctx context.Context, log *slog.Logger, m *InboundSMS, key string, ticket int64, res *Result) error {
	_, err := f.cfg.Braze.Users.Track(ctx, &braze.TrackRequest{Attributes: []braze.UserAttributes{{
		ExternalID: m.ExternalID,
		Attributes: map[string]any{AttrTicket: strconv.FormatInt(ticket, 10), AttrTicketOpen: ticketOpenValue(true)},
	}}})
	if err != nil {
		return fmt.Errorf("smsbridge: ticket %d was created; setting the customer's %s in Braze: %w", ticket, AttrTicket, err)
	}
	_ = f.store.Set(context.WithoutCancel(ctx), key, record(inDone, ticket), f.cfg.InboundWindow)
	log.InfoContext(ctx, "ticket attributes set in Braze", slog.Int64("ticket", ticket), slog.String("outcome", string(flow.Applied)))
	res.Outcome, res.Detail, res.TicketID = flow.Applied, DetailTicketCreated, ticket
	return nil
}

// findOrCreateUser returns the Zendesk user whose Braze external ID user
// field is the customer's, creating one when there is none. The search
// comes first, so that a user an agent linked by hand (by setting the field
// on an existing user) is found; Zendesk's search index may lag behind,
// so the fallback, Users.CreateOrUpdate matched by external_id, must not
// create a duplicate either: it finds the user it created on an earlier
// attempt.
func (f *Flow) findOrCreateUser(ctx context.Context, m *InboundSMS) (*zendesk.User, error) {
	page, err := f.cfg.Zendesk.Users.SearchPage(ctx, userFieldQuery(f.cfg.UserField, m.ExternalID),
		&zendesk.UserSearchOptions{OffsetOptions: zendesk.OffsetOptions{PerPage: 10}})
	if err != nil {
		return nil, fmt.Errorf("smsbridge: searching the Zendesk user: %w", err)
	}
	for _, u := range page.Items {
		if v, ok := u.UserFieldString(f.cfg.UserField); ok && strings.EqualFold(strings.TrimSpace(v), m.ExternalID) {
			return u, nil
		}
	}
	u, _, err := f.cfg.Zendesk.Users.CreateOrUpdate(ctx, &zendesk.UserInput{
		Name:            displayName(m),
		ExternalID:      m.ExternalID,
		UserFields:      map[string]any{f.cfg.UserField: m.ExternalID},
		SkipVerifyEmail: true,
	})
	if err != nil {
		return nil, fmt.Errorf("smsbridge: creating the Zendesk user: %w", err)
	}
	return u, nil
}

// displayName is the customer's name, else phone, else Braze ID.
func displayName(m *InboundSMS) string {
	if n := strings.TrimSpace(m.FirstName + " " + m.LastName); n != "" {
		return n
	}
	if m.Phone != "" {
		return m.Phone
	}
	return m.ExternalID
}

// findComment reports whether the ticket has a comment by author with the
// text, made since about since (five minutes of clock skew allowed).
func (f *Flow) findComment(ctx context.Context, ticket, author int64, text string, since time.Time) (bool, error) {
	if ticket <= 0 {
		return false, nil
	}
	want := echoText(text)
	from := since.Add(-5 * time.Minute)
	for c, err := range f.cfg.Zendesk.Tickets.Comments(ctx, ticket, nil) {
		if err != nil {
			return false, err
		}
		if author != 0 && c.AuthorID != author || c.CreatedAt.Before(from) {
			continue
		}
		body := c.PlainBody
		if body == "" {
			body = c.Body
		}
		if echoText(body) == want {
			return true, nil
		}
	}
	return false, nil
}
