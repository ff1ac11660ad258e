package lmfake_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lm-user-hygiene/lm"
	"lm-user-hygiene/lm/lmfake"
)

func TestPopulateIsDeterministic(t *testing.T) {
	o := sampleOptions(500)
	a := lmfake.NewSample(testConfig(), o)
	b := lmfake.NewSample(testConfig(), o)
	if !reflect.DeepEqual(a.Users(), b.Users()) || !reflect.DeepEqual(a.Groups(), b.Groups()) || !reflect.DeepEqual(a.Roles(), b.Roles()) {
		t.Fatal("same options gave different portals")
	}
	// The wire form too: same bytes for the same pages, whatever the clock.
	c := lmfake.NewSample(lmfake.Config{AccessID: exampleID, BearerToken: bearer}, o) // real clock
	for _, target := range []string{"/setting/admins?size=1000", "/setting/admin/groups", "/setting/roles"} {
		auth := map[string]string{"Authorization": "Bearer " + bearer}
		if x, y := callWith(t, b, "GET", target, "", auth), callWith(t, c, "GET", target, "", auth); string(x.body) != string(y.body) {
			t.Errorf("same options gave different pages for %s", target)
		}
	}
	o.Seed++
	if d := lmfake.NewSample(testConfig(), o); reflect.DeepEqual(a.Users(), d.Users()) {
		t.Error("another seed gave the same users")
	}
	zero := lmfake.SampleOptions{Users: 50}
	if x, y := lmfake.NewSample(testConfig(), zero), lmfake.NewSample(testConfig(), zero); !reflect.DeepEqual(x.Users(), y.Users()) {
		t.Error("zero Now is not deterministic")
	}
}

// situations classifies sample users into the cases the hygiene steps must
// handle, from the API's view of them.
func situations(p *lmfake.Portal, now time.Time) map[string]int {
	groups := map[int]string{}
	for _, g := range p.Groups() {
		groups[g.ID] = g.Name
	}
	latest := func(u lm.User) time.Time {
		var t time.Time
		for _, v := range []int64{u.LastLoginOn, u.LastActionOn, u.LastAccessOn} {
			if e := lm.Epoch(v); e.After(t) {
				t = e
			}
		}
		for _, tok := range u.APITokens {
			if e := lm.Epoch(tok.LastUsedOn); e.After(t) {
				t = e
			}
		}
		return t
	}
	inGroup := func(u lm.User, name string) bool {
		return slices.ContainsFunc(u.GroupIDs, func(id int) bool { return groups[id] == name })
	}
	idle := func(u lm.User) time.Duration { return now.Sub(latest(u)) }
	const day = 24 * time.Hour
	n := map[string]int{}
	for _, u := range p.Users() {
		human := !u.APIOnly
		active := u.Status == lm.StatusActive
		count := func(name string, ok bool) {
			if ok {
				n[name]++
			}
		}
		count("active human", active && human)
		count("inactive human", active && human && !latest(u).IsZero() && idle(u) > 90*day)
		count("active recent", active && human && !latest(u).IsZero() && idle(u) >= 0 && idle(u) < 30*day)
		count("long idle", active && human && idle(u) > 91*day && !latest(u).IsZero())
		count("borderline 90 days", active && human && idle(u) > 88*day && idle(u) < 92*day)
		count("never logged in", human && latest(u).IsZero())
		count("API-only with tokens", u.APIOnly && len(u.APITokens) > 0)
		count("API-only idle", u.APIOnly && idle(u) > 90*day)
		count("suspended in Suspended", !active && inGroup(u, "Suspended"))
		count("suspended elsewhere", !active && !inGroup(u, "Suspended"))
		count("SSO-created ungrouped", ssoWord.MatchString(u.CreatedBy) && len(u.GroupIDs) == 0)
		count("in the Ungrouped group", slices.Equal(u.GroupIDs, []int{1}) && groups[1] == "Ungrouped")
		count("in a deleted group", slices.ContainsFunc(u.GroupIDs, func(id int) bool { return groups[id] == "" }))
		count("reactivated still in Suspended", active && inGroup(u, "Suspended"))
		count("administrator", u.HasRole("administrator"))
		count("several roles", len(u.Roles) > 1)
		count("milliseconds", u.LastLoginOn > 100_000_000_000)
		count("future", latest(u).After(now.Add(day)))
		count("break-glass", strings.HasPrefix(u.Username, "breakglass@"))
		count("non-SSO creator mentioning sso", !ssoWord.MatchString(u.CreatedBy) && strings.Contains(strings.ToLower(u.CreatedBy), "sso"))
	}
	return n
}

func TestPopulateMix(t *testing.T) {
	for _, users := range []int{60, 61, 600} {
		p := lmfake.NewSample(testConfig(), sampleOptions(users))
		if got := len(p.Users()); got != users {
			t.Fatalf("%d users, want %d", got, users)
		}
		n := situations(p, fixedNow())
		for _, s := range []string{"active recent", "long idle", "borderline 90 days", "never logged in", "API-only with tokens",
			"API-only idle", "suspended in Suspended", "suspended elsewhere", "SSO-created ungrouped", "in the Ungrouped group",
			"in a deleted group", "reactivated still in Suspended", "administrator", "several roles", "milliseconds",
			"future", "break-glass", "non-SSO creator mentioning sso"} {
			if n[s] == 0 {
				t.Errorf("Users=%d: no user is %q (mix %v)", users, s, n)
			}
		}
		if n["future"] != 1 || n["break-glass"] != 1 {
			t.Errorf("Users=%d: %d future, %d break-glass users, want one each", users, n["future"], n["break-glass"])
		}
		if share := float64(n["inactive human"]) / float64(n["active human"]); share >= 0.2 {
			t.Errorf("Users=%d: %.0f%% of active humans idle: the default breaker would trip on the sample", users, 100*share)
		}
	}
}

func TestPopulateShape(t *testing.T) {
	t.Run("the token owner holds the portal's access id", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(1))
		u, ok := p.User(1)
		if !ok || u.Username != lmfake.SampleTokenUser || !u.APIOnly || len(u.APITokens) != 1 || u.APITokens[0].AccessID != exampleID || !u.APITokens[0].Enabled {
			t.Errorf("user 1 = %+v", u)
		}
	})
	t.Run("without an access id the token owner gets a default", func(t *testing.T) {
		p := lmfake.NewSample(lmfake.Config{}, sampleOptions(1))
		if u, _ := p.User(1); u.APITokens[0].AccessID != lmfake.SampleDefaultAccessID {
			t.Errorf("user 1 token = %+v", u.APITokens)
		}
	})
	t.Run("no users still gives roles and groups", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(0))
		if len(p.Users()) != 0 || len(p.Roles()) != 6 || len(p.Groups()) != 7 {
			t.Errorf("%d users, roles %v, groups %v", len(p.Users()), p.Roles(), p.Groups())
		}
	})
	t.Run("the Suspended group exists only when asked", func(t *testing.T) {
		o := sampleOptions(100)
		o.WithSuspendedGroup = false
		p := lmfake.NewSample(testConfig(), o)
		for _, g := range p.Groups() {
			if lm.SameName(g.Name, "Suspended") {
				t.Errorf("group %+v without WithSuspendedGroup", g)
			}
		}
		want := []string{"Ungrouped", "Network Operations", "Viewers", "Managers", "administrator", "netops"}
		var names []string
		for _, g := range p.Groups() {
			names = append(names, g.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("groups %v, want %v", names, want)
		}
	})
	t.Run("one role has no group of its name", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(0))
		var names []string
		for _, r := range p.Roles() {
			names = append(names, r.Name)
		}
		if want := []string{"administrator", "readonly", "netops", "manager", "no_access", lmfake.SampleUnmappedRole}; !slices.Equal(names, want) {
			t.Errorf("roles %v, want %v", names, want)
		}
		for _, g := range p.Groups() {
			if lm.SameName(g.Name, lmfake.SampleUnmappedRole) {
				t.Errorf("group %q exists", g.Name)
			}
		}
	})
	t.Run("usernames are unique", func(t *testing.T) {
		p := lmfake.NewSample(testConfig(), sampleOptions(5000))
		seen := map[string]bool{}
		for _, u := range p.Users() {
			if seen[strings.ToLower(u.Username)] {
				t.Fatalf("duplicate username %s", u.Username)
			}
			seen[strings.ToLower(u.Username)] = true
		}
	})
}

func TestPopulateLarge(t *testing.T) {
	start := time.Now()
	p := lmfake.NewSample(testConfig(), sampleOptions(50_000))
	elapsed := time.Since(start)
	if n := len(p.Users()); n != 50_000 {
		t.Fatalf("%d users", n)
	}
	// Generous bound (race detector, slow machines); typical is a few hundred ms.
	if elapsed > 10*time.Second {
		t.Errorf("50,000 users took %v", elapsed)
	}
}

func BenchmarkPopulate50k(b *testing.B) {
	for b.Loop() {
		lmfake.NewSample(testConfig(), sampleOptions(50_000))
	}
}

// BenchmarkListAll50k pages through 50,000 users, 1000 at a time, as the
// client does.
func BenchmarkListAll50k(b *testing.B) {
	p := lmfake.NewSample(testConfig(), sampleOptions(50_000))
	p.SetRateLimit("GET", 1<<30, time.Minute)
	for b.Loop() {
		for offset := 0; offset < 50_000; offset += 1000 {
			resp := call(b, p, "GET", "/setting/admins?size=1000&offset="+strconv.Itoa(offset), "")
			if resp.status != 200 {
				b.Fatalf("offset %d: %d", offset, resp.status)
			}
		}
	}
}
