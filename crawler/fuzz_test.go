package crawler

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz tests feed outside input (what a crawled site sends) to every
// parser: none may panic or hang, and what they return must be sane. Seed
// corpora are in testdata/fuzz; `make fuzz` runs each for a bounded time.

var fuzzFetched = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

func FuzzExtract(f *testing.F) {
	f.Add([]byte(`<html><head><title>某县化工厂发生爆炸</title><meta charset="gbk"></head><body><div class="article"><p>2026年11月20日，某县化工厂发生爆炸，造成3人死亡。现场已得到控制，事故原因正在调查。</p></div></body></html>`), "text/html")
	f.Add([]byte("<html><body><p>\xb0\xb2\xc8\xab\xc9\xfa\xb2\xfa</p></body></html>"), "text/html; charset=gb2312")
	f.Add([]byte(`<script>alert(1)</script><p onclick="x()">javascript:alert(1)</p>`), "")
	f.Fuzz(func(t *testing.T, page []byte, ct string) {
		ex, err := Extract(page, "https://example.gov.cn/a.html", ct, fuzzFetched)
		if err != nil {
			return
		}
		if !utf8.ValidString(ex.Title) || !utf8.ValidString(ex.Body) {
			t.Errorf("extraction is not valid UTF-8: %q / %q", ex.Title, ex.Body)
		}
	})
}

func FuzzDecodeEncoding(f *testing.F) {
	f.Add([]byte("<meta charset=\"gb18030\">\xc4\xe3\xba\xc3"), "", false)
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"big5\"?><rss/>"), "application/xml", true)
	f.Add([]byte("\xef\xbb\xbf你好"), "text/html; charset=utf-8", false)
	f.Fuzz(func(t *testing.T, page []byte, ct string, xml bool) {
		var out []byte
		var err error
		if xml {
			out, _, err = decodeXML(page, ct, "")
		} else {
			out, _, err = decodeHTML(page, ct, "")
		}
		if err == nil && !utf8.Valid(out) {
			t.Errorf("decoded page is not valid UTF-8")
		}
	})
}

func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><item><title>通报</title><link>http://a/1</link><pubDate>Fri, 20 Nov 2026 08:00:00 +0800</pubDate><description>&lt;p&gt;正文&lt;/p&gt;</description></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">标题</title><link href="http://a/2"/><updated>2026-11-20T08:00:00+08:00</updated><content type="html">&lt;b&gt;x&lt;/b&gt;</content></entry></feed>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><rss><channel><item><title>&a;&a;</title></item></channel></rss>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := parseFeed(data)
		if err == nil && len(items) > len(data) {
			t.Errorf("%d items from %d bytes", len(items), len(data))
		}
	})
}

func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.gov.cn/a.html</loc></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>/s2.xml</loc></sitemap><sitemap><loc>javascript:alert(1)</loc></sitemap></sitemapindex>`))
	base, _ := url.Parse("https://example.gov.cn/sitemap.xml")
	f.Fuzz(func(t *testing.T, body []byte) {
		if !isSitemap(body) {
			return
		}
		pages, maps, err := parseSitemap(body, base, []string{"example.gov.cn"})
		if err != nil {
			return
		}
		for _, u := range append(pages, maps...) {
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") {
				t.Errorf("sitemap gave %q, not an http(s) URL", u)
			}
		}
	})
}

func FuzzJSONAPI(f *testing.F) {
	f.Add([]byte(`{"data":{"list":[{"title":"通报","url":"/a/1","time":"2026-11-20 08:00:00"}]}}`), "data.list.0.title", "2006-01-02 15:04:05")
	f.Add([]byte(`[1,2,{"a":[null]}]`), "2.a.0", "unix")
	f.Add([]byte(`{"t":1763596800000}`), "t", "unixms")
	f.Fuzz(func(t *testing.T, body []byte, path, format string) {
		var v any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		_, _ = jsonPath(v, path)
		s := jsonString(v, path)
		_ = apiTime(s, format)
	})
}

func FuzzDates(f *testing.F) {
	for _, s := range []string{"发布时间：2026年11月20日 08:30", "3小时前", "昨天 10:20", "二〇二六年十一月二十日", "11/20/2026", "2026-13-45 99:99", "发布日期:2026-11-20",
		"今天是2026年11月21日 星期六", "发表于 11-30 14:05", "来源：新华社\n２０２６－１１－２０", "var ct = \"1764400000\";"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, _ = relativeTime(text, fuzzFetched)
		stripped := stripChrome(narrowDigits(text), fuzzFetched)
		dates := []time.Time{labelledDate(text), firstDate(text), lastDate(text), urlDate(text), labelledDate(stripped),
			labelledYearless(text, fuzzFetched), sourceLineDate(text, true), sourceLineDate(text, false)}
		dates = append(dates, scriptTimes([]string{text})...)
		for _, d := range dates {
			if !d.IsZero() && (d.Year() < 1900 || d.Year() > 2200) {
				t.Errorf("date %v from %q is out of any plausible range", d, text)
			}
		}
	})
}
