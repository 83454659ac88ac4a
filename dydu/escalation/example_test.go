package escalation_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

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

// Config.Authorize with chat ids signed by the site's server: when the
// user signs in, the server makes a chat id and signs it with who the user
// is; the page sends the token with every request (as a bearer token, or
// ?token= for an EventSource), and the bridge trusts only the identity the
// token carries.
func ExampleConfig_authorize() {
	key := []byte("a secret of 32 bytes or more, from your vault")
	sign := func(chat, mail string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(chat + "\n" + mail))
		return base64.RawURLEncoding.EncodeToString([]byte(mail)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	authorize := func(r *http.Request, chat string) (map[string]string, error) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			tok = r.URL.Query().Get("token")
		}
		b64, _, _ := strings.Cut(tok, ".")
		mail, err := base64.RawURLEncoding.DecodeString(b64)
		if err != nil || !hmac.Equal([]byte(tok), []byte(sign(chat, string(mail)))) {
			return nil, errors.New("no valid token for this chat")
		}
		return map[string]string{"mail": string(mail)}, nil
	}
	_ = escalation.Config{SenderIDVariable: "mail", Authorize: authorize} // with the clients, webhook secrets…

	chat := escalation.NewChatID() // at sign-in
	tok := sign(chat, "jeanne@example.org")
	r := httptest.NewRequest("POST", "/chats/"+chat+"/messages", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	id, err := authorize(r, chat)
	fmt.Println(id["mail"], err)
	_, err = authorize(r, escalation.NewChatID()) // the token of another chat
	fmt.Println(err)
	// Output:
	// jeanne@example.org <nil>
	// no valid token for this chat
}
