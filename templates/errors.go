package templates

// errorMessages are the sentences for the client-safe Auth.js error codes,
// Configuration, and Default for anything else.
var errorMessages = map[string]string{
	"CredentialsSignin":         "Sign in failed. Check that the details you entered are correct and try again.",
	"OAuthAccountNotLinked":     "This email address is already used with another sign-in method. Sign in the way you did before.",
	"OAuthCallbackError":        "The sign-in provider could not complete your sign-in. Please try again.",
	"AccessDenied":              "You do not have permission to sign in.",
	"Verification":              "This sign-in link is no longer valid. It may have been used already or it may have expired.",
	"MissingCSRF":               "The sign-in form had expired. Please try again.",
	"AccountNotLinked":          "This account is already linked to another user.",
	"WebAuthnVerificationError": "Your passkey could not be verified. Please try again.",
	"Configuration":             "The server is not set up correctly. Please contact the site's administrator.",
	"Default":                   "Something went wrong while signing in. Please try again.",
}

// errorHeadings are the error page's headings; anything else gets
// "Unable to sign in".
var errorHeadings = map[string]string{
	"Configuration": "Server error",
	"AccessDenied":  "Access denied",
	"Verification":  "Link expired",
}

// ErrorMessage returns the readable sentence for an error code: one for
// each client-safe Auth.js code (CredentialsSignin, OAuthAccountNotLinked,
// OAuthCallbackError, AccessDenied, Verification, MissingCSRF,
// AccountNotLinked, WebAuthnVerificationError), Configuration and Default.
// An unknown code gets the Default sentence.
func ErrorMessage(code string) string {
	if m, ok := errorMessages[code]; ok {
		return m
	}
	return errorMessages["Default"]
}

// ErrorStatus returns the HTTP status of the error page for a code, as
// Auth.js answers it: 500 for Configuration, 403 for AccessDenied and
// Verification, 200 for anything else.
func ErrorStatus(code string) int {
	switch code {
	case "Configuration":
		return 500
	case "AccessDenied", "Verification":
		return 403
	}
	return 200
}

func errorHeading(code string) string {
	if h, ok := errorHeadings[code]; ok {
		return h
	}
	return "Unable to sign in"
}
