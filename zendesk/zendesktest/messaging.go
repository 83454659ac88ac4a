package zendesktest

// Messaging tickets: the hook the Sunshine Conversations fake
// (zendesk/conversations/conversationstest) opens its agent-workspace
// tickets through, so that a test can assert the ticket, its group and its
// fields here, and watch it being solved with Ticket and Comments.

// MessagingTicket is the ticket Zendesk's agent workspace opens when a
// messaging conversation is handed to it.
type MessagingTicket struct {
	// RequesterID names an existing requester; else the requester is
	// found by RequesterEmail or created with RequesterName and
	// RequesterEmail.
	RequesterID    int64
	RequesterName  string
	RequesterEmail string
	Subject        string
	// Description is the ticket's first comment: the conversation so far.
	Description string
	// GroupID, AssigneeID, OrganizationID and BrandID set the ticket's
	// fields when not 0; Priority when not "".
	GroupID        int64
	AssigneeID     int64
	OrganizationID int64
	BrandID        int64
	Priority       string
	Tags           []string
	CustomFields   []CustomField
}

// OpenMessagingTicket opens a ticket as the agent workspace does for a
// messaging conversation (via channel "native_messaging",
// from_messaging_channel true), with the checks of a ticket created through
// the API, runs the triggers and queues their webhooks.
func (s *Server) OpenMessagingTicket(m MessagingTicket) (Ticket, error) {
	in := &ticketInput{Comment: &commentInput{Body: ptr(m.Description), Public: ptr(true)}}
	if m.Subject != "" {
		in.Subject = nullString{Set: true, V: m.Subject}
	}
	switch {
	case m.RequesterID != 0:
		in.RequesterID = nullInt{Set: true, V: m.RequesterID}
	case m.RequesterName != "" || m.RequesterEmail != "":
		in.Requester = &requesterInput{Name: m.RequesterName, Email: m.RequesterEmail}
	}
	for _, f := range []struct {
		dst *nullInt
		v   int64
	}{{&in.GroupID, m.GroupID}, {&in.AssigneeID, m.AssigneeID}, {&in.OrganizationID, m.OrganizationID}, {&in.BrandID, m.BrandID}} {
		if f.v != 0 {
			*f.dst = nullInt{Set: true, V: f.v}
		}
	}
	if m.Priority != "" {
		in.Priority = nullString{Set: true, V: m.Priority}
	}
	if m.Tags != nil {
		tags := append([]string(nil), m.Tags...)
		in.Tags = &tags
	}
	in.CustomFields = append([]CustomField(nil), m.CustomFields...)
	s.mu.Lock()
	now := s.stamp()
	w, err := s.st.createTicket(in, s.AdminID, ViaWebService, now)
	if err != nil {
		s.mu.Unlock()
		return Ticket{}, errorf("open messaging ticket: %v", err)
	}
	w.rec.t.Via.Channel = messagingChannel
	w.rec.t.FromMessagingChan = true
	out := s.st.runTriggers(w, now)
	t := w.rec.t.clone()
	s.mu.Unlock()
	s.dl.enqueue(out...)
	return t, nil
}

// AddMessagingComment adds a public comment to a messaging ticket, as the
// agent workspace records a message of its conversation: by authorID, or by
// the requester when authorID is 0. It runs the triggers and queues their
// webhooks.
func (s *Server) AddMessagingComment(ticketID, authorID int64, body string) error {
	_, err := s.changeTicket(ticketID, ViaWebService, func(rec *ticketRec) (int64, *ticketInput, error) {
		if authorID == 0 {
			authorID = rec.t.RequesterID
		}
		return authorID, &ticketInput{Comment: &commentInput{Body: ptr(body), Public: ptr(true), AuthorID: flexInt(authorID)}}, nil
	})
	return err
}
