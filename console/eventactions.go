package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yuqing-project/yuqing/model"
)

// eventActionRequest is the body of POST /api/v1/events/{id}/actions:
// {"action":"merge","into":"EV-…"} merges the event into another,
// {"action":"split","posts":["p1","p2"]} moves those posts of the event
// into a new event. Reason is optional.
type eventActionRequest struct {
	Action string   `json:"action"`
	Into   string   `json:"into,omitempty"`
	Posts  []string `json:"posts,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

// maxSplitPosts bounds the posts one split names (an event lists at most
// this many).
const maxSplitPosts = 5000

var unknownField = regexp.MustCompile(`unknown field "([^"]*)"`)

// decodeFields decodes a JSON body strictly, answering 400 naming the
// field in Chinese when it cannot.
func decodeFields(w http.ResponseWriter, r *http.Request, v any) bool {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, 256<<10)); err != nil {
		badField(w, "body", err.Error(), "请求内容过大或无法读取。")
		return false
	}
	if !utf8.Valid(buf.Bytes()) {
		badField(w, "body", "not valid UTF-8", "请求内容不是有效的 UTF-8 文本。")
		return false
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			badField(w, m[1], "unknown field", "无法识别的字段「"+m[1]+"」。")
			return false
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			badField(w, te.Field, "wrong type: "+err.Error(), "字段「"+te.Field+"」的类型不对。")
			return false
		}
		badField(w, "body", err.Error(), "请求内容不是有效的 JSON。")
		return false
	}
	return true
}

// eventAction hands a person's merge or split of an event to the
// responder, the one writer of events, which applies it once and records
// it and the outcome in the events' histories (see responder's
// eventrequests.go). The answer is 202 with the request and what will
// happen in Chinese; 400 naming the field; 404 for an unknown event; 409
// with the reason when it cannot be done as the events stand (merging
// into itself or into an event merged away, splitting off every post or
// posts not in the event). event.edit is checked by the guard, which
// audits the call once.
func (c *Console) eventAction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req eventActionRequest
	if !decodeFields(w, r, &req) {
		return
	}
	note(r, "event."+req.Action, "event:"+id, req.Reason)
	req.Into = strings.TrimSpace(req.Into)
	switch req.Action {
	case "merge":
		if req.Into == "" {
			badField(w, "into", "missing: the event to merge into", "请填写要并入的事件编号。")
			return
		}
		if len(req.Posts) > 0 {
			badField(w, "posts", "not used by merge", "合并事件时不需要选择信息。")
			return
		}
	case "split":
		if len(req.Posts) == 0 {
			badField(w, "posts", "missing: the posts to split off", "请选择要拆分出去的信息。")
			return
		}
		if req.Into != "" {
			badField(w, "into", "not used by split", "拆分事件时不需要填写要并入的事件。")
			return
		}
		if len(req.Posts) > maxSplitPosts {
			badField(w, "posts", fmt.Sprintf("%d posts, at most %d", len(req.Posts), maxSplitPosts), fmt.Sprintf("一次最多拆分%d条信息。", maxSplitPosts))
			return
		}
		if slices.Contains(req.Posts, "") {
			badField(w, "posts", "an empty post ID", "信息编号不能为空。")
			return
		}
	default:
		badField(w, "action", fmt.Sprintf("%q: want merge or split", req.Action), "操作应为合并（merge）或拆分（split）。")
		return
	}
	if err := model.CheckText("reason", req.Reason, model.MaxReasonLen); err != nil {
		badField(w, "reason", err.Error(), fmt.Sprintf("理由过长：最多%d个字节。", model.MaxReasonLen))
		return
	}
	ev, err := c.st.GetEvent(r.Context(), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	action := model.RequestEventMerge
	if req.Action == "split" {
		action = model.RequestEventSplit
	}
	if ev.MergedInto != "" {
		c.refused(w, r, action, "merged", "该事件已并入事件"+ev.MergedInto+"，不能再调整。")
		return
	}
	var message string
	if req.Action == "merge" {
		if req.Into == id {
			c.refused(w, r, action, "", "不能把事件合并到它自己。")
			return
		}
		into, err := c.st.GetEvent(r.Context(), req.Into)
		if isNotFound(err) {
			badField(w, "into", fmt.Sprintf("%q: no such event", req.Into), "没有编号为「"+req.Into+"」的事件。")
			return
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if into.MergedInto != "" {
			c.refused(w, r, action, "", "目标事件"+into.ID+"已并入事件"+into.MergedInto+"，请改为并入"+into.MergedInto+"。")
			return
		}
		message = fmt.Sprintf("已提交：本事件的%d条信息将并入事件%s《%s》，此后与本事件相近的信息也归入该事件。", ev.PostCount, into.ID, into.Title)
	} else {
		posts := map[string]bool{}
		for _, p := range req.Posts {
			if !slices.Contains(ev.PostIDs, p) {
				c.refused(w, r, action, "", "信息"+p+"不属于该事件。")
				return
			}
			posts[p] = true
		}
		req.Posts = slices.Sorted(maps.Keys(posts))
		switch {
		case len(posts) >= len(ev.PostIDs):
			c.refused(w, r, action, "", "不能把全部信息拆出去：至少要留下一条。")
			return
		case ev.PostCount > len(ev.PostIDs):
			c.refused(w, r, action, "", fmt.Sprintf("该事件信息过多（超过%d条），不能人工拆分。", len(ev.PostIDs)))
			return
		}
		message = fmt.Sprintf("已提交：所选%d条信息将拆出另立新事件，此后两个事件不再自动合并。", len(posts))
	}
	body, err := json.Marshal(model.EventRequest{Into: req.Into, Posts: req.Posts, Reason: req.Reason})
	if err != nil {
		panic("BUG: cannot encode an event request: " + err.Error())
	}
	actor := actorName(r)
	now := c.now()
	entry := model.HistoryEntry{ID: "R-" + uniqueID(now, id, action, actor, string(body)), IncidentID: id, At: now.UTC(), Actor: actor,
		Action: model.RequestPrefix + action, Reason: string(body)}
	if !c.submit(w, r, entry) {
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted", "request": entry, "message": message})
}
