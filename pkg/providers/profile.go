package providers

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// MapOIDCProfile is the default MapProfile, the Auth.js v5 OIDC default: id from
// sub (else id), name from name, else nickname, else preferred_username,
// email, image from picture, and EmailVerified from email_verified (true,
// or the string "true", as some providers send it). Auth.js makes up a
// random id when there is neither sub nor id; authkit refuses such a
// profile instead.
func MapOIDCProfile(raw map[string]any) (Profile, error) {
	return mapOIDC("", raw)
}

func mapOIDC(label string, raw map[string]any) (Profile, error) {
	id := str(raw["sub"])
	if id == "" {
		id = str(raw["id"])
	}
	if id == "" {
		if label == "" {
			label = "OIDC"
		}
		return Profile{}, missingID(label)
	}
	return Profile{
		ID:            id,
		Name:          first(str(raw["name"]), str(raw["nickname"]), str(raw["preferred_username"])),
		Email:         str(raw["email"]),
		Image:         str(raw["picture"]),
		EmailVerified: truthy(raw["email_verified"]),
	}, nil
}

// str turns a JSON scalar into a string: strings as they are, numbers in
// decimal without exponent or float formatting (json.Number is kept as
// written when it is an integer), and anything else as "".
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		s := string(x)
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return s
		}
		if _, err := strconv.ParseUint(s, 10, 64); err == nil {
			return s
		}
		if f, err := x.Float64(); err == nil {
			return floatString(f)
		}
		return s
	case float64:
		return floatString(x)
	case float32:
		return floatString(float64(x))
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	}
	return ""
}

func floatString(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// truthy reports a JSON true or the string "true" (Apple and some others
// send booleans as strings).
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

// obj returns v as a JSON object, or nil.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// at walks nested objects: at(raw, "picture", "data", "url").
func at(raw map[string]any, keys ...string) any {
	var v any = raw
	for _, k := range keys {
		m := obj(v)
		if m == nil {
			return nil
		}
		v = m[k]
	}
	return v
}

// first returns the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
