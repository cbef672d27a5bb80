package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminImportsFromExcelAndResetsAPassword: at 360 × 740 the
// admin imports villages from an .xlsx and users from a .csv, each with a
// bad row that the report names with its line and reason; resets a
// password, which is recorded; and the person must then choose their own
// before anything else.
func TestBrowserAdminImportsFromExcelAndResetsAPassword(t *testing.T) {
	chromiumPath(t)
	ts := newTestServer(t)
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "villages.xlsx")
	if err := os.WriteFile(xlsx, excelWorkbook(t, [][]string{
		{"code", "name", "parent_code"},
		{"#622923103201", "样例村甲", "#622923103"},
		{"#622923999201", "样例村乙", "#622923999"},
	}), 0o644); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte("username,name,role,area_code,password\n"+
		"cadre-jia,甲村干部,村干部,622923103201,village-first-key\n"+
		"cadre-yi,乙村干部,村干部,622923103299,\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, ts)
	b.signIn("admin", testAdminPassword)
	b.waitJS("the admin page", `document.querySelector('#userlist')`, 15*time.Second)
	b.do("pick the workbook", chromedp.SetUploadFiles(chromedp.CSS(`input[name=csv]`), []string{xlsx}))
	b.click(`input[name=csv] + button`)
	b.waitJS("the village report", `document.querySelector('[data-report="villages"] tr[data-line="3"]') && document.body.textContent.includes('样例村甲')`, 15*time.Second)
	if why := eval[string](b, `document.querySelector('[data-report="villages"] tr[data-line="3"]').textContent`); !strings.Contains(why, "622923999201") {
		t.Errorf("the refused village row reads %q", why)
	}
	b.do("pick the users", chromedp.SetUploadFiles(chromedp.CSS(`input[name=userfile]`), []string{users}))
	b.click(`input[name=userfile] + button`)
	b.waitJS("the user report", `document.querySelector('[data-report="users"] tr[data-line="3"]') && document.querySelector('#userlist .item[data-user="cadre-jia"]')`, 15*time.Second)
	b.shot("40-admin-import-report")

	// Reset cadre-jia's password: recorded, and to be changed at sign-in.
	b.click(`[data-open-edit="cadre-jia"]`)
	b.fill(`form[data-edit="cadre-jia"] [name=password]`, "reset-by-admin")
	eval[any](b, `document.querySelector('form[data-edit="cadre-jia"]').requestSubmit(), null`)
	b.waitJS("saved", `!document.querySelector('form[data-edit="cadre-jia"]') && (document.querySelector('#userlist .item[data-user="cadre-jia"]') || {textContent: ''}).textContent.includes('待改密码')`, 15*time.Second)
	b.click(`[data-open-edit="cadre-jia"]`)
	b.waitJS("the record", `(document.querySelector('#userlist .item[data-user="cadre-jia"] .history') || {textContent: ''}).textContent.includes('重置密码')`, 10*time.Second)
	b.shot("41-admin-user-record")
	if small := eval[int](b, `[...document.querySelectorAll('main button, main select, main input:not([type=file])')].filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44).length`); small > 0 {
		t.Errorf("%d controls on the admin screen are under 44 px high", small)
	}

	cb := newBrowser(t, ts)
	cb.signIn("cadre-jia", "reset-by-admin")
	cb.waitJS("sent to choose a password", `location.hash === '#/password' && document.querySelector('[data-must-change]')`, 15*time.Second)
	cb.shot("42-must-change-password")
	cb.fill("[name=old_password]", "reset-by-admin")
	cb.fill("[name=new_password]", "my-own-password")
	cb.fill("[name=new_password2]", "my-own-password")
	eval[any](cb, `document.querySelector('[name=old_password]').form.requestSubmit(), null`)
	cb.waitJS("the village list after the change", `!location.hash.startsWith('#/password') && !document.querySelector('[data-must-change]') && document.querySelector('main .empty, #caselist')`, 15*time.Second)
}
