package config

import (
	"fmt"
	"io"
	"strings"

	"lm-user-hygiene/hygiene"
	"lm-user-hygiene/output"
)

// WriteHelp prints the help of a command, or with cmd empty the help of the
// tool: every command, and every setting with its variable and the device
// property that sets it on a collector.
func WriteHelp(w io.Writer, cmd hygiene.Command) {
	c, ok := commandNamed(string(cmd))
	if !ok {
		writeToolHelp(w)
		return
	}
	fmt.Fprintf(w, "Usage: lm-user-hygiene %s [flags]\n\n%s.\n", c.usage, upperFirst(c.summary))
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n\n", c.about)
	}
	fmt.Fprintf(w, "Outputs (--output): %s; the first is the default.\n\nSettings (flag, variable):\n", strings.Join(formats(c.outputs), ", "))
	for _, s := range settings {
		if s.uses&c.uses == 0 {
			continue
		}
		switch {
		case s.Flag == "output":
			s.Help, s.Default = orList(c.outputs), string(c.outputs[0])
		case s.Flag == "apply" && c.name.NeverWrites():
			s.Help, s.Default = "accepted and ignored: "+string(c.name)+" never writes", ""
		}
		fmt.Fprintf(w, "  --%-22s %-26s %s%s\n", s.Flag, s.Env, s.Help, defaultOf(s))
	}
	if c.uses&(useHistory|useUndo) == 0 {
		fmt.Fprint(w, "  --demo                   against a built-in simulated portal (no credentials, no network)\n")
	}
	fmt.Fprint(w, "\nEvery flag is also an environment variable; a flag wins. lm-user-hygiene --help lists the device\nproperties that set them on a collector.\n")
}

func writeToolHelp(w io.Writer) {
	fmt.Fprint(w, `lm-user-hygiene: suspend inactive LogicMonitor users and regroup fresh SSO users.

Usage: lm-user-hygiene [COMMAND] [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-15s %s\n", c.usage, c.summary)
	}
	fmt.Fprint(w, `  help [COMMAND]  this help, or a command's usage and the settings it reads (as COMMAND --help)
  version         print the version

Without --apply nothing is written: the run plans and reports what it would do.
Every setting is a flag and an environment variable (a flag wins); on a collector the
modules take it from the device property shown.

Settings (flag, variable, device property):
`)
	for _, s := range settings {
		prop := s.Property
		if prop == "" {
			prop = "-"
		}
		if s.Flag == "output" {
			s.Default = ""
		}
		fmt.Fprintf(w, "  --%-22s %-26s %-27s %s%s\n", s.Flag, s.Env, prop, s.Help, defaultOf(s))
	}
	fmt.Fprint(w, `  --demo                   run against a built-in simulated portal (no credentials, no network)
  --version                print the version
  --help                   print this help

The Groovy modules also read lmuh.binary (where the binary is installed) and
lmuh.timeout (how long a run may take).

Exit status: 0 run completed, 1 run could not complete, 2 bad configuration,
3 check found something that needs attention.
`)
}

func defaultOf(s Setting) string {
	if s.Default == "" {
		return ""
	}
	return " (default " + s.Default + ")"
}

func formats(fs []output.Format) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// didYouMean names the known word closest to word, as ": did you mean
// --inactive-days?", when one is close enough to be a typo or word is the
// start of one; else "".
func didYouMean(word string, known []string, prefix string) string {
	word = strings.ToLower(word)
	best, bestDist := "", 0
	for _, k := range known {
		if len(word) >= 3 && strings.HasPrefix(k, word) {
			// A name cut short.
			return fmt.Sprintf(": did you mean %s%s?", prefix, k)
		}
		if d := editDistance(word, k); best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	// A typo changes a few letters, and keeps most of the word.
	if best == "" || bestDist > max(2, len(best)/3) || bestDist >= len(word) {
		return ""
	}
	return fmt.Sprintf(": did you mean %s%s?", prefix, best)
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
