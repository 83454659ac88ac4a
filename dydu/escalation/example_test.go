package escalation_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge/dydu/escalation"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// The four blocks of Dydu's BMS form, as Provision's report prints them.
func ExampleBMSForm() {
	fmt.Println(escalation.BMSForm(escalation.ProvisionConfig{Domain: "dydu-32357.zendesk.com", ZendeskEmail: "admin@example.com",
		SenderIDVariable: "mail"}, "5ebee0975ac5304b664a12fa", "67a1110ef0305f4a391e9f01", conversations.APIKey{ID: "app_5ebee0975ac5304b664a12fb"}))
	// Output:
	// 1. Obligatoire – Connecteur Zendesk
	//    Nom de domaine : dydu-32357.zendesk.com
	//    App id         : 5ebee0975ac5304b664a12fa
	//    Integration id : 67a1110ef0305f4a391e9f01
	// 2. Obligatoire – Clé api de conversations
	//    Key id         : app_5ebee0975ac5304b664a12fb
	//    Secret key     : <its secret, shown once when it was created>
	// 3. Obligatoire – Zendesk api
	//    Adresse mail   : admin@example.com
	//    Token api      : <the API token (Admin Center › Apps and integrations › APIs › Zendesk API)>
	// 4. Optionnel – Correspondance de l'identité
	//    Sender id      : mail
}

// Config.Authorize with chat ids signed by the site's server: when the
// user signs in, the server makes a chat id and signs it with who the user
// is; the page sends the token with every request (as a bearer token, or
// ?token= for an EventSource), and the bridge trusts only the identity the
// token carries.
func ExampleChatSigner() {
	signer := escalation.ChatSigner{Key: []byte("a secret of 32 bytes or more, from your vault")}
	_ = escalation.Config{SenderIDVariable: "mail", NameVariable: "name", Authorize: signer.Authorize} // with the clients, webhook secrets…

	// The site's server, at sign-in:
	chat := escalation.NewChatID()
	tok, err := signer.Sign(chat, map[string]string{"mail": "jeanne@example.org", "name": "Jeanne Martin"})
	if err != nil {
		fmt.Println(err) // a key under MinChatKey bytes
		return
	}

	// The bridge, at every request of the chat:
	r := httptest.NewRequest("POST", "/chats/"+chat+"/messages", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	id, err := signer.Authorize(r, chat)
	fmt.Println(id["mail"], id["name"], err)
	_, err = signer.Authorize(r, escalation.NewChatID()) // the token of another chat
	fmt.Println(errors.Is(err, escalation.ErrChatToken))
	// Output:
	// jeanne@example.org Jeanne Martin <nil>
	// true
}
