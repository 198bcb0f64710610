"""POST /feedback/stats and /feedback/payload_schema: every rule of the reference, and the invariants."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.contract_schema import response_schema, schema_errors

AUTH = ("alice", "s3cret")
STATS = "/feedback/stats"
SCHEMA = "/feedback/payload_schema"
UTC = dt.timezone.utc


def stats(client: TestClient, **body: Any) -> Any:
    body.setdefault("project_id", "acme/evals")
    response = client.post(STATS, json=body, auth=AUTH)
    return response


def ok(client: TestClient, **body: Any) -> dict[str, Any]:
    response = stats(client, **body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert schema_errors("weave", response_schema("weave", "POST", STATS, 200), payload) == []
    return payload


def test_worked_example(client: TestClient) -> None:
    """Reference §6: a 24 h window, avg/max and p5/p95 of output.score."""
    body = ok(client, start="2024-01-01T00:00:00Z", end="2024-01-02T00:00:00Z",
              metrics=[{"json_path": "output.score", "aggregations": ["avg", "max"], "percentiles": [5, 95]}])
    assert body["granularity"] == 21600
    assert [b["timestamp"] for b in body["buckets"]] == [
        "2024-01-01T00:00:00+00:00", "2024-01-01T06:00:00+00:00", "2024-01-01T12:00:00+00:00", "2024-01-01T18:00:00+00:00"]
    for bucket in body["buckets"]:
        assert list(bucket) == ["timestamp", "avg_output_score", "max_output_score", "p5_output_score",
                                "p95_output_score", "count"]
    assert list(body) == ["start", "end", "granularity", "timezone", "buckets", "window_stats"]
    assert list(body["window_stats"]["output_score"]) == ["avg", "max", "p5", "p95"]
    assert (body["start"], body["end"], body["timezone"]) == ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "UTC")


def test_key_order_follows_the_request(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T00:00:00Z", end="2026-01-05T06:00:00Z", metrics=[
        {"json_path": "value.rating", "aggregations": ["max", "sum"], "percentiles": [99.9, 50.0]},
        {"json_path": "output.passed", "value_type": "boolean"},
        {"json_path": "output.label", "value_type": "categorical"},
    ])
    assert list(body["buckets"][0]) == ["timestamp", "max_value_rating", "sum_value_rating", "p99.9_value_rating",
                                        "p50_value_rating", "count_true_output_passed", "count_false_output_passed",
                                        "count_output_label", "count"]
    assert list(body["window_stats"]) == ["value_rating", "output_passed", "output_label"]


def test_defaults_per_value_type(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T00:00:00Z", end="2026-01-05T01:00:00Z", metrics=[
        {"json_path": "output.score"}, {"json_path": "output.passed", "value_type": "boolean"},
        {"json_path": "emoji", "value_type": "categorical", "percentiles": [50]}])
    stats_ = body["window_stats"]
    assert list(stats_["output_score"]) == ["avg", "min", "max"]
    assert list(stats_["output_passed"]) == ["count_true", "count_false"]
    assert list(stats_["emoji"]) == ["count"], "percentiles apply to numeric metrics only (documented)"


def test_slugs_replace_dots_and_spaces(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T00:00:00Z", end="2026-01-05T01:00:00Z",
              metrics=[{"json_path": "output.Low quality.confidence", "aggregations": ["count"]}])
    assert "output_Low_quality_confidence" in body["window_stats"]


def test_empty_metrics_short_cut(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T10:00:00+02:00", timezone="Europe/Paris")
    assert body == {"start": "2026-01-05T08:00:00Z", "end": "2026-01-15T12:00:00Z", "granularity": 3600,
                    "timezone": "Europe/Paris", "buckets": [], "window_stats": None}


@pytest.mark.parametrize(("span", "granularity"), [
    (dt.timedelta(hours=2), 300), (dt.timedelta(hours=2, seconds=1), 3600), (dt.timedelta(hours=12), 3600),
    (dt.timedelta(days=3), 21600), (dt.timedelta(days=3, seconds=1), 43200), (dt.timedelta(days=14), 43200),
    (dt.timedelta(days=14, seconds=1), 86400),
])
def test_auto_granularity_tiers(client: TestClient, span: dt.timedelta, granularity: int) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    for requested in (None, 0):
        body = ok(client, start=start.isoformat(), end=(start + span).isoformat(), granularity=requested,
                  metrics=[{"json_path": "output.score", "aggregations": ["count"]}])
        assert body["granularity"] == granularity
        assert len(body["buckets"]) == math.ceil(span.total_seconds() / granularity)


def test_the_bucket_cap_raises_granularity(client: TestClient) -> None:
    body = ok(client, start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z", granularity=60,
              metrics=[{"json_path": "output.score", "aggregations": ["count"]}])
    assert body["granularity"] == 268
    assert len(body["buckets"]) <= 10_000


def test_first_bucket_is_epoch_aligned_and_may_start_before_start(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T00:07:00Z", end="2026-01-05T01:00:00Z", granularity=900,
              metrics=[{"json_path": "output.score", "aggregations": ["count"]}])
    assert body["buckets"][0]["timestamp"] == "2026-01-05T00:00:00+00:00"
    assert len(body["buckets"]) == 4


def test_end_equal_to_start(client: TestClient) -> None:
    metric = [{"json_path": "output.score", "aggregations": ["count"]}]
    aligned = ok(client, start="2026-01-05T00:00:00Z", end="2026-01-05T00:00:00Z", metrics=metric)
    assert aligned["buckets"] == []
    unaligned = ok(client, start="2026-01-05T00:00:07Z", end="2026-01-05T00:00:07Z", metrics=metric)
    assert len(unaligned["buckets"]) == 1 and unaligned["buckets"][0]["count"] == 0


def test_timezone_renders_offsets_but_keeps_epoch_boundaries(client: TestClient) -> None:
    """A 7-day request in America/New_York: 12 h buckets at 00:00/12:00 UTC, shown in local offset."""
    body = ok(client, start="2026-01-05T00:00:00Z", end="2026-01-12T00:00:00Z", timezone="America/New_York",
              metrics=[{"json_path": "output.score", "aggregations": ["avg"]}])
    assert body["granularity"] == 43200 and len(body["buckets"]) == 14
    assert body["buckets"][0]["timestamp"] == "2026-01-04T19:00:00-05:00"
    assert body["buckets"][1]["timestamp"] == "2026-01-05T07:00:00-05:00"
    assert (body["start"], body["end"], body["timezone"]) == ("2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z",
                                                              "America/New_York")
    summer = ok(client, start="2026-07-06T00:00:00Z", end="2026-07-07T00:00:00Z", timezone="America/New_York",
                metrics=[{"json_path": "output.score", "aggregations": ["avg"]}])
    assert summer["buckets"][0]["timestamp"] == "2026-07-05T20:00:00-04:00"


def test_empty_buckets(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T00:00:00Z", end="2026-01-05T02:00:00Z", feedback_type="no.such.type",
              metrics=[{"json_path": "output.score", "aggregations": ["sum", "avg", "min", "max", "count"],
                        "percentiles": [50]}])
    for bucket in body["buckets"]:
        assert bucket == {"timestamp": bucket["timestamp"], "sum_output_score": 0.0, "avg_output_score": 0.0,
                          "min_output_score": None, "max_output_score": None, "count_output_score": 0,
                          "p50_output_score": None, "count": 0}
    assert body["window_stats"] == {"output_score": {"sum": None, "avg": None, "min": None, "max": None,
                                                     "count": 0.0, "p50": None}}


def test_missing_paths_only_move_count(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T12:00:00Z", end="2026-01-05T14:00:00Z",
              metrics=[{"json_path": "output.nothing_here", "aggregations": ["avg", "count", "max"]}])
    assert sum(b["count"] for b in body["buckets"]) > 0
    assert all(b["avg_output_nothing_here"] == 0 and b["count_output_nothing_here"] == 0
               and b["max_output_nothing_here"] is None for b in body["buckets"])


def test_numeric_extraction_ignores_booleans_and_strings(client: TestClient) -> None:
    body = ok(client, start="2026-01-05T12:00:00Z", end="2026-01-05T14:00:00Z",
              metrics=[{"json_path": "output.passed", "aggregations": ["count"]},
                       {"json_path": "output.label", "aggregations": ["count"]}])
    assert body["window_stats"] == {"output_passed": {"count": 0.0}, "output_label": {"count": 0.0}}


def test_trigger_ref_prefix_matches_every_version(client: TestClient) -> None:
    window = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}
    metric = [{"json_path": "output.score", "aggregations": ["count"]}]
    base = "weave:///acme/evals/op/HallucinationScorer"
    every = ok(client, **window, trigger_ref=base + ":*", metrics=metric)["window_stats"]["output_score"]["count"]
    parts = [ok(client, **window, trigger_ref=f"{base}:{v}", metrics=metric)["window_stats"]["output_score"]["count"]
             for v in ("v1", "v2", "v3")]
    assert every == sum(parts) and all(p > 0 for p in parts)
    assert ok(client, **window, trigger_ref=base, metrics=metric)["window_stats"]["output_score"]["count"] == 0.0


def test_feedback_types_partition_the_rows(client: TestClient) -> None:
    window = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-05T12:00:00Z"}
    metric = [{"json_path": "output.score", "aggregations": ["count"]}]
    total = [b["count"] for b in ok(client, **window, metrics=metric)["buckets"]]
    types = ["wandb.runnable.HallucinationScorer", "wandb.runnable.ToxicityScorer", "wandb.annotation.quality",
             "wandb.reaction.1"]
    per_type = [[b["count"] for b in ok(client, **window, feedback_type=t, metrics=metric)["buckets"]] for t in types]
    assert total == [sum(column) for column in zip(*per_type)]


def test_projects_differ_but_are_never_empty(client: TestClient) -> None:
    window = {"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}
    metric = [{"json_path": "output.score", "aggregations": ["count"]}]
    counts = {p: ok(client, project_id=p, **window, metrics=metric)["window_stats"]["output_score"]["count"]
              for p in ("acme/evals", "globex/prod", "initech/staging")}
    assert all(c > 0 for c in counts.values()) and len(set(counts.values())) == 3


def _item(response: Any) -> dict[str, Any]:
    return response.json()["detail"][0]


def test_end_before_start_is_422(client: TestClient) -> None:
    request = {"project_id": "p", "start": "2026-01-05T00:00:00Z", "end": "2026-01-04T00:00:00Z"}
    response = client.post(STATS, json=request, auth=AUTH)
    assert response.status_code == 422
    assert response.json() == {"detail": [{"type": "value_error", "loc": ["body"],
                                           "msg": "Value error, Feedback request end must be after start",
                                           "input": request, "ctx": {"error": {}}}]}


def test_range_over_31_days_is_422_and_31_days_is_fine(client: TestClient) -> None:
    too_long = stats(client, start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:01Z")
    assert too_long.status_code == 422
    assert _item(too_long)["msg"] == "Value error, Feedback request date range cannot exceed 31 days"
    assert stats(client, start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z").status_code == 200


@pytest.mark.parametrize(("metric", "reason"), [
    ({"json_path": "$.output.score"}, "json_path may only contain [a-zA-Z0-9_.], got: '$.output.score'"),
    ({"json_path": "  "}, "json_path cannot be empty"),
    ({"json_path": "output.score", "percentiles": [101]}, "Percentile must be between 0 and 100, got 101.0"),
    ({"json_path": "output.score", "percentiles": [-0.5]}, "Percentile must be between 0 and 100, got -0.5"),
])
def test_query_build_errors_are_400_reasons(client: TestClient, metric: dict[str, Any], reason: str) -> None:
    response = stats(client, start="2026-01-05T00:00:00Z", end="2026-01-06T00:00:00Z", metrics=[metric])
    assert response.status_code == 400
    assert response.json() == {"reason": reason}


def test_unknown_timezone_and_negative_granularity_are_clear_400s(client: TestClient) -> None:
    metric = [{"json_path": "output.score"}]
    response = stats(client, start="2026-01-05T00:00:00Z", end="2026-01-06T00:00:00Z", timezone="Mars/Olympus",
                     metrics=metric)
    assert response.status_code == 400 and "Unknown timezone 'Mars/Olympus'" in response.json()["reason"]
    for name in ("../../etc/passwd", "", "America"):
        assert stats(client, start="2026-01-05T00:00:00Z", timezone=name, metrics=metric).status_code == 400
    response = stats(client, start="2026-01-05T00:00:00Z", granularity=-60, metrics=metric)
    assert response.status_code == 400 and "granularity" in response.json()["reason"]


def test_schema_errors_are_422(client: TestClient) -> None:
    response = stats(client, start="2026-01-05T00:00:00Z", metrics=[{"json_path": "x", "aggregations": ["average"]}])
    assert response.status_code == 422
    assert _item(response)["loc"] == ["body", "metrics", 0, "aggregations", 0]
    assert _item(response)["type"] == "enum"


def test_same_request_same_bytes(client: TestClient) -> None:
    request = {"project_id": "acme/evals", "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z",
               "metrics": [{"json_path": "output.score", "percentiles": [50, 90]}]}
    first = client.post(STATS, json=request, auth=AUTH).content
    from mockserver.settings import Limits
    from tests.conftest import make_client

    with make_client(limits=Limits(cache_entries=0)) as fresh:
        assert fresh.post(STATS, json=request, auth=AUTH).content == first


# Invariants (issue #4), over windows, granularities, filters and metrics.
PATHS = {"numeric": ["output.score", "value.rating", "output.reason_tokens", "missing.path"],
         "boolean": ["output.passed", "output.flagged", "value.escalate"],
         "categorical": ["output.label", "emoji"]}
ALL_AGGS = ["sum", "avg", "min", "max", "count", "count_true", "count_false"]


@st.composite
def metrics(draw: st.DrawFn) -> dict[str, Any]:
    value_type = draw(st.sampled_from(list(PATHS)))
    return {"json_path": draw(st.sampled_from(PATHS[value_type])), "value_type": value_type,
            "aggregations": ALL_AGGS,
            "percentiles": draw(st.lists(st.sampled_from([0, 5, 25, 50, 90, 99.9, 100]), max_size=3, unique=True))}


@st.composite
def stats_requests(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 1))).replace(
        microsecond=0, tzinfo=UTC)
    span = draw(st.integers(min_value=0, max_value=3 * 86400))
    return {
        "project_id": draw(st.sampled_from(["acme/evals", "globex/prod", "x"])),
        "start": start.isoformat(), "end": (start + dt.timedelta(seconds=span)).isoformat(),
        "granularity": draw(st.one_of(st.none(), st.sampled_from([0, 60, 300, 900, 3600, 7200, 86400]))),
        "feedback_type": draw(st.sampled_from([None, "wandb.runnable.HallucinationScorer", "wandb.annotation.quality"])),
        "metrics": draw(st.lists(metrics(), min_size=1, max_size=3, unique_by=lambda m: m["json_path"])),
    }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


@given(stats_requests())
def test_buckets_and_window_stats_agree(client: TestClient, request_: dict[str, Any]) -> None:
    body = ok(client, **request_)
    buckets = body["buckets"]
    rows = sum(b["count"] for b in buckets)
    for metric in request_["metrics"]:
        slug = metric["json_path"].replace(".", "_")
        window = body["window_stats"][slug]
        counts = [b[f"count_{slug}"] for b in buckets]
        assert window["count"] == float(sum(counts)) <= rows
        if metric["value_type"] == "categorical":
            assert counts == [b["count"] for b in buckets], "categorical values are never null"
        trues, falses = sum(b[f"count_true_{slug}"] for b in buckets), sum(b[f"count_false_{slug}"] for b in buckets)
        assert window["count_true"] == trues and window["count_false"] == falses and trues + falses <= rows
        total = sum(b[f"sum_{slug}"] for b in buckets)
        if window["count"] and metric["value_type"] != "categorical":
            assert _close(window["sum"], total)
            assert _close(window["avg"], window["sum"] / window["count"])
            assert window["min"] == min(b[f"min_{slug}"] for b in buckets if b[f"min_{slug}"] is not None)
            assert window["max"] == max(b[f"max_{slug}"] for b in buckets if b[f"max_{slug}"] is not None)
        for bucket in buckets:
            keys = [f"p{p if not float(p).is_integer() else int(p)}_{slug}" for p in sorted(metric["percentiles"])]
            values = [bucket[k] for k in keys if k in bucket]
            if values and values[0] is not None:
                assert values == sorted(values)
                assert bucket[f"min_{slug}"] <= values[0] and values[-1] <= bucket[f"max_{slug}"]
            assert bucket[f"count_true_{slug}"] + bucket[f"count_false_{slug}"] <= bucket["count"]


@given(stats_requests(), st.data())
def test_a_bucket_does_not_depend_on_the_window(client: TestClient, request_: dict[str, Any], data: st.DataObject) -> None:
    wide = ok(client, **request_)
    granularity = wide["granularity"]
    start = dt.datetime.fromisoformat(request_["start"])
    shift = data.draw(st.integers(0, 6)) * granularity
    narrow_request = {**request_, "start": (start - dt.timedelta(seconds=shift)).isoformat(), "granularity": granularity}
    narrow = ok(client, **narrow_request)
    if narrow["granularity"] != granularity:
        return  # the bucket cap changed the granularity: different buckets by design
    end = dt.datetime.fromisoformat(request_["end"]).timestamp()
    wide_by_time = {b["timestamp"]: b for b in wide["buckets"]}
    for bucket in narrow["buckets"]:
        begins = dt.datetime.fromisoformat(bucket["timestamp"]).timestamp()
        if begins >= start.timestamp() and begins + granularity <= end:  # whole bucket inside both windows
            assert wide_by_time[bucket["timestamp"]] == bucket


def test_payload_schema(client: TestClient) -> None:
    window = {"project_id": "acme/evals", "start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z"}
    response = client.post(SCHEMA, json=window, auth=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert schema_errors("weave", response_schema("weave", "POST", SCHEMA, 200), body) == []
    paths = [p["json_path"] for p in body["paths"]]
    assert paths == sorted(paths)
    kinds = {p["json_path"]: p["value_type"] for p in body["paths"]}
    assert kinds["output.score"] == "numeric" and kinds["output.passed"] == "boolean"
    assert kinds["output.label"] == "categorical" and kinds["emoji"] == "categorical"
    only_reactions = client.post(SCHEMA, json={**window, "feedback_type": "wandb.reaction.1"}, auth=AUTH).json()
    assert only_reactions == {"paths": [{"json_path": "emoji", "value_type": "categorical"}]}
    one_ref = client.post(SCHEMA, json={**window, "sample_limit": 1}, auth=AUTH).json()
    assert 0 < len(one_ref["paths"]) < len(body["paths"])
    nothing = client.post(SCHEMA, json={**window, "feedback_type": "nope"}, auth=AUTH).json()
    assert nothing == {"paths": []}


@pytest.mark.parametrize("limit", [0, 5001])
def test_payload_schema_sample_limit_bounds(client: TestClient, limit: int) -> None:
    response = client.post(SCHEMA, json={"project_id": "p", "start": "2026-01-05T00:00:00Z", "sample_limit": limit},
                           auth=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "sample_limit"]


@given(st.sets(st.sampled_from(["output.score", "output.passed", "output.label", "output.flagged", "value.rating",
                                "no.such.path"]), max_size=3), st.integers(0, 2**31))
def test_rows_drawn_for_some_paths_equal_those_of_every_path(paths: set[str], seed: int) -> None:
    """A request draws only the payload leaves its metrics read (and what they derive from), and the rows'
    versions only when it filters by them; each drawn column is the very column a full draw gives."""
    import numpy as np

    from mockserver.feedback.catalog import load_feedback_catalog
    from mockserver.feedback.rows import generate_rows
    from mockserver.paths import FIXTURES_DIR

    catalog = load_feedback_catalog(FIXTURES_DIR / "feedback.yaml")
    every_type = np.ones(len(catalog.types), dtype=bool)
    shape = (np.ones(7), np.ones(24) / 24)
    start = 29_000_000 + seed % 100_000
    full = generate_rows(catalog, seed, "acme/evals", start, start + 600, *shape, every_type)
    some = generate_rows(catalog, seed, "acme/evals", start, start + 600, *shape, every_type, frozenset(paths),
                         versions=False)  # as statistics without trigger_ref draw them: no versions either
    assert some.created_at.tolist() == full.created_at.tolist() and some.version_index is None
    assert set(paths) & set(full.columns) <= set(some.columns)
    for path, column in some.columns.items():
        whole = full.columns[path]
        for mine, theirs in ((column.numbers, whole.numbers), (column.codes, whole.codes)):
            assert (mine is None) == (theirs is None)
            if mine is not None:
                assert np.array_equal(mine, theirs, equal_nan=True)


@given(st.data())
def test_values_sorted_by_group_are_those_of_a_two_key_sort(data: st.DataObject) -> None:
    """Percentiles read the sorted values of each group; the fast sorts must give exactly lexsort's."""
    import numpy as np

    from mockserver.feedback.stats import _sorted_by_group

    n_groups = data.draw(st.sampled_from([1, 2, 7, 300, 40_000]))
    size = data.draw(st.integers(0, 300))
    values = np.array(data.draw(st.lists(st.sampled_from([0.0, -1.5, 0.25, 0.3, 1e300, -0.0, 7.0]) | st.floats(
        -1e6, 1e6), min_size=size, max_size=size)), dtype=np.float64)
    groups = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=size, max_size=size)), dtype=np.int64)
    sorted_values, sorted_groups = _sorted_by_group(values, groups, n_groups)
    order = np.lexsort((values, groups))
    assert np.array_equal(sorted_groups, groups[order])
    assert np.array_equal(sorted_values.view(np.int64), values[order].view(np.int64)), "bit for bit (0.0 vs -0.0)"


@given(st.data())
def test_min_max_read_off_the_shared_sort_equal_an_elementwise_reduction(data: st.DataObject) -> None:
    """With percentiles asked for, a metric's values are sorted per bucket once, and min and max are read off
    that sort; they must be the very floats (0.0 vs -0.0 included) that ``np.minimum.at`` / ``np.maximum.at``
    give, for the buckets and for the window."""
    import numpy as np

    from mockserver.feedback.stats import Extracted, MetricPlan, _metric_rows, _reduce

    n_groups = data.draw(st.sampled_from([1, 3, 50]))
    size = data.draw(st.integers(0, 200))
    values = np.array(data.draw(st.lists(st.sampled_from([0.0, -0.0, 0.5, 1.0, float("nan")]) | st.floats(-1e3, 1e3),
                                         min_size=size, max_size=size)), dtype=np.float64)
    groups = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=size, max_size=size)), dtype=np.int64)
    extracted = Extracted(values, ~np.isnan(values))
    plain = MetricPlan("x", "x", "numeric", ("min", "max", "count"), ())
    sorted_too = MetricPlan("x", "x", "numeric", ("min", "max", "count"), (("p50", 0.5),))
    for window in (False, True):
        expected = _reduce(_metric_rows(extracted, groups, plain), plain, n_groups, window=window)
        got = _reduce(_metric_rows(extracted, groups, sorted_too), sorted_too, n_groups, window=window)
        for key in ("min", "max", "count"):
            assert got[key].tobytes() == expected[key].tobytes(), (key, window)


FEEDBACK_MEMO: Any = None


@given(first=st.integers(28_000_000, 28_100_000), minutes=st.integers(0, 6 * 1440), project=st.sampled_from(
    ["acme/evals", "beta/prod"]), types=st.lists(st.booleans(), min_size=4, max_size=4))
def test_rows_from_kept_days_equal_rows_drawn_for_the_window(first: int, minutes: int, project: str,
                                                             types: list[bool]) -> None:
    """Each day's row minutes are kept across requests; any window cut from them is the window drawn alone."""
    import numpy as np

    from mockserver.feedback.catalog import load_feedback_catalog
    from mockserver.feedback.rows import generate_rows
    from mockserver.paths import FIXTURES_DIR
    from mockserver.world.world import Memo

    global FEEDBACK_MEMO
    FEEDBACK_MEMO = FEEDBACK_MEMO or Memo()  # shared by every example: days kept by earlier ones are reused
    catalog = load_feedback_catalog(FIXTURES_DIR / "feedback.yaml")
    weekday, hours = np.linspace(0.6, 1.2, 7), np.linspace(0.2, 1.8, 24)
    mask = np.array(types[:len(catalog.types)])
    alone = generate_rows(catalog, 1, project, first, first + minutes, weekday, hours, mask)
    kept = generate_rows(catalog, 1, project, first, first + minutes, weekday, hours, mask, memo=FEEDBACK_MEMO)
    assert np.array_equal(alone.created_at, kept.created_at) and np.array_equal(alone.version_index, kept.version_index)
    assert alone.columns.keys() == kept.columns.keys()
    for path, column in alone.columns.items():
        other = kept.columns[path]
        assert np.array_equal(column.numbers, other.numbers, equal_nan=True) if column.numbers is not None \
            else np.array_equal(column.codes, other.codes)


@given(start_minute=st.integers(28_000_000, 28_400_000), minutes=st.integers(1, 3 * 1440),
       granularity=st.sampled_from([None, 60, 120, 300, 3600, 86400, 90, 45]), offset=st.sampled_from([0, 0, 17]))
def test_rows_seconds_are_skipped_only_where_they_cannot_change_the_answer(
        start_minute: int, minutes: int, granularity: int | None, offset: int) -> None:
    """A window and buckets on whole minutes need no row's second (each minute's rows share a bucket); the
    statistics must be the very bytes of the ones drawn with every second."""
    from unittest import mock

    import numpy as np
    import orjson

    from mockserver.feedback import endpoints
    from mockserver.feedback.catalog import load_feedback_catalog
    from mockserver.paths import FIXTURES_DIR

    world = endpoints.FeedbackWorld(load_feedback_catalog(FIXTURES_DIR / "feedback.yaml"), 3, np.ones(7),
                                    np.ones(24))
    start = dt.datetime.fromtimestamp(start_minute * 60 + offset, UTC)
    body: dict[str, Any] = {"project_id": "acme/evals", "start": start.isoformat(),
                            "end": (start + dt.timedelta(minutes=minutes)).isoformat(),
                            "metrics": [{"json_path": "output.score", "aggregations": ["avg", "min", "count"],
                                         "percentiles": [50]}]}
    if granularity is not None:
        body["granularity"] = granularity
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)
    skipped = orjson.dumps(endpoints.feedback_stats(world, body, now))
    with mock.patch.object(endpoints, "_seconds_matter", lambda *args: True):
        assert orjson.dumps(endpoints.feedback_stats(world, body, now)) == skipped
