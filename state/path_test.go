package state

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the cache directory is spelled per system; this checks Linux's")
	}
	t.Setenv("XDG_CACHE_HOME", "/var/cache/u")
	tests := []struct {
		name, host, want string
	}{
		{"a portal host is the file name", "acme.logicmonitor.com", "/var/cache/u/lm-user-hygiene/acme.logicmonitor.com.db"},
		{"case does not make a second file", "ACME.LogicMonitor.com", "/var/cache/u/lm-user-hygiene/acme.logicmonitor.com.db"},
		{"a port cannot make a path", "127.0.0.1:8443", "/var/cache/u/lm-user-hygiene/127.0.0.1_8443.db"},
		{"a host cannot climb out of the directory", "../../etc/passwd", "/var/cache/u/lm-user-hygiene/_.._etc_passwd.db"},
		{"dots alone are no name", "..", "/var/cache/u/lm-user-hygiene/_.db"},
		{"a Windows device name is not opened as a device", "con", "/var/cache/u/lm-user-hygiene/_con.db"},
		{"an IPv6 host is a file name", "[::1]:443", "/var/cache/u/lm-user-hygiene/___1__443.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultPath(tt.host)
			if err != nil || got != tt.want {
				t.Fatalf("DefaultPath(%q) = %q, %v; want %q", tt.host, got, err, tt.want)
			}
		})
	}
}

func TestDefaultPathWithoutCacheDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	// A system service without User= has no $HOME.
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if got, err := DefaultPath("acme.logicmonitor.com"); err == nil {
		t.Fatalf("DefaultPath = %q without $HOME; want an error saying to set --state", got)
	}
	if _, err := DefaultPath(""); err == nil {
		t.Fatal("no host gave a path")
	}
}

func TestParsePath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/c")
	auto := filepath.Join("/c", "lm-user-hygiene", "acme.logicmonitor.com.db")
	tests := []struct {
		name, setting, want string
	}{
		{"auto is the default path", "auto", auto},
		{"unset is auto", "", auto},
		{"auto in any case", " AUTO ", auto},
		{"off is no state", "off", ""},
		{"off in any case", "Off", ""},
		{"a path is the path", "/var/lib/lmuh/state.db", "/var/lib/lmuh/state.db"},
		{"a path is cleaned", "/var/lib//lmuh/./state.db", "/var/lib/lmuh/state.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS != "linux" && tt.want == auto {
				t.Skip("Linux only")
			}
			got, err := ParsePath(tt.setting, "acme.logicmonitor.com")
			if err != nil || got != tt.want {
				t.Fatalf("ParsePath(%q) = %q, %v; want %q", tt.setting, got, err, tt.want)
			}
		})
	}
}
