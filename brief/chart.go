package brief

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/yuqing-project/yuqing/model"
)

// droidSans is Droid Sans Fallback (Apache-2.0; see font/NOTICE), a
// TrueType font with the CJK glyphs the charts' labels need.
//
//go:embed font/DroidSansFallbackFull.ttf
var droidSans []byte

var (
	fontOnce  sync.Once
	fontParse *opentype.Font
	// latinParse is Go Regular (BSD-3-Clause, golang.org/x/image/font/gofont).
	latinParse *opentype.Font
	fontErr    error
)

// chartFace draws CJK characters in Droid Sans Fallback and the rest
// (digits, Latin letters, which Droid Sans Fallback lacks) in Go Regular.
type chartFace struct {
	cjk, latin font.Face
}

func (f chartFace) pick(r rune) font.Face {
	var buf sfnt.Buffer
	if i, err := fontParse.GlyphIndex(&buf, r); err == nil && i != 0 {
		return f.cjk
	}
	return f.latin
}

func face(size float64) (chartFace, error) {
	fontOnce.Do(func() {
		fontParse, fontErr = opentype.Parse(droidSans)
		if fontErr == nil {
			latinParse, fontErr = opentype.Parse(goregular.TTF)
		}
	})
	if fontErr != nil {
		return chartFace{}, fmt.Errorf("cannot parse the embedded chart fonts: %w", fontErr)
	}
	o := &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull}
	cjk, err := opentype.NewFace(fontParse, o)
	if err != nil {
		return chartFace{}, err
	}
	latin, err := opentype.NewFace(latinParse, o)
	if err != nil {
		return chartFace{}, err
	}
	return chartFace{cjk, latin}, nil
}

// Chart size in pixels (rendered at twice the size it is shown in a
// document, for print).
const (
	ChartWidth  = 1200
	ChartHeight = 560
)

// palette colours the series of a chart, in order.
var palette = []color.RGBA{
	{0xc0, 0x1c, 0x1c, 0xff}, // red: the first series (volume, negative)
	{0x44, 0x72, 0xc4, 0xff},
	{0x2e, 0x8b, 0x57, 0xff},
	{0xe0, 0x8a, 0x00, 0xff},
}

// RenderChart draws a chart as a PNG.
func RenderChart(c *model.BriefChart) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, ChartWidth, ChartHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	title, err := face(30)
	if err != nil {
		return nil, err
	}
	small, err := face(20)
	if err != nil {
		return nil, err
	}
	text(img, title, c.Title, 40, 44, color.Black)
	left, right, top, bottom := 100, ChartWidth-40, 90, ChartHeight-80
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	yMax := niceMax(maxV)
	grey := color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	for i := 0; i <= 4; i++ {
		y := bottom - (bottom-top)*i/4
		hline(img, left, right, y, grey)
		lbl := fmt.Sprintf("%g", yMax*float64(i)/4)
		text(img, small, lbl, left-12-textWidth(small, lbl), y+7, color.Black)
	}
	line(img, left, bottom, left, top, 2, color.Black)
	n := len(c.Labels)
	if n == 0 {
		text(img, small, "暂无数据", (left+right)/2-40, (top+bottom)/2, color.Black)
		return encode(img)
	}
	slot := float64(right-left) / float64(n)
	xAt := func(i int) int { return left + int(slot*(float64(i)+0.5)) }
	yAt := func(v float64) int { return bottom - int(float64(bottom-top)*v/yMax) }
	every := max(1, int(math.Ceil(float64(n)*70/float64(right-left))))
	for i, l := range c.Labels {
		if i%every != 0 {
			continue
		}
		text(img, small, l, xAt(i)-textWidth(small, l)/2, bottom+28, color.Black)
	}
	legendX := right - 10
	for si := len(c.Series) - 1; si >= 0; si-- {
		s := c.Series[si]
		col := palette[si%len(palette)]
		w := textWidth(small, s.Name)
		legendX -= w + 40
		fill(img, image.Rect(legendX, 30, legendX+24, 46), col)
		text(img, small, s.Name, legendX+30, 46, color.Black)
	}
	switch c.Kind {
	case "bar":
		k := len(c.Series)
		bw := int(slot * 0.7 / float64(max(k, 1)))
		for si, s := range c.Series {
			col := palette[si%len(palette)]
			for i, v := range s.Values {
				x := xAt(i) - bw*k/2 + bw*si
				fill(img, image.Rect(x, yAt(v), x+bw-2, bottom), col)
				if v > 0 {
					lbl := fmt.Sprintf("%g", v)
					text(img, small, lbl, x+(bw-2)/2-textWidth(small, lbl)/2, yAt(v)-6, color.Black)
				}
			}
		}
	default:
		for si, s := range c.Series {
			col := palette[si%len(palette)]
			for i := 1; i < len(s.Values); i++ {
				line(img, xAt(i-1), yAt(s.Values[i-1]), xAt(i), yAt(s.Values[i]), 3, col)
			}
			for i, v := range s.Values {
				fill(img, image.Rect(xAt(i)-4, yAt(v)-4, xAt(i)+4, yAt(v)+4), col)
			}
		}
	}
	hline(img, left, right, bottom, color.Black)
	return encode(img)
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("cannot encode a chart: %w", err)
	}
	return buf.Bytes(), nil
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten (at least 4, so
// that the four grid steps are whole numbers).
func niceMax(v float64) float64 {
	if v <= 4 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func text(img draw.Image, f chartFace, s string, x, y int, c color.Color) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Dot: fixed.P(x, y)}
	for _, r := range s {
		d.Face = f.pick(r)
		d.DrawString(string(r))
	}
}

func textWidth(f chartFace, s string) int {
	var w fixed.Int26_6
	for _, r := range s {
		a, _ := f.pick(r).GlyphAdvance(r)
		w += a
	}
	return w.Ceil()
}

func fill(img draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func hline(img draw.Image, x0, x1, y int, c color.Color) {
	fill(img, image.Rect(x0, y, x1, y+1), c)
}

// line draws a line w pixels thick.
func line(img draw.Image, x0, y0, x1, y1, w int, c color.Color) {
	steps := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= steps; i++ {
		x := x0 + (x1-x0)*i/steps
		y := y0 + (y1-y0)*i/steps
		fill(img, image.Rect(x-w/2, y-w/2, x-w/2+w, y-w/2+w), c)
	}
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}
