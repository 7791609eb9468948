package brief

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// The DOCX is written directly as WordprocessingML (ECMA-376, the parts
// Word, WPS and LibreOffice all read): a document part, its styles, the
// relationships of its images and the charts as PNG media. Fonts are named
// by their Chinese names (仿宋, 黑体, 宋体), which Word and WPS have and
// LibreOffice substitutes.

// Colours and sizes of the 报头 (half-points for sizes).
const (
	redHead      = "E00000"
	titleSize    = 88 // 44 pt
	bodySize     = 32 // 16 pt, 三号
	headingSize  = 32
	smallSize    = 28      // 14 pt, 四号
	chartWidthEM = 5580000 // 15.5 cm, the text width
)

type docxWriter struct {
	body   strings.Builder
	media  [][]byte
	imgSeq int
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// run is one run of text with its properties.
func run(text, font string, size int, bold bool, color string) string {
	var p strings.Builder
	if font != "" {
		fmt.Fprintf(&p, `<w:rFonts w:ascii="%[1]s" w:hAnsi="%[1]s" w:eastAsia="%[1]s" w:cs="%[1]s"/>`, font)
	}
	if bold {
		p.WriteString(`<w:b/>`)
	}
	if color != "" {
		fmt.Fprintf(&p, `<w:color w:val="%s"/>`, color)
	}
	if size > 0 {
		fmt.Fprintf(&p, `<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, size, size)
	}
	return `<w:r><w:rPr>` + p.String() + `</w:rPr><w:t xml:space="preserve">` + esc(text) + `</w:t></w:r>`
}

// para writes a paragraph with properties pPr and runs.
func (w *docxWriter) para(pPr string, runs ...string) {
	w.body.WriteString(`<w:p><w:pPr>` + pPr + `</w:pPr>` + strings.Join(runs, "") + `</w:p>`)
}

const (
	center = `<w:jc w:val="center"/>`
	right  = `<w:jc w:val="right"/>`
	indent = `<w:ind w:firstLineChars="200" w:firstLine="640"/>`
	lines  = `<w:spacing w:line="560" w:lineRule="exact"/>`
)

func redRule(width int) string {
	return fmt.Sprintf(`<w:pBdr><w:bottom w:val="single" w:sz="%d" w:space="1" w:color="%s"/></w:pBdr>`, width, redHead)
}

func dateCN(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(model.China).Format("2006年1月2日")
}

// issueDate is the date printed in the 报头: the 签发 date, else today's
// draft date.
func issueDate(b *model.Brief) time.Time {
	if !b.SignedAt.IsZero() {
		return b.SignedAt
	}
	return b.CreatedAt
}

func (w *docxWriter) head(b *model.Brief) {
	cls := b.Classification
	if b.CopyNo != "" {
		cls = "份号：" + b.CopyNo + "　" + cls
	}
	w.para(``, run(cls, "黑体", smallSize, false, ""))
	size := titleSize
	if n := len([]rune(b.Title)); n > 6 {
		size = max(48, titleSize*6/n)
	}
	w.para(center+`<w:spacing w:before="240" w:after="120"/>`, run(b.Title, "方正小标宋简体", size, true, redHead))
	w.para(center+`<w:spacing w:after="240"/>`, run(b.NumberText(), "楷体", bodySize, false, ""))
	// The unit left and the date right, on one line with a right tab, over
	// the red rule.
	w.para(`<w:tabs><w:tab w:val="right" w:pos="8840"/></w:tabs>`+redRule(24)+`<w:spacing w:after="360"/>`,
		run(b.Unit, "楷体", bodySize, false, ""), `<w:r><w:tab/></w:r>`, run(dateCN(issueDate(b)), "楷体", bodySize, false, ""))
}

func (w *docxWriter) image(png []byte, widthEMU int) {
	w.media = append(w.media, png)
	w.imgSeq++
	id := w.imgSeq
	h := widthEMU * ChartHeight / ChartWidth
	w.body.WriteString(fmt.Sprintf(`<w:p><w:pPr>%s</w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="%[2]d" cy="%[3]d"/><wp:docPr id="%[4]d" name="图表%[4]d"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="%[4]d" name="chart%[4]d.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdImg%[4]d"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%[2]d" cy="%[3]d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`,
		center, widthEMU, h, id))
}

func (w *docxWriter) table(t *model.BriefTable) {
	cols := max(len(t.Header), 1)
	// A wide table gives its first column (the row's label) three shares.
	widths := make([]int, cols)
	shares := cols
	if cols > 4 {
		shares = cols + 2
	}
	for i := range widths {
		widths[i] = 8840 / shares
	}
	if cols > 4 {
		widths[0] = 3 * 8840 / shares
	}
	size := 21
	if cols > 6 {
		size = 18
	}
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:jc w:val="center"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(&b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, head bool) {
		b.WriteString(`<w:tr>`)
		if head {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for i := range cols {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			shade := ""
			switch {
			case head:
				shade = `<w:shd w:val="clear" w:color="auto" w:fill="F2DCDB"/>`
			case c == ToFill:
				// A cell a person must fill in stands out.
				shade = `<w:shd w:val="clear" w:color="auto" w:fill="FFF2CC"/>`
			}
			fmt.Fprintf(&b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>%s<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:jc w:val="center"/></w:pPr>%s</w:p></w:tc>`,
				widths[i], shade, run(c, "仿宋", size, head, ""))
		}
		b.WriteString(`</w:tr>`)
	}
	row(t.Header, true)
	for _, r := range t.Rows {
		row(r, false)
	}
	b.WriteString(`</w:tbl>`)
	w.body.WriteString(b.String())
	w.para(`<w:spacing w:after="120"/>`)
}

func (w *docxWriter) tail(b *model.Brief) {
	w.para(`<w:spacing w:before="480"/>` + `<w:pBdr><w:top w:val="single" w:sz="8" w:space="1" w:color="000000"/></w:pBdr>`)
	for _, r := range [][2]string{{"报：", strings.Join(b.ReportTo, "，")}, {"送：", strings.Join(b.SendTo, "，")}, {"发：", strings.Join(b.CopyTo, "，")}} {
		if r[1] == "" {
			continue
		}
		w.para(`<w:ind w:left="640" w:hanging="640"/>`, run(r[0], "黑体", smallSize, false, ""), run(r[1]+"。", "仿宋", smallSize, false, ""))
	}
	issued := "（未印发）"
	if !b.IssuedAt.IsZero() {
		issued = dateCN(b.IssuedAt) + "印发"
	}
	w.para(`<w:tabs><w:tab w:val="right" w:pos="8840"/></w:tabs><w:pBdr><w:top w:val="single" w:sz="4" w:space="1" w:color="000000"/><w:bottom w:val="single" w:sz="8" w:space="1" w:color="000000"/></w:pBdr>`,
		run(b.Unit, "仿宋", smallSize, false, ""), `<w:r><w:tab/></w:r>`, run(issued, "仿宋", smallSize, false, ""))
	if b.Copies > 0 {
		w.para(right, run(fmt.Sprintf("（共印%d份）", b.Copies), "仿宋", smallSize, false, ""))
	}
}

// DOCX writes b as a Word document to out.
func DOCX(b *model.Brief, out io.Writer) error {
	w := &docxWriter{}
	w.head(b)
	{
		if sub := specialTitle(b); sub != "" {
			w.para(center+`<w:spacing w:after="240"/>`, run(sub, "方正小标宋简体", 36, true, ""))
		}
	}
	for _, s := range b.Content.Sections {
		w.para(lines+`<w:keepNext/><w:outlineLvl w:val="0"/><w:ind w:firstLineChars="200" w:firstLine="640"/>`, run(s.Title, "黑体", headingSize, false, ""))
		for _, bl := range s.Blocks {
			switch bl.Kind {
			case model.BlockText:
				w.para(lines+indent, run(bl.Text, "仿宋", bodySize, false, ""))
			case model.BlockHeading:
				w.para(lines+indent+`<w:keepNext/>`, run(bl.Text, "楷体", bodySize, true, ""))
			case model.BlockQuote:
				w.para(lines+indent, run("“"+bl.Text+"”", "仿宋", bodySize, false, ""), run("（"+bl.Source+"）", "楷体", 28, false, "555555"))
			case model.BlockTable:
				w.table(bl.Table)
			case model.BlockChart:
				png, err := RenderChart(bl.Chart)
				if err != nil {
					return err
				}
				w.image(png, chartWidthEM)
			}
		}
	}
	w.tail(b)
	return w.write(out, b)
}

// specialTitle is the heading of a 专报 below the 报头.
func specialTitle(b *model.Brief) string { return b.Subject }

const (
	nsW   = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	nsR   = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	nsWP  = `xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"`
	xmlPI = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

func (w *docxWriter) write(out io.Writer, b *model.Brief) error {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name, content string) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, content)
		return err
	}
	var rels strings.Builder
	rels.WriteString(xmlPI + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	rels.WriteString(`<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`)
	for i := range w.media {
		fmt.Fprintf(&rels, `<Relationship Id="rIdImg%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/chart%d.png"/>`, i+1, i+1)
	}
	rels.WriteString(`</Relationships>`)
	// A4, margins of the national standard for official documents
	// (GB/T 9704: top 37 mm, left 28 mm), in twentieths of a point.
	sect := `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`
	parts := [][2]string{
		{"[Content_Types].xml", xmlPI + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`},
		{"_rels/.rels", xmlPI + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`},
		{"docProps/core.xml", xmlPI + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>` + esc(b.Title+" "+b.NumberText()) + `</dc:title><dc:creator>` + esc(b.Unit) + `</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">` + b.CreatedAt.UTC().Format(time.RFC3339) + `</dcterms:created></cp:coreProperties>`},
		{"word/_rels/document.xml.rels", rels.String()},
		{"word/styles.xml", xmlPI + `<w:styles ` + nsW + `><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="仿宋" w:hAnsi="仿宋" w:eastAsia="仿宋" w:cs="仿宋"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style></w:styles>`},
		{"word/document.xml", xmlPI + `<w:document ` + nsW + ` ` + nsR + ` ` + nsWP + `><w:body>` + w.body.String() + sect + `</w:body></w:document>`},
	}
	for _, p := range parts {
		if err := put(p[0], p[1]); err != nil {
			return fmt.Errorf("cannot write the document: %w", err)
		}
	}
	for i, m := range w.media {
		f, err := z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("word/media/chart%d.png", i+1), Method: zip.Store})
		if err != nil {
			return fmt.Errorf("cannot write the document: %w", err)
		}
		if _, err := f.Write(m); err != nil {
			return fmt.Errorf("cannot write the document: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("cannot write the document: %w", err)
	}
	_, err := out.Write(buf.Bytes())
	return err
}
