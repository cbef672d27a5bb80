package mongodb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

// signIn0 is a moment to count sign-in events from.
var signIn0 = time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)

func TestTokenUseHasExactlyOneWinner(t *testing.T) {
	ctx := context.Background()
	s := NewTokens(dbtest.New(t))
	for round := 0; round < 5; round++ {
		hash := "h" + string(rune('a'+round))
		if err := s.Insert(ctx, RefreshToken{Hash: hash, Family: "f", UserID: "u", IssuedAt: signIn0, ExpiresAt: signIn0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		wins := 0
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.Use(ctx, hash, signIn0)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Won {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !c.RotatedAt.Equal(signIn0) {
					t.Errorf("loser sees rotation at %v, want %v", c.RotatedAt, signIn0)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("round %d: %d of 12 concurrent uses won, want 1", round, wins)
		}
	}
}

func TestTokenRevocation(t *testing.T) {
	ctx := context.Background()
	s := NewTokens(dbtest.New(t))
	ins := func(hash, family, user string, exp time.Time) {
		t.Helper()
		if err := s.Insert(ctx, RefreshToken{Hash: hash, Family: family, UserID: user, IssuedAt: signIn0, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	ins("a1", "fa", "u1", signIn0.Add(time.Hour))
	ins("a2", "fa", "u1", signIn0.Add(time.Hour))
	ins("b1", "fb", "u1", signIn0.Add(time.Hour))
	ins("c1", "fc", "u2", signIn0.Add(time.Hour))

	if c, err := s.Use(ctx, "nope", signIn0); err != nil || c.Token.Hash != "" || c.Won {
		t.Errorf("unknown token: %+v, %v", c, err)
	}
	if err := s.RevokeFamily(ctx, "fa", "test", signIn0); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeFamily(ctx, "fa", "again", signIn0); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if c, _ := s.Use(ctx, "a2", signIn0); !c.Revoked || c.Won {
		t.Errorf("token of a revoked family: %+v", c)
	}
	if c, _ := s.Use(ctx, "b1", signIn0); c.Revoked || !c.Won {
		t.Errorf("token of another family: %+v", c)
	}
	if err := s.RevokeUser(ctx, "u2", "disabled", signIn0); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Use(ctx, "c1", signIn0); !c.Revoked {
		t.Errorf("token of a revoked user: %+v", c)
	}

	// Expired tokens go; rotation and revocation records go once older than the TTL.
	ins("old", "fo", "u3", signIn0.Add(-time.Minute))
	if err := s.DeleteExpired(ctx, signIn0, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, "old"); ok {
		t.Error("expired token kept")
	}
	if _, ok, _ := s.Get(ctx, "a1"); !ok {
		t.Error("live token deleted")
	}
	if err := s.DeleteExpired(ctx, signIn0.Add(25*time.Hour), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	// The revocation of family fa is gone too: a token issued in it now is live.
	ins("a3", "fa", "u1", signIn0.Add(48*time.Hour))
	if c, _ := s.Use(ctx, "a3", signIn0.Add(25*time.Hour)); c.Revoked || !c.Won {
		t.Errorf("old revocation kept: %+v", c)
	}
}
