// Package analyzer owns the Chinese NLP of yuqing: it turns one crawled
// model.Document into one analysed model.Post — normalised text segmented by gse
// with a domain dictionary, TF-IDF keywords, a lexicon-and-rules sentiment
// with a government public-opinion layer, 政务 topic tags, a SimHash
// near-duplicate fingerprint, the publisher region and the GB/T 2260
// divisions the text names (package region), organisations, officials and
// places (entities.go), and quality flags. Traditional Chinese is analysed
// in simplified form (t2s.go), and personal numbers are masked in the
// stored text (pii.go).
//
// Guarantees:
//
//   - Analyze is a pure function of the document and the loaded data: the
//     same document gives the same post (apart from AnalyzedAt), whatever
//     else is analysed concurrently. It is safe for concurrent use.
//   - Analyze never fails: empty, non-Chinese, malformed or huge input gives
//     a post with flags saying so (huge text is cut to MaxBodyRunes for
//     analysis and flagged truncated); the original text is kept in the post.
//   - Everything the analyzer needs is compiled into the binary: gse's
//     dictionary and IDF table (through gse's own go:embed) and the files in
//     data/. Nothing is read from disk or the Go module cache at run time.
//     Provenance and licences are in NOTICE.md.
package analyzer

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/yuqing-project/yuqing/analyzer/region"
	"github.com/yuqing-project/yuqing/config"
	"github.com/yuqing-project/yuqing/model"
)

// Bounds on what is analysed. Text beyond them is kept in the post but not
// segmented, and the post is flagged FlagTruncated. 20,000 runes is a long
// government report (about 60 KB); segmenting it takes about 20 ms.
const (
	MaxBodyRunes  = 20000
	MaxTitleRunes = 500
)

// Quality flags set on a post. They are codes; the console shows them in
// Chinese (过短, 非中文, 已截断).
const (
	// FlagShort: the body has fewer than ShortBodyRunes non-space runes.
	FlagShort = "short"
	// FlagNotChinese: less than MinChineseShare of the letters are Chinese.
	FlagNotChinese = "not_chinese"
	// FlagTruncated: the text was longer than MaxBodyRunes or MaxTitleRunes
	// and only its beginning was analysed.
	FlagTruncated = "truncated"
	// FlagInjected: the crawler stripped injected spam (gambling or lottery
	// links on a hacked portal) from the page.
	FlagInjected = "injected"
	// FlagSpam: the text reads as advertising or spam (contact lures with
	// sales or scam vocabulary).
	FlagSpam = "spam"
)

// spamMarkers are phrases of advertising and scam posts; two different
// ones make a post spam. Single words (优惠, 代理) occur in real news.
var spamMarkers = []string{"加微信", "加V", "加v", "微信号", "VX", "vx:", "QQ群", "扫码进群", "私聊", "免费领取", "低价出售",
	"代办证件", "办证", "刷单", "兼职日结", "日赚", "月入过万", "无抵押贷款", "网贷", "招代理", "诚招加盟", "一手货源", "彩票预测", "博彩"}

// isSpam reports whether text carries at least two different spam markers
// (one marker inside another, 办证 in 代办证件, counts as well).
func isSpam(text string) bool { return spamIndex.countUpTo(text, 2) == 2 }

var spamIndex = newPhraseIndex(spamMarkers)

// phraseIndex finds which of a few phrases a text contains, in one pass
// over the text: phrases are grouped by their first rune, and a bit test
// tells whether a rune starts any.
type phraseIndex struct {
	first   [0x10000 / 64]uint64 // BMP runes that start a phrase
	byFirst map[rune][]int       // first rune → indexes into phrases
	phrases []string
}

func newPhraseIndex(phrases []string) *phraseIndex {
	x := &phraseIndex{byFirst: map[rune][]int{}, phrases: phrases}
	for i, p := range phrases {
		r, _ := utf8.DecodeRuneInString(p)
		if r < 0x10000 {
			x.first[r>>6] |= 1 << (r & 63)
		}
		x.byFirst[r] = append(x.byFirst[r], i)
	}
	return x
}

// countUpTo returns how many different phrases text contains, counting no
// further than limit (at most 64).
func (x *phraseIndex) countUpTo(text string, limit int) int {
	var found uint64
	n := 0
	for i := 0; i < len(text); {
		r, size := decodeRune(text, i)
		if r >= 0x10000 || x.first[r>>6]&(1<<(r&63)) != 0 {
			for _, k := range x.byFirst[r] {
				if found&(1<<k) == 0 && strings.HasPrefix(text[i:], x.phrases[k]) {
					found |= 1 << k
					if n++; n == limit {
						return n
					}
				}
			}
		}
		i += size
	}
	return n
}

// Thresholds of the quality flags.
const (
	ShortBodyRunes  = 20
	MinChineseShare = 0.3
)

// Region roles.
const (
	RolePublisher = "publisher"
	RoleMentioned = "mentioned"
	RoleEvent     = "event"
)

// Analyzer analyses documents. It holds the loaded segmenter, IDF table,
// sentiment lexicon and topic table; build it once with New (loading takes
// about two seconds) and share it between goroutines.
type Analyzer struct {
	// seg is gse with the embedded, domain and user dictionaries; it is
	// replaced whole when the user dictionary changes (SetUserWords).
	seg    atomic.Pointer[segmenter]
	idf    *idfTable
	lex    *lexicon
	topics atomic.Pointer[Topics]
	// regions is the division table and home jurisdiction (SetRegions).
	regions atomic.Pointer[regionSetup]
	// schemes are the monitoring schemes (SetSchemes).
	schemes atomic.Pointer[schemeSet]
	// places are the office's own places (SetPlaces); placesMu serialises
	// the segmenter's rebuilds.
	placesMu sync.Mutex
	places   []string
	log      *slog.Logger
	m        metrics
}

type metrics struct {
	documents *prometheus.CounterVec
	duration  prometheus.Histogram
	sentiment *prometheus.CounterVec
	flags     *prometheus.CounterVec
	bytes     prometheus.Counter
	pii       *prometheus.CounterVec
	userWords prometheus.Gauge
	dictLoads *prometheus.CounterVec
}

// Values of the result label of yuqing_analyzer_documents_total.
const (
	resultOK        = "ok"        // analysed in full
	resultTruncated = "truncated" // analysed, text cut to the bounds
	resultEmpty     = "empty"     // no title or body: nothing to segment
	resultRecovered = "recovered" // gse panicked; the post carries no tokens' results
)

// New loads the segmenter (gse's embedded dictionary and the domain
// dictionary), the IDF table, the sentiment lexicon and the embedded topic
// table, and registers the analyzer's metrics with reg (nil: not registered).
// cfg.Workers is the caller's concurrency; Analyze itself needs no setting.
func New(cfg config.AnalyzerConfig, reg prometheus.Registerer, log *slog.Logger) (*Analyzer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	seg, err := newSegmenter(domainDictData)
	if err != nil {
		return nil, err
	}
	// The divisions' full names are place words (see places.go).
	if err := seg.addPlaces(region.Default().Names()); err != nil {
		return nil, err
	}
	stop, err := seg.stopWords()
	if err != nil {
		return nil, err
	}
	idf, err := newIDFTable(gseIDF, stop, extraStopWords)
	if err != nil {
		return nil, fmt.Errorf("cannot load gse's embedded IDF table: %w", err)
	}
	seg.setInfo(idf)
	lex, err := parseLexicon(sentimentData)
	if err != nil {
		return nil, err
	}
	// The lexicon's words are read-only from here on (see lexicon); the
	// sentiment walk over them is one of the analysis' larger costs.
	registerKeyFilter(lex.words)
	a := &Analyzer{idf: idf, lex: lex, log: log}
	a.seg.Store(seg)
	a.topics.Store(DefaultTopics())
	a.regions.Store(defaultRegionSetup())
	if err := a.m.register(reg); err != nil {
		return nil, err
	}
	log.Info("analyzer loaded", "duration", time.Since(start).Round(time.Millisecond),
		"lexicon_words", len(lex.words), "idf_words", len(idf.idf), "topics", len(a.Topics().names),
		"workers", cfg.Workers)
	return a, nil
}

func (m *metrics) register(reg prometheus.Registerer) error {
	m.documents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_analyzer_documents_total",
		Help: "Documents analysed, by result: ok, truncated (text cut to the analysis bound), empty (nothing to analyse), recovered (the segmenter panicked).",
	}, []string{"result"})
	m.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "yuqing_analyzer_duration_seconds",
		Help:    "Time to analyse one document.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12),
	})
	m.sentiment = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_analyzer_sentiment_total",
		Help: "Analysed documents by sentiment label.",
	}, []string{"label"})
	m.flags = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_analyzer_flags_total",
		Help: "Quality flags set on analysed documents, by flag.",
	}, []string{"flag"})
	m.bytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "yuqing_analyzer_segmented_bytes_total",
		Help: "Bytes of normalised text segmented.",
	})
	m.pii = newPIIMetric()
	m.userWords = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "yuqing_analyzer_user_words",
		Help: "Words of the user dictionary (officers' additions) the segmenter has now.",
	})
	m.dictLoads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_analyzer_dictionary_loads_total",
		Help: "Checks of the user dictionary in the store, by result: ok (loaded), unchanged (nothing to load), error (the analyzer kept its current words).",
	}, []string{"result"})
	for _, r := range []string{resultOK, resultTruncated, resultEmpty, resultRecovered} {
		m.documents.WithLabelValues(r)
	}
	for _, l := range []string{model.Positive, model.Neutral, model.Negative} {
		m.sentiment.WithLabelValues(l)
	}
	for _, f := range []string{FlagShort, FlagNotChinese, FlagTruncated} {
		m.flags.WithLabelValues(f)
	}
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{m.documents, m.duration, m.sentiment, m.flags, m.bytes, m.pii, m.userWords, m.dictLoads} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("cannot register analyzer metrics: %w", err)
		}
	}
	return nil
}

// Topics returns the topic table in use.
func (a *Analyzer) Topics() *Topics { return a.topics.Load() }

// SetTopics replaces the topic table, for example with one read by
// LoadTopics from an officer's override file. Documents analysed after it
// returns use t; it is safe to call while Analyze runs.
func (a *Analyzer) SetTopics(t *Topics) {
	if t == nil {
		panic("BUG: SetTopics(nil)")
	}
	a.topics.Store(t)
}

// Analyze analyses doc. It never fails; see the package documentation.
// The post carries doc's title and body with personal numbers masked
// (MaskPII), and the analysis sees only the masked text.
func (a *Analyzer) Analyze(doc model.Document) model.Post {
	start := time.Now()
	doc.Title, doc.Body = a.maskPII(doc.Title, doc.Body)
	post := model.Post{
		Document:   doc,
		AnalyzedAt: start.UTC(),
		Topics:     []model.Topic{},
		Keywords:   []model.Keyword{},
		Regions:    []model.Region{},
		Entities:   []model.Entity{},
		Flags:      []string{},
	}
	title, body, truncated := prepare(doc.Title, doc.Body)

	result := resultOK
	var tokens []token
	var words *docWords // the vocabulary of tokens
	bodyStart := 0
	switch {
	case title == "" && body == "":
		result = resultEmpty
		a.log.Info("analyzer skipped an empty document", "id", doc.ID, "url", doc.URL)
	default:
		var err error
		tp := tokensPool.Get().(*[]token)
		words = docWordsPool.Get().(*docWords)
		defer func() {
			clear(tokens) // the strings are the document's
			*tp = tokens[:0]
			tokensPool.Put(tp)
			words.reset()
			docWordsPool.Put(words)
		}()
		tokens, bodyStart, err = a.segmentInto(title, body, *tp, words)
		if err != nil {
			result = resultRecovered
			a.log.Error("analyzer could not segment a document; analysed without tokens", "id", doc.ID, "url", doc.URL, "err", err)
		}
		a.m.bytes.Add(float64(len(title) + len(body)))
	}
	if truncated {
		if result == resultOK {
			result = resultTruncated
		}
		a.log.Info("analyzer truncated a long document", "id", doc.ID, "url", doc.URL,
			"body_bytes", len(doc.Body), "analysed_runes", MaxBodyRunes)
	}

	wordTokens := 0
	for _, t := range tokens {
		if t.word {
			wordTokens++
		}
	}
	post.Sentiment, _ = a.lex.score(tokens, doc.Authority == model.TierOfficial)
	// The government's own voice is never negative opinion: its tone
	// stays in Negativity and Evidence, its label is what it counts as.
	post.Sentiment.Label = post.OpinionLabel(post.Sentiment.Label)
	post.Keywords, post.SimHash = a.idf.keywordsAndFingerprint(tokens, bodyStart, words)
	if topics := a.Topics().tag(tokens, wordTokens); topics != nil {
		post.Topics = topics
	}
	// text is title and body as one: a line break keeps the title's last
	// word and the body's first from being read as one.
	text := schemeText(title, body)
	var mentions []region.Mention
	post.Regions, mentions = a.findRegions(doc.RegionCode, text, tokens)
	post.Entities = a.entities(tokens, mentions)
	post.Flags = qualityFlags(title, body, truncated)
	if doc.Injected {
		post.Flags = append(post.Flags, FlagInjected)
	}
	if isSpam(text) {
		post.Flags = append(post.Flags, FlagSpam)
	}
	post.Schemes = a.matchSchemes(text, tokens)

	a.m.documents.WithLabelValues(result).Inc()
	a.m.sentiment.WithLabelValues(post.Sentiment.Label).Inc()
	for _, f := range post.Flags {
		a.m.flags.WithLabelValues(f).Inc()
	}
	a.m.duration.Observe(time.Since(start).Seconds())
	return post
}

// prepare normalises title and body and cuts them to the analysis bounds.
// The raw body is cut before normalising, so a huge body costs no more than
// a long one; 4 bytes a rune leaves room for markup that normalising removes.
func prepare(rawTitle, rawBody string) (title, body string, truncated bool) {
	var cut bool
	if len(rawBody) > 4*utf8.UTFMax*MaxBodyRunes {
		rawBody, truncated = rawBody[:4*utf8.UTFMax*MaxBodyRunes], true
	}
	if len(rawTitle) > 4*utf8.UTFMax*MaxTitleRunes {
		rawTitle, truncated = rawTitle[:4*utf8.UTFMax*MaxTitleRunes], true
	}
	title, cut = truncateRunes(normalize(rawTitle), MaxTitleRunes)
	truncated = truncated || cut
	body, cut = truncateRunes(normalize(rawBody), MaxBodyRunes)
	return strings.TrimSpace(title), strings.TrimSpace(body), truncated || cut
}

// tokensPool holds token buffers for Analyze: no token outlives the
// analysis of its document.
var tokensPool = sync.Pool{New: func() any { return new([]token) }}

// segment cuts title and body into tokens; body tokens start at bodyStart.
func (a *Analyzer) segment(title, body string) (tokens []token, bodyStart int, err error) {
	return a.segmentInto(title, body, nil, nil)
}

// segmentInto is segment appending the tokens to dst[:0] and, if words is
// not nil, collecting their vocabulary in it (see token.wid).
// gse is third-party code: a panic inside it on some input would otherwise
// crash the stage on every redelivery of the message, so it is recovered,
// reported as an error, and the document is analysed without tokens.
func (a *Analyzer) segmentInto(title, body string, dst []token, words *docWords) (tokens []token, bodyStart int, err error) {
	defer func() {
		if r := recover(); r != nil {
			tokens, bodyStart, err = nil, 0, fmt.Errorf("gse panicked: %v", r)
		}
	}()
	tokens = slices.Grow(dst[:0], (len(title)+len(body))/4+8)
	seg := a.seg.Load()
	if title != "" {
		tokens = seg.cut(title, true, false, tokens, words)
	}
	bodyStart = len(tokens)
	if body != "" {
		tokens = seg.cutBody(body, tokens, words)
	}
	return tokens, bodyStart, nil
}

// qualityFlags computes the flags of the normalised title and body.
func qualityFlags(title, body string, truncated bool) []string {
	flags := []string{}
	var c runeClasses
	c.add(body)
	if bodyRunes := c.letters + c.other; bodyRunes < ShortBodyRunes { // the body's non-space runes
		flags = append(flags, FlagShort)
	}
	c.add(title)
	if c.letters+c.other > 0 && (c.letters == 0 || float64(c.han) < MinChineseShare*float64(c.letters)) {
		flags = append(flags, FlagNotChinese)
	}
	if truncated {
		flags = append(flags, FlagTruncated)
	}
	return flags
}

// runeClasses counts the runes of texts: Han characters, letters (Han
// included) and other runes that are not space.
type runeClasses struct{ han, letters, other int }

func (c *runeClasses) add(s string) {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z':
				c.letters++
			case b == ' ' || '\t' <= b && b <= '\r':
				// space
			default:
				c.other++
			}
			i++
			continue
		}
		r, size := decodeRune(s, i)
		i += size
		switch {
		case isHanRune(r):
			c.han++
			c.letters++
		case unicode.IsLetter(r):
			c.letters++
		case !unicode.IsSpace(r):
			c.other++
		}
	}
}
