package crawler

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// Why the crawler decodes pages itself instead of using Colly's
// DetectCharset: Colly converts a body only when the Content-Type header
// names a charset; without one it either leaves the raw bytes (DetectCharset
// off) or asks saintfish/chardet (DetectCharset on), which never looks at
// <meta charset> and often mistakes short GBK pages for ISO-8859-x or
// EUC-KR. Many Chinese portals send "text/html" with no charset, or the web
// server's default "ISO-8859-1", and declare gb2312 in a <meta> tag. The
// fetch transport therefore hides the charset from Colly (see
// charsetHidingTransport) and decodeHTML below decides, in this order:
// forced source encoding, byte-order mark, valid non-ASCII UTF-8, a Chinese
// charset in the header, <meta charset>/http-equiv, any other header charset, and finally
// sniffing (valid UTF-8, else whichever of GB18030 and Big5 decodes to more
// common Chinese characters).

// decodeHTML converts page to UTF-8 and returns the canonical name of the
// encoding it was in (utf-8, gbk, gb18030, big5, windows-1252, ...).
// contentType is the HTTP Content-Type (may be empty); forced is the
// source's configured encoding (may be empty).
func decodeHTML(page []byte, contentType, forced string) ([]byte, string, error) {
	enc, name, err := detectEncoding(page, contentType, forced, true)
	if err != nil {
		return nil, "", err
	}
	out, err := decodeWith(page, enc, name)
	if err != nil {
		return nil, "", err
	}
	return out, name, nil
}

// decodeXML is decodeHTML for feeds: the XML declaration takes the place of
// <meta charset>.
func decodeXML(page []byte, contentType, forced string) ([]byte, string, error) {
	enc, name, err := detectEncoding(page, contentType, forced, false)
	if err != nil {
		return nil, "", err
	}
	out, err := decodeWith(page, enc, name)
	if err != nil {
		return nil, "", err
	}
	return out, name, nil
}

func decodeWith(page []byte, enc encoding.Encoding, name string) ([]byte, error) {
	page = stripBOM(page)
	if name == "utf-8" {
		if utf8.Valid(page) {
			return page, nil
		}
		// Keep what is valid; invalid bytes become U+FFFD.
		return bytes.ToValidUTF8(page, []byte("\uFFFD")), nil
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), page)
	if err != nil {
		return nil, fmt.Errorf("cannot decode page from %s: %w", name, err)
	}
	return out, nil
}

func stripBOM(b []byte) []byte {
	for _, bom := range [][]byte{{0xEF, 0xBB, 0xBF}} {
		if bytes.HasPrefix(b, bom) {
			return b[len(bom):]
		}
	}
	return b
}

// lookupEncoding maps a charset label to an encoding and its canonical
// name. GB2312 is decoded as GBK (its superset, as browsers do).
func lookupEncoding(label string) (encoding.Encoding, string, bool) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch label {
	case "":
		return nil, "", false
	case "gb2312", "gbk", "x-gbk", "cp936", "windows-936", "gb_2312-80", "euc-cn", "csgb2312":
		return simplifiedchinese.GBK, "gbk", true
	case "gb18030", "gb-18030":
		return simplifiedchinese.GB18030, "gb18030", true
	case "big5", "big-5", "big5-hkscs", "cn-big5", "x-x-big5":
		return traditionalchinese.Big5, "big5", true
	case "utf8", "utf-8", "unicode-1-1-utf-8":
		return encoding.Nop, "utf-8", true
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, "", false
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return nil, "", false
	}
	if name == "utf-8" {
		return encoding.Nop, "utf-8", true
	}
	return enc, name, true
}

func isChineseOrUTF8(name string) bool {
	switch name {
	case "utf-8", "gbk", "gb18030", "big5":
		return true
	}
	return false
}

func detectEncoding(page []byte, contentType, forced string, html bool) (encoding.Encoding, string, error) {
	if forced != "" {
		enc, name, ok := lookupEncoding(forced)
		if !ok {
			return nil, "", fmt.Errorf("unknown encoding %q", forced)
		}
		return enc, name, nil
	}
	if bytes.HasPrefix(page, []byte{0xEF, 0xBB, 0xBF}) {
		return encoding.Nop, "utf-8", nil
	}
	// Non-ASCII text that is valid UTF-8 is UTF-8 whatever the page
	// claims: GBK or Big5 text of any length is practically never valid
	// UTF-8, while sites re-encoded to UTF-8 often keep a stale gb2312
	// declaration.
	if hasHighBytes(page) && utf8.Valid(page) {
		return encoding.Nop, "utf-8", nil
	}
	var headerEnc encoding.Encoding
	var headerName string
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			if enc, name, ok := lookupEncoding(params["charset"]); ok {
				headerEnc, headerName = enc, name
			}
		}
	}
	// A Chinese or UTF-8 charset in the header is trusted unless the bytes
	// contradict a UTF-8 claim.
	if headerEnc != nil && isChineseOrUTF8(headerName) && (headerName != "utf-8" || utf8.Valid(page)) {
		return headerEnc, headerName, nil
	}
	var declared string
	if html {
		declared = metaCharset(page)
	} else {
		declared = xmlDeclEncoding(page)
	}
	if enc, name, ok := lookupEncoding(declared); ok {
		if name != "utf-8" || utf8.Valid(page) {
			return enc, name, nil
		}
	}
	if headerEnc != nil && headerName != "utf-8" && !looksCJKMisdeclared(page) {
		return headerEnc, headerName, nil
	}
	enc, name := sniffEncoding(page)
	return enc, name, nil
}

// looksCJKMisdeclared reports whether a page declared as a single-byte
// Western charset is more plausibly GBK or Big5: servers commonly default
// to ISO-8859-1 for pages that are really Chinese.
func looksCJKMisdeclared(page []byte) bool {
	if utf8.Valid(page) {
		return hasHighBytes(page)
	}
	_, name := sniffEncoding(page)
	return name == "gbk" || name == "gb18030" || name == "big5"
}

func hasHighBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// metaCharset returns the charset declared by <meta charset> or <meta
// http-equiv="Content-Type"> in the first 4 KiB, as the HTML prescan does.
func metaCharset(page []byte) string {
	head := page
	if len(head) > 4096 {
		head = head[:4096]
	}
	_, name, certain := charset.DetermineEncoding(head, "")
	if certain {
		return name
	}
	// DetermineEncoding reports gb2312 meta as "gbk" with certain=true; an
	// uncertain answer is its own guess, which we do better ourselves. It
	// also misses declarations after 1024 bytes, so look again.
	lower := bytes.ToLower(head)
	i := bytes.Index(lower, []byte("charset="))
	if i < 0 {
		return ""
	}
	rest := lower[i+len("charset="):]
	rest = bytes.TrimLeft(rest, `"' `)
	end := bytes.IndexAny(rest, "\"'>; /\t\r\n")
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// xmlDeclEncoding returns the encoding attribute of an XML declaration.
func xmlDeclEncoding(page []byte) string {
	head := page
	if len(head) > 512 {
		head = head[:512]
	}
	if !bytes.HasPrefix(bytes.TrimSpace(head), []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(head[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " =")
	if rest == "" {
		return ""
	}
	q := rest[0]
	if q != '"' && q != '\'' {
		return ""
	}
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return rest[1 : j+1]
}

// commonHanzi are frequent characters written the same in simplified and
// traditional Chinese; text decoded with the right charset has many.
const commonHanzi = "的一是在不了有人中大上我以要他生到作地出就分成可主年同工也能下子而方多定行法所民得十三之着家力如水自二小日于起本去好外天四其事平相全正心明公月反又比或但第向道此和用市"

var commonHanziSet = func() map[rune]bool {
	m := make(map[rune]bool)
	for _, r := range commonHanzi {
		m[r] = true
	}
	return m
}()

// sniffEncoding guesses the encoding of an undeclared page: UTF-8 when the
// bytes are valid UTF-8, otherwise whichever of GB18030 and Big5 yields
// fewer invalid sequences and more common characters; GBK-family wins ties
// because mainland sites are the common case.
func sniffEncoding(page []byte) (encoding.Encoding, string) {
	if utf8.Valid(page) {
		return encoding.Nop, "utf-8"
	}
	sample := page
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	score := func(enc encoding.Encoding) int {
		out, _, err := transform.Bytes(enc.NewDecoder(), sample)
		if err != nil {
			return -1 << 30
		}
		s := 0
		for _, r := range string(out) {
			switch {
			case r == utf8.RuneError:
				s -= 10
			case commonHanziSet[r]:
				s += 3
			case r >= 0xE000 && r <= 0xF8FF: // private use: a wrong guess
				s -= 5
			}
		}
		return s
	}
	gb, big5 := score(simplifiedchinese.GB18030), score(traditionalchinese.Big5)
	if big5 > gb {
		return traditionalchinese.Big5, "big5"
	}
	if gb <= 0 && big5 <= 0 && !looksDoubleByte(sample) {
		enc, _ := htmlindex.Get("windows-1252")
		return enc, "windows-1252"
	}
	// GB18030 decodes every GBK page identically and more besides.
	if isPureGBK(sample) {
		return simplifiedchinese.GBK, "gbk"
	}
	return simplifiedchinese.GB18030, "gb18030"
}

// looksDoubleByte reports whether high bytes mostly come in pairs, as in
// GBK and Big5 text.
func looksDoubleByte(b []byte) bool {
	pairs, singles := 0, 0
	for i := 0; i < len(b); i++ {
		if b[i] < 0x80 {
			continue
		}
		if i+1 < len(b) && b[i+1] >= 0x40 {
			pairs++
			i++
			continue
		}
		singles++
	}
	return pairs > 0 && pairs >= 4*singles
}

// isPureGBK reports whether b decodes as GBK without errors (no GB18030
// four-byte sequences).
func isPureGBK(b []byte) bool {
	out, _, err := transform.Bytes(simplifiedchinese.GBK.NewDecoder(), b)
	if err != nil {
		return false
	}
	return !bytes.ContainsRune(out, utf8.RuneError)
}
