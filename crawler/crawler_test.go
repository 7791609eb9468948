package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yuqing-project/yuqing/bus"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// fakePublisher records published documents; fail makes Publish fail.
type fakePublisher struct {
	mu   sync.Mutex
	docs []model.Document
	fail error
}

func (p *fakePublisher) Publish(ctx context.Context, docs ...model.Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.docs = append(p.docs, docs...)
	return nil
}

func (p *fakePublisher) setFail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = err
}

func (p *fakePublisher) take() []model.Document {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.docs
	p.docs = nil
	return d
}

// site is a small test web: a paginated list, UTF-8 and GBK articles, a
// robots.txt disallowing /private/, an RSS and an Atom feed. Pages carry
// ETags so conditional GET can be observed.
type site struct {
	mu        sync.Mutex
	pages     map[string]sitePage
	requested []string
	srv       *httptest.Server
}

type sitePage struct {
	contentType string
	body        []byte
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const article1 = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>县政府召开安全生产工作会议_某县人民政府网</title>
<meta name="PubDate" content="2026-11-21 09:06:34"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/list">政务公开</a></div>
<h1>县政府召开安全生产工作会议</h1>
<div class="info">发布时间：2026-11-21 09:06:34 来源：县应急管理局 作者：李明</div>
<div class="content"><p>11月20日，县政府召开全县安全生产工作会议，传达学习上级有关会议精神，部署当前安全生产重点工作。</p>
<p>会议要求，各乡镇、各部门要压紧压实安全生产责任，深入开展危险化学品、道路交通、建筑施工等重点行业领域隐患排查整治。</p>
<p>会议强调，要加强应急值守，严格落实领导带班和24小时值班制度，确保信息报送及时准确。</p></div>
<div class="related">相关阅读：<a href="/news/2026/11/01/x.html">往期会议</a></div>
<div class="footer">版权所有：某县人民政府 备案号：某ICP备12345678号</div></body></html>`

const article2 = `<html><head><meta charset="utf-8"><title>关于做好冬季供暖工作的通知 - 某县人民政府网</title></head><body>
<h1>关于做好冬季供暖工作的通知</h1><p>发布日期：2026年11月20日</p>
<div id="zoom"><p>各乡镇人民政府，县直各单位：为切实做好今冬明春供暖工作，保障群众温暖过冬，现将有关事项通知如下。</p>
<p>一、提高思想认识。供暖工作事关群众切身利益，各单位要高度重视，确保按时供暖、稳定供暖。</p></div></body></html>`

// article3 is GBK without a charset in the header; only <meta http-equiv>
// declares it.
const article3 = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>网民反映某路段路灯不亮问题的回复</title></head><body>
<table><tr><td><a href="/">首页</a></td></tr><tr><td>
<b>网民反映某路段路灯不亮问题的回复</b><br>留言时间：2026-11-19 16:20<br>
网友您好！您反映的城南路段路灯不亮的问题已收悉。经县城管局现场核实，该路段因线路老化导致部分路灯无法正常亮灯。<br>
目前已安排维修人员更换线路，预计本周内恢复照明。感谢您对我县城市管理工作的关心和支持！
</td></tr></table></body></html>`

const listPage1 = `<html><head><meta charset="utf-8"><title>政务公开</title></head><body>
<div class="menu"><a href="/">首页</a><a href="/about.html">关于我们</a></div>
<ul class="list">
<li><a href="/news/2026/11/21/a1.html?utm_source=x#top">县政府召开安全生产工作会议</a></li>
<li><a href="/news/2026/11/20/a2.html">关于做好冬季供暖工作的通知</a></li>
<li><a href="/private/2026/11/20/secret.html">内部资料不应被抓取的页面</a></li>
</ul><div class="pages"><a href="/list?page=2">下一页</a></div></body></html>`

const listPage2 = `<html><head><meta charset="utf-8"><title>政务公开 第2页</title></head><body>
<ul><li><a href="/news/2026/11/19/a3.html">网民反映某路段路灯不亮问题的回复</a></li></ul>
<a href="/list">上一页</a></body></html>`

func newSite(t *testing.T) *site {
	s := &site{pages: map[string]sitePage{
		"/robots.txt":                     {"text/plain", []byte("User-agent: *\nDisallow: /private/\n")},
		"/list":                           {"text/html; charset=utf-8", []byte(listPage1)},
		"/list?page=2":                    {"text/html; charset=utf-8", []byte(listPage2)},
		"/news/2026/11/21/a1.html":        {"text/html; charset=utf-8", []byte(article1)},
		"/news/2026/11/20/a2.html":        {"text/html", []byte(article2)},
		"/news/2026/11/19/a3.html":        {"text/html", gbk(t, article3)},
		"/private/2026/11/20/secret.html": {"text/html; charset=utf-8", []byte(article2)},
	}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.URL.RequestURI()
	s.requested = append(s.requested, key)
	p, ok := s.pages[key]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, ContentHash(key, string(p.body))[:16])
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", p.contentType)
	w.Write(p.body)
}

func (s *site) set(path, contentType string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = sitePage{contentType, body}
}

func (s *site) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requested
	s.requested = nil
	return r
}

func testConfig() config.CrawlerConfig {
	return config.CrawlerConfig{
		UserAgent:      "yuqing-test/1.0",
		Interval:       time.Hour,
		RequestTimeout: 5 * time.Second,
		MaxPageBytes:   1 << 20,
		Parallelism:    2,
		HostDelay:      time.Millisecond,
	}
}

func testSource(id, kind, u string) config.Source {
	return config.Source{
		ID: id, Name: "测试源 " + id, Kind: kind, Authority: model.TierOfficial, Region: "110101",
		URL: u, Interval: time.Hour, AllowPrivate: true, List: config.ListRules{MaxPages: 3},
	}
}

func newCrawler(t *testing.T, srcs []config.Source, pub Publisher, dir string, reg prometheus.Registerer) *Crawler {
	t.Helper()
	c, err := New(testConfig(), srcs, pub, dir, reg, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func byTitle(docs []model.Document) map[string]model.Document {
	m := make(map[string]model.Document)
	for _, d := range docs {
		m[d.Title] = d
	}
	return m
}

func TestCrawlListPaginationRobotsAndIncremental(t *testing.T) {
	s := newSite(t)
	src := testSource("county", model.KindPortal, s.srv.URL+"/list")
	dir := t.TempDir()
	pub := &fakePublisher{}
	reg := prometheus.NewRegistry()
	c := newCrawler(t, []config.Source{src}, pub, dir, reg)
	ctx := context.Background()

	if err := c.PollNow(ctx, "county"); err != nil {
		t.Fatal(err)
	}
	docs := byTitle(pub.take())
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3: %v", len(docs), docs)
	}
	a1 := docs["县政府召开安全生产工作会议"]
	wantURL := s.srv.URL + "/news/2026/11/21/a1.html"
	if a1.URL != wantURL || a1.ID != model.DocumentID(wantURL) {
		t.Errorf("a1 URL %q ID %q, want canonical %q", a1.URL, a1.ID, wantURL)
	}
	if a1.PublishedAtSource != TimeFromMeta || !a1.PublishedAt.Equal(time.Date(2026, 11, 21, 9, 6, 34, 0, model.China)) {
		t.Errorf("a1 published %v (%s)", a1.PublishedAt, a1.PublishedAtSource)
	}
	if a1.Author != "李明" || a1.Origin != "县应急管理局" {
		t.Errorf("a1 author %q origin %q", a1.Author, a1.Origin)
	}
	if strings.Contains(a1.Body, "版权所有") || strings.Contains(a1.Body, "相关阅读") || !strings.Contains(a1.Body, "压紧压实安全生产责任") {
		t.Errorf("a1 body not clean: %q", a1.Body)
	}
	if a1.Schema != bus.SchemaVersion || a1.SourceID != "county" || a1.Authority != model.TierOfficial ||
		a1.RegionCode != "110101" || a1.SourceKind != model.KindPortal || a1.ContentHash != ContentHash(a1.Title, a1.Body) {
		t.Errorf("a1 source fields wrong: %+v", a1)
	}
	a3, ok := docs["网民反映某路段路灯不亮问题的回复"]
	if !ok {
		t.Fatalf("GBK page from list page 2 missing; got %v", docs)
	}
	if a3.Encoding != "gbk" || !strings.Contains(a3.Body, "城南路段路灯不亮的问题已收悉") {
		t.Errorf("GBK page not intact: encoding %q body %q", a3.Encoding, a3.Body)
	}
	if want := time.Date(2026, 11, 19, 16, 20, 0, 0, model.China); !a3.PublishedAt.Equal(want) || a3.PublishedAtSource != TimeFromText {
		t.Errorf("a3 published %v (%s), want %v (text)", a3.PublishedAt, a3.PublishedAtSource, want)
	}
	reqs := s.requests()
	for _, r := range reqs {
		if strings.HasPrefix(r, "/private/") {
			t.Errorf("robots.txt-disallowed %q was requested", r)
		}
	}
	if got := testutil.ToFloat64(c.m.robotsRefused.WithLabelValues("county")); got != 1 {
		t.Errorf("robots_refused_total = %v, want 1", got)
	}
	if got := testutil.ToFloat64(c.m.docsEmitted.WithLabelValues("county")); got != 3 {
		t.Errorf("documents_emitted_total = %v, want 3", got)
	}

	// Second poll: nothing changed, nothing published; pages answer 304.
	if err := c.PollNow(ctx, "county"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("unchanged pages re-published: %d documents", len(d))
	}
	if got := testutil.ToFloat64(c.m.pagesFetched.WithLabelValues("county", statusNotModified)); got < 3 {
		t.Errorf("pages_fetched_total{status=304} = %v, want conditional GETs answered 304", got)
	}

	// Restart on the same state directory: still nothing new.
	c2 := newCrawler(t, []config.Source{src}, pub, dir, reg)
	if err := c2.PollNow(ctx, "county"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("unchanged pages re-published after restart: %d documents", len(d))
	}

	// A changed article is published again, same ID, newer version.
	s.set("/news/2026/11/21/a1.html", "text/html; charset=utf-8",
		[]byte(strings.Replace(article1, "确保信息报送及时准确", "确保信息报送及时准确、规范完整", 1)))
	if err := c2.PollNow(ctx, "county"); err != nil {
		t.Fatal(err)
	}
	changed := pub.take()
	if len(changed) != 1 || changed[0].ID != a1.ID || changed[0].Version <= a1.Version || changed[0].ContentHash == a1.ContentHash {
		t.Fatalf("changed page: got %+v, want one new version of %s", changed, a1.ID)
	}
}

func TestFailedPublishIsRetriedNextPoll(t *testing.T) {
	s := newSite(t)
	src := testSource("county", model.KindPortal, s.srv.URL+"/list")
	dir := t.TempDir()
	pub := &fakePublisher{fail: errors.New("broker down")}
	c := newCrawler(t, []config.Source{src}, pub, dir, prometheus.NewRegistry())
	ctx := context.Background()
	if err := c.PollNow(ctx, "county"); err == nil {
		t.Fatal("poll with a failing publisher succeeded")
	}
	if got := testutil.ToFloat64(c.m.polls.WithLabelValues("county", pollPublishError)); got != 1 {
		t.Errorf("polls_total{result=publish_error} = %v, want 1", got)
	}
	// A restart after the failure must not believe the pages were seen.
	pub.setFail(nil)
	c2 := newCrawler(t, []config.Source{src}, pub, dir, prometheus.NewRegistry())
	if err := c2.PollNow(ctx, "county"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 3 {
		t.Errorf("after a failed publish, next poll published %d documents, want 3", len(d))
	}
}

func TestPrivateAddressRefused(t *testing.T) {
	s := newSite(t)
	for _, ignoreRobots := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignore_robots=%v", ignoreRobots), func(t *testing.T) {
			src := testSource("public", model.KindNews, s.srv.URL+"/list")
			src.AllowPrivate = false
			cfg := testConfig()
			cfg.IgnoreRobots = ignoreRobots
			c, err := New(cfg, []config.Source{src}, &fakePublisher{}, t.TempDir(), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			s.requests()
			err = c.PollNow(context.Background(), "public")
			if !errors.Is(err, ErrPrivateAddress) {
				t.Errorf("poll of a loopback source without allow_private: err = %v, want ErrPrivateAddress", err)
			}
			if r := s.requests(); len(r) != 0 {
				t.Errorf("server received %v", r)
			}
		})
	}
}

func TestRedirectOutsideAllowedDomainsRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("redirect target outside the allowed domains was requested: %s", r.URL)
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	s := newSite(t)
	s.set("/list", "text/html", []byte(`<a href="/news/2026/11/21/r.html">一篇会被重定向出去的文章</a>`))
	mux := http.NewServeMux()
	mux.HandleFunc("/news/2026/11/21/r.html", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/x", http.StatusFound)
	})
	mux.Handle("/", http.HandlerFunc(s.serve))
	s.srv.Config.Handler = mux
	src := testSource("redir", model.KindNews, s.srv.URL+"/list")
	pub := &fakePublisher{}
	c := newCrawler(t, []config.Source{src}, pub, t.TempDir(), nil)
	if err := c.PollNow(context.Background(), "redir"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("published %d documents from a foreign redirect", len(d))
	}
	if got := testutil.ToFloat64(c.m.pagesSkipped.WithLabelValues("redir", skipDomain)); got != 1 {
		t.Errorf("pages_skipped_total{reason=domain} = %v, want 1", got)
	}
}

// TestRedirectToPrivateAddressRefused: a public page that redirects to a
// private address must not reach it. The test has only loopback
// addresses, so it calls 127.0.0.1 public and 127.0.0.2 private; the
// classification itself is TestIsPublicAddr's.
func TestRedirectToPrivateAddressRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	inner := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the private address was requested: %s", r.URL)
	})}}
	inner.Start()
	defer inner.Close()
	s := newSite(t)
	s.set("/list", "text/html", []byte(`<a href="/news/2026/11/21/p.html">一篇重定向到内网地址的文章</a>`))
	mux := http.NewServeMux()
	mux.HandleFunc("/news/2026/11/21/p.html", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/admin/secret.html", http.StatusFound)
	})
	mux.Handle("/", http.HandlerFunc(s.serve))
	s.srv.Config.Handler = mux
	src := testSource("pub", model.KindNews, s.srv.URL+"/list")
	src.AllowPrivate = false
	src.AllowedDomains = []string{"127.0.0.1", "127.0.0.2"}
	pub := &fakePublisher{}
	c := newCrawler(t, []config.Source{src}, pub, t.TempDir(), nil)
	c.tr.isPublic = func(ip netip.Addr) bool { return ip == netip.MustParseAddr("127.0.0.1") }
	if err := c.PollNow(context.Background(), "pub"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("published %d documents through a redirect to a private address", len(d))
	}
	if got := testutil.ToFloat64(c.m.pagesFetched.WithLabelValues("pub", "refused")); got < 1 {
		t.Errorf("pages_fetched_total{status=refused} = %v, want the redirect refused", got)
	}
}

func TestIsPublicAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:80", false}, {"[::1]:80", false}, {"10.1.2.3:80", false}, {"192.168.1.1:443", false},
		{"172.16.0.1:80", false}, {"169.254.169.254:80", false}, {"[fe80::1]:80", false}, {"0.0.0.0:80", false},
		{"100.64.0.1:80", false}, {"[::ffff:127.0.0.1]:80", false}, {"[fc00::1]:80", false},
		{"8.8.8.8:53", true}, {"202.108.22.5:80", true}, {"[2001:4860:4860::8888]:443", true},
	} {
		err := refusePrivate("tcp", tc.addr, nil)
		if got := err == nil; got != tc.want {
			t.Errorf("refusePrivate(%s) = %v, want public=%v", tc.addr, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("refusePrivate(%s) error %v does not wrap ErrPrivateAddress", tc.addr, err)
		}
	}
}

const rssFeed = `<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>县融媒体中心</title>
<item><title>我县举办农民丰收节活动</title><link>/news/2026/11/18/f1.html</link><guid>f1</guid>
<description><![CDATA[<p>11月18日，我县在城关镇举办农民丰收节活动，展示特色农产品，吸引了众多市民和游客前来参观选购，现场气氛热烈。活动现场设置了农产品展销区、农耕文化体验区和文艺演出区，各乡镇选送的优质农产品琳琅满目，深受群众欢迎，不少市民满载而归。</p>]]></description>
<pubDate>Wed, 18 Nov 2026 10:30:00 +0800</pubDate><dc:creator>张华</dc:creator></item>
<item><title>短讯：县城新增公交线路</title><link>/news/2026/11/17/f2.html</link><description>新增两条公交线路。</description>
<pubDate>Tue, 17 Nov 2026 08:00:00 +0800</pubDate></item>
</channel></rss>`

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>网民留言板</title>
<entry><title type="html">关于小区停水问题的留言</title><link href="/board/2026/11/20/m1.html"/><id>urn:m1</id>
<updated>2026-11-20T21:15:00+08:00</updated><author><name>热心市民</name></author>
<content type="html">&lt;p&gt;我们小区已经连续三天停水，没有任何通知，老人孩子生活非常不便，希望有关部门尽快解决并说明原因。&lt;/p&gt;</content></entry>
</feed>`

func TestFeeds(t *testing.T) {
	s := newSite(t)
	s.set("/rss.xml", "application/rss+xml", gbk(t, rssFeed))
	s.set("/atom.xml", "application/atom+xml; charset=utf-8", []byte(atomFeed))
	s.set("/news/2026/11/17/f2.html", "text/html; charset=utf-8", []byte(`<html><head><title>短讯：县城新增公交线路</title></head><body>
<h1>短讯：县城新增公交线路</h1><div class="article"><p>为方便群众出行，县交通运输局近日新开通两条公交线路，分别连接城南新区与县人民医院、高铁站与汽车客运站，每日运营时间为早6时至晚9时，票价一元。</p></div></body></html>`))
	rss := testSource("rss", model.KindFeed, s.srv.URL+"/rss.xml")
	atom := testSource("atom", model.KindFeed, s.srv.URL+"/atom.xml")
	atom.Authority = model.TierForum
	pub := &fakePublisher{}
	dir := t.TempDir()
	c := newCrawler(t, []config.Source{rss, atom}, pub, dir, nil)
	ctx := context.Background()
	for _, id := range []string{"rss", "atom"} {
		if err := c.PollNow(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	docs := byTitle(pub.take())
	if len(docs) != 3 {
		t.Fatalf("got %d feed documents, want 3: %v", len(docs), docs)
	}
	f1 := docs["我县举办农民丰收节活动"]
	if f1.PublishedAtSource != TimeFromFeed || !f1.PublishedAt.Equal(time.Date(2026, 11, 18, 10, 30, 0, 0, model.China)) ||
		f1.Author != "张华" || strings.Contains(f1.Body, "<p>") || !strings.Contains(f1.Body, "农民丰收节") || f1.Encoding != "gbk" {
		t.Errorf("RSS item wrong: %+v", f1)
	}
	if f1.URL != s.srv.URL+"/news/2026/11/18/f1.html" {
		t.Errorf("RSS item URL %q not resolved against the feed", f1.URL)
	}
	f2 := docs["短讯：县城新增公交线路"]
	if !strings.Contains(f2.Body, "县交通运输局近日新开通两条公交线路") {
		t.Errorf("short RSS item was not completed from its page: %q", f2.Body)
	}
	m1 := docs["关于小区停水问题的留言"]
	if m1.Author != "热心市民" || !strings.Contains(m1.Body, "连续三天停水") || strings.Contains(m1.Body, "<p>") ||
		!m1.PublishedAt.Equal(time.Date(2026, 11, 20, 21, 15, 0, 0, model.China)) || m1.Authority != model.TierForum {
		t.Errorf("Atom entry wrong: %+v", m1)
	}
	// Unchanged feeds publish nothing, across a restart too.
	c2 := newCrawler(t, []config.Source{rss, atom}, pub, dir, nil)
	for _, id := range []string{"rss", "atom"} {
		if err := c2.PollNow(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("unchanged feed items re-published: %d", len(d))
	}
	// An unchanged item still in the feed stays fresh in the seen-set, so
	// pruning by age never drops it (and it is never published again).
	later := time.Now().Add(48 * time.Hour)
	c2.now = func() time.Time { return later }
	s.set("/rss.xml", "application/rss+xml", gbk(t, rssFeed+"\n")) // the feed changed, its items did not
	if err := c2.PollNow(ctx, "rss"); err != nil {
		t.Fatal(err)
	}
	fresh := 0
	for _, e := range c2.sources["rss"].seen.entries {
		if e.Kind == pageItem && e.LastSeen == later.Unix() {
			fresh++
		}
	}
	if fresh != 2 {
		t.Errorf("%d feed items have the last poll as last seen, want the 2 RSS items", fresh)
	}
}

func TestRunPollsAndStops(t *testing.T) {
	s := newSite(t)
	pub := &fakePublisher{}
	c := newCrawler(t, []config.Source{testSource("county", model.KindPortal, s.srv.URL+"/list")}, pub, t.TempDir(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pub.mu.Lock()
		n := len(pub.docs)
		pub.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run published %d documents in 10s, want 3", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.PollNow(context.Background(), "nope"); err == nil {
		t.Error("PollNow of an unknown source succeeded")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestNewRejectsBadSources(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*config.Source)
		want string
	}{
		{"api without mapping", func(s *config.Source) { s.Kind = model.KindAPI }, "api.id or api.url is required for kind api"},
		{"api bad path", func(s *config.Source) {
			s.Kind, s.API = model.KindAPI, config.APIRules{Items: "data..list", ID: "id", Title: "title"}
		}, `api.items: "data..list" is not a path`},
		{"bad selector", func(s *config.Source) { s.List.Links = "a[" }, "list.links: invalid CSS selector"},
		{"bad url", func(s *config.Source) { s.URL = "ftp://x" }, "is not an http(s) URL"},
		{"bad encoding", func(s *config.Source) { s.Encoding = "klingon" }, "unknown encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := testSource("x", model.KindNews, "http://127.0.0.1:1/list")
			tc.mod(&src)
			_, err := New(testConfig(), []config.Source{src}, &fakePublisher{}, t.TempDir(), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HTTP://WWW.Example.GOV.cn:80/a/b.html#frag", "http://www.example.gov.cn/a/b.html"},
		{"https://x.cn/p?b=2&utm_source=wx&a=1&utm_medium=m", "https://x.cn/p?a=1&b=2"},
		{"https://x.cn", "https://x.cn/"},
		{"https://x.cn:8443/p", "https://x.cn:8443/p"},
	} {
		got, err := CanonicalURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := CanonicalURL("mailto:a@b"); err == nil {
		t.Error("CanonicalURL accepted a mailto URL")
	}
}

func TestSeenSetBoundedAndAtomic(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/seen-x.json"
	s, err := loadSeenSet(path, 3, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	for i := range 5 {
		s.put(fmt.Sprintf("u%d", i), &seenEntry{Kind: pageArticle, LastSeen: now.Unix() - int64(10-i)})
	}
	s.put("old", &seenEntry{Kind: pageArticle, LastSeen: now.Add(-2 * time.Hour).Unix()})
	if dropped := s.prune(now); dropped != 3 {
		t.Errorf("prune dropped %d, want 3", dropped)
	}
	if err := s.save(); err != nil {
		t.Fatal(err)
	}
	s2, err := loadSeenSet(path, 3, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range s2.entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"u2", "u3", "u4"}) {
		t.Errorf("kept %v, want the 3 most recently seen", keys)
	}
}

// testWriter sends log output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// TestQueueDepth checks the gauge of sources waiting for a poll slot: with
// one slot held by a slow poll, a second due source waits in the queue.
func TestQueueDepth(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		<-release
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body>空列表</body></html>")
	}))
	defer slow.Close()
	defer once.Do(func() { close(release) })
	cfg := testConfig()
	cfg.Parallelism = 1
	reg := prometheus.NewRegistry()
	c, err := New(cfg, []config.Source{testSource("a", model.KindNews, slow.URL+"/a"), testSource("b", model.KindNews, slow.URL+"/b")},
		&fakePublisher{}, t.TempDir(), reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	done := make(chan error, 2)
	go func() { done <- c.PollNow(ctx, "a") }()
	waitGauge := func(g prometheus.Gauge, want float64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if testutil.ToFloat64(g) == want {
				return
			}
		}
		t.Fatalf("gauge = %v, want %v", testutil.ToFloat64(g), want)
	}
	waitGauge(c.m.polling, 1)
	go func() { done <- c.PollNow(ctx, "b") }()
	waitGauge(c.m.queueDepth, 1)
	once.Do(func() { close(release) })
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if q, p := testutil.ToFloat64(c.m.queueDepth), testutil.ToFloat64(c.m.polling); q != 0 || p != 0 {
		t.Errorf("after the polls: queue depth %v, polls running %v; want 0, 0", q, p)
	}
}

// TestSitemaps checks a source whose URL is a sitemap index: its sitemaps
// are read like list pages and their articles crawled, links outside the
// allowed domains left alone.
func TestSitemaps(t *testing.T) {
	s := newSite(t)
	s.set("/sitemap.xml", "application/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>/sitemap-news.xml</loc></sitemap>
  <sitemap><loc>http://elsewhere.example/sitemap.xml</loc></sitemap>
</sitemapindex>`))
	s.set("/sitemap-news.xml", "application/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>`+s.srv.URL+`/news/2026/11/21/a1.html</loc><lastmod>2026-11-21</lastmod></url>
  <url><loc>/news/2026/11/20/a2.html</loc></url>
  <url><loc>http://elsewhere.example/x.html</loc></url>
</urlset>`))
	pub := &fakePublisher{}
	c := newCrawler(t, []config.Source{testSource("sm", model.KindNews, s.srv.URL+"/sitemap.xml")}, pub, t.TempDir(), nil)
	if err := c.PollNow(context.Background(), "sm"); err != nil {
		t.Fatal(err)
	}
	docs := pub.take()
	if len(docs) != 2 {
		t.Fatalf("published %d documents from the sitemaps, want the 2 articles", len(docs))
	}
	for _, r := range s.requests() {
		if strings.Contains(r, "elsewhere") {
			t.Errorf("requested %s outside the allowed domains", r)
		}
	}
	// Unchanged sitemaps and articles publish nothing the next time.
	if err := c.PollNow(context.Background(), "sm"); err != nil {
		t.Fatal(err)
	}
	if d := pub.take(); len(d) != 0 {
		t.Errorf("second poll published %d documents, want none", len(d))
	}
}
