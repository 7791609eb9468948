package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP (RFC 6238) as authenticator apps implement it: HMAC-SHA-1, six
// digits, a 30-second step; a code of the step before or after is
// accepted too, for clocks a little apart.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
	totpSkew   = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random secret (160 bits), base32 as
// authenticator apps take it.
func NewTOTPSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return b32.EncodeToString(b), nil
}

// hotp is RFC 4226's HOTP of key at counter with digits digits.
func hotp(h func() hash.Hash, key []byte, counter uint64, digits int) string {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, code%mod)
}

// totpCode is the RFC 6238 code of key at t.
func totpCode(h func() hash.Hash, key []byte, t time.Time, digits int) string {
	return hotp(h, key, uint64(t.Unix())/uint64(totpStep/time.Second), digits)
}

// TOTPCode returns the six-digit code of the base32 secret at t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	if err != nil {
		return "", fmt.Errorf("invalid TOTP secret: %w", err)
	}
	return totpCode(sha1.New, key, t, totpDigits), nil
}

// CheckTOTP reports whether code is the secret's code at t or one step
// before or after.
func CheckTOTP(secret, code string, t time.Time) bool {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits {
		return false
	}
	for d := -totpSkew; d <= totpSkew; d++ {
		want, err := TOTPCode(secret, t.Add(time.Duration(d)*totpStep))
		if err != nil {
			return false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return true
		}
	}
	return false
}

// TOTPURI returns the otpauth:// URI an authenticator app enrols from
// (what the enrolment page's QR code holds).
func TOTPURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// newRecoveryCodes returns n one-time recovery codes and their hashes.
func newRecoveryCodes(n int) (codes, hashes []string, err error) {
	for range n {
		b := make([]byte, 5)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		c := strings.ToLower(b32.EncodeToString(b)) // 8 characters
		c = c[:4] + "-" + c[4:]
		codes, hashes = append(codes, c), append(hashes, sha256Hex(c))
	}
	return codes, hashes, nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
