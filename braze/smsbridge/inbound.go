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
	"github.com/deskbridge/deskbridge/store"
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

// text is one text being handled under its customer's claim.
type text struct {
	m   *InboundSMS
	log *slog.Logger
	res *Result
	key string // the store key of the text's record

	// state and nums are the text's record when it had one ("" else).
	state string
	nums  [3]int64

	// pending is the record "pending" of this delivery (the first round
	// trip's Add of it, and what an attempted write leaves); added: that
	// Add added it (the text had no record).
	pending string
	added   bool
	// search: an earlier attempt may have added the comment (its record
	// was pending), so the ticket is searched for it before it is added.
	search bool
	since  time.Time // when that attempt began
	// attempted: a Zendesk write of the text was attempted (it may have
	// gone through), so a pending record must stay for the retry.
	attempted bool
	// settled: the text's record says more than pending ("created", or
	// "done" queued in final), and is kept as it is.
	settled bool
	// final is written with the release of the customer's claim, in one
	// round trip (the text's "done" record).
	final []*store.Op
}

// done records, with the release of the claim, that the text is on ticket.
func (t *text) done(f *Flow, ticket int64) {
	t.final = append(t.final, store.SetOp(t.key, record(inDone, ticket), f.cfg.InboundWindow))
	t.settled = true
}

// inboundSMS handles m under the customer's claim, filling res. The
// texts of one customer are handled one at a time: within the process a
// text waits for the one before it (or for ctx); across replicas sharing
// the store, the customer is claimed with an Add for customerLockTTL, and
// a text whose customer is claimed elsewhere gets errCustomerBusy.
//
// Its store round trips: one batch before anything else (the customer's
// claim and its holder; the text's record, added as pending when it is
// new, and read; the ticket remembered for the customer; the text as one
// the flow posts, to know its echo), and one at the end (the text's
// record, done, and the claim's release). When a Zendesk write was
// attempted and the text is not settled (its answer was lost, say), the
// last batch sets the text's record to this delivery's pending record
// instead: the record it read may have been deleted meanwhile (by the
// delivery of the same text that added it and lost the claim, on a
// replica of an earlier version), and a retry that finds no record would
// add the comment again without looking for it. A first text that opens a
// ticket costs two more: the remembered ticket read again once the claim
// is surely held, and the new ticket remembered (with the record
// "created") before the claim is released. See inboundFirstTrip.
func (f *Flow) inboundSMS(ctx context.Context, log *slog.Logger, m *InboundSMS, res *Result) error {
	unlock, err := f.customers.Lock(ctx, m.ExternalID)
	if err != nil {
		return err
	}
	defer unlock()
	t := &text{m: m, log: log, res: res, key: keyPrefix + "in:" + m.Key}
	token, remembered, err := f.inboundFirstTrip(ctx, t)
	if err != nil {
		return err
	}
	defer func() {
		switch {
		case t.settled:
		case t.attempted:
			// The write may have gone through: the retry must look for it.
			t.final = append(t.final, store.SetOp(t.key, t.pending, f.cfg.InboundWindow))
		case t.added:
			// Nothing of the text reached Zendesk: its retry is new.
			t.final = append(t.final, store.DeleteIfOp(t.key, t.pending))
		}
		ops := append(t.final, store.DeleteIfOp(customerLockKey(m.ExternalID), token))
		if err := store.Do(context.WithoutCancel(ctx), f.store, ops...); err != nil {
			// The claim ends with its lease; the text's retry finds the
			// comment (its record is pending).
			log.WarnContext(ctx, "store failed recording the text and releasing the customer", slog.String("error", err.Error()))
		}
	}()
	return f.inboundClaimed(ctx, t, remembered)
}

// inboundFirstTrip makes the first round trip of a text: the customer's
// claim and the reads and writes that can go with it. It returns the
// claim's token and the ticket remembered for the customer, or
// errCustomerBusy when another replica holds the customer.
//
// The ops are independent, and run whether or not the claim is won. The
// text's record is added (not set) as "pending <ticket> 0 <unix-nano>",
// so that an existing record is kept and read back in the same trip, and a
// new text is recorded before any Zendesk call, as a retry after a lost
// answer needs. When the claim is lost, the record it added is deleted
// again (a second round trip, on the busy path only), so that the retry
// does not search Zendesk for a comment never made; the text remembered as
// posted only makes the flow's own comment of that text an echo, which it
// would be. But when the claim is held by a delivery of the same text (the
// claim's value names the text: textClaimToken), the record is kept and
// nothing is undone: that delivery's Add may have failed on this record,
// and it then works from it (it may add the comment, lose Zendesk's
// answer, or die before its last batch: the retry must find a record and
// look for the comment). A retry that finds the record settled answers a
// duplicate; else it searches the ticket once (one Zendesk read). The
// record's author is 0: the ticket and its requester are not known yet; a
// retry that finds it searches the ticket it would comment on.
// (A record "pending <ticket> <author> <unix-nano>" of an earlier version
// is read as before; that version reads this one as a search of the
// customer's ticket by any author.)
func (f *Flow) inboundFirstTrip(ctx context.Context, t *text) (token string, remembered int64, err error) {
	m := t.m
	now := f.now()
	token = textClaimToken(now, customerLockTTL, t.key)
	lockKey := customerLockKey(m.ExternalID)
	pending := record(inPending, max(m.TicketID, 0), 0, now.UnixNano())
	lock, holder := store.AddOp(lockKey, token, customerLockTTL), store.GetOp(lockKey)
	add, rec := store.AddOp(t.key, pending, f.cfg.InboundWindow), store.GetOp(t.key)
	tkt := store.GetOp(customerTicketKey(m.ExternalID))
	echo := store.SetOp(echoKey(m.ExternalID, m.Message), "1", echoTTL)
	if err := f.do(ctx, lock, holder, add, rec, tkt, echo); err != nil {
		f.undo(ctx, t.log, lock, add)
		return "", 0, err
	}
	if !lock.Result.OK {
		if !claimedFor(holder.Result.Value, t.key) {
			f.undo(ctx, t.log, add)
		}
		askRetryAfterHeld(ctx, holder.Result.Value, now)
		t.log.InfoContext(ctx, "another text from the customer is being handled elsewhere; asking Braze to retry")
		return "", 0, errCustomerBusy
	}
	t.pending, t.added = pending, add.Result.OK
	if rec.Result.OK && !add.Result.OK {
		t.record(rec.Result.Value)
	}
	if tkt.Result.OK {
		remembered = parseTicketID(tkt.Result.Value)
	}
	return token, remembered, nil
}

// record notes what the text's existing record says, for inboundClaimed.
func (t *text) record(v string) {
	t.state, t.nums = parseRecord(v)
	if t.state == inPending {
		t.search = true
		if t.nums[2] != 0 {
			t.since = time.Unix(0, t.nums[2])
		}
	}
}

// inboundClaimed handles a text whose customer is claimed.
func (f *Flow) inboundClaimed(ctx context.Context, t *text, remembered int64) error {
	m, log, res := t.m, t.log, t.res
	switch ticket, author := t.nums[0], t.nums[1]; t.state {
	case inDone:
		res.Outcome, res.Detail, res.TicketID = flow.Duplicate, DetailAlreadyPosted, ticket
		return nil
	case inCreated:
		return f.finishCreated(ctx, t, ticket)
	case inPending:
		if author == 0 {
			break // searched on the ticket it would be added to
		}
		// An earlier version's record names the ticket and the author.
		t.search = false
		found, err := f.findComment(ctx, ticket, author, m.Message, t.since)
		if err != nil {
			return fmt.Errorf("smsbridge: looking for the comment of an earlier attempt on ticket %d: %w", ticket, err)
		}
		if found {
			return f.foundComment(ctx, t, ticket)
		}
	}

	ticket, requester, err := f.openTicket(ctx, log, m, remembered)
	if err != nil {
		return err
	}
	if ticket == 0 {
		// About to open a ticket: read the remembered one again, now that
		// the claim is surely held. The first trip's read ran beside the
		// claim, and on a store that splits a batch across nodes (Redis
		// Cluster) it may have run before the claim was won, missing the
		// ticket that the replica holding the customer just before opened.
		again, err := f.rememberedTicket(ctx, m.ExternalID)
		if err != nil {
			return errStore(err)
		}
		if again > 0 && again != remembered && again != m.TicketID {
			if ticket, requester, err = f.usableTicket(ctx, log, m, again); err != nil {
				return err
			}
		}
	}
	if ticket > 0 {
		err := f.comment(ctx, t, ticket, requester)
		if !errors.Is(err, errTicketClosed) {
			return err
		}
		log.InfoContext(ctx, "the ticket closed meanwhile; opening a new one", slog.Int64("ticket", ticket))
	}
	return f.createTicket(ctx, t)
}

// foundComment settles a text whose comment an earlier attempt added.
func (f *Flow) foundComment(ctx context.Context, t *text, ticket int64) error {
	t.done(f, ticket)
	t.log.InfoContext(ctx, "SMS found on the ticket from an earlier attempt", slog.Int64("ticket", ticket), slog.String("outcome", string(flow.Applied)))
	t.res.Outcome, t.res.Detail, t.res.TicketID = flow.Applied, DetailCommentAdded, ticket
	return nil
}

// openTicket returns the customer's open ticket and its requester, or 0
// when there is none to comment on: the ticket of the customer's
// zendesk_ticket attribute, else remembered, the one the bridge last
// opened for them (their attribute may not say so yet).
func (f *Flow) openTicket(ctx context.Context, log *slog.Logger, m *InboundSMS, remembered int64) (ticket, requester int64, err error) {
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

// comment adds the text to the ticket as the requester's public comment,
// after looking for it there when an earlier attempt may have added it.
// The text's pending record, written in the first round trip, lets a retry
// after a lost answer look for the comment before adding it again; and the
// text remembered as posted makes the comment's echo recognised, if
// Zendesk sends it back through a trigger.
func (f *Flow) comment(ctx context.Context, t *text, ticket, requester int64) error {
	m, log, res := t.m, t.log, t.res
	if t.search {
		t.search = false
		found, err := f.findComment(ctx, ticket, requester, m.Message, t.since)
		if err != nil {
			return fmt.Errorf("smsbridge: looking for the comment of an earlier attempt on ticket %d: %w", ticket, err)
		}
		if found {
			return f.foundComment(ctx, t, ticket)
		}
	}
	t.attempted = true
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
	t.done(f, ticket)
	log.InfoContext(ctx, "SMS added to the ticket", slog.Int64("ticket", ticket), slog.String("outcome", string(flow.Applied)))
	res.Outcome, res.Detail, res.TicketID = flow.Applied, DetailCommentAdded, ticket
	return nil
}

// createTicket opens a ticket for the text. The ticket is remembered for
// the customer, and the text's record set to "created", in a round trip of
// their own before the claim is released: a text of the customer's that
// claims them next must find the ticket, whatever node of the store holds
// which key.
func (f *Flow) createTicket(ctx context.Context, t *text) error {
	m, log := t.m, t.log
	user, err := f.findOrCreateUser(ctx, m)
	if err != nil {
		return err
	}
	t.attempted = true
	tk, err := f.cfg.Zendesk.Tickets.Create(ctx, &zendesk.TicketInput{
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
	remember := store.SetOp(customerTicketKey(m.ExternalID), strconv.FormatInt(tk.ID, 10), f.cfg.InboundWindow)
	created := store.SetOp(t.key, record(inCreated, tk.ID), f.cfg.InboundWindow)
	_ = store.Do(context.WithoutCancel(ctx), f.store, remember, created)
	if err := remember.Result.Err; err != nil {
		log.WarnContext(ctx, "store failed remembering the customer's ticket", slog.String("error", err.Error()))
	}
	if err := created.Result.Err; err != nil {
		return errStore(err)
	}
	t.settled = true // "created": a retry sets the Braze attributes
	log.InfoContext(ctx, "ticket opened from an SMS", slog.Int64("ticket", tk.ID), slog.Int64("requester", user.ID))
	return f.finishCreated(ctx, t, tk.ID)
}

// idempotencyKey is the Idempotency-Key of the ticket a text creates: the
// same for every retry of the text.
func idempotencyKey(key string) string { return "smsbridge-" + strings.TrimPrefix(key, "bz:") }

// finishCreated sets the customer's ticket attributes in Braze once their
// ticket exists.
func (f *Flow) finishCreated(ctx context.Context, t *text, ticket int64) error {
	_, err := f.cfg.Braze.Users.Track(ctx, &braze.TrackRequest{Attributes: []braze.UserAttributes{{
		ExternalID: t.m.ExternalID,
		Attributes: map[string]any{AttrTicket: strconv.FormatInt(ticket, 10), AttrTicketOpen: ticketOpenValue(true)},
	}}})
	if err != nil {
		return fmt.Errorf("smsbridge: ticket %d was created; setting the customer's %s in Braze: %w", ticket, AttrTicket, err)
	}
	t.done(f, ticket)
	t.log.InfoContext(ctx, "ticket attributes set in Braze", slog.Int64("ticket", ticket), slog.String("outcome", string(flow.Applied)))
	t.res.Outcome, t.res.Detail, t.res.TicketID = flow.Applied, DetailTicketCreated, ticket
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
