package dydutest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/deskbridge/deskbridge/dydu/dydutest"
)

// send posts a form to the fake's dialog API and returns the envelope's
// values with their strings decoded from base64, as a client would.
func send(fake *dydutest.Server, path string, form url.Values) map[string]any {
	resp, err := fake.Client().Post(fake.APIURL()+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var env struct{ Values map[string]any }
	json.NewDecoder(resp.Body).Decode(&env)
	for k, v := range env.Values {
		if s, ok := v.(string); ok {
			b, _ := base64.StdEncoding.DecodeString(s)
			env.Values[k] = string(b)
		}
	}
	return env.Values
}

// The seed's test: the bot answers, then the "Animal" knowledge escalates
// to the livechat; the operator answers through the poll and ends it.
func Example() {
	fake := dydutest.NewServer()
	defer fake.Close()
	talk := "chat/talk/" + fake.BotID + "/"

	a := send(fake, talk, url.Values{"userInput": {dydutest.SeedQuestion}})
	ctx := a["contextId"].(string)
	fmt.Println(a["text"])

	a = send(fake, talk+ctx+"/", url.Values{"userInput": {dydutest.SeedAnimalQuestion}})
	fmt.Println(a["typeResponse"], a["specialAction"])
	esc := fake.Escalations()[0]
	fmt.Println("skill:", esc.Skill)

	fake.OperatorMessage(ctx, dydutest.Operator{Name: "Ann"}, "Bonjour, je suis Ann.")
	p := send(fake, "chat/poll/last/"+fake.BotID, url.Values{"contextUuid": {ctx}, "lastPoll": {fmt.Sprintf("%.0f", a["serverTime"])}})
	fmt.Printf("%s: %s\n", p["fromDetail"], p["text"])

	fake.EndLivechat(ctx, dydutest.EndByOperator, "")
	p = send(fake, "chat/poll/last/"+fake.BotID, url.Values{"contextUuid": {ctx}, "lastPoll": {fmt.Sprintf("%.0f", p["pollUpdatedInteractionDate"])}})
	fmt.Println(p["typeResponse"], p["specialAction"])
	// Output:
	// Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h.
	// DMLiveChatConnectionSucceed StartPolling
	// skill: Animal
	// Ann: Bonjour, je suis Ann.
	// OPLiveChatEndByOperator EndPolling
}

// A client that fails over: the first server is down, the second serves
// the same bot and its dialogs.
func ExampleNewCluster() {
	c := dydutest.NewCluster(2)
	defer c.Close()
	c.Servers[0].SetDown(true)
	for _, u := range c.URLs() {
		resp, err := http.Post(u+"/servlet/api/chat/context/"+c.BotID+"/", "application/x-www-form-urlencoded", nil)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 503
	// 200
}
