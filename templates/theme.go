package templates

import (
	"math"
	"strconv"
	"strings"
)

// defaultAccent is the accent colour used when Brand.Accent is empty or not
// a #rgb/#rrggbb colour.
const defaultAccent = "#2450c8"

// The fixed colours of the pages; the accent is checked against the
// surfaces the buttons and focus ring sit on.
const (
	lightSurface = "#ffffff"
	lightText    = "#1b1d21"
	darkSurface  = "#1d2026"
	darkText     = "#eceef1"
)

// theme holds the colours derived from the accent, all normalised #rrggbb.
type theme struct {
	// Accent is the button background.
	Accent string
	// OnAccent is the button text: black or white, whichever contrasts
	// more with Accent.
	OnAccent string
	// Ring and RingDark are the focus ring colours on the light and dark
	// surfaces: the accent where it reaches 3:1, else the text colour.
	Ring, RingDark string
	// Link and LinkDark are the link colours: the accent where it reaches
	// 4.5:1 against the surface, else the text colour.
	Link, LinkDark string
}

func newTheme(accent string) theme {
	hex, ok := normalizeHex(accent)
	if !ok {
		hex, _ = normalizeHex(defaultAccent)
	}
	t := theme{Accent: hex, OnAccent: "#000000"}
	if contrast(hex, "#ffffff") >= contrast(hex, "#000000") {
		t.OnAccent = "#ffffff"
	}
	t.Ring = pick(hex, lightSurface, lightText, 3)
	t.RingDark = pick(hex, darkSurface, darkText, 3)
	t.Link = pick(hex, lightSurface, lightText, 4.5)
	t.LinkDark = pick(hex, darkSurface, darkText, 4.5)
	return t
}

// pick returns accent if it reaches min contrast against surface, else
// fallback.
func pick(accent, surface, fallback string, min float64) string {
	if contrast(accent, surface) >= min {
		return accent
	}
	return fallback
}

// normalizeHex accepts exactly #rgb or #rrggbb (any case) and returns the
// lowercase #rrggbb form.
func normalizeHex(s string) (string, bool) {
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return "", false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return "", false
		}
	}
	s = strings.ToLower(s)
	if len(s) == 4 {
		s = string([]byte{'#', s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	return s, true
}

// luminance is the WCAG 2 relative luminance of a normalised #rrggbb colour.
func luminance(hex string) float64 {
	var l [3]float64
	for i := range l {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l[i] = c
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is the WCAG 2 contrast ratio of two normalised colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
