// Package initwizard is the interactive form of `authkit init`: it asks
// for the template, providers, session strategy, database, linking policy
// and base URL, and returns the answers. It decides nothing: the command
// gives it the choices and checks the answers.
package initwizard

// Choice is one option of a question.
type Choice struct {
	// Value is what the answer holds, such as "github".
	Value string
	// Label is what the user sees, such as "GitHub".
	Label string
}

// Catalogue is what the wizard offers.
type Catalogue struct {
	Templates, Providers, Sessions, Databases, Linking []Choice
}

// Answers are the wizard's result, or its defaults.
type Answers struct {
	Template  string
	Providers []string
	Session   string
	Database  string
	Linking   string
	BaseURL   string
}
