package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/yongjing/anju/domain"
	"github.com/yongjing/anju/uploads"
)

// demoVillages are sample villages in four townships, named as samples so
// nobody takes them for the county's real village list.
func demoVillages() []domain.Area {
	return []domain.Area{
		{Code: "622923100201", Name: "示例村一（演示）", ParentCode: "622923100"},
		{Code: "622923100202", Name: "示例村二（演示）", ParentCode: "622923100"},
		{Code: "622923101201", Name: "示例村三（演示）", ParentCode: "622923101"},
		{Code: "622923101202", Name: "示例村四（演示）", ParentCode: "622923101"},
		{Code: "622923102201", Name: "示例村五（演示）", ParentCode: "622923102"},
		{Code: "622923103201", Name: "示例村六（演示）", ParentCode: "622923103"},
	}
}

// demoCases is how many sample households are filed.
const demoCases = 208

// loadDemo fills an empty database with sample villages, one user of every
// role (a cadre per sample village, an officer per sample township) whose
// passwords it prints, and a sample season built around today (see
// demoSeason): the current program, whose deadline is weeks away, and
// last year's, with a few households still unfinished. Each case is built
// step by step by the domain's own rules with generated photos and
// signatures in the object store, so every file is internally consistent.
// A database that already has cases or users besides admin is left alone.
func (a *App) loadDemo(ctx context.Context) error {
	if !a.Cfg.Demo {
		return nil
	}
	n, err := a.DB.Database().Collection("cases").CountDocuments(ctx, map[string]any{})
	if err != nil {
		return fmt.Errorf("demo: count cases: %w", err)
	}
	if _, uerr := a.DB.Users.ByUsername(ctx, "demo-leader"); n > 0 || uerr == nil {
		a.Log.Info("demo data not loaded: the database is not empty")
		return nil
	}
	start := time.Now()
	for _, v := range demoVillages() {
		if _, _, err := a.addVillage(ctx, v); err != nil {
			return fmt.Errorf("demo village %s: %w", v.Code, err)
		}
	}
	actors := map[string]domain.Actor{}
	fmt.Fprintln(a.Out, "演示数据 (demo data) — 演示账号与密码 (sample users and passwords):")
	addUser := func(username, name string, role domain.Role, area string) error {
		pw := randomPassword()
		u, err := a.newUser(ctx, username, pw, name, role, area)
		if err != nil {
			return err
		}
		if err := a.DB.Users.Create(ctx, u); err != nil {
			return fmt.Errorf("demo user %s: %w", username, err)
		}
		actors[username] = u.Actor()
		fmt.Fprintf(a.Out, "  %-22s %-18s %-14s %s\n", username, pw, role.Label(), a.areaName(ctx, area))
		return nil
	}
	for i, v := range demoVillages() {
		if err := addUser(fmt.Sprintf("demo-cadre-%d", i+1), "示例村干部"+fmt.Sprint(i+1), domain.RoleVillageCadre, v.Code); err != nil {
			return err
		}
	}
	for _, tw := range []string{"622923100", "622923101", "622923102", "622923103"} {
		if err := addUser("demo-officer-"+tw[6:], "示例乡镇干部"+tw[6:], domain.RoleTownshipOfficer, tw); err != nil {
			return err
		}
	}
	for _, u := range []struct {
		name string
		role domain.Role
	}{
		{"demo-civil", domain.RoleCivilAffairs}, {"demo-rural", domain.RoleRuralRevitalization},
		{"demo-inspector", domain.RoleCountyInspector}, {"demo-approver", domain.RoleCountyApprover},
		{"demo-disburser", domain.RoleDisburser}, {"demo-leader", domain.RoleLeader},
	} {
		if err := addUser(u.name, "示例"+u.role.Label(), u.role, domain.CountyCode); err != nil {
			return err
		}
	}
	now := a.Now()
	season, err := a.demoPrograms(ctx, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "演示年度：%d年度（完成期限 %s，距今 %d 天）；%d年度已过期限，有少数农户尚未完成。\n",
		season.cur.Year, season.cur.Deadline, domain.DateOf(now).DaysUntil(season.cur.Deadline), season.prev.Year)
	// The 档案编号 follow approval order within each program year. Every
	// sample case that gets that far takes the same steps, hours and days
	// from its filing to its approval, so that order is the order of
	// filing times (demoFiledAt), ties by index.
	plans := make([]demoPlan, demoCases)
	var approvedOnes []int
	for i := range plans {
		plans[i] = season.plan(i)
		if plans[i].target.ReachedApproval() {
			approvedOnes = append(approvedOnes, i)
		}
	}
	sort.SliceStable(approvedOnes, func(x, y int) bool {
		i, j := approvedOnes[x], approvedOnes[y]
		if plans[i].p.Year != plans[j].p.Year {
			return plans[i].p.Year < plans[j].p.Year
		}
		return demoFiledAt(plans[i], i).Before(demoFiledAt(plans[j], j))
	})
	seqs := make([]int, demoCases)
	perYear := map[int]int{}
	for _, i := range approvedOnes {
		perYear[plans[i].p.Year]++
		seqs[i] = perYear[plans[i].p.Year]
	}
	// Built side by side: the time goes into writing photo files.
	cases := make([]domain.Case, demoCases)
	errs := make([]error, demoCases)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				plan := plans[i]
				d := &demo{a: a, p: plan.p, actors: actors, r: rand.New(rand.NewPCG(2024, uint64(i))), archiveSeq: seqs[i]}
				cases[i], errs[i] = d.build(ctx, i, demoVillages()[i%len(demoVillages())], plan)
			}
		}()
	}
	for i := 0; i < demoCases; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("demo case %d: %w", i, err)
		}
	}
	s := a.DB.Cases
	if err := s.Load(ctx, cases); err != nil {
		return err
	}
	if err := s.Reconcile(ctx); err != nil {
		return err
	}
	a.Log.Info("demo data loaded", "cases", len(cases), "program", season.cur.Year, "ms", time.Since(start).Milliseconds())
	return nil
}

// demoSeason is the demo's two programs: the current one, opened about
// 200 days ago with its deadline 40 days ahead (so households not yet
// building are at risk, those building are on time), and the year before,
// whose deadline has passed.
type demoSeason struct {
	today     domain.Date
	cur, prev domain.Program
}

// demoPrograms opens the demo's programs from the 2024 plan's rules, as an
// admin would: the current year Y (the year of 200 days ago, 2025 at the
// earliest) and Y−1 (the 2024 plan itself when Y is 2025).
func (a *App) demoPrograms(ctx context.Context, now time.Time) (demoSeason, error) {
	today := domain.DateOf(now)
	opened := today.AddDays(-200)
	y := max(opened.Time().Year(), 2025)
	admin := domain.Actor{UserID: "demo", Name: "演示数据", Role: domain.RoleAdmin, AreaCode: domain.CountyCode}
	base, err := a.program(ctx, 2024)
	if err != nil {
		return demoSeason{}, err
	}
	put := func(p domain.Program) (domain.Program, error) {
		old, err := a.DB.Programs.GetRev(ctx, p.Year)
		if err != nil && domain.ErrorKind(err) != domain.KindNotFound {
			return p, err
		}
		var oldP *domain.Program
		if err == nil {
			oldP = &old.Program
		}
		if p, err = domain.SetProgram(p, oldP, 0, admin, now); err != nil {
			return p, err
		}
		if oldP != nil {
			return p, a.DB.Programs.Update(ctx, old, p)
		}
		return p, a.DB.Programs.Create(ctx, p)
	}
	prev := base
	if y-1 > 2024 {
		if prev, err = put(domain.NextProgram(base, y-1)); err != nil {
			return demoSeason{}, fmt.Errorf("demo program %d: %w", y-1, err)
		}
	}
	phone := "12345"
	cur := domain.NextProgram(prev, y).With(domain.ProgramPatch{StartsOn: &opened, Deadline: ptrTo(today.AddDays(40)), SupervisionPhone: &phone})
	if cur, err = put(cur); err != nil {
		return demoSeason{}, fmt.Errorf("demo program %d: %w", y, err)
	}
	return demoSeason{today: today, cur: cur, prev: prev}, nil
}

func ptrTo[T any](v T) *T { return &v }

// demoPlan is what sample household i becomes: its program, the stage it
// is taken to, and the day it reached that stage.
type demoPlan struct {
	p       domain.Program
	target  domain.Stage
	reached domain.Date
	notice  bool // a 公示 that can close on reached + its days: its notice photo is filed
}

// demoTargets are the stages of the current program's households, in turn.
func demoTargets() []domain.Stage {
	return []domain.Stage{domain.StageApplied, domain.StageVillagePublicity, domain.StageTownshipReview,
		domain.StageTownshipPublicity, domain.StageCountyReview, domain.StageApproved, domain.StageConstruction,
		domain.StageAcceptance, domain.StageAccepted, domain.StagePaid, domain.StageArchived,
		domain.StageConstruction, domain.StagePaid, domain.StageArchived, domain.StageRejected, domain.StageWithdrawn}
}

// plan decides household i. Every ninth is last year's: most finished,
// some still building or waiting — overdue now. Of this year's, half the
// 公示 running end today (the others are days in), a third of the accepted
// are unpaid past the payment limit, and the rest reached their stage
// between yesterday and a few weeks ago.
func (s demoSeason) plan(i int) demoPlan {
	if i%9 == 4 {
		targets := []domain.Stage{domain.StageConstruction, domain.StageAcceptance, domain.StageApproved,
			domain.StageArchived, domain.StagePaid, domain.StageArchived}
		return demoPlan{p: s.prev, target: targets[(i/9)%len(targets)], reached: s.prev.Deadline.AddDays(-(5 + (i*7)%60))}
	}
	target := demoTargets()[i%len(demoTargets())]
	age := map[domain.Stage]int{
		domain.StageApplied: 1 + i%14, domain.StageTownshipReview: 1 + i%6, domain.StageCountyReview: 1 + i%10,
		domain.StageApproved: 1 + i%12, domain.StageConstruction: 3 + i%50, domain.StageAcceptance: 1 + i%8,
		domain.StageAccepted: 3 + i%20, domain.StagePaid: 1 + i%25, domain.StageArchived: 1 + i%40,
		domain.StageRejected: 5 + i%60, domain.StageWithdrawn: 5 + i%60,
	}[target]
	pl := demoPlan{p: s.cur, target: target}
	switch target {
	case domain.StageVillagePublicity, domain.StageTownshipPublicity:
		days := s.cur.VillagePublicityDays
		if target == domain.StageTownshipPublicity {
			days = s.cur.TownshipPublicityDays
		}
		// Ends today, or runs on for a few more days.
		if age = days; (i/len(demoTargets()))%2 == 1 {
			age = 2 + i%3
		}
		pl.notice = age == days
	case domain.StageAccepted:
		if (i/len(demoTargets()))%3 == 0 {
			age = s.cur.PaymentDueDays + 5 + i%15 // unpaid past the limit
		}
	}
	pl.reached = s.today.AddDays(-age)
	return pl
}

// demoGap is how many days a sample case waits at stage before its next
// step (the publicity periods exactly their days, so a 公示 closes on the
// day it may).
func demoGap(p domain.Program, s domain.Stage, i int) int {
	switch s {
	case domain.StageVillagePublicity:
		return p.VillagePublicityDays
	case domain.StageTownshipReview:
		return 2
	case domain.StageTownshipPublicity:
		return p.TownshipPublicityDays
	case domain.StageCountyReview:
		return 4
	case domain.StageApproved:
		return 5
	case domain.StageConstruction:
		return 40
	case domain.StageAcceptance:
		return 6
	case domain.StageAccepted:
		return 10 + i%30
	case domain.StagePaid:
		return 7
	}
	return 0
}

// demoPath is the stages a sample case passes through before target.
func demoPath(target domain.Stage) []domain.Stage {
	if target == domain.StageRejected || target == domain.StageWithdrawn {
		return nil
	}
	var out []domain.Stage
	for _, s := range domain.Stages {
		if s == target {
			break
		}
		out = append(out, s)
	}
	return out
}

// demoFiledAt is when sample household i of plan is filed: as many days
// before the day it reached its stage as the steps before take, early in
// the morning (Shanghai), so the day's steps stay on that day.
func demoFiledAt(plan demoPlan, i int) time.Time {
	day := plan.reached
	for _, s := range demoPath(plan.target) {
		day = day.AddDays(-demoGap(plan.p, s, i))
	}
	return day.Time().Add(time.Duration(5+i%30) * time.Minute)
}

// demo builds sample cases.
type demo struct {
	a      *App
	p      domain.Program
	actors map[string]domain.Actor
	r      *rand.Rand
	// archiveSeq is the 档案编号 sequence of the case built, if approved.
	archiveSeq int
}

// demoSurnames and demoGiven make the sample households' names.
func demoSurnames() []string {
	return []string{"马", "王", "李", "张", "何", "孔", "罗", "杨", "魏", "朱"}
}

func demoGiven() []string {
	return []string{"福山", "永红", "建国", "秀兰", "玉梅", "有才", "志明", "海龙", "桂英", "德胜", "小平", "彦军"}
}

// demoIDNumber is a made-up 身份证号 of the county with a valid check
// character.
func demoIDNumber(i, birthYear int) string {
	first17 := fmt.Sprintf("622923%04d%02d%02d%03d", birthYear, 1+i%12, 1+i%28, i%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += int(first17[k]-'0') * w[k]
	}
	return first17 + string("10X98765432"[sum%11])
}

// build files sample household i in village v and takes it to the stage
// of its plan, filed early enough that it reaches that stage on the day
// planned: every wait is a day count (demoGap), every step an hour.
func (d *demo) build(ctx context.Context, i int, v domain.Area, plan demoPlan) (domain.Case, error) {
	target := plan.target
	tw := domain.TownshipOf(v.Code)
	vi := 0
	for k, x := range demoVillages() {
		if x.Code == v.Code {
			vi = k
		}
	}
	cadre := d.actors[fmt.Sprintf("demo-cadre-%d", vi+1)]
	officer := d.actors["demo-officer-"+tw[6:]]
	types := []domain.HouseholdType{domain.TypeSubsistenceAllowance, domain.TypeExtremePovertySupport, domain.TypeNearSubsistence,
		domain.TypePovertyRelapseRisk, domain.TypeLiftedFromPoverty, domain.TypeSevereHardship}
	htype := types[i%len(types)]
	structures := []domain.Structure{domain.StructureEarth, domain.StructureBrickEarth, domain.StructureBrickWood}
	method := domain.MethodRebuild
	if i%3 == 1 {
		method = domain.MethodReinforce
	}
	head := demoSurnames()[i%len(demoSurnames())] + demoGiven()[(i/len(demoSurnames()))%len(demoGiven())]
	lat, lng := 35.93+float64(vi)*0.02+d.r.Float64()*0.005, 103.32+float64(vi)*0.02+d.r.Float64()*0.005
	filed := domain.Case{
		ID: fmt.Sprintf("demo-%04d-%s", i, hex.EncodeToString([]byte{byte(i * 37), byte(i * 11)})), ProgramYear: d.p.Year, VillageCode: v.Code,
		Household: domain.Household{HeadName: head, IDNumber: demoIDNumber(i, 1950+i%30), Phone: fmt.Sprintf("139%08d", 9300000+i),
			HukouNo: fmt.Sprintf("YJ%06d", 100000+i), Type: htype,
			Members: []domain.Member{{Name: demoSurnames()[(i+3)%len(demoSurnames())] + "氏", IDNumber: demoIDNumber(i+5000, 1955+i%30), Relation: "配偶"}}},
		House: domain.House{Address: fmt.Sprintf("%s%d社%d号", v.Name, 1+i%5, 1+i%40), BuiltYear: 1965 + i%20,
			Structure: structures[i%len(structures)], FloorAreaM2: float64(48 + i%40), OnlyHouse: true, Lat: lat, Lng: lng},
		Method: method,
	}
	now := demoFiledAt(plan, i)
	c, err := domain.Create(filed, d.p, cadre, now)
	if err != nil {
		return c, err
	}
	today := func() domain.Date { return domain.DateOf(now) }
	photo := func(by domain.Actor, kinds ...domain.PhotoKind) error {
		for _, k := range kinds {
			now = now.Add(20 * time.Minute)
			ph, err := d.photo(ctx, c, k, now, lat, lng)
			if err != nil {
				return err
			}
			if c, err = domain.AddPhoto(c, ph, by, now); err != nil {
				return err
			}
		}
		return nil
	}
	step := func(by domain.Actor, action domain.Action, in domain.ActionInput) error {
		now = now.Add(time.Hour)
		in.Version = c.Version
		n, err := domain.Apply(c, d.p, by, action, in, now)
		if err != nil {
			return fmt.Errorf("%s at %s: %w", action, c.Stage, err)
		}
		c = n
		return nil
	}
	if err := photo(cadre, domain.PhotoHukou, domain.PhotoApplication, domain.PhotoHouseBefore); err != nil {
		return c, err
	}
	if i%25 == 7 {
		// A few files carry the kind of warning reviewers must see.
		c.Warnings = append(c.Warnings, domain.Warning{Code: domain.WarnFarFromHouse, PhotoID: c.Photos[len(c.Photos)-1].ID,
			Message: "照片拍摄地点距房屋约2.3公里，请核实（演示）", At: now})
	}
	for c.Stage != target {
		var err error
		switch c.Stage {
		case domain.StageApplied:
			switch {
			case target == domain.StageWithdrawn:
				err = step(cadre, domain.ActionWithdraw, domain.ActionInput{Reason: "户主已投亲靠友，自愿放弃"})
			case target == domain.StageRejected:
				err = step(cadre, domain.ActionVillageReview, domain.ActionInput{Result: "fail", MeetingDate: today(),
					Reason: "经村民代表会议评议，该户另有砖混住房一处"})
			default:
				err = step(cadre, domain.ActionVillageReview, domain.ActionInput{Result: "pass", MeetingDate: today(), PublicityStart: today()})
			}
		case domain.StageVillagePublicity:
			if err = photo(cadre, domain.PhotoNoticeVillage); err == nil {
				now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
				err = step(cadre, domain.ActionCloseVillagePublicity, domain.ActionInput{})
			}
		case domain.StageTownshipReview:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			err = step(officer, domain.ActionTownshipReview, domain.ActionInput{Result: "pass", PublicityStart: today()})
		case domain.StageTownshipPublicity:
			if err = photo(officer, domain.PhotoNoticeTownship); err == nil {
				now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
				err = step(officer, domain.ActionCloseTownshipPublicity, domain.ActionInput{})
			}
		case domain.StageCountyReview:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			certifier := d.actors["demo-civil"]
			if htype.Certifier() == domain.RoleRuralRevitalization {
				certifier = d.actors["demo-rural"]
			}
			grade := domain.GradeD
			if method == domain.MethodReinforce {
				grade = domain.GradeC
			}
			if err = step(certifier, domain.ActionVerifyHousehold, domain.ActionInput{Result: "pass",
				CertificateRef: fmt.Sprintf("永民认〔%d〕%d号", d.p.Year, 100+i)}); err != nil {
				break
			}
			if err = photo(d.actors["demo-inspector"], domain.PhotoAppraisal); err != nil {
				break
			}
			if err = step(d.actors["demo-inspector"], domain.ActionAppraise, domain.ActionInput{Grade: grade,
				Structure: c.House.Structure, BuiltYear: c.House.BuiltYear, Notes: "承重墙体开裂，屋面渗漏"}); err != nil {
				break
			}
			err = step(d.actors["demo-approver"], domain.ActionApprove, domain.ActionInput{Method: method, ArchiveSeq: d.archiveSeq})
		case domain.StageApproved:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			if err = photo(cadre, domain.PhotoAgreement); err == nil {
				err = step(cadre, domain.ActionStartConstruction, domain.ActionInput{BuilderName: "示例工匠" + demoGiven()[i%len(demoGiven())],
					BuilderCertNo: fmt.Sprintf("LX-GJ-%04d", i), StartDate: today(), PlannedFinish: today().AddDays(75)})
			}
		case domain.StageConstruction:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			if err = photo(officer, domain.PhotoProgress, domain.PhotoCompletion); err == nil {
				err = step(officer, domain.ActionRequestAcceptance, domain.ActionInput{})
			}
		case domain.StageAcceptance:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			kinds := []domain.PhotoKind{domain.PhotoAcceptance}
			if method == domain.MethodRebuild {
				kinds = append(kinds, domain.PhotoDemolition)
			}
			if err = photo(d.actors["demo-inspector"], kinds...); err != nil {
				break
			}
			var sigs []domain.Signature
			if sigs, err = d.signatures(ctx, c, head); err != nil {
				break
			}
			err = step(d.actors["demo-inspector"], domain.ActionAccept, domain.ActionInput{Result: "pass",
				MeasuredAreaM2: c.House.FloorAreaM2 + 2, Storeys: 1, Signatures: sigs,
				Checklist: domain.Checklist{RingBeams: "pass", TieColumns: "pass", TieBars: "pass", Foundation: "pass", Walls: "pass", Roof: "pass"}})
		case domain.StageAccepted:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			err = step(d.actors["demo-disburser"], domain.ActionDisburse, domain.ActionInput{Bank: "甘肃省农村信用社",
				AccountNo: fmt.Sprintf("6228480%012d", 400000000+i), PayeeName: head, VoucherNo: fmt.Sprintf("YJZF-%d-%04d", d.p.Year, i), PaidOn: today()})
		case domain.StagePaid:
			now = now.AddDate(0, 0, demoGap(d.p, c.Stage, i))
			err = step(officer, domain.ActionArchive, domain.ActionInput{})
		default:
			err = fmt.Errorf("cannot reach %s from %s", target, c.Stage)
		}
		if err != nil {
			return c, err
		}
	}
	if plan.notice {
		// The notice is up and photographed: the 公示 can close on its last day.
		kind, by := domain.PhotoNoticeVillage, cadre
		if c.Stage == domain.StageTownshipPublicity {
			kind, by = domain.PhotoNoticeTownship, officer
		}
		if err := photo(by, kind); err != nil {
			return c, err
		}
	}
	return c, nil
}

// photo makes a small distinct JPEG for kind (thumbnail-sized, so it is
// its own thumbnail), stores it and returns the photo record.
func (d *demo) photo(ctx context.Context, c domain.Case, kind domain.PhotoKind, at time.Time, lat, lng float64) (domain.Photo, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	base := color.RGBA{uint8(d.r.IntN(200)), uint8(d.r.IntN(200)), uint8(d.r.IntN(200)), 255}
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			n := uint8(d.r.IntN(40))
			img.Set(x, y, color.RGBA{base.R + n, base.G + uint8(x), base.B + uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return domain.Photo{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	h := hex.EncodeToString(sum[:])
	id := fmt.Sprintf("%s-%s-%d", c.ID, kind, len(c.Photos))
	ph := domain.Photo{ID: id, Kind: kind, TakenAt: at.Add(-5 * time.Minute), Lat: lat, Lng: lng, Accuracy: 8,
		SHA256: h, PHash: uploads.PHash(img), Size: int64(buf.Len()), Width: 64, Height: 48,
		Format: "jpeg", ObjectKey: uploads.PhotoKey(c.ID, id, h, "jpeg")}
	ph.ThumbKey = ph.ObjectKey // already thumbnail-sized
	if err := d.a.Store.Put(ctx, ph.ObjectKey, bytes.NewReader(buf.Bytes()), int64(buf.Len()), "image/jpeg"); err != nil {
		return ph, fmt.Errorf("demo photo %s: %w", ph.ObjectKey, err)
	}
	return ph, nil
}

// signatures draws and stores the three signatures of the acceptance form.
func (d *demo) signatures(ctx context.Context, c domain.Case, head string) ([]domain.Signature, error) {
	var ups []signatureUpload
	for k, who := range []struct {
		role domain.SignerRole
		name string
	}{{domain.SignerHouseholdHead, head}, {domain.SignerInspector, "示例住建局技术人员"}, {domain.SignerTownshipOfficer, "示例乡镇干部"}} {
		img := image.NewGray(image.Rect(0, 0, 160, 60))
		for x := 10; x < 150; x++ {
			img.Set(x, 30+int(12*float64((x*(k+2))%17)/17), color.Gray{Y: 255})
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, err
		}
		ups = append(ups, signatureUpload{SignerRole: who.role, SignerName: who.name,
			ImagePNGBase64: base64.StdEncoding.EncodeToString(buf.Bytes())})
	}
	bad := map[string]string{}
	sigs := decodeSignatures(c.ID, ups, bad)
	if len(bad) > 0 {
		return nil, fmt.Errorf("demo signatures: %v", bad)
	}
	if err := d.a.putSignatures(ctx, sigs); err != nil {
		return nil, err
	}
	out := make([]domain.Signature, len(sigs))
	for k, s := range sigs {
		out[k] = s.Signature
	}
	return out, nil
}
