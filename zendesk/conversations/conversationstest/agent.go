package conversationstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// The agent workspace on the far side of the switchboard.
//
// When control of a conversation passes to the agent workspace
// (passControl or acceptControl to zd-agentWorkspace, or an end user's
// message while it is the default integration), the fake opens a ticket
// as Zendesk does: in the attached zendesktest.Server when there is one,
// with the messages from the passControl metadata's first_message_id on
// (else the last 10), and the ticket fields the metadata sets (see
// ticketFromMetadata in unconfirmed.go). A test or a demo then plays the
// agent with AgentReply, AgentSendFile, AgentTyping and SolveTicket, and
// the end user with UserMessage; each emits what Zendesk emits.

// defaultHistory is how many messages a ticket starts with when the
// passControl metadata names no first_message_id (Zendesk help center
// article 4419179022874).
const defaultHistory = 10

// Agent is a Zendesk agent answering in the agent workspace.
type Agent struct {
	// ID is the agent's Zendesk user id. With a Zendesk fake attached, 0
	// adds an agent of that Name there (once per name); without one, 0
	// gets a made-up id.
	ID        int64
	Name      string
	AvatarURL string
}

// HandOff is what the agent workspace received for one conversation.
type HandOff struct {
	ConversationID string
	// Metadata is the metadata of the switchboard action that handed the
	// conversation over (nil for an end user's message).
	Metadata map[string]any
	// Transcript holds the messages the ticket was opened with.
	Transcript []Message
	// Ticket is what the ticket was opened with; TicketID its id in the
	// attached Zendesk fake (0 without one), TicketError why Zendesk
	// refused it.
	Ticket      zendesktest.MessagingTicket
	TicketID    int64
	TicketError string
	// Unread lists the metadata keys the agent workspace did not apply.
	Unread []string
	// Solved is set once the ticket is solved and control given back.
	Solved bool
}

type handOffRec struct {
	h       HandOff
	agentID int64
}

func (h HandOff) clone() HandOff {
	h.Metadata = maps.Clone(h.Metadata)
	h.Transcript = append([]Message(nil), h.Transcript...)
	h.Ticket.Tags = append([]string(nil), h.Ticket.Tags...)
	h.Ticket.CustomFields = append([]zendesktest.CustomField(nil), h.Ticket.CustomFields...)
	h.Unread = append([]string(nil), h.Unread...)
	return h
}

// underAgentWorkspace reports whether the agent workspace has control of
// cr. Callers hold s.mu.
func (st *state) underAgentWorkspace(cr *convRec) bool {
	a := cr.c.ActiveSwitchboardIntegration
	return a != nil && a.IntegrationType == AgentWorkspaceType
}

// afterControl opens a ticket when a switchboard action gave the agent
// workspace control of a conversation without an open ticket.
func (s *Server) afterControl(conversationID string, metadata map[string]any) {
	s.mu.Lock()
	cr, ok := s.st.convs[conversationID]
	open := ok && s.st.underAgentWorkspace(cr) && (cr.handOff == nil || cr.handOff.h.Solved)
	s.mu.Unlock()
	if open {
		s.openTicket(conversationID, metadata)
	}
}

// afterMessage is the agent workspace's side of a new message: an end
// user's message opens a ticket when the agent workspace has control and
// none is open, and is added to the open one otherwise.
func (s *Server) afterMessage(conversationID string, m Message) {
	if m.Author.Type != "user" {
		return
	}
	s.mu.Lock()
	cr, ok := s.st.convs[conversationID]
	if !ok || !s.st.underAgentWorkspace(cr) {
		s.mu.Unlock()
		return
	}
	h := cr.handOff
	ticketID := cr.ticketID
	z := s.cfg.zendesk
	s.mu.Unlock()
	if h == nil || h.h.Solved {
		s.openTicket(conversationID, nil)
		return
	}
	if z != nil && ticketID != 0 {
		if err := z.AddMessagingComment(ticketID, 0, transcriptLine(m)); err == nil {
			s.mu.Lock()
			cr.seenComments++
			s.mu.Unlock()
		}
	}
}

// transcriptLine is one message as the ticket shows it.
func transcriptLine(m Message) string {
	who := m.Author.DisplayName
	if who == "" {
		who = map[string]string{"user": "Customer", "business": "Bot"}[m.Author.Type]
	}
	text := m.Content.Text
	if m.Content.MediaURL != "" {
		text = strings.TrimSpace(text + " " + m.Content.MediaURL)
	}
	if text == "" {
		text = "[" + m.Content.Type + "]"
	}
	return who + ": " + text
}

// openTicket opens the agent workspace's ticket for a conversation.
func (s *Server) openTicket(conversationID string, metadata map[string]any) {
	s.mu.Lock()
	cr, ok := s.st.convs[conversationID]
	if !ok {
		s.mu.Unlock()
		return
	}
	from := 0
	if n := cr.msgs.len(); n > defaultHistory {
		from = n - defaultHistory
	}
	if id, _ := metadata["first_message_id"].(string); id != "" {
		if i, ok := cr.msgs.pos[id]; ok {
			from = i
		}
	}
	h := &handOffRec{h: HandOff{ConversationID: conversationID, Metadata: maps.Clone(metadata)}}
	lines := make([]string, 0, cr.msgs.len()-from)
	for _, id := range cr.msgs.ids[from:] {
		m := cr.msg[id].clone()
		h.h.Transcript = append(h.h.Transcript, m)
		lines = append(lines, transcriptLine(m))
	}
	t := &h.h.Ticket
	if pid := firstParticipant(cr); pid != "" {
		if u, ok := s.st.users[cr.parts[pid].UserID]; ok {
			t.RequesterName, t.RequesterEmail = u.name(), u.Profile.Email
		}
	}
	if t.RequesterName == "" {
		t.RequesterName = "Customer"
	}
	unread, err := ticketFromMetadata(metadata, t)
	h.h.Unread = unread
	t.Subject = ticketSubject(t.RequesterName)
	t.Description = strings.Join(lines, "\n")
	if t.Description == "" {
		t.Description = t.Subject
	}
	cr.handOff = h
	cr.ticketID = 0
	z := s.cfg.zendesk
	mt := h.h.clone().Ticket
	s.mu.Unlock()

	if err != nil {
		s.mu.Lock()
		h.h.TicketError = err.Error()
		s.mu.Unlock()
		return
	}
	if z == nil {
		return
	}
	tk, zerr := z.OpenMessagingTicket(mt)
	seen := len(z.Comments(tk.ID))
	s.mu.Lock()
	defer s.mu.Unlock()
	if zerr != nil {
		h.h.TicketError = zerr.Error()
		return
	}
	h.h.TicketID = tk.ID
	if cr.handOff == h {
		cr.ticketID = tk.ID
		cr.seenComments = seen
		s.st.tickets[tk.ID] = conversationID
	}
}

func firstParticipant(cr *convRec) string {
	if cr.participants.len() == 0 {
		return ""
	}
	return cr.participants.ids[0]
}

// agentSide finds a conversation the agent workspace has (had) and the
// agent's Zendesk id, adding the agent to the Zendesk fake if needed.
func (s *Server) agentSide(conversationID string, a *Agent) (*convRec, *zendesktest.Server, error) {
	s.mu.Lock()
	cr, ok := s.st.convs[conversationID]
	z := s.cfg.zendesk
	if !ok {
		s.mu.Unlock()
		return nil, nil, errorf("no conversation %s", conversationID)
	}
	if cr.handOff == nil {
		s.mu.Unlock()
		return nil, nil, errorf("conversation %s was never handed to the agent workspace (pass control to %s first)", conversationID, AgentWorkspaceName)
	}
	if a.ID == 0 {
		a.ID = s.st.agentIDs[a.Name]
	}
	s.mu.Unlock()
	if a.ID == 0 {
		if z != nil {
			a.ID = z.AddAgent(a.Name, agentEmail(a.Name))
		} else {
			s.mu.Lock()
			s.st.agentSeq++
			a.ID = 900000 + s.st.agentSeq
			s.mu.Unlock()
		}
		s.mu.Lock()
		s.st.agentIDs[a.Name] = a.ID
		s.mu.Unlock()
	}
	s.mu.Lock()
	cr.handOff.agentID = a.ID
	s.mu.Unlock()
	return cr, z, nil
}

func agentEmail(name string) string {
	local := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '.'
	}, name)
	local = strings.Trim(local, ".")
	if local == "" {
		local = "agent"
	}
	return local + "@agents.example.com"
}

// postAgentMessage posts an agent's message to a conversation.
func (s *Server) postAgentMessage(cr *convRec, a Agent, content Content) (Message, error) {
	s.mu.Lock()
	m, err := s.st.addMessage(cr, Message{
		Author:   agentAuthor(a),
		Content:  content,
		Source:   Source{Type: AgentWorkspaceSourceType},
		Metadata: map[string]any{AgentIDMetadataKey: strconv.FormatInt(a.ID, 10)},
	})
	var out Message
	if err == nil {
		out = m.clone()
	}
	ticketID := cr.ticketID
	z := s.cfg.zendesk
	s.mu.Unlock()
	if err != nil {
		return Message{}, errorf("%v", err)
	}
	s.flush()
	if z != nil && ticketID != 0 {
		if zerr := z.AgentReply(ticketID, a.ID, transcriptLine(out), true); zerr != nil {
			return out, errorf("message posted, but the Zendesk ticket refused the comment: %v", zerr)
		}
		s.mu.Lock()
		cr.seenComments++
		s.mu.Unlock()
	}
	return out, nil
}

// AgentReply plays agent a answering in the agent workspace: a
// conversation:message with a business author carrying the agent's name
// and avatar, source type AgentWorkspaceSourceType and the agent's id in
// metadata (AgentIDMetadataKey), and a public comment by the agent on the
// ticket in the attached Zendesk fake.
func (s *Server) AgentReply(conversationID string, a Agent, text string) (Message, error) {
	if n := len([]rune(text)); n == 0 || n > MaxTextLength {
		return Message{}, errorf("a reply's text must be 1 to %d characters; it is %d", MaxTextLength, n)
	}
	cr, _, err := s.agentSide(conversationID, &a)
	if err != nil {
		return Message{}, err
	}
	return s.postAgentMessage(cr, a, Content{Type: "text", Text: text})
}

// AgentSendFile plays agent a sending a file: it is stored on the fake
// (served at its media URL) and posted as an image message when its media
// type is image/*, else as a file message, with text beside it.
func (s *Server) AgentSendFile(conversationID string, a Agent, filename, mediaType string, data []byte, text string) (Message, error) {
	if int64(len(data)) > s.cfg.maxAttachment {
		return Message{}, errorf("the file is %d bytes; the limit is %d", len(data), s.cfg.maxAttachment)
	}
	cr, _, err := s.agentSide(conversationID, &a)
	if err != nil {
		return Message{}, err
	}
	att, err := s.addAttachment(conversationID, filename, mediaType, data)
	if err != nil {
		return Message{}, errorf("%v", err)
	}
	typ := "file"
	if strings.HasPrefix(mediaType, "image/") {
		typ = "image"
	}
	alt := filename
	if n := []rune(alt); len(n) > MaxAltTextLength {
		alt = string(n[:MaxAltTextLength])
	}
	return s.postAgentMessage(cr, a, Content{Type: typ, Text: text, MediaURL: att.MediaURL, AltText: alt})
}

// AgentTyping plays agent a starting (typing true) or stopping to type: a
// conversation:typing event with activity typing:start or typing:stop.
func (s *Server) AgentTyping(conversationID string, a Agent, typing bool) error {
	cr, _, err := s.agentSide(conversationID, &a)
	if err != nil {
		return err
	}
	typ := "typing:stop"
	if typing {
		typ = "typing:start"
	}
	s.mu.Lock()
	s.st.emitActivity("conversation:typing", cr, map[string]any{
		"type": typ, "author": toMap(agentAuthor(a)), "source": map[string]any{"type": AgentWorkspaceSourceType},
	})
	s.mu.Unlock()
	s.flush()
	return nil
}

// SolveTicket plays the agent solving the conversation's ticket: the
// ticket is set to solved in the attached Zendesk fake, and the agent
// workspace gives the conversation back with reason "ticketClosed" (see
// [HandBack]); [WithTicketClosedActivity] also posts the ticket:closed
// system message.
func (s *Server) SolveTicket(conversationID string) error {
	s.mu.Lock()
	cr, ok := s.st.convs[conversationID]
	if !ok || cr.handOff == nil {
		s.mu.Unlock()
		return errorf("conversation %s has no agent-workspace ticket", conversationID)
	}
	if cr.handOff.h.Solved {
		s.mu.Unlock()
		return errorf("the ticket of conversation %s is already solved", conversationID)
	}
	ticketID, agentID, z := cr.ticketID, cr.handOff.agentID, s.cfg.zendesk
	s.mu.Unlock()
	if z != nil && ticketID != 0 {
		if agentID == 0 {
			agentID = z.AddAgent("Agent", agentEmail("agent"))
		}
		if _, err := z.AgentUpdate(ticketID, agentID, zendesktest.AgentUpdate{Status: "solved"}); err != nil {
			return errorf("solve ticket %d: %v", ticketID, err)
		}
	}
	s.handBack(cr)
	return nil
}

// handBack gives a conversation back from the agent workspace once its
// ticket is solved.
func (s *Server) handBack(cr *convRec) {
	s.mu.Lock()
	if cr.handOff == nil || cr.handOff.h.Solved {
		s.mu.Unlock()
		return
	}
	cr.handOff.h.Solved = true
	if s.cfg.closedActivity {
		_, _ = s.st.addMessage(cr, Message{
			Author:   Author{Type: "business", Subtypes: []string{"activity"}},
			Content:  Content{Type: "text", Text: "Ticket closed"},
			Source:   Source{Type: AgentWorkspaceSourceType},
			Activity: &Activity{Type: "ticket:closed"},
		})
	}
	if s.st.underAgentWorkspace(cr) {
		aw := s.st.sbi[cr.c.ActiveSwitchboardIntegration.ID]
		if to := s.st.handBackTarget(aw, s.cfg.handBack); to != nil {
			s.st.pass(cr, to, nil, "ticketClosed")
		} else {
			s.st.release(cr, nil, "ticketClosed")
		}
	}
	s.mu.Unlock()
	s.flush()
}

// SyncTickets mirrors into the conversations what happened to their
// tickets in the attached Zendesk fake outside the agent helpers: a new
// public comment by an agent becomes the agent's message, and a ticket
// solved or closed gives its conversation back. A test or demo calls it
// after changing a ticket through the Zendesk API or zendesktest's own
// helpers (there is no change hook to watch).
func (s *Server) SyncTickets() error {
	s.mu.Lock()
	z := s.cfg.zendesk
	type open struct {
		cr     *convRec
		ticket int64
		seen   int
	}
	var list []open
	for _, id := range sortedKeys(s.st.tickets) {
		cr, ok := s.st.convs[s.st.tickets[id]]
		if ok && cr.handOff != nil && !cr.handOff.h.Solved && cr.ticketID == id {
			list = append(list, open{cr, id, cr.seenComments})
		}
	}
	s.mu.Unlock()
	if z == nil {
		return nil
	}
	for _, o := range list {
		comments := z.Comments(o.ticket)
		for i := o.seen; i < len(comments); i++ {
			c := comments[i]
			s.mu.Lock()
			o.cr.seenComments = i + 1
			s.mu.Unlock()
			u, ok := z.User(c.AuthorID)
			if !c.Public || !ok || u.Role == "end-user" {
				continue
			}
			a := Agent{ID: u.ID, Name: u.Name}
			s.mu.Lock()
			o.cr.handOff.agentID = u.ID
			m, err := s.st.addMessage(o.cr, Message{
				Author: agentAuthor(a), Content: Content{Type: "text", Text: c.PlainBody},
				Source: Source{Type: AgentWorkspaceSourceType}, Metadata: map[string]any{AgentIDMetadataKey: strconv.FormatInt(a.ID, 10)},
			})
			s.mu.Unlock()
			if err != nil {
				return errorf("mirror comment %d of ticket %d: %v", c.ID, o.ticket, err)
			}
			_ = m
			s.flush()
		}
		if t, ok := z.Ticket(o.ticket); ok && (t.Status == "solved" || t.Status == "closed") {
			s.handBack(o.cr)
		}
	}
	return nil
}

// UserMessage plays the end user writing text from a channel (the Web
// Widget, "web"), as the channel would post it: a conversation:message
// with a user author, source type "web" with the channel's integration,
// and, under includeFullSource, the user's client and device. The user is
// named by id or external id and joins the conversation if needed.
func (s *Server) UserMessage(conversationID, user, text string) (Message, error) {
	if n := len([]rune(text)); n == 0 || n > MaxTextLength {
		return Message{}, errorf("a message's text must be 1 to %d characters; it is %d", MaxTextLength, n)
	}
	s.mu.Lock()
	cr, ok := s.st.convs[conversationID]
	u := s.st.userByRef(user)
	if !ok || u == nil {
		s.mu.Unlock()
		return Message{}, errorf("no conversation %s or no user %s", conversationID, user)
	}
	s.st.addParticipant(cr, u)
	ch := s.st.channelFor(u, "web")
	author := Author{Type: "user", UserID: u.ID, DisplayName: joinNonEmpty(u.Profile.GivenName, u.Profile.Surname), AvatarURL: u.Profile.AvatarURL}
	m, err := s.st.addMessage(cr, Message{
		Author: author, Content: Content{Type: "text", Text: text},
		Source: Source{Type: "web", IntegrationID: ch.client["integrationId"].(string), OriginalMessageID: s.st.newID()},
		ch:     ch,
	})
	var out Message
	if err == nil {
		out = m.clone()
	}
	s.mu.Unlock()
	if err != nil {
		return Message{}, errorf("%v", err)
	}
	s.flush()
	s.afterMessage(conversationID, out)
	return out, nil
}

// channelFor returns u's client on a channel, making it. Callers hold
// s.mu.
func (st *state) channelFor(u *User, typ string) *channel {
	key := u.ID + "/" + typ
	if ch, ok := st.channels[key]; ok {
		return ch
	}
	if st.webIntegrationID == "" {
		st.webIntegrationID = st.newID()
	}
	ch := channelShape(st.newID(), st.newID(), typ, st.webIntegrationID, u.ExternalID, stamp(st.s.now()))
	st.channels[key] = ch
	return ch
}

// HandOffs returns what the agent workspace received, one per
// conversation handed to it (the latest), in no particular order.
func (s *Server) HandOffs() []HandOff {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []HandOff
	for _, cr := range s.st.convs {
		if cr.handOff != nil {
			out = append(out, cr.handOff.h.clone())
		}
	}
	return out
}

// HandOff returns what the agent workspace received for a conversation.
func (s *Server) HandOff(conversationID string) (HandOff, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cr, ok := s.st.convs[conversationID]
	if !ok || cr.handOff == nil {
		return HandOff{}, false
	}
	return cr.handOff.h.clone(), true
}

// AgentTicket returns the id of the conversation's ticket in the attached
// Zendesk fake.
func (s *Server) AgentTicket(conversationID string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cr, ok := s.st.convs[conversationID]
	if !ok || cr.ticketID == 0 {
		return 0, false
	}
	return cr.ticketID, true
}

func sortedKeys(m map[int64]string) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// jsonValue encodes a metadata value for a ticket field.
func jsonValue(v any) (json.RawMessage, error) { return json.Marshal(v) }

func errorf(format string, args ...any) error {
	return fmt.Errorf("conversationstest: "+format, args...)
}
