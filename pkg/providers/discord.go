package providers

import (
	"strconv"
)

// mapDiscord is Auth.js v5's Discord mapping: id, name from global_name
// else username, email, the avatar URL of DiscordAvatarURL, and
// EmailVerified from Discord's verified flag.
func mapDiscord(raw map[string]any) (Profile, error) {
	id := str(raw["id"])
	if id == "" {
		return Profile{}, missingID("discord")
	}
	return Profile{
		ID:            id,
		Name:          first(str(raw["global_name"]), str(raw["username"])),
		Email:         str(raw["email"]),
		Image:         DiscordAvatarURL(id, str(raw["avatar"]), str(raw["discriminator"])),
		EmailVerified: truthy(raw["verified"]),
	}, nil
}

// DiscordAvatarURL is the image of a Discord user, by Auth.js v5's rules.
// With an avatar hash: https://cdn.discordapp.com/avatars/<id>/<hash>.gif
// for an animated avatar (hash "a_…"), else .png. Without one, a default
// avatar https://cdn.discordapp.com/embed/avatars/<n>.png where n is
// (id >> 22) % 6 for users of the new username system (discriminator "0"
// or absent) and discriminator % 5 for the others. A hash or id with
// characters Discord never uses is treated as absent.
func DiscordAvatarURL(id, avatar, discriminator string) string {
	if avatar != "" && isToken(avatar) && isDigits(id) {
		ext := "png"
		if len(avatar) > 2 && avatar[:2] == "a_" {
			ext = "gif"
		}
		return "https://cdn.discordapp.com/avatars/" + id + "/" + avatar + "." + ext
	}
	n := uint64(0)
	if discriminator == "" || discriminator == "0" {
		if v, err := strconv.ParseUint(id, 10, 64); err == nil {
			n = (v >> 22) % 6
		}
	} else if v, err := strconv.ParseUint(discriminator, 10, 64); err == nil {
		n = v % 5
	}
	return "https://cdn.discordapp.com/embed/avatars/" + strconv.FormatUint(n, 10) + ".png"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isToken reports letters, digits and '_' only.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return s != ""
}
