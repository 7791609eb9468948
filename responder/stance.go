package responder

import (
	"regexp"
	"strings"

	"github.com/yuqing-project/yuqing/model"
)

// Stance (model/stance.go decides whose voice a post is): negative
// share, the burst thresholds and the tiers that trigger an incident count
// public posts only, and an official post is what fulfils obligations.
//
// Among public negative posts, those that criticise the government or
// officials (质疑, 瞒报, 不作为, 推诿) are told apart from those that only
// state the sad facts of an accident: the reason an incident gives counts
// them, since they are what an answer must address.

// officialVoice says whether p is the government's own voice.
func officialVoice(p *model.Post) bool { return p.OfficialVoice() }

// countsNegative says whether p counts as negative public opinion. The
// analyzer already labels a post that is not opinion by its
// OpinionLabel; the check stays for posts stored before it did.
func countsNegative(p *model.Post) bool {
	return p.Sentiment.Label == model.Negative && p.Opinion()
}

// criticalWords are criticism of the government or officials: doubts
// about what they say, accusations of hiding, inaction, shirking or
// negligence, and the demand that they speak. Plain words are looked for
// with strings.Contains (as one regular expression over every post they
// cost more than the rest of the stance); the one pattern, 给…交代, only
// in a text that says 交代.
var criticalWords = []string{"质疑", "瞒报", "隐瞒", "谎报", "不作为", "乱作为", "推诿", "推来推去", "踢皮球", "失职", "渎职", "失责",
	"官官相护", "视而不见", "没人管", "一直没人", "不闻不问", "敷衍", "走过场", "迟迟不", "一个字都没", "一句话都没", "为什么官方",
	"为什么不", "给个说法", "讨个说法", "问责", "追责", "严惩", "说清楚", "真相"}

var demandAccountRe = regexp.MustCompile(`给.{0,4}交代`)

// criticalText says whether text holds criticism (criticalWords, 给…交代).
func criticalText(text string) bool {
	return containsAny(text, criticalWords) || strings.Contains(text, "交代") && demandAccountRe.MatchString(text)
}

// critical says whether the public post p criticises the government.
func critical(p *model.Post) bool {
	if officialVoice(p) {
		return false
	}
	return criticalText(p.Title) || criticalText(firstRunes(p.Body, 600))
}
