package templates

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The pages are checked with a small tag scanner rather than an HTML
// parser (golang.org/x/net/html is not a dependency of the module). It is
// enough for html/template output: attribute values are always quoted and
// never contain a raw '<' or '>'.

type tag struct {
	name    string
	closing bool
	attrs   map[string]string
	has     map[string]bool
	pos     int
}

var (
	tagRE   = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*/?>`)
	attrRE  = regexp.MustCompile(`([^\s=]+)(?:="([^"]*)")?`)
	styleRE = regexp.MustCompile(`(?s)<style>.*?</style>`)
)

func scanTags(page string) []tag {
	page = styleRE.ReplaceAllString(page, "<style></style>")
	var tags []tag
	for _, m := range tagRE.FindAllStringSubmatchIndex(page, -1) {
		t := tag{
			name:    strings.ToLower(page[m[4]:m[5]]),
			closing: m[3] > m[2],
			attrs:   map[string]string{},
			has:     map[string]bool{},
			pos:     m[0],
		}
		for _, a := range attrRE.FindAllStringSubmatch(page[m[6]:m[7]], -1) {
			t.attrs[strings.ToLower(a[1])] = a[2]
			t.has[strings.ToLower(a[1])] = true
		}
		tags = append(tags, t)
	}
	return tags
}

// a11yWant says what a page is expected to contain beyond the common rules.
type a11yWant struct {
	alert bool // a role="alert" region
	forms int  // number of forms
	// wallet: the Sign-In with Ethereum form, whose one button is
	// type="button" (the script drives it; without it nothing is sent),
	// with a role="status" region, and the page's one script, external
	// and deferred.
	wallet bool
}

// checkPage reports the problems a11yProblems finds in a rendered page.
func checkPage(t *testing.T, name, page string, want a11yWant) {
	t.Helper()
	for _, p := range a11yProblems(page, want) {
		t.Errorf("%s: %s", name, p)
	}
}

// a11yProblems applies the structural accessibility and self-containment
// rules to a rendered page.
func a11yProblems(page string, want a11yWant) []string {
	var problems []string
	fail := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") {
		fail("no <!DOCTYPE html> first")
	}
	tags := scanTags(page)
	count := map[string]int{}
	ids := map[string]int{}
	labelFor := map[string]int{}
	var inputs []tag
	var (
		inForm       bool
		formSubmits  int
		forms        int
		alerts       int
		viewport     bool
		formHidden   map[string]bool
		headingLevel int
		formSIWE     bool
		walletForms  int
		walletStatus int
		scripts      int
	)
	for _, tg := range tags {
		if tg.closing {
			if tg.name == "form" {
				if !inForm {
					fail("</form> without <form>")
				}
				if formSubmits == 0 && !formSIWE {
					fail("a form has no submit button")
				}
				if want.forms > 0 && (!formHidden["csrfToken"] || !formHidden["callbackUrl"]) {
					fail("a form lacks the hidden csrfToken or callbackUrl: %v", formHidden)
				}
				inForm = false
			}
			continue
		}
		count[tg.name]++
		if id, ok := tg.attrs["id"]; ok {
			ids[id]++
		}
		if v, ok := tg.attrs["tabindex"]; ok && v != "0" && v != "-1" {
			fail("<%s> has tabindex=%q, which breaks the DOM tab order", tg.name, v)
		}
		if tg.attrs["role"] == "alert" {
			alerts++
		}
		switch tg.name {
		case "html":
			if tg.attrs["lang"] == "" {
				fail("<html> has no lang")
			}
		case "meta":
			if tg.attrs["name"] == "viewport" && strings.Contains(tg.attrs["content"], "width=device-width") {
				viewport = true
			}
		case "h1", "h2", "h3", "h4", "h5", "h6":
			level := int(tg.name[1] - '0')
			if level > headingLevel+1 {
				fail("<%s> skips a heading level", tg.name)
			}
			headingLevel = level
		case "form":
			if inForm {
				fail("nested <form>")
			}
			inForm, formSubmits, formHidden = true, 0, map[string]bool{}
			formSIWE = want.wallet && tg.attrs["data-provider-type"] == "siwe"
			if formSIWE {
				walletForms++
			}
			forms++
			if tg.attrs["method"] != "post" {
				fail("form method is %q, want post", tg.attrs["method"])
			}
			if tg.attrs["action"] == "" {
				fail("form has no action")
			}
		case "button":
			if !inForm {
				fail("<button> outside a form")
			}
			if formSIWE {
				if tg.attrs["type"] != "button" || formSubmits > 0 {
					fail("the wallet form's button is type %q, want one type=\"button\"", tg.attrs["type"])
				}
				formSubmits++
			} else if tg.attrs["type"] != "submit" {
				fail("<button> type is %q, want submit", tg.attrs["type"])
			} else {
				formSubmits++
			}
		case "input", "select", "textarea":
			if tg.attrs["type"] == "hidden" {
				if inForm {
					formHidden[tg.attrs["name"]] = true
				}
				continue
			}
			if !inForm {
				fail("<%s> outside a form", tg.name)
			}
			inputs = append(inputs, tg)
		case "label":
			labelFor[tg.attrs["for"]]++
		case "img":
			if !tg.has["alt"] || strings.TrimSpace(tg.attrs["alt"]) == "" {
				fail("<img> without alt text")
			}
		case "script":
			scripts++
			if !want.wallet || scripts > 1 || tg.attrs["src"] == "" || !tg.has["defer"] {
				fail("<script> is not allowed: the pages run no script but the wallet form's one external, deferred script")
			}
		case "p":
			if tg.attrs["role"] == "status" {
				if !inForm || !formSIWE {
					fail("a role=status region outside the wallet form")
				}
				walletStatus++
			}
		case "link", "iframe", "object", "embed", "base":
			fail("<%s> is not allowed: the pages load nothing and run no script", tg.name)
		}
		for a := range tg.attrs {
			if strings.HasPrefix(a, "on") {
				fail("<%s> has an event handler attribute %s", tg.name, a)
			}
		}
	}
	if inForm {
		fail("unclosed <form>")
	}
	if !viewport {
		fail("no <meta name=\"viewport\">")
	}
	if count["h1"] != 1 {
		fail("%d <h1>, want exactly 1", count["h1"])
	}
	if count["main"] != 1 {
		fail("%d <main>, want exactly 1", count["main"])
	}
	if count["title"] != 1 {
		fail("%d <title>, want 1", count["title"])
	}
	if count["style"] != 1 {
		fail("%d <style>, want 1", count["style"])
	}
	for id, n := range ids {
		if n > 1 {
			fail("id %q used %d times", id, n)
		}
	}
	for _, in := range inputs {
		id := in.attrs["id"]
		if id == "" {
			fail("<%s name=%q> has no id for a label", in.name, in.attrs["name"])
		} else if labelFor[id] != 1 {
			fail("<%s id=%q> has %d labels, want 1", in.name, id, labelFor[id])
		}
		if in.attrs["name"] == "" {
			fail("<%s id=%q> has no name", in.name, id)
		}
	}
	for f := range labelFor {
		if ids[f] == 0 {
			fail("<label for=%q> points at nothing", f)
		}
	}
	if want.alert && alerts != 1 {
		fail("%d role=alert regions, want 1", alerts)
	}
	if !want.alert && alerts != 0 {
		fail("%d role=alert regions, want none", alerts)
	}
	if forms != want.forms {
		fail("%d forms, want %d", forms, want.forms)
	}
	if want.wallet {
		if walletForms != 1 || walletStatus != 1 || scripts != 1 {
			fail("%d wallet forms, %d status regions, %d scripts; want one of each", walletForms, walletStatus, scripts)
		}
		// The script element is empty: the code comes from its src.
		if !regexp.MustCompile(`<script src="[^"]+" defer></script>`).MatchString(page) {
			fail("the wallet script is not an empty <script src=… defer>")
		}
	}
	// Nothing in the CSS loads anything.
	style := styleRE.FindString(page)
	for _, bad := range []string{"url(", "@import", "expression("} {
		if strings.Contains(style, bad) {
			fail("the <style> contains %q", bad)
		}
	}
	if !strings.Contains(style, ":focus-visible") || !strings.Contains(style, "outline: 3px solid var(--ring)") {
		fail("no visible focus style")
	}
	return problems
}
