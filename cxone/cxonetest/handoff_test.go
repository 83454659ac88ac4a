package cxonetest

import (
	"errors"
	"testing"
	"time"
)

func TestTransferEndsTheSegmentAndContinuesUnderTheMasterID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithWarehouseDelay(time.Minute))
	f := e.fixture()
	s := e.srv
	bob := s.AddAgent(Agent{FirstName: "Bob", LastName: "Roy", SkillIDs: []int64{f.chat.ID}})
	if _, err := s.LogIn(bob.ID); err != nil {
		t.Fatal(err)
	}
	first, err := s.StartContact(NewContact{SkillID: f.chat.ID, From: "bo@example.com", CustomerName: "Bo",
		CustomData: []CustomData{{Name: "zendeskticketid", Value: "42"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Deliver(first, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMessage(first, Message{Participant: ParticipantCustomer, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Disposition(first, f.sold.ID, "passed to billing"); err != nil {
		t.Fatal(err)
	}
	next, err := s.Transfer(first, TransferTarget{AgentID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Contact(first)
	n, _ := s.Contact(next)
	if c.Phase != PhaseClosed || c.Handoff != HandoffTransfer || c.NextID != next || c.AgentID != f.ann.ID {
		t.Fatalf("first segment %+v", c)
	}
	if n.ID == first || n.MasterID != first || n.Phase != PhaseActive || n.AgentID != bob.ID ||
		len(n.CustomData) != 1 || len(n.Transcript) != 1 || n.DispositionID != 0 {
		t.Fatalf("next segment %+v", n)
	}
	// The first segment reaches the Reporting API with Ann's data, while
	// the interaction goes on with Bob.
	e.clock.Advance(time.Minute)
	got := items(t, e.get(v33+"/contacts/completed", 200), "completedContacts")
	if len(got) != 1 || got[0]["contactId"] != float64(first) || got[0]["agentId"] != float64(f.ann.ID) ||
		got[0]["endReason"] != "Transferred" || got[0]["isActive"] != false || got[0]["primaryDispositionId"] != float64(f.sold.ID) {
		t.Fatalf("completed %v", got)
	}
	if err := s.EndContact(next, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	got = items(t, e.get(v33+"/contacts/completed", 200), "completedContacts")
	if len(got) != 2 || got[1]["contactId"] != float64(next) || got[1]["masterContactId"] != float64(first) || got[1]["agentId"] != float64(bob.ID) {
		t.Fatalf("completed %v", got)
	}
}

func TestUnassignQueuesTheContinuation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	s := e.srv
	id, _ := s.StartContact(NewContact{SkillID: f.chat.ID, From: "bo@example.com"})
	if err := s.Deliver(id, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	next, err := s.Unassign(id)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Contact(id)
	n, _ := s.Contact(next)
	if c.Handoff != HandoffUnassign || n.Phase != PhaseQueued || n.SkillID != f.chat.ID || n.MasterID != id {
		t.Fatalf("%+v %+v", c, n)
	}
	// Ann is free again and may take it back.
	if err := s.Deliver(next, f.ann.ID); err != nil {
		t.Fatal(err)
	}
}

func TestHandoffRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	s := e.srv
	voice, _ := s.StartContact(NewContact{SkillID: f.voice.ID})
	if _, err := s.Unassign(voice); !errors.Is(err, ErrState) {
		t.Errorf("queued contact: %v", err)
	}
	if err := s.Deliver(voice, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transfer(voice, TransferTarget{SkillID: f.chat.ID}); !errors.Is(err, ErrState) {
		t.Errorf("voice contact: %v", err)
	}
	if _, err := s.Transfer(voice, TransferTarget{}); err == nil {
		t.Error("a transfer without a target")
	}
	if _, err := s.Unassign(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
	_ = s.EndContact(voice, false)
	_ = s.FinishACW(voice)
	chat, _ := s.StartContact(NewContact{SkillID: f.chat.ID})
	_ = s.Deliver(chat, f.ann.ID)
	for name, to := range map[string]TransferTarget{
		"to a voice skill": {SkillID: f.voice.ID}, "to the same agent": {AgentID: f.ann.ID}, "to an unknown agent": {AgentID: 999},
	} {
		if _, err := s.Transfer(chat, to); err == nil {
			t.Errorf("transfer %s accepted", name)
		}
	}
}

func TestListingInACW(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithWarehouseDelay(time.Minute), WithListingInACW())
	f := e.fixture()
	s := e.srv
	id, _ := s.StartContact(NewContact{SkillID: f.voice.ID, From: "+33612345678"})
	_ = s.Deliver(id, f.ann.ID)
	if err := s.EndContact(id, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	got := items(t, e.get(v33+"/contacts/completed", 200), "completedContacts")
	if len(got) != 1 || got[0]["isActive"] != true || got[0]["stateName"] == "EndContact" || got[0]["primaryDispositionId"] != nil {
		t.Fatalf("in ACW: %v", got)
	}
	if one := e.get(v33+"/contacts/"+itoa(id), 200)["contactId"].(map[string]any); one["isActive"] != true {
		t.Fatalf("one contact in ACW: %v", one)
	}
	_ = s.Disposition(id, f.sold.ID, "")
	_ = s.FinishACW(id)
	e.clock.Advance(time.Minute)
	got = items(t, e.get(v33+"/contacts/completed", 200), "completedContacts")
	if len(got) != 1 || got[0]["isActive"] != false || got[0]["primaryDispositionId"] != float64(f.sold.ID) {
		t.Fatalf("closed: %v", got)
	}
}
