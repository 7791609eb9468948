package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
)

// TestFeedSortAndIncidentFilter: the feed and the API sort by the heat of
// a post's event and keep only the posts of events with an incident, with
// the same parameters and meaning; the 已立案 facet counts them; a bad
// value is refused naming the parameter.
func TestFeedSortAndIncidentFilter(t *testing.T) {
	srv, st, _ := newServer(t)
	ctx := context.Background()
	// p2 (older) is in the event with the incident; p1 is in none.
	ev := model.Event{ID: "EV-1", Version: 1, Title: "秋粮", FirstPostID: "p2", PostIDs: []string{"p2"}, Heat: 40, IncidentID: "INC-1",
		FirstSeen: time.Now(), LastSeen: time.Now()}
	if err := st.UpsertEvents(ctx, []model.Event{ev}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		code int
		want []string
	}{
		{"/api/v1/posts", 200, []string{`"id":"p1"`, `"id":"p2"`, `"total":2`}},
		{"/api/v1/posts?sort=time", 200, []string{`"id":"p1"`, `"id":"p2"`}},
		{"/api/v1/posts?sort=heat", 200, []string{`"id":"p2"`, `"id":"p1"`}},
		{"/api/v1/posts?incident=1", 200, []string{`"id":"p2"`, `"total":1`}},
		{"/api/v1/posts?event=EV-1", 200, []string{`"id":"p2"`, `"total":1`}},
		{"/api/v1/posts?incident=0", 200, []string{`"total":2`}},
		{"/api/v1/posts?sort=hot", 400, []string{`invalid query parameter sort=\"hot\": must be time or heat`}},
		{"/api/v1/posts?incident=maybe", 400, []string{`invalid query parameter incident=\"maybe\"`}},
		{"/feed?incident=1", 200, []string{"共<b>1</b>条信息", "全县秋粮丰收"}},
		{"/feed", 200, []string{"已立案事件的信息</a> <span class=\"n\">1</span>", "化工厂爆炸事故致3人死亡", "全县秋粮丰收"}},
		{"/feed?sort=heat", 200, []string{"按所属事件热度从高到低排列", "全县秋粮丰收", "化工厂爆炸事故致3人死亡"}},
		{"/feed?sort=hot", 400, []string{"排序「hot」无法识别"}},
		{"/feed/export?incident=1", 200, []string{"全县秋粮丰收"}},
	} {
		code, body := get(t, srv.URL+tc.path)
		if code != tc.code {
			t.Errorf("GET %s = %d %.300s; want %d", tc.path, code, body, tc.code)
			continue
		}
		at := 0
		for _, w := range tc.want {
			i := strings.Index(body[at:], w)
			if i < 0 {
				t.Errorf("GET %s: %q missing (in order) from %.600s", tc.path, w, body[at:])
				break
			}
			at += i + len(w)
		}
	}
	if _, body := get(t, srv.URL+"/feed/export?incident=1"); strings.Contains(body, "化工厂爆炸事故致3人死亡") {
		t.Errorf("the export of the posts with an incident has one without: %s", body)
	}
}

// TestFoldUnderFirstPublisher: reposts fold under the earliest post they
// repeat, with their count, whatever the order of the list.
func TestFoldUnderFirstPublisher(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	first := readmodel.PostItem{ID: "a", SourceName: "澜州新闻网", PublishedAt: at, SimHash: 0xff00}
	near := readmodel.PostItem{ID: "b", SourceName: "某论坛", PublishedAt: at.Add(time.Hour), SimHash: 0xff01}
	named := readmodel.PostItem{ID: "c", SourceName: "某网", Origin: "来源：澜州新闻网", PublishedAt: at.Add(2 * time.Hour), SimHash: 0x1234}
	other := readmodel.PostItem{ID: "d", SourceName: "某报", PublishedAt: at.Add(30 * time.Minute), SimHash: 0xabcdef0123}
	for _, list := range [][]readmodel.PostItem{{named, near, other, first}, {other, named, first, near}} {
		rows := fold(list)
		var heads []string
		for _, r := range rows {
			heads = append(heads, r.ID)
		}
		var want []string
		for _, it := range list {
			if it.ID == "a" || it.ID == "d" {
				want = append(want, it.ID)
			}
		}
		if strings.Join(heads, ",") != strings.Join(want, ",") {
			t.Fatalf("fold(%v) heads = %v, want %v", list, heads, want)
		}
		for _, r := range rows {
			if r.ID == "a" && (len(r.Reposts) != 2 || r.Reposts[0].ID != "b" || r.Reposts[1].ID != "c") {
				t.Errorf("reposts of the first publisher = %+v, want b then c", r.Reposts)
			}
			if r.ID == "d" && len(r.Reposts) != 0 {
				t.Errorf("d has reposts %+v", r.Reposts)
			}
		}
	}
}
