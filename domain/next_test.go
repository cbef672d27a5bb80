package domain

import "testing"

func TestYuanText(t *testing.T) {
	for n, want := range map[int64]string{0: "0 元", 999: "999 元", 10000: "10,000 元", 30000: "30,000 元", 1234567: "1,234,567 元", -30000: "-30,000 元"} {
		if got := YuanText(n); got != want {
			t.Errorf("YuanText(%d) = %q, want %q", n, got, want)
		}
	}
}
