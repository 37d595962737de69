// Command plinth is the Plinth CLI. Everything lives in package cli so that
// tests run the CLI in-process.
package main

import (
	"os"

	"github.com/plinth-iac/plinth/cli"
)

func main() { os.Exit(cli.Main()) }
