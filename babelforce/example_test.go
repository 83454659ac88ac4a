package babelforce_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/babelforce/babelforcetest"
)

// A client logs in with the password grant; here against the in-memory
// fake instead of https://{env}.babelforce.com.
func ExampleNewClient() {
	srv := babelforcetest.NewServer()
	defer srv.Close()

	c, err := babelforce.NewClient(
		babelforce.WithBaseURL(srv.URL), // or babelforce.WithEnvironment("acme")
		babelforce.WithPassword(srv.Username, srv.Password),
	)
	if err != nil {
		log.Fatal(err)
	}
	presences, err := c.Presences.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range presences {
		fmt.Printf("%s green=%v\n", p.Name, p.Available)
	}
	// Output:
	// available green=true
	// busy green=false
}

// The status flow's step: the babelforce agent whose sourceId is the
// Zendesk user id goes available when the Zendesk agent goes online.
func ExampleAgentsService_SetPresence() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL), babelforce.WithPassword(srv.Username, srv.Password))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	agent, err := c.Agents.FindBySourceID(ctx, "10011")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(agent.Name, "is", agent.Presence.Name)
	st, err := c.Agents.SetPresence(ctx, agent.ID, babelforce.AvailablePresence)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(agent.Name, "is", st.Presence.Name, "and can take calls:", st.Available)

	_, err = c.Agents.FindBySourceID(ctx, "99999")
	fmt.Println("unknown Zendesk agent:", errors.Is(err, deskbridge.ErrNotFound))
	// Output:
	// Ann is busy
	// Ann is available and can take calls: true
	// unknown Zendesk agent: true
}

// List walks every page; ListPage returns one page and where to resume.
func ExampleAgentsService_List() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	for _, name := range []string{"Ann", "Bob", "Cem", "Dee", "Eva"} {
		srv.AddAgent(babelforcetest.Agent{Name: name})
	}
	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL), babelforce.WithPassword(srv.Username, srv.Password))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var names []string
	for a, err := range c.Agents.List(ctx, &babelforce.AgentListOptions{Max: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		names = append(names, a.Name)
	}
	fmt.Println(strings.Join(names, " "))

	// One page at a time: Next is the page after it, in decimal, for
	// AgentListOptions.Page.
	opts := &babelforce.AgentListOptions{Max: 2}
	for {
		page, err := c.Agents.ListPage(ctx, opts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("page %d: %d of %d agents, next %q\n", max(opts.Page, 1), len(page.Items), page.Total, page.Next)
		if page.Next == "" {
			break
		}
		if opts.Page, err = strconv.Atoi(page.Next); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// Ann Bob Cem Dee Eva
	// page 1: 2 of 5 agents, next "2"
	// page 2: 2 of 5 agents, next "3"
	// page 3: 1 of 5 agents, next ""
}

// babelforce has one green presence; every other is red.
func ExamplePresencesService_Create() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL), babelforce.WithPassword(srv.Username, srv.Password))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.Presences.Create(ctx, &babelforce.PresenceCreate{Label: "In a meeting"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s (%s) green=%v\n", p.Name, p.Label, p.Available)

	_, err = c.Presences.Create(ctx, &babelforce.PresenceCreate{Label: "Online", Available: true})
	fmt.Println(errors.Is(err, babelforce.ErrGreenPresence), errors.Is(err, deskbridge.ErrInvalid))
	// Output:
	// in_a_meeting (In a meeting) green=false
	// true true
}

// The setup of babelforce's status-sync article: Zendesk calls
// babelforce's webhook endpoint with its agent event; babelforce runs the
// template and answers with a task.
func ExampleTasksService_TriggerZendeskWebhook() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	ann := srv.AddAgent(babelforcetest.Agent{Name: "Ann", SourceID: "10011"})
	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL),
		babelforce.WithPassword(srv.Username, srv.Password, babelforce.WithNonExpiringToken()))
	if err != nil {
		log.Fatal(err)
	}
	event := []byte(`{"type":"zen:event-type:agent.state_changed","detail":{"agent_id":"10011"},` +
		`"event":{"channel":"support","previous_state":"offline","new_state":"online"}}`)
	task, err := c.Tasks.TriggerZendeskWebhook(context.Background(), babelforce.StatusSyncTemplate, event)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Type, task.State)
	fmt.Println("Ann is now", srv.Presence(ann.ID))
	// Output:
	// webhook.zendesk.agent_status Scheduled
	// Ann is now available
}

// babelforce's status-sync article stores the Zendesk credential in the
// vault, where its template reads it; the API lists keys, never values.
func ExampleSecretsService_Store() {
	srv := babelforcetest.NewServer()
	defer srv.Close()
	c, err := babelforce.NewClient(babelforce.WithBaseURL(srv.URL), babelforce.WithPassword(srv.Username, srv.Password))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Secrets.Store(ctx, "zendesk", map[string]string{"webhook": "Basic dXNlcjpwYXNz"}); err != nil {
		log.Fatal(err)
	}
	keys, err := c.Secrets.Keys(ctx, "zendesk")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(keys, babelforce.SecretRef("zendesk", "webhook"))
	// Output: [webhook] {{secret.zendesk.webhook}}
}
