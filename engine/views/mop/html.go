package mop

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"

	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

var pageTemplates = template.Must(template.New("mop").Funcs(template.FuncMap{
	"c":             views.Clean,
	"dur":           dur,
	"clock":         clock,
	"before":        beforeText,
	"after":         afterText,
	"key":           keyText,
	"sym":           symbol,
	"hosts":         hostList,
	"counts":        outcomeCounts,
	"git":           gitText,
	"config":        configText,
	"short":         short,
	"exit":          exitText,
	"estimate":      estimateText,
	"restartLine":   restartLine,
	"checkLine":     checkLine,
	"work":          workText,
	"reviewChart":   reviewChart,
	"cli":           cliLines,
	"rollbackLines": rollbackLines,
	"runChart":      runChart,
	"css":           func() template.CSS { return template.CSS(style) },
	"formatVersion": func() string { return review.FormatVersion },
}).ParseFS(templateFS, "templates/*.html"))

// style is the pages' only stylesheet, inlined in each.
var style = func() string {
	b, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func reviewChart(r *review.Review) *chart {
	return newChart(r.Schedule.Timeline, fmt.Sprintf("Estimated rollout: %d batch(es), %s in all; one bar per host, restart windows marked.",
		len(r.Schedule.Batches), dur(r.Schedule.TotalSeconds)))
}

func runChart(r *review.RunRecord) *chart {
	return newChart(r.Timeline, fmt.Sprintf("What run %s did: one bar per host it contacted, from its first to its last journal record; restart windows marked.",
		views.Clean(r.Run.ID)))
}

// ReviewHTML writes a change review as one self-contained HTML page.
func ReviewHTML(w io.Writer, r *review.Review) error {
	return execute(w, "review.html", r)
}

// RunHTML writes a run record as one self-contained HTML page.
func RunHTML(w io.Writer, r *review.RunRecord) error {
	return execute(w, "run.html", r)
}

func execute(w io.Writer, name string, data any) error {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}
