#!/usr/bin/env python3
"""Measure yuqing's sentiment analysis and a scikit-learn baseline on the same rows.

Input is the split written by `yuqing train sentiment -split-dir DIR`:
DIR/train.jsonl (the rows the Go model was trained on) and DIR/heldout_*.jsonl
(rows it never saw). The baseline (TF-IDF over character 1-3-grams +
logistic regression, Debian python3-sklearn) is trained on train.jsonl and
measured on the held-out files; yuqing is measured by piping the same
held-out files through `yuqing analyze`. Figures printed:

  chnsenticorp_validation, weibo2018: accuracy of "positive vs not"
      (the three-class label, neutral counted as not positive), and polarity
      accuracy (P(positive) > P(negative));
  smp2020: three-class macro-F1 (happy->positive, neural->neutral,
      angry/sad/fear->negative; surprise is not used) and accuracy.

Usage:
  scripts/sklearn_baseline.py -split DIR [-yuqing BIN] [-model FILE]
"""

import argparse
import json
import os
import subprocess
import sys
import time

LABELS = ["positive", "neutral", "negative"]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def macro_f1(gold, pred):
    f1s = []
    for c in LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s), f1s


def score(name, gold, pred, polarity):
    """Return the figures for one held-out set: pred are labels, polarity
    says whether P(positive) > P(negative) for each row."""
    n = len(gold)
    out = {"n": n}
    if name.startswith("heldout_smp2020"):
        f1, per = macro_f1(gold, pred)
        out["macro_f1"] = f1
        out["f1_per_class"] = dict(zip(LABELS, per))
        out["accuracy"] = sum(g == p for g, p in zip(gold, pred)) / n
    else:
        out["pos_vs_not"] = sum((g == "positive") == (p == "positive") for g, p in zip(gold, pred)) / n
        out["polarity"] = sum((g == "positive") == pp for g, pp in zip(gold, polarity)) / n
        out["neutral_share"] = sum(p == "neutral" for p in pred) / n
    return out


def run_yuqing(binary, model, rows):
    args = [binary, "analyze"]
    if model:
        args += ["-model", model]
    inp = "".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n" for r in rows)
    t0 = time.time()
    res = subprocess.run(args, input=inp.encode("utf-8"), capture_output=True, check=False)
    elapsed = time.time() - t0
    if res.returncode != 0:
        sys.exit("yuqing analyze failed: " + res.stderr.decode("utf-8", "replace")[-2000:])
    by_id = {}
    for line in res.stdout.decode("utf-8").splitlines():
        o = json.loads(line)
        by_id[o["id"]] = o["sentiment"]
    pred, pol = [], []
    for r in rows:
        s = by_id[r["id"]]
        pred.append(s["label"])
        neg = s["negativity"]
        if s["label"] == "positive":
            pol.append(True)
        elif s["label"] == "negative":
            pol.append(False)
        else:
            pol.append(1 - s["score"] - neg > neg)
    return pred, pol, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-split", required=True, help="directory written by yuqing train sentiment -split-dir")
    ap.add_argument("-yuqing", help="yuqing binary to measure through yuqing analyze")
    ap.add_argument("-model", help="sentiment model file for yuqing analyze -model (default: the embedded one)")
    ap.add_argument("-C", type=float, default=4.0, help="inverse regularisation of the logistic regression")
    a = ap.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    import sklearn

    train = read_jsonl(os.path.join(a.split, "train.jsonl"))
    t0 = time.time()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    x = vec.fit_transform([r["text"] for r in train])
    clf = LogisticRegression(C=a.C, max_iter=2000)
    clf.fit(x, [r["label"] for r in train])
    print(f"baseline: scikit-learn {sklearn.__version__}, TF-IDF char 1-3 (min_df 2, sublinear tf, "
          f"{x.shape[1]} features) + LogisticRegression(C={a.C}), trained on {len(train)} rows "
          f"in {time.time() - t0:.1f} s")

    results = {}
    for fn in sorted(os.listdir(a.split)):
        if not fn.startswith("heldout_"):
            continue
        name = fn[: -len(".jsonl")]
        rows = read_jsonl(os.path.join(a.split, fn))
        gold = [r["label"] for r in rows]
        proba = clf.predict_proba(vec.transform([r["text"] for r in rows]))
        cls = list(clf.classes_)
        pred = [cls[max(range(len(cls)), key=lambda k: p[k])] for p in proba]
        pol = [p[cls.index("positive")] > p[cls.index("negative")] for p in proba]
        results[(name, "sklearn")] = score(name, gold, pred, pol)
        if a.yuqing:
            ypred, ypol, secs = run_yuqing(a.yuqing, a.model, rows)
            r = score(name, gold, ypred, ypol)
            r["seconds"] = secs
            results[(name, "yuqing")] = r

    for (name, who), r in sorted(results.items()):
        figs = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in r.items() if k != "f1_per_class")
        if "f1_per_class" in r:
            figs += " (F1 " + ", ".join(f"{k} {v:.3f}" for k, v in r["f1_per_class"].items()) + ")"
        print(f"{name:34s} {who:8s} {figs}")


if __name__ == "__main__":
    main()
