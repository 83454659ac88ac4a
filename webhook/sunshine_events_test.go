package webhook

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sunshineEventsOf parses testdata/sunshine_events.json and returns its
// events by id suffix ("a1" … "b2").
func sunshineEventsOf(t *testing.T) map[string]*SunshineEvent {
	t.Helper()
	env, err := ParseSunshineEvents(readTestdata(t, "sunshine_events.json"))
	if err != nil {
		t.Fatal(err)
	}
	byID := make(map[string]*SunshineEvent, len(env.Events))
	for i := range env.Events {
		ev := &env.Events[i]
		byID[ev.ID[len(ev.ID)-2:]] = ev
	}
	return byID
}

// Every event of the file decodes through TypedPayload into the type its
// accessor gives, and the accessor agrees.
func TestSunshineTypedPayloadOfEveryType(t *testing.T) {
	t.Parallel()
	evs := sunshineEventsOf(t)
	accessors := map[string]func(*SunshineEvent) (any, error){
		"*webhook.SunshineConversationMessage":  func(e *SunshineEvent) (any, error) { return e.ConversationMessage() },
		"*webhook.SunshineConversationCreate":   func(e *SunshineEvent) (any, error) { return e.ConversationCreate() },
		"*webhook.SunshineConversationActivity": func(e *SunshineEvent) (any, error) { return e.ConversationActivity() },
		"*webhook.SunshineMessageDelivery":      func(e *SunshineEvent) (any, error) { return e.MessageDelivery() },
		"*webhook.SunshinePostback":             func(e *SunshineEvent) (any, error) { return e.Postback() },
		"*webhook.SunshineSwitchboardEvent":     func(e *SunshineEvent) (any, error) { return e.SwitchboardEvent() },
		"*webhook.SunshineUserMerge":            func(e *SunshineEvent) (any, error) { return e.UserMerge() },
		"*webhook.SunshineParticipantEvent":     func(e *SunshineEvent) (any, error) { return e.ParticipantEvent() },
		"*webhook.SunshineClientEvent":          func(e *SunshineEvent) (any, error) { return e.ClientEvent() },
		"*webhook.SunshineUserEvent":            func(e *SunshineEvent) (any, error) { return e.UserEvent() },
		"*webhook.SunshineReferralEvent":        func(e *SunshineEvent) (any, error) { return e.ReferralEvent() },
	}
	for id, ev := range evs {
		p, err := ev.TypedPayload()
		if err != nil {
			t.Errorf("%s %s: %v", id, ev.Type, err)
			continue
		}
		if ev.Type == "passthrough:messaging" {
			if p != nil || IsTypedSunshineEvent(ev.Type) {
				t.Errorf("unknown type decoded to %T", p)
			}
			continue
		}
		if !IsTypedSunshineEvent(ev.Type) {
			t.Errorf("IsTypedSunshineEvent(%q) = false", ev.Type)
		}
		name := fmt.Sprintf("%T", p)
		acc := accessors[name]
		if acc == nil {
			t.Errorf("%s: no accessor for %s", ev.Type, name)
			continue
		}
		q, err := acc(ev)
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Errorf("%s: accessor gives %+v, %v; TypedPayload %+v", ev.Type, q, err, p)
		}
	}
}

func TestSunshineConversationMessageFullUserAndSource(t *testing.T) {
	t.Parallel()
	evs := sunshineEventsOf(t)

	agent, err := evs["a1"].ConversationMessage()
	if err != nil {
		t.Fatal(err)
	}
	m := agent.Message
	if m.Author.Type != "business" || !reflect.DeepEqual(m.Author.Subtypes, []string{"agent"}) || m.Author.DisplayName != "Ana Agent" ||
		m.Metadata["__zendesk_msg.agent.id"] != "10011" || m.Source.Type != "zd:agentWorkspace" {
		t.Errorf("agent message = %+v", m)
	}
	if c := m.Content; c.Type != "file" || c.MediaURL != "https://example.org/FAQ.pdf" || c.MediaType != "application/pdf" || c.MediaSize != 14720 || c.AltText != "FAQ.pdf" {
		t.Errorf("file content = %+v", c)
	}
	if sw := agent.Conversation.ActiveSwitchboardIntegration; sw == nil || sw.IntegrationType != "zd:agentWorkspace" || agent.Conversation.Metadata["dydu.ctx"] != "3f1c" {
		t.Errorf("conversation = %+v", agent.Conversation)
	}

	user, err := evs["a2"].ConversationMessage()
	if err != nil {
		t.Fatal(err)
	}
	u := user.Message.Author.User
	if u == nil || u.ExternalID != "dydu-ctx-3f1c" || u.ZendeskID != "20978392" || u.Profile == nil || u.Profile.Email != "jeanne@example.org" ||
		u.Metadata["tier"] != "gold" || len(u.Identities) != 1 || u.Identities[0].Verification != "verified" ||
		u.SignedUpAt == nil || !u.SignedUpAt.Equal(time.Date(2026, 1, 5, 9, 59, 0, 0, time.UTC)) {
		t.Errorf("full user = %+v", u)
	}
	src := user.Message.Source
	if src.Client == nil || src.Client.Status != "active" || src.Client.LastSeen == nil || string(src.Client.Info) != `{"browserName": "Firefox"}` ||
		src.Device == nil || src.Device.GUID != "46b3f6a9" || src.Device.AppVersion != "" ||
		src.OriginalMessageTimestamp == nil || src.OriginalMessageTimestamp.Nanosecond() != 950e6 {
		t.Errorf("full source = %+v (client %+v, device %+v)", src, src.Client, src.Device)
	}
	if user.RecentNotifications == nil || len(user.RecentNotifications) != 0 {
		t.Errorf("recentNotifications = %#v", user.RecentNotifications)
	}
}

func TestSunshineOtherPayloads(t *testing.T) {
	t.Parallel()
	evs := sunshineEventsOf(t)

	cr, err := evs["a3"].ConversationCreate()
	if err != nil || cr.CreationReason != "message" || cr.User == nil || cr.Referral == nil || cr.Referral.Details == nil || cr.Referral.Details.AdID != "4216212847577" {
		t.Errorf("conversation:create = %+v, %v", cr, err)
	}
	ty, err := evs["a4"].ConversationActivity()
	if err != nil || ty.Activity.Type != "typing:start" || ty.Activity.Author.UserID != "5963c0d619a30a2e00de36b8" || ty.Activity.Source == nil {
		t.Errorf("conversation:typing = %+v, %v", ty, err)
	}
	fail, err := evs["a6"].MessageDelivery()
	if err != nil || fail.Error == nil || fail.Error.Code != "uncategorized_error" || !fail.IsFinalEvent || fail.Message.ID != "67a0ed01f0305f4a391e9db9" || fail.Destination.Type != "messenger" {
		t.Errorf("delivery:failure = %+v, %v", fail, err)
	}
	ch, err := evs["a7"].MessageDelivery()
	if err != nil || ch.Error != nil || len(ch.ExternalMessages) != 1 || ch.ExternalMessages[0].ID != "wamid.1" {
		t.Errorf("delivery:channel = %+v, %v", ch, err)
	}
	pb, err := evs["a8"].Postback()
	if err != nil || pb.Postback.Payload != "TALK_TO_AGENT" || pb.Postback.Metadata["skill"] != "billing" {
		t.Errorf("postback = %+v, %v", pb, err)
	}
	pass, err := evs["a9"].SwitchboardEvent()
	if err != nil || pass.Reason != SunshineReasonTicketClosed || pass.Conversation.ActiveSwitchboardIntegration == nil ||
		pass.Conversation.ActiveSwitchboardIntegration.Name != "dydu" || pass.Metadata["first_message_id"] != "67a0ed02f0305f4a391e9dba" {
		t.Errorf("passControl = %+v, %v", pass, err)
	}
	pf, err := evs["aa"].SwitchboardEvent()
	if err != nil || pf.Error == nil || pf.Error.Code != "switchboard_invalid_target" {
		t.Errorf("passControl:failure = %+v, %v", pf, err)
	}
	offer, err := evs["ab"].SwitchboardEvent()
	if err != nil || offer.Conversation.PendingSwitchboardIntegration == nil || offer.Conversation.PendingSwitchboardIntegration.Name != "zd-agentWorkspace" {
		t.Errorf("offerControl = %+v, %v", offer, err)
	}
	rel, err := evs["ad"].SwitchboardEvent()
	if err != nil || rel.Reason != SunshineReasonTransferToEmail || rel.Conversation.ActiveSwitchboardIntegration != nil {
		t.Errorf("releaseControl = %+v, %v", rel, err)
	}
	mg, err := evs["ae"].UserMerge()
	if err != nil || mg.MergedUsers.Surviving.ExternalID != "dydu-ctx-3f1c" || mg.MergedUsers.Discarded.ID != "5963c0d619a30a2e00de36b9" ||
		mg.MergedConversations == nil || mg.MergedConversations.Discarded.ID != "67a0ecf8f0305f4a391e9db2" || mg.DiscardedMetadata["tier"] != "silver" {
		t.Errorf("user:merge = %+v, %v", mg, err)
	}
	cl, err := evs["b0"].ClientEvent()
	if err != nil || cl.Client == nil || cl.Client.ExternalID != "+33600000000" || cl.User.ID != "5963c0d619a30a2e00de36b8" {
		t.Errorf("client:add = %+v, %v", cl, err)
	}
}

func TestSunshineAccessorErrors(t *testing.T) {
	t.Parallel()
	ev := &SunshineEvent{ID: "e1", Type: SunshineTypeConversationRead, Payload: []byte(`{"conversation":{"id":"c"}}`)}
	if _, err := ev.ConversationMessage(); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `"conversation:read", not a "conversation:message"`) {
		t.Errorf("wrong type: %v", err)
	}
	if _, err := ev.MessageDelivery(); err == nil || !strings.Contains(err.Error(), `":channel", `) && !strings.Contains(err.Error(), `or "conversation:message:delivery:failure"`) {
		t.Errorf("wrong type, several accepted: %v", err)
	}
	for _, payload := range []string{``, `[]`, `{"conversation":{"id":1}}`, `{"activity":"x"}`} {
		ev := &SunshineEvent{ID: "e2", Type: SunshineTypeConversationTyping, Payload: []byte(payload)}
		if _, err := ev.TypedPayload(); !errors.Is(err, ErrMalformed) {
			t.Errorf("payload %q: %v, want ErrMalformed", payload, err)
		}
		if _, err := ev.ConversationActivity(); !errors.Is(err, ErrMalformed) {
			t.Errorf("accessor, payload %q: %v, want ErrMalformed", payload, err)
		}
	}
	// Unknown types: no payload, no error, whatever the payload.
	for _, payload := range []string{``, `[]`, `"x"`} {
		ev := &SunshineEvent{Type: "conversation:something-new", Payload: []byte(payload)}
		if p, err := ev.TypedPayload(); p != nil || err != nil {
			t.Errorf("unknown type, payload %q: %v, %v", payload, p, err)
		}
	}
	// Members added by the vendor are ignored.
	ev = &SunshineEvent{Type: SunshineTypeSwitchboardReleaseControl, Payload: []byte(`{"conversation":{"id":"c","brandNew":{"x":1}},"newTop":true}`)}
	if p, err := ev.SwitchboardEvent(); err != nil || p.Conversation.ID != "c" {
		t.Errorf("added members: %+v, %v", p, err)
	}
}

// One delivery carries three events; the second fails. The delivery is
// answered 503 and the sender retries it: the first event is not handled
// again, the second and third are handled once each.
func TestSunshineHandlerThreeEventsSecondFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		d    Deduper
	}{
		{"memory", &MemoryDeduper{}},
		{"store", &StoreDeduper{Store: newMapStore(), Prefix: "sc:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var handled []string
			failures := map[string]int{"e2": 1} // e2 fails once
			h := NewSunshineHandler(SunshineVerifier{Secrets: []string{"sc-secret"}}, func(_ context.Context, ev *SunshineEvent) error {
				mu.Lock()
				defer mu.Unlock()
				if _, err := ev.ConversationMessage(); err != nil {
					return Permanent(err)
				}
				if failures[ev.ID] > 0 {
					failures[ev.ID]--
					return errors.New("zendesk: 503")
				}
				handled = append(handled, ev.ID)
				return nil
			}, WithDeduper(tc.d))
			delivery := func() answer {
				return serve(h, sunshineRequest("sc-secret", sunshineEvent("e1", "one"), sunshineEvent("e2", "two"), sunshineEvent("e3", "three")))
			}
			if a := delivery(); a.status != 503 || a.body != "failed" || a.retryAfter == "" {
				t.Fatalf("first delivery: %+v, want 503 failed with Retry-After", a)
			}
			if a := delivery(); a.status != 200 || a.body != "handled" {
				t.Fatalf("retry: %+v, want 200 handled", a)
			}
			if a := delivery(); a.status != 200 || a.body != "duplicate" {
				t.Fatalf("second retry: %+v, want 200 duplicate", a)
			}
			if want := []string{"e1", "e2", "e3"}; !reflect.DeepEqual(handled, want) {
				t.Errorf("handled %v, want %v (each once, in order)", handled, want)
			}
		})
	}
}
