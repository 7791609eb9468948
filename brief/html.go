package brief

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/yuqing-project/yuqing/model"
)

// htmlPage is a brief as one self-contained page (charts inlined as data
// URIs), readable on a phone: no script, the style in the page's head.
var htmlPage = template.Must(template.New("brief").Funcs(template.FuncMap{
	"join": func(s []string) string { return strings.Join(s, "，") },
	"date": dateCN,
}).Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.B.Title}} {{.B.NumberText}}</title>
<style>
body{font-family:"FangSong","仿宋","Noto Serif CJK SC","Droid Sans Fallback",serif;max-width:48em;margin:0 auto;padding:1em;line-height:1.8;color:#111}
.cls{font-family:"SimHei","黑体",sans-serif}
h1.masthead{color:#e00000;text-align:center;font-size:2.6em;letter-spacing:.2em;margin:.4em 0 .1em}
.no{text-align:center}
.unit{display:flex;justify-content:space-between;border-bottom:3px solid #e00000;padding-bottom:.3em;margin-bottom:1em}
h2.sub{text-align:center}
h3{font-family:"SimHei","黑体",sans-serif;font-weight:normal;font-size:1.15em}
h4{font-family:"KaiTi","楷体",serif}
p{text-indent:2em;margin:.3em 0}
blockquote{margin:.3em 0 .3em 2em}
blockquote cite{color:#555;font-style:normal;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #333;padding:.2em .4em;text-align:center}
th{background:#f2dcdb}
td.fill{background:#fff2cc}
img{max-width:100%}
.tail{border-top:1px solid #000;margin-top:2em;padding-top:.5em}
.tail p{text-indent:0}
.issued{display:flex;justify-content:space-between;border-top:1px solid #000;border-bottom:2px solid #000}
.state{color:#555;text-align:right;font-size:.9em}
</style></head><body>
<div class="cls">{{if .B.CopyNo}}份号：{{.B.CopyNo}}　{{end}}{{.B.Classification}}</div>
<h1 class="masthead">{{.B.Title}}</h1>
<div class="no">{{.B.NumberText}}</div>
<div class="unit"><span>{{.B.Unit}}</span><span>{{date .Date}}</span></div>
{{if .Sub}}<h2 class="sub">{{.Sub}}</h2>{{end}}
{{range .Sections}}<h3>{{.Title}}</h3>
{{range .Blocks}}{{if eq .Kind "text"}}<p>{{.Text}}</p>
{{else if eq .Kind "heading"}}<h4>{{.Text}}</h4>
{{else if eq .Kind "quote"}}<blockquote>“{{.Text}}”<cite>（{{.Source}}）</cite></blockquote>
{{else if eq .Kind "table"}}<table><thead><tr>{{range .Table.Header}}<th>{{.}}</th>{{end}}</tr></thead><tbody>{{range .Table.Rows}}<tr>{{range .}}<td{{if eq . $.ToFill}} class="fill"{{end}}>{{.}}</td>{{end}}</tr>{{end}}</tbody></table>
{{else if eq .Kind "chart"}}<figure><img alt="{{.Chart.Title}}" src="{{.Img}}"></figure>
{{end}}{{end}}{{end}}
<div class="tail">
{{if .B.ReportTo}}<p>报：{{join .B.ReportTo}}。</p>{{end}}
{{if .B.SendTo}}<p>送：{{join .B.SendTo}}。</p>{{end}}
{{if .B.CopyTo}}<p>发：{{join .B.CopyTo}}。</p>{{end}}
<div class="issued"><span>{{.B.Unit}}</span><span>{{if .B.IssuedAt.IsZero}}（未印发）{{else}}{{date .B.IssuedAt}}印发{{end}}</span></div>
{{if .B.Copies}}<p class="state">（共印{{.B.Copies}}份）</p>{{end}}
</div>
<p class="state">状态：{{.B.State}}{{if .B.Signer}}　签发人：{{.B.Signer}}{{end}}</p>
</body></html>
`))

type htmlBlock struct {
	model.BriefBlock
	Img template.URL
}

type htmlSection struct {
	Title  string
	Blocks []htmlBlock
}

// HTML writes b as one self-contained HTML page.
func HTML(b *model.Brief, out io.Writer) error {
	data := struct {
		B        *model.Brief
		Date     any
		Sub      string
		Sections []htmlSection
		ToFill   string
	}{B: b, Date: issueDate(b), Sub: specialTitle(b), ToFill: ToFill}
	for _, s := range b.Content.Sections {
		hs := htmlSection{Title: s.Title}
		for _, bl := range s.Blocks {
			hb := htmlBlock{BriefBlock: bl}
			if bl.Kind == model.BlockChart {
				png, err := RenderChart(bl.Chart)
				if err != nil {
					return err
				}
				hb.Img = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
			}
			hs.Blocks = append(hs.Blocks, hb)
		}
		data.Sections = append(data.Sections, hs)
	}
	if err := htmlPage.Execute(out, data); err != nil {
		return fmt.Errorf("cannot write the page: %w", err)
	}
	return nil
}
