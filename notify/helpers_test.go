package notify

import (
	"sync"
	"time"

	"github.com/yuqing-project/yuqing/model"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cst builds a China Standard Time instant.
func cst(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, model.China)
}

// testNow is a Saturday afternoon in China Standard Time.
var testNow = cst(2026, 11, 21, 14, 0)

const (
	testTitle     = "某化工厂爆炸事故致12人死亡"
	testCountdown = "距5小时权威发布时限还剩 1小时12分"
)

// testMessage is a level II reminder 1h12m before the 5 h deadline, for
// recipient zhang on every channel.
func testMessage(contacts map[string]string) Message {
	return Message{
		IncidentID: "INC-0123abcd",
		Key:        "R-5H/reminder/1h",
		Kind:       KindReminder,
		Title:      testTitle,
		Level:      LevelII,
		State:      "处置中",
		Obligation: "5小时权威发布",
		DueAt:      testNow.Add(72 * time.Minute),
		At:         testNow,
		ConsoleURL: "https://yuqing.example.gov.cn/incidents/INC-0123abcd",
		AckURL:     "https://yuqing.example.gov.cn/api/v1/ack?token=abc",
		Recipients: []Recipient{{ID: "zhang", Name: "张三", Contacts: contacts}},
	}
}
