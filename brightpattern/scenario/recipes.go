package scenario

// InboundCall returns the scenario of the Zendesk integration guide's
// example, for a call (or a chat) arriving:
//
//  1. with accountByDNIS, Select Account by the number dialled
//     ($(item.DNIS)), so that a brand's number uses the brand's Zendesk;
//  2. Search the caller, a user whose phone is $(item.ANI), into the
//     recordset "caller"; none: Create Object, a user named
//     "Caller <number>" with that phone, whose id is $(caller.id);
//  3. Search the caller's unsolved tickets into "tickets"; one or more:
//     Screen Pop the first to the agent; none: Screen Pop a new voice
//     ticket requested by the caller;
//  4. Attached Data: fields (each Value may hold $(var)) and an internal
//     note with the interaction's variables, on $(ticket_id).
//
// The answer holds ticket_id, caller.id, caller.name, caller.__count__,
// tickets.__count__ and the rest of what the steps set.
func InboundCall(accountByDNIS map[string]string, fields ...Field) Scenario {
	var steps []Step
	if len(accountByDNIS) > 0 {
		steps = append(steps, &SelectAccount{Account: "$(" + VarDNIS + ")", Map: accountByDNIS})
	}
	steps = append(steps,
		&Search{Query: `type:user phone:"$(` + VarANI + `)"`, Recordset: "caller", MaxResults: 1, Exits: Exits{NoData: "new-caller"}},
		&Search{Query: "type:ticket status<solved requester:$(caller.id)", Recordset: "tickets", Exits: Exits{Label: "tickets", NoData: "new-ticket"}},
		&ScreenPop{Ticket: "$(tickets.id)", Exits: Exits{Next: "attach"}},
		&CreateObject{Kind: ObjectUser, Fields: `{"name":"Caller $(` + VarANI + `)","phone":"$(` + VarANI + `)"}`, Result: "caller",
			Exits: Exits{Label: "new-caller"}},
		&ScreenPop{NewTicket: true, Requester: "$(caller.id)", Exits: Exits{Label: "new-ticket"}},
		&AttachData{Fields: fields, Exits: Exits{Label: "attach"}},
	)
	return Scenario{Steps: steps}
}
