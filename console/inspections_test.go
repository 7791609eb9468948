package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

func storeFindings(t *testing.T, st interface {
	UpsertFindings(context.Context, []model.Finding) error
}) {
	t.Helper()
	seen := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	fs := []model.Finding{
		{ID: "INS-1", Version: 1, Portal: "demo-portal", Kind: model.FindingDeadLink, URL: "http://x/gone.html", Subject: "已删除的页面",
			Evidence: "站内链接“已删除的页面”打不开：HTTP 404", Rule: "C-DEAD-LINK", FirstSeen: seen, LastSeen: seen, State: model.FindingOpen},
		{ID: "INS-2", Version: 1, Portal: "demo-portal", Kind: model.FindingUnansweredMessage, URL: "http://x/board/1.html", Subject: "学校门口拥堵",
			Evidence: "超过3个月未回应", Rule: "C-REPLY-3M", Veto: true, FirstSeen: seen, LastSeen: seen, State: model.FindingOpen, DueAt: seen},
		{ID: "INS-3", Version: 1, Portal: "demo-portal", Kind: model.FindingEmptyColumn, URL: "http://x/empty/", Subject: "在线访谈",
			Evidence: "空白栏目", Rule: "C-EMPTY", FirstSeen: seen, LastSeen: seen, State: model.FindingFixed},
	}
	if err := st.UpsertFindings(context.Background(), fs); err != nil {
		t.Fatal(err)
	}
}

func TestInspectionsAPI(t *testing.T) {
	srv, st, _ := newServer(t)
	storeFindings(t, st)
	var body struct {
		Items []struct {
			ID        string `json:"id"`
			Kind      string `json:"kind"`
			KindLabel string `json:"kind_label"`
			Veto      bool   `json:"veto"`
			State     string `json:"state"`
			URL       string `json:"url"`
			Evidence  string `json:"evidence"`
			FirstSeen string `json:"first_seen"`
			LastSeen  string `json:"last_seen"`
		} `json:"items"`
		Scores []struct {
			Portal string `json:"portal"`
			Passed bool   `json:"passed"`
			Vetoes []struct {
				ID string `json:"id"`
			} `json:"vetoes"`
		} `json:"scores"`
	}
	code, text := get(t, srv.URL+"/api/v1/inspections?state=open")
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/inspections = %d %s", code, text)
	}
	if err := json.Unmarshal([]byte(text), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Items) != 2 || body.Items[0].State != "open" || body.Items[0].FirstSeen == "" || body.Items[0].LastSeen == "" {
		t.Errorf("open findings = %+v; want INS-1 and INS-2", body.Items)
	}
	if len(body.Scores) != 1 || body.Scores[0].Passed || len(body.Scores[0].Vetoes) != 1 || body.Scores[0].Vetoes[0].ID != "INS-2" {
		t.Errorf("scores = %+v; want demo-portal failed on INS-2", body.Scores)
	}
	code, text = get(t, srv.URL+"/api/v1/inspections?kind=dead_link&portal=demo-portal")
	body.Items = nil
	_ = json.Unmarshal([]byte(text), &body)
	if code != http.StatusOK || len(body.Items) != 1 || body.Items[0].ID != "INS-1" || body.Items[0].KindLabel != "链接不可用" {
		t.Errorf("kind=dead_link = %d %+v", code, body.Items)
	}
	for q, want := range map[string]string{
		"colour=red":  "colour",
		"kind=broken": "kind",
		"state=done":  "state",
		"limit=0":     "limit",
	} {
		code, text := get(t, srv.URL+"/api/v1/inspections?"+q)
		if code != http.StatusBadRequest || !strings.Contains(text, want) {
			t.Errorf("?%s = %d %s; want 400 naming %s", q, code, text, want)
		}
	}
}

func TestInspectionsPage(t *testing.T) {
	srv, st, _ := newServer(t)
	storeFindings(t, st)
	code, page := get(t, srv.URL+"/inspections")
	if code != http.StatusOK {
		t.Fatalf("GET /inspections = %d %s", code, page)
	}
	for _, want := range []string{"政府网站自查", "不合格", "单项否决", "网民留言未回复：学校门口拥堵", "链接不可用", "已整改", `name="csrf-token"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "onclick") || strings.Contains(page, "unanswered_message<") {
		t.Error("the page has an inline script, a handler attribute or a raw kind")
	}
	if code, _ := get(t, srv.URL+"/inspections?bogus=1"); code != http.StatusBadRequest {
		t.Errorf("/inspections?bogus=1 = %d; want 400", code)
	}
}
