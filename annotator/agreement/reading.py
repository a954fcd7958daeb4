"""How to read an agreement figure: its name, a one-line definition, what it counts, its band.

Pure data and one function, so the agreement page, the CLI and docs/review.md say the same.
Bands: Landis & Koch (1977) for the kappas; Krippendorff (2004, p. 241) for the alphas (>= 0.8
reliable, >= 0.667 tentative conclusions only, below that unreliable). F1 and share figures
have no published band and get none.
"""

from __future__ import annotations

from typing import NamedTuple


class Reading(NamedTuple):
    """What a reader needs beside the number."""

    name: str
    definition: str
    counts: str  # the noun of the items the figure rests on (singular, plural)
    scale: str  # "kappa", "alpha" or "share": which band applies
    percent: bool = False


READINGS: dict[str, Reading] = {
    "cohen_kappa": Reading(
        "Cohen's κ (label)",
        "Label agreement on overlapping stances, corrected for chance; mean over pairs.",
        "matched pair",
        "kappa",
    ),
    "fleiss_kappa": Reading(
        "Fleiss' κ (label)",
        "Chance-corrected label agreement over all annotators of a stance at once.",
        "item",
        "kappa",
    ),
    "krippendorff_alpha": Reading(
        "Krippendorff's α (label)",
        "Nominal alpha on the labels of overlapping stances; tolerates missing annotators.",
        "item",
        "alpha",
    ),
    "span_f1_exact": Reading(
        "Span F1, exact",
        "Share of stances whose span the other annotator marked with the same start and end.",
        "stance",
        "share",
        True,
    ),
    "span_f1_overlap": Reading(
        "Span F1, overlap",
        "Share of stances that overlap one of the other annotator's (one-to-one).",
        "stance",
        "share",
        True,
    ),
    "target_agreement": Reading(
        "Target agreement",
        "Share of overlapping stance pairs that name the same target actor.",
        "matched pair",
        "share",
        True,
    ),
    "target_alpha": Reading(
        "Krippendorff's α (target)",
        "Nominal alpha on the target actors of overlapping stances.",
        "item",
        "alpha",
    ),
    "stance_agreement": Reading(
        "Stance agreement",
        "Share of stances the other annotator made identically: span, label, target, holder.",
        "stance",
        "share",
        True,
    ),
    "unitized_alpha": Reading(
        "Krippendorff's α (unitized)",
        "Agreement on where each label's spans lie, position by position, gaps included.",
        "statement",
        "alpha",
    ),
    "relation_f1_exact": Reading(
        "Relation F1, exact ends",
        "Share of relations the other annotator drew between the same spans, same direction.",
        "relation",
        "share",
        True,
    ),
    "relation_f1_overlap": Reading(
        "Relation F1, overlapping ends",
        "As exact, with each end matched to an overlapping span of the other annotator.",
        "relation",
        "share",
        True,
    ),
    "typed_f1_exact": Reading(
        "Typed relation F1, exact ends",
        "Relation F1 with exact ends that also requires the same relation type.",
        "relation",
        "share",
        True,
    ),
    "typed_f1_overlap": Reading(
        "Typed relation F1, overlapping ends",
        "Relation F1 with overlapping ends that also requires the same relation type.",
        "relation",
        "share",
        True,
    ),
    "type_kappa": Reading(
        "Cohen's κ (relation type)",
        "Type agreement on the relations both annotators drew, chance-corrected; mean over pairs.",
        "linked pair",
        "kappa",
    ),
    "type_alpha": Reading(
        "Krippendorff's α (relation type)",
        "Nominal alpha on the types of relations both annotators drew.",
        "linked pair",
        "alpha",
    ),
}

# Landis & Koch (1977): above 0.8 almost perfect, above 0.6 substantial, ..., 0 to 0.2 slight.
KAPPA_BANDS = ((0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"))
# Krippendorff (2004): alpha >= 0.800 reliable, >= 0.667 tentative conclusions only.
ALPHA_BANDS = ((0.8, "reliable"), (0.667, "tentative"))


def band(metric: str, value: float | None) -> str:
    """The interpretation band of a figure ("" when it has none or is missing)."""
    scale = READINGS[metric].scale if metric in READINGS else "share"
    if value is None or scale == "share":
        return ""
    if scale == "kappa":
        return next(
            (w for low, w in KAPPA_BANDS if value > low), "slight" if value >= 0 else "poor"
        )
    return next((word for low, word in ALPHA_BANDS if value >= low), "unreliable")


def plural(n: int, noun: str) -> str:
    """'1 statement', '2 statements', '0 matched pairs'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
