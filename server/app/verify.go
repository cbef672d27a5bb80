package app

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/yongjing/anju/domain"
)

// verifyResponse is what GET /v/{token} tells about a printed form: whether
// it matches the record, and only what is needed to recognise it.
type verifyResponse struct {
	// Status: current (the paper says what the record says, and the case
	// has not moved since), outdated (the paper is genuine but the case
	// has moved on since it was printed), changed (the record now says
	// something else: the paper is not to be relied on), unknown (no such
	// printing: the code may be forged).
	Status      string `json:"status"`
	Message     string `json:"message"`
	Kind        string `json:"kind,omitempty"`
	Title       string `json:"title,omitempty"`
	ArchiveNo   string `json:"archive_no,omitempty"`
	HeadName    string `json:"head_name,omitempty"` // masked: 马**
	Village     string `json:"village,omitempty"`
	Stage       string `json:"stage,omitempty"`
	StageLabel  string `json:"stage_label,omitempty"`
	FormSHA256  string `json:"form_sha256,omitempty"`
	Households  int    `json:"households,omitempty"`
	PrintedOn   string `json:"printed_on,omitempty"`
	PublicityOn string `json:"publicity_start,omitempty"`
}

var tokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// verify is GET /v/{token}, public: anyone holding a printed form scans
// its QR code and learns whether it still matches the record. It answers
// a page for people, or JSON when asked (Accept: application/json).
func (a *App) verify(c echo.Context) error {
	ctx := c.Request().Context()
	out, status := a.verifyToken(ctx, c.Param("token"))
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	if strings.Contains(c.Request().Header.Get("Accept"), "application/json") || c.QueryParam("format") == "json" {
		return c.JSON(status, out)
	}
	// The page is self-contained: its own style, no script, nothing loaded.
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	var b strings.Builder
	if err := verifyPage.Execute(&b, out); err != nil {
		return fmt.Errorf("verification page: %w", err)
	}
	return c.HTML(status, b.String())
}

// verifyToken checks the printing of token against the record now.
func (a *App) verifyToken(ctx context.Context, token string) (verifyResponse, int) {
	unknown := verifyResponse{Status: "unknown", Message: "未找到此核验码：该文件不是本系统打印的，或链接不完整。请向乡镇或县住建局核实。"}
	if !tokenRe.MatchString(token) {
		return unknown, http.StatusNotFound
	}
	f, err := a.DB.Prints.Get(ctx, token)
	if err != nil {
		if domain.ErrorKind(err) != domain.KindNotFound {
			a.Log.Error("verify: read printed form", "err", err.Error())
			return verifyResponse{Status: "error", Message: "系统暂时无法核验，请稍后再试"}, http.StatusServiceUnavailable
		}
		return unknown, http.StatusNotFound
	}
	out := verifyResponse{Kind: f.Kind, PrintedOn: dateOf(f.PrintedAt)}
	changed := func(msg string) (verifyResponse, int) {
		out.Status, out.Message = "changed", msg
		return out, http.StatusOK
	}
	switch f.Kind {
	case domain.PrintAcceptance:
		out.Title = fmt.Sprintf("竣工验收合格表（第%d次验收）", f.Attempt)
		cs, err := a.DB.Cases.Get(ctx, f.CaseID)
		if err != nil {
			return changed("此件对应的档案已不存在，请勿以此件为准。")
		}
		out.ArchiveNo, out.HeadName = cs.ArchiveNo(), domain.MaskName(cs.Household.HeadName)
		out.Village = a.areaName(ctx, cs.TownshipCode()) + a.areaName(ctx, cs.VillageCode)
		out.Stage, out.StageLabel = string(cs.Stage), cs.Stage.Label()
		if f.Attempt < 1 || f.Attempt > len(cs.Acceptances) {
			return changed("档案中已没有此次验收记录，请勿以此件为准。")
		}
		out.FormSHA256 = cs.Acceptances[f.Attempt-1].FormSHA256
		if a.acceptanceForm(ctx, cs, f.Attempt).Digest() != f.Digest {
			return changed("此件内容与系统档案不一致：打印后档案已被更改，请勿以此件为准，以系统记录为准。")
		}
		if cs.Version != f.CaseVersion {
			out.Status = "outdated"
			out.Message = "此件内容与系统档案一致。打印后该户档案已有新的办理记录，当前阶段：" + cs.Stage.Label() + "。"
			return out, http.StatusOK
		}
	case domain.PrintDossier:
		out.Title = "一户一档"
		cs, err := a.DB.Cases.Get(ctx, f.CaseID)
		if err != nil {
			return changed("此件对应的档案已不存在，请勿以此件为准。")
		}
		out.ArchiveNo, out.HeadName = cs.ArchiveNo(), domain.MaskName(cs.Household.HeadName)
		out.Village = a.areaName(ctx, cs.TownshipCode()) + a.areaName(ctx, cs.VillageCode)
		out.Stage, out.StageLabel = string(cs.Stage), cs.Stage.Label()
		out.FormSHA256 = f.Digest
		ok, _ := domain.VerifyHistory(cs.History)
		at := -1
		for i, h := range cs.History {
			if h.Hash == f.Digest {
				at = i
			}
		}
		switch {
		case !ok || at < 0:
			return changed("此件与系统档案不一致：打印时的办理记录在系统中已不存在，请勿以此件为准。")
		case at < len(cs.History)-1:
			out.Status = "outdated"
			out.Message = "此件与打印时的系统档案一致。打印后该户档案已有新的办理记录，当前阶段：" + cs.Stage.Label() + "。"
			return out, http.StatusOK
		}
	case domain.PrintNotice:
		level := "村级"
		if f.Level == domain.StageTownshipPublicity {
			level = "乡镇"
		}
		out.Title = level + "公示名单"
		out.PublicityOn = string(f.Start)
		out.Village = a.areaName(ctx, domain.TownshipOf(f.Area))
		if f.Level == domain.StageVillagePublicity {
			out.Village += a.areaName(ctx, f.Area)
		}
		system := domain.Actor{UserID: "verify", Role: domain.RoleLeader, AreaCode: domain.CountyCode}
		n, err := a.notice(ctx, system, noticeQuery{Level: f.Level, Year: f.ProgramYear, Area: f.Area, Start: f.Start})
		if err != nil {
			a.Log.Error("verify: notice", "err", err.Error())
			return verifyResponse{Status: "error", Message: "系统暂时无法核验，请稍后再试"}, http.StatusServiceUnavailable
		}
		out.Households = len(n.Rows)
		out.FormSHA256 = n.Digest()
		if out.FormSHA256 != f.Digest {
			return changed("名单已与打印时不同（有农户被调整或信息有变化），请勿以此件为准，以系统和张贴的最新名单为准。")
		}
	default:
		return unknown, http.StatusNotFound
	}
	out.Status, out.Message = "current", "此件与系统档案一致。"
	return out, http.StatusOK
}

var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>安居 · 文件核验</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:16px;background:#f4f5f7;color:#222}
main{max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
h1{font-size:20px;margin:0 0 12px}
.st{padding:12px;border-radius:6px;font-size:17px;margin-bottom:12px}
.current{background:#e6f4ea;color:#1e6b34}.outdated{background:#fff4e0;color:#8a5300}
.changed,.unknown,.error{background:#fdecea;color:#a61b1b}
dl{display:grid;grid-template-columns:7em 1fr;gap:6px 8px;margin:0}dt{color:#666}dd{margin:0;word-break:break-all}
footer{color:#888;font-size:13px;margin-top:14px}
</style></head><body><main>
<h1>永靖县农村危房改造 · 文件核验</h1>
<div class="st {{.Status}}">{{.Message}}</div>
{{if .Title}}<dl>
<dt>文件</dt><dd>{{.Title}}</dd>
{{if .ArchiveNo}}<dt>档案编号</dt><dd>{{.ArchiveNo}}</dd>{{end}}
{{if .HeadName}}<dt>户主</dt><dd>{{.HeadName}}</dd>{{end}}
{{if .Village}}<dt>地点</dt><dd>{{.Village}}</dd>{{end}}
{{if .StageLabel}}<dt>当前阶段</dt><dd>{{.StageLabel}}</dd>{{end}}
{{if .PublicityOn}}<dt>公示开始</dt><dd>{{.PublicityOn}}</dd>{{end}}
{{if .Households}}<dt>公示户数</dt><dd>{{.Households}} 户</dd>{{end}}
{{if .FormSHA256}}<dt>摘要</dt><dd>{{.FormSHA256}}</dd>{{end}}
{{if .PrintedOn}}<dt>打印日期</dt><dd>{{.PrintedOn}}</dd>{{end}}
</dl>{{end}}
<footer>本页只显示核验所需的信息。如有疑问，请联系所在乡镇或县住房和城乡建设局。</footer>
</main></body></html>
`))

// limiter allows each client a burst of requests, refilled at a steady
// rate, in this process's memory (the verification link is public).
type limiter struct {
	mu      sync.Mutex
	burst   float64
	perSec  float64
	clients map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, every time.Duration) *limiter {
	return &limiter{burst: float64(burst), perSec: 1 / every.Seconds(), clients: map[string]*bucket{}}
}

// allow takes one request of client at now, reporting whether it may go.
func (l *limiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute { // forget the full buckets
		for k, b := range l.clients {
			if b.tokens+now.Sub(b.at).Seconds()*l.perSec >= l.burst {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	b, ok := l.clients[client]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.clients[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.perSec)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// limitVerify refuses a client past 30 checks in a burst, then one every
// 2 seconds, with 429: enough for anyone holding papers, too slow to walk
// through tokens (which are 128 random-looking bits anyway).
func (a *App) limitVerify(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
		if err != nil {
			host = c.Request().RemoteAddr
		}
		if !a.verifyLimit.allow(host, time.Now()) {
			c.Response().Header().Set("Retry-After", "2")
			return &domain.Error{Kind: domain.KindTooMany, Code: "too_many_requests", Message: "核验过于频繁，请稍后再试"}
		}
		return next(c)
	}
}
