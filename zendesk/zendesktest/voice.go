package zendesktest

import (
	"net/http"
	"slices"
	"time"
)

// Talk Partner Edition
// (https://developer.zendesk.com/api-reference/voice/talk-partner-edition-api/reference/).
//
//	POST /api/v2/channels/voice/agents/{agent_id}/tickets/{ticket_id}/display
//	POST /api/v2/channels/voice/agents/{agent_id}/users/{user_id}/display
//	     200 with an empty body, 404 when the agent or the record does not
//	     exist; each is recorded as a ScreenPop (Server.ScreenPops).
//	POST /api/v2/channels/voice/tickets
//	     {"display_to_agent": id, "ticket": {"via_id": 44|45|46, ...,
//	     "voice_comment": {...}}}: display_to_agent is checked first (an
//	     agent, else 422), via_id must be 44, 45 or 46 (422), a voicemail
//	     (44) needs voice_comment with from, to, recording_url, started_at,
//	     call_duration and answered_by_id (422); the ticket is then created
//	     as POST /api/v2/tickets would (triggers see current_via_id = via_id)
//	     and shown to display_to_agent (a ScreenPop). 201 {"ticket": {...}}.
//
// A voice comment is a private "VoiceComment" whose body lists the call
// details (voiceCommentBody, a guess in unconfirmed.go) and whose data
// holds them ([VoiceCommentData]).

type voiceCommentIn struct {
	From              string   `json:"from"`
	To                string   `json:"to"`
	RecordingURL      string   `json:"recording_url"`
	StartedAt         string   `json:"started_at"`
	CallDuration      *flexInt `json:"call_duration"`
	AnsweredByID      *flexInt `json:"answered_by_id"`
	TranscriptionText *string  `json:"transcription_text"`
	Location          *string  `json:"location"`
}

func (st *state) newVoiceComment(in *voiceCommentIn, author int64, viaID int, now time.Time) Comment {
	d := &VoiceCommentData{From: in.From, To: in.To, RecordingURL: in.RecordingURL, StartedAt: in.StartedAt,
		TranscriptionText: in.TranscriptionText, Location: in.Location}
	if in.CallDuration != nil {
		d.CallDuration = ptr(int64(*in.CallDuration))
	}
	if in.AnsweredByID != nil {
		d.AnsweredByID = ptr(int64(*in.AnsweredByID))
	}
	c := Comment{
		ID: st.nextID(), Type: "VoiceComment", AuthorID: author, Body: voiceCommentBody(d), Public: false,
		Attachments: []any{}, Via: viaFor(viaID), ViaID: viaID, CreatedAt: now, Data: d,
		Metadata: map[string]any{"system": map[string]any{}, "custom": map[string]any{}},
	}
	c.HTMLBody = textToHTML(c.Body)
	c.PlainBody = c.Body
	return c
}

func (s *Server) displayTicket(c *call) error {
	return s.display(c, "ticket_id", false)
}

func (s *Server) displayUser(c *call) error {
	return s.display(c, "user_id", true)
}

func (s *Server) display(c *call, param string, user bool) error {
	agentID, err := c.pathID("agent_id")
	if err != nil {
		return err
	}
	id, err := c.pathID(param)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.st.users.get(agentID); !ok || !a.isAgent() {
		return errNotFound()
	}
	pop := ScreenPop{AgentID: agentID, Time: s.stamp()}
	if user {
		if _, ok := s.st.users.get(id); !ok {
			return errNotFound()
		}
		pop.UserID = id
	} else {
		if _, ok := s.st.tickets.get(id); !ok {
			return errNotFound()
		}
		pop.TicketID = id
	}
	s.st.screenPops = append(s.st.screenPops, pop)
	c.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) voiceTicketsCreate(c *call) error {
	var env struct {
		DisplayToAgent *flexInt     `json:"display_to_agent"`
		Ticket         *ticketInput `json:"ticket"`
	}
	if err := c.decodeEnvelope("ticket", &env, func() bool { return env.Ticket == nil }); err != nil {
		return err
	}
	s.mu.Lock()
	p := problems{}
	var agent int64
	if env.DisplayToAgent != nil {
		agent = int64(*env.DisplayToAgent)
		if u, ok := s.st.users.get(agent); !ok || !u.isAgent() {
			s.mu.Unlock()
			p.add("display_to_agent", "Display to agent", "is invalid", "InvalidValue")
			return p.err()
		}
	}
	in := env.Ticket
	via := 0
	if in.ViaID != nil {
		via = int(*in.ViaID)
	}
	if !slices.Contains([]int{ViaAPIVoicemail, ViaAPIPhoneCallInbound, ViaAPIPhoneCallOutbound}, via) {
		s.mu.Unlock()
		p.add("via_id", "Via", "must be 44 (voicemail), 45 (inbound call) or 46 (outbound call)", "InvalidValue")
		return p.err()
	}
	if via == ViaAPIVoicemail {
		vc := in.VoiceComment
		if vc == nil {
			p.add("voice_comment", "Voice comment", "is required for a voicemail ticket", "BlankValue")
		} else {
			for _, f := range []struct {
				name string
				ok   bool
			}{
				{"from", vc.From != ""}, {"to", vc.To != ""}, {"recording_url", vc.RecordingURL != ""},
				{"started_at", vc.StartedAt != ""}, {"call_duration", vc.CallDuration != nil}, {"answered_by_id", vc.AnsweredByID != nil},
			} {
				if !f.ok {
					p.add("voice_comment", "Voice comment", f.name+" cannot be blank", "BlankValue")
				}
			}
		}
		if err := p.err(); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	now := s.stamp()
	w, err := s.st.createTicket(in, c.user, via, now)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	out := s.st.runTriggers(w, now)
	if agent != 0 {
		s.st.screenPops = append(s.st.screenPops, ScreenPop{AgentID: agent, TicketID: w.rec.t.ID, Time: now})
	}
	t := w.rec.t.clone()
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return c.created(t.URL, map[string]any{"ticket": t})
}

// ScreenPops returns the Talk Partner Edition display requests, oldest
// first: which agent was shown which ticket or user.
func (s *Server) ScreenPops() []ScreenPop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.screenPops)
}
