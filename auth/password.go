package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/yuqing-project/yuqing/config"
)

// Policy is the password and session policy (config's auth section).
type Policy struct {
	// MinLength is the fewest characters a password has.
	MinLength int
	// MinClasses is how many of the four classes (lower case, upper case,
	// digits, other characters) it mixes at least.
	MinClasses int
	// MaxAge is how long a password serves before it must be changed (0:
	// forever).
	MaxAge time.Duration
	// History is how many previous passwords may not be used again.
	History int
	// ChangeOnFirstLogin forces a new account (and a password reset by an
	// administrator) to change the password at the next login.
	ChangeOnFirstLogin bool
	// MaxFailures failed logins in a row lock an account, or a client
	// address, for LockoutDuration.
	MaxFailures     int
	LockoutDuration time.Duration
	// IdleTimeout ends a session unused this long; MaxSessionAge ends
	// every session this long after its login.
	IdleTimeout   time.Duration
	MaxSessionAge time.Duration
	// TOTPForEveryone requires a second factor of every account, not
	// only of the administrators.
	TOTPForEveryone bool
}

// DefaultPolicy is the policy of GB/T 22239-2019 level 3 as the issue
// states it.
func DefaultPolicy() Policy {
	return Policy{MinLength: 8, MinClasses: 3, MaxAge: 90 * 24 * time.Hour, History: 5, ChangeOnFirstLogin: true,
		MaxFailures: 5, LockoutDuration: 30 * time.Minute, IdleTimeout: 30 * time.Minute, MaxSessionAge: 12 * time.Hour}
}

// PolicyError is a password the policy refuses; its message is in
// Chinese, for the person choosing it.
type PolicyError struct{ Reason string }

func (e *PolicyError) Error() string { return e.Reason }

// CheckPassword returns a *PolicyError unless password fits the policy
// for the account name.
func (p Policy) CheckPassword(name, password string) error {
	if n := len([]rune(password)); n < p.MinLength {
		return &PolicyError{fmt.Sprintf("密码至少需要 %d 个字符，当前只有 %d 个。", p.MinLength, n)}
	}
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < p.MinClasses {
		return &PolicyError{fmt.Sprintf("密码需要包含小写字母、大写字母、数字、其他符号中的至少 %d 类，当前只有 %d 类。", p.MinClasses, classes)}
	}
	if name != "" && strings.Contains(strings.ToLower(password), strings.ToLower(name)) {
		return &PolicyError{"密码不能包含账号名。"}
	}
	return nil
}

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns the PHC string of password's argon2id hash with a
// new random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckHash reports whether password matches the PHC string hash, in
// constant time.
func CheckHash(hash, password string) bool {
	var (
		version, mem, iter int
		threads            uint8
		salt64, key64      string
	)
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil || mem <= 0 || iter <= 0 || threads == 0 {
		return false
	}
	salt64, key64 = parts[4], parts[5]
	salt, err1 := base64.RawStdEncoding.DecodeString(salt64)
	key, err2 := base64.RawStdEncoding.DecodeString(key64)
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(iter), uint32(mem), threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// PolicyOf returns the policy of the config's auth section.
func PolicyOf(c config.AuthConfig) Policy {
	return Policy{MinLength: c.Password.MinLength, MinClasses: c.Password.MinClasses, MaxAge: c.Password.MaxAge,
		History: c.Password.History, ChangeOnFirstLogin: c.Password.ChangeOnFirstLogin,
		MaxFailures: c.Lockout.MaxFailures, LockoutDuration: c.Lockout.Duration,
		IdleTimeout: c.Session.IdleTimeout, MaxSessionAge: c.Session.MaxAge, TOTPForEveryone: c.TOTPForEveryone}
}
