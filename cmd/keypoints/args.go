package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed returns args with the chosen command's flags moved ahead of
// its positional arguments, so that "keypoints predict photos/ --json r.json"
// means what it means to argparse-based tools (mmpose, openpifpaf): urfave/cli
// v2 parses a command's flags with the standard flag package, which stops at
// the first positional argument and would take "--json" for an input path.
//
// A flag that takes a value keeps the token after it (or its "=value");
// everything after "--" stays positional. Tokens that are not flags of the
// command are left for cli to report. args is not modified.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		// Shell completion looks for its flag in the last place.
		return args
	}
	out := []string{args[0]}
	cmds := app.Commands
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") { // the app's own flags (--help)
		out = append(out, args[i])
		i++
	}
	var cmd *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		out = append(out, args[i])
		i++
		cmd = c
		if len(c.Subcommands) == 0 {
			break
		}
		cmds = c.Subcommands
	}
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return append(out, args[i:]...)
	}

	var flags, positional []string
	rest := args[i:]
	for j := 0; j < len(rest); j++ {
		tok := rest[j]
		if tok == "--" {
			positional = append(positional, rest[j+1:]...)
			break
		}
		if len(tok) < 2 || tok[0] != '-' {
			positional = append(positional, tok)
			continue
		}
		flags = append(flags, tok)
		name, _, hasValue := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		if !hasValue && takesValue(cmd, name) && j+1 < len(rest) {
			j++
			flags = append(flags, rest[j])
		}
	}
	out = append(out, flags...)
	if len(positional) > 0 {
		// "--" keeps a positional argument that starts with "-" positional.
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether cmd's flag called name reads the next token as
// its value (every flag but a boolean one). Unknown names take none.
func takesValue(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		if !slices.Contains(f.Names(), name) {
			continue
		}
		if v, ok := f.(cli.DocGenerationFlag); ok {
			return v.TakesValue()
		}
		return false
	}
	return false
}
