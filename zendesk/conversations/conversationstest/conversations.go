package conversationstest

import (
	"net/http"
)

type participantInput struct {
	UserID             *string `json:"userId"`
	UserExternalID     *string `json:"userExternalId"`
	SubscribeSDKClient *bool   `json:"subscribeSDKClient"`
}

// user finds the user a participant body names: exactly one of userId and
// userExternalId. Callers hold s.mu.
func (st *state) participantUser(in *participantInput, field string) (*User, error) {
	switch {
	case in.UserID != nil && in.UserExternalID != nil:
		return nil, badRequest("%s must give userId or userExternalId, not both", field)
	case in.UserID != nil:
		if u, ok := st.users[*in.UserID]; ok {
			return u, nil
		}
	case in.UserExternalID != nil:
		if u, ok := st.usersByExt[*in.UserExternalID]; ok {
			return u, nil
		}
	default:
		return nil, badRequest("%s must give userId or userExternalId", field)
	}
	return nil, notFound("user_not_found", "User not found")
}

type conversationInput struct {
	Type         *string            `json:"type"`
	Participants []participantInput `json:"participants"`
	DisplayName  *string            `json:"displayName"`
	Description  *string            `json:"description"`
	IconURL      *string            `json:"iconUrl"`
	Metadata     map[string]any     `json:"metadata"`
}

func (in *conversationInput) apply(c *Conversation) error {
	if in.Metadata != nil {
		if err := checkMetadata("metadata", in.Metadata); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    *string
		dst  *string
		max  int
	}{{"displayName", in.DisplayName, &c.DisplayName, 100}, {"description", in.Description, &c.Description, 100}, {"iconUrl", in.IconURL, &c.IconURL, 2048}} {
		if f.v == nil {
			continue
		}
		if err := checkLen(f.name, *f.v, 0, f.max); err != nil {
			return err
		}
		*f.dst = *f.v
	}
	if in.Metadata != nil {
		c.Metadata = in.Metadata
	}
	return nil
}

func (s *Server) createConversation(c *call, in *conversationInput) error {
	if in.Type == nil {
		return badRequest("should have required property 'type'")
	}
	if *in.Type != "personal" && *in.Type != "sdkGroup" {
		return badRequest("type must be personal or sdkGroup")
	}
	if *in.Type == "personal" && len(in.Participants) != 1 {
		return badRequest("a personal conversation must have exactly one participant")
	}
	s.mu.Lock()
	defer s.flush()
	defer s.mu.Unlock()
	users := make([]*User, 0, len(in.Participants))
	for i := range in.Participants {
		u, err := s.st.participantUser(&in.Participants[i], "participants")
		if err != nil {
			return err
		}
		users = append(users, u)
	}
	now := stamp(s.now())
	conv := Conversation{ID: s.st.newID(), Type: *in.Type, CreatedAt: now, LastUpdatedAt: now}
	if err := in.apply(&conv); err != nil {
		return err
	}
	cr := s.st.addConversation(conv, users)
	var first *User
	if len(users) > 0 {
		first = users[0]
	}
	s.st.emitConversation("conversation:create", cr, first, map[string]any{"creationReason": "none"})
	return c.json(http.StatusCreated, map[string]any{"conversation": cr.c.clone()})
}

// addConversation stores a conversation with its participants; the
// switchboard's default integration takes control of it. Callers hold
// s.mu.
func (st *state) addConversation(conv Conversation, users []*User) *convRec {
	if conv.Type == "personal" && len(users) == 1 {
		uc := st.userConvs[users[0].ID]
		conv.IsDefault = true
		if uc != nil {
			for _, id := range uc.ids {
				if st.convs[id].c.Type == "personal" {
					conv.IsDefault = false
				}
			}
		}
	}
	if sb := st.switchboard; sb != nil && sb.Enabled {
		if si, ok := st.sbi[sb.DefaultSwitchboardIntegrationID]; ok {
			conv.ActiveSwitchboardIntegration = si.ref()
		}
	}
	cr := &convRec{c: conv, participants: newOrdered(), parts: map[string]*Participant{}, byUser: map[string]string{}, msgs: newOrdered(), msg: map[string]*Message{}}
	st.convs[conv.ID] = cr
	for _, u := range users {
		st.addParticipant(cr, u)
	}
	return cr
}

// addParticipant adds u to cr unless it is there. Callers hold s.mu.
func (st *state) addParticipant(cr *convRec, u *User) *Participant {
	if pid, ok := cr.byUser[u.ID]; ok {
		return cr.parts[pid]
	}
	p := &Participant{ID: st.newID(), UserID: u.ID, UserExternalID: u.ExternalID}
	cr.parts[p.ID] = p
	cr.byUser[u.ID] = p.ID
	cr.participants.add(p.ID)
	uc := st.userConvs[u.ID]
	if uc == nil {
		uc = newOrdered()
		st.userConvs[u.ID] = uc
	}
	if _, ok := uc.pos[cr.c.ID]; !ok {
		uc.add(cr.c.ID)
	}
	return p
}

func (st *state) removeParticipant(cr *convRec, p *Participant) {
	delete(cr.parts, p.ID)
	delete(cr.byUser, p.UserID)
	cr.participants.remove(p.ID)
	if uc := st.userConvs[p.UserID]; uc != nil {
		uc.remove(cr.c.ID)
	}
}

// removeConversation deletes a conversation and its messages. Callers
// hold s.mu.
func (st *state) removeConversation(cr *convRec) {
	for _, pid := range append([]string(nil), cr.participants.ids...) {
		st.removeParticipant(cr, cr.parts[pid])
	}
	delete(st.convs, cr.c.ID)
	if cr.ticketID != 0 {
		delete(st.tickets, cr.ticketID)
	}
}

// convOr404 finds the conversation the path names. Callers hold s.mu.
func (s *Server) convOr404(c *call) (*convRec, error) {
	if cr, ok := s.st.convs[c.r.PathValue("conversationId")]; ok {
		return cr, nil
	}
	return nil, notFound("conversation_not_found", "Conversation not found")
}

func (s *Server) listConversations(c *call) error {
	q := c.r.URL.Query()
	uid, ext := q.Get("filter[userId]"), q.Get("filter[userExternalId]")
	if (uid == "") == (ext == "") {
		return badRequest("give exactly one of filter[userId] and filter[userExternalId]")
	}
	p, err := parsePage(q, 0)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *User
	if uid != "" {
		u = s.st.users[uid]
	} else {
		u = s.st.usersByExt[ext]
	}
	if u == nil {
		return notFound("user_not_found", "User not found")
	}
	o := s.st.userConvs[u.ID]
	if o == nil {
		o = newOrdered()
	}
	return listed(c, "conversations", o, p, false, func(id string) Conversation { return s.st.convs[id].c.clone() })
}

func (s *Server) getConversation(c *call) error {
	return locked(s, c, s.convOr404, func(cr *convRec) error {
		return c.json(http.StatusOK, map[string]any{"conversation": cr.c.clone()})
	})
}

func (s *Server) updateConversation(c *call, in *conversationInput) error {
	if in.Type != nil || in.Participants != nil {
		return badRequest("only displayName, description, iconUrl and metadata can be updated")
	}
	return locked(s, c, s.convOr404, func(cr *convRec) error {
		next := cr.c.clone()
		if err := in.apply(&next); err != nil {
			return err
		}
		cr.c = next
		return c.json(http.StatusOK, map[string]any{"conversation": cr.c.clone()})
	})
}

func (s *Server) deleteConversation(c *call) error {
	return lockedFlush(s, c, s.convOr404, func(cr *convRec) error {
		s.st.emitConversation("conversation:remove", cr, nil, nil)
		s.st.removeConversation(cr)
		return c.json(http.StatusOK, map[string]any{})
	})
}

func (s *Server) joinConversation(c *call, in *participantInput) error {
	return lockedFlush(s, c, s.convOr404, func(cr *convRec) error {
		if cr.c.Type != "sdkGroup" {
			return badRequest("only sdkGroup conversations can be joined")
		}
		u, err := s.st.participantUser(in, "body")
		if err != nil {
			return err
		}
		p := s.st.addParticipant(cr, u)
		s.st.emitConversation("conversation:join", cr, u, nil)
		return c.json(http.StatusCreated, map[string]any{"participant": *p})
	})
}

type leaveInput struct {
	UserID         *string `json:"userId"`
	UserExternalID *string `json:"userExternalId"`
	ParticipantID  *string `json:"participantId"`
}

func (s *Server) leaveConversation(c *call, in *leaveInput) error {
	n := 0
	for _, v := range []*string{in.UserID, in.UserExternalID, in.ParticipantID} {
		if v != nil {
			n++
		}
	}
	if n != 1 {
		return badRequest("give exactly one of userId, userExternalId and participantId")
	}
	return lockedFlush(s, c, s.convOr404, func(cr *convRec) error {
		var p *Participant
		switch {
		case in.ParticipantID != nil:
			p = cr.parts[*in.ParticipantID]
		default:
			u, err := s.st.participantUser(&participantInput{UserID: in.UserID, UserExternalID: in.UserExternalID}, "body")
			if err != nil {
				return err
			}
			p = cr.parts[cr.byUser[u.ID]]
		}
		if p == nil {
			return notFound("not_found", "Participant not found")
		}
		u := s.st.users[p.UserID]
		s.st.removeParticipant(cr, p)
		s.st.emitConversation("conversation:leave", cr, u, nil)
		return c.json(http.StatusOK, map[string]any{})
	})
}

func (s *Server) listParticipants(c *call) error {
	p, err := parsePage(c.r.URL.Query(), 0)
	if err != nil {
		return err
	}
	return locked(s, c, s.convOr404, func(cr *convRec) error {
		return listed(c, "participants", cr.participants, p, false, func(id string) Participant { return *cr.parts[id] })
	})
}

// Conversation returns a copy of the conversation.
func (s *Server) Conversation(id string) (Conversation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cr, ok := s.st.convs[id]; ok {
		return cr.c.clone(), true
	}
	return Conversation{}, false
}

// Participants returns copies of a conversation's participants, in the
// order they joined.
func (s *Server) Participants(conversationID string) []Participant {
	return ofConv(s, conversationID, func(cr *convRec) []Participant {
		return entries(cr.participants.ids, func(id string) Participant { return *cr.parts[id] })
	})
}

// ofConv is fn of the conversation under s.mu, nil for an unknown one.
func ofConv[T any](s *Server, conversationID string, fn func(cr *convRec) []T) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	cr, ok := s.st.convs[conversationID]
	if !ok {
		return nil
	}
	return fn(cr)
}
