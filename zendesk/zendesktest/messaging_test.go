package zendesktest_test

import (
	"testing"

	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

func TestOpenMessagingTicket(t *testing.T) {
	s := zendesktest.NewServer()
	defer s.Close()
	group := s.AddGroup("Support")
	agent := s.AddAgent("Ann", "ann@example.com")
	tk, err := s.OpenMessagingTicket(zendesktest.MessagingTicket{
		RequesterName: "Jeanne Martin", RequesterEmail: "jeanne@example.org",
		Subject: "Conversation with Jeanne Martin", Description: "Jeanne Martin: Bonjour",
		GroupID: group, Priority: "high", Tags: []string{"dydu"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tk.GroupID == nil || *tk.GroupID != group || tk.Via.Channel != "native_messaging" || !tk.FromMessagingChan ||
		tk.Priority == nil || *tk.Priority != "high" || len(tk.Tags) != 1 || tk.Description != "Jeanne Martin: Bonjour" {
		t.Errorf("ticket %+v", tk)
	}
	req, ok := s.User(tk.RequesterID)
	if !ok || req.Name != "Jeanne Martin" {
		t.Errorf("requester %+v", req)
	}
	if err := s.AddMessagingComment(tk.ID, 0, "Jeanne Martin: still there?"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMessagingComment(tk.ID, agent, "Ann: yes"); err != nil {
		t.Fatal(err)
	}
	cs := s.Comments(tk.ID)
	if len(cs) != 3 || cs[1].AuthorID != tk.RequesterID || cs[2].AuthorID != agent || !cs[2].Public {
		t.Errorf("comments %+v", cs)
	}
	if _, err := s.OpenMessagingTicket(zendesktest.MessagingTicket{RequesterName: "x", Description: "y", GroupID: 999999}); err == nil {
		t.Error("an unknown group was taken")
	}
	if err := s.AddMessagingComment(123456, 0, "x"); err == nil {
		t.Error("a comment on no ticket was taken")
	}
	// A change refused by the helper's own check or by the ticket update
	// leaves the ticket as it was and the fake usable (the lock released).
	if err := s.AddMessagingComment(tk.ID, 987654, "x"); err == nil {
		t.Error("a comment by no user was taken")
	}
	if err := s.AgentReply(tk.ID, tk.RequesterID, "x", true); err == nil {
		t.Error("a reply by an end user was taken as an agent's")
	}
	if got := len(s.Comments(tk.ID)); got != 3 {
		t.Errorf("refused changes left %d comments, want 3", got)
	}
}
