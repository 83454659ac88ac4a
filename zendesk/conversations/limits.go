package conversations

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
)

// The API's limits that the client checks before sending
// (https://developer.zendesk.com/api-reference/conversations/). A value
// over one is refused with a [ValidationError] that names it; nothing is
// ever cut to fit.
const (
	// MaxTextLength is the most characters a text message's text holds.
	MaxTextLength = 4096
	// MaxAltTextLength is the most characters of an image or file's
	// altText.
	MaxAltTextLength = 128
	// MaxMetadataBytes is the most bytes a metadata object takes, as JSON.
	MaxMetadataBytes = 4096
	// MaxExternalIDLength is the most characters of a user's externalId.
	MaxExternalIDLength = 1024
	// MaxBrandIDLength is the most characters of a brandId.
	MaxBrandIDLength = 24
	// MaxProfileLength is the most characters of a profile string;
	// MaxAvatarURLLength that of an avatarUrl.
	MaxProfileLength   = 128
	MaxAvatarURLLength = 2048
	// MaxItems is the most items of a carousel or list; MaxItemActions the
	// most actions of an item; MaxItemTextLength the most characters of an
	// item's title or description.
	MaxItems          = 10
	MaxItemActions    = 3
	MaxItemTextLength = 128
	// MaxFormFields is the most fields of a form.
	MaxFormFields = 20
	// MaxSwitchboardNameLength is the most characters of a switchboard
	// integration's name.
	MaxSwitchboardNameLength = 128
	// MaxAttachmentBytes is the largest file [AttachmentsService.Upload]
	// sends: 50 MB.
	MaxAttachmentBytes = maxUploadBytes
)

// checkLen refuses s when its length (counted as textLength does) is
// over limit.
func checkLen(op, field, s string, limit int) error {
	if n := textLength(s); n > limit {
		return overLimit(op, field, n, limit, "characters")
	}
	return nil
}

// checkMetadata refuses metadata that is not flat (a value that is not a
// string, a number or a boolean) or larger than [MaxMetadataBytes].
func checkMetadata(op, field string, m Metadata) error {
	if len(m) == 0 {
		return nil
	}
	for k, v := range m {
		switch v.(type) {
		case string, bool, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		default:
			return invalid(op, field+"["+strconv.Quote(k)+"]", "is %T; metadata must be flat, its values strings, numbers or booleans", v)
		}
	}
	n, err := metadataSize(m)
	if err != nil {
		return invalid(op, field, "cannot be encoded as JSON: %v", err)
	}
	if n > MaxMetadataBytes {
		return overLimit(op, field, n, MaxMetadataBytes, "bytes of JSON")
	}
	return nil
}

// checkAuthor refuses an author the API would refuse.
func checkAuthor(op string, a *Author) error {
	switch a.Type {
	case AuthorUser:
		if a.UserID == "" && a.UserExternalID == "" {
			return invalid(op, "author", `a "user" author needs UserID or UserExternalID`)
		}
	case AuthorBusiness:
	case "":
		return invalid(op, "author.type", `is empty; want "user" or "business" (UserAuthor, BusinessAuthor, BotAuthor)`)
	default:
		return invalid(op, "author.type", `is %q; want "user" or "business"`, a.Type)
	}
	if len(a.Subtypes) > 1 {
		return invalid(op, "author.subtypes", "has %d subtypes; the API takes at most one", len(a.Subtypes))
	}
	if a.BrandID != "" {
		if err := checkLen(op, "author.brandId", a.BrandID, MaxBrandIDLength); err != nil {
			return err
		}
	}
	return nil
}

// checkContent refuses content the API would refuse: a missing required
// field, or a value over a limit.
func checkContent(op string, c *Content) error {
	switch c.Type {
	case ContentText:
		if c.Text == "" && len(c.Actions) == 0 && c.HTMLText == "" && c.MarkdownText == "" {
			return invalid(op, "content.text", "is empty; a text message needs text, actions, htmlText or markdownText")
		}
		if c.HTMLText != "" && c.MarkdownText != "" {
			return invalid(op, "content", "has both htmlText and markdownText; give one")
		}
	case ContentImage, ContentFile:
		if c.MediaURL == "" {
			return invalid(op, "content.mediaUrl", "is empty; an %s message needs the media's URL", c.Type)
		}
		if err := checkLen(op, "content.altText", c.AltText, MaxAltTextLength); err != nil {
			return err
		}
	case ContentCarousel, ContentList:
		if len(c.Items) == 0 || len(c.Items) > MaxItems {
			return &ValidationError{Op: op, Field: "content.items", Limit: MaxItems,
				Reason: fmt.Sprintf("has %d items; a %s has 1 to %d", len(c.Items), c.Type, MaxItems)}
		}
		for i := range c.Items {
			if err := checkItem(op, i, &c.Items[i]); err != nil {
				return err
			}
		}
	case ContentLocation:
		if c.Coordinates == nil {
			return invalid(op, "content.coordinates", "is missing; a location message needs them")
		}
	case ContentForm:
		if len(c.Fields) == 0 || len(c.Fields) > MaxFormFields {
			return &ValidationError{Op: op, Field: "content.fields", Limit: MaxFormFields,
				Reason: fmt.Sprintf("has %d fields; a form has 1 to %d", len(c.Fields), MaxFormFields)}
		}
	case ContentTemplate:
		if len(c.Template) == 0 {
			return invalid(op, "content.template", "is empty")
		}
	case "":
		return invalid(op, "content.type", "is empty; build the content with Text, Image, File…")
	}
	return checkLen(op, "content.text", c.Text, MaxTextLength)
}

func checkItem(op string, i int, it *Item) error {
	field := "content.items[" + strconv.Itoa(i) + "]"
	if it.Title == "" {
		return invalid(op, field+".title", "is empty; an item needs a title")
	}
	if err := checkLen(op, field+".title", it.Title, MaxItemTextLength); err != nil {
		return err
	}
	if err := checkLen(op, field+".description", it.Description, MaxItemTextLength); err != nil {
		return err
	}
	if len(it.Actions) == 0 || len(it.Actions) > MaxItemActions {
		return &ValidationError{Op: op, Field: field + ".actions", Limit: MaxItemActions,
			Reason: fmt.Sprintf("has %d actions; an item has 1 to %d", len(it.Actions), MaxItemActions)}
	}
	return checkMetadata(op, field+".metadata", it.Metadata)
}

// checkUser refuses a user input over the API's limits.
func checkUser(op string, u *UserInput, create bool) error {
	if create && u.ExternalID == "" {
		// The API accepts a user without one, but it could then never be
		// found again from your side.
		return invalid(op, "externalId", "is empty; give the id your side knows the user by (1 to %d characters)", MaxExternalIDLength)
	}
	if err := checkLen(op, "externalId", u.ExternalID, MaxExternalIDLength); err != nil {
		return err
	}
	if err := checkLen(op, "brandId", u.BrandID, MaxBrandIDLength); err != nil {
		return err
	}
	if p := u.Profile; p != nil {
		for _, f := range []struct{ name, v string }{
			{"profile.givenName", p.GivenName}, {"profile.surname", p.Surname},
			{"profile.email", p.Email}, {"profile.locale", p.Locale},
		} {
			if err := checkLen(op, f.name, f.v, MaxProfileLength); err != nil {
				return err
			}
		}
		if err := checkLen(op, "profile.avatarUrl", p.AvatarURL, MaxAvatarURLLength); err != nil {
			return err
		}
	}
	return checkMetadata(op, "metadata", u.Metadata)
}

// switchboardNamePattern is what a switchboard integration's name may
// hold: letters, digits, "-" and "_".
var switchboardNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func checkSwitchboardName(op, name string) error {
	if err := checkLen(op, "name", name, MaxSwitchboardNameLength); err != nil {
		return err
	}
	if !switchboardNamePattern.MatchString(name) {
		return invalid(op, "name", "%q: want letters, digits, '-' or '_' only", name)
	}
	return nil
}

// need refuses an empty required string.
func need(op, field, v string) error {
	if v == "" {
		return invalid(op, field, "is empty")
	}
	return nil
}
