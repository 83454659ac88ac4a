package smsbridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

// How long the flow remembers a send and its own comments, and how long a
// send may take.
const (
	sendTTL = 24 * time.Hour
	// sendTimeout bounds one send to Braze. A send, once started, is not
	// cancelled when Zendesk stops waiting for the answer (after about
	// 12 s; see unconfirmed.go): it finishes, so that its outcome is known
	// and Zendesk's retry finds it rather than an ambiguous state.
	sendTimeout = 20 * time.Second
	// sendLease is how long a "sending" record holds a reply: a retry that
	// finds it younger is answered 503 (busy: another replica is sending
	// it, with a Retry-After just past the lease's end, so that Zendesk's
	// retry comes once a replica that died has let it go); older, the
	// replica that wrote it died or lost its store, and the retry probes
	// Braze. Longer than sendTimeout, and under flow.MaxRetryAfter, so
	// that one retry after a busy answer is past the lease.
	sendLease = 30 * time.Second
	// echoTTL is how long the flow remembers a text it posted, to
	// recognise it if a trigger sends it back: Zendesk calls within
	// seconds, and retries within minutes.
	echoTTL = 15 * time.Minute
	// maxProbeFailures: after this many failed probes of one ambiguous
	// send, the flow stops asking Braze and applies [Config.Delivery].
	maxProbeFailures = 2
)

// Send states kept in the [store.Store] under "send:" + key.
const (
	stateSending  = "sending"  // "sending <unix-nano>": claimed; the request is (or was, if the replica died) on its way
	stateSent     = "sent"     // Braze accepted it
	stateMaybe    = "maybe"    // "maybe <unix-nano> <probe failures>": Braze's answer does not prove it did not send
	stateWithheld = "withheld" // ambiguous, not sent again (AtMostOnce)
	stateRefused  = "refused"  // Braze refused it: certainly not sent
	stateNone     = "none"     // certainly not sent; may be sent
	stateEcho     = "echo"     // the flow's own comment came back; nothing to send
)

// sendKey and sendClaimKey are the store keys of a reply's send record and
// of the claim a retry takes to probe or resend it.
func sendKey(key string) string      { return keyPrefix + "send:" + key }
func sendClaimKey(key string) string { return keyPrefix + "send-claim:" + key }

// errBusy: another replica is sending the same reply right now; Zendesk
// retries, and the retry finds the send's outcome.
var errBusy = errors.New("smsbridge: this reply is being sent by another replica right now; retry later")

// skipReason says why an agent reply needs no SMS, or "".
func skipReason(r *AgentReply) string {
	switch {
	case r.ExternalID == "":
		return "the requester has no Braze external ID"
	case r.Event == EventReply && r.AuthorID != 0 && r.AuthorID == r.RequesterID:
		return "the comment is the requester's own"
	case r.Event == EventReply && r.Text == "":
		return "the comment has no text"
	}
	return ""
}

// HandleAgentReply sends an agent's reply as an SMS through the reply
// campaign, or for a solved ticket the closing SMS through the closing
// campaign, setting the customer's zendesk_ticket and zendesk_ticket_open
// attributes in the same call. It is what AgentReplyHandler calls for each
// delivery; r.Key identifies the reply across retries (filled when empty,
// see [AgentReply.Key]). The [Result] is also passed to Config.OnResult.
//
// Nothing is sent for a comment the flow itself posted from an SMS (it
// came back through a trigger without the loop guard, made by the
// flow's own Zendesk user: see the package documentation, No loops), for
// the requester's own comment, or for a requester without a Braze external
// ID.
//
// Each send is claimed in the [store.Store] before it is made and recorded
// after: a retry of a reply whose SMS went out is acknowledged without
// sending, on whichever replica it lands, and a retry that arrives while
// another replica is still sending is answered 503 (busy). When Braze's
// answer leaves it unknown whether the SMS went out (a 5xx, a broken
// connection), HandleAgentReply returns an error, so that Zendesk retries;
// the retry reads the send's marker back from Braze (see
// Config.SendMarker) and, if Braze did not process the send, applies
// Config.Delivery. A send Braze refused (a 4xx other than 401, 403 and
// 429) is not retried: the error is webhook.Permanent. A 401 or 403 says
// the API key is wrong, not the reply: the error is returned as is, so
// that Zendesk retries and the reply goes out once the key is fixed. A
// store failure is returned as is too (503: nothing was sent).
func (f *Flow) HandleAgentReply(ctx context.Context, r *AgentReply) (Result, error) {
	if r == nil {
		err := webhook.Permanent(errors.New("smsbridge: nil agent reply"))
		return f.report(Result{Source: SourceZendesk, Outcome: flow.Rejected, Err: err}), err
	}
	if r.Key == "" {
		r.Key = agentReplyKey(r)
	}
	if r.Event == EventReply && r.Text == "" {
		r.Text = ExtractMessage(r.Comment)
	}
	res := Result{Source: SourceZendesk, Kind: r.Event, Key: r.Key, TicketID: r.TicketID, ExternalID: r.ExternalID}
	log := f.log.With(slog.String("key", r.Key), slog.Int64("ticket", r.TicketID), slog.String("event", r.Event))
	res.Outcome, res.Detail, res.Err = f.agentReply(ctx, log, r)
	fail(&res)
	return f.report(res), res.Err
}

// fail fills the outcome and detail of a result that carries an error.
func fail(res *Result) {
	if res.Err == nil || res.Outcome != "" {
		return
	}
	res.Outcome = flow.Failed
	if webhook.IsPermanent(res.Err) {
		res.Outcome = flow.Rejected
	}
	if res.Detail != "" {
		return
	}
	var se *storeError
	switch {
	case errors.As(res.Err, &se):
		res.Detail = DetailStore
	case errors.Is(res.Err, errBusy), errors.Is(res.Err, errCustomerBusy):
		res.Detail = DetailBusy
	}
}

// agentReply decides what to do with r.
func (f *Flow) agentReply(ctx context.Context, log *slog.Logger, r *AgentReply) (flow.Outcome, string, error) {
	if why := skipReason(r); why != "" {
		log.InfoContext(ctx, "agent reply skipped", slog.String("reason", why))
		return flow.Ignored, why, nil
	}
	attrs := map[string]any{}
	if r.TicketID > 0 {
		attrs[AttrTicket] = strconv.FormatInt(r.TicketID, 10)
	}
	switch r.Event {
	case EventReply:
		attrs[AttrTicketOpen] = ticketOpenValue(!closedStatus(r.Status))
		return f.reply(ctx, log, r, attrs)
	case EventSolved:
		attrs[AttrTicketOpen] = ticketOpenValue(false)
		if f.cfg.ClosingCampaignID == "" {
			_, err := f.cfg.Braze.Users.Track(ctx, &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: r.ExternalID, Attributes: attrs}}})
			if err != nil {
				return "", "", fmt.Errorf("smsbridge: setting %s to false: %w", AttrTicketOpen, err)
			}
			log.InfoContext(ctx, "ticket closed in Braze", slog.String("outcome", string(flow.Applied)), slog.String("detail", DetailAttributes))
			return flow.Applied, DetailAttributes, nil
		}
		text := r.Text
		if text == "" {
			text = f.cfg.ClosingMessage
		}
		return f.send(ctx, log, r, f.cfg.ClosingCampaignID, text, attrs)
	}
	return "", "", webhook.Permanent(fmt.Errorf("smsbridge: unknown event %q", r.Event))
}

// reply sends an agent's reply, unless it is the flow's own comment come
// back (an echo: see isEcho). An update made by an agent (the hot path)
// costs the send's two round trips and no look-up of the texts the flow
// posted, once the flow knows its own user. An update made by the flow's
// own user, or one whose body does not say who made it, looks the text up
// in the same round trip as the send's claim (a batch of a Get, the Add,
// and a Get of the send's record, the one that refused the claim when the
// delivery is a retry): an echo then costs two round trips (the look-up
// with the claim, then the echo recorded and the text used up), and so
// does the retry of an echo whose first attempt died after its claim; a
// reply that is sent costs two as any.
func (f *Flow) reply(ctx context.Context, log *slog.Logger, r *AgentReply, attrs map[string]any) (flow.Outcome, string, error) {
	if r.AuthorID != 0 {
		self, err := f.selfID(ctx)
		switch {
		case err != nil:
			echo, err := f.isEcho(ctx, log, r, err)
			if err != nil {
				return "", "", err
			}
			if !echo {
				return f.send(ctx, log, r, f.cfg.ReplyCampaignID, r.Text, attrs)
			}
		case self != r.AuthorID:
			return f.send(ctx, log, r, f.cfg.ReplyCampaignID, r.Text, attrs)
		}
	}
	posted := store.GetOp(echoKey(r.ExternalID, r.Text))
	claim := store.AddOp(sendKey(r.Key), record(stateSending, f.cfg.Now().UnixNano()), sendTTL)
	held := store.GetOp(sendKey(r.Key)) // after the claim: the record that refused it
	if err := f.do(ctx, posted, claim, held); err != nil {
		f.undo(ctx, log, claim)
		return "", "", err
	}
	echo := posted.Result.OK && r.AuthorID != 0
	if posted.Result.OK && !echo {
		log.InfoContext(ctx, "the reply repeats a recent text of the customer; the body does not say who wrote it, so it is sent")
	}
	switch {
	case echo && !claim.Result.OK:
		// A retry of the echo: settled, or left "sending" by an attempt
		// that did not get to record the echo.
		state, nums := parseRecord(held.Result.Value)
		if state != stateSending {
			if out, detail, err, done := f.settled(ctx, state, nums); done {
				return out, detail, err
			}
		}
		return f.echo(ctx, log, r)
	case echo:
		return f.echo(ctx, log, r)
	case claim.Result.OK:
		return f.trigger(ctx, log, r, f.cfg.ReplyCampaignID, r.Text, attrs)
	}
	return f.resume(ctx, log, r, f.cfg.ReplyCampaignID, r.Text, attrs)
}

// echo records that the reply r is the flow's own comment come back, so
// that Zendesk's retries of it are echoes too, on any replica, and uses
// the remembered text up: one round trip.
func (f *Flow) echo(ctx context.Context, log *slog.Logger, r *AgentReply) (flow.Outcome, string, error) {
	rec, forget := store.SetOp(sendKey(r.Key), stateEcho, sendTTL), store.DeleteOp(echoKey(r.ExternalID, r.Text))
	_ = store.Do(ctx, f.store, rec, forget)
	if err := rec.Result.Err; err != nil {
		return "", "", errStore(err)
	}
	if err := forget.Result.Err; err != nil {
		// Recognised all the same; the text is forgotten at echoTTL.
		log.WarnContext(ctx, "store failed", slog.String("error", err.Error()))
	}
	log.InfoContext(ctx, "agent reply skipped", slog.String("reason", "the flow posted this comment from an SMS"))
	return flow.Echo, "", nil
}

// send makes one trigger send at most once per reply key, as described at
// HandleAgentReply. Its hot path is two store round trips: the claim (an
// Add of "sending") and the record of the outcome (a Set).
func (f *Flow) send(ctx context.Context, log *slog.Logger, r *AgentReply, campaign, text string, attrs map[string]any) (flow.Outcome, string, error) {
	added, err := f.store.Add(ctx, sendKey(r.Key), record(stateSending, f.cfg.Now().UnixNano()), sendTTL)
	if err != nil {
		return "", "", errStore(err)
	}
	if !added {
		return f.resume(ctx, log, r, campaign, text, attrs)
	}
	return f.trigger(ctx, log, r, campaign, text, attrs)
}

// resume handles a reply whose send record exists: a retry, or a second
// delivery of the same reply. A retry that must probe Braze or send again
// first claims the reply (sendClaimKey), so that one replica does it.
// campaign is empty for an echo.
func (f *Flow) resume(ctx context.Context, log *slog.Logger, r *AgentReply, campaign, text string, attrs map[string]any) (flow.Outcome, string, error) {
	state, nums, err := f.readRecord(ctx, sendKey(r.Key))
	if err != nil {
		return "", "", err
	}
	if out, detail, err, done := f.settled(ctx, state, nums); done {
		return out, detail, err
	}
	if campaign == "" {
		// An echo whose reply was sent, or is being sent, under the same
		// key: impossible unless the reply's key is shared; let the
		// record decide on the retry.
		return "", "", errBusy
	}
	unclaim, err := f.claim(ctx, log, sendClaimKey(r.Key), sendLease)
	if err != nil {
		return "", "", err
	}
	defer unclaim()
	// The record may have moved on between the read and the claim.
	if state, nums, err = f.readRecord(ctx, sendKey(r.Key)); err != nil {
		return "", "", err
	}
	if out, detail, err, done := f.settled(ctx, state, nums); done {
		return out, detail, err
	}
	if state == stateNone || state == "" {
		return f.resend(ctx, log, r, campaign, text, attrs)
	}

	// "sending" (stale) or "maybe": Braze may have sent it.
	probes := nums[1]
	processed, perr := f.probe(ctx, r)
	if perr == nil && processed {
		if err := f.store.Set(ctx, sendKey(r.Key), stateSent, sendTTL); err != nil {
			log.WarnContext(ctx, "store failed", slog.String("error", err.Error()))
		}
		log.InfoContext(ctx, "earlier send confirmed by its marker", slog.String("outcome", string(flow.Applied)), slog.String("detail", DetailSMSConfirmed))
		return flow.Applied, DetailSMSConfirmed, nil
	}
	if perr != nil && probes+1 < maxProbeFailures {
		_ = f.store.Set(ctx, sendKey(r.Key), record(stateMaybe, f.cfg.Now().UnixNano(), probes+1), sendTTL)
		return "", DetailMaybeSent, fmt.Errorf("smsbridge: could not learn whether Braze sent %s: %w", r.Key, perr)
	}
	if f.cfg.Delivery == AtMostOnce {
		if err := f.store.Set(ctx, sendKey(r.Key), stateWithheld, sendTTL); err != nil {
			return "", "", errStore(err)
		}
		var cause error
		switch {
		case perr != nil:
			cause = fmt.Errorf("uncertain send: Braze's answer did not show whether the SMS went out, and the send's marker could not be read: %w", perr)
		case f.cfg.SendMarker == "":
			cause = errors.New("uncertain send: Braze's answer did not show whether the SMS went out")
		default:
			cause = errors.New("uncertain send: Braze's answer did not show whether the SMS went out, and the send's marker was not found")
		}
		f.undelivered(ctx, log, r, true, cause)
		return Withheld, "", nil
	}
	log.WarnContext(ctx, "sending again an SMS that may have been sent (at-least-once)")
	return f.resend(ctx, log, r, campaign, text, attrs)
}

// settled returns what a retry answers when the send record says the
// reply was settled (done is true), or that it is being sent elsewhere.
func (f *Flow) settled(ctx context.Context, state string, nums [3]int64) (out flow.Outcome, detail string, err error, done bool) {
	switch state {
	case stateSent:
		return flow.Duplicate, DetailAlreadySent, nil, true
	case stateEcho:
		return flow.Echo, "", nil, true
	case stateWithheld, stateRefused:
		return flow.Duplicate, state + " before", nil, true
	case stateSending:
		if left := sendLease - f.cfg.Now().Sub(time.Unix(0, nums[0])); left > 0 {
			// Zendesk's retry comes just after the lease: if the replica
			// sending it died, that retry sends the reply.
			flow.AskRetryAfter(ctx, left+time.Second)
			return "", DetailBusy, errBusy, true
		}
	}
	return "", "", nil, false
}

// resend records the reply as being sent again, and sends it.
func (f *Flow) resend(ctx context.Context, log *slog.Logger, r *AgentReply, campaign, text string, attrs map[string]any) (flow.Outcome, string, error) {
	if err := f.store.Set(ctx, sendKey(r.Key), record(stateSending, f.cfg.Now().UnixNano()), sendTTL); err != nil {
		return "", "", errStore(err)
	}
	return f.trigger(ctx, log, r, campaign, text, attrs)
}

// trigger makes the send the reply's record claims, and records its
// outcome. The send is not cancelled with ctx (see sendTimeout).
func (f *Flow) trigger(ctx context.Context, log *slog.Logger, r *AgentReply, campaign, text string, attrs map[string]any) (flow.Outcome, string, error) {
	if f.cfg.SendMarker != "" {
		attrs[f.cfg.SendMarker] = r.Key
	}
	bg := context.WithoutCancel(ctx)
	sendCtx, cancel := context.WithTimeout(bg, sendTimeout)
	defer cancel()
	res, err := f.cfg.Braze.Campaigns.TriggerSend(sendCtx, &braze.CampaignTriggerRequest{
		CampaignID: campaign,
		Recipients: []braze.Recipient{{
			ExternalUserID:    r.ExternalID,
			TriggerProperties: map[string]any{"msg_body": text},
			Attributes:        attrs,
		}},
	})
	key := sendKey(r.Key)
	switch {
	case err == nil:
		if err := f.store.Set(bg, key, stateSent, sendTTL); err != nil {
			// Sent all the same; a retry would probe and find the marker.
			log.WarnContext(ctx, "store failed after a send", slog.String("error", err.Error()))
		}
		if len(res.Errors) > 0 {
			log.WarnContext(ctx, "Braze accepted the send with errors", slog.Any("errors", res.Errors))
		}
		log.InfoContext(ctx, "SMS sent", slog.String("outcome", string(flow.Applied)), slog.String("campaign", campaign),
			slog.String("dispatch_id", res.DispatchID), slog.Bool("queued", res.Queued))
		return flow.Applied, DetailSMSSent, nil
	case braze.MaybeSent(err):
		_ = f.store.Set(bg, key, record(stateMaybe, f.cfg.Now().UnixNano(), 0), sendTTL)
		return "", DetailMaybeSent, fmt.Errorf("smsbridge: Braze may have sent the SMS of %s; the retry will check: %w", r.Key, err)
	case refused(err):
		_ = f.store.Set(bg, key, stateRefused, sendTTL)
		f.undelivered(ctx, log, r, false, err)
		return flow.Rejected, DetailRefused, webhook.Permanent(err)
	default: // certainly not sent (401, 403, 429, a connection that never opened)
		_ = f.store.Set(bg, key, stateNone, sendTTL)
		return "", "", fmt.Errorf("smsbridge: the SMS of %s was not sent: %w", r.Key, err)
	}
}

// refused reports an error after which retrying the same send cannot
// succeed: a 4xx other than 429, 401 and 403, or input the client refused.
// A 401 or 403 is about the API key (revoked, mistyped, or without the
// campaigns.trigger.send permission), not about the reply: once the key
// is fixed the same send goes through, so it is left to Zendesk's retries
// like any failure that sent nothing.
func refused(err error) bool {
	var be *braze.Error
	if errors.As(err, &be) {
		switch be.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
			return false
		}
		return be.StatusCode >= 400 && be.StatusCode < 500
	}
	return errors.Is(err, deskbridge.ErrInvalid)
}

// undelivered reports an agent reply whose SMS did not go out, or may not
// have: a log record, [Config.OnUndelivered], and an internal note on the
// ticket (made through the API, so no trigger sends it anywhere).
func (f *Flow) undelivered(ctx context.Context, log *slog.Logger, r *AgentReply, uncertain bool, cause error) {
	u := Undelivered{Key: r.Key, TicketID: r.TicketID, ExternalID: r.ExternalID, Event: r.Event, Uncertain: uncertain, Err: cause}
	log.ErrorContext(ctx, "SMS not delivered", slog.Bool("uncertain", uncertain), slog.String("error", cause.Error()))
	if f.cfg.OnUndelivered != nil {
		f.cfg.OnUndelivered(ctx, u)
	}
	if f.cfg.NoUndeliveredNotes || r.TicketID <= 0 {
		return
	}
	what := "This reply"
	if r.Event == EventSolved {
		what = "The closing message"
	}
	var note string
	if uncertain {
		note = fmt.Sprintf("SMS bridge: %s may not have reached the customer by SMS (%v). It was not sent again, "+
			"so that the customer does not get it twice; resend it if the customer did not receive it.", what, cause)
	} else {
		note = fmt.Sprintf("SMS bridge: %s was not sent to the customer by SMS: Braze refused it (%v).", what, cause)
	}
	noteCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := f.cfg.Zendesk.Tickets.Update(noteCtx, r.TicketID, &zendesk.TicketInput{Comment: zendesk.PrivateComment(note)}); err != nil {
		log.ErrorContext(ctx, "could not add the internal note", slog.String("error", err.Error()))
	}
}

// echoKey is the store key under which the flow remembers a text it
// posted to Zendesk for a customer.
func echoKey(externalID, text string) string {
	return keyPrefix + "echo:" + digest(externalID, echoText(text))
}

// echoText reduces a message to what survives a trip through Zendesk:
// the text, whitespace runs as one space.
func echoText(s string) string {
	return strings.Join(strings.Fields(ExtractMessage(s)), " ")
}

// isEcho reports whether r is a comment the flow itself posted from an
// SMS, sent back by a trigger that lacks the loop guard: the same text for
// the same customer shortly after the flow posted it, in an update made
// by the flow's own Zendesk user.
//
// The text alone never decides: the customer texts "OK", the agent answers
// "OK", and the agent must be heard. So a body that does not name the
// updater (the recipe's body has no {{current_user.id}}) is never an echo;
// the provisioned triggers keep the loop guard, so a real echo does not
// arrive that way. reply looks the text up itself when the updater is the
// flow's own user or not named; isEcho serves the case where the flow
// could not read its own user (selfErr): it cannot tell either way when
// the text is one it posted, and returns an error, so that the delivery is
// answered 503 and Zendesk retries, rather than the reply being dropped or
// the customer's words sent back. A text the flow did not post is no echo.
func (f *Flow) isEcho(ctx context.Context, log *slog.Logger, r *AgentReply, selfErr error) (bool, error) {
	_, ok, err := f.store.Get(ctx, echoKey(r.ExternalID, r.Text))
	switch {
	case err != nil:
		return false, errStore(err)
	case !ok:
		return false, nil
	}
	log.WarnContext(ctx, "could not read the flow's own Zendesk user", slog.String("error", selfErr.Error()))
	return false, fmt.Errorf("smsbridge: the reply repeats a recent text of the customer, and the flow could not read its own Zendesk user to tell an agent's reply from its own comment: %w", selfErr)
}

// selfID returns the id of the Zendesk user the flow's client acts as,
// read once.
func (f *Flow) selfID(ctx context.Context) (int64, error) {
	if id := f.self.Load(); id != 0 {
		return id, nil
	}
	me, err := f.cfg.Zendesk.Users.Me(ctx)
	if err != nil {
		return 0, err
	}
	f.self.Store(me.ID)
	return me.ID, nil
}
