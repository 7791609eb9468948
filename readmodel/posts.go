package readmodel

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/model"
	"github.com/yuqing-project/yuqing/store"
)

// PostItem is a post as people read it.
type PostItem struct {
	ID                string    `json:"id"`
	URL               string    `json:"url"`
	Source            string    `json:"source"`
	SourceName        string    `json:"source_name"`
	SourceKind        string    `json:"source_kind"`
	Authority         string    `json:"authority"`
	Title             string    `json:"title"`
	Author            string    `json:"author,omitempty"`
	Origin            string    `json:"origin,omitempty"`
	PublishedAt       time.Time `json:"published_at"`
	PublishedAtSource string    `json:"published_at_source"`
	FetchedAt         time.Time `json:"fetched_at"`
	// Sentiment is the officer's correction where there is one, else the
	// analyzer's; ModelSentiment is always the analyzer's.
	Sentiment      SentimentView     `json:"sentiment"`
	ModelSentiment model.Sentiment   `json:"model_sentiment"`
	Topics         []model.Topic     `json:"topics"`
	Keywords       []model.Keyword   `json:"keywords"`
	Regions        []model.Region    `json:"regions"`
	Flags          []string          `json:"flags"`
	Schemes        []model.SchemeHit `json:"schemes"`
	Summary        string            `json:"summary"`
	Body           string            `json:"body,omitempty"`
	// Entities are the organisations, people and places the analyzer
	// found.
	Entities []model.Entity `json:"entities"`
	// SimHash is the post's text fingerprint, which the feed folds
	// near-duplicates by; the API does not show it.
	SimHash uint64 `json:"-"`
	// Voice is whose voice the post is (model.Voice…): an official or a
	// relayed policy is never counted as negative opinion.
	Voice string `json:"voice"`
}

// SentimentView is a post's sentiment as people read it: the officer's
// correction where there is one (the latest), else the analyzer's. A
// person's label is certain, so a corrected sentiment has Score 1 and
// Negativity 1 when negative, 0 otherwise; the analyzer's own sentiment
// stays visible as the post's model_sentiment.
type SentimentView struct {
	Label      string  `json:"label"`
	Score      float64 `json:"score"`
	Negativity float64 `json:"negativity"`
	// Evidence are the words the analyzer's reading rests on (absent once
	// an officer corrected it: the model_sentiment keeps them).
	Evidence []string `json:"evidence,omitempty"`
	// Corrected is set when an officer corrected it: who, when, why.
	Corrected   bool      `json:"corrected"`
	CorrectedBy string    `json:"corrected_by,omitempty"`
	CorrectedAt time.Time `json:"corrected_at,omitzero"`
	Note        string    `json:"note,omitempty"`
}

// Sentiment overlays c, if not nil, on the analyzer's sentiment m.
func Sentiment(m model.Sentiment, c *model.SentimentCorrection) SentimentView {
	if c == nil {
		return SentimentView{Label: m.Label, Score: m.Score, Negativity: m.Negativity, Evidence: m.Evidence}
	}
	v := SentimentView{Label: c.Label, Score: 1, Corrected: true, CorrectedBy: c.By, CorrectedAt: c.At, Note: c.Note}
	if c.Label == model.Negative {
		v.Negativity = 1
	}
	return v
}

// NewPostItem is p as people read it, with its latest sentiment correction
// c (nil if none) overlaid; the body is left out unless withBody.
func NewPostItem(p model.Post, withBody bool, c *model.SentimentCorrection) PostItem {
	it := PostItem{ID: p.ID, URL: p.URL, Source: p.SourceID, SourceName: p.SourceName, SourceKind: p.SourceKind,
		Authority: p.Authority, Title: p.Title, Author: p.Author, Origin: p.Origin, PublishedAt: p.PublishedAt,
		PublishedAtSource: p.PublishedAtSource, FetchedAt: p.FetchedAt, Sentiment: Sentiment(p.Sentiment, c),
		ModelSentiment: p.Sentiment, Topics: nonNil(p.Topics), Keywords: nonNil(p.Keywords), Regions: nonNil(p.Regions),
		Flags: nonNil(p.Flags), Schemes: make([]model.SchemeHit, len(p.Schemes)), Summary: summary(p.Body, 120),
		Entities: nonNil(p.Entities), SimHash: p.SimHash, Voice: p.Voice()}
	for i, h := range p.Schemes {
		h.Terms = nonNil(h.Terms)
		it.Schemes[i] = h
	}
	if withBody {
		it.Body = p.Body
	}
	return it
}

// summary is the first n characters of s with its white space collapsed,
// and an ellipsis when something was cut.
func summary(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// correctionOf returns the correction of id in cs, or nil.
func correctionOf(cs map[string]model.SentimentCorrection, id string) *model.SentimentCorrection {
	if c, ok := cs[id]; ok {
		return &c
	}
	return nil
}

// PostList is a page of posts as people read them.
type PostList struct {
	// Total is how many posts match the query, on every page.
	Total int64
	Items []PostItem
}

// Posts returns the page of posts matching q (without their bodies), each
// with its latest correction overlaid. The sentiment filter of q follows
// the corrections, as the store applies it.
func (v *Views) Posts(ctx context.Context, q store.PostQuery) (PostList, error) {
	page, corrections, err := v.queryPosts(ctx, q)
	if err != nil {
		return PostList{}, err
	}
	items := make([]PostItem, len(page.Items))
	for i, p := range page.Items {
		items[i] = NewPostItem(p, false, correctionOf(corrections, p.ID))
	}
	return PostList{Total: page.Total, Items: items}, nil
}

// Search is what the feed shows of one filter: a page of posts, their
// counts by dimension and how many belong to an event with an incident.
type Search struct {
	Posts      PostList
	Facets     store.Facets
	InIncident int64
}

// Search returns the page, the facets and the incident count of q from
// one store call (store.Posts.SearchPosts), with the latest correction of
// each post on the page overlaid.
func (v *Views) Search(ctx context.Context, q store.SearchQuery) (Search, error) {
	res, err := v.st.SearchPosts(ctx, q)
	if err != nil {
		return Search{}, fmt.Errorf("cannot search posts: %w", err)
	}
	ids := make([]string, len(res.Page.Items))
	for i, p := range res.Page.Items {
		ids[i] = p.ID
	}
	corrections, err := v.st.PostCorrections(ctx, ids)
	if err != nil {
		return Search{}, fmt.Errorf("cannot read the corrections of %d posts: %w", len(ids), err)
	}
	items := make([]PostItem, len(res.Page.Items))
	for i, p := range res.Page.Items {
		items[i] = NewPostItem(p, false, correctionOf(corrections, p.ID))
	}
	return Search{Posts: PostList{Total: res.Page.Total, Items: items}, Facets: res.Facets, InIncident: res.InIncident}, nil
}

// Post returns one post with its body and its latest correction
// overlaid, or an error wrapping store.ErrNotFound.
func (v *Views) Post(ctx context.Context, id string) (PostItem, error) {
	p, err := v.st.GetPost(ctx, id)
	if err != nil {
		return PostItem{}, fmt.Errorf("cannot read post %q: %w", id, err)
	}
	corrections, err := v.st.PostCorrections(ctx, []string{p.ID})
	if err != nil {
		return PostItem{}, fmt.Errorf("cannot read the corrections of post %q: %w", id, err)
	}
	return NewPostItem(p, true, correctionOf(corrections, p.ID)), nil
}

// queryPosts returns a page of posts as the store holds them and the
// latest corrections of its posts, keyed by post ID.
func (v *Views) queryPosts(ctx context.Context, q store.PostQuery) (store.PostPage, map[string]model.SentimentCorrection, error) {
	page, err := v.st.QueryPosts(ctx, q)
	if err != nil {
		return page, nil, fmt.Errorf("cannot query posts: %w", err)
	}
	ids := make([]string, len(page.Items))
	for i, p := range page.Items {
		ids[i] = p.ID
	}
	corrections, err := v.st.PostCorrections(ctx, ids)
	if err != nil {
		return page, nil, fmt.Errorf("cannot read the corrections of %d posts: %w", len(ids), err)
	}
	return page, corrections, nil
}
