package escalation_test

import (
	"fmt"

	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// The four blocks of Dydu's BMS form, as Provision's report prints them.
func ExampleBMSForm() {
	fmt.Println(escalation.BMSForm(escalation.ProvisionConfig{Domain: "dydu-32357.zendesk.com", ZendeskEmail: "admin@example.com",
		SenderIDVariable: "mail"}, "5ebee0975ac5304b664a12fa", "67a1110ef0305f4a391e9f01", conversations.KeyApp))
	// Output:
	// 1. Obligatoire – Connecteur Zendesk
	//    Nom de domaine : dydu-32357.zendesk.com
	//    App id         : 5ebee0975ac5304b664a12fa
	//    Integration id : 67a1110ef0305f4a391e9f01
	// 2. Obligatoire – Clé api de conversations
	//    Key id         : <the id of the app-scoped Conversations API key (app key in use)>
	//    Secret key     : <its secret, shown once when it was created>
	// 3. Obligatoire – Zendesk api
	//    Adresse mail   : admin@example.com
	//    Token api      : <the API token (Admin Center › Apps and integrations › APIs › Zendesk API)>
	// 4. Optionnel – Correspondance de l'identité
	//    Sender id      : mail
}
