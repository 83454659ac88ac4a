package scenario

import (
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk/zendesktest"
)

// invalid422 is Zendesk's answer to a record it refuses.
const invalid422 = `{"error":"RecordInvalid","description":"Record validation errors","details":{"base":[{"description":"refused"}]}}`

// Every block that writes to Zendesk takes its Failed exit, with the
// outcome and a message saying what failed, when Zendesk refuses (422) or
// fails (500) the write, or when its settings are bad (no request sent);
// a once-guarded write that failed is done by the next call.
func TestBlocksFailedExits(t *testing.T) {
	tests := []struct {
		name    string
		step    func(w *world) Step
		fault   *zendesktest.Fault
		outcome flow.Outcome
		want    []string // in the error
		code    string   // $(integrationResultCode), when the block sets it
		sent    string   // "METHOD path prefix" that must not have been sent; "" when it was
		retry   bool     // the same call, run again without the fault, takes Next
	}{{
		name:    "Attached Data fields refused",
		step:    func(w *world) Step { return &AttachData{Ticket: itoa(w.ticketID), Fields: testFields, NoNote: true} },
		fault:   &zendesktest.Fault{Method: "PUT", Path: "/api/v2/tickets/", Status: 422, Body: invalid422},
		outcome: flow.Failed, want: []string{"Attached Data", "attaching data to ticket", "422"},
	}, {
		name:    "Attached Data note fails",
		step:    func(w *world) Step { return &AttachData{Ticket: itoa(w.ticketID), Fields: testFields} },
		fault:   &zendesktest.Fault{Method: "PUT", Path: "/api/v2/tickets/", Status: 500, Body: `{"error":"boom"}`},
		outcome: flow.Failed, want: []string{"Attached Data", "attaching data to ticket", "500"}, retry: true,
	}, {
		name:    "Screen Pop new ticket fails",
		step:    func(w *world) Step { return &ScreenPop{NewTicket: true, Requester: itoa(w.caller)} },
		fault:   &zendesktest.Fault{Method: "POST", Path: voiceTicketPath, Status: 500, Body: `{"error":"boom"}`},
		outcome: flow.Failed, want: []string{"Zendesk Screen Pop", "creating the call's ticket", "500"}, retry: true,
	}, {
		name:    "Screen Pop new ticket refused",
		step:    func(w *world) Step { return &ScreenPop{NewTicket: true, Requester: itoa(w.caller)} },
		fault:   &zendesktest.Fault{Method: "POST", Path: voiceTicketPath, Status: 422, Body: invalid422},
		outcome: flow.Failed, want: []string{"Zendesk Screen Pop", "creating the call's ticket", "422"},
	}, {
		name:    "Create Object send fails",
		step:    func(*world) Step { return &CreateObject{Kind: ObjectUser, Fields: `{"name":"Caller $(item.ANI)"}`} },
		fault:   &zendesktest.Fault{Method: "POST", Path: "/api/v2/users", Status: 500, Body: `{"error":"boom"}`},
		outcome: flow.Failed, want: []string{"Zendesk Create Object", "POST users.json", "500"}, code: "500", retry: true,
	}, {
		name:    "Create Object refused",
		step:    func(*world) Step { return &CreateObject{Kind: ObjectUser, Fields: `{"name":"Caller $(item.ANI)"}`} },
		fault:   &zendesktest.Fault{Method: "POST", Path: "/api/v2/users", Status: 422, Body: invalid422},
		outcome: flow.Failed, want: []string{"Zendesk Create Object", "POST users.json", "422"}, code: "422",
	}, {
		name:    "Create Object Fields not an object",
		step:    func(*world) Step { return &CreateObject{Kind: ObjectUser, Fields: `["$(item.ANI)"]`} },
		outcome: flow.Rejected, want: []string{"Zendesk Create Object", "Fields is not a JSON object"}, sent: "POST /api/v2/users",
	}, {
		name:    "Create Object Fields unknown variable",
		step:    func(*world) Step { return &CreateObject{Kind: ObjectUser, Fields: `{"name":"$(nope)"}`} },
		outcome: flow.Rejected, want: []string{"Zendesk Create Object", "Fields", "$(nope)"}, sent: "POST /api/v2/users",
	}, {
		name: "Update Object Fields not an object",
		step: func(w *world) Step {
			return &UpdateObject{Kind: ObjectTicket, ID: itoa(w.ticketID), Fields: `{"priority":"urgent"`}
		},
		outcome: flow.Rejected, want: []string{"Zendesk Update Object", "Fields is not a JSON object"}, sent: "PUT /api/v2/tickets/",
	}, {
		name: "Update Object refused",
		step: func(w *world) Step {
			return &UpdateObject{Kind: ObjectTicket, ID: itoa(w.ticketID), Fields: `{"priority":"urgent"}`}
		},
		fault:   &zendesktest.Fault{Method: "PUT", Path: "/api/v2/tickets/", Status: 422, Body: invalid422},
		outcome: flow.Failed, want: []string{"Zendesk Update Object", "PUT tickets/", "422"}, code: "422",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			step := tc.step(w)
			f, _ := w.flow(Scenario{Steps: []Step{step}})
			vars := call(unknownANI, mainDNIS)
			vars[VarInteractionID] = "GIID-fault"
			if tc.fault != nil {
				w.zd.InjectFault(*tc.fault)
			}
			w.zd.ResetRequests()
			res := f.Run(t.Context(), vars)
			if res.Exit != ExitFailed || res.Outcome != tc.outcome || res.Err == nil || len(res.Steps) != 1 || res.Steps[0].Exit != ExitFailed {
				t.Fatalf("exit %s, outcome %s, err %v, steps %v", res.Exit, res.Outcome, res.Err, res.Steps)
			}
			for _, want := range tc.want {
				if !strings.Contains(res.Err.Error(), want) {
					t.Errorf("the error lacks %q: %v", want, res.Err)
				}
			}
			if got := res.Variables[VarResultCode]; got != tc.code {
				t.Errorf("%s = %q, want %q", VarResultCode, got, tc.code)
			}
			if tc.fault != nil {
				hit := false
				for _, r := range w.zd.Requests() {
					hit = hit || r.Fault != ""
				}
				if !hit {
					t.Errorf("the fault was never hit: %v", w.zd.Requests())
				}
			}
			if method, path, ok := strings.Cut(tc.sent, " "); ok {
				if n := w.zd.RequestCount(method, path); n != 0 {
					t.Errorf("%d %s sent for bad settings", n, tc.sent)
				}
			}
			if tc.retry {
				// The failed write left no claim behind: the next call does it.
				again := f.Run(t.Context(), vars)
				if again.Exit != ExitNext || strings.Contains(again.Detail, "earlier call") {
					t.Fatalf("the next call: %v", again)
				}
			}
		})
	}
}
