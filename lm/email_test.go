package lm

import (
	"context"
	"testing"
)

// The e-mail is read for the notice of an upcoming suspension; no rule
// decides on it, so a portal that writes it oddly leaves the user readable.
func TestEmailIsReadButNeverMakesAUserUnreadable(t *testing.T) {
	const body = `{"total":5,"searchId":"s","items":[
		{"id":1,"username":"ann","status":"active","roles":[],"adminGroupIds":[],"email":"ann@example.com"},
		{"id":2,"username":"bob","status":"active","roles":[],"adminGroupIds":[]},
		{"id":3,"username":"cy","status":"active","roles":[],"adminGroupIds":[],"email":null},
		{"id":4,"username":"di","status":"active","roles":[],"adminGroupIds":[],"email":42},
		{"id":5,"username":"ed","status":"active","roles":[],"adminGroupIds":[],"email":""}]}`
	f := newFixture(t, scripted(step{200, body, nil}))
	users, err := f.client.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: "ann@example.com", 2: "", 3: "", 4: "", 5: ""}
	if len(users) != len(want) {
		t.Fatalf("read %d users, want %d", len(users), len(want))
	}
	for _, u := range users {
		if u.Email != want[u.ID] {
			t.Errorf("user %d: email %q, want %q", u.ID, u.Email, want[u.ID])
		}
		if u.Unreadable != "" {
			t.Errorf("user %d is unreadable (%s): the e-mail decides nothing", u.ID, u.Unreadable)
		}
	}
}
