package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/store"
	"github.com/deskbridge/deskbridge/webhook"
)

const agentEvent = `{"account_id":2,"detail":{"account_id":"2","agent_id":"10011","version":"3"},` +
	`"event":{"updated_at":"2023-04-05T23:30:58.642630335Z","previous_state":"offline","new_state":"online","channel":"support"},` +
	`"id":"01GX79ST1QX01C889XV42S2J5T","subject":"zen:agent:10011","time":"2023-05-10T23:31:58.642630335Z",` +
	`"type":"zen:event-type:agent.state_changed","zendesk_event_version":"2022-11-06"}`

// Verify requests outside a Handler, in a receiver of your own, with the
// HMAC key of each secret derived once rather than per request. Both
// secrets verify while the signing secret is rotated.
func ExampleNewZendeskVerifier() {
	const oldSecret, newSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==", "new-secret-2024"
	signedAt := time.Date(2021, 3, 25, 5, 9, 27, 0, time.UTC)
	v := webhook.NewZendeskVerifier(oldSecret, newSecret)
	v.Tolerance = time.Minute
	v.Now = func() time.Time { return signedAt.Add(30 * time.Second) }

	body := []byte(`{"say": "hello"}`)
	for _, secret := range []string{oldSecret, newSecret, "some-other-secret"} {
		sig, ts := webhook.SignZendesk(secret, signedAt, body)
		h := http.Header{}
		h.Set(webhook.HeaderZendeskSignature, sig)
		h.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
		fmt.Println(v.Verify(h, body))
	}
	// Output:
	// <nil>
	// <nil>
	// webhook: signature mismatch: X-Zendesk-Webhook-Signature does not match any configured secret
}

// Sign a payload the way Zendesk does, for a test of your own receiver.
func ExampleSignZendesk() {
	const secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
	body := []byte(`{"say": "hello"}`)
	signedAt := time.Date(2021, 3, 25, 5, 9, 27, 0, time.UTC)

	sig, ts := webhook.SignZendesk(secret, signedAt, body)
	fmt.Println(webhook.HeaderZendeskSignature+":", sig)
	fmt.Println(webhook.HeaderZendeskSignatureTimestamp+":", ts)

	h := http.Header{}
	h.Set(webhook.HeaderZendeskSignature, sig)
	h.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
	v := webhook.ZendeskVerifier{
		Secrets: []string{secret},
		Now:     func() time.Time { return signedAt.Add(time.Minute) },
	}
	fmt.Println("verify:", v.Verify(h, body))
	fmt.Println("tampered:", v.Verify(h, []byte(`{"say": "goodbye"}`)))
	// Output:
	// X-Zendesk-Webhook-Signature: P2iKOs0eFBXbqjyUNxNnoWmoN/cSSkVqIRoRhYZhv5o=
	// X-Zendesk-Webhook-Signature-Timestamp: 2021-03-25T05:09:27Z
	// verify: <nil>
	// tampered: webhook: signature mismatch: X-Zendesk-Webhook-Signature does not match any configured secret
}

func ExampleParseZendeskEvent() {
	ev, err := webhook.ParseZendeskEvent([]byte(agentEvent))
	if err != nil {
		panic(err)
	}
	switch p := ev.Payload.(type) {
	case *webhook.AgentStateChanged:
		fmt.Printf("agent %d is %s on %s (was %s)\n", p.AgentID, p.NewState, p.Channel, p.PreviousState)
	case nil:
		fmt.Println("untyped event", ev.Type)
	}
	fmt.Println(ev.ID, ev.AccountID, ev.Time.Format(time.DateTime))
	// Output:
	// agent 10011 is online on support (was offline)
	// 01GX79ST1QX01C889XV42S2J5T 2 2023-05-10 23:31:58
}

// Serve Zendesk agent status events, and see what the handler answers to a
// delivery, its replay and a forged request.
func ExampleNewZendeskHandler() {
	const secret = "signing-secret-from-admin-center"
	h := webhook.NewZendeskHandler(
		webhook.ZendeskVerifier{Secrets: []string{secret}},
		func(ctx context.Context, ev *webhook.ZendeskEvent) error {
			p := ev.Payload.(*webhook.AgentStateChanged) // the default accepts typed events only
			fmt.Printf("  set agent %d %s\n", p.AgentID, p.NewState)
			return nil // an error here answers 503 + Retry-After, and Zendesk retries
		},
	)
	srv := httptest.NewServer(h)
	defer srv.Close()

	post := func(name, secret string) {
		sig, ts := webhook.SignZendesk(secret, time.Now(), []byte(agentEvent))
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(agentEvent))
		req.Header.Set(webhook.HeaderZendeskSignature, sig)
		req.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		outcome, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s: %d %s", name, resp.StatusCode, outcome)
	}
	post("delivery", secret)
	post("replay", secret)
	post("forged", "guessed-secret")
	// Output:
	//   set agent 10011 online
	// delivery: 200 handled
	// replay: 200 duplicate
	// forged: 401 unauthorized
}

// A Braze webhook campaign posts a body you define, with a secret you put in
// its headers: serve it with NewHandler, DecodeJSON and a
// SharedSecretVerifier.
func ExampleNewHandler() {
	type inboundSMS struct {
		MessageID string `json:"message_id"`
		Phone     string `json:"phone"`
		Text      string `json:"text"`
	}
	h := webhook.NewHandler(
		webhook.SharedSecretVerifier{Scheme: webhook.SchemeBearer, Secrets: []string{"braze-shared-secret"}},
		webhook.DecodeJSON(func(m inboundSMS) string { return m.MessageID }), // the de-duplication key
		func(ctx context.Context, m inboundSMS) error {
			if m.Phone == "" {
				return webhook.Permanent(errors.New("no phone number")) // 422: do not retry
			}
			fmt.Printf("  SMS from %s: %s\n", m.Phone, m.Text)
			return nil
		},
	)
	for _, body := range []string{
		`{"message_id":"m1","phone":"+33612345678","text":"Bonjour"}`,
		`{"message_id":"m1","phone":"+33612345678","text":"Bonjour"}`,
		`{"message_id":"m2","text":"?"}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/braze/inbound", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer braze-shared-secret")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	//   SMS from +33612345678: Bonjour
	// 200 handled
	// 200 duplicate
	// 422 rejected
}

// VerifierFunc plugs a scheme of your own into a Handler.
func ExampleVerifierFunc() {
	onlyFromProxy := webhook.VerifierFunc(func(r *http.Request, _ []byte) error {
		if r.Header.Get("X-Proxy-Verified") != "yes" {
			return webhook.ErrMissingSignature
		}
		return nil
	})
	h := webhook.NewHandler(onlyFromProxy, webhook.DecodeJSON[map[string]any](nil),
		func(context.Context, map[string]any) error { return nil })
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// 401 unauthorized
}

func ExampleSunshineEvent_ConversationMessage() {
	body := `{"app":{"id":"5ebee0975ac5304b664a12fa"},"webhook":{"id":"5f4eaef81e3dcc117c7ba48a","version":"v2"},
	 "events":[{"id":"5f74a0d52b5315fc007e798a","createdAt":"2020-09-30T15:14:29.834Z","type":"conversation:message",
	  "payload":{"conversation":{"id":"f52b01137aa6c250bc7251fa","type":"personal"},
	   "message":{"id":"m1","author":{"type":"user","displayName":"Steve Rogers","user":{"id":"u1","externalId":"912382197"}},
	    "content":{"type":"text","text":"hello"},"source":{"type":"telegram"}}}}]}`
	env, err := webhook.ParseSunshineEvents([]byte(body))
	if err != nil {
		panic(err)
	}
	for _, ev := range env.Events {
		m, err := ev.ConversationMessage()
		if err != nil {
			continue
		}
		fmt.Printf("%s (%s, via %s): %s\n", m.Message.Author.DisplayName, m.Message.Author.User.ExternalID,
			m.Message.Source.Type, m.Message.Content.Text)
	}
	// Output:
	// Steve Rogers (912382197, via telegram): hello
}

// Two replicas of a service behind a load balancer share their
// de-duplication claims through a StoreDeduper over one store (here a
// store.Memory; Redis through store/redisstore for real replicas): a
// delivery handled by one replica and retried onto the other is a
// duplicate there.
func ExampleStoreDeduper() {
	const secret = "signing-secret-from-admin-center"
	shared := store.NewMemory() // redisstore.New(redisClient, "acme:") across processes
	replica := func(name string) http.Handler {
		return webhook.NewZendeskHandler(webhook.ZendeskVerifier{Secrets: []string{secret}},
			func(ctx context.Context, ev *webhook.ZendeskEvent) error {
				fmt.Printf("  %s handles %s\n", name, ev.ID)
				return nil
			},
			webhook.WithDeduper(&webhook.StoreDeduper{Store: shared, Prefix: "statussync:acme:"}))
	}
	a, b := replica("replica a"), replica("replica b")

	deliver := func(h http.Handler) {
		r := httptest.NewRequest(http.MethodPost, "/zendesk", strings.NewReader(agentEvent))
		sig, ts := webhook.SignZendesk(secret, time.Now(), []byte(agentEvent))
		r.Header.Set(webhook.HeaderZendeskSignature, sig)
		r.Header.Set(webhook.HeaderZendeskSignatureTimestamp, ts)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d %s", w.Code, w.Body)
	}
	deliver(a) // the answer is lost on its way back: Zendesk retries
	deliver(b) // the load balancer picks the other replica
	// Output:
	//   replica a handles 01GX79ST1QX01C889XV42S2J5T
	// 200 handled
	// 200 duplicate
}

// Decode each event of a Sunshine Conversations call by its type: a
// business message from Zendesk's agent workspace, then the hand-back when
// the agent solved the ticket.
func ExampleSunshineEvent_TypedPayload() {
	body := `{"app":{"id":"5ebee0975ac5304b664a12fa"},"webhook":{"id":"5f4eaef81e3dcc117c7ba48a","version":"v2"},"events":[
	 {"id":"65a0000000000000000000a1","createdAt":"2026-01-05T10:00:00.000Z","type":"conversation:message",
	  "payload":{"conversation":{"id":"67a0ecf8f0305f4a391e9db1","type":"personal"},
	   "message":{"id":"m1","author":{"type":"business","displayName":"Ana"},"content":{"type":"text","text":"Your parcel left today."},
	    "source":{"type":"zd:agentWorkspace"},"metadata":{"__zendesk_msg.agent.id":"10011"}}}},
	 {"id":"65a0000000000000000000a2","createdAt":"2026-01-05T10:05:00.000Z","type":"switchboard:releaseControl",
	  "payload":{"conversation":{"id":"67a0ecf8f0305f4a391e9db1","type":"personal"},"reason":"ticketClosed"}},
	 {"id":"65a0000000000000000000a3","createdAt":"2026-01-05T10:05:01.000Z","type":"passthrough:messaging","payload":{}}]}`
	env, err := webhook.ParseSunshineEvents([]byte(body))
	if err != nil {
		panic(err)
	}
	for _, ev := range env.Events {
		p, err := ev.TypedPayload()
		if err != nil {
			panic(err) // in a handler: return webhook.Permanent(err)
		}
		switch p := p.(type) {
		case *webhook.SunshineConversationMessage:
			fmt.Printf("%s says %q\n", p.Message.Author.DisplayName, p.Message.Content.Text)
		case *webhook.SunshineSwitchboardEvent:
			if p.Reason == webhook.SunshineReasonTicketClosed {
				fmt.Printf("conversation %s handed back: ticket closed\n", p.Conversation.ID)
			}
		case nil:
			fmt.Printf("%s: not a type this package decodes\n", ev.Type)
		}
	}
	// Output:
	// Ana says "Your parcel left today."
	// conversation 67a0ecf8f0305f4a391e9db1 handed back: ticket closed
	// passthrough:messaging: not a type this package decodes
}
