package conversationstest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// post sends a JSON body to the fake with the app key, as any client would.
func post(s *conversationstest.Server, path string, body any) map[string]any {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL+"/v2/apps/"+s.AppID+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(s.KeyID, s.Secret)
	resp, err := s.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// A bot hands a conversation to a Zendesk agent: the ticket opens in the
// Zendesk fake with the group the metadata names, the agent answers and
// solves it.
func Example() {
	zd := zendesktest.NewServer()
	defer zd.Close()
	group := zd.AddGroup("Support")
	fake := conversationstest.NewServer(conversationstest.WithZendesk(zd))
	defer fake.Close()
	// The bot answers first; the agent workspace only when handed over
	// (were it the default, the user's first message would open the
	// ticket before the metadata could set its group).
	bot, _ := fake.AddSwitchboardIntegration(conversationstest.SwitchboardIntegration{Name: "bot", IntegrationType: "bot"})
	fake.SetSwitchboardDefault(bot.ID)

	user := post(fake, "/users", map[string]any{"externalId": "chat-1", "profile": map[string]any{"givenName": "Jeanne"}})["user"].(map[string]any)
	conv := post(fake, "/conversations", map[string]any{"type": "personal",
		"participants": []any{map[string]any{"userId": user["id"]}}})["conversation"].(map[string]any)
	convID := conv["id"].(string)
	msg := post(fake, "/conversations/"+convID+"/messages", map[string]any{
		"author":  map[string]any{"type": "user", "userId": user["id"]},
		"content": map[string]any{"type": "text", "text": "I need a human"}})["messages"].([]any)[0].(map[string]any)
	post(fake, "/conversations/"+convID+"/passControl", map[string]any{
		"switchboardIntegration": "zd-agentWorkspace",
		"metadata":               map[string]any{"first_message_id": msg["id"], "dataCapture.systemField.group_id": fmt.Sprint(group)}})

	ticketID, _ := fake.AgentTicket(convID)
	ticket, _ := zd.Ticket(ticketID)
	fmt.Println(ticket.Subject, *ticket.GroupID == group)

	reply, _ := fake.AgentReply(convID, conversationstest.Agent{Name: "Ann"}, "Hello Jeanne, how can I help?")
	fmt.Println(reply.Author.Type, reply.Author.DisplayName, reply.Content.Text)
	fake.SolveTicket(convID)
	ticket, _ = zd.Ticket(ticketID)
	h, _ := fake.HandOff(convID)
	fmt.Println(ticket.Status, h.Solved)
	// Output:
	// Conversation with Jeanne true
	// business Ann Hello Jeanne, how can I help?
	// solved true
}
