package smsbridge

import (
	"html"
	"strings"
	"unicode/utf8"
)

// ExtractMessage returns the text of an agent's comment as a Zendesk
// placeholder renders it ({{ticket.latest_public_comment_html}} or
// {{ticket.latest_public_comment}}), ready to be sent as an SMS.
//
// Zendesk renders a comment as
//
//	----------------------------------------------
//
//	{Replier Name}, {Replier Date}
//
//	{Message}
//
// (the format the Braze Zendesk Chat recipe shows). [ExtractMessage] removes
// that header — the rule of dashes and the "name, date" line that follows
// it — whether it comes as text or as HTML (<p>, <hr>), and turns the HTML
// of the message into text: tags are removed, entities decoded, <br> is a
// line break and <p>, <div>, headings, lists and table rows start new lines
// or paragraphs; a link's address is kept after its text. The message's own
// line breaks, emoji and non-ASCII text are kept; trailing spaces are
// trimmed from each line, runs of blank lines become one blank line, and
// blank lines around the message are dropped.
//
// A body without the header (the fixed text of a closing message, say) is
// only cleaned. [ExtractMessage] never fails: text it does not recognise is
// returned as text.
func ExtractMessage(body string) string {
	s := normalizeNewlines(body)
	if msg, ok := stripHeader(s); ok {
		return finish(toText(msg))
	}
	if !hasTag(s) {
		return finish(toText(s))
	}
	// The header itself may be HTML (<p>-----</p><p>Ann, date</p>…):
	// convert first, then look for it again.
	t := toText(s)
	if msg, ok := stripHeader(t); ok {
		return finish(msg)
	}
	return finish(t)
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// stripHeader removes Zendesk's comment header from the start of s: a line
// of at least three dashes, blank lines, a "name, date" line, blank lines.
// It reports whether s started with the rule. The replier line is only
// removed when it holds ", " (Zendesk always writes "{name}, {date}"); a
// rule followed by something else keeps that something as message.
func stripHeader(s string) (string, bool) {
	rest := strings.TrimLeft(s, " \t\n\ufeff\u00a0")
	line, after, _ := strings.Cut(rest, "\n")
	if !isRule(line) {
		return "", false
	}
	after = skipBlankLines(after)
	line, tail, found := strings.Cut(after, "\n")
	if !strings.Contains(line, ", ") {
		return after, true
	}
	if !found {
		return "", true
	}
	return skipBlankLines(tail), true
}

// isRule reports whether line is a horizontal rule of dashes (at least 3),
// spaces aside.
func isRule(line string) bool {
	line = strings.Trim(line, " \t\u00a0")
	if len(line) < 3 {
		return false
	}
	for i := 0; i < len(line); i++ {
		if line[i] != '-' {
			return false
		}
	}
	return true
}

// skipBlankLines drops the lines of s that hold only spaces, up to the
// first that does not.
func skipBlankLines(s string) string {
	for {
		line, rest, found := strings.Cut(s, "\n")
		if strings.Trim(line, " \t\u00a0") != "" {
			return s
		}
		if !found {
			return ""
		}
		s = rest
	}
}

// hasTag reports whether s holds something that looks like an HTML tag.
func hasTag(s string) bool {
	lastGT := strings.LastIndexByte(s, '>')
	for i := strings.IndexByte(s, '<'); i >= 0 && i < lastGT; {
		if _, ok := tagAt(s, i, lastGT); ok {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// tag is an HTML tag found in the text.
type tag struct {
	end     int    // index just past '>'
	name    string // lower case, "" for comments and declarations
	closing bool
	comment bool   // <!-- ... -->
	href    string // of <a href="...">
}

// maxQuotedTag bounds the quote-aware search for the end of a tag: past
// it, the first '>' ends the tag. It keeps the scan linear on input full
// of unbalanced quotes.
const maxQuotedTag = 2048

// tagAt reads the tag that starts at s[i] == '<'; lastGT is the index of
// the last '>' of s (-1 if none), so that scanning text full of '<' stays
// linear. ok is false when what follows '<' is not a tag (a lone "<",
// "a < b", "<3").
func tagAt(s string, i, lastGT int) (tag, bool) {
	rest := s[i+1:]
	if strings.HasPrefix(rest, "!--") {
		end := strings.Index(rest[3:], "-->")
		if end < 0 {
			return tag{end: len(s), comment: true}, true
		}
		return tag{end: i + 1 + 3 + end + 3, comment: true}, true
	}
	var t tag
	j := 0
	switch {
	case j < len(rest) && rest[j] == '/':
		t.closing = true
		j++
	case j < len(rest) && (rest[j] == '!' || rest[j] == '?'):
		// <!DOCTYPE …>, <?xml …?>: dropped like a tag without a name.
		if lastGT < i {
			return tag{}, false
		}
		gt := strings.IndexByte(rest, '>')
		if gt < 0 {
			return tag{}, false
		}
		return tag{end: i + 1 + gt + 1}, true
	}
	start := j
	for j < len(rest) && isASCIIAlnum(rest[j]) {
		j++
	}
	if j == start || !isASCIILetter(rest[start]) {
		return tag{}, false
	}
	if j < len(rest) && !(rest[j] == '>' || rest[j] == '/' || isHTMLSpace(rest[j])) {
		return tag{}, false // "<abc@example.com": not a tag
	}
	if lastGT < i {
		return tag{}, false
	}
	t.name = strings.ToLower(rest[start:j])
	// Find the closing '>', skipping quoted attribute values (within
	// maxQuotedTag bytes; then the first '>' closes the tag).
	attrs := j
	var quote byte
	limit := min(len(rest), j+maxQuotedTag)
	for ; j < limit; j++ {
		c := rest[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			if t.name == "a" && !t.closing {
				t.href = attrValue(rest[attrs:j], "href")
			}
			t.end = i + 1 + j + 1
			return t, true
		}
	}
	gt := strings.IndexByte(rest[attrs:], '>')
	if gt < 0 {
		return tag{}, false
	}
	j = attrs + gt
	if t.name == "a" && !t.closing {
		t.href = attrValue(rest[attrs:j], "href")
	}
	t.end = i + 1 + j + 1
	return t, true
}

// attrValue returns the value of the attribute name in the attribute text
// of a tag, unquoted and with entities decoded.
func attrValue(attrs, name string) string {
	// The search folds ASCII case byte by byte, so that indices stay
	// those of attrs whatever bytes it holds.
	for from := 0; ; {
		k := indexFold(attrs[from:], name)
		if k < 0 {
			return ""
		}
		k += from
		from = k + len(name)
		if k > 0 && !isHTMLSpace(attrs[k-1]) {
			continue
		}
		rest := strings.TrimLeft(attrs[k+len(name):], " \t\n")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\n")
		if rest == "" {
			return ""
		}
		var v string
		switch q := rest[0]; q {
		case '"', '\'':
			end := strings.IndexByte(rest[1:], q)
			if end < 0 {
				v = rest[1:]
			} else {
				v = rest[1 : 1+end]
			}
		default:
			end := strings.IndexAny(rest, " \t\n/>")
			if end < 0 {
				end = len(rest)
			}
			v = rest[:end]
		}
		return strings.TrimSpace(html.UnescapeString(v))
	}
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || c >= '0' && c <= '9' }
func isHTMLSpace(c byte) bool   { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// breaks says what a tag writes into the text: a line break, or a
// paragraph break (a blank line).
const (
	noBreak = iota
	lineBreak
	paraBreak
)

func tagBreak(name string) int {
	switch name {
	case "br", "div", "li", "tr", "ul", "ol", "dl", "dt", "dd", "table", "section", "article",
		"header", "footer", "address", "figure", "figcaption", "caption", "center", "main", "nav", "aside":
		return lineBreak
	case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr":
		return paraBreak
	}
	return noBreak
}

// toText converts s to text. Without tags, it only decodes entities. With
// tags it follows the HTML: tags become line or paragraph breaks or
// nothing, <script> and <style> and comments are dropped, and a raw line
// break next to a tag is taken as source formatting and dropped, while one
// between two pieces of text is kept as the message's own. It runs in time
// linear in len(s).
func toText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var w textWriter
	w.b.Grow(len(s))
	lastGT := strings.LastIndexByte(s, '>')
	var links []string // hrefs of the open <a> tags
	var linkStart []int
	prevTag := false // the last thing seen was a tag
	i := 0
	for i < len(s) {
		// Find the next tag: the next '<' that starts one.
		lt := -1
		var t tag
		for k := i; k < len(s); {
			n := strings.IndexByte(s[k:], '<')
			if n < 0 {
				break
			}
			var ok bool
			if t, ok = tagAt(s, k+n, lastGT); ok {
				lt = k + n
				break
			}
			k += n + 1
		}
		text := s[i:]
		if lt >= 0 {
			text = s[i:lt]
		}
		if prevTag {
			text = trimLeadingNewlineSpace(text)
		}
		if lt >= 0 {
			text = trimTrailingNewlineSpace(text)
		}
		if text != "" {
			w.text(html.UnescapeString(text))
			prevTag = false
		}
		if lt < 0 {
			break
		}
		i = t.end
		prevTag = true
		switch {
		case t.comment || t.name == "":
		case (t.name == "script" || t.name == "style") && !t.closing:
			end := indexFold(s[t.end:], "</"+t.name)
			if end < 0 {
				i = len(s)
				break
			}
			i = t.end + end
			if c, ok := tagAt(s, i, lastGT); ok {
				i = c.end
			} else {
				i = len(s)
			}
		case t.name == "a" && !t.closing:
			links = append(links, t.href)
			linkStart = append(linkStart, w.b.Len())
		case t.name == "a" && t.closing && len(links) > 0:
			href := links[len(links)-1]
			start := linkStart[len(linkStart)-1]
			links, linkStart = links[:len(links)-1], linkStart[:len(linkStart)-1]
			shown := strings.TrimPrefix(href, "mailto:")
			if linked := w.b.String()[start:]; shown != "" && len(linked) < maxQuotedTag && !strings.Contains(linked, shown) {
				w.text(" (" + shown + ")")
			}
		case t.name == "li" && !t.closing:
			w.brk(lineBreak)
			w.text("- ")
		case t.name == "hr":
			w.brk(paraBreak)
			w.text("---")
			w.brk(paraBreak)
		case t.name == "br":
			if !t.closing {
				w.newline()
			}
		default:
			if br := tagBreak(t.name); br != noBreak {
				w.brk(br)
			}
		}
	}
	return w.b.String()
}

// textWriter builds toText's output, remembering how it ends so that a
// break costs O(1).
type textWriter struct {
	b        strings.Builder
	content  bool // something other than whitespace was written
	newlines int  // line breaks at the end of what was written
}

func (w *textWriter) text(s string) {
	w.b.WriteString(s)
	t := strings.TrimRight(s, "\n")
	switch {
	case t == "":
		w.newlines += len(s)
	default:
		w.newlines = len(s) - len(t)
	}
	if !w.content && strings.TrimLeft(s, " \t\n") != "" {
		w.content = true
	}
}

func (w *textWriter) newline() {
	w.b.WriteByte('\n')
	w.newlines++
}

// brk ends the current line (lineBreak) or paragraph (paraBreak), unless
// nothing was written yet or the text already ends so.
func (w *textWriter) brk(br int) {
	if !w.content {
		return
	}
	want := 1
	if br == paraBreak {
		want = 2
	}
	for w.newlines < want {
		w.newline()
	}
}

// trimLeadingNewlineSpace drops the whitespace at the start of s when it
// holds a line break (HTML source formatting after a tag).
func trimLeadingNewlineSpace(s string) string {
	t := strings.TrimLeft(s, " \t\n")
	if strings.Contains(s[:len(s)-len(t)], "\n") {
		return t
	}
	return s
}

// trimTrailingNewlineSpace drops the whitespace at the end of s when it
// holds a line break (HTML source formatting before a tag).
func trimTrailingNewlineSpace(s string) string {
	t := strings.TrimRight(s, " \t\n")
	if strings.Contains(s[len(t):], "\n") {
		return t
	}
	return s
}

// indexFold is strings.Index, ASCII case-insensitively; sub must be lower
// case ASCII. Other bytes match only themselves.
func indexFold(s, sub string) int {
	n := len(sub)
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// finish tidies the text: non-breaking spaces become spaces, trailing
// spaces go, runs of blank lines become one, blank lines around the text
// go.
func finish(s string) string {
	s = normalizeNewlines(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			continue
		}
		if len(out) > 0 && blank > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, l)
	}
	s = strings.Join(out, "\n")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}
