// Command startup is the baseline of bench/startup.sh: a bare Go program
// that prints one line, against which authkit's start-up is measured.
package main

import "fmt"

func main() { fmt.Println("authkit startup baseline") }
