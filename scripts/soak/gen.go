package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"time"
)

// idNumber is a valid 身份证号 (GB 11643 check character) of person n, born
// in Yongjing County (622923) on a day that follows from n: every n has
// its own number.
func idNumber(n int) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/900)
	first17 := fmt.Sprintf("622923%s%03d", birth.Format("20060102"), 100+n%900)
	return first17 + string(checkChar(first17))
}

// checkChar is the GB 11643 check character of the first 17 digits.
func checkChar(first17 string) byte {
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range w {
		sum += int(first17[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
	given    = []rune("建国华明军平海英秀兰玉珍福德生贵成兴春梅丽强伟芳娟霞红东文斌")
)

// personName is a distinct three-character name for every n below 18,000.
func personName(n int) string {
	s, g := len(surnames), len(given)
	return string([]rune{surnames[n%s], given[(n/s)%g], given[(n/(s*g))%g]})
}

// uuid4 is a random UUID (version 4) from r.
func uuid4(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// photoJPEG draws picture seed: a 320×240 JPEG of a random 6×8 grid of
// coloured tiles with shading and grain. The same seed gives the same
// bytes; two seeds give pictures whose perceptual hashes differ by about
// 32 of 64 bits (the server calls ≤ 3 a near duplicate).
func photoJPEG(seed uint64) []byte {
	const w, h, rows, cols = 320, 240, 6, 8
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var tiles [rows][cols][3]float64
	for i := range tiles {
		for j := range tiles[i] {
			for k := range tiles[i][j] {
				tiles[i][j][k] = 30 + 195*r.Float64()
			}
		}
	}
	gx, gy := 60*(r.Float64()-0.5), 60*(r.Float64()-0.5)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := tiles[y*rows/h][x*cols/w]
			shade := gx*float64(x)/w + gy*float64(y)/h + 6*r.NormFloat64()
			img.Set(x, y, color.RGBA{clamp(t[0] + shade), clamp(t[1] + shade), clamp(t[2] + shade), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err) // encoding into memory does not fail
	}
	return b.Bytes()
}

func clamp(v float64) uint8 { return uint8(max(0, min(255, v))) }

// shanghai is the program's calendar (Asia/Shanghai has no daylight time).
var shanghai = time.FixedZone("CST", 8*3600)

// day is the Shanghai calendar day d days from today, YYYY-MM-DD.
func day(d int) string { return time.Now().In(shanghai).AddDate(0, 0, d).Format("2006-01-02") }

// caseBody is the body of POST /api/cases.
type caseBody struct {
	ID          string         `json:"id"`
	ProgramYear int            `json:"program_year"`
	VillageCode string         `json:"village_code"`
	Household   householdBody  `json:"household"`
	House       houseBody      `json:"house"`
	Method      string         `json:"method"`
	Flags       map[string]any `json:"flags"`
	// FiledAt is when the phone made the application (servers that know
	// the field let it be up to 30 days back; the 公示 dates count from it).
	FiledAt string `json:"filed_at,omitempty"`
}

type householdBody struct {
	HeadName string       `json:"head_name"`
	IDNumber string       `json:"id_number"`
	Phone    string       `json:"phone"`
	HukouNo  string       `json:"hukou_no"`
	Type     string       `json:"type"`
	Members  []memberBody `json:"members"`
}

type memberBody struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Relation string `json:"relation"`
}

type houseBody struct {
	Address     string  `json:"address"`
	BuiltYear   int     `json:"built_year"`
	Structure   string  `json:"structure"`
	FloorAreaM2 float64 `json:"floor_area_m2"`
	OnlyHouse   bool    `json:"only_house"`
	Lat         float64 `json:"lat"`
	Lng         float64 `json:"lng"`
}

// householdTypes are the six priority types (DOMAIN.md wire names).
var householdTypes = []string{"subsistence_allowance", "extreme_poverty_support", "near_subsistence",
	"poverty_relapse_risk", "lifted_from_poverty", "severe_hardship"}

// newCaseBody is a valid program-2024 filing for the household of person
// numbers n, n+1, n+2 (head and up to two members) in village.
func newCaseBody(r *rand.Rand, id, village string, n int, hukou string) caseBody {
	members := []memberBody{}
	relations := []string{"配偶", "子女"}
	for i := 0; i < r.IntN(3); i++ {
		members = append(members, memberBody{Name: personName(n + 1 + i), IDNumber: idNumber(n + 1 + i), Relation: relations[i]})
	}
	structures := []string{"earth", "brick_earth", "brick_wood"}
	method := "rebuild"
	if r.IntN(3) == 0 {
		method = "reinforce"
	}
	return caseBody{
		ID: id, ProgramYear: 2024, VillageCode: village,
		Household: householdBody{
			HeadName: personName(n), IDNumber: idNumber(n), Phone: fmt.Sprintf("139%08d", n),
			HukouNo: hukou, Type: householdTypes[r.IntN(len(householdTypes))], Members: members,
		},
		House: houseBody{
			Address:   fmt.Sprintf("压测村%s %d社%d号", village[len(village)-2:], 1+r.IntN(6), 1+r.IntN(80)),
			BuiltYear: 1960 + r.IntN(24), Structure: structures[r.IntN(len(structures))],
			FloorAreaM2: float64(40 + r.IntN(80)), OnlyHouse: true,
			Lat: 35.90 + r.Float64()*0.05, Lng: 103.30 + r.Float64()*0.05,
		},
		Method: method,
		Flags: map[string]any{"relocation_planned": false, "village_merger_planned": false,
			"disaster_rebuild_subsidy": false, "previously_renovated": false, "small_disaster_damage": false},
	}
}

// photoPlan is a photo a phone will take: its client id, kind and picture.
type photoPlan struct {
	ID   string
	Kind string
	Seed uint64
	// Pair is the index of the deliberate duplicate pair this photo
	// belongs to (its bytes are filed on two cases), or -1.
	Pair int
}

// casePlan is everything a phone will do with one case, decided up front
// from the seed.
type casePlan struct {
	Index   int
	Body    caseBody
	Before  []photoPlan // before the village review: hukou, application, house_before…
	Village photoPlan   // notice_village
	Town    photoPlan   // notice_township (the officer's)
	// FailReview: the village review does not pass (rejected);
	// Withdraw: withdrawn during the village publicity; Objection: an
	// objection is recorded and dismissed during the township publicity.
	FailReview, Withdraw, Objection bool
}

// ID is the case's client-made id.
func (p *casePlan) ID() string { return p.Body.ID }

// makePlans decides n cases, case i in villageOf(i), filed at filedAt
// (RFC 3339; "" leaves it to the server), with pairs deliberate duplicate
// photos: an "other" photo of case k·n/pairs is filed again, byte for
// byte, on the next case.
func makePlans(seed uint64, n int, villageOf func(int) string, filedAt string, pairs int) []*casePlan {
	r := rand.New(rand.NewPCG(seed, 0xca5e))
	plans := make([]*casePlan, n)
	photo := func(kind string) photoPlan {
		return photoPlan{ID: uuid4(r), Kind: kind, Seed: r.Uint64(), Pair: -1}
	}
	for i := range plans {
		p := &casePlan{Index: i}
		p.Body = newCaseBody(r, uuid4(r), villageOf(i), 3*i, fmt.Sprintf("SK%07d", i))
		p.Body.FiledAt = filedAt
		p.Before = []photoPlan{photo("hukou"), photo("application"), photo("house_before")}
		for k := r.IntN(2); k > 0; k-- {
			p.Before = append(p.Before, photo("house_before"))
		}
		if r.IntN(3) == 0 {
			p.Before = append(p.Before, photo("other"))
		}
		p.Village, p.Town = photo("notice_village"), photo("notice_township")
		switch x := r.IntN(100); {
		case x < 5:
			p.FailReview = true
		case x < 10:
			p.Withdraw = true
		case x < 40:
			p.Objection = true
		}
		plans[i] = p
	}
	step := max(2, n/max(1, pairs))
	for k := 0; k < pairs && k*step+1 < n; k++ {
		lead, follow := plans[k*step], plans[k*step+1]
		seed := r.Uint64()
		for _, p := range []*casePlan{lead, follow} {
			p.FailReview, p.Withdraw = false, false
			p.Before = append(p.Before, photoPlan{ID: uuid4(r), Kind: "other", Seed: seed, Pair: k})
		}
	}
	return plans
}
