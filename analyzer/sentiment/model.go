// Package sentiment owns yuqing's trained sentiment classifier: a pure-Go,
// two-head logistic regression over hashed character n-grams, its training
// (deterministic: the same rows give a byte-identical model file), its file
// format, and the model shipped in the binary.
//
// The classifier has three classes, factored into two binary heads because
// only one training set (SMP2020) has a neutral class while all of them have
// polarity:
//
//   - the polarity head gives P(positive | not neutral), trained on every
//     positive and negative row;
//   - the neutral head gives P(neutral), trained on SMP2020's neutral rows
//     against its polar rows (and, with a capped weight, the polar rows of
//     the review and Weibo sets).
//
// P(positive) = (1 − P(neutral))·P(positive | not neutral), and likewise for
// negative. Each head's logit is calibrated by Platt scaling on rows held
// out from training. The government-domain layer (事故, 爆炸, 欠薪 …) and the
// official-notice register are added by package analyzer on top of these
// logits; this package knows nothing of them.
//
// Guarantees: a Model is read-only after it is loaded and safe for
// concurrent use; Predict is a pure function of the text.
package sentiment

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// Class labels, as in model.Sentiment.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// fileMagic starts every model file; the digit is the format version.
const fileMagic = "YQSENT1\n"

// Info describes a model: what it was trained on and how well it did on the
// rows held out for calibration. It is stored in the model file as JSON.
type Info struct {
	// Features is the feature scheme, "char1-3" (character 1- to 3-grams of
	// the normalised text without whitespace, digits folded to 0).
	Features string `json:"features"`
	// BucketBits is log2 of the number of hash buckets.
	BucketBits int `json:"bucket_bits"`
	// Sets are the training sets and how many rows of each were used.
	Sets []SetInfo `json:"sets"`
	// Research says research-only data (ChnSentiCorp) was used: such a
	// model must not be shipped in the product.
	Research bool `json:"research"`
	// DataSHA256 is the SHA-256 of the training and calibration rows in
	// the order they were used, so two models can be traced to their data.
	DataSHA256 string `json:"data_sha256"`
	// Training settings.
	Epochs int     `json:"epochs"`
	Lambda float64 `json:"lambda"`
	Seed   uint64  `json:"seed"`
	// NBScale: the polarity head was trained on features scaled by naive
	// Bayes log-count ratios (folded into its weights).
	NBScale bool `json:"nb_scale,omitempty"`
	// Platt scaling of the two heads: p = σ(A·z + B).
	PolarityPlatt [2]float64 `json:"polarity_platt"`
	NeutralPlatt  [2]float64 `json:"neutral_platt"`
	// Calibration measures the model on its calibration rows.
	Calibration Calibration `json:"calibration"`
}

// SetInfo counts the rows one training set contributed.
type SetInfo struct {
	Name        string `json:"name"`
	Licence     string `json:"licence"`
	Train       int    `json:"train"`
	Calibration int    `json:"calibration"`
	HeldOut     int    `json:"held_out"`
	// Excluded rows had the same text as an evaluation row and were dropped.
	Excluded int `json:"excluded"`
}

// Calibration is measured on the calibration rows after Platt scaling.
type Calibration struct {
	PolarityRows     int     `json:"polarity_rows"`
	PolarityAccuracy float64 `json:"polarity_accuracy"`
	PolarityLogLoss  float64 `json:"polarity_log_loss"`
	NeutralRows      int     `json:"neutral_rows"`
	NeutralAccuracy  float64 `json:"neutral_accuracy"`
	NeutralLogLoss   float64 `json:"neutral_log_loss"`
}

// Model is a trained classifier. Build it with Train, Load or Default.
type Model struct {
	info     Info
	polarity head
	neutral  head
}

// head is one binary logistic regression over the hashed features.
type head struct {
	w    []float32 // one weight a bucket
	bias float64
}

// Prediction is the model's answer for one text.
type Prediction struct {
	// PolarityLogit is the calibrated log-odds of positive against
	// negative, given that the text is not neutral.
	PolarityLogit float64
	// NeutralLogit is the calibrated log-odds of neutral against polar.
	NeutralLogit float64
}

// Probabilities turns calibrated logits into P(positive), P(neutral),
// P(negative); they sum to 1.
func Probabilities(polarityLogit, neutralLogit float64) (pos, neu, neg float64) {
	neu = sigmoid(neutralLogit)
	pp := sigmoid(polarityLogit)
	return (1 - neu) * pp, neu, (1 - neu) * (1 - pp)
}

// Info returns what the model was trained on.
func (m *Model) Info() Info { return m.info }

// Predict classifies text. text should be normalised the way the analyzer
// normalises (analyzer.NormalizeForSentiment); whitespace is ignored.
func (m *Model) Predict(text string) Prediction {
	b := scratchPool.Get().(*scratch)
	f := b.extract(text, m.info.BucketBits, b.feats)
	zp := m.polarity.dot(f)
	zn := m.neutral.dot(f)
	b.feats = f
	scratchPool.Put(b)
	return Prediction{
		PolarityLogit: m.info.PolarityPlatt[0]*zp + m.info.PolarityPlatt[1],
		NeutralLogit:  m.info.NeutralPlatt[0]*zn + m.info.NeutralPlatt[1],
	}
}

// Label returns the most probable class of p and its probability.
func (p Prediction) Label() (string, float64) {
	pos, neu, neg := Probabilities(p.PolarityLogit, p.NeutralLogit)
	switch {
	case neg > neu && neg >= pos:
		return Negative, neg
	case pos > neu && pos > neg:
		return Positive, pos
	}
	return Neutral, neu
}

func (h *head) dot(f []feature) float64 {
	z := h.bias
	for _, x := range f {
		z += float64(h.w[x.i]) * x.v
	}
	return z
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// The model file: fileMagic, a uint32 length and the JSON Info, then gzip
// of the two heads (bias as float64, then one float32 a bucket, little
// endian). Float32 halves the size at no measurable cost in accuracy; gzip
// at a fixed level is deterministic, so equal models give equal files.

// WriteTo writes the model file to w.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	info, err := json.Marshal(m.info)
	if err != nil {
		return 0, fmt.Errorf("cannot encode model info: %w", err)
	}
	_ = binary.Write(&buf, binary.LittleEndian, uint32(len(info)))
	buf.Write(info)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, fmt.Errorf("cannot compress model: %w", err)
	}
	bw := bufio.NewWriter(zw)
	for _, h := range []*head{&m.polarity, &m.neutral} {
		_ = binary.Write(bw, binary.LittleEndian, h.bias)
		_ = binary.Write(bw, binary.LittleEndian, h.w)
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("cannot compress model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("cannot compress model: %w", err)
	}
	return buf.WriteTo(w)
}

// maxBucketBits bounds the hash space a model file may declare, so that a
// corrupt header cannot make Load allocate gigabytes.
const maxBucketBits = 24

// Load reads a model file written by WriteTo.
func Load(data []byte) (*Model, error) {
	if !bytes.HasPrefix(data, []byte(fileMagic)) {
		return nil, errors.New("cannot load sentiment model: not a yuqing sentiment model file (bad magic)")
	}
	data = data[len(fileMagic):]
	if len(data) < 4 {
		return nil, errors.New("cannot load sentiment model: file truncated in the header")
	}
	n := binary.LittleEndian.Uint32(data)
	data = data[4:]
	if uint64(n) > uint64(len(data)) {
		return nil, errors.New("cannot load sentiment model: file truncated in the header")
	}
	m := &Model{}
	if err := json.Unmarshal(data[:n], &m.info); err != nil {
		return nil, fmt.Errorf("cannot load sentiment model header: %w", err)
	}
	if m.info.Features != featureScheme {
		return nil, fmt.Errorf("cannot load sentiment model: feature scheme %q, this binary computes %q", m.info.Features, featureScheme)
	}
	if m.info.BucketBits < 1 || m.info.BucketBits > maxBucketBits {
		return nil, fmt.Errorf("cannot load sentiment model: bucket bits %d out of range 1–%d", m.info.BucketBits, maxBucketBits)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data[n:]))
	if err != nil {
		return nil, fmt.Errorf("cannot load sentiment model weights: %w", err)
	}
	br := bufio.NewReader(zr)
	for _, h := range []*head{&m.polarity, &m.neutral} {
		h.w = make([]float32, 1<<m.info.BucketBits)
		if err := binary.Read(br, binary.LittleEndian, &h.bias); err != nil {
			return nil, fmt.Errorf("cannot load sentiment model weights: %w", err)
		}
		if err := binary.Read(br, binary.LittleEndian, h.w); err != nil {
			return nil, fmt.Errorf("cannot load sentiment model weights: %w", err)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, errors.New("cannot load sentiment model: trailing data after the weights")
	}
	return m, nil
}

// defaultModelFile is the shipped model; see NOTICE.md beside it for its
// training data, licences and measured accuracy.
//
//go:embed model.yqsm
var defaultModelFile []byte

var defaultModel = sync.OnceValues(func() (*Model, error) { return Load(defaultModelFile) })

// Default returns the model shipped in the binary. It is decoded once per
// process and shared, which is safe because a Model is read-only.
func Default() (*Model, error) {
	m, err := defaultModel()
	if err != nil {
		return nil, fmt.Errorf("cannot load the embedded sentiment model: %w", err)
	}
	return m, nil
}
