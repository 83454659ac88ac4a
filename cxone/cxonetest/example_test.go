package cxonetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/deskbridge/deskbridge/cxone/cxonetest"
)

// A voice call is delivered, ends into after-call work, gets its
// disposition and closes; it reaches the Reporting API once the
// warehousing delay has passed on the fake's clock.
func Example() {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	srv := cxonetest.NewServer(cxonetest.WithClock(func() time.Time { return now }), cxonetest.WithWarehouseDelay(time.Minute))
	defer srv.Close()

	resolved := srv.AddDisposition(cxonetest.Disposition{Name: "Resolved"})
	billing := srv.AddSkill(cxonetest.Skill{Name: "Billing Voice", ACW: true, DispositionIDs: []int64{resolved.ID}})
	ann := srv.AddAgent(cxonetest.Agent{FirstName: "Ann", LastName: "Lee"})
	_, _ = srv.LogIn(ann.ID)

	id, _ := srv.StartContact(cxonetest.NewContact{SkillID: billing.ID, From: "+33612345678", To: "+33198765432"})
	_ = srv.Deliver(id, ann.ID)
	_ = srv.EndContact(id, false) // the agent hangs up: after-call work
	_ = srv.Disposition(id, resolved.ID, "Refund promised")
	_ = srv.FinishACW(id)

	completed := func() int {
		req, _ := http.NewRequest("GET", srv.URL+"/inContactAPI/services/v33.0/contacts/completed", nil)
		req.Header.Set("Authorization", "Bearer "+srv.IssueToken())
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		var body struct {
			CompletedContacts []struct {
				ContactID        int64  `json:"contactId"`
				DispositionNotes string `json:"dispositionNotes"`
			} `json:"completedContacts"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		for _, c := range body.CompletedContacts {
			fmt.Println(c.ContactID, c.DispositionNotes)
		}
		return resp.StatusCode
	}
	fmt.Println(completed())
	now = now.Add(time.Minute)
	fmt.Println(completed())
	// Output:
	// 204
	// 560001 Refund promised
	// 200
}

// An agent transfers a chat to another agent: the first agent's segment
// closes (and reaches the Reporting API with that agent's data), and a new
// contact with the same master contact id goes on with the second agent.
func ExampleServer_Transfer() {
	srv := cxonetest.NewServer()
	defer srv.Close()
	chat := srv.AddSkill(cxonetest.Skill{Name: "Chat EN", Media: cxonetest.MediaChat})
	ann := srv.AddAgent(cxonetest.Agent{FirstName: "Ann"})
	bob := srv.AddAgent(cxonetest.Agent{FirstName: "Bob"})
	_, _ = srv.LogIn(ann.ID)
	_, _ = srv.LogIn(bob.ID)

	id, _ := srv.StartContact(cxonetest.NewContact{SkillID: chat.ID, From: "visitor@example.com"})
	_ = srv.Deliver(id, ann.ID)
	next, err := srv.Transfer(id, cxonetest.TransferTarget{AgentID: bob.ID})
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := srv.Contact(id)
	second, _ := srv.Contact(next)
	fmt.Println(first.Phase, first.Handoff, first.AgentID == ann.ID)
	fmt.Println(second.Phase, second.MasterID == id, second.AgentID == bob.ID)
	// Output:
	// Closed Transfer true
	// Active true true
}
