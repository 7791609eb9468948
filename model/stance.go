package model

import "regexp"

// Stance: whose voice a post is, decided here once for every part that
// labels, counts or shows posts (the analyzer, the responder, the read
// side and the console).
//
// A post of an official source (政府网站, 政务新媒体 — authority 官方) is the
// government's own voice: it announces, reports or responds (情况通报, 新闻
// 发布会, 回应, 辟谣, 政策解读). A post of the media that relays a policy in
// the government's own words (政策解读, 一图读懂, 答记者问) is not opinion
// about it either. Neither is ever negative opinion, even when it reports
// deaths: its tone is the sad facts, not a judgement of the government.
// The analyzer labels such a post's negative tone neutral (OpinionLabel),
// so the store's sentiment counts, filters and facets — and every number
// built on them — count public opinion only; the tone itself stays in the
// sentiment's Negativity and Evidence, and the console shows the post as
// 官方发布.

// explainerRe finds a title that relays a policy in the government's own
// words.
var explainerRe = regexp.MustCompile(`政策解读|一图读懂|图解|答记者问`)

// OfficialVoice says whether p is the government's own voice: a post of
// an official source.
func (p *Post) OfficialVoice() bool { return p.Authority == TierOfficial }

// Opinion says whether p can be public opinion: it is neither the
// government's own voice nor a policy relayed by the media.
func (p *Post) Opinion() bool { return !p.OfficialVoice() && !explainerRe.MatchString(p.Title) }

// OpinionLabel is the sentiment label p is counted under given the label
// its wording reads as: a negative tone of a post that is not opinion is
// neutral.
func (p *Post) OpinionLabel(tone string) string {
	if tone == Negative && !p.Opinion() {
		return Neutral
	}
	return tone
}

// Voices of a post (Post.Voice).
const (
	VoiceOfficial = "official" // the government's own voice (官方发布)
	VoiceRelay    = "relay"    // the media relaying a policy (政策解读)
	VoicePublic   = "public"   // public opinion: the media, forums, people
)

// Voice is whose voice p is.
func (p *Post) Voice() string {
	switch {
	case p.OfficialVoice():
		return VoiceOfficial
	case !p.Opinion():
		return VoiceRelay
	}
	return VoicePublic
}
