#!/usr/bin/env python
"""`make bench`: page throughput, search latency and SQL query counts at ~10k products.

Run from the project root:

    .venv/bin/python bench/run.py [--products 10000] [--requests 400] [--concurrency 4]
                                  [--rounds 4] [--workers 2] [--reps 5] [--quick] [--fresh]

Steps (all files in bench/out/, gitignored):

1. prepare a SQLite database and Whoosh index with bench.settings: migrate,
   load_demo --no-index, generate_catalogue, rebuild_index. Skipped when
   bench/out/ already holds a prepared catalogue of the requested size built
   from the same inputs (fixtures, generator, search code, migrations);
   --fresh forces it;
2. in-process: SQL queries per page (django.test.Client), search latency of
   search.queries.search_products against a plain SQL LIKE baseline;
3. gunicorn (2 sync workers, 127.0.0.1, free port): requests per second of a
   bare view (full middleware stack) and of the main pages, measured in
   interleaved rounds so that drift of a shared machine hits every page alike,
   and the latency of the search page over HTTP;
4. a table on stdout, bench/out/results.txt and bench/out/results.json, with
   PASS/MISS against the targets (list pages >= 3 % and product page >= 5 % of
   the bare view's req/s; search p95 <= 50 ms and <= 5x a SQL LIKE baseline).

Exit status: 0 when every request succeeded (targets may still MISS), 1 otherwise.

Only the standard library and the project's virtualenv are used; the only
network traffic is to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DB_FILE = OUT / "bench.sqlite3"
INDEX_DIR = OUT / "whoosh_index"
MARKER = OUT / "prepared.json"
SETTINGS = "bench.settings"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else shutil.which("gunicorn") or "gunicorn"

# Targets (the ratios are to the bare view's requests per second).
TARGET_LIST_RATIO = 0.03
TARGET_PRODUCT_RATIO = 0.05
TARGET_SEARCH_P95_MS = 50.0
TARGET_SEARCH_VS_LIKE = 5.0

SEARCH_QUERIES = [
    # katakana (compounds and single words)
    "ウイルス対策",
    "セキュリティ",
    "バックアップ",
    "ランサムウェア",
    "ファイアウォール",
    "クラウド",
    "ライセンス",
    "サーバー",
    "ルーター",
    "ウイルス",
    # kanji
    "年間",
    "保守",
    "更新",
    "電子契約",
    "端末管理",
    "会議",
    # full-width Latin and digits
    "ＭＳ",
    "３６５",
    "Ｏｆｆｉｃｅ",
    "ＮＡＳ",
    # product codes from fixtures/products.csv
    "MS-M365BS-1Y",
    "TM-VBBSS-1Y-R",
    "FT-FG40F-HW",
    "ms-m365bs-1y",
    # makers (names, Japanese readings, aliases)
    "トレンドマイクロ",
    "Cisco",
    "サイボウズ",
    "アドビ",
    "バッファロー",
    "kintone",
    # two words
    "バックアップ NAS",
    "ウイルス対策 年間",
    "Microsoft 365",
    "Web会議 ライセンス",
    "セキュリティ 更新",
    # rare / no hits
    "量子暗号",
]


# --------------------------------------------------------------------------- helpers


def log(msg: str = "") -> None:
    print(msg, flush=True)


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank on a sorted copy); NaN for no values."""
    if not values:
        return float("nan")
    data = sorted(values)
    k = max(0, min(len(data) - 1, math.ceil(p / 100 * len(data)) - 1))
    return data[k]


def sub_env() -> dict:
    env = os.environ.copy()
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def manage(*args: str, logfile) -> float:
    """Run manage.py with bench.settings; return the seconds it took. Exit on failure."""
    cmd = [PYTHON, "manage.py", *args]
    logfile.write(f"\n$ {' '.join(cmd)}\n")
    logfile.flush()
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=sub_env(), stdout=logfile, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        logfile.flush()
        tail = Path(logfile.name).read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        log("\n".join(tail))
        raise SystemExit(f"manage.py {' '.join(args)} failed (exit {proc.returncode}); see {logfile.name}")
    return elapsed


def machine_info() -> dict:
    info = {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    versions = {}
    for dist in ("Django", "wagtail", "django-oscar", "django-haystack", "Whoosh-Reloaded", "gunicorn"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    info["versions"] = versions
    return info


# --------------------------------------------------------------------------- 1. prepare


def django_setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()


def current_counts() -> dict | None:
    """Products in the bench database, or None if it is not migrated yet."""
    from django.db import connection
    from django.db.utils import DatabaseError

    try:
        from shop.catalogue import selectors
        from shop.catalogue.models import Product

        counts = {
            "products": Product.objects.count(),
            "on_sale": selectors.on_sale().count(),
            "generated": Product.objects.filter(upc__startswith="GEN-").count(),
        }
    except DatabaseError:
        counts = None
    finally:
        connection.close()
    return counts


def index_doc_count() -> int | None:
    try:
        from haystack import connections

        backend = connections["default"].get_backend()
        if not INDEX_DIR.exists() and backend.path == str(INDEX_DIR):
            return None  # setup() would create an empty index
        backend.setup()
        return backend.index.doc_count()
    except Exception:  # noqa: BLE001 - a missing/broken index just means "prepare again"
        return None


def database_identity() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"{db['ENGINE']}:{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"


# What the prepared database and index are built from: when any of these change
# (fixtures, the generator, the search schema/analyzer, a new migration), a
# cached bench/out/ is stale and is prepared again.
PREPARE_INPUTS = [
    "fixtures/*.csv",
    "shop/demo/**/*.py",
    "search/*.py",
    "search/templates/**/*",
    "cms/demo.py",
]
MIGRATION_GLOBS = ["shop/**/migrations/*.py", "cms/migrations/*.py", "search/migrations/*.py"]


def inputs_fingerprint() -> str:
    import hashlib

    digest = hashlib.sha256()
    for pattern in PREPARE_INPUTS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    for pattern in MIGRATION_GLOBS:  # names only: a new migration means a new schema
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode())
    return digest.hexdigest()[:16]


def prepare(products: int, fresh: bool) -> dict:
    """Build the catalogue and index unless bench/out already holds this exact set-up."""
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        marker = json.loads(MARKER.read_text()) if MARKER.exists() else None
    except ValueError:
        marker = None
    counts = None if fresh else current_counts()
    docs = index_doc_count() if counts else None
    reusable = (
        counts is not None
        and marker is not None
        and marker.get("products_requested") == products
        and marker.get("database") == database_identity()
        and marker.get("inputs") == inputs_fingerprint()
        and counts["products"] >= products
        and docs is not None
        and docs >= counts["on_sale"]
    )
    if reusable:
        log(f"prepare: reusing bench/out ({counts['products']} products, {docs} indexed); --fresh rebuilds")
        return {"skipped": True, "previous": marker.get("steps", {}), "steps": {}}
    if marker is not None and marker.get("inputs") != inputs_fingerprint():
        log("prepare: fixtures, generator, search code or migrations changed since the last preparation")

    # Anything else (first run, --fresh, another size, a half-finished run): start from scratch.
    from django.db import connections

    connections.close_all()
    if not os.environ.get("BENCH_DATABASE_URL"):
        for path in (DB_FILE, Path(f"{DB_FILE}-journal"), Path(f"{DB_FILE}-wal"), Path(f"{DB_FILE}-shm")):
            path.unlink(missing_ok=True)
    shutil.rmtree(INDEX_DIR, ignore_errors=True)
    MARKER.unlink(missing_ok=True)

    steps = {}
    logpath = OUT / "prepare.log"
    with open(logpath, "w", encoding="utf-8") as logfile:
        log("prepare: migrate …")
        steps["migrate"] = manage("migrate", "--noinput", logfile=logfile)
        log(f"  migrate: {steps['migrate']:.1f}s")
        log("prepare: load_demo --no-index …")
        steps["load_demo"] = manage("load_demo", "--no-index", logfile=logfile)
        log(f"  load_demo: {steps['load_demo']:.1f}s")
        demo = current_counts() or {"products": 0, "generated": 0}
        demo_only = demo["products"] - demo["generated"]
        wanted = max(0, products - demo_only)
        log(f"prepare: generate_catalogue --count {wanted} ({demo_only} demo products) …")
        steps["generate_catalogue"] = manage("generate_catalogue", "--count", str(wanted), logfile=logfile)
        log(f"  generate_catalogue: {steps['generate_catalogue']:.1f}s")
        log("prepare: rebuild_index …")
        steps["rebuild_index"] = manage("rebuild_index", "--noinput", "--batch-size", "500", logfile=logfile)
        log(f"  rebuild_index: {steps['rebuild_index']:.1f}s")
    counts = current_counts()
    result = {
        "products_requested": products,
        "database": database_identity(),
        "inputs": inputs_fingerprint(),
        "counts": counts,
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    MARKER.write_text(json.dumps(result, indent=2))
    return {"skipped": False, "steps": result["steps"]}


# --------------------------------------------------------------------------- 2. in-process


def pick_pages() -> dict[str, str]:
    from django.db.models import Exists, OuterRef

    from shop.catalogue import selectors
    from shop.catalogue.models import Category, ProductCategory

    with_products = ProductCategory.objects.filter(category=OuterRef("pk"))
    category = (
        Category.get_root_nodes().filter(is_public=True).annotate(has=Exists(with_products)).filter(has=True).first()
    )
    product = selectors.on_sale().filter(upc="MS-M365BS-1Y").first() or selectors.on_sale().order_by("pk").first()
    pages = {
        "bare": "/_bench/bare/",
        "home": "/",
        "product list": "/shop/catalogue/",
    }
    if category is not None:
        pages["category list"] = category.get_absolute_url()
    if product is not None:
        pages["product page"] = product.get_absolute_url()
    pages["search page"] = "/shop/search/?" + urllib.parse.urlencode({"q": "ウイルス"})
    return {name: urllib.parse.quote(url, safe="/%?=&_-.~:+") for name, url in pages.items()}


def count_sql_queries(pages: dict[str, str], reps: int) -> dict:
    """Per page, in-process (django.test.Client): SQL queries, SQL time and total time of a request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="localhost", raise_request_exception=False)
    result = {}
    for name, url in pages.items():
        client.get(url)  # warm: caches, first-request imports
        totals, sql_ms, counts = [], [], []
        for _ in range(reps):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                totals.append((time.perf_counter() - t0) * 1000)
            counts.append(len(ctx.captured_queries))
            sql_ms.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        result[name] = {
            "queries": max(counts),
            "status": response.status_code,
            "bytes": len(response.content),
            "inprocess_ms_p50": round(statistics.median(totals), 2),
            "sql_ms_p50": round(statistics.median(sql_ms), 2),
        }
    connection.close()
    return result


def like_search(query: str, per_page: int = 20) -> tuple[list, int]:
    from django.db.models import Q

    from shop.catalogue import selectors

    products = selectors.on_sale()
    for term in query.split():
        products = products.filter(
            Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(upc__icontains=term)
            | Q(maker__name__icontains=term)
        )
    rows = list(products.order_by("title")[:per_page])
    return rows, products.count()


def search_latency_inprocess(queries: list[str], reps: int) -> dict:
    from django.db import connection

    from search.queries import search_products

    per_query = []
    whoosh_all, like_all = [], []
    for q in queries:
        warm = search_products(query=q, per_page=20)  # warm + hit count
        _, like_hits = like_search(q)
        w, lk = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            search_products(query=q, per_page=20)
            w.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            like_search(q)
            lk.append((time.perf_counter() - t0) * 1000)
        whoosh_all += w
        like_all += lk
        per_query.append(
            {
                "query": q,
                "whoosh_hits": warm.total,
                "like_hits": like_hits,
                "whoosh_p50_ms": round(statistics.median(w), 2),
                "whoosh_max_ms": round(max(w), 2),
                "like_p50_ms": round(statistics.median(lk), 2),
                "like_max_ms": round(max(lk), 2),
            }
        )
    connection.close()
    return {
        "reps": reps,
        "per_query": per_query,
        "whoosh_p50_ms": round(pct(whoosh_all, 50), 2),
        "whoosh_p95_ms": round(pct(whoosh_all, 95), 2),
        "like_p50_ms": round(pct(like_all, 50), 2),
        "like_p95_ms": round(pct(like_all, 95), 2),
    }


# --------------------------------------------------------------------------- 3. HTTP


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 30.0) -> tuple[int | str, int]:
    """One GET on a fresh connection (gunicorn's sync workers close every connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Language": "ja", "User-Agent": "kobai-bench"})
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, 0
    finally:
        conn.close()


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    cmd = [
        GUNICORN,
        "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--timeout", "60",
        "--backlog", "256",
        "--log-level", "warning",
        "--error-logfile", str(OUT / "gunicorn.log"),
        "--chdir", str(ROOT),
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=sub_env(), start_new_session=True)


def wait_until_up(proc: subprocess.Popen, port: int, deadline_s: float = 60.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see bench/out/gunicorn.log")
        status, _ = fetch(port, "/_bench/bare/", timeout=2)
        if status == 200:
            return
        time.sleep(0.25)
    raise SystemExit("gunicorn did not answer within 60s; see bench/out/gunicorn.log")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def hammer(port: int, path: str, requests: int, concurrency: int, min_seconds: float = 0.0) -> dict:
    """GETs of `path` from `concurrency` threads: wall time, latencies, errors.

    At least `requests` requests and, for fast pages, at least `min_seconds`
    of load (at most 50 × `requests`), so a short hiccup of the machine does
    not dominate a measurement that would otherwise last a few milliseconds.
    """
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors: dict[str, int] = {}
    total_bytes = 0
    cap = requests * 50
    started = time.perf_counter()

    def worker() -> None:
        nonlocal issued, total_bytes
        while True:
            with lock:
                if issued >= requests and (time.perf_counter() - started >= min_seconds or issued >= cap):
                    return
                issued += 1
            t0 = time.perf_counter()
            status, size = fetch(port, path)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                total_bytes += size
                if status != 200:
                    errors[str(status)] = errors.get(str(status), 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "bytes": total_bytes,
        "errors": errors,
    }


def throughput(
    port: int, pages: dict[str, str], requests: int, concurrency: int, warmup: int, rounds: int, min_seconds: float
) -> dict:
    """Requests per second per page, measured in interleaved rounds.

    Each round runs every page (the bare view first) with requests/rounds
    requests, so slow drift of the machine (other processes, CPU boost) hits
    every page alike. Every measurement lasts at least `min_seconds` (the
    bare view needs far more requests than a page). req/s = all requests /
    all seconds of that page; the ratio to the bare view uses these totals,
    the per-round ratios are kept to show the spread.
    """
    for name, path in pages.items():  # warm-up: both workers, every page, before anything is timed
        warm = hammer(port, path, warmup, concurrency)
        if warm["errors"]:
            log(f"  warm-up {name}: errors {warm['errors']}")
    per_round = max(1, requests // rounds)
    raw = {name: {"seconds": 0.0, "latencies": [], "bytes": 0, "errors": {}, "round_rps": []} for name in pages}
    for r in range(rounds):
        for name, path in pages.items():
            res = hammer(port, path, per_round, concurrency, min_seconds)
            agg = raw[name]
            agg["seconds"] += res["seconds"]
            agg["latencies"] += res["latencies"]
            agg["bytes"] += res["bytes"]
            for k, v in res["errors"].items():
                agg["errors"][k] = agg["errors"].get(k, 0) + v
            agg["round_rps"].append(round(len(res["latencies"]) / res["seconds"], 1))
        log(f"  round {r + 1}/{rounds}: " + ", ".join(f"{n} {raw[n]['round_rps'][-1]:.0f}" for n in pages) + " req/s")
    results = {}
    for name, agg in raw.items():
        n = len(agg["latencies"])
        results[name] = {
            "path": pages[name],
            "requests": n,
            "concurrency": concurrency,
            "rounds": rounds,
            "seconds": round(agg["seconds"], 3),
            "rps": round(n / agg["seconds"], 1),
            "round_rps": agg["round_rps"],
            "p50_ms": round(pct(agg["latencies"], 50), 2),
            "p95_ms": round(pct(agg["latencies"], 95), 2),
            "avg_bytes": round(agg["bytes"] / max(1, n)),
            "errors": sum(agg["errors"].values()),
            "error_kinds": agg["errors"],
        }
    bare = results["bare"]["rps"]
    for res in results.values():
        res["ratio_to_bare"] = round(res["rps"] / bare, 4) if bare else None
        res["ratio_to_bare_per_round"] = [
            round(x / b, 4) if b else None for x, b in zip(res["round_rps"], results["bare"]["round_rps"], strict=True)
        ]
    return results


def search_latency_http(port: int, queries: list[str], reps: int) -> dict:
    per_query, all_ms, errors = [], [], 0
    for q in queries:
        path = "/shop/search/?" + urllib.parse.urlencode({"q": q})
        status, _ = fetch(port, path)  # warm
        errors += status != 200
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            status, _ = fetch(port, path)
            times.append((time.perf_counter() - t0) * 1000)
            errors += status != 200
        all_ms += times
        per_query.append({"query": q, "p50_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)})
    return {
        "reps": reps,
        "per_query": per_query,
        "p50_ms": round(pct(all_ms, 50), 2),
        "p95_ms": round(pct(all_ms, 95), 2),
        "errors": errors,
    }


# --------------------------------------------------------------------------- 4. report


def evaluate(results: dict) -> list[dict]:
    """PASS/MISS per target. Throughput targets are ratios to the bare view's req/s."""
    tp = results.get("throughput", {})
    s = results["search"]["inprocess"]
    targets = []

    def add(name: str, value: float | None, op: str, goal: float, fmt) -> None:
        ok = value is not None and value == value and (value >= goal if op == ">=" else value <= goal)
        shown = fmt(value) if value is not None else "n/a"
        targets.append(
            {"target": name, "goal": f"{op} {fmt(goal)}", "value": shown, "result": "PASS" if ok else "MISS"}
        )

    def as_pct(v: float) -> str:
        return f"{v * 100:.1f} %"

    def as_ms(v: float) -> str:
        return f"{v:.1f} ms"

    def as_x(v: float) -> str:
        return f"{v:.2f}×"

    ratio_targets = [
        ("product list", TARGET_LIST_RATIO),
        ("category list", TARGET_LIST_RATIO),
        ("product page", TARGET_PRODUCT_RATIO),
    ]
    for page, goal in ratio_targets:
        add(f"{page} req/s vs bare", tp.get(page, {}).get("ratio_to_bare"), ">=", goal, as_pct)
    add("search p95 (search_products)", s["whoosh_p95_ms"], "<=", TARGET_SEARCH_P95_MS, as_ms)
    ratio = s["whoosh_p95_ms"] / s["like_p95_ms"] if s["like_p95_ms"] else None
    add("search p95 / LIKE p95", ratio, "<=", TARGET_SEARCH_VS_LIKE, as_x)
    return targets


def render(results: dict) -> str:
    lines = []
    m = results["machine"]
    lines.append(f"Kobai benchmark — {results['date']}")
    lines.append(
        f"machine: {m.get('cpu', '?')}, nproc {m['nproc']}, {m.get('memory_gb', '?')} GB, "
        f"Python {m['python']}, SQLite {m['sqlite']}"
    )
    lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()))
    la, lb = results["load_average_start"], results["load_average_end"]
    lines.append(
        f"load average (1/5/15 min): start {la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f}, end {lb[0]:.2f}/{lb[1]:.2f}/{lb[2]:.2f}"
    )
    if max(la[0], lb[0]) > 0.5 * (m["nproc"] or 1):
        lines.append("WARNING: the machine was busy with other processes during the run; throughput numbers are noisy")
    c = results["catalogue"]
    lines.append(
        f"catalogue: {c['products']} products ({c['generated']} generated, {c['on_sale']} on sale), "
        f"{c['indexed']} in the Whoosh index; database {results['database']}"
    )
    prep = results["prepare"]
    if prep["skipped"]:
        prev = ", ".join(f"{k} {v:.1f}s" for k, v in prep.get("previous", {}).items())
        lines.append(f"prepare: reused (previous run: {prev or 'n/a'})")
    else:
        lines.append("prepare: " + ", ".join(f"{k} {v:.1f}s" for k, v in prep["steps"].items()))
    lines.append("")

    tp = results.get("throughput")
    if tp:
        first = next(iter(tp.values()))
        lines.append(
            f"Throughput: gunicorn {results['gunicorn_workers']} sync workers; per URL {first['rounds']} interleaved rounds "
            f"of >= {max(1, results['args']['requests'] // first['rounds'])} requests and >= "
            f"{results['args']['min_seconds']}s each;\n  concurrency {first['concurrency']}, a new connection per request"
        )
        lines.append(
            f"  {'page':<15}{'req/s':>9}{'vs bare':>10}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'KB':>7}{'errors':>8}"
            f"{'SQL':>5}{'SQL ms':>8}{'1 req':>8}  req/s per round"
        )
        sql = results.get("sql_queries", {})
        for name, r in tp.items():
            q = sql.get(name, {})
            lines.append(
                f"  {name:<15}{r['rps']:>9.1f}{r['ratio_to_bare'] * 100:>9.1f}%{r['requests']:>9}{r['p50_ms']:>9.1f}"
                f"{r['p95_ms']:>9.1f}"
                f"{r['avg_bytes'] / 1024:>7.1f}{r['errors']:>8}{q.get('queries', '')!s:>5}"
                f"{q.get('sql_ms_p50', float('nan')):>8.1f}{q.get('inprocess_ms_p50', float('nan')):>8.1f}"
                f"  {' '.join(f'{x:.0f}' for x in r['round_rps'])}"
            )
        lines.append(
            "  (p50/p95 ms: latency under load over HTTP; SQL, SQL ms, 1 req: queries, their time and the whole\n"
            "   request's time for one request at a time, in-process with django.test.Client, p50)"
        )
        lines.append("")

    s = results["search"]
    ip, http_ = s["inprocess"], s.get("http")
    lines.append(f"Search latency: {len(ip['per_query'])} queries × {ip['reps']} reps")
    lines.append(
        f"  search_products (Whoosh, in-process): p50 {ip['whoosh_p50_ms']:.1f} ms, p95 {ip['whoosh_p95_ms']:.1f} ms"
    )
    lines.append(
        f"  SQL LIKE baseline (in-process):       p50 {ip['like_p50_ms']:.1f} ms, p95 {ip['like_p95_ms']:.1f} ms"
    )
    if http_:
        lines.append(
            f"  search page over HTTP (gunicorn):     p50 {http_['p50_ms']:.1f} ms, p95 {http_['p95_ms']:.1f} ms"
            f"  (errors {http_['errors']})"
        )
    lines.append("")
    lines.append(f"  {'query':<22}{'hits':>7}{'LIKE':>7}{'ms':>8}{'LIKE ms':>9}{'HTTP ms':>9}")
    http_by_q = {r["query"]: r for r in (http_ or {}).get("per_query", [])}
    for r in ip["per_query"]:
        h = http_by_q.get(r["query"], {}).get("p50_ms")
        lines.append(
            f"  {_pad(r['query'], 22)}{r['whoosh_hits']:>7}{r['like_hits']:>7}{r['whoosh_p50_ms']:>8.1f}"
            f"{r['like_p50_ms']:>9.1f}{(f'{h:.1f}' if h is not None else '-'):>9}"
        )
    lines.append("  (hits = search_products total, LIKE = rows matching the LIKE baseline; ms = p50)")
    lines.append("")
    lines.append("Targets")
    for t in results["targets"]:
        lines.append(f"  {t['result']:<5} {t['target']:<32} {t['value']:>10}  (goal {t['goal']})")
    if results.get("errors"):
        lines.append("")
        lines.append("Errors: " + "; ".join(results["errors"]))
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    """Left-justify counting East Asian wide characters as two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10000, help="catalogue size in total (default 10000)")
    parser.add_argument("--requests", type=int, default=None, help="requests per URL (default 400, --quick 100)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 4, --quick 2)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per search query (default 5, --quick 2)")
    parser.add_argument("--quick", action="store_true", help="fewer requests and repetitions")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database and index")
    args = parser.parse_args(argv)
    requests = args.requests or (100 if args.quick else 400)
    reps = args.reps or (2 if args.quick else 5)
    rounds = max(1, min(args.rounds or (2 if args.quick else 4), requests))
    min_seconds = 0.5 if args.quick else 1.5
    warmup = max(4, min(40, requests // 10))
    if requests < 1 or args.concurrency < 1 or reps < 1 or args.products < 0:
        parser.error("--requests, --concurrency and --reps must be >= 1")

    # a SIGTERM runs the finally blocks too (gunicorn is stopped)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    run_started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    django_setup()
    from django.conf import settings

    results: dict = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "gunicorn_workers": args.workers,
        "args": vars(args)
        | {"requests": requests, "reps": reps, "warmup": warmup, "rounds": rounds, "min_seconds": min_seconds},
        "load_average_start": os.getloadavg(),
        "errors": [],
    }

    log(f"== prepare ({args.products} products)")
    results["prepare"] = prepare(args.products, args.fresh)
    counts = current_counts() or {}
    results["catalogue"] = counts | {"indexed": index_doc_count()}
    log(f"   catalogue: {results['catalogue']}")

    pages = pick_pages()
    results["pages"] = pages

    log("== SQL queries per page (in-process)")
    results["sql_queries"] = count_sql_queries(pages, reps)
    for name, r in results["sql_queries"].items():
        log(
            f"  {name:<14} {r['queries']:>4} queries  {r['sql_ms_p50']:>7.1f} ms SQL  "
            f"{r['inprocess_ms_p50']:>7.1f} ms in-process  status {r['status']}"
        )
        if r["status"] != 200:
            results["errors"].append(f"{name}: status {r['status']} in-process")

    log(f"== search latency in-process ({len(SEARCH_QUERIES)} queries × {reps})")
    results["search"] = {"inprocess": search_latency_inprocess(SEARCH_QUERIES, reps)}
    ip = results["search"]["inprocess"]
    log(f"  search_products p95 {ip['whoosh_p95_ms']} ms, LIKE p95 {ip['like_p95_ms']} ms")

    port = free_port()
    log(f"== gunicorn on 127.0.0.1:{port} ({args.workers} sync workers)")
    proc = start_gunicorn(port, args.workers)
    try:
        wait_until_up(proc, port)
        log(
            f"== throughput (>= {requests} requests and >= {rounds} × {min_seconds}s per URL in {rounds} interleaved "
            f"rounds, concurrency {args.concurrency}, warm-up {warmup})"
        )
        results["throughput"] = throughput(port, pages, requests, args.concurrency, warmup, rounds, min_seconds)
        log(f"== search page latency over HTTP ({len(SEARCH_QUERIES)} queries × {reps})")
        results["search"]["http"] = search_latency_http(port, SEARCH_QUERIES, reps)
    finally:
        stop_gunicorn(proc)

    for name, r in results["throughput"].items():
        if r["errors"]:
            results["errors"].append(f"{name}: {r['errors']} errors {r['error_kinds']}")
    if results["search"]["http"]["errors"]:
        results["errors"].append(f"search over HTTP: {results['search']['http']['errors']} non-200 responses")

    results["load_average_end"] = os.getloadavg()
    results["targets"] = evaluate(results)
    results["total_seconds"] = round(time.perf_counter() - run_started, 1)
    table = render(results) + f"\n\ntotal run time {results['total_seconds']:.0f}s"
    log("")
    log(table)
    (OUT / "results.txt").write_text(table + "\n", encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"\nwritten: {OUT / 'results.json'}, {OUT / 'results.txt'}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
