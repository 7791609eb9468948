package console

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"

	"github.com/yuqing-project/yuqing/auth"
	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/readmodel"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves the sources (信息源) people edit: the store's settings
// of kind source, seeded from the configuration file and polled by the
// crawler (package settings), so an added, edited or disabled source takes
// effect without a restart; and their status, from the crawler's poll
// records (store.SourcePolls) and the posts stored. A source is addressed
// by its ID or its name. Every change is audited by the guard and needs
// source.edit.

// statusWindow is the window of a source's counts: 24 hours.
const statusWindow = 24 * time.Hour

// Source states (sourceStatus.State).
const (
	sourceOK       = "ok"
	sourceError    = "error"
	sourceDisabled = "disabled"
	sourceWaiting  = "waiting"
)

// sourceStatus is how a source's polls went, in the API's fields and the
// page's words.
type sourceStatus struct {
	// State is ok, error (the latest poll failed), disabled, or waiting
	// (never polled).
	State     string `json:"state"`
	StateText string `json:"state_text"`
	// LastPoll and LastResult are the latest poll's time and result.
	LastPoll   time.Time `json:"last_poll,omitzero"`
	LastResult string    `json:"last_result,omitempty"`
	// LastError says in Chinese what went wrong in the latest failed poll
	// of the window, at LastErrorAt.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Counts over the last 24 hours: polls, failed polls, URLs robots.txt
	// forbade, and the posts of the source published (counted in the
	// store).
	Polls         int64 `json:"polls_24h"`
	Errors        int64 `json:"errors_24h"`
	RobotsRefused int64 `json:"robots_refused_24h"`
	Documents     int64 `json:"documents_24h"`
	// Ago is LastPoll as the page says it (3分钟前).
	Ago string `json:"-"`
}

// sourceItem is a source as the API and the page show it: the source,
// who last changed it and when, whether that was the configuration, and
// its status.
type sourceItem struct {
	model.Source
	ChangedBy  string       `json:"changed_by"`
	ChangedAt  time.Time    `json:"changed_at"`
	FromConfig bool         `json:"from_config"`
	Status     sourceStatus `json:"status"`
}

// IntervalMinutes is the interval in whole minutes for the form (0: the
// crawler's default).
func (it sourceItem) IntervalMinutes() int {
	d, _ := it.IntervalOf()
	return int(d / time.Minute)
}

// IntervalText says the interval for the page: 每15分钟 ("" for the
// crawler's default).
func (it sourceItem) IntervalText() string {
	d, _ := it.IntervalOf()
	if d <= 0 {
		return ""
	}
	return "每" + readmodel.Duration(d)
}

// sourceItems returns the sources in force, disabled ones included,
// without their status.
func (c *Console) sourceItems(r *http.Request) ([]sourceItem, model.SettingsVersion, error) {
	set, err := c.st.CurrentSettings(r.Context(), model.SettingSource)
	if err != nil {
		return nil, model.SettingsVersion{}, err
	}
	out := []sourceItem{}
	for _, ch := range set.Items {
		s, err := model.DecodeSource(ch)
		if err != nil {
			return nil, model.SettingsVersion{}, err
		}
		out = append(out, sourceItem{Source: s, ChangedBy: ch.By, ChangedAt: ch.At, FromConfig: ch.By == model.ConfigActor})
	}
	return out, set.Version, nil
}

// withStatus fills in the items' status: the poll records and the posts
// of the last 24 hours, two queries of the store's aggregates.
func (c *Console) withStatus(r *http.Request, items []sourceItem) error {
	now := c.now()
	since := now.Add(-statusWindow)
	polls, err := c.st.SourceStatus(r.Context(), since)
	if err != nil {
		return err
	}
	byID := map[string]model.SourceStatus{}
	for _, p := range polls {
		byID[p.SourceID] = p
	}
	fs, err := c.st.PostFacets(r.Context(), store.FacetQuery{Filter: store.Filter{Since: since, Until: now}, By: []store.Dimension{store.BySource}})
	if err != nil {
		return err
	}
	docs := map[string]int64{}
	for _, v := range fs.By[store.BySource] {
		docs[v.Key] = v.Count
	}
	for i := range items {
		it := &items[i]
		p := byID[it.ID]
		st := sourceStatus{LastPoll: p.Last.At, LastResult: p.Last.Result, Polls: p.Polls, Errors: p.Errors,
			RobotsRefused: p.RobotsRefused, Documents: docs[it.ID], Ago: readmodel.Ago(p.Last.At, now)}
		if !p.LastError.At.IsZero() {
			st.LastError, st.LastErrorAt = readmodel.PollProblem(p.LastError), p.LastError.At
		}
		switch {
		case it.Disabled:
			st.State, st.StateText = sourceDisabled, "已停用"
		case p.Last.At.IsZero():
			st.State, st.StateText = sourceWaiting, "等待首次抓取"
		case p.Last.Result != model.PollOK:
			st.State, st.StateText = sourceError, "出错"
		default:
			st.State, st.StateText = sourceOK, "正常"
		}
		it.Status = st
	}
	return nil
}

// maySeeSources reports whether the principal may read the sources: with
// read, or with source.edit (the system administrator, who has no read,
// edits them); else it answers 403 (audited).
func (c *Console) maySeeSources(w http.ResponseWriter, r *http.Request) bool {
	if p := principal(r); p.Can(auth.PermRead) || p.Can(auth.PermSourceEdit) {
		return true
	}
	return c.allow(w, r, auth.PermRead)
}

// listSources answers GET /api/v1/sources: every source with its state.
func (c *Console) listSources(w http.ResponseWriter, r *http.Request) {
	if !c.maySeeSources(w, r) {
		return
	}
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	items, v, err := c.sourceItems(r)
	if err == nil {
		err = c.withStatus(r, items)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "items": items})
}

// Limits of a source the console accepts.
const (
	minSourceInterval = time.Minute
	maxSourceInterval = 7 * 24 * time.Hour
	maxSourcePages    = 50
)

// sourceEncodings are the charsets a source may force.
var sourceEncodings = []string{"utf-8", "gbk", "gb2312", "gb18030", "big5"}

// regionCode is a GB/T 2260 code.
var regionCode = regexp.MustCompile(`^\d{6}$`)

// kindNames are the source kinds with their Chinese names, for messages.
const kindNames = "政府网站（portal）、新闻网站（news）、论坛（forum）、订阅源（feed）、数据接口（api）"

// checkSource answers 400 naming the field when s cannot be stored or
// polled, and reports whether it may be stored. prev is the source in
// force of that ID (nil for a new one).
func (c *Console) checkSource(w http.ResponseWriter, s *model.Source, prev *model.Source) bool {
	s.Name, s.URL, s.Interval = strings.TrimSpace(s.Name), strings.TrimSpace(s.URL), strings.TrimSpace(s.Interval)
	if msg := sourceKeyProblem(s.ID); msg != "" {
		badField(w, "id", fmt.Sprintf("%q: letters, digits, '-', '_', at most %d characters", s.ID, model.MaxKeyRunes), msg)
		return false
	}
	switch {
	case s.Name == "":
		badField(w, "name", "is required", "请填写信息源名称。")
		return false
	case utf8.RuneCountInString(s.Name) > model.MaxSchemeNameRunes || strings.ContainsAny(s.Name, "\r\n"):
		badField(w, "name", "too long", fmt.Sprintf("信息源名称过长：最多%d个字，且只能一行。", model.MaxSchemeNameRunes))
		return false
	}
	if !slices.Contains(model.SourceKinds, s.Kind) {
		badField(w, "kind", fmt.Sprintf("%q: want one of %s", s.Kind, strings.Join(model.SourceKinds, ", ")),
			fmt.Sprintf("未知的信息源类型「%s」：可选%s。", s.Kind, kindNames))
		return false
	}
	if s.Authority != "" && !slices.Contains(model.Tiers, s.Authority) {
		badField(w, "authority", fmt.Sprintf("%q: want one of %s", s.Authority, strings.Join(model.Tiers, ", ")),
			fmt.Sprintf("未知的权威级别「%s」：可选%s。", s.Authority, strings.Join(model.Tiers, "、")))
		return false
	}
	if s.Region != "" && !regionCode.MatchString(s.Region) {
		badField(w, "region", fmt.Sprintf("%q: want a six-digit GB/T 2260 code", s.Region), "所属地区须为6位行政区划代码，例如 320508。")
		return false
	}
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		badField(w, "url", "is required", "请填写信息源网址。")
		return false
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil:
		badField(w, "url", fmt.Sprintf("%q is not an http(s) URL", s.URL), "网址须以 http:// 或 https:// 开头，例如 https://www.example.gov.cn/list.html。")
		return false
	}
	if s.Interval != "" {
		d, err := time.ParseDuration(s.Interval)
		switch {
		case err != nil:
			badField(w, "interval", fmt.Sprintf("%q is not a duration such as 10m", s.Interval), "抓取间隔无法识别：请填写分钟数。")
			return false
		case d < minSourceInterval:
			badField(w, "interval", fmt.Sprintf("%s is shorter than %s", d, minSourceInterval), "抓取间隔太短：至少1分钟，以免给网站造成压力。")
			return false
		case d > maxSourceInterval:
			badField(w, "interval", fmt.Sprintf("%s is longer than %s", d, maxSourceInterval), "抓取间隔太长：最多7天。")
			return false
		}
		s.Interval = d.String()
	}
	if s.AllowPrivate && (prev == nil || !prev.AllowPrivate) {
		badField(w, "allow_private", "may be set in the configuration file only",
			"不能在控制台允许访问内网地址；如确有需要，请在配置文件中设置 allow_private。")
		return false
	}
	if s.Encoding != "" && !slices.Contains(sourceEncodings, strings.ToLower(s.Encoding)) {
		badField(w, "encoding", fmt.Sprintf("%q: want one of %s", s.Encoding, strings.Join(sourceEncodings, ", ")),
			fmt.Sprintf("未知的网页编码「%s」：可选 %s，或留空自动识别。", s.Encoding, strings.Join(sourceEncodings, "、")))
		return false
	}
	var domains []string
	for _, d := range s.AllowedDomains {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if strings.ContainsAny(d, "/:@ ") {
			badField(w, "allowed_domains", fmt.Sprintf("%q is not a host name", d), fmt.Sprintf("允许的域名「%s」不是域名，例如 www.example.gov.cn。", d))
			return false
		}
		domains = append(domains, d)
	}
	s.AllowedDomains = domains
	for _, f := range []struct{ field, name, sel string }{
		{"list.links", "文章链接选择器", s.List.Links}, {"list.next", "下一页选择器", s.List.Next},
		{"article.title", "标题选择器", s.Article.Title}, {"article.body", "正文选择器", s.Article.Body},
		{"article.time", "时间选择器", s.Article.Time}, {"article.author", "作者选择器", s.Article.Author},
	} {
		if f.sel == "" {
			continue
		}
		if _, err := cascadia.ParseGroup(f.sel); err != nil {
			badField(w, f.field, fmt.Sprintf("%q is not a CSS selector: %v", f.sel, err), fmt.Sprintf("%s「%s」不是有效的 CSS 选择器。", f.name, f.sel))
			return false
		}
	}
	for _, p := range []struct {
		field, name string
		n           int
	}{{"list.max_pages", "列表最多翻页数", s.List.MaxPages}, {"api.max_pages", "接口最多翻页数", s.API.MaxPages}} {
		if p.n < 0 || p.n > maxSourcePages {
			badField(w, p.field, fmt.Sprintf("%d: want 0 to %d", p.n, maxSourcePages), fmt.Sprintf("%s须在0到%d之间。", p.name, maxSourcePages))
			return false
		}
	}
	if s.Kind == model.KindAPI {
		if s.API.ID == "" && s.API.URL == "" {
			badField(w, "api.id", "is required for kind api when api.url is not given", "数据接口须指明条目编号（api.id）或链接（api.url）的位置。")
			return false
		}
		if s.API.Title == "" && s.API.Body == "" {
			badField(w, "api.title", "is required for kind api when api.body is not given", "数据接口须指明标题（api.title）或正文（api.body）的位置。")
			return false
		}
	}
	if err := s.Validate(); err != nil {
		badField(w, "id", err.Error(), "信息源不符合要求。")
		return false
	}
	return true
}

// sourceKeyProblem returns what is wrong with a source's ID in Chinese, or
// "".
func sourceKeyProblem(id string) string {
	if id == "" {
		return "请填写信息源编号（字母、数字、连字符）。"
	}
	bad := validateKeyField(id) != "" || strings.ContainsRune(id, '.')
	for _, r := range id {
		if r > 0x7f {
			bad = true // the crawler names files by it
		}
	}
	if bad {
		return fmt.Sprintf("信息源编号「%s」不符合要求：只能用字母、数字、“-”“_”，最多%d个字符。", id, model.MaxKeyRunes)
	}
	return ""
}

// createSource answers POST /api/v1/sources: 201 with the new source, 409
// when its ID or name is taken.
func (c *Console) createSource(w http.ResponseWriter, r *http.Request) {
	var s model.Source
	if !decodeBody(w, r, &s) {
		return
	}
	note(r, "source.create", "source:"+s.ID, s.Name)
	if !c.checkSource(w, &s, nil) {
		return
	}
	items, _, err := c.sourceItems(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if slices.ContainsFunc(items, func(x sourceItem) bool { return x.ID == s.ID }) {
		writeJSON(w, http.StatusConflict, fieldError{fmt.Sprintf("conflict: source %q exists", s.ID), "id",
			fmt.Sprintf("编号「%s」已被另一个信息源使用，请换一个。", s.ID)})
		return
	}
	if !c.nameFree(w, items, s) {
		return
	}
	c.saveSource(w, r, s, http.StatusCreated)
}

// nameFree answers 409 when another source has s's name (names address
// sources too) and reports whether it is free.
func (c *Console) nameFree(w http.ResponseWriter, items []sourceItem, s model.Source) bool {
	if slices.ContainsFunc(items, func(x sourceItem) bool { return x.ID != s.ID && (x.Name == s.Name || x.ID == s.Name) }) {
		writeJSON(w, http.StatusConflict, fieldError{fmt.Sprintf("conflict: another source is named %q", s.Name), "name",
			fmt.Sprintf("名称「%s」已被另一个信息源使用，请换一个。", s.Name)})
		return false
	}
	return true
}

// updateSource answers PUT /api/v1/sources/{id}: the whole source
// replaced (200), 404 when there is none of that ID or name.
func (c *Console) updateSource(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("id")
	var s model.Source
	if !decodeBody(w, r, &s) {
		return
	}
	note(r, "source.edit", "source:"+ref, s.Name)
	cur, items, ok := c.findSource(w, r, ref)
	if !ok {
		return
	}
	if s.ID == "" {
		s.ID = cur.ID
	}
	if s.ID != cur.ID {
		badField(w, "id", fmt.Sprintf("%q differs from the path's %q", s.ID, cur.ID), "信息源编号不能修改。")
		return
	}
	note(r, "source.edit", "source:"+cur.ID, s.Name)
	if !c.checkSource(w, &s, &cur.Source) || !c.nameFree(w, items, s) {
		return
	}
	c.saveSource(w, r, s, http.StatusOK)
}

// setSourceState answers POST /api/v1/sources/{id}/enable and …/disable.
func (c *Console) setSourceState(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ref := r.PathValue("id")
		action := "source.enable"
		if disabled {
			action = "source.disable"
		}
		note(r, action, "source:"+ref, "")
		if r.ContentLength > 0 {
			var empty struct{}
			if !decodeBody(w, r, &empty) {
				return
			}
		}
		cur, _, ok := c.findSource(w, r, ref)
		if !ok {
			return
		}
		note(r, action, "source:"+cur.ID, cur.Name)
		s := cur.Source
		s.Disabled = disabled
		c.saveSource(w, r, s, http.StatusOK)
	}
}

// findSource returns the source in force whose ID or name is ref (an ID
// first) and all of them, or answers 404.
func (c *Console) findSource(w http.ResponseWriter, r *http.Request, ref string) (sourceItem, []sourceItem, bool) {
	items, _, err := c.sourceItems(r)
	if err != nil {
		c.fail(w, r, err)
		return sourceItem{}, nil, false
	}
	if it, ok := lookupSource(items, ref); ok {
		return it, items, true
	}
	writeJSON(w, http.StatusNotFound, fieldError{fmt.Sprintf("not found: source %q", ref), "id", fmt.Sprintf("没有编号或名称为「%s」的信息源。", ref)})
	return sourceItem{}, nil, false
}

// lookupSource returns the item whose ID, else whose name, is ref.
func lookupSource(items []sourceItem, ref string) (sourceItem, bool) {
	for _, match := range []func(sourceItem) bool{
		func(it sourceItem) bool { return it.ID == ref },
		func(it sourceItem) bool { return it.Name == ref },
	} {
		if i := slices.IndexFunc(items, match); i >= 0 {
			return items[i], true
		}
	}
	return sourceItem{}, false
}

func (c *Console) saveSource(w http.ResponseWriter, r *http.Request, s model.Source, code int) {
	now := c.now()
	by := actorName(r)
	ch := s.Change("", by, now.UTC())
	ch.ID = "R-" + uniqueID(now, s.ID, by, ch.Value)
	if err := c.st.AppendSettings(r.Context(), []model.SettingChange{ch}); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("source changed", "source", s.ID, "disabled", s.Disabled, "by", by)
	items := []sourceItem{{Source: s, ChangedBy: by, ChangedAt: ch.At}}
	if err := c.withStatus(r, items); err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, code, map[string]any{"source": items[0]})
}

// sourceHistory answers GET /api/v1/sources/{id}/history: who changed the
// source when, oldest first, each change with the source it made.
func (c *Console) sourceHistory(w http.ResponseWriter, r *http.Request) {
	if !c.maySeeSources(w, r) {
		return
	}
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	h, err := c.sourceChanges(r, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": h})
}

// sourceChange is one change of a source's history.
type sourceChange struct {
	ID     string       `json:"id"`
	By     string       `json:"by"`
	At     time.Time    `json:"at"`
	Source model.Source `json:"source"`
	// What says in Chinese what the change did.
	What string `json:"what"`
}

// sourceChanges returns the history of the source whose ID or name is
// ref, oldest first; store.ErrNotFound when there is none.
func (c *Console) sourceChanges(r *http.Request, ref string) ([]sourceChange, error) {
	id := ref
	h, err := c.st.SettingHistory(r.Context(), model.SettingSource, id)
	if err == nil && len(h) == 0 {
		items, _, ierr := c.sourceItems(r)
		if ierr != nil {
			return nil, ierr
		}
		if it, ok := lookupSource(items, ref); ok {
			h, err = c.st.SettingHistory(r.Context(), model.SettingSource, it.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, store.ErrNotFound
	}
	out := make([]sourceChange, 0, len(h))
	var prev *model.Source
	for _, ch := range h {
		s, err := model.DecodeSource(ch)
		if err != nil {
			return nil, err
		}
		out = append(out, sourceChange{ID: ch.ID, By: ch.By, At: ch.At, Source: s, What: describeSourceChange(prev, s, ch.By)})
		prev = &s
	}
	return out, nil
}

// describeSourceChange says in Chinese what a change did to a source.
func describeSourceChange(prev *model.Source, s model.Source, by string) string {
	switch {
	case prev == nil && by == model.ConfigActor:
		return "从配置文件导入"
	case prev == nil:
		return "新增信息源"
	case prev.Disabled && !s.Disabled:
		return "启用"
	case !prev.Disabled && s.Disabled:
		return "停用"
	}
	var what []string
	for _, f := range []struct {
		name    string
		changed bool
	}{
		{"名称", prev.Name != s.Name}, {"类型", prev.Kind != s.Kind}, {"权威级别", prev.Authority != s.Authority},
		{"地区", prev.Region != s.Region}, {"网址", prev.URL != s.URL}, {"抓取间隔", prev.Interval != s.Interval},
		{"网页编码", prev.Encoding != s.Encoding}, {"允许的域名", !slices.Equal(prev.AllowedDomains, s.AllowedDomains)},
		{"抓取规则", prev.List != s.List || prev.Article != s.Article || prev.API != s.API},
	} {
		if f.changed {
			what = append(what, f.name)
		}
	}
	if len(what) == 0 {
		if by == model.ConfigActor {
			return "按配置文件重新导入（无变化）"
		}
		return "保存（无变化）"
	}
	return "修改" + strings.Join(what, "、")
}

// sourcesPage is the page of the sources: the list with their status, a
// form to add one or (edit=ID) edit one, and (history=ID) a source's
// history.
func (c *Console) sourcesPage(w http.ResponseWriter, r *http.Request) {
	if !c.maySeeSources(w, r) {
		return
	}
	if err := checkParams(r, []string{"edit", "history"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	items, _, err := c.sourceItems(r)
	if err == nil {
		err = c.withStatus(r, items)
	}
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	data := struct {
		Items       []sourceItem
		Form        sourceItem
		Editing     bool
		History     []sourceChange
		HistoryOf   sourceItem
		Kinds       []string
		Tiers       []string
		Encodings   []string
		Window      string
		ShowHistory bool
	}{Items: items, Kinds: model.SourceKinds, Tiers: model.Tiers, Encodings: sourceEncodings, Window: "24小时"}
	q := r.URL.Query()
	if ref := q.Get("edit"); ref != "" {
		it, ok := lookupSource(items, ref)
		if !ok {
			c.failPage(w, r, store.ErrNotFound)
			return
		}
		data.Form, data.Editing = it, true
	} else {
		data.Form.Kind, data.Form.Authority = model.KindPortal, model.TierLocal
	}
	if ref := q.Get("history"); ref != "" {
		it, ok := lookupSource(items, ref)
		if !ok {
			c.failPage(w, r, store.ErrNotFound)
			return
		}
		h, err := c.sourceChanges(r, it.ID)
		if err != nil {
			c.failPage(w, r, err)
			return
		}
		slices.Reverse(h) // newest first on the page
		data.History, data.HistoryOf, data.ShowHistory = h, it, true
	}
	c.page(w, r, "sources", "信息源", "settings", data, "sources.js")
}
