package sentiment

import (
	"math"
	"sync"
	"unicode"
	"unicode/utf8"
)

// featureScheme names the features extract computes; a model file records
// it, and Load refuses a file computed with another scheme.
const featureScheme = "char1-3"

// MaxRunes bounds the text a prediction reads: the first MaxRunes
// non-whitespace runes. Sentiment is carried by the opening of a post; a
// 20,000-rune report would otherwise cost 60,000 hash lookups for no gain in
// accuracy. A caller may pass Predict just the text that holds them.
const MaxRunes = 3000

// feature is one non-zero component of a text's feature vector.
type feature struct {
	i uint32  // bucket
	v float64 // weight: (1 + ln tf), the vector scaled to unit length
}

// extract computes the hashed character 1- to 3-gram features of text:
// whitespace is dropped (so the analyzer's token stream and the raw text
// give the same features), Latin letters are lower-cased and digits folded
// to 0 (a price or a date is not evidence, that there is one may be).
// Character n-grams rather than gse words: they need no segmenter, so
// training needs no dictionary and a change to the domain dictionary cannot
// silently change what the model sees; n-grams up to 3 cover most Chinese
// words and the negations in front of them (不满意, 没问题).
func extract(text string, bits int, dst []feature) []feature {
	b := scratchPool.Get().(*scratch)
	defer scratchPool.Put(b)
	return b.extract(text, bits, dst)
}

// scratch holds the buffers of one extract call, reused through
// scratchPool: a long text needs ~9,000 n-gram indices and as many again
// for the radix sort.
type scratch struct {
	runes    []rune
	idx, tmp []uint32
	feats    []feature // Predict's features
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (b *scratch) extract(text string, bits int, dst []feature) []feature {
	runes := b.runes[:0]
	for _, r := range text {
		if len(runes) == MaxRunes {
			break
		}
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= '0' && r <= '9':
			r = '0'
		case r < utf8.RuneSelf:
			r = unicode.ToLower(r)
		}
		runes = append(runes, r)
	}
	b.runes = runes
	mask := uint64(1)<<bits - 1
	idx := b.idx[:0]
	for i := range runes {
		h := uint64(fnvOffset)
		for n := 0; n < 3 && i+n < len(runes); n++ {
			// The n-gram hash extends the (n−1)-gram's, with the length
			// mixed in so that "好" and the bigram starting with it differ
			// even where a rune's bits would collide.
			h = fnvAdd(h, uint64(runes[i+n]))
			idx = append(idx, uint32(mix(h^uint64(n+1))&mask))
		}
	}
	idx, b.tmp = radixSort(idx, b.tmp, bits)
	b.idx = idx
	dst = dst[:0]
	var norm float64
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[i] {
			j++
		}
		v := 1 + math.Log(float64(j-i))
		dst = append(dst, feature{i: idx[i], v: v})
		norm += v * v
		i = j
	}
	if norm > 0 {
		s := 1 / math.Sqrt(norm)
		for k := range dst {
			dst[k].v *= s
		}
	}
	return dst
}

// radixSort sorts keys of at most bits bits in ascending order by least
// significant digit first, 12 bits a pass (two passes for the 20-bit
// buckets of the shipped model, against n·log n comparisons for a
// comparison sort). tmp is scratch space; it returns the sorted keys and
// the other buffer, either of which may be keys' or tmp's array.
func radixSort(keys, tmp []uint32, bits int) (sorted, spare []uint32) {
	const digit = 12
	if cap(tmp) < len(keys) {
		tmp = make([]uint32, len(keys))
	}
	tmp = tmp[:len(keys)]
	var count [1 << digit]int
	for shift := 0; shift < bits; shift += digit {
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&(1<<digit-1)]++
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, k := range keys {
			d := (k >> shift) & (1<<digit - 1)
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys, tmp
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvAdd folds the four bytes of a rune into an FNV-1a hash.
func fnvAdd(h, r uint64) uint64 {
	for k := 0; k < 4; k++ {
		h ^= r & 0xff
		h *= fnvPrime
		r >>= 8
	}
	return h
}

// mix is the splitmix64 finaliser: FNV's low bits are weak, and the bucket
// is taken from them.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
