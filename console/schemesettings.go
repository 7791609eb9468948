package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/scheme"
	"github.com/yuqing-project/yuqing/settings"
	"github.com/yuqing-project/yuqing/store"
)

// This file serves the monitoring schemes (监测方案) people edit: the
// store's settings of kind scheme, seeded from the configuration file and
// polled by the analyzer (package settings), so a change takes effect
// without a restart. Every change is audited by the guard and needs
// scheme.edit.

// schemeItem is a scheme as the API and the page show it: the scheme,
// who last changed it and when, and whether that was the configuration.
type schemeItem struct {
	model.Scheme
	ChangedBy  string    `json:"changed_by"`
	ChangedAt  time.Time `json:"changed_at"`
	FromConfig bool      `json:"from_config"`
}

// schemeItems returns the schemes in force, disabled ones included.
func (c *Console) schemeItems(r *http.Request) ([]schemeItem, model.SettingsVersion, error) {
	set, err := c.st.CurrentSettings(r.Context(), model.SettingScheme)
	if err != nil {
		return nil, model.SettingsVersion{}, err
	}
	out := []schemeItem{}
	for _, ch := range set.Items {
		s, err := model.DecodeScheme(ch)
		if err != nil {
			return nil, model.SettingsVersion{}, err
		}
		out = append(out, schemeItem{s, ch.By, ch.At, ch.By == model.ConfigActor})
	}
	return out, set.Version, nil
}

// listSchemes answers GET /api/v1/schemes: every scheme with its state.
func (c *Console) listSchemes(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		c.fail(w, r, err)
		return
	}
	items, v, err := c.schemeItems(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "items": items})
}

// fieldError is a 400 naming the field: error in the API's words,
// message in Chinese for the page.
type fieldError struct {
	Error   string `json:"error"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func badField(w http.ResponseWriter, field, english, chinese string) {
	writeJSON(w, http.StatusBadRequest, fieldError{"invalid field " + field + ": " + english, field, chinese})
}

// schemeFields are a scheme's word lists by their API field, with their
// Chinese names.
var schemeFields = []struct{ field, name string }{
	{"regions", "地域词"}, {"subjects", "主体词"}, {"events", "事件词"}, {"exclusions", "排除词"},
}

func schemeList(s *model.Scheme, field string) *[]string {
	switch field {
	case "regions":
		return &s.Regions
	case "subjects":
		return &s.Subjects
	case "events":
		return &s.Events
	}
	return &s.Exclusions
}

// Limits of a scheme's word lists.
const (
	maxSchemeWords     = 200
	maxSchemeWordRunes = 64
)

// checkScheme answers 400 naming the field when s cannot be stored or
// does not compile (as the analyzer would compile it), and reports
// whether it may be stored. Word lists are trimmed of blank words.
func (c *Console) checkScheme(w http.ResponseWriter, s *model.Scheme) bool {
	if err := validateKeyField(s.ID); err != "" {
		badField(w, "id", fmt.Sprintf("%q: letters, digits, '-', '_', '.', at most %d characters", s.ID, model.MaxKeyRunes), err)
		return false
	}
	if strings.TrimSpace(s.Name) == "" {
		badField(w, "name", "is required", "请填写方案名称。")
		return false
	}
	if utf8.RuneCountInString(s.Name) > model.MaxSchemeNameRunes || strings.ContainsAny(s.Name, "\r\n") {
		badField(w, "name", "too long", fmt.Sprintf("方案名称过长：最多%d个字，且只能一行。", model.MaxSchemeNameRunes))
		return false
	}
	for _, f := range schemeFields {
		l := schemeList(s, f.field)
		var kept []string
		for _, word := range *l {
			word = strings.TrimSpace(word)
			if word == "" {
				continue
			}
			if utf8.RuneCountInString(word) > maxSchemeWordRunes {
				badField(w, f.field, fmt.Sprintf("word %q longer than %d characters", word, maxSchemeWordRunes),
					fmt.Sprintf("%s「%s」过长：每个词最多%d个字。", f.name, word, maxSchemeWordRunes))
				return false
			}
			kept = append(kept, word)
		}
		if len(kept) > maxSchemeWords {
			badField(w, f.field, fmt.Sprintf("%d words, at most %d", len(kept), maxSchemeWords),
				fmt.Sprintf("%s过多：最多%d个。", f.name, maxSchemeWords))
			return false
		}
		*l = kept
	}
	if err := (&model.Scheme{ID: s.ID, Name: s.Name}).Validate(); err != nil {
		badField(w, "id", err.Error(), "方案编号或名称不符合要求。")
		return false
	}
	_, err := scheme.Compile([]scheme.Scheme{scheme.FromConfig(settings.ToConfig(*s))}, c.schemes)
	if err != nil {
		field, msg := explainScheme(err, s)
		badField(w, field, err.Error(), msg)
		return false
	}
	return true
}

// validateKeyField returns what is wrong with a scheme's ID in Chinese,
// or "".
func validateKeyField(id string) string {
	if err := (&model.SettingChange{ID: "x", Kind: model.SettingScheme, Key: id, Value: "{}", By: "x", At: time.Unix(1, 0)}).Validate(); err != nil {
		if id == "" {
			return "请填写方案编号（字母、数字、连字符）。"
		}
		return fmt.Sprintf("方案编号「%s」不符合要求：只能用字母、数字、“-”“_”“.”或汉字，最多%d个字符。", id, model.MaxKeyRunes)
	}
	return ""
}

// explainScheme says in Chinese what is wrong with a scheme that does not
// compile, and which field it is in.
func explainScheme(err error, s *model.Scheme) (field, msg string) {
	var pe *scheme.ParseError
	if errors.As(err, &pe) {
		pos := utf8.RuneCountInString(pe.Expr[:min(max(pe.Pos, 0), len(pe.Expr))]) + 1
		var what string
		switch m := pe.Msg; {
		case strings.HasPrefix(m, "unmatched"):
			what = "多了一个右括号“)”"
		case strings.HasPrefix(m, "missing ) to close"):
			what = "缺少右括号“)”"
		case strings.HasPrefix(m, "empty expression"):
			what = "表达式是空的"
		case strings.Contains(m, "outside NEAR"):
			what = "逗号只能用在 NEAR/n(…) 里；含逗号的词请加引号"
		case strings.Contains(m, "needs at least 2 arguments"):
			what = "NEAR 至少需要两个词"
		case strings.Contains(m, "nested deeper"):
			what = "括号嵌套过深"
		case strings.Contains(m, "longer than"):
			what = fmt.Sprintf("表达式过长（最多%d个字）", scheme.MaxExprRunes)
		case strings.HasPrefix(m, "expected"), strings.HasPrefix(m, "unexpected"):
			what = "此处缺少词语，或运算符（AND、OR、NOT）用错了位置"
		default:
			what = "无法识别"
		}
		if pe.Found != "" {
			return "expression", fmt.Sprintf("高级表达式第%d个字符处（“%s”）有误：%s。", pos, pe.Found, what)
		}
		return "expression", fmt.Sprintf("高级表达式第%d个字符处有误：%s。", pos, what)
	}
	m := err.Error()
	switch {
	case strings.Contains(m, "no words and no expression"):
		return "subjects", "方案没有任何关键词，也没有高级表达式：请至少填写主体词、事件词或表达式。"
	case strings.Contains(m, "only 排除词 or NOT"):
		if len(s.Exclusions) > 0 {
			return "exclusions", "方案只有排除词：这样会命中几乎所有信息。请添加信息必须包含的词。"
		}
		return "expression", "表达式只有 NOT 条件：这样会命中几乎所有信息。请添加信息必须包含的词。"
	case strings.Contains(m, "empty once normalised"):
		for _, f := range schemeFields {
			for _, word := range *schemeList(s, f.field) {
				if strings.Contains(m, fmt.Sprintf("%q", word)) {
					return f.field, fmt.Sprintf("%s「%s」只含标点或空白，无法匹配。", f.name, word)
				}
			}
		}
		return "expression", "表达式中有一个词只含标点或空白，无法匹配。"
	}
	return "expression", "方案无法使用：请检查关键词和表达式。"
}

// createScheme answers POST /api/v1/schemes: 201 with the new scheme, 409
// when its ID is taken.
func (c *Console) createScheme(w http.ResponseWriter, r *http.Request) {
	var s model.Scheme
	if !decodeBody(w, r, &s) {
		return
	}
	note(r, "scheme.create", "scheme:"+s.ID, s.Name)
	if !c.checkScheme(w, &s) {
		return
	}
	items, _, err := c.schemeItems(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if slices.ContainsFunc(items, func(x schemeItem) bool { return x.ID == s.ID }) {
		writeJSON(w, http.StatusConflict, fieldError{fmt.Sprintf("conflict: scheme %q exists", s.ID), "id",
			fmt.Sprintf("编号「%s」已被另一个方案使用，请换一个。", s.ID)})
		return
	}
	c.saveScheme(w, r, s, http.StatusCreated)
}

// updateScheme answers PUT /api/v1/schemes/{id}: the whole scheme
// replaced (200), 404 when there is none of that ID.
func (c *Console) updateScheme(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var s model.Scheme
	if !decodeBody(w, r, &s) {
		return
	}
	note(r, "scheme.edit", "scheme:"+id, s.Name)
	if s.ID == "" {
		s.ID = id
	}
	if s.ID != id {
		badField(w, "id", fmt.Sprintf("%q differs from the path's %q", s.ID, id), "方案编号不能修改。")
		return
	}
	if _, ok := c.findScheme(w, r, id); !ok {
		return
	}
	if !c.checkScheme(w, &s) {
		return
	}
	c.saveScheme(w, r, s, http.StatusOK)
}

// setSchemeState answers POST /api/v1/schemes/{id}/enable and …/disable.
func (c *Console) setSchemeState(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		action := "scheme.enable"
		if disabled {
			action = "scheme.disable"
		}
		note(r, action, "scheme:"+id, "")
		if r.ContentLength > 0 {
			var empty struct{}
			if !decodeBody(w, r, &empty) {
				return
			}
		}
		cur, ok := c.findScheme(w, r, id)
		if !ok {
			return
		}
		s := cur.Scheme
		s.Disabled = disabled
		c.saveScheme(w, r, s, http.StatusOK)
	}
}

// findScheme returns the scheme of id in force, or answers 404.
func (c *Console) findScheme(w http.ResponseWriter, r *http.Request, id string) (schemeItem, bool) {
	items, _, err := c.schemeItems(r)
	if err != nil {
		c.fail(w, r, err)
		return schemeItem{}, false
	}
	for _, it := range items {
		if it.ID == id {
			return it, true
		}
	}
	writeJSON(w, http.StatusNotFound, fieldError{fmt.Sprintf("not found: scheme %q", id), "id", fmt.Sprintf("没有编号为「%s」的方案。", id)})
	return schemeItem{}, false
}

func (c *Console) saveScheme(w http.ResponseWriter, r *http.Request, s model.Scheme, code int) {
	now := c.now()
	by := actorName(r)
	ch := s.Change("S-"+uniqueID(now, s.ID, by), by, now.UTC())
	if err := c.st.AppendSettings(r.Context(), []model.SettingChange{ch}); err != nil {
		c.fail(w, r, err)
		return
	}
	c.log.Info("monitoring scheme changed", "scheme", s.ID, "disabled", s.Disabled, "by", by)
	writeJSON(w, code, map[string]any{"scheme": schemeItem{s, by, ch.At, false}})
}

// settingHistory answers GET …/{id}/history of a setting of kind: who
// changed it when, oldest first (a removed setting's too), 404 for a key
// never set.
func (c *Console) settingHistory(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := checkParams(r); err != nil {
			c.fail(w, r, err)
			return
		}
		h, err := c.st.SettingHistory(r.Context(), kind, r.PathValue("id"))
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if len(h) == 0 {
			c.fail(w, r, store.ErrNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": h})
	}
}

// schemesPage is the page of the monitoring schemes: the list with their
// state and origin, and a form to create one or (edit=ID) edit one, with
// a back-test of what the form says (schemes.js).
func (c *Console) schemesPage(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r, []string{"edit"}); err != nil {
		c.failPage(w, r, err)
		return
	}
	items, _, err := c.schemeItems(r)
	if err != nil {
		c.failPage(w, r, err)
		return
	}
	data := struct {
		Items   []schemeItem
		Form    schemeItem
		Editing bool
	}{Items: items}
	if id := r.URL.Query().Get("edit"); id != "" {
		i := slices.IndexFunc(items, func(x schemeItem) bool { return x.ID == id })
		if i < 0 {
			c.failPage(w, r, store.ErrNotFound)
			return
		}
		data.Form, data.Editing = items[i], true
	}
	c.page(w, r, "schemes", "监测方案", "settings", data, "schemes.js")
}
