package zendesk

import (
	"errors"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge"
)

func TestVoiceAvailability(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("GET", "/api/v2/channels/voice/availabilities/28", ok(testdata(t, "talk_availability.json")))
	f.on("PUT", "/api/v2/channels/voice/availabilities/28", ok(testdata(t, "talk_availability.json")))
	c := f.client()
	a, err := c.Voice.Availability(t.Context(), 28)
	if err != nil || a.AgentState != AgentStateOnline || a.Via != "client" || a.CallStatus != "" {
		t.Fatal(a, err)
	}
	a, err = c.Voice.UpdateAvailability(t.Context(), 28, &TalkAvailability{AgentState: AgentStateOnline, Via: "client", CallStatus: CallStatusOnCall})
	if err != nil || a.AgentState != AgentStateOnline {
		t.Fatal(a, err)
	}
	calls := f.calls()
	calls[0].expect(t, "GET", "/api/v2/channels/voice/availabilities/28", "", "")
	// call_status is read only: not sent.
	calls[1].expect(t, "PUT", "/api/v2/channels/voice/availabilities/28", "", `{"availability":{"agent_state":"online","via":"client"}}`)

	_, err = c.Voice.Availability(t.Context(), 0)
	isInvalid(t, err)
	_, err = c.Voice.UpdateAvailability(t.Context(), 0, &TalkAvailability{AgentState: "online"})
	isInvalid(t, err)
	_, err = c.Voice.UpdateAvailability(t.Context(), 28, &TalkAvailability{})
	isInvalid(t, err)
}

func TestVoiceDisplayTicketAndUser(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/channels/voice/agents/28/tickets/35436/display", status(502, ""), ok(""))
	f.on("POST", "/api/v2/channels/voice/agents/28/users/20978392/display", ok(""))
	f.on("POST", "/api/v2/channels/voice/agents/28/tickets/9/display", status(404, `{"error":"RecordNotFound","description":"Not found"}`))
	c := f.client()
	if err := c.Voice.DisplayTicket(t.Context(), 28, 35436); err != nil {
		t.Fatal(err)
	}
	if err := c.Voice.DisplayUser(t.Context(), 28, 20978392); err != nil {
		t.Fatal(err)
	}
	if err := c.Voice.DisplayTicket(t.Context(), 28, 9); !errors.Is(err, deskbridge.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	calls := f.calls()
	if len(calls) != 4 {
		t.Fatalf("calls = %d: a screen pop is retried after a 5xx", len(calls))
	}
	calls[1].expect(t, "POST", "/api/v2/channels/voice/agents/28/tickets/35436/display", "", "")
	calls[2].expect(t, "POST", "/api/v2/channels/voice/agents/28/users/20978392/display", "", "")
	isInvalid(t, c.Voice.DisplayTicket(t.Context(), 0, 1))
	isInvalid(t, c.Voice.DisplayUser(t.Context(), 1, 0))
}

// CreateVoiceTicket sends exactly Zendesk's documented request example.
func TestVoiceCreateVoiceTicketDocumentedRequest(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/channels/voice/tickets", status(201, testdata(t, "ticket.json")))
	tk, err := f.client().Voice.CreateVoiceTicket(t.Context(), &VoiceTicket{
		DisplayToAgent: 1234,
		Ticket: &TicketInput{
			Comment:  &CommentInput{Body: "My printer is on fire!"},
			Priority: PriorityUrgent,
			ViaID:    ViaAPIPhoneCallOutbound,
			VoiceComment: &VoiceComment{
				AnsweredByID:      28,
				CallDuration:      40,
				From:              "+16617480240",
				Location:          "Dublin, Ireland",
				RecordingURL:      "http://yourdomain.com/recordings/1.mp3",
				StartedAt:         mustTime(t, "2019-04-16T09:14:57Z"),
				To:                "+16617480123",
				TranscriptionText: "The transcription of the call",
			},
		},
	})
	if err != nil || tk.ID != 35436 {
		t.Fatal(tk, err)
	}
	// Field order differs from the documented example (alphabetical there):
	// compare as JSON values.
	got := f.only()
	if !jsonEqual(t, got.Body, testdata(t, "voice_ticket_request.json")) {
		t.Fatalf("body = %s", got.Body)
	}
	got.expect(t, "POST", "/api/v2/channels/voice/tickets", "", got.Body)
}

func TestVoiceCreateVoiceTicketValidation(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.on("POST", "/api/v2/channels/voice/tickets", status(503, `{}`), status(201, `{"ticket":{"id":1}}`))
	c := f.client()
	for _, in := range []*VoiceTicket{
		nil,
		{},
		{Ticket: &TicketInput{ViaID: ViaWebService}},
		{Ticket: &TicketInput{ViaID: ViaAPIVoicemail}},
		// Zendesk requires answered_by_id among the voicemail's fields.
		{Ticket: &TicketInput{ViaID: ViaAPIVoicemail, VoiceComment: &VoiceComment{From: "+1", To: "+2",
			RecordingURL: "https://example.com/r.mp3", StartedAt: time.Unix(1555406097, 0), CallDuration: 40}}},
	} {
		_, err := c.Voice.CreateVoiceTicket(t.Context(), in)
		isInvalid(t, err)
	}
	if len(f.calls()) != 0 {
		t.Fatal("refused input was sent")
	}
	_, err := c.Voice.CreateVoiceTicket(t.Context(), &VoiceTicket{Ticket: &TicketInput{ViaID: ViaAPIVoicemail, VoiceComment: &VoiceComment{From: "+1", To: "+2",
		RecordingURL: "https://example.com/r.mp3", StartedAt: time.Unix(1555406097, 0), CallDuration: 40, AnsweredByID: 28}}})
	if err == nil || len(f.calls()) != 1 {
		t.Fatalf("a voice ticket is not replayed after a 5xx: err = %v, calls = %d", err, len(f.calls()))
	}
	if _, err := c.Voice.CreateVoiceTicket(t.Context(), &VoiceTicket{Ticket: &TicketInput{ViaID: ViaAPIPhoneCallInbound, Subject: "Call"}}); err != nil {
		t.Fatal(err)
	}
	f.calls()[1].expect(t, "POST", "/api/v2/channels/voice/tickets", "", `{"ticket":{"subject":"Call","via_id":45}}`)
}
