package remote

import "testing"

func TestConfirmation(t *testing.T) {
	var c confirmation
	if gone, again := c.expired(0); gone || again {
		t.Fatal("no check under way, yet it expired")
	}
	r, ok := c.start()
	if !ok {
		t.Fatal("the first check did not start")
	}
	if _, ok := c.start(); ok {
		t.Fatal("a second check started while one is under way")
	}
	c.heardFrom()
	if gone, again := c.expired(r); gone || !again {
		t.Fatalf("heard from the other end: gone %v, again %v; want another period", gone, again)
	}
	if gone, _ := c.expired(r); !gone {
		t.Fatal("a period without a word from the other end: not gone")
	}
	if gone, again := c.expired(r); gone || again {
		t.Fatal("a check that ended expired again")
	}

	r, _ = c.start()
	c.confirmed()
	if gone, again := c.expired(r); gone || again {
		t.Fatal("a confirmed check expired")
	}
	c.heardFrom() // no check: nothing to note
	r2, ok := c.start()
	if !ok || r2 == r {
		t.Fatalf("a new check: round %d (was %d), started %v", r2, r, ok)
	}
	if gone, again := c.expired(r); gone || again {
		t.Fatal("the timer of an earlier check ended the new one")
	}
	if gone, _ := c.expired(r2); !gone {
		t.Fatal("the new check did not expire")
	}
}
