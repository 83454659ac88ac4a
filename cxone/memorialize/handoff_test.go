package memorialize

import (
	"testing"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
	"github.com/deskbridge/deskbridge/flow"
)

// bob logs in a second chat agent.
func (e *env) bob() int64 {
	e.t.Helper()
	id := e.cx.AddAgent(cxonetest.Agent{FirstName: "Bob", LastName: "Roy", SkillIDs: []int64{e.chat}}).ID
	if _, err := e.cx.LogIn(id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// chatWithAnn starts a chat from a visitor no workflow finds (the Create
// Ticket workflow opens its ticket) and delivers it to Ann.
func (e *env) chatWithAnn() int64 {
	e.t.Helper()
	id, err := e.cx.StartContact(cxonetest.NewContact{SkillID: e.chat, From: "visitor@example.com", CustomerName: "Bo Ng"})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.cx.Deliver(id, e.ann); err != nil {
		e.t.Fatal(err)
	}
	if err := e.cx.AddMessage(id, cxonetest.Message{Participant: cxonetest.ParticipantCustomer, Text: "Where is my parcel?"}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// The seed: a digital contact is memorialized "when the agent transfers the
// interaction, or unassigns and dismisses it". The transferring agent's
// data lands at the transfer, before the interaction ends, and the
// continuation (a new contact id, the same master contact id) writes into
// the same ticket rather than creating a second one.
func TestDigitalTransferWritesTheAgentsDataAtTheTransfer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.bob()
	first := e.chatWithAnn()
	if err := e.cx.Disposition(first, e.resolved, ""); err != nil {
		t.Fatal(err)
	}
	next, err := e.cx.Transfer(first, cxonetest.TransferTarget{AgentID: bob})
	if err != nil {
		t.Fatal(err)
	}
	e.warehouse()
	e.poll()
	rs := e.resultsFor(first)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || !rs[0].HandedOff || len(rs[0].Records) == 0 {
		t.Fatalf("the transferred segment: %v", rs)
	}
	ticket := rs[0].Records[len(rs[0].Records)-1].ID
	if got := e.field(ticket, "CXone agent"); got != "Ann Lee" {
		t.Errorf("at the transfer, agent = %q, want Ann's", got)
	}
	if got := e.field(ticket, "CXone disposition"); got != "Resolved" {
		t.Errorf("at the transfer, disposition = %q: a transfer is the agent's, not the contact's, end", got)
	}
	if got := e.field(ticket, "CXone transcript"); got == "" {
		t.Error("no transcript at the transfer")
	}
	tickets := len(e.zd.Tickets())

	if err := e.cx.EndContact(next, false); err != nil {
		t.Fatal(err)
	}
	e.warehouse()
	e.poll()
	rs = e.resultsFor(next)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || rs[0].HandedOff {
		t.Fatalf("the continuation: %v", rs)
	}
	if id := rs[0].Records[len(rs[0].Records)-1].ID; id != ticket {
		t.Errorf("the continuation wrote ticket %d, the transfer ticket %d", id, ticket)
	}
	if n := len(e.zd.Tickets()); n != tickets {
		t.Errorf("%d tickets after the continuation, %d before: a second ticket for one interaction", n, tickets)
	}
	if got := e.field(ticket, "CXone agent"); got != "Bob Roy" {
		t.Errorf("at the end, agent = %q, want Bob's", got)
	}
}

func TestDigitalUnassignWritesTheAgentsDataAtTheUnassignment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bob := e.bob()
	first := e.chatWithAnn()
	next, err := e.cx.Unassign(first)
	if err != nil {
		t.Fatal(err)
	}
	e.warehouse()
	e.poll()
	rs := e.resultsFor(first)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || !rs[0].HandedOff {
		t.Fatalf("the unassigned segment: %v", rs)
	}
	ticket := rs[0].Records[len(rs[0].Records)-1].ID
	if got := e.field(ticket, "CXone agent"); got != "Ann Lee" {
		t.Errorf("at the unassignment, agent = %q", got)
	}
	if err := e.cx.Deliver(next, bob); err != nil {
		t.Fatal(err)
	}
	if err := e.cx.EndContact(next, true); err != nil {
		t.Fatal(err)
	}
	e.warehouse()
	e.poll()
	rs = e.resultsFor(next)
	if len(rs) != 1 || rs[0].Outcome != flow.Applied || rs[0].Records[len(rs[0].Records)-1].ID != ticket {
		t.Fatalf("the continuation: %v", rs)
	}
	if got := e.field(ticket, "CXone agent"); got != "Bob Roy" {
		t.Errorf("at the end, agent = %q", got)
	}
}
