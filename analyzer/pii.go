package analyzer

import (
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// Kinds of personal information MaskPII masks; they are the values of the
// kind label of yuqing_analyzer_pii_masked_total.
const (
	PIIIDCard   = "id_card"   // resident identity card number (18 digits with checksum, or the old 15)
	PIIMobile   = "mobile"    // mainland mobile number
	PIIBankCard = "bank_card" // bank card number (16–19 digits, Luhn)
)

// PIICounts says how many numbers of each kind MaskPII masked.
type PIICounts struct {
	IDCards, Mobiles, BankCards int
}

// Total is the number of masked numbers.
func (c PIICounts) Total() int { return c.IDCards + c.Mobiles + c.BankCards }

func (c *PIICounts) add(o PIICounts) {
	c.IDCards += o.IDCards
	c.Mobiles += o.Mobiles
	c.BankCards += o.BankCards
}

// MaskPII returns s with personal numbers masked, and what it masked:
//
//   - resident identity card numbers: 18 digits (the last may be X) whose
//     ISO 7064 MOD 11-2 checksum, province code and birth date are valid, and
//     the old 15-digit form with a valid province code and birth date; the
//     region code and the last four stay: 110105********1234;
//   - mobile numbers 1[3-9]xxxxxxxxx, also written 138-1234-5678, 138 1234
//     5678 or after +86; the first three and last four stay: 138****5678;
//   - bank card numbers of 16–19 digits that pass the Luhn check, also
//     written in groups of four; the first six and last four stay.
//
// A number must stand on its own: digits or Latin letters right before or
// after it (an order number, a URL path) make it something else. A number
// that fails its check is left as it is: 18 digits with a wrong checksum
// are not an ID number, and masking them would hide, for example, a case
// number an officer needs. Full-width digits count as digits. Separators
// between digit groups are kept, so the text keeps its layout.
//
// The analyzer masks a document's title and body before analysing them, so
// the stored post, everything derived from it (keywords, entities, alerts
// built from its title and text) and the bus message carry only the masked
// text.
func MaskPII(s string) (string, PIICounts) {
	var c PIICounts
	var b strings.Builder
	// buf holds the digits of one number; it stays on the stack, so text
	// without personal numbers is scanned without allocating.
	var buf [24]byte
	last := 0 // s[:last] is written (or will be, unchanged)
	for i := 0; i < len(s); {
		// A number starts with an ASCII digit or a full-width one (EF BC
		// 90–99); neither byte can be inside another rune's encoding, so
		// the scan goes byte by byte without decoding.
		if c := s[i]; !(c >= '0' && c <= '9') &&
			!(c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] >= 0x90 && s[i+2] <= 0x99) {
			i++
			continue
		}
		end, digits := numberRun(s, i, buf[:0])
		kind, keepFront, keepBack := classify(s, i, end, digits)
		if kind == "" {
			// A grouped run that is no one number may be several: two
			// phone numbers separated by a space. Try its first group alone
			// and go on after it.
			if k := strings.IndexAny(s[i:end], " -"); k >= 0 {
				end = i + k
				digits = digits[:utf8.RuneCountInString(s[i:end])]
				kind, keepFront, keepBack = classify(s, i, end, digits)
			}
		}
		if kind != "" {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			writeMasked(&b, s[i:end], len(digits), keepFront, keepBack)
			last = end
			switch kind {
			case PIIIDCard:
				c.IDCards++
			case PIIMobile:
				c.Mobiles++
			case PIIBankCard:
				c.BankCards++
			}
		}
		i = end
	}
	if last == 0 {
		return s, c
	}
	b.WriteString(s[last:])
	return b.String(), c
}

// digitValue returns the value of an ASCII or full-width digit.
func digitValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= '０' && r <= '９':
		return byte(r - '０'), true
	}
	return 0, false
}

func isCheckX(r rune) bool { return r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ' }

// numberRun reads the number starting at s[start]: digits, with single
// spaces or hyphens between digit groups, and a final X (the checksum
// character of an ID number). It returns where the number ends and its
// digits, X as 10, appended to dst.
func numberRun(s string, start int, dst []byte) (end int, digits []byte) {
	digits = dst
	i := start
	end = start
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if d, ok := digitValue(r); ok {
			digits = append(digits, d)
			i += size
			end = i
			continue
		}
		if isCheckX(r) && len(digits) == 17 {
			digits = append(digits, 10)
			end = i + size
			break
		}
		if (r == ' ' || r == '-') && i+size < len(s) {
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if _, ok := digitValue(next); ok {
				i += size
				continue
			}
		}
		break
	}
	return end, digits
}

// classify decides what the number s[start:end] is, and how many digits
// stay visible at its front and back.
func classify(s string, start, end int, digits []byte) (kind string, keepFront, keepBack int) {
	if !standsAlone(s, start, end) {
		return "", 0, 0
	}
	grouped := strings.ContainsAny(s[start:end], " -")
	switch n := len(digits); {
	case n == 18 && validID18(digits) && !grouped:
		return PIIIDCard, 6, 4
	case n == 15 && validID15(digits) && !grouped:
		return PIIIDCard, 6, 4
	case n == 11 && isMobile(digits):
		return PIIMobile, 3, 4
	case n == 13 && digits[0] == 8 && digits[1] == 6 && isMobile(digits[2:]):
		return PIIMobile, 5, 4
	case n == 18 && idShaped(digits):
		// An ID number with a wrong check character (a typo, or an
		// invented number) is not masked, nor taken for a bank card.
		return "", 0, 0
	case n >= 16 && n <= 19 && digits[n-1] < 10 && luhn(digits) && groupsOfFour(s[start:end]):
		return PIIBankCard, 6, 4
	}
	return "", 0, 0
}

// standsAlone reports whether no Latin letter, digit, dot or underscore
// touches the number: "No.13812345678" or "v13812345678" are identifiers. A
// leading "+" is allowed (+86).
func standsAlone(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if isIdentRune(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if isIdentRune(r) {
			return false
		}
	}
	return true
}

func isIdentRune(r rune) bool {
	if _, ok := digitValue(r); ok {
		return true
	}
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '_' || r == '/' || r == '=')
}

// groupsOfFour reports whether a bank card number is written without
// separators or in groups of four (the last group shorter): other
// groupings are phone lists or dates, not one card.
func groupsOfFour(s string) bool {
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' })
	if len(groups) == 1 {
		return true
	}
	for i, g := range groups {
		n := utf8.RuneCountInString(g)
		if n != 4 && (i < len(groups)-1 || n > 4) {
			return false
		}
	}
	return true
}

func isMobile(d []byte) bool { return len(d) == 11 && d[0] == 1 && d[1] >= 3 && d[1] <= 9 }

// provinceCodes are the first two digits of GB/T 2260 codes of provinces
// (and 71 台湾, 81 香港, 82 澳门).
var provinceCodes = map[int]bool{
	11: true, 12: true, 13: true, 14: true, 15: true, 21: true, 22: true, 23: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true,
	41: true, 42: true, 43: true, 44: true, 45: true, 46: true,
	50: true, 51: true, 52: true, 53: true, 54: true,
	61: true, 62: true, 63: true, 64: true, 65: true, 71: true, 81: true, 82: true,
}

// idWeights are the GB 11643-1999 weights of the first 17 digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheck maps the weighted sum mod 11 to the check character (10 is X).
var idCheck = [11]byte{1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2}

// idShaped reports whether 18 digits have the province code and birth date
// of a resident identity number, whatever their check character.
func idShaped(d []byte) bool {
	year := num(d[6:10])
	return provinceCodes[int(d[0])*10+int(d[1])] && year >= 1900 && year <= 2099 && validMonthDay(num(d[10:12]), num(d[12:14]))
}

// validID18 checks an 18-digit resident identity number: province code,
// birth date (1900–2099) and the MOD 11-2 check character.
func validID18(d []byte) bool {
	for _, x := range d[:17] {
		if x > 9 {
			return false
		}
	}
	if !provinceCodes[int(d[0])*10+int(d[1])] {
		return false
	}
	year := num(d[6:10])
	if year < 1900 || year > 2099 || !validMonthDay(num(d[10:12]), num(d[12:14])) {
		return false
	}
	sum := 0
	for i, w := range idWeights {
		sum += int(d[i]) * w
	}
	return idCheck[sum%11] == d[17]
}

// validID15 checks the old 15-digit form (before 1999): province code and
// a birth date YYMMDD in the 1900s. It has no checksum.
func validID15(d []byte) bool {
	for _, x := range d {
		if x > 9 {
			return false
		}
	}
	return provinceCodes[int(d[0])*10+int(d[1])] && validMonthDay(num(d[8:10]), num(d[10:12]))
}

func validMonthDay(m, day int) bool { return m >= 1 && m <= 12 && day >= 1 && day <= 31 }

func num(d []byte) int {
	n := 0
	for _, x := range d {
		n = n*10 + int(x)
	}
	return n
}

// luhn reports whether the digits pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		x := int(d[len(d)-1-i])
		if i%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}

// writeMasked writes the number span with all digits but the first
// keepFront and the last keepBack replaced by *; separators stay.
func writeMasked(b *strings.Builder, span string, n, keepFront, keepBack int) {
	k := 0
	for _, r := range span {
		_, isDigit := digitValue(r)
		if isDigit || isCheckX(r) {
			if k >= keepFront && k < n-keepBack {
				b.WriteByte('*')
			} else {
				b.WriteRune(r)
			}
			k++
			continue
		}
		b.WriteRune(r)
	}
}

// newPIIMetric returns yuqing_analyzer_pii_masked_total with every kind
// present from the start, so a rate over it is defined before the first
// number is masked.
func newPIIMetric() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "yuqing_analyzer_pii_masked_total",
		Help: "Personal numbers masked in documents' titles and bodies, by kind: id_card, mobile, bank_card.",
	}, []string{"kind"})
	for _, k := range []string{PIIIDCard, PIIMobile, PIIBankCard} {
		c.WithLabelValues(k)
	}
	return c
}

// maskPII masks title and body (see MaskPII) and counts what was masked.
func (a *Analyzer) maskPII(title, body string) (string, string) {
	title, c := MaskPII(title)
	body, cb := MaskPII(body)
	c.add(cb)
	if c.Total() == 0 {
		return title, body
	}
	for kind, n := range map[string]int{PIIIDCard: c.IDCards, PIIMobile: c.Mobiles, PIIBankCard: c.BankCards} {
		if n > 0 {
			a.m.pii.WithLabelValues(kind).Add(float64(n))
		}
	}
	return title, body
}
