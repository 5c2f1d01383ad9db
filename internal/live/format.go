package live

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// short writes a duration as an operator reads it at a glance, to the
// second: 9s, 1m20s, 10m, 1h5m.
func short(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		if s%60 == 0 {
			return fmt.Sprintf("%dm", s/60)
		}
		return fmt.Sprintf("%dm%ds", s/60, s%60)
	default:
		m := (s % 3600) / 60
		if m == 0 {
			return fmt.Sprintf("%dh", s/3600)
		}
		return fmt.Sprintf("%dh%dm", s/3600, m)
	}
}

// eta writes an estimate of the time left, rounded up to the second: an
// estimate of "0s" would claim the work is over.
func eta(d time.Duration) string {
	return short((d + time.Second - 1).Truncate(time.Second))
}

// stamp is the elapsed-time prefix of event and status lines, as
// engine/views/progress writes it: "[ 20.0s]".
func stamp(elapsed time.Duration) string {
	return fmt.Sprintf("[%5.1fs]", elapsed.Seconds())
}

// fit cuts a line to width columns, ending it with "…" when it was longer.
// Lines are ASCII but for host names and apps, one column per rune.
func fit(line string, width int) string {
	if width <= 0 || utf8.RuneCountInString(line) <= width {
		return line
	}
	if width == 1 {
		return "…"
	}
	r := []rune(line)
	return string(r[:width-1]) + "…"
}

// list names the first few items and counts the rest: "a, b, c and 4 more".
func list(items []string, first int) string {
	if len(items) <= first {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:first], ", ") + fmt.Sprintf(" and %d more", len(items)-first)
}

// area returns the lines of a live area of at most max lines: head, then
// host(i) for each of n hosts, indented. When they do not all fit, the
// last line counts the rest ("and 3 more hosts").
func area(head string, n, max int, host func(i int) string) []string {
	lines := []string{head}
	for i := range n {
		left := max - len(lines)
		if left <= 0 {
			break
		}
		if left == 1 && n-i > 1 {
			more := fmt.Sprintf("%d more hosts", n-i)
			lines = append(lines, "  and "+more)
			break
		}
		lines = append(lines, "  "+host(i))
	}
	return lines
}
