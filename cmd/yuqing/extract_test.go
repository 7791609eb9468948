package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yuqing-project/yuqing/crawler"
)

const extractPara = "为进一步加强和改进政务公开工作，切实保障人民群众的知情权、参与权、表达权和监督权，根据有关规定，结合我县实际，现就有关事项通知如下。"

// extractNotice is a portal notice with 政务公开 metadata, a date only in
// its URL and a relative time in the header, and an injected lottery link.
const extractNotice = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>某县人民政府办公室关于印发某某办法的通知_某县人民政府</title></head><body>
<table class="xxgk"><tr><td>索引号：11420300MB1234567X/2015-00032</td><td>发布机构：县政府办公室</td></tr>
<tr><td>文号：十政办发〔2015〕32号</td><td>主题分类：综合政务</td></tr></table>
<h1>某县人民政府办公室关于印发某某办法的通知</h1><div>来源：县政府办公室　作者：王芳</div>
<div class="TRS_Editor"><p>` + extractPara + `</p><p>` + extractPara + `</p>
<p><a href="http://spam.example/x">福彩刮刮乐中奖图片</a></p></div></body></html>`

func gbkBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runExtract(t *testing.T, args ...string) (extractOutput, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cmdExtract(args, &stdout, &stderr)
	var out extractOutput
	if err == nil {
		if jerr := json.Unmarshal(stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("output is not JSON: %v\n%s", jerr, stdout.String())
		}
		// Every documented key is present, even when empty.
		var keys map[string]any
		if jerr := json.Unmarshal(stdout.Bytes(), &keys); jerr != nil {
			t.Fatal(jerr)
		}
		for _, k := range []string{"title", "body", "published_at", "published_at_source", "published_at_confidence",
			"published_uncertain", "author", "origin", "doc_number", "index_number", "issuer", "encoding", "injected", "flags"} {
			if _, ok := keys[k]; !ok {
				t.Errorf("output lacks key %q: %s", k, stdout.String())
			}
		}
	}
	return out, stderr.String(), err
}

func TestExtractFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notice.html")
	if err := os.WriteFile(file, gbkBytes(t, extractNotice), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runExtract(t, "-url", "http://www.example.gov.cn/zfxxgk/201504/t20150423_32.html",
		"-fetched-at", "2026-11-21T10:00:00+08:00", file)
	if err != nil {
		t.Fatal(err)
	}
	want := extractOutput{
		URL:   "http://www.example.gov.cn/zfxxgk/201504/t20150423_32.html",
		Title: "某县人民政府办公室关于印发某某办法的通知", PublishedAt: "2015-04-23T00:00:00+08:00", PublishedAtSource: crawler.TimeFromURL,
		PublishedUncertain: true, // only the URL's date
		Author:             "王芳", Origin: "县政府办公室", DocNumber: "十政办发〔2015〕32号", IndexNumber: "11420300MB1234567X/2015-00032",
		Issuer: "县政府办公室", Subject: "综合政务", Encoding: "gbk", Injected: true, FetchedAt: "2026-11-21T10:00:00+08:00",
	}
	got := out
	got.Body, got.Flags, got.PublishedAtConfidence = "", nil, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("extract printed\n%+v\nwant\n%+v", got, want)
	}
	if !strings.Contains(out.Body, extractPara) || strings.Contains(out.Body, "福彩") {
		t.Errorf("body %q: want the notice without the injected lottery link", out.Body)
	}
	if out.PublishedAtConfidence <= 0 || out.PublishedAtConfidence >= 1 {
		t.Errorf("confidence %v for a date found in the URL, want between 0 and 1", out.PublishedAtConfidence)
	}
}

func TestExtractRelativeTime(t *testing.T) {
	page := `<html><head><meta charset="utf-8"><title>小区门口垃圾无人清理</title></head><body><h2>小区门口垃圾无人清理</h2>
<div class="meta">网友 张三 · 3小时前</div><div class="txt"><p>` + extractPara + `</p></div></body></html>`
	file := filepath.Join(t.TempDir(), "post.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runExtract(t, "-fetched-at", "2026-11-21T10:00:00+08:00", file)
	if err != nil {
		t.Fatal(err)
	}
	if out.PublishedAt != "2026-11-21T07:00:00+08:00" || out.PublishedAtSource != crawler.TimeFromRelative {
		t.Errorf("published_at %q (%s), want 2026-11-21T07:00:00+08:00 (relative)", out.PublishedAt, out.PublishedAtSource)
	}
}

func TestExtractURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/2026/11/21/notice.html":
			w.Header().Set("Content-Type", "text/html") // no charset: found in <meta>
			w.Write(gbkBytes(t, extractNotice))
		case "/moved":
			http.Redirect(w, r, "/2026/11/21/notice.html", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	out, _, err := runExtract(t, "-allow-private", srv.URL+"/moved")
	if err != nil {
		t.Fatal(err)
	}
	if out.URL != srv.URL+"/2026/11/21/notice.html" || out.Encoding != "gbk" || out.DocNumber != "十政办发〔2015〕32号" ||
		out.PublishedAt != "2026-11-21T00:00:00+08:00" {
		t.Errorf("fetched extraction: url %q encoding %q 文号 %q published %q", out.URL, out.Encoding, out.DocNumber, out.PublishedAt)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
		is   error
	}{
		{"private address refused by default", []string{srv.URL + "/2026/11/21/notice.html"}, "-allow-private", crawler.ErrPrivateAddress},
		{"not found", []string{"-allow-private", srv.URL + "/none"}, "HTTP 404", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runExtract(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
			var ue usageError
			if errors.As(err, &ue) {
				t.Errorf("fetch failure %v reported as a usage error", err)
			}
		})
	}
}

func TestExtractUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no argument", nil},
		{"two arguments", []string{"a.html", "b.html"}},
		{"bad fetched-at", []string{"-fetched-at", "yesterday", "a.html"}},
		{"unknown flag", []string{"-frobnicate", "a.html"}},
		{"zero timeout", []string{"-timeout", "0s", "http://example.com/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runExtract(t, tc.args...)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v (%T), want a usageError", err, err)
			}
		})
	}
	_, _, err := runExtract(t, filepath.Join(t.TempDir(), "missing.html"))
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "missing.html") {
		t.Errorf("missing file: err = %v, want a plain error naming the file", err)
	}
}
