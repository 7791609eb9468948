package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/yuqing-project/yuqing/crawler"
)

const extractUsage = `Usage: yuqing extract [flags] FILE|URL

Prints what generic extraction finds in one page (title, body, publish time
and how it was found, author, origin, 政务公开 metadata, encoding, injected
spam) as JSON. FILE "-" reads standard input. A URL is fetched with a plain
HTTP GET; loopback and private addresses are refused unless -allow-private.
`

// extractOutput is the JSON printed by yuqing extract. PublishedAt is RFC
// 3339, or empty when the page shows no publish time (the crawler would
// use the fetch time).
type extractOutput struct {
	URL                   string  `json:"url,omitempty"`
	Title                 string  `json:"title"`
	Body                  string  `json:"body"`
	PublishedAt           string  `json:"published_at"`
	PublishedAtSource     string  `json:"published_at_source"`
	PublishedAtConfidence float64 `json:"published_at_confidence"`
	// PublishedUncertain: the time rests on a weak clue (an unlabelled or
	// URL date, a month, nothing); the responder's clock would start from
	// the fetch.
	PublishedUncertain bool     `json:"published_uncertain"`
	Author             string   `json:"author"`
	Origin             string   `json:"origin"`
	DocNumber          string   `json:"doc_number"`
	IndexNumber        string   `json:"index_number"`
	Issuer             string   `json:"issuer"`
	Subject            string   `json:"subject"`
	Encoding           string   `json:"encoding"`
	Injected           bool     `json:"injected"`
	Flags              []string `json:"flags"`
	FetchedAt          string   `json:"fetched_at"`
}

// cmdExtract runs generic extraction on a file or URL and prints the
// result as indented JSON on stdout.
func cmdExtract(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, extractUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	allowPrivate := fs.Bool("allow-private", false, "allow fetching from loopback, private and link-local addresses")
	timeout := fs.Duration("timeout", 20*time.Second, "time limit for fetching a URL")
	maxBytes := fs.Int64("max-bytes", 5<<20, "largest page read, in bytes")
	pageURL := fs.String("url", "", "the page's `URL` when reading a FILE (dates in URLs, relative links)")
	contentType := fs.String("content-type", "", "the HTTP Content-Type of a FILE (its charset is used when the page declares none)")
	fetchedAtFlag := fs.String("fetched-at", "", "fetch `TIME` (RFC 3339) that relative times such as 3小时前 resolve against; default now")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{fmt.Errorf("want one FILE or URL, got %d arguments", fs.NArg())}
	}
	if *timeout <= 0 || *maxBytes <= 0 {
		return usageError{errors.New("-timeout and -max-bytes must be positive")}
	}
	fetchedAt := time.Now()
	if *fetchedAtFlag != "" {
		t, err := time.Parse(time.RFC3339, *fetchedAtFlag)
		if err != nil {
			return usageError{fmt.Errorf("invalid -fetched-at %q: want RFC 3339 such as 2026-11-21T10:00:00+08:00", *fetchedAtFlag)}
		}
		fetchedAt = t
	}

	target := fs.Arg(0)
	var page []byte
	var err error
	ct, finalURL := *contentType, *pageURL
	if isHTTPURL(target) {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		page, ct, finalURL, err = fetchForExtract(ctx, target, *timeout, *allowPrivate, *maxBytes)
		if err != nil {
			return err
		}
	} else {
		page, err = readLimited(target, *maxBytes)
		if err != nil {
			return err
		}
		if finalURL == "" {
			finalURL = "file:" + target
		}
	}

	ex, err := crawler.Extract(page, finalURL, ct, fetchedAt)
	if err != nil {
		return fmt.Errorf("cannot extract %q: %w", target, err)
	}
	out := extractOutput{
		Title: ex.Title, Body: ex.Body, PublishedAtSource: ex.PublishedAtSource,
		PublishedAtConfidence: ex.PublishedAtConfidence, PublishedUncertain: ex.PublishedUncertain, Author: ex.Author, Origin: ex.Origin,
		DocNumber: ex.DocNumber, IndexNumber: ex.IndexNumber, Issuer: ex.Issuer, Subject: ex.Subject,
		Encoding: ex.Encoding, Injected: ex.Injected, Flags: ex.Flags, FetchedAt: fetchedAt.Format(time.RFC3339),
	}
	if out.Flags == nil {
		out.Flags = []string{}
	}
	if isHTTPURL(finalURL) {
		out.URL = finalURL
	}
	if ex.PublishedAtSource != crawler.TimeFromFetch && !ex.PublishedAt.IsZero() {
		out.PublishedAt = ex.PublishedAt.Format(time.RFC3339)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("cannot write extraction of %q: %w", target, err)
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// readLimited reads a file ("-" for standard input), refusing one larger
// than maxBytes.
func readLimited(name string, maxBytes int64) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read page: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read page %q: %w", name, err)
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("cannot read page %q: larger than -max-bytes %d", name, maxBytes)
	}
	return b, nil
}

// fetchForExtract GETs rawURL and returns the body, its Content-Type and
// the final URL after redirects. Statuses other than 200 are errors.
func fetchForExtract(ctx context.Context, rawURL string, timeout time.Duration, allowPrivate bool, maxBytes int64) (body []byte, contentType, finalURL string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", "", usageError{fmt.Errorf("invalid URL %q: %w", rawURL, err)}
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	req.Header.Set("User-Agent", "yuqing-extract/"+version)
	client := crawler.NewHTTPClient(timeout, allowPrivate)
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, crawler.ErrPrivateAddress) {
			return nil, "", "", fmt.Errorf("cannot fetch %q: %w (use -allow-private to allow it)", rawURL, err)
		}
		return nil, "", "", fmt.Errorf("cannot fetch %q: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", "", fmt.Errorf("cannot fetch %q: HTTP %d", rawURL, resp.StatusCode)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, "", "", fmt.Errorf("cannot read %q: %w", rawURL, err)
	}
	if int64(len(body)) > maxBytes {
		return nil, "", "", fmt.Errorf("cannot read %q: larger than -max-bytes %d", rawURL, maxBytes)
	}
	ct := resp.Header.Get("Content-Type")
	if ct != "" && !strings.Contains(strings.ToLower(ct), "html") && !strings.Contains(strings.ToLower(ct), "text/") &&
		!strings.Contains(strings.ToLower(ct), "xml") {
		return nil, "", "", fmt.Errorf("cannot extract %q: content type %q is not HTML", rawURL, ct)
	}
	return body, ct, resp.Request.URL.String(), nil
}
