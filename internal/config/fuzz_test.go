package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Distinctive secrets: no configuration error may ever contain them, nor a
// long piece of them.
const (
	fuzzAccessKey = "fzKEY-8c1f-Qw7e-secret"
	fuzzBearer    = "fzBEARER-5d2a-Zx9r-secret"
)

// FuzzLoadConfig feeds arbitrary command lines and environments to the
// configuration reader and the checks that follow it at start-up. args is
// split on NUL when it holds one, else on each space. env holds NUL-separated
// KEY=VALUE pairs; a key may leave out its LM_ or LMUH_ prefix. creds places
// the fixed secrets: bit 0 LM_ACCESS_KEY, bit 1 LM_BEARER_TOKEN, bit 2
// "--access-key KEY", bit 3 "--access-key=KEY", bit 4 "--bearer-token TOKEN",
// bit 5 puts those flags after the fuzzed arguments instead of before, bit 6
// adds the malformed "---access-key=KEY".
func FuzzLoadConfig(f *testing.F) {
	f.Add("", "ACCOUNT=acme\x00ACCESS_ID=id1", uint8(0b000101))
	f.Add("suspend --apply --max-changes=-1", "BASE_URL=https://acme.lmgov.us/santaba/rest", uint8(0b010010))
	f.Add("--log-level", "ACCOUNT=acme\x00ACCESS_ID=id1", uint8(0b100100))
	f.Add("--output=json undo", "ACCOUNT=acme\x00ACCESS_ID=id1", uint8(0b1000000))
	f.Add("run --role-groups=a=B C --state=##lmuh.state##", "ACCOUNT=acme\x00ACCESS_ID=id1\x00AS_OF=2999-01-01", uint8(0b1100001))
	f.Fuzz(func(t *testing.T, rawArgs, rawEnv string, creds uint8) {
		var args []string
		switch {
		case strings.Contains(rawArgs, "\x00"):
			args = strings.Split(rawArgs, "\x00")
		case rawArgs != "":
			// Split on single spaces, so that empty arguments and other
			// white space inside one stay possible.
			args = strings.Split(rawArgs, " ")
		}
		env := fuzzEnv(rawEnv)
		if creds&1 != 0 {
			env["LM_ACCESS_KEY"] = fuzzAccessKey
		}
		if creds&2 != 0 {
			env["LM_BEARER_TOKEN"] = fuzzBearer
		}
		var secretArgs []string
		if creds&4 != 0 {
			secretArgs = append(secretArgs, "--access-key", fuzzAccessKey)
		}
		if creds&8 != 0 {
			secretArgs = append(secretArgs, "--access-key="+fuzzAccessKey)
		}
		if creds&16 != 0 {
			secretArgs = append(secretArgs, "--bearer-token", fuzzBearer)
		}
		if creds&64 != 0 {
			secretArgs = append(secretArgs, "---access-key="+fuzzAccessKey)
		}
		if creds&32 != 0 {
			args = append(args, secretArgs...)
		} else {
			args = append(secretArgs, args...)
		}

		_, err := Load(context.Background(), args, env, testNow)
		if err == nil {
			return
		}
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Fatalf("error %q is %T, not a *UsageError (exit status 2)", err, err)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n") {
			t.Errorf("error is not one line: %q", msg)
		}
		given := rawArgs + "\x00" + rawEnv
		for _, secret := range []string{fuzzAccessKey, fuzzBearer} {
			// Any 10-byte piece counts, so a shortened echo is caught too;
			// a piece the fuzzed input spells out itself does not.
			for i := 0; i+10 <= len(secret); i++ {
				if piece := secret[i : i+10]; strings.Contains(msg, piece) && !strings.Contains(given, piece) {
					t.Fatalf("error contains the secret %q: %q", secret, msg)
				}
			}
		}
	})
}

// fuzzEnv reads NUL-separated KEY=VALUE pairs; a key without its LM_ or LMUH_
// prefix gets the one a setting has.
func fuzzEnv(raw string) map[string]string {
	env := map[string]string{}
	for pair := range strings.SplitSeq(raw, "\x00") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		for _, s := range settings {
			if s.Env == "LM_"+k || s.Env == "LMUH_"+k {
				k = s.Env
				break
			}
		}
		env[k] = v
	}
	return env
}
