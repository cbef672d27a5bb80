package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// cred is a user the soak created.
type cred struct {
	Username, Password, Role, Area string
}

// people is what the admin set up: villages of one township and the users.
type people struct {
	Township     string
	Villages     []string
	Cadres       []cred // one per cadre phone, in village order round robin
	Officers     []cred // one per officer phone
	CheckOfficer cred   // the final check reads the township with it
	CheckCadre   cred   // and files its check cases with it
	// FiledAt: the server takes a filing's filed_at (its API names it);
	// an older one refuses unknown fields.
	FiledAt bool
}

// areaNode is GET /api/areas.
type areaNode struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Level    string     `json:"level"`
	Children []areaNode `json:"children"`
}

// setUp signs in as admin directly (not through the proxy), checks that
// the built-in township and program 2024 are there, adds the villages and
// creates the users: cadres village by village, officers of the township
// and the checker's two accounts.
func setUp(ctx context.Context, base, adminPassword string, cadres, officers int) (people, error) {
	admin := newClient("admin", base, "admin", adminPassword, nil, 0)
	var ppl people
	town, err := township(ctx, admin)
	if err != nil {
		return ppl, err
	}
	ppl.Township = town
	if err := hasProgram(ctx, admin, 2024); err != nil {
		return ppl, err
	}
	if ppl.FiledAt, err = apiNames(ctx, admin, `"filed_at"`); err != nil {
		return ppl, err
	}
	for i := 0; i < min(3, cadres); i++ {
		code := fmt.Sprintf("%s9%02d", town, i+1)
		body := map[string]string{"code": code, "name": fmt.Sprintf("压测%d村（soak）", i+1), "parent_code": town}
		if err := expect(ctx, admin, jsonRequest(http.MethodPost, "/api/areas", body), http.StatusCreated, http.StatusOK); err != nil {
			return ppl, fmt.Errorf("add village %s: %w", code, err)
		}
		ppl.Villages = append(ppl.Villages, code)
	}
	add := func(username, name, role, area string) (cred, error) {
		c := cred{Username: username, Password: secret(), Role: role, Area: area}
		body := map[string]string{"username": c.Username, "password": c.Password, "name": name, "role": role, "area_code": area}
		if err := expect(ctx, admin, jsonRequest(http.MethodPost, "/api/users", body), http.StatusCreated); err != nil {
			return c, fmt.Errorf("create user %s: %w", username, err)
		}
		return c, nil
	}
	for i := 0; i < cadres; i++ {
		c, err := add(fmt.Sprintf("soak-cadre-%d", i+1), fmt.Sprintf("压测村干部%d", i+1), "village_cadre", ppl.Villages[i%len(ppl.Villages)])
		if err != nil {
			return ppl, err
		}
		ppl.Cadres = append(ppl.Cadres, c)
	}
	for i := 0; i < officers; i++ {
		c, err := add(fmt.Sprintf("soak-officer-%d", i+1), fmt.Sprintf("压测乡镇干部%d", i+1), "township_officer", town)
		if err != nil {
			return ppl, err
		}
		ppl.Officers = append(ppl.Officers, c)
	}
	if ppl.CheckOfficer, err = add("soak-check-officer", "压测核对乡镇干部", "township_officer", town); err != nil {
		return ppl, err
	}
	ppl.CheckCadre, err = add("soak-check-cadre", "压测核对村干部", "village_cadre", ppl.Villages[0])
	return ppl, err
}

// township is the first built-in township of the county (刘家峡镇).
func township(ctx context.Context, admin *client) (string, error) {
	ans, err := admin.do(ctx, request{method: http.MethodGet, path: "/api/areas"})
	if err != nil {
		return "", err
	}
	var tree areaNode
	if ans.Status != http.StatusOK {
		return "", fmt.Errorf("GET /api/areas: %s", ans)
	}
	if err := ans.decode(&tree); err != nil {
		return "", err
	}
	for _, t := range tree.Children {
		if t.Level == "township" {
			return t.Code, nil
		}
	}
	return "", fmt.Errorf("no township under %s %s", tree.Code, tree.Name)
}

// hasProgram checks that the program year exists.
func hasProgram(ctx context.Context, admin *client, year int) error {
	ans, err := admin.do(ctx, request{method: http.MethodGet, path: "/api/programs"})
	if err != nil {
		return err
	}
	var ps []struct {
		Year int `json:"year"`
	}
	if ans.Status != http.StatusOK {
		return fmt.Errorf("GET /api/programs: %s", ans)
	}
	if err := ans.decode(&ps); err != nil {
		return err
	}
	for _, p := range ps {
		if p.Year == year {
			return nil
		}
	}
	return fmt.Errorf("program %d is not there", year)
}

// apiNames reports whether the served OpenAPI document contains word.
func apiNames(ctx context.Context, c *client, word string) (bool, error) {
	ans, err := c.do(ctx, request{method: http.MethodGet, path: "/api/openapi.json"})
	if err != nil {
		return false, err
	}
	if ans.Status != http.StatusOK {
		return false, fmt.Errorf("GET /api/openapi.json: %s", ans)
	}
	return strings.Contains(string(ans.Body), word), nil
}

// expect sends r and fails unless the status is one of want.
func expect(ctx context.Context, c *client, r request, want ...int) error {
	ans, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	for _, w := range want {
		if ans.Status == w {
			return nil
		}
	}
	return fmt.Errorf("%s %s: %s %s", r.method, r.path, ans, ans.errorOf().Error.Message)
}

// secret is a random password.
func secret() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "soak-" + hex.EncodeToString(b[:])
}
