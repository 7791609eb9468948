package readmodel

import (
	"fmt"
	"regexp"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// Ago says how long before now t was, in the words of a status line:
// 刚刚, 3分钟前, 2小时前, 5天前; a zero t is 从未.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "从未"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "刚刚"
	case d < time.Hour:
		return fmt.Sprintf("%d分钟前", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d小时前", int(d.Hours()))
	}
	return fmt.Sprintf("%d天前", int(d.Hours())/24)
}

// pollStatus finds the status of "HTTP 503" in a poll's error.
var pollStatus = regexp.MustCompile(`HTTP (\d{3})`)

// PollProblem says in Chinese what went wrong in a failed poll.
func PollProblem(p model.SourcePoll) string {
	switch p.Problem {
	case model.ProblemTimeout:
		return "网站响应超时。"
	case model.ProblemDNS:
		return "域名无法解析，请核对网址。"
	case model.ProblemConnect:
		return "无法连接网站（连接被拒绝或中断）。"
	case model.ProblemRefused:
		return "网址指向内网地址，已拒绝访问。"
	case model.ProblemHTTP:
		if m := pollStatus.FindStringSubmatch(p.Error); m != nil {
			switch m[1] {
			case "404":
				return "网站返回“页面不存在”（HTTP 404），请核对网址。"
			case "403":
				return "网站拒绝访问（HTTP 403）。"
			}
			return "网站返回错误（HTTP " + m[1] + "）。"
		}
		return "网站返回错误。"
	case model.ProblemParse:
		return "页面内容无法解析，请检查抓取规则。"
	case model.ProblemPublish:
		return "消息队列暂不可用，本次结果将在下次抓取时重发。"
	case model.ProblemState:
		return "无法保存抓取记录。"
	}
	return "抓取失败。"
}
