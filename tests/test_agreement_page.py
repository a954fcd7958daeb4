"""The agreement page, CLI and API: readable figures, bands, intervals, relations, 1400 px fit."""

from __future__ import annotations

import json
import re

import pytest

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user
from annotator.annotation.relations import RelationInput, create_relation
from annotator.projects.labels import create_label

from .test_browser import log_in
from .test_review_helpers import done, mark, setup


def _ready(session, relations=True, four_labels=False):
    """Two annotators, two stances each on one statement, each linking them alike."""
    project, (st,) = setup(session)
    if four_labels:  # four label columns, as in the demo (claim, condemnation, support, premise)
        create_label(session, project, "long_premise_label", name="Long premise label")
        for who in ("ann1", "ann2"):
            mark(session, project, st, who, "The USA supports", label="support", target="usa")
            mark(session, project, st, who, "Israel.", label="long_premise_label")
    ends = {}
    for who, target in (("ann1", "israel"), ("ann2", "usa")):
        a = mark(session, project, st, who, "Iran condemns Israel", target=target)
        b = mark(session, project, st, who, "Russia claims victory", label="claim", target=None)
        ends[who] = (a, b)
    if relations:
        for who, kind in (("ann1", "supports"), ("ann2", "attacks")):
            a, b = ends[who]
            create_relation(
                session, project, st, find_user(session, who), RelationInput(a.id, b.id, kind)
            )
    done(session, project, st, "ann1", "ann2")
    return project, st


def test_page_reads_like_prose(app, session, client, login):
    _ready(session)
    login("rev")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "Cohen&#39;s κ (label)" in html and "Krippendorff&#39;s α (unitized)" in html
    assert "Label agreement on overlapping stances, corrected for chance" in html
    # Plurals: one statement, four stances, two relations; items per figure.
    assert "1 statement, 4 stances, 2 relations" in html
    assert "2 matched pairs" in html and "4 stances" in html and "1 statement<" in html
    assert "95 % CI" in html and "200 resamples" in html
    assert "Landis &amp; Koch" in html
    assert 'id="chart-pair-1"' in html and 'id="pair-table"' not in html  # one pair: a chart
    # Relations: same ends and direction, different types -> F1 1, typed F1 0.
    assert 'id="relation-figures"' in html and "Relation F1, exact ends" in html
    assert '<th scope="col">supports</th>' in html and '<th scope="col">attacks</th>' in html
    assert "Cohen&#39;s κ (relation type)" in html
    assert 'style="' not in html


def test_page_without_relations_says_so(app, session, client, login):
    _ready(session, relations=False)
    login("boss")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert 'id="no-relations"' in html and 'id="relation-figures"' not in html


def test_band_words_follow_the_figures(app, session, client, login):
    # Both annotators label both stances alike: label kappa 1 (almost perfect on Landis &
    # Koch's scale); targets differ on one of two pairs: target alpha below 0.667.
    _ready(session)
    login("rev")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert '<span class="ag-band ag-band-almost-perfect">almost perfect</span>' in html
    assert "ag-band-unreliable" in html
    assert "95 % CI 1.00 – 1.00" in html


def test_cli_json_has_relations_and_intervals(app, session, runner):
    _ready(session)
    result = runner.invoke(args=["agreement", "rev", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rel = data["relations"]
    assert rel["n_relations"] == 2 and rel["relation_f1_exact"] == 1.0
    assert rel["typed_f1_exact"] == 0.0 and set(rel["per_type"]) == {"supports", "attacks"}
    assert rel["pairs"][0]["a"] == "ann1" and rel["pairs"][0]["n_relations"] == 2
    assert "intervals" not in data
    result = runner.invoke(args=["agreement", "rev", "--json", "--intervals", "50"])
    data = json.loads(result.output)
    assert data["resamples"] == 50 and data["intervals"]["project"]["span_f1_exact"] == [1.0, 1.0]
    assert data["relations"]["intervals"]["project"]["relation_f1_exact"] == [1.0, 1.0]
    text = runner.invoke(args=["agreement", "rev"]).output
    assert "Relations: 2 on 1 statements" in text and "relation_f1_exact" in text


def test_cli_refuses_a_bad_resample_count(app, session, runner):
    _ready(session)
    result = runner.invoke(args=["agreement", "rev", "--intervals", "0"])
    assert result.exit_code != 0 and "--intervals" in result.output


def test_api_has_relations_and_optional_intervals(app, session, client):
    _ready(session)
    _, token = create_token(session, find_user(session, "rev"), "tests")
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    data = client.get("/api/v1/projects/rev/agreement", headers=headers).get_json()
    assert data["relations"]["relation_f1_overlap"] == 1.0 and "intervals" not in data
    url = "/api/v1/projects/rev/agreement?intervals=true"
    data = client.get(url, headers=headers).get_json()
    assert data["intervals"]["project"]["stance_agreement"][0] <= data["stance_agreement"]


def test_a_big_project_without_a_stored_result_is_not_computed_in_the_request(
    app, session, client, login, runner, monkeypatch
):
    """Above INLINE_STANCES the page offers Compute and the API answers 409, until a run is
    stored; then both read it. (The threshold is lowered to this project's 4 stances.)"""
    from annotator.review import agreement_report

    _ready(session)
    _, token = create_token(session, find_user(session, "rev"), "tests")
    session.commit()
    monkeypatch.setattr(agreement_report, "INLINE_STANCES", 3)
    login("rev")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert 'id="ag-not-stored"' in html and "holds 4 stances" in html
    assert ">Compute</button>" in html and 'id="stance-figures"' not in html
    auth = {"Authorization": f"Bearer {token}"}
    api = client.get("/api/v1/projects/rev/agreement", headers=auth)
    assert api.status_code == 409
    assert "annotator agreement --store" in api.get_json()["error"]["message"]
    assert runner.invoke(args=["agreement", "rev", "--store"]).exit_code == 0
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert 'id="ag-not-stored"' not in html and 'id="stance-figures"' in html
    assert "Stored result of" in html and ">Recompute</button>" in html
    api = client.get("/api/v1/projects/rev/agreement", headers=auth)
    assert api.status_code == 200 and api.get_json()["stored"]["run"]


@pytest.mark.browser
def test_agreement_tables_fit_at_1400_px(app, session, live_server, page):
    _ready(session, four_labels=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, live_server, "rev")
    page.goto(f"{live_server}/p/rev/review/agreement")
    headers = page.eval_on_selector_all("#stance-figures thead th", "ths => ths.length")
    assert headers == 6  # figure, all, four labels
    for table in ("#stance-figures", "#relation-figures"):
        widths = page.eval_on_selector(
            table, "t => [t.scrollWidth, t.parentElement.clientWidth, t.clientWidth]"
        )
        assert widths[0] <= widths[1], (table, widths)
    doc = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert doc[0] <= doc[1], doc


def test_a_large_team_gets_one_table_of_pairs_instead_of_a_chart_each(app, session, client, login):
    """Up to CHART_PAIRS pairs each gets a chart; past it (6 annotators: 15 pairs) one table
    holds them, a row a pair with the same figures."""
    from annotator.review.views import CHART_PAIRS

    team = tuple(f"ann{k}" for k in range(1, 7))
    project, (st,) = setup(session, annotators=team)
    for k, who in enumerate(team):
        mark(session, project, st, who, "Iran condemns Israel", target=("israel", "usa")[k % 2])
    done(session, project, st, *team)
    login("rev")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert CHART_PAIRS < 15 and 'id="chart-pair-1"' not in html
    table = html[html.index('id="pair-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr><th scope="row">(ann\d / ann\d)</th>(.*?)</tr>', table)
    assert len(rows) == 15 and rows[0][0] == "ann1 / ann2"
    assert all("<td>1.000</td>" in cells for _, cells in rows)  # the same span: F1 1
