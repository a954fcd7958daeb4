"""Benchmark the suggestion recommenders through the real code paths.

Run from the repository root: ``python bench/suggest_bench.py [--spans N] [--stances N]
[--database-url URL] [--skip-regex]``. Targets (docs/suggestions.md):
(a) span memory: a 20,000-character statement against a memory of 50,000 spans, p50 of
    ``SpanMatcher.find`` < 20 ms; one compiled regex of every span (the mentions.py way)
    is measured beside it;
(b) sentence classifier: ``train_recommender`` on 100,000 stances (read from the database,
    consensus, held-out evaluation, refit on all, JSON artefact stored) < 60 s on 2 cores,
    with its held-out precision and recall against the majority baseline;
(c) ``--saves-during-training``: the web workers' save latency while that training runs.
    ``annotator serve`` (2 workers x 2 threads, embedded consumer off) and ``annotator
    worker`` (one thread, the SQLite queue file) run over one database holding the
    workspace benchmark's statement and the 100,000-stance project; 16 client processes
    save stances for ``--seconds``, first with nothing else running (baseline), then from
    the moment a training job is queued (only saves that started while the job was
    running count), then again once it is over; the baseline p99 is that of both rounds
    without the job. Target: no more than 20 % above the baseline. With ``--compare WHAT``
    the job runs twice in the same run, by two workers set up as ``COMPARISONS`` says
    (``packing``: storing the model as plain JSON, as before suggestions/packing.py, then
    packed; ``threads``: fitting on all BLAS threads, as the app does, then on one), with a
    save round without a job between them;
(d) ``--model-write``: how long the transaction that stores a trained classifier holds
    SQLite's writer (the real ``train_recommender`` store: insert, retire older versions'
    suggestions, prune, audit; the fit replaced by its result, trained once), plain JSON
    against packed, alternating, with the artefact's size and the packing time.
Data are generated from a fixed seed and bulk-inserted with Core (the set-up is not timed).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from annotator import create_app  # noqa: E402
from annotator.accounts.users import create_user  # noqa: E402
from annotator.db.migrate import upgrade_schema  # noqa: E402
from annotator.extensions import db  # noqa: E402
from annotator.models import Assignment, Stance, Statement  # noqa: E402
from annotator.projects.projects import create_project, set_member  # noqa: E402
from annotator.suggestions.packing import unpack  # noqa: E402
from annotator.suggestions.recommenders import RecommenderInput, create_recommender  # noqa: E402
from annotator.suggestions.training import train_recommender  # noqa: E402
from annotator.text.span_memory import LabelledSpan, SpanMatcher, build_memory  # noqa: E402

LABELS = ("claim", "condemnation", "support")
CUES = {
    "claim": ("claims that", "asserts that", "says that", "alleges that"),
    "condemnation": ("condemns", "denounces", "strongly rejects", "deplores"),
    "support": ("supports", "stands with", "expresses solidarity with", "backs"),
}


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Made-up words; drawn with Zipf-like weights so frequent words repeat as in prose."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)]


def draw(rng: random.Random, words: list[str], n: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=n)


def bench_memory(n_spans: int, skip_regex: bool) -> None:
    rng = random.Random(1)
    words = vocabulary(rng)
    spans = [
        LabelledSpan(" ".join(draw(rng, words, rng.randint(1, 4))), rng.choice(LABELS), None, i)
        for i in range(n_spans)
    ]
    began = time.perf_counter()
    memory = build_memory(spans)
    built = time.perf_counter() - began
    began = time.perf_counter()
    matcher = SpanMatcher(memory)
    automaton = time.perf_counter() - began
    text = " ".join(draw(rng, words, 4000))[:20_000]
    runs = []
    for _ in range(50):
        began = time.perf_counter()
        found = matcher.find(text)
        runs.append(time.perf_counter() - began)
    print(
        f"(a) span memory: {n_spans} spans -> {len(memory)} entries (built in {built:.2f} s, "
        f"automaton {automaton:.2f} s); 20,000 characters, {len(found)} matches: "
        f"p50 {statistics.median(runs) * 1000:.1f} ms, "
        f"p95 {sorted(runs)[int(len(runs) * 0.95)] * 1000:.1f} ms"
    )
    if skip_regex:
        return
    began = time.perf_counter()
    keys = sorted((e.text for e in memory), key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")
    compiled = time.perf_counter() - began
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        matches = sum(1 for _ in pattern.finditer(text))
        runs.append(time.perf_counter() - began)
    print(
        f"    one regex of every span: compiled in {compiled:.2f} s, {matches} matches: "
        f"p50 {statistics.median(runs) * 1000:.1f} ms (5 runs)"
    )


def sentence(rng: random.Random, words: list[str]) -> tuple[str, str]:
    """A sentence and its label ("" for none): the label follows the cue it carries."""
    body = " ".join(draw(rng, words, rng.randint(8, 20)))
    if rng.random() < 0.5:
        return f"The {body}.", ""
    label = rng.choice(LABELS)
    return f"The {rng.choice(words)} {rng.choice(CUES[label])} {body}.", label


def seed_classifier(n_stances: int) -> tuple:
    """A project whose one annotator finished every statement: 4 stances in 8 sentences each."""
    rng = random.Random(2)
    words = vocabulary(rng, 5_000)
    project = create_project(db.session, "bench", "Bench")
    user = create_user(db.session, "ann", "bench password", method="pbkdf2:sha256:1000")
    set_member(db.session, project, user, "annotator")
    db.session.flush()
    labels = {label.key: label.id for label in project.labels}
    conn = db.session.connection()
    made, number = 0, 0
    while made < n_stances:
        rows, texts = [], []
        for _ in range(1000):
            number += 1
            sentences = [sentence(rng, words) for _ in range(8)]
            texts.append(sentences)
            rows.append(
                {
                    "project_id": project.id,
                    "external_id": f"s{number}",
                    "meta": {},
                    "text": " ".join(s for s, _ in sentences),
                    "text_sha256": str(number),
                }
            )
        ids = conn.execute(insert(Statement).returning(Statement.id), rows).scalars().all()
        conn.execute(
            insert(Assignment),
            [
                {"statement_id": i, "annotator_id": user.id, "state": "done", "active": True}
                for i in ids
            ],
        )
        stances = []
        for statement_id, sentences in zip(ids, texts, strict=True):
            offset = 0
            for text, label in sentences:
                if label and made < n_stances:
                    stances.append(
                        {
                            "statement_id": statement_id,
                            "annotator_id": user.id,
                            "start": offset,
                            "end": offset + len(text),
                            "text": text,
                            "label_id": labels[label],
                            "note": "",
                            "version": 1,
                        }
                    )
                    made += 1
                offset += len(text) + 1
        conn.execute(insert(Stance), stances)
    db.session.commit()
    return project, number


def bench_classifier(n_stances: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"DATABASE_URL": url or f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            upgrade_schema(db.engine)
            project, statements = seed_classifier(n_stances)
            recommender = create_recommender(
                db.session, project, None, RecommenderInput(name="clf", kind="classifier")
            )
            began = time.perf_counter()
            model = train_recommender(db.session, project, recommender)
            db.session.commit()
            seconds = time.perf_counter() - began
            m, base = model.metrics, model.metrics["baseline"]
            print(
                f"(b) classifier: {n_stances} stances in {statements} statements, "
                f"{model.training_size} sentences: trained in {seconds:.1f} s "
                f"(read, evaluate on held-out statements, refit, store)"
            )
            print(
                f"    held-out ({m['held_out_sentences']} sentences): precision "
                f"{m['precision']:.3f}, recall {m['recall']:.3f}, accuracy {m['accuracy']:.3f}; "
                f"majority baseline ('{base['class'] or 'NONE'}'): precision "
                f"{base['precision']}, recall {base['recall']:.3f}, "
                f"accuracy {base['accuracy']:.3f}"
            )
            size = len(str(model.artefact)) / 1e6
            terms = len(unpack(model.artefact)["vocabulary"])
            print(f"    artefact: {terms} terms, ~{size:.1f} MB stored (packed JSON)")


def _timed_saves(args) -> list[tuple[float, float]]:
    """One client saving for ``seconds``: (wall-clock start, latency in ms) of each save."""
    import workspace_bench as wb

    port, n, statement_id, text, seconds = args
    client = wb.Client(port, f"bench{n}")
    path = f"/p/demo/s/{statement_id}"
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf(client.request("GET", path))}
    spans, rng, out = wb.words(text), random.Random(n), []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        began, t = time.time(), time.perf_counter()
        client.request("POST", path + "/stances", wb.save_body(text, spans, rng), headers)
        out.append((began, (time.perf_counter() - t) * 1000))
    return out


def _save_round(port: int, statement_id: int, text: str, seconds: float) -> list:
    import multiprocessing as mp

    import workspace_bench as wb

    jobs = [(port, n + 1, statement_id, text, seconds) for n in range(wb.CLIENTS)]
    with mp.Pool(wb.CLIENTS) as pool:
        return [x for worker in pool.map(_timed_saves, jobs) for x in worker]


def _p(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100)[q - 1]


_PLAIN = "import annotator.suggestions.training as t; t.pack = lambda a: a; "  # as before
_ONE_THREAD = "from threadpoolctl import threadpool_limits; threadpool_limits(1); "
COMPARISONS = {  # --compare WHAT: the two workers, each (name, code run before the worker)
    "packing": (("model stored plain", _PLAIN), ("model stored packed", "")),
    "threads": (("fit on all BLAS threads", ""), ("fit on one BLAS thread", _ONE_THREAD)),
}


def _worker(env: dict, url: str, nice: str, prefix: str = ""):
    """``annotator worker``, after ``prefix`` (code that sets the way under comparison)."""
    import subprocess

    code = prefix + "from annotator.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--nice", nice],
        env=dict(env, ANNOTATOR_DATABASE_URL=url, ANNOTATOR_SECRET_KEY="bench"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bench_saves_during_training(
    n_stances: int, seconds: float, nice: str = "10", compare: str | None = None
) -> None:
    """(c): the save p99 of the web workers with and without a training job beside them."""
    import os

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import workspace_bench as wb

    tmp = tempfile.mkdtemp()
    url, queue_file = f"sqlite:///{tmp}/bench.sqlite", f"{tmp}/jobs.sqlite3"
    statement_id = wb.build(url)
    text = wb.statement_text(url, statement_id)
    config = {"DATABASE_URL": url, "SECRET_KEY": "bench", "QUEUE_FILE": queue_file}
    app = create_app(config)
    with app.app_context():
        project, _ = seed_classifier(n_stances)
        recommender = create_recommender(
            db.session, project, None, RecommenderInput(name="clf", kind="classifier")
        )
        db.session.commit()
        project_id, recommender_id = project.id, recommender.id
    env = dict(os.environ, ANNOTATOR_QUEUE_FILE=queue_file, ANNOTATOR_EMBEDDED_WORKER="0")
    os.environ.update(env)
    if compare:
        _compare(app, env, url, nice, (project_id, recommender_id), (statement_id, text),
                 seconds, tmp, COMPARISONS[compare])  # fmt: skip
        return
    worker = _worker(env, url, nice)
    port = wb.free_port()
    server = _serve(url, port, f"{tmp}/serve.log")
    try:
        baseline = [ms for _, ms in _save_round(port, statement_id, text, seconds)]
        job_id = _queue_training(app, project_id, recommender_id)
        phases = _watch_job(app, job_id)
        during = _save_round(port, statement_id, text, seconds)
        started, finished, state = _wait_job(app, job_id)
        # a second baseline after the job: other work on the machine changes over minutes
        after = [ms for _, ms in _save_round(port, statement_id, text, seconds)]
    finally:
        for proc in (server, worker):
            proc.terminate()
            proc.wait(30)
    inside = [ms for at, ms in during if started <= at <= (finished or float("inf"))]
    print(
        f"(c) saves by 16 clients, 2 workers x 2 threads, SQLite: baseline before the job "
        f"{len(baseline)} saves in {seconds:.0f} s, p50 {_p(baseline, 50):.1f} ms, "
        f"p99 {_p(baseline, 99):.1f} ms; after it {len(after)} saves, p50 {_p(after, 50):.1f} ms, "
        f"p99 {_p(after, 99):.1f} ms"
    )
    base99 = _p(baseline + after, 99)
    print(f"    baseline (both rounds): p99 {base99:.1f} ms")
    took = (finished - started) if finished else float("nan")
    if len(inside) > 1:
        p99 = _p(inside, 99)
        print(
            f"    during training (worker nice {nice}, job {state}, {took:.1f} s in the worker): "
            f"{len(inside)} saves, p50 {_p(inside, 50):.1f} ms, p99 {p99:.1f} ms "
            f"({100 * (p99 / base99 - 1):+.0f} % against the baseline)"
        )
    else:
        print(f"    during training: too few saves overlapped the job ({state}, {took:.1f} s)")
    _phase_report(during, started, phases, base99)


def bench_model_write(n_stances: int, repeats: int) -> None:
    """(d): the writer's hold while a trained model is stored, plain JSON against packed."""
    import json

    from annotator.db import engine as engine_module
    from annotator.suggestions import classifier, packing, training

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "b"})
        with app.app_context():
            upgrade_schema(db.engine)
            project, _ = seed_classifier(n_stances)
            recs = {
                way: create_recommender(
                    db.session, project, None, RecommenderInput(name=way, kind="classifier")
                )
                for way in ("plain", "packed")
            }  # one each: a store prunes the oldest version of its own kind
            db.session.commit()
            result = classifier.train_classifier(db.session, project)
            db.session.commit()
            art = result["artefact"]
            began = time.perf_counter()
            packed = packing.pack(art)
            pack_ms = (time.perf_counter() - began) * 1000
            plain_mb, packed_mb = len(json.dumps(art)) / 1e6, len(json.dumps(packed)) / 1e6
            print(
                f"(d) classifier of {n_stances} stances: artefact {plain_mb:.2f} MB as plain "
                f"JSON, {packed_mb:.2f} MB packed (packing {pack_ms:.0f} ms, before the write)"
            )
            lock = engine_module._WRITER_LOCKS[str(db.engine.url)]
            held = _time_holds(lock)
            classifier.train_classifier = lambda *_a, **_k: dict(result, artefact=art)
            times: dict[str, list] = {"plain": [], "packed": []}
            for n in range(2 * repeats):
                way = ("plain", "packed")[n % 2]
                training.pack = packing.pack if way == "packed" else (lambda a: a)
                held.clear()
                began = time.perf_counter()
                training.train_recommender(db.session, project, recs[way])
                flushed = time.perf_counter()
                db.session.commit()
                done = time.perf_counter()
                times[way].append((sum(held), (done - flushed) * 1000, (done - began) * 1000))
            for way, rows in times.items():
                hold, commit, wall = (statistics.median(r[i] for r in rows) for i in range(3))
                print(
                    f"    {way}: writer held {hold:.0f} ms (median of {len(rows)}: "
                    f"{', '.join(f'{r[0]:.0f}' for r in rows)}), commit with its fsync "
                    f"{commit:.0f} ms, whole store {wall:.0f} ms"
                )


def _time_holds(lock) -> list[float]:
    """Record how long each hold of the writer lock lasts (ms), by wrapping the lock."""
    holds, since = [], {}
    acquire, release = lock.acquire, lock.release

    def timed_acquire(timeout: float) -> bool:
        got = acquire(timeout)
        since["t"] = time.perf_counter()
        return got

    def timed_release() -> None:
        holds.append((time.perf_counter() - since.pop("t", time.perf_counter())) * 1000)
        release()

    lock.acquire, lock.release = timed_acquire, timed_release
    return holds


def _compare(app, env, url, nice, ids, page, seconds, tmp, ways) -> None:
    """(c) with ``--compare``: one server and data, a training job by a worker set up the first
    way, then one set up the second (``COMPARISONS``); save rounds without a job around both."""
    import workspace_bench as wb

    port = wb.free_port()
    server = _serve(url, port, f"{tmp}/serve.log")
    quiet, runs = [], []
    try:
        for way, prefix in ways:
            worker = _worker(env, url, nice, prefix)
            try:  # the round without a job also lets the worker start up
                quiet.append([ms for _, ms in _save_round(port, *page, seconds)])
                job_id = _queue_training(app, *ids)
                during, deadline = [], time.monotonic() + 600  # as _wait_job: a dead worker
                while _job_state(app, job_id) not in ("done", "failed"):
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{way}: the training job did not end within 600 s")
                    during += _save_round(port, *page, seconds / 3)  # until the job is over
                started, finished, state = _wait_job(app, job_id)
            finally:
                worker.terminate()
                worker.wait(30)
            runs.append((way, during, started, finished, state))
        quiet.append([ms for _, ms in _save_round(port, *page, seconds)])
    finally:
        server.terminate()
        server.wait(30)
    base = [ms for round_ in quiet for ms in round_]
    base99 = _p(base, 99)
    rounds = ", ".join(f"{_p(r, 99):.1f}" for r in quiet)
    print(f"(c) saves by 16 clients, 2 workers x 2 threads, SQLite, worker nice {nice}: "
          f"rounds without a job p99 {rounds} ms; pooled p99 {base99:.1f} ms, "
          f"p50 {_p(base, 50):.1f} ms")  # fmt: skip
    for way, during, started, finished, state in runs:
        inside = [ms for at, ms in during if started <= at <= (finished or float("inf"))]
        took = (finished - started) if finished else float("nan")
        if len(inside) < 2:
            print(f"    {way}: too few saves overlapped the job ({state}, {took:.1f} s)")
            continue
        p99 = _p(inside, 99)
        slow = sorted(during, key=lambda x: -x[1])[:8]
        marks = ", ".join(
            f"{ms:.0f} ms at {at - (finished or started):+.1f} s" for at, ms in sorted(slow)
        )
        print(
            f"    {way}: job {state} in {took:.1f} s, {len(inside)} saves during it, "
            f"p50 {_p(inside, 50):.1f} ms, p99 {p99:.1f} ms ({100 * (p99 / base99 - 1):+.0f} % "
            f"against the pooled rounds); slowest (from the job's end): {marks}"
        )


def _job_state(app, job_id: int) -> str:
    from annotator.models import SuggestionJob

    with app.app_context():
        return db.session.get(SuggestionJob, job_id).state


def _watch_job(app, job_id: int) -> dict:
    """Poll the job row in a thread: the wall-clock time its training part ended."""
    import threading

    from annotator.models import SuggestionJob

    seen: dict = {}

    def watch() -> None:
        while "trained" not in seen:
            with app.app_context():
                job = db.session.get(SuggestionJob, job_id)
                if job.done >= 1 or job.state in ("done", "failed"):
                    seen["trained"] = time.time()
            time.sleep(0.25)

    threading.Thread(target=watch, daemon=True).start()
    return seen


def _phase_report(during, started: float, phases: dict, base99: float) -> None:
    """Where the slow saves fall: in the training part of the job or after it."""
    trained = phases.get("trained")
    if trained is None:
        return
    fit = [ms for at, ms in during if started <= at <= trained]
    if len(fit) > 1:
        print(
            f"    while fitting (first {trained - started:.1f} s of the job): {len(fit)} saves, "
            f"p99 {_p(fit, 99):.1f} ms ({100 * (_p(fit, 99) / base99 - 1):+.0f} %)"
        )
    slow = sorted(during, key=lambda x: -x[1])[:8]
    marks = ", ".join(f"{ms:.0f} ms at {at - started:+.1f} s" for at, ms in sorted(slow))
    print(f"    slowest saves (time from the job's start): {marks}")


def _serve(url: str, port: int, log: str):
    """``annotator serve`` (2 workers x 2 threads), its output kept in ``log``; waits up to
    60 s for the port, as the machine may be busy with other work."""
    import os
    import socket
    import subprocess

    env = dict(os.environ, ANNOTATOR_DATABASE_URL=url, ANNOTATOR_SECRET_KEY="bench")
    cmd = [sys.executable, "-c", "from annotator.cli import main; main()", "serve"]
    cmd += ["--port", str(port), "--workers", "2", "--threads", "2"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {Path(log).read_text()[-2000:]}")


def _queue_training(app, project_id: int, recommender_id: int) -> int:
    from annotator.models import Project, Recommender
    from annotator.suggestions import tasks
    from annotator.suggestions.jobs import request_job

    with app.app_context():
        project = db.session.get(Project, project_id)
        recommender = db.session.get(Recommender, recommender_id)
        job = request_job(db.session, project, "train", recommender=recommender)
        db.session.commit()
        tasks.submit(app, job.id)
        return job.id


def _wait_job(app, job_id: int, limit: float = 600) -> tuple[float, float | None, str]:
    """Wall-clock start and end of the job (epoch seconds) once it is over, and its state."""
    from annotator.models import SuggestionJob

    deadline = time.monotonic() + limit
    while True:
        with app.app_context():
            job = db.session.get(SuggestionJob, job_id)
            state = job.state
            started = job.started_at.timestamp() if job.started_at else None
            finished = job.finished_at.timestamp() if job.finished_at else None
        if state in ("done", "failed") or time.monotonic() > deadline:
            return started or 0.0, finished, state
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=50_000)
    parser.add_argument("--stances", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-regex", action="store_true")
    parser.add_argument("--only", choices=("memory", "classifier"))
    parser.add_argument("--saves-during-training", action="store_true")
    parser.add_argument("--seconds", type=float, default=30.0, help="(c): each save round")
    parser.add_argument("--nice", type=int, default=10, help="(c): the job worker's --nice")
    parser.add_argument(
        "--compare", choices=sorted(COMPARISONS), help="(c): two training workers, in one run"
    )
    parser.add_argument("--model-write", action="store_true", help="(d) only")
    parser.add_argument("--repeats", type=int, default=5, help="(d): stores of each kind")
    args = parser.parse_args()
    if args.model_write:
        bench_model_write(args.stances, args.repeats)
        return
    if args.saves_during_training:
        bench_saves_during_training(args.stances, args.seconds, str(args.nice), args.compare)
        return
    if args.only != "classifier":
        bench_memory(args.spans, args.skip_regex)
    if args.only != "memory":
        bench_classifier(args.stances, args.database_url)


if __name__ == "__main__":
    main()
