package zendesk

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// VoiceService is Zendesk Talk: agents' Talk availability, and the Talk
// Partner Edition calls a telephony integration makes (screen pops, voice
// tickets).
type VoiceService service

// Talk call states.
const (
	CallStatusOnCall = "on_call"
	CallStatusWrapUp = "wrap_up"
)

// TalkAvailability is an agent's Talk state. With omnichannel routing,
// AgentState cannot be changed through the API (only Via can): use
// [AvailabilityService.SetAgentStatus] instead.
type TalkAvailability struct {
	// AgentState is one of the AgentState* constants.
	AgentState string `json:"agent_state,omitempty"`
	// CallStatus is [CallStatusOnCall], [CallStatusWrapUp] or empty. Read only.
	CallStatus string `json:"call_status,omitempty"`
	// Via is how the agent takes calls: "client" (browser) or "phone".
	Via string `json:"via,omitempty"`
}

type talkAvailabilityEnvelope struct {
	Availability *TalkAvailability `json:"availability"`
}

// Availability returns an agent's Talk availability.
func (s *VoiceService) Availability(ctx context.Context, agentID int64) (*TalkAvailability, error) {
	if agentID <= 0 {
		return nil, invalid("agent id %d", agentID)
	}
	return rest.Get[TalkAvailability](ctx, s.client.rest, rest.Pathf("/api/v2/channels/voice/availabilities/%d", agentID), nil, "availability")
}

// UpdateAvailability sets an agent's Talk state and/or how they take calls,
// and returns the result.
func (s *VoiceService) UpdateAvailability(ctx context.Context, agentID int64, in *TalkAvailability) (*TalkAvailability, error) {
	if agentID <= 0 {
		return nil, invalid("agent id %d", agentID)
	}
	if in == nil || (in.AgentState == "" && in.Via == "") {
		return nil, invalid("Talk availability update needs agent_state or via")
	}
	body := &talkAvailabilityEnvelope{&TalkAvailability{AgentState: in.AgentState, Via: in.Via}}
	return rest.Send[TalkAvailability](ctx, s.client.rest, &rest.Request{Method: http.MethodPut, Path: rest.Pathf("/api/v2/channels/voice/availabilities/%d", agentID), Body: body}, "availability")
}

// DisplayTicket opens a ticket in the agent's Zendesk browser tab (Talk
// Partner Edition screen pop). Zendesk answers 404 when the agent or the
// ticket does not exist. A screen pop shown twice leaves the agent where one
// would, so the call is retried after a 5xx.
func (s *VoiceService) DisplayTicket(ctx context.Context, agentID, ticketID int64) error {
	if agentID <= 0 || ticketID <= 0 {
		return invalid("agent id %d, ticket id %d", agentID, ticketID)
	}
	return s.display(ctx, rest.Pathf("/api/v2/channels/voice/agents/%d/tickets/%d/display", agentID, ticketID))
}

// DisplayUser opens a user's profile in the agent's Zendesk browser tab
// (Talk Partner Edition screen pop), e.g. the caller found by phone number.
func (s *VoiceService) DisplayUser(ctx context.Context, agentID, userID int64) error {
	if agentID <= 0 || userID <= 0 {
		return invalid("agent id %d, user id %d", agentID, userID)
	}
	return s.display(ctx, rest.Pathf("/api/v2/channels/voice/agents/%d/users/%d/display", agentID, userID))
}

func (s *VoiceService) display(ctx context.Context, path string) error {
	_, err := s.client.rest.Do(ctx, &rest.Request{Method: http.MethodPost, Path: path, Idempotent: true}, nil)
	return err
}

// VoiceComment is the call record of a voice ticket.
type VoiceComment struct {
	// From and To are the caller's and the called numbers (E.164).
	From string `json:"from"`
	To   string `json:"to"`
	// RecordingURL is an MP3 or WAV recording of the call or voicemail.
	RecordingURL string    `json:"recording_url,omitempty"`
	StartedAt    time.Time `json:"started_at,omitzero"`
	// CallDuration is in seconds.
	CallDuration int `json:"call_duration,omitempty"`
	// AnsweredByID is the agent who answered.
	AnsweredByID      int64  `json:"answered_by_id,omitempty"`
	TranscriptionText string `json:"transcription_text,omitempty"`
	Location          string `json:"location,omitempty"`
}

// VoiceTicket is what CreateVoiceTicket sends.
type VoiceTicket struct {
	// DisplayToAgent, when set, opens the new ticket in this agent's browser
	// tab; Zendesk checks it before creating the ticket (422 if invalid).
	DisplayToAgent int64
	// Ticket is the ticket to create. ViaID is required: [ViaAPIVoicemail],
	// [ViaAPIPhoneCallInbound] or [ViaAPIPhoneCallOutbound]. A voicemail needs
	// [VoiceComment] with From, To, RecordingURL, StartedAt, CallDuration and
	// AnsweredByID (Zendesk's list of required fields); TranscriptionText
	// and Location are optional.
	Ticket *TicketInput
}

// missingVoicemailFields lists the voice_comment fields a voicemail ticket
// lacks, by their wire names.
func missingVoicemailFields(vc *VoiceComment) []string {
	if vc == nil {
		return []string{"from, to, recording_url, started_at, call_duration, answered_by_id"}
	}
	var missing []string
	for _, f := range []struct {
		name    string
		present bool
	}{
		{"from", vc.From != ""}, {"to", vc.To != ""}, {"recording_url", vc.RecordingURL != ""},
		{"started_at", !vc.StartedAt.IsZero()}, {"call_duration", vc.CallDuration > 0}, {"answered_by_id", vc.AnsweredByID > 0},
	} {
		if !f.present {
			missing = append(missing, f.name)
		}
	}
	return missing
}

// CreateVoiceTicket creates a ticket for a call or voicemail through Talk
// Partner Edition, optionally shown at once to an agent. It is not replayed
// after a 5xx (a second attempt could create a second ticket).
func (s *VoiceService) CreateVoiceTicket(ctx context.Context, in *VoiceTicket) (*Ticket, error) {
	if in == nil || in.Ticket == nil {
		return nil, invalid("voice ticket input is nil")
	}
	switch in.Ticket.ViaID {
	case ViaAPIVoicemail:
		if missing := missingVoicemailFields(in.Ticket.VoiceComment); len(missing) > 0 {
			return nil, invalid("a voicemail ticket (via_id 44) needs voice_comment %s", strings.Join(missing, ", "))
		}
	case ViaAPIPhoneCallInbound, ViaAPIPhoneCallOutbound:
	default:
		return nil, invalid("voice ticket via_id %d: want 44 (voicemail), 45 (inbound call) or 46 (outbound call)", in.Ticket.ViaID)
	}
	body := struct {
		DisplayToAgent int64        `json:"display_to_agent,omitempty"`
		Ticket         *TicketInput `json:"ticket"`
	}{in.DisplayToAgent, in.Ticket}
	return rest.Send[Ticket](ctx, s.client.rest, &rest.Request{Method: http.MethodPost, Path: "/api/v2/channels/voice/tickets", Body: &body}, "ticket")
}
