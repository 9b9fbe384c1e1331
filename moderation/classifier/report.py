"""Render an ``evaluate`` report as plain-text markdown tables."""

from __future__ import annotations


def _f(value, spec=".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def _abuse_table(report) -> list[str]:
    systems = report["systems"]
    head = "| held-out set | rows (abusive) | " + " | ".join(
        f"{s} ROC-AUC | {s} AP | {s} macro-F1 | {s} P | {s} R" for s in systems) + " |"
    lines = [head, "|" + "---|" * (2 + 5 * len(systems))]
    for entry in report["abuse"]:
        cells = []
        for s in systems:
            m = entry["systems"][s]
            cells += [_f(m["roc_auc"]), _f(m["average_precision"]), _f(m["macro_f1"]),
                      _f(m["precision"]), _f(m["recall"])]
        lines.append(f"| {entry['set']} | {entry['rows']} ({entry['positives']}) | " + " | ".join(cells) + " |")
    return lines


def _identity_table(identity) -> list[str]:
    if identity is None:
        return []
    lines = ["", f"Identity terms: false-positive rate on {identity['rows']} non-toxic comments that mention "
             f"a listed term vs {identity['baseline_rows']} non-toxic Wikipedia comments (CAT-LARGE 20%) "
             "that mention none.",
             "| system | FPR with terms | FPR without | ratio | worst term (FPR) | terms over 5% |",
             "|---|---|---|---|---|---|"]
    for name, m in identity["systems"].items():
        worst = m["worst_term"]
        over = sorted(t for t, v in m["per_term"].items() if v["fpr"] > 0.05)
        lines.append(f"| {name} | {m['fpr_with']:.1%} | {m['fpr_without']:.1%} | {m['ratio']:.2f} | "
                     f"{worst} ({m['per_term'][worst]['fpr']:.1%}) | {', '.join(over) or 'none'} |"
                     if worst else f"| {name} | {m['fpr_with']:.1%} | {m['fpr_without']:.1%} | {m['ratio']:.2f} | | |")
    parley = identity["systems"].get("parley")
    if parley:
        lines.append("Parley per term (rows, FPR): " + ", ".join(
            f"{t} ({v['rows']}, {v['fpr']:.0%})" for t, v in sorted(parley["per_term"].items())))
    return lines


def format_report(report: dict) -> str:
    """Return the evaluation report as text: abuse table, identity, highlights, off-topic, reliability."""
    t = report["thresholds"]
    lines = [f"Model {report['model']}; thresholds: abuse review {t['abuse_review']:.3f}, "
             f"reject {t['abuse_reject']:.3f}, off-topic review {t['off_topic_review']:.3f}. "
             "Parley's macro-F1, precision (P) and recall (R) are at the review threshold; "
             "the peers' at their default decision.", ""]
    lines += _abuse_table(report)
    lines += _identity_table(report.get("identity"))
    h = report["highlights"]
    lines += ["", f"Highlights: SemEval-2021 Task 5 character F1 on {h['rows']} held-out toxic-spans posts: "
              f"{h['char_f1']:.3f} (peers give no spans)."]
    off = report["off_topic"]
    fox = off["fox_other_article"]
    lines += ["", f"Off-topic: Fox News held-out comments under their own vs another article "
              f"({fox['rows']} pairs): ROC-AUC {fox['roc_auc']:.3f}."]
    socc = off.get("socc_not_relevant")
    if socc:
        lines.append(f"Off-topic: SOCC C3 'not relevant' (report only; {socc['positives']} of {socc['rows']}): "
                     f"ROC-AUC {socc['roc_auc']:.3f} overall, {socc['within_length_deciles']:.3f} within length "
                     f"deciles; shortness alone {socc['length_alone_roc_auc']:.3f}.")
    rel = report["reliability"]
    lines += ["", f"Reliability of abuse probabilities on {rel['set']}:",
              "| predicted | rows | mean predicted | observed abusive |", "|---|---|---|---|"]
    lines += [f"| {b['bin']} | {b['rows']} | {b['mean_predicted']:.3f} | {b['observed']:.3f} |" for b in rel["bins"]]
    lines += [f"note: {m}" for m in report["messages"]]
    return "\n".join(lines)
