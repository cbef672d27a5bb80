package mongodb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

func TestIDSearchesAreListedForAuditors(t *testing.T) {
	ctx := context.Background()
	d := mustOpen(t, dbtest.New(t))
	s := d.IDSearches
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	h1, h2 := IDNumberHash("622923198001011234"), IDNumberHash("６２２９２３１９８００１０１５６７８")
	if h1 == "" || h2 != IDNumberHash("622923198001015678") {
		t.Fatal("the hash is not of the normal form")
	}
	recs := []IDSearch{
		{ID: "s1", At: t0, ActorID: "u1", ActorName: "张", ActorRole: domain.RoleVillageCadre, ActorArea: "622923100201", IDHash: h1, Results: 1, CaseIDs: []string{"c1"}},
		{ID: "s2", At: t0.Add(time.Minute), ActorID: "u2", ActorName: "李", ActorRole: domain.RoleTownshipOfficer, ActorArea: "622923100", IDHash: h1, Results: 1, CaseIDs: []string{"c1"}},
		{ID: "s3", At: t0.Add(2 * time.Minute), ActorID: "u1", ActorName: "张", ActorRole: domain.RoleVillageCadre, ActorArea: "622923100201", IDHash: h2, Results: 0, CaseIDs: []string{}},
	}
	for _, r := range recs {
		if err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q IDSearchQuery) []string {
		t.Helper()
		got, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range got {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		q    IDSearchQuery
		want []string
	}{
		{"all, newest first", IDSearchQuery{}, []string{"s3", "s2", "s1"}},
		{"by searcher", IDSearchQuery{ActorID: "u1"}, []string{"s3", "s1"}},
		{"by number", IDSearchQuery{IDHash: h1}, []string{"s2", "s1"}},
		{"since", IDSearchQuery{Since: t0.Add(time.Minute)}, []string{"s3", "s2"}},
		{"before", IDSearchQuery{Before: t0.Add(time.Minute)}, []string{"s1"}},
		{"limit", IDSearchQuery{Limit: 1}, []string{"s3"}},
	} {
		if got := ids(tt.q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	got, err := s.List(ctx, IDSearchQuery{ActorID: "u2"})
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], recs[1]) {
		t.Fatalf("stored %+v (%v), want %+v", got, err, recs[1])
	}
}
