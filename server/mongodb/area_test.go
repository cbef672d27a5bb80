package mongodb_test

import (
	"context"
	"testing"

	"github.com/yongjing/anju/domain"
	. "github.com/yongjing/anju/server/mongodb"
	"github.com/yongjing/anju/server/mongodb/dbtest"
)

func TestAreasStore(t *testing.T) {
	ctx := context.Background()
	s := NewAreas(dbtest.New(t))
	seed := []domain.Area{{Code: "622923", Name: "永靖县"}, {Code: "622923100", Name: "刘家峡镇", ParentCode: "622923"}}
	for i := 0; i < 2; i++ { // every start seeds again
		if err := s.Seed(ctx, seed); err != nil {
			t.Fatal(err)
		}
	}
	v := domain.Area{Code: "622923100201", Name: "示例村", ParentCode: "622923100"}
	if err := s.Insert(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, v); domain.ErrorKind(err) != domain.KindConflict {
		t.Errorf("second insert: %v, want conflict", err)
	}
	// Seeding never overwrites what is there.
	if err := s.Seed(ctx, []domain.Area{{Code: "622923100201", Name: "改名村", ParentCode: "622923100"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "622923100201"); err != nil || got != v {
		t.Errorf("Get = %+v, %v", got, err)
	}
	if _, err := s.Get(ctx, "622923100299"); domain.ErrorKind(err) != domain.KindNotFound {
		t.Errorf("Get(missing) = %v", err)
	}
	all, err := s.All(ctx)
	if err != nil || len(all) != 3 || all[0].Code != "622923" || all[2].Code != "622923100201" {
		t.Errorf("All = %+v, %v", all, err)
	}
}
