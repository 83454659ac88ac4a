package conversationstest

import (
	"net/http"
	"regexp"
	"slices"
)

// switchboardOr404 finds the switchboard the path names. Callers hold s.mu.
func (s *Server) switchboardOr404(c *call) (*Switchboard, error) {
	if sb := s.st.switchboard; sb != nil && sb.ID == c.r.PathValue("switchboardId") {
		return sb, nil
	}
	return nil, notFound("switchboard_not_found", "Switchboard not found")
}

func (s *Server) listSwitchboards(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []Switchboard{}
	if s.st.switchboard != nil {
		list = append(list, *s.st.switchboard)
	}
	return c.json(http.StatusOK, map[string]any{"switchboards": list})
}

func (s *Server) createSwitchboard(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.switchboard != nil {
		return switchboardExists()
	}
	s.st.switchboard = &Switchboard{ID: s.st.newID(), Enabled: false}
	return c.json(http.StatusCreated, map[string]any{"switchboard": *s.st.switchboard})
}

type switchboardInput struct {
	Enabled                         *bool   `json:"enabled"`
	DefaultSwitchboardIntegrationID *string `json:"defaultSwitchboardIntegrationId"`
}

func (s *Server) updateSwitchboard(c *call, in *switchboardInput) error {
	return locked(s, c, s.switchboardOr404, func(sb *Switchboard) error {
		if in.DefaultSwitchboardIntegrationID != nil {
			if _, ok := s.st.sbi[*in.DefaultSwitchboardIntegrationID]; !ok && *in.DefaultSwitchboardIntegrationID != "" {
				return notFound("switchboard_integration_not_found", "Switchboard integration not found")
			}
			sb.DefaultSwitchboardIntegrationID = *in.DefaultSwitchboardIntegrationID
		}
		if in.Enabled != nil {
			sb.Enabled = *in.Enabled
		}
		return c.json(http.StatusOK, map[string]any{"switchboard": *sb})
	})
}

func (s *Server) deleteSwitchboard(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.switchboardOr404(c); err != nil {
		return err
	}
	s.st.switchboard = nil
	s.st.sbis = newOrdered()
	s.st.sbi = map[string]*SwitchboardIntegration{}
	return c.json(http.StatusOK, map[string]any{})
}

func (s *Server) listSwitchboardIntegrations(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.switchboardOr404(c); err != nil {
		return err
	}
	list := s.st.switchboardIntegrations()
	return c.json(http.StatusOK, map[string]any{"switchboardIntegrations": list})
}

type switchboardIntegrationInput struct {
	Name                         *string `json:"name"`
	IntegrationID                *string `json:"integrationId"`
	IntegrationType              *string `json:"integrationType"`
	DeliverStandbyEvents         *bool   `json:"deliverStandbyEvents"`
	NextSwitchboardIntegrationID *string `json:"nextSwitchboardIntegrationId"`
	MessageHistoryCount          *int    `json:"messageHistoryCount"`
}

var switchboardName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// apply checks in and sets it on si. Callers hold s.mu.
func (st *state) applySwitchboardIntegration(si *SwitchboardIntegration, in *switchboardIntegrationInput) error {
	if in.Name != nil {
		if !switchboardName.MatchString(*in.Name) {
			return badRequest("name must be 1 to 128 letters, digits, '-' or '_'")
		}
		for _, id := range st.sbis.ids {
			if other := st.sbi[id]; other.ID != si.ID && other.Name == *in.Name {
				return badRequest("a switchboard integration named %q already exists", *in.Name)
			}
		}
		si.Name = *in.Name
	}
	if in.IntegrationID != nil && in.IntegrationType != nil {
		return badRequest("give integrationId or integrationType, not both")
	}
	if in.IntegrationID != nil {
		ir, ok := st.ints[*in.IntegrationID]
		if !ok {
			return notFound("integration_not_found", "Integration not found")
		}
		si.IntegrationID, si.IntegrationType = ir.in.ID, ir.in.Type
	}
	if in.IntegrationType != nil {
		si.IntegrationID, si.IntegrationType = "", *in.IntegrationType
	}
	if in.DeliverStandbyEvents != nil {
		si.DeliverStandbyEvents = *in.DeliverStandbyEvents
	}
	if in.NextSwitchboardIntegrationID != nil {
		if _, ok := st.sbi[*in.NextSwitchboardIntegrationID]; !ok && *in.NextSwitchboardIntegrationID != "" {
			return notFound("switchboard_integration_not_found", "Switchboard integration not found")
		}
		si.NextSwitchboardIntegrationID = *in.NextSwitchboardIntegrationID
	}
	if in.MessageHistoryCount != nil {
		if *in.MessageHistoryCount < 1 || *in.MessageHistoryCount > 10 {
			return badRequest("messageHistoryCount must be from 1 to 10")
		}
		si.MessageHistoryCount = *in.MessageHistoryCount
	}
	return nil
}

func (s *Server) createSwitchboardIntegration(c *call, in *switchboardIntegrationInput) error {
	if in.Name == nil {
		return badRequest("should have required property 'name'")
	}
	if in.IntegrationID == nil && in.IntegrationType == nil {
		return badRequest("should have required property 'integrationId' or 'integrationType'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.switchboardOr404(c); err != nil {
		return err
	}
	if s.st.sbis.len() >= MaxSwitchboardIntegrations {
		return &apiError{http.StatusBadRequest, "too_many_switchboard_integrations", "Switchboard has reached the max number of switchboard integrations (10)"}
	}
	si := &SwitchboardIntegration{ID: s.st.newID()}
	if err := s.st.applySwitchboardIntegration(si, in); err != nil {
		return err
	}
	s.st.sbis.add(si.ID)
	s.st.sbi[si.ID] = si
	return c.json(http.StatusCreated, map[string]any{"switchboardIntegration": *si})
}

func (s *Server) switchboardIntegrationOr404(c *call) (*SwitchboardIntegration, error) {
	if _, err := s.switchboardOr404(c); err != nil {
		return nil, err
	}
	if si, ok := s.st.sbi[c.r.PathValue("switchboardIntegrationId")]; ok {
		return si, nil
	}
	return nil, notFound("switchboard_integration_not_found", "Switchboard integration not found")
}

func (s *Server) updateSwitchboardIntegration(c *call, in *switchboardIntegrationInput) error {
	return locked(s, c, s.switchboardIntegrationOr404, func(si *SwitchboardIntegration) error {
		next := *si
		if err := s.st.applySwitchboardIntegration(&next, in); err != nil {
			return err
		}
		*si = next
		return c.json(http.StatusOK, map[string]any{"switchboardIntegration": *si})
	})
}

func (s *Server) deleteSwitchboardIntegration(c *call) error {
	return locked(s, c, s.switchboardIntegrationOr404, func(si *SwitchboardIntegration) error {
		s.st.sbis.remove(si.ID)
		delete(s.st.sbi, si.ID)
		if s.st.switchboard.DefaultSwitchboardIntegrationID == si.ID {
			s.st.switchboard.DefaultSwitchboardIntegrationID = ""
		}
		return c.json(http.StatusOK, map[string]any{})
	})
}

// --- switchboard actions ---

type controlInput struct {
	SwitchboardIntegration *string        `json:"switchboardIntegration"`
	Metadata               map[string]any `json:"metadata"`
	Reason                 *string        `json:"reason"`
}

// resolveTarget finds the switchboard integration a control action names:
// by id, then name, then integrationType (two of that type are
// ambiguous), or "next": the next integration of the caller (of the active
// one for an app key). Callers hold s.mu.
func (st *state) resolveTarget(ref string, cr *convRec, who principal) (*SwitchboardIntegration, error) {
	if ref == "next" {
		from := st.switchboardIntegrationFor(who.integrationID)
		if from == nil && cr.c.ActiveSwitchboardIntegration != nil {
			from = st.sbi[cr.c.ActiveSwitchboardIntegration.ID]
		}
		if from == nil || from.NextSwitchboardIntegrationID == "" {
			return nil, badRequest("switchboardIntegration \"next\": the caller has no nextSwitchboardIntegrationId")
		}
		if si, ok := st.sbi[from.NextSwitchboardIntegrationID]; ok {
			return si, nil
		}
		return nil, notFound("switchboard_integration_not_found", "Switchboard integration not found")
	}
	if si, ok := st.sbi[ref]; ok {
		return si, nil
	}
	var byType []*SwitchboardIntegration
	for _, id := range st.sbis.ids {
		si := st.sbi[id]
		if si.Name == ref {
			return si, nil
		}
		if si.IntegrationType == ref {
			byType = append(byType, si)
		}
	}
	switch len(byType) {
	case 1:
		return byType[0], nil
	case 0:
		return nil, notFound("switchboard_integration_not_found", "Switchboard integration not found")
	}
	return nil, badRequest("switchboardIntegration %q matches %d switchboard integrations of that type; use an id or a name", ref, len(byType))
}

// decodeControl reads a control action's body; the target is required for
// pass and offer.
func (c *call) decodeControl(needTarget bool) (controlInput, error) {
	var in controlInput
	if err := c.decode(&in, !needTarget); err != nil {
		return in, err
	}
	if needTarget && (in.SwitchboardIntegration == nil || *in.SwitchboardIntegration == "") {
		return in, badRequest("should have required property 'switchboardIntegration'")
	}
	if in.Metadata != nil {
		if err := checkMetadata("metadata", in.Metadata); err != nil {
			return in, err
		}
	}
	return in, nil
}

func idOf(r *SwitchboardRef) string {
	if r == nil {
		return ""
	}
	return r.ID
}

func (s *Server) passControl(c *call) error {
	in, err := c.decodeControl(true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	cr, err := s.convOr404(c)
	if err == nil {
		var si *SwitchboardIntegration
		if si, err = s.st.resolveTarget(*in.SwitchboardIntegration, cr, c.who); err == nil {
			s.st.pass(cr, si, in.Metadata, "")
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.flush()
	s.afterControl(cr.c.ID, in.Metadata)
	return c.json(http.StatusOK, map[string]any{})
}

// pass makes si active on cr (every other integration standby) and emits
// switchboard:passControl. Callers hold s.mu.
func (st *state) pass(cr *convRec, si *SwitchboardIntegration, metadata map[string]any, reason string) {
	from := idOf(cr.c.ActiveSwitchboardIntegration)
	cr.c.ActiveSwitchboardIntegration = si.ref()
	cr.c.PendingSwitchboardIntegration = nil
	st.emitSwitchboard("switchboard:passControl", cr, metadata, reason, from, si.ID)
}

func (s *Server) offerControl(c *call) error {
	in, err := c.decodeControl(true)
	if err != nil {
		return err
	}
	return lockedFlush(s, c, s.convOr404, func(cr *convRec) error {
		si, err := s.st.resolveTarget(*in.SwitchboardIntegration, cr, c.who)
		if err != nil {
			return err
		}
		cr.c.PendingSwitchboardIntegration = si.ref()
		s.st.emitSwitchboard("switchboard:offerControl", cr, in.Metadata, "", si.ID)
		return c.json(http.StatusOK, map[string]any{})
	})
}

func (s *Server) acceptControl(c *call) error {
	in, err := c.decodeControl(false)
	if err != nil {
		return err
	}
	s.mu.Lock()
	cr, err := s.convOr404(c)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	pending := cr.c.PendingSwitchboardIntegration
	if c.who.integration() {
		mine := s.st.switchboardIntegrationFor(c.who.integrationID)
		if pending == nil || mine == nil || mine.ID != pending.ID {
			s.mu.Unlock()
			return forbidden("Only the pending switchboard integration can accept control")
		}
	}
	if pending == nil {
		err = s.st.acceptWithoutPending(cr, in.Metadata)
		s.mu.Unlock()
		s.flush()
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, map[string]any{})
	}
	from := idOf(cr.c.ActiveSwitchboardIntegration)
	cr.c.ActiveSwitchboardIntegration, cr.c.PendingSwitchboardIntegration = pending, nil
	s.st.emitSwitchboard("switchboard:acceptControl", cr, in.Metadata, "", from, pending.ID)
	s.mu.Unlock()
	s.flush()
	s.afterControl(cr.c.ID, in.Metadata)
	return c.json(http.StatusOK, map[string]any{})
}

func (s *Server) releaseControl(c *call) error {
	in, err := c.decodeControl(false)
	if err != nil {
		return err
	}
	return lockedFlush(s, c, s.convOr404, func(cr *convRec) error {
		if c.who.integration() {
			mine := s.st.switchboardIntegrationFor(c.who.integrationID)
			if mine == nil || cr.c.ActiveSwitchboardIntegration == nil || cr.c.ActiveSwitchboardIntegration.ID != mine.ID {
				return forbidden("Only the active switchboard integration can release control")
			}
		}
		reason := ""
		if in.Reason != nil {
			reason = *in.Reason
		}
		s.st.release(cr, in.Metadata, reason)
		return c.json(http.StatusOK, map[string]any{})
	})
}

// release clears cr's switchboard state and emits
// switchboard:releaseControl. Callers hold s.mu.
func (st *state) release(cr *convRec, metadata map[string]any, reason string) {
	involved := []string{idOf(cr.c.ActiveSwitchboardIntegration), idOf(cr.c.PendingSwitchboardIntegration)}
	cr.c.ActiveSwitchboardIntegration, cr.c.PendingSwitchboardIntegration = nil, nil
	st.emitSwitchboard("switchboard:releaseControl", cr, metadata, reason, slices.DeleteFunc(involved, func(s string) bool { return s == "" })...)
}

// Switchboard returns a copy of the app's switchboard and its
// integrations, in the order they were made.
func (s *Server) Switchboard() (Switchboard, []SwitchboardIntegration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sb Switchboard
	if s.st.switchboard != nil {
		sb = *s.st.switchboard
	}
	list := s.st.switchboardIntegrations()
	return sb, list
}

// AgentWorkspaceID returns the id of the agent workspace's switchboard
// integration ("" once it is deleted).
func (s *Server) AgentWorkspaceID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if aw := s.st.agentWorkspace(); aw != nil {
		return aw.ID
	}
	return ""
}

// SetSwitchboardDefault makes a switchboard integration the switchboard's
// default: the one new conversations start with (a bot in front of the
// agents, say).
func (s *Server) SetSwitchboardDefault(switchboardIntegrationID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.switchboard == nil {
		return errorf("the app has no switchboard")
	}
	if _, ok := s.st.sbi[switchboardIntegrationID]; !ok {
		return errorf("no switchboard integration %s", switchboardIntegrationID)
	}
	s.st.switchboard.DefaultSwitchboardIntegrationID = switchboardIntegrationID
	return nil
}

// switchboardIntegrations are copies of the switchboard integrations, in
// the order they were made. Callers hold s.mu.
func (st *state) switchboardIntegrations() []SwitchboardIntegration {
	return entries(st.sbis.ids, func(id string) SwitchboardIntegration { return *st.sbi[id] })
}
