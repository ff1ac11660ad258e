package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Setting values of --state that are not paths.
const (
	SettingAuto = "auto" // the default path for the portal
	SettingOff  = "off"  // no state: a choice, not a fault
)

// dirName is the directory under the user cache directory that holds one
// state file per portal.
const dirName = "lm-user-hygiene"

// DefaultPath is where the state of the portal at portalHost lives:
// <user cache dir>/lm-user-hygiene/<host>.db. The host becomes a safe file
// name (lower case; anything but letters, digits, '.', '-' and '_' becomes
// '_'), so "acme.logicmonitor.com" gives acme.logicmonitor.com.db and
// "127.0.0.1:8443" gives 127.0.0.1_8443.db.
//
// It fails when the system names no user cache directory (on Linux neither
// $XDG_CACHE_HOME nor $HOME is set, as for a system service without User=;
// on Windows %LocalAppData% is empty).
func DefaultPath(portalHost string) (string, error) {
	name, err := fileName(portalHost)
	if err != nil {
		return "", err
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("state: no user cache directory for the state file (%v); set --state PATH, or --state off", err)
	}
	return filepath.Join(dir, dirName, name), nil
}

// ParsePath reads the --state setting: "auto" (or empty) is DefaultPath,
// "off" is no state and gives "", and anything else is the path itself.
// Its error (only from auto) means the state cannot be used this run: the
// run goes on without state, as for a file that cannot be written.
func ParsePath(setting, portalHost string) (string, error) {
	switch s := strings.TrimSpace(setting); {
	case s == "" || strings.EqualFold(s, SettingAuto):
		return DefaultPath(portalHost)
	case strings.EqualFold(s, SettingOff):
		return "", nil
	default:
		return filepath.Clean(s), nil
	}
}

// fileName turns a portal host (maybe with a port) into the state file's
// name.
func fileName(host string) (string, error) {
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" {
		return "", errors.New("state: no portal host to name the state file after; set --state PATH")
	}
	b := []byte(host)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	name := strings.Trim(string(b), ".")
	if name == "" {
		name = "_"
	}
	// Windows opens a device, not a file, for these names whatever the
	// extension.
	stem, _, _ := strings.Cut(name, ".")
	switch stem {
	case "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
		"lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9":
		name = "_" + name
	}
	return name + ".db", nil
}
