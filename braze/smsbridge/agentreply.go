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
	"github.com/deskbridge/deskbridge/webhook"
	"github.com/deskbridge/deskbridge/zendesk"
)

// How long the bridge remembers a send and its own comments.
const (
	sendTTL = 24 * time.Hour
	// echoTTL is how long the bridge remembers a text it posted, to
	// recognise it if a trigger sends it back: Zendesk calls within
	// seconds, and retries within minutes.
	echoTTL = 15 * time.Minute
	// maxProbeFailures: after this many failed probes of one ambiguous
	// send, the bridge stops asking Braze and applies [Config.Delivery].
	maxProbeFailures = 2
)

// Send states kept in the [Store] under "send:" + key.
const (
	stateSent     = "sent"
	stateSending  = "sending"  // the request is (or was, if the process died) on its way
	stateMaybe    = "maybe"    // Braze answered in a way that does not prove it did not send
	stateWithheld = "withheld" // ambiguous, not sent again (AtMostOnce)
	stateRefused  = "refused"  // Braze refused it: certainly not sent
	stateNone     = "none"     // certainly not sent; may be sent
)

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
// delivery; r.Key must identify the delivery across retries.
//
// Nothing is sent for a comment the bridge itself posted from an SMS (it
// came back through a trigger without the loop guard, made by the
// bridge's own Zendesk user: see the package documentation, No loops), for
// the requester's own comment, or for a requester without a Braze external
// ID.
//
// Each send is recorded in the [Store] before it is made and after: a retry
// of a delivery whose SMS went out is acknowledged without sending. When
// Braze's answer leaves it unknown whether the SMS went out (a 5xx, a
// broken connection), HandleAgentReply returns an error, so that Zendesk
// retries; the retry reads the send's marker back from Braze (see
// Config.SendMarker) and, if Braze did not process the send, applies
// Config.Delivery. A send Braze refused (a 4xx other than 401, 403 and
// 429) is not retried: the error is webhook.Permanent. A 401 or 403 says
// the API key is wrong, not the reply: the error is returned as is, so
// that Zendesk retries and the reply goes out once the key is fixed.
func (b *Bridge) HandleAgentReply(ctx context.Context, r *AgentReply) (Outcome, error) {
	if r == nil {
		return "", webhook.Permanent(errors.New("smsbridge: nil agent reply"))
	}
	if r.Event == EventReply && r.Text == "" {
		r.Text = ExtractMessage(r.Comment)
	}
	if r.Key == "" {
		r.Key = "zd:h:" + digest(r.Event, fmt.Sprint(r.TicketID), r.ExternalID, r.Comment)
	}
	log := b.log.With(slog.String("key", r.Key), slog.Int64("ticket", r.TicketID), slog.String("event", r.Event))
	if why := skipReason(r); why != "" {
		log.InfoContext(ctx, "agent reply skipped", slog.String("reason", why))
		return OutcomeSkipped, nil
	}
	attrs := map[string]any{}
	if r.TicketID > 0 {
		attrs[AttrTicket] = strconv.FormatInt(r.TicketID, 10)
	}
	switch r.Event {
	case EventReply:
		echo, err := b.isEcho(ctx, log, r)
		if err != nil {
			return "", err
		}
		if echo {
			log.InfoContext(ctx, "agent reply skipped", slog.String("reason", "the bridge posted this comment from an SMS"))
			return OutcomeEcho, nil
		}
		attrs[AttrTicketOpen] = ticketOpenValue(!closedStatus(r.Status))
		return b.send(ctx, log, r, b.cfg.ReplyCampaignID, r.Text, attrs)
	case EventSolved:
		attrs[AttrTicketOpen] = ticketOpenValue(false)
		if b.cfg.ClosingCampaignID == "" {
			_, err := b.cfg.Braze.Users.Track(ctx, &braze.TrackRequest{Attributes: []braze.UserAttributes{{ExternalID: r.ExternalID, Attributes: attrs}}})
			if err != nil {
				return "", fmt.Errorf("smsbridge: setting %s to false: %w", AttrTicketOpen, err)
			}
			log.InfoContext(ctx, "ticket closed in Braze", slog.String("outcome", string(OutcomeAttributes)))
			return OutcomeAttributes, nil
		}
		text := r.Text
		if text == "" {
			text = b.cfg.ClosingMessage
		}
		return b.send(ctx, log, r, b.cfg.ClosingCampaignID, text, attrs)
	}
	return "", webhook.Permanent(fmt.Errorf("smsbridge: unknown event %q", r.Event))
}

// send makes one trigger send at most once per delivery key, as described
// at HandleAgentReply.
func (b *Bridge) send(ctx context.Context, log *slog.Logger, r *AgentReply, campaign, text string, attrs map[string]any) (Outcome, error) {
	key := "send:" + r.Key
	// "maybe <unix-nano> <probe failures>", "sending <unix-nano>", "sent"…
	state, nums, err := b.readRecord(ctx, key)
	if err != nil {
		return "", err
	}
	switch probes := nums[1]; state {
	case stateSent:
		return OutcomeAlreadySent, nil
	case stateWithheld:
		return OutcomeWithheld, nil
	case stateRefused:
		return OutcomeRefused, nil
	case stateSending, stateMaybe:
		processed, perr := b.probe(ctx, r)
		if perr == nil && processed {
			if err := b.store.Set(ctx, key, stateSent, sendTTL); err != nil {
				log.WarnContext(ctx, "store failed", slog.String("error", err.Error()))
			}
			log.InfoContext(ctx, "earlier send confirmed by its marker", slog.String("outcome", string(OutcomeConfirmed)))
			return OutcomeConfirmed, nil
		}
		if perr != nil && probes+1 < maxProbeFailures {
			_ = b.store.Set(ctx, key, record(stateMaybe, b.cfg.Now().UnixNano(), probes+1), sendTTL)
			return "", fmt.Errorf("smsbridge: could not learn whether Braze sent %s: %w", r.Key, perr)
		}
		if b.cfg.Delivery == AtMostOnce {
			if err := b.store.Set(ctx, key, stateWithheld, sendTTL); err != nil {
				return "", errStore(err)
			}
			var cause error
			switch {
			case perr != nil:
				cause = fmt.Errorf("uncertain send: Braze's answer did not show whether the SMS went out, and the send's marker could not be read: %w", perr)
			case b.cfg.SendMarker == "":
				cause = errors.New("uncertain send: Braze's answer did not show whether the SMS went out")
			default:
				cause = errors.New("uncertain send: Braze's answer did not show whether the SMS went out, and the send's marker was not found")
			}
			b.undelivered(ctx, log, r, true, cause)
			return OutcomeWithheld, nil
		}
		log.WarnContext(ctx, "sending again an SMS that may have been sent (at-least-once)")
	}

	if err := b.store.Set(ctx, key, record(stateSending, b.cfg.Now().UnixNano()), sendTTL); err != nil {
		return "", errStore(err)
	}
	if b.cfg.SendMarker != "" {
		attrs[b.cfg.SendMarker] = r.Key
	}
	res, err := b.cfg.Braze.Campaigns.TriggerSend(ctx, &braze.CampaignTriggerRequest{
		CampaignID: campaign,
		Recipients: []braze.Recipient{{
			ExternalUserID:    r.ExternalID,
			TriggerProperties: map[string]any{"msg_body": text},
			Attributes:        attrs,
		}},
	})
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		if err := b.store.Set(bg, key, stateSent, sendTTL); err != nil {
			// Sent all the same; a retry would probe and find the marker.
			log.WarnContext(ctx, "store failed after a send", slog.String("error", err.Error()))
		}
		if len(res.Errors) > 0 {
			log.WarnContext(ctx, "Braze accepted the send with errors", slog.Any("errors", res.Errors))
		}
		log.InfoContext(ctx, "SMS sent", slog.String("outcome", string(OutcomeSent)), slog.String("campaign", campaign),
			slog.String("dispatch_id", res.DispatchID), slog.Bool("queued", res.Queued))
		return OutcomeSent, nil
	case braze.MaybeSent(err):
		_ = b.store.Set(bg, key, record(stateMaybe, b.cfg.Now().UnixNano(), 0), sendTTL)
		return "", fmt.Errorf("smsbridge: Braze may have sent the SMS of %s; the retry will check: %w", r.Key, err)
	case refused(err):
		_ = b.store.Set(bg, key, stateRefused, sendTTL)
		b.undelivered(ctx, log, r, false, err)
		return OutcomeRefused, webhook.Permanent(err)
	default: // certainly not sent (401, 403, 429, a connection that never opened, a cancelled context)
		_ = b.store.Set(bg, key, stateNone, sendTTL)
		return "", fmt.Errorf("smsbridge: the SMS of %s was not sent: %w", r.Key, err)
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
func (b *Bridge) undelivered(ctx context.Context, log *slog.Logger, r *AgentReply, uncertain bool, cause error) {
	u := Undelivered{Key: r.Key, TicketID: r.TicketID, ExternalID: r.ExternalID, Event: r.Event, Uncertain: uncertain, Err: cause}
	log.ErrorContext(ctx, "SMS not delivered", slog.Bool("uncertain", uncertain), slog.String("error", cause.Error()))
	if b.cfg.OnUndelivered != nil {
		b.cfg.OnUndelivered(ctx, u)
	}
	if b.cfg.NoUndeliveredNotes || r.TicketID <= 0 {
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
	if _, err := b.cfg.Zendesk.Tickets.Update(noteCtx, r.TicketID, &zendesk.TicketInput{Comment: zendesk.PrivateComment(note)}); err != nil {
		log.ErrorContext(ctx, "could not add the internal note", slog.String("error", err.Error()))
	}
}

// echoKey is the [Store] key under which the bridge remembers a text it
// posted to Zendesk for a customer.
func echoKey(externalID, text string) string {
	return "echo:" + digest(externalID, echoText(text))
}

// echoText reduces a message to what survives a trip through Zendesk:
// the text, whitespace runs as one space.
func echoText(s string) string {
	return strings.Join(strings.Fields(ExtractMessage(s)), " ")
}

// isEcho reports whether r is a comment the bridge itself posted from an
// SMS, sent back by a trigger that lacks the loop guard: the same text for
// the same customer shortly after the bridge posted it, in an update made
// by the bridge's own Zendesk user. A match is used up.
//
// The text alone never decides: the customer texts "OK", the agent answers
// "OK", and the agent must be heard. So a body that does not name the
// updater (the recipe's body has no {{current_user.id}}) is never an echo;
// the provisioned triggers keep the loop guard, so a real echo does not
// arrive that way. When the bridge cannot read its own user, it cannot
// tell either way, and isEcho returns an error: the delivery is answered
// 503 and Zendesk retries, rather than the reply being dropped or the
// customer's words sent back.
func (b *Bridge) isEcho(ctx context.Context, log *slog.Logger, r *AgentReply) (bool, error) {
	key := echoKey(r.ExternalID, r.Text)
	_, ok, err := b.store.Get(ctx, key)
	if err != nil {
		return false, errStore(err)
	}
	if !ok {
		return false, nil
	}
	if r.AuthorID == 0 {
		log.InfoContext(ctx, "the reply repeats a recent text of the customer; the body does not say who wrote it, so it is sent")
		return false, nil
	}
	self, err := b.selfID(ctx)
	if err != nil {
		log.WarnContext(ctx, "could not read the bridge's own Zendesk user", slog.String("error", err.Error()))
		return false, fmt.Errorf("smsbridge: the reply repeats a recent text of the customer, and the bridge could not read its own Zendesk user to tell an agent's reply from its own comment: %w", err)
	}
	if self != r.AuthorID {
		return false, nil
	}
	if err := b.store.Delete(ctx, key); err != nil {
		// Recognised all the same; the text is forgotten at echoTTL.
		log.WarnContext(ctx, "store failed", slog.String("error", err.Error()))
	}
	return true, nil
}

// selfID returns the id of the Zendesk user the bridge's client acts as,
// read once.
func (b *Bridge) selfID(ctx context.Context) (int64, error) {
	if id := b.self.Load(); id != 0 {
		return id, nil
	}
	me, err := b.cfg.Zendesk.Users.Me(ctx)
	if err != nil {
		return 0, err
	}
	b.self.Store(me.ID)
	return me.ID, nil
}

func (b *Bridge) rememberEcho(ctx context.Context, externalID, text string) error {
	return b.store.Set(ctx, echoKey(externalID, text), "1", echoTTL)
}
