package providers

import "testing"

func TestDiscordAvatarURL(t *testing.T) {
	tests := []struct {
		id, avatar, discriminator, want string
	}{
		{"80351110224678912", "8342729096ea3675442027381ff50dfe", "0", "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"},
		{"80351110224678912", "a_8342729096ea3675442027381ff50dfe", "0", "https://cdn.discordapp.com/avatars/80351110224678912/a_8342729096ea3675442027381ff50dfe.gif"},
		// A hash that merely contains "a_" later is not animated.
		{"80351110224678912", "8342a_29096ea3675442027381ff50dfe", "1234", "https://cdn.discordapp.com/avatars/80351110224678912/8342a_29096ea3675442027381ff50dfe.png"},
		// New username system: (id >> 22) % 6.
		{"80351110224678912", "", "0", "https://cdn.discordapp.com/embed/avatars/5.png"},
		{"80351110224678912", "", "", "https://cdn.discordapp.com/embed/avatars/5.png"},
		{"4194304", "", "0", "https://cdn.discordapp.com/embed/avatars/1.png"},
		{"0", "", "0", "https://cdn.discordapp.com/embed/avatars/0.png"},
		// Legacy discriminator: discriminator % 5.
		{"53908232506183680", "", "1337", "https://cdn.discordapp.com/embed/avatars/2.png"},
		{"53908232506183680", "", "0005", "https://cdn.discordapp.com/embed/avatars/0.png"},
		{"53908232506183680", "", "9999", "https://cdn.discordapp.com/embed/avatars/4.png"},
		// Junk never reaches the URL path.
		{"80351110224678912", "../../evil", "0", "https://cdn.discordapp.com/embed/avatars/5.png"},
		{"1/../2", "abc", "0", "https://cdn.discordapp.com/embed/avatars/0.png"},
		{"x", "", "x", "https://cdn.discordapp.com/embed/avatars/0.png"},
	}
	for _, tt := range tests {
		if got := DiscordAvatarURL(tt.id, tt.avatar, tt.discriminator); got != tt.want {
			t.Errorf("DiscordAvatarURL(%q, %q, %q) = %q, want %q", tt.id, tt.avatar, tt.discriminator, got, tt.want)
		}
	}
}
