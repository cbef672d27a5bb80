package mongodb_test

import (
	"context"
	"testing"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

func TestUsersStore(t *testing.T) {
	ctx := context.Background()
	s := NewUsers(dbtest.New(t))
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatalf("second EnsureIndexes (every restart): %v", err)
	}
	u := domain.User{ID: "u1", Username: "li.wei", Name: "李伟", Role: domain.RoleVillageCadre, AreaCode: "622923100201",
		PasswordHash: "$2a$hash", CreatedAt: signIn0, UpdatedAt: signIn0}
	if err := s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	dup := u
	dup.ID = "u2"
	if err := s.Create(ctx, dup); domain.ErrorKind(err) != domain.KindConflict {
		t.Errorf("same username: %v, want conflict", err)
	}
	got, err := s.ByUsername(ctx, "li.wei")
	if err != nil || got.ID != "u1" || got.Role != domain.RoleVillageCadre || !got.CreatedAt.Equal(signIn0) || got.PasswordHash != "$2a$hash" {
		t.Errorf("ByUsername = %+v, %v", got, err)
	}
	if _, err := s.ByID(ctx, "nobody"); domain.ErrorKind(err) != domain.KindNotFound {
		t.Errorf("ByID(nobody): %v, want not_found", err)
	}
	got.Disabled, got.Name = true, "李伟伟"
	if err := s.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ByID(ctx, "u1"); !again.Disabled || again.Name != "李伟伟" {
		t.Errorf("after update: %+v", again)
	}
	if err := s.Update(ctx, domain.User{ID: "ghost"}); domain.ErrorKind(err) != domain.KindNotFound {
		t.Errorf("update of a missing user: %v", err)
	}
	_ = s.Create(ctx, domain.User{ID: "u3", Username: "zhang.san", Name: "张三", Role: domain.RoleTownshipOfficer, AreaCode: "622923101"})
	_ = s.Create(ctx, domain.User{ID: "u4", Username: "leader", Name: "王县长", Role: domain.RoleLeader, AreaCode: "622923"})
	for _, tc := range []struct {
		f    UserFilter
		want []string
	}{
		{UserFilter{}, []string{"leader", "li.wei", "zhang.san"}},
		{UserFilter{Area: "622923100"}, []string{"li.wei"}},
		{UserFilter{Role: domain.RoleLeader}, []string{"leader"}},
		{UserFilter{Query: "ZHANG"}, []string{"zhang.san"}},
		{UserFilter{Query: "王"}, []string{"leader"}},
		{UserFilter{Query: ".*"}, nil}, // taken literally
		{UserFilter{Limit: 1, Offset: 1}, []string{"li.wei"}},
	} {
		us, err := s.List(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range us {
			names = append(names, u.Username)
		}
		if len(names) != len(tc.want) || (len(names) > 0 && names[0] != tc.want[0]) {
			t.Errorf("List(%+v) = %v, want %v", tc.f, names, tc.want)
		}
	}
}

// TestEndSessionsOnlyMovesForward: the session generation goes up with
// each EndSessions and an ordinary update (rename) never brings an older
// one back.
func TestEndSessionsOnlyMovesForward(t *testing.T) {
	ctx := context.Background()
	s := NewUsers(dbtest.New(t))
	u := domain.User{ID: "u1", Username: "li.wei", Name: "李伟", Role: domain.RoleVillageCadre, AreaCode: "622923100201"}
	if err := s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	stale, _ := s.ByID(ctx, "u1")
	for want := 1; want <= 2; want++ {
		got, err := s.EndSessions(ctx, "u1")
		if err != nil || got != want {
			t.Fatalf("EndSessions = %d, %v; want %d", got, err, want)
		}
	}
	stale.Name = "李伟伟"
	if err := s.Update(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ByID(ctx, "u1"); again.SessionGen != 2 || again.Name != "李伟伟" {
		t.Errorf("after a rename from a stale read: gen %d name %q, want 2 李伟伟", again.SessionGen, again.Name)
	}
	if _, err := s.EndSessions(ctx, "ghost"); domain.ErrorKind(err) != domain.KindNotFound {
		t.Errorf("EndSessions of a missing user: %v", err)
	}
}
