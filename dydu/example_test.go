package dydu_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/dydu"
	"github.com/deskbridge/deskbridge/dydu/dydutest"
)

// A user talks to the bot; the bot answers, then escalates to a livechat,
// and the operator's messages come through the poll until the end.
func Example() {
	fake := dydutest.NewServer() // a Dydu server with the seed's bot
	defer fake.Close()

	c, err := dydu.NewClient(
		dydu.WithBotID(fake.BotID),
		dydu.WithBaseURL(fake.URL), // or WithServers("https://app1…", "https://app2…")
	)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	id, err := c.NewContext(ctx, nil)
	if err != nil {
		panic(err)
	}
	a, _ := c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedQuestion})
	fmt.Println("bot:", a.Text)

	a, _ = c.Talk(ctx, &dydu.TalkRequest{ContextID: id, Input: dydutest.SeedAnimalQuestion})
	fmt.Println("bot:", a.Text, "→", a.Livechat().Kind)

	// The operator (here, the fake) answers, then closes the livechat.
	fake.OperatorMessage(id, dydutest.Operator{Name: "Camille"}, "Bonjour, je suis Camille.")
	fake.EndLivechat(id, dydutest.EndByOperator, "")

	last := strconv.FormatInt(int64(a.ServerTime), 10)
	for range 10 { // a real poller waits dydu.PollInterval between polls
		res, err := c.Poll(ctx, &dydu.PollRequest{ContextID: id, LastPoll: last})
		if err != nil {
			panic(err)
		}
		last = res.LastPoll
		if res.Signal.Kind == dydu.SignalMessage {
			fmt.Println("operator:", res.Signal.Text)
		}
		if res.Signal.Kind == dydu.SignalEnded {
			fmt.Println("livechat ended:", res.Signal.TypeResponse)
			break
		}
	}
	// Output:
	// bot: Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h.
	// bot: Je vous mets en relation avec un conseiller de l'équipe Animal. → started
	// operator: Bonjour, je suis Camille.
	// livechat ended: OPLiveChatEndByOperator
}

// An input over Dydu's 600 characters is refused before sending, never
// cut.
func ExampleClient_Talk_limit() {
	c, _ := dydu.NewClient(dydu.WithBotID("f1871fe8-cdea-4695-9ea6-529a4e9460dc"), dydu.WithServers("https://app1.dydu-priv.com"))
	_, err := c.Talk(context.Background(), &dydu.TalkRequest{Input: strings.Repeat("a", 601)})
	fmt.Println(errors.Is(err, dydu.ErrOverLimit))
	fmt.Println(err)
	// Output:
	// true
	// dydu: Talk: userInput: 601 characters, over Dydu's limit of 600 (the bot would read only the first 600) (nothing was sent)
}

// A context unused for 10 minutes is gone: the next talk comes back in a
// new one, and says so.
func ExampleAnswer_contextRenewed() {
	fake := dydutest.NewServer()
	defer fake.Close()
	c, _ := dydu.NewClient(dydu.WithBotID(fake.BotID), dydu.WithBaseURL(fake.URL))
	stale := "00000000-0000-4000-8000-000000000000" // a context the server no longer has
	a, err := c.Talk(context.Background(), &dydu.TalkRequest{ContextID: stale, Input: "bonjour"})
	if err != nil {
		panic(err)
	}
	if a.ContextRenewed {
		fmt.Println("the conversation starts over; previous context", a.PreviousContextID)
	}
	// Output:
	// the conversation starts over; previous context 00000000-0000-4000-8000-000000000000
}

// Several servers: a call goes to the next one when the first cannot be
// reached.
func ExampleWithServers() {
	cl := dydutest.NewCluster(2)
	defer cl.Close()
	c, _ := dydu.NewClient(dydu.WithBotID(cl.BotID), dydu.WithServers(cl.URLs()...), dydu.WithMaxRetries(0))
	cl.Servers[0].SetDown(true)
	id, err := c.NewContext(context.Background(), nil)
	fmt.Println(id != "", err, c.CurrentServer() == cl.Servers[1].URL)
	// Output:
	// true <nil> true
}
