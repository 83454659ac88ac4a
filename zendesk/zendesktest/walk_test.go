package zendesktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// walkRecords is more than one page of the default (and largest) page size.
const walkRecords = 150

// Every cursor list of the client walks the whole list with nil options
// (page size 0). Without page[...] parameters the fake, like Zendesk,
// answers the endpoints that also have offset pagination with offset
// pagination, which has no meta.has_more: a client that left page[size] out
// stopped after the first 100 records.
func TestContractCursorListsWalkEverythingWithNilOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type list struct {
		name string
		// seed adds walkRecords records and returns how many the list
		// holds in all.
		seed func(t *testing.T, fake *zendesktest.Server, zc *zendesk.Client) int
		walk func(zc *zendesk.Client) (int, error)
		// page fetches the first page with nil options.
		page func(zc *zendesk.Client) (n int, more bool, err error)
	}
	lists := []list{
		{
			name: "Groups",
			seed: func(t *testing.T, fake *zendesktest.Server, _ *zendesk.Client) int {
				for i := range walkRecords {
					fake.AddGroup(fmt.Sprintf("g%03d", i))
				}
				return walkRecords
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.Groups.List(ctx, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Groups.ListPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "UserFields",
			seed: func(t *testing.T, fake *zendesktest.Server, _ *zendesk.Client) int {
				for i := range walkRecords {
					if _, err := fake.AddUserField(zendesktest.UserField{Key: fmt.Sprintf("f%03d", i)}); err != nil {
						t.Fatal(err)
					}
				}
				return walkRecords
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.UserFields.List(ctx, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.UserFields.ListPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "Triggers",
			seed: func(t *testing.T, _ *zendesktest.Server, zc *zendesk.Client) int {
				for i := range walkRecords {
					_, err := zc.Triggers.Create(ctx, &zendesk.Trigger{Title: fmt.Sprintf("t%03d", i),
						Conditions: zendesk.Conditions{All: []zendesk.Condition{zendesk.Cond("status", "is", "open")}},
						Actions:    []zendesk.Action{{Field: "priority", Value: json.RawMessage(`"high"`)}}})
					if err != nil {
						t.Fatal(err)
					}
				}
				return walkRecords
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.Triggers.List(ctx, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Triggers.ListPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "TriggerCategories",
			seed: func(t *testing.T, _ *zendesktest.Server, zc *zendesk.Client) int {
				for i := range walkRecords {
					if _, err := zc.TriggerCategories.Create(ctx, &zendesk.TriggerCategory{Name: fmt.Sprintf("c%03d", i)}); err != nil {
						t.Fatal(err)
					}
				}
				return walkRecords
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.TriggerCategories.List(ctx, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.TriggerCategories.ListPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "Comments",
			seed: func(t *testing.T, fake *zendesktest.Server, zc *zendesk.Client) int {
				tk, err := zc.Tickets.Create(ctx, &zendesk.TicketInput{Subject: "long", Comment: zendesk.PublicComment("first")})
				if err != nil || tk.ID != 1 {
					t.Fatal(tk, err)
				}
				agent := fake.AddAgent("Ann Agent", "ann@example.com")
				for i := range walkRecords {
					if err := fake.AgentReply(tk.ID, agent, fmt.Sprint("reply ", i), true); err != nil {
						t.Fatal(err)
					}
				}
				return walkRecords + 1
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.Tickets.Comments(ctx, 1, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Tickets.CommentsPage(ctx, 1, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "Webhooks",
			seed: func(t *testing.T, fake *zendesktest.Server, _ *zendesk.Client) int {
				for i := range walkRecords {
					_, _, err := fake.AddWebhook(zendesktest.Webhook{Name: fmt.Sprintf("w%03d", i), Endpoint: "https://example.com/hook",
						Subscriptions: []string{"conditional_ticket_events"}})
					if err != nil {
						t.Fatal(err)
					}
				}
				return walkRecords
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.Webhooks.List(ctx, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Webhooks.ListPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "Availability",
			seed: func(t *testing.T, fake *zendesktest.Server, zc *zendesk.Client) int {
				before, err := count(zc.Availability.List(ctx, &zendesk.AvailabilityListOptions{CursorOptions: zendesk.CursorOptions{PageSize: 100}}))
				if err != nil {
					t.Fatal(err)
				}
				for i := range walkRecords {
					fake.AddAgent(fmt.Sprintf("Agent %03d", i), fmt.Sprintf("agent%03d@example.com", i))
				}
				return before + walkRecords
			},
			walk: func(zc *zendesk.Client) (int, error) { return count(zc.Availability.List(ctx, nil)) },
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Availability.ListPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
		{
			name: "Statuses",
			seed: func(t *testing.T, fake *zendesktest.Server, _ *zendesk.Client) int {
				for i := range walkRecords {
					if _, err := fake.AddCustomStatus(fmt.Sprintf("s%03d", i), "", nil); err != nil {
						t.Fatal(err)
					}
				}
				return len(fake.UnifiedStatuses())
			},
			walk: func(zc *zendesk.Client) (int, error) {
				seen := map[int64]bool{}
				n, err := 0, error(nil)
				for st, e := range zc.Availability.Statuses(ctx, nil) {
					if e != nil {
						return n, e
					}
					if seen[st.ID] {
						return n, fmt.Errorf("status %d yielded twice", st.ID)
					}
					seen[st.ID] = true
					n++
				}
				return n, err
			},
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Availability.StatusesPage(ctx, nil)
				if err != nil {
					return 0, false, err
				}
				custom := 0
				for _, s := range p.Items {
					if !s.Default {
						custom++
					}
				}
				return custom, p.Next != "", nil
			},
		},
		{
			name: "SearchExport",
			seed: func(t *testing.T, _ *zendesktest.Server, zc *zendesk.Client) int {
				var ins []*zendesk.TicketInput
				for i := range zendesk.MaxBatch {
					ins = append(ins, &zendesk.TicketInput{Subject: fmt.Sprint("toner ", i), Comment: zendesk.PublicComment("x")})
				}
				for range 2 {
					job, err := zc.Tickets.CreateMany(ctx, ins)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := zc.JobStatuses.Wait(ctx, job.ID, &zendesk.WaitOptions{PollInterval: 1}); err != nil {
						t.Fatal(err)
					}
				}
				return 2 * zendesk.MaxBatch
			},
			walk: func(zc *zendesk.Client) (int, error) {
				return count(zc.Search.Export(ctx, "toner", &zendesk.ExportOptions{Type: zendesk.ResultTicket}))
			},
			page: func(zc *zendesk.Client) (int, bool, error) {
				p, err := zc.Search.ExportPage(ctx, "toner", &zendesk.ExportOptions{Type: zendesk.ResultTicket})
				if err != nil {
					return 0, false, err
				}
				return len(p.Items), p.Next != "", nil
			},
		},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			zc := newClient(t, fake)
			want := l.seed(t, fake, zc)
			if want <= zendesk.MaxPageSize {
				t.Fatalf("seeded %d records: not more than one page", want)
			}
			n, err := l.walk(zc)
			if err != nil || n != want {
				t.Fatalf("walk yielded %d of %d records, err = %v", n, want, err)
			}
			n, more, err := l.page(zc)
			if err != nil || n != zendesk.MaxPageSize || !more {
				t.Fatalf("first page: %d records, has_more %v, err = %v", n, more, err)
			}
		})
	}
}

func count[T any](seq func(func(T, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
