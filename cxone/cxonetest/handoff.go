package cxonetest

import (
	"fmt"
	"slices"
)

// Handoffs: how an agent passes a digital contact on without ending the
// interaction ([Contact].Handoff).
const (
	// HandoffTransfer: the agent transferred it to another agent or skill
	// ([Server.Transfer]).
	HandoffTransfer = "Transfer"
	// HandoffUnassign: the agent unassigned it, and it went back to its
	// skill's queue ([Server.Unassign]).
	HandoffUnassign = "Unassign"
)

// TransferTarget is where [Server.Transfer] sends a digital contact: an
// agent (AgentID, who takes it at once, on the same skill unless SkillID
// says otherwise) or a skill's queue (SkillID alone).
type TransferTarget struct {
	AgentID int64
	SkillID int64
}

// Transfer passes an active digital contact from its agent to another
// agent or skill, as the agent application's Transfer does; CXone's
// Studio runs the script's OnAssignment branch again when the next agent
// gets it, with IsTransfer true for an agent-to-agent transfer
// (https://help.nice-incontact.com/content/studio/actionscx/onassignmentchanged_digital/onassignmentchanged_digital.htm).
//
// The fake models the handoff as the end of the contact's segment (see
// the package's unconfirmed facts): the contact closes with its agent's
// data (agent, disposition, notes, tags, transcript so far), its endReason
// naming the transfer, and reaches the Reporting API after the warehousing
// delay; a new contact, with a new contact id and the same
// masterContactId, continues the interaction (its custom data and
// transcript carried over), delivered to the target agent or queued at the
// target skill. It returns the new contact's id. Voice contacts are
// refused ([ErrState]): the fake models voice transfers not at all.
func (s *Server) Transfer(contactID int64, to TransferTarget) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if to.AgentID == 0 && to.SkillID == 0 {
		return 0, fmt.Errorf("cxonetest: a transfer needs a target agent or skill")
	}
	return s.handoff(contactID, HandoffTransfer, to)
}

// Unassign takes an active digital contact from its agent without ending
// the interaction: it goes back to its skill's queue, for [Server.Deliver]
// to give to another agent (Studio's OnUnassignment, "unassigned from a
// live agent but the interaction hasn't ended yet":
// https://help.nice-incontact.com/content/studio/actionscx/onunassignmentchanged_digital/onunassignmentchanged_digital.htm).
// As [Server.Transfer], it ends the contact's segment (endReason naming
// the unassignment) and returns the new contact that continues the
// interaction, queued.
func (s *Server) Unassign(contactID int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handoff(contactID, HandoffUnassign, TransferTarget{})
}

func (s *Server) handoff(contactID int64, kind string, to TransferTarget) (int64, error) {
	c, ok := s.contacts[contactID]
	if !ok {
		return 0, fmt.Errorf("%w: contact %d", ErrNotFound, contactID)
	}
	switch {
	case c.Phase != PhaseActive:
		return 0, fmt.Errorf("%w: contact %d is %s, not active", ErrState, c.ID, c.Phase)
	case !c.Media.Digital:
		return 0, fmt.Errorf("%w: contact %d is a voice contact; the fake transfers and unassigns digital contacts only", ErrState, c.ID)
	}
	skillID := c.SkillID
	if to.SkillID != 0 {
		skillID = to.SkillID
	}
	sk, ok := s.skills[skillID]
	if !ok {
		return 0, fmt.Errorf("%w: skill %d", ErrNotFound, skillID)
	}
	if !sk.Media.Digital {
		return 0, fmt.Errorf("%w: skill %d is a voice skill; a digital contact goes to a digital skill", ErrState, sk.ID)
	}
	var target *agentRec
	if to.AgentID != 0 {
		if target, ok = s.agents[to.AgentID]; !ok {
			return 0, fmt.Errorf("%w: agent %d", ErrNotFound, to.AgentID)
		}
		if target.ID == c.AgentID {
			return 0, fmt.Errorf("%w: contact %d is already agent %d's", ErrState, c.ID, target.ID)
		}
		if err := agentFree(target); err != nil {
			return 0, err
		}
	}
	now := s.now()
	next := &Contact{
		ID: s.id("contact", 0), MasterID: handoffMasterID(c), SkillID: sk.ID, Media: sk.Media,
		From: c.From, To: c.To, CustomerName: c.CustomerName, Outbound: c.Outbound,
		Phase: PhaseQueued, Start: now, CustomData: slices.Clone(c.CustomData), Transcript: slices.Clone(c.Transcript),
	}
	next.history = append(next.history, stateEntry{state: stateInQueue, at: now})
	c.Handoff, c.NextID, c.Ended = kind, next.ID, now
	s.close(c, s.agents[c.AgentID])
	s.contacts[next.ID] = next
	s.active = append(s.active, next.ID) // ids grow: stays sorted
	if target != nil {
		s.deliver(next, target)
	}
	return next.ID, nil
}
