package dydutest

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Knowledge is one entry of the bot's knowledge base (a "connaissance"
// in the BMS): the questions that trigger it and its answer.
type Knowledge struct {
	// ID is the knowledgeId; 0 takes the next free one.
	ID int
	// Questions trigger the knowledge. A question matches an input that
	// holds its words in a row, ignoring case, accents and punctuation;
	// the longest matching question wins.
	Questions []string
	// Answer is the bot's answer (HTML, as Dydu writes answers).
	Answer string
	// TypeResponse is the answer's typeResponse; "" means
	// "DMUnderstoodQuestion".
	TypeResponse string
	// Skill names the skill (competency) whose context condition the
	// knowledge carries; "" for none. It must have been added first.
	Skill string
	// Livechat is the GUI action "connexion au livechat" on the answer:
	// the bot escalates the dialog to a human operator.
	Livechat bool
	// Welcome makes this the answer of the welcome call.
	Welcome bool
	// Capture names a variable that the user's next input fills, as a
	// knowledge with a variable in free input ("saisie libre") does; the
	// bot then answers CaptureReply.
	Capture      string
	CaptureReply string
}

// Skill is a livechat skill ("compétence"). Creating one in the BMS
// also creates a context condition, which escalation knowledge carries
// so that the livechat ticket lands in the Zendesk group of the same
// name.
type Skill struct {
	ID int
	// Name is the skill's name, e.g. "Animal".
	Name string
	// Condition is the name of the context condition created with it.
	Condition string
}

// Bot is what a fake bot knows: the knowledge base, the skills and the
// answer when nothing matches.
type Bot struct {
	Skills    []string
	Knowledge []Knowledge
	// Fallback answers an input that no knowledge matches
	// (typeResponse "GBMisunderstoodQuestion"); "" means a French default.
	Fallback string
}

// The test of Dydu's guide to its Zendesk livechat connector
// (https://docs-en.dydu.ai/livechat/zendesk-livechat-connector, "Test the
// escalation to the Zendesk livechat"): questions a demo asks the
// [SeedBot].
const (
	// SeedQuestion is answered by the bot itself.
	SeedQuestion = "Quels sont vos horaires d'ouverture ?"
	// SeedMailQuestion starts the capture of the "mail" variable (the
	// guide's identity mapping); the next input is the address.
	SeedMailQuestion = "Je veux donner mon adresse mail"
	// SeedAnimalQuestion triggers the knowledge "Animal", which escalates
	// to the livechat with the skill "Animal".
	SeedAnimalQuestion = "Je voudrais parler à un conseiller pour mon chien"
	// SeedSkill is the guide's skill, and the Zendesk group's name.
	SeedSkill = "Animal"
)

// SeedBot returns the bot of the guide's test: a welcome message, a greeting,
// opening hours, the "mail" variable captured in free input for the
// identity mapping, and the knowledge "Animal" that carries the skill
// "Animal"'s context condition and the livechat connection action.
func SeedBot() Bot {
	return Bot{
		Skills: []string{SeedSkill},
		Knowledge: []Knowledge{
			{Welcome: true, TypeResponse: "DMSocial",
				Answer: "Bonjour, je suis l'assistant virtuel. Comment puis-je vous aider ?"},
			{Questions: []string{"bonjour", "salut", "bonsoir"}, TypeResponse: "DMSocial",
				Answer: "Bonjour ! Que puis-je faire pour vous ?"},
			{Questions: []string{"horaires", "heures d'ouverture", "quand etes-vous ouverts"},
				Answer: "Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h."},
			{Questions: []string{"adresse mail", "mon email", "adresse e-mail"},
				Answer: "Quelle est votre adresse e-mail ?", Capture: "mail",
				CaptureReply: "Merci, c'est noté."},
			{Questions: []string{"animal", "mon chien", "mon chat", "conseiller animal"},
				Answer: "Je vous mets en relation avec un conseiller de l'équipe Animal.",
				Skill:  SeedSkill, Livechat: true},
		},
	}
}

// defaultFallback answers what no knowledge matches.
const defaultFallback = "Désolé, je n'ai pas compris votre question. Pouvez-vous la reformuler ?"

// bot is the server side of a Bot: knowledge by id, an index of question
// words, skills by name.
type bot struct {
	knowledge map[int]*Knowledge
	order     []int             // ids, in the order added
	index     map[string][]qref // first word of a question → questions
	skills    map[string]*Skill
	skillList []string
	welcome   *Knowledge
	fallback  string
	nextKID   int
	nextSkill int
	hits      map[int]int // matches per knowledge, for top knowledge
}

// qref is one question of a knowledge, normalized to words.
type qref struct {
	id    int
	words []string
	text  string
}

func newBot() *bot {
	return &bot{knowledge: map[int]*Knowledge{}, index: map[string][]qref{}, skills: map[string]*Skill{},
		fallback: defaultFallback, nextKID: 1000, nextSkill: 1, hits: map[int]int{}}
}

func (b *bot) addSkill(name string) (Skill, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Skill{}, fmt.Errorf("dydutest: a skill needs a name")
	}
	if sk, ok := b.skills[name]; ok {
		return *sk, nil
	}
	sk := &Skill{ID: b.nextSkill, Name: name, Condition: skillCondition(name)}
	b.nextSkill++
	b.skills[name] = sk
	b.skillList = append(b.skillList, name)
	return *sk, nil
}

func (b *bot) addKnowledge(k Knowledge) (int, error) {
	if strings.TrimSpace(k.Answer) == "" {
		return 0, fmt.Errorf("dydutest: knowledge %v has no answer", k.Questions)
	}
	if len(k.Questions) == 0 && !k.Welcome {
		return 0, fmt.Errorf("dydutest: knowledge %q has no question and is not the welcome", k.Answer)
	}
	if k.Skill != "" && b.skills[k.Skill] == nil {
		return 0, fmt.Errorf("dydutest: knowledge %q names the skill %q, which does not exist: add it first", k.Answer, k.Skill)
	}
	if k.ID == 0 {
		for b.knowledge[b.nextKID] != nil {
			b.nextKID++
		}
		k.ID = b.nextKID
		b.nextKID++
	} else if b.knowledge[k.ID] != nil {
		return 0, fmt.Errorf("dydutest: knowledge id %d is taken", k.ID)
	}
	if k.TypeResponse == "" {
		k.TypeResponse = "DMUnderstoodQuestion"
	}
	if k.Capture != "" && k.CaptureReply == "" {
		k.CaptureReply = "Merci."
	}
	k.Questions = slices.Clone(k.Questions)
	kp := &k
	b.knowledge[k.ID] = kp
	b.order = append(b.order, k.ID)
	if k.Welcome {
		b.welcome = kp
	}
	for _, q := range k.Questions {
		words := normalize(q)
		if len(words) == 0 {
			continue
		}
		b.index[words[0]] = append(b.index[words[0]], qref{id: k.ID, words: words, text: q})
	}
	return k.ID, nil
}

// match returns the knowledge whose question matches input best, nil
// when none does. It looks only at questions whose first word is in
// the input.
func (b *bot) match(input string) *Knowledge {
	words := normalize(input)
	var best *Knowledge
	bestLen := 0
	seen := map[string]bool{}
	for i, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		for _, q := range b.index[w] {
			if len(q.words) <= bestLen {
				continue
			}
			if containsRun(words[i:], q.words) {
				best, bestLen = b.knowledge[q.id], len(q.words)
			}
		}
	}
	return best
}

// containsRun reports whether words holds run at some position.
func containsRun(words, run []string) bool {
	for i := 0; i+len(run) <= len(words); i++ {
		if slices.Equal(words[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// normalize lowers s, drops accents and splits it into words of letters
// and digits.
func normalize(s string) []string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := unaccent[r]; ok {
			b.WriteString(f)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

var unaccent = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ç': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ô': "o", 'ö': "o", 'ó': "o", 'ù': "u", 'û': "u", 'ü': "u",
	'ú': "u", 'ÿ': "y", 'ñ': "n", 'œ': "oe", 'æ': "ae",
}
