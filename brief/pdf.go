package brief

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/yuqing-project/yuqing/model"
)

// ErrNoOffice is returned by PDF when LibreOffice (soffice) is not
// installed: a PDF is the DOCX converted by LibreOffice headless, with the
// fonts it embeds.
var ErrNoOffice = errors.New("LibreOffice (soffice) is not installed: install libreoffice-writer, or ask for docx or html")

// Office returns the path of LibreOffice's soffice, or "" when it is not
// on PATH.
func Office() string {
	p, err := exec.LookPath("soffice")
	if err != nil {
		return ""
	}
	return p
}

// ConvertPDF converts the DOCX file at docx to PDF with LibreOffice
// headless (its own profile in a temporary directory, so conversions run
// side by side) and returns the PDF's path in dir.
func ConvertPDF(ctx context.Context, docx, dir string) (string, error) {
	office := Office()
	if office == "" {
		return "", ErrNoOffice
	}
	profile, err := os.MkdirTemp("", "yuqing-soffice-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(profile)
	cmd := exec.CommandContext(ctx, office, "-env:UserInstallation=file://"+profile, "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", dir, docx)
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("cannot convert %s to PDF: %w: %s", docx, err, outb.String())
	}
	pdf := filepath.Join(dir, trimExt(filepath.Base(docx))+".pdf")
	if _, err := os.Stat(pdf); err != nil {
		return "", fmt.Errorf("cannot convert %s to PDF: LibreOffice wrote no PDF: %s", docx, outb.String())
	}
	return pdf, nil
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }

// PDF writes b as PDF to out: its DOCX converted by LibreOffice.
func PDF(ctx context.Context, b *model.Brief, out io.Writer) error {
	dir, err := os.MkdirTemp("", "yuqing-brief-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	docx := filepath.Join(dir, "brief.docx")
	f, err := os.Create(docx)
	if err != nil {
		return err
	}
	if err := DOCX(b, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	pdf, err := ConvertPDF(ctx, docx, dir)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(pdf)
	if err != nil {
		return err
	}
	_, err = out.Write(data)
	return err
}

// Write writes b in format (docx, html or pdf) to out.
func Write(ctx context.Context, b *model.Brief, format string, out io.Writer) error {
	switch format {
	case "docx":
		return DOCX(b, out)
	case "html":
		return HTML(b, out)
	case "pdf":
		return PDF(ctx, b, out)
	}
	return fmt.Errorf("format %q: want docx, html or pdf", format)
}

// ContentType is the media type of a format.
func ContentType(format string) string {
	switch format {
	case "docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case "pdf":
		return "application/pdf"
	}
	return "text/html; charset=utf-8"
}

// FileName is the name a brief's file is saved under: 舆情日报-2026年第3期.docx.
func FileName(b *model.Brief, format string) string {
	n := b.PeriodStart.In(model.China).Format("20060102")
	if b.Number > 0 {
		n = fmt.Sprintf("%d年第%d期", b.Year, b.Number)
	}
	return b.Title + "-" + n + "." + format
}
