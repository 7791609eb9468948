"""Check the lunar holiday table of calendar/lunar.go astronomically.

Not part of the build: it documents and reproduces how lunarTable was
verified. Needs Debian's python3-astropy (5.2, no downloads: the builtin
ERFA Sun and Meeus/ELP Moon are used). For each year it finds the new moon
that starts 正月, 五月 and 八月 and the moment the Sun reaches apparent
longitude 15 deg (清明), converts them to UTC+8, and prints the date and how
many minutes it lies from midnight. A line marked MISMATCH means the table
disagrees with the astronomy.

    /usr/bin/python3 lunar_check.py    # from calendar/internal/gen
"""
import datetime
import re
import warnings

warnings.filterwarnings("ignore")
from astropy.time import Time, TimeDelta  # noqa: E402
from astropy.coordinates import get_sun, get_body, GeocentricTrueEcliptic, solar_system_ephemeris  # noqa: E402

solar_system_ephemeris.set("builtin")


def lon(body, t):
    c = get_sun(t) if body == "sun" else get_body("moon", t)
    return c.transform_to(GeocentricTrueEcliptic(equinox=t)).lon.deg


def elongation(t):
    return (lon("moon", t) - lon("sun", t) + 180) % 360 - 180


def bisect(f, a, b):
    fa = f(a)
    for _ in range(40):
        m = a + (b - a) / 2
        fm = f(m)
        if (fa < 0) == (fm < 0):
            a, fa = m, fm
        else:
            b = m
    return a + (b - a) / 2


def new_moon_near(day):
    t = Time(day.isoformat() + "T04:00:00", scale="utc")
    ts = [t + TimeDelta(h * 3600, format="sec") for h in range(-96, 97, 6)]
    for x, y in zip(ts, ts[1:]):
        ex, ey = elongation(x), elongation(y)
        if ex < 0 <= ey and ey - ex < 90:
            return bisect(elongation, x, y)
    raise SystemExit("no new moon near %s" % day)


def beijing(t):
    return (t + TimeDelta(8 * 3600, format="sec")).to_datetime()


def margin(dt):
    s = (dt - datetime.datetime.combine(dt.date(), datetime.time())).total_seconds()
    return min(s, 86400 - s) / 60


def table():
    src = open("../../lunar.go", encoding="utf-8").read()
    row = re.compile(r"(\d{4}): \{" + r",\s*".join([r"ymd\((\d+), (\d+), (\d+)\)"] * 4) + r"\}")
    for m in row.finditer(src):
        g = list(map(int, m.groups()))
        yield g[0], [datetime.date(*g[i:i + 3]) for i in (1, 4, 7, 10)]


for year, (spring, qingming, duanwu, zhongqiu) in table():
    for name, day, offset in (("正月初一", spring, 0), ("端午", duanwu, 4), ("中秋", zhongqiu, 14)):
        first = day - datetime.timedelta(days=offset)
        nm = beijing(new_moon_near(first))
        flag = "" if nm.date() == first else "  MISMATCH"
        print(year, name, day, "new moon", nm.strftime("%Y-%m-%d %H:%M"), "UTC+8, %.0f min from midnight%s" % (margin(nm), flag))
    t0 = Time("%d-04-02" % year, scale="utc")
    t1 = Time("%d-04-08" % year, scale="utc")
    qm = beijing(bisect(lambda t: (lon("sun", t) - 15 + 180) % 360 - 180, t0, t1))
    flag = "" if qm.date() == qingming else "  MISMATCH"
    print(year, "清明", qingming, "sun at 15°", qm.strftime("%Y-%m-%d %H:%M"), "UTC+8, %.0f min from midnight%s" % (margin(qm), flag))
