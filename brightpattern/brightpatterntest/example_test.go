package brightpatterntest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/brightpattern/brightpatterntest"
)

// A call arrives for agent ann; the scenario calls a deskbridge endpoint
// with a shared secret and gets a ticket id back as a variable.
func Example() {
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer shared-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var vars map[string]string
		_ = json.NewDecoder(r.Body).Decode(&vars)
		_ = json.NewEncoder(w).Encode(map[string]any{"ticket_id": 4711, "caller": vars["item.ANI"]})
	}))
	defer endpoint.Close()

	bp := brightpatterntest.NewServer(
		brightpatterntest.WithScenario(brightpatterntest.ScenarioCall(endpoint.URL, "shared-secret")),
	)
	defer bp.Close()
	_ = bp.AddUser(brightpatterntest.User{LoginID: "ann", Email: "ann@example.com", Roles: []string{"Agent"}})

	run, err := bp.Arrive(context.Background(), brightpatterntest.Interaction{
		ANI: "+14155550100", DNIS: "+18005550199", Agent: "ann",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(run.Exit, run.Delivered)
	fmt.Println(run.Variables["ticket_id"], run.Variables["caller"], run.Variables["fetchURLResultCode"])
	// Output:
	// Next true
	// 4711 +14155550100 200
}

// A web chat: the client starts it through the chat API, the scenario
// runs, and the agent joins and answers.
func ExampleServer_AgentSay() {
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ticket_id":"12"}`)
	}))
	defer endpoint.Close()
	bp := brightpatterntest.NewServer(brightpatterntest.WithScenario(brightpatterntest.ScenarioCall(endpoint.URL, "s")))
	defer bp.Close()
	_ = bp.AddUser(brightpatterntest.User{LoginID: "ann", FirstName: "Ann"})

	req, _ := http.NewRequest("POST", bp.URL+"/clientweb/api/v1/chats", nil)
	req.Header.Set("Authorization", `MOBILE-API-140-327-PLAIN appId="`+bp.AppID+`", clientId="device-1"`)
	resp, err := bp.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var started struct {
		ChatID string `json:"chat_id"`
		State  string `json:"state"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()

	run, _ := bp.Arrive(context.Background(), brightpatterntest.Interaction{
		Kind: brightpatterntest.KindChat, ChatID: started.ChatID, Agent: "ann",
	})
	_ = bp.AgentSay(started.ChatID, "Hello, this is Ann")
	c, _ := bp.Chat(started.ChatID)
	fmt.Println(started.State, run.Variables["ticket_id"], c.State, c.Messages[0].Text)
	// Output: queued 12 connected Hello, this is Ann
}
