"""The static site (issue 17): built from the bundled KB, every internal link resolves, every
page carries a CSP that allows no remote content, hostile record text stays inert, and a
real headless Chromium loads the pages from the files with no console error and no request
leaving the site. Screenshots are written to build/site-screenshots/ for review."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = REPO / "build" / "site-screenshots"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.csp: str | None = None
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content")
        if tag == "script":
            self.scripts.append(a)


def _build(out: Path, *extra: str, data: str | None = None) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "treatykb", "site", "-o", str(out), *extra]
    if data:
        args += ["--data", data]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "public"
    r = _build(out)
    assert r.returncode == 0, r.stderr
    return out


def _parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_internal_link_resolves_and_every_page_has_the_policy(site):
    pages = {p: _parse(p) for p in site.rglob("*.html")}
    assert len(pages) > 500
    broken = []
    for path, page in pages.items():
        assert page.csp and "default-src 'none'" in page.csp and "http" not in page.csp, path
        assert all("src" not in s for s in page.scripts), path  # no script file, local or remote
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme in ("http", "https"), (path, href)  # never javascript: or data:
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target not in pages:
                broken.append((str(path.relative_to(site)), href))
            elif parts.fragment and parts.fragment not in pages[target].ids:
                broken.append((str(path.relative_to(site)), href))
    assert broken == []


def test_the_pages_readers_need_exist_at_stable_addresses(site):
    for rel in ("index.html", "search.html", "treaty/inf.html", "treaty/npt.html", "system/9m729.html",
                "party/russia.html", "claim/ru-9m729-flew-under-480km.html", "source/tass-2019-01-31-ryabkov-inf.html"):
        assert (site / rel).is_file(), rel
    inf = (site / "treaty" / "inf.html").read_text(encoding="utf-8")
    assert "<svg" in inf and "Parties" in inf and "Disputes" in inf and "Compliance" in inf
    claim = (site / "claim" / "ru-9m729-flew-under-480km.html").read_text(encoding="utf-8")
    assert "tass.com/politics/1042580" in claim and "480" in claim


def test_as_of_builds_the_record_as_it_stood(tmp_path):
    out = tmp_path / "s2018"
    r = _build(out, "--as-of", "2018-12-31")
    assert r.returncode == 0, r.stderr
    assert not (out / "claim" / "us-2019-02-01-inf-suspension-announced.html").exists()
    assert not (out / "event" / "us-inf-withdrawal-2019-08-02.html").exists()
    inf = (out / "treaty" / "inf.html").read_text(encoding="utf-8")
    assert "<dd>in force since 1988-06-01</dd>" in inf and "us-inf-withdrawal-2019-08-02" not in inf
    assert "2018-12-31" in (out / "index.html").read_text(encoding="utf-8")


def test_a_folder_that_is_not_a_site_is_never_replaced(tmp_path):
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "thesis.tex").write_text("years of work")
    r = _build(keep)
    assert r.returncode == 2 and "not replacing it" in r.stderr
    assert (keep / "thesis.tex").read_text() == "years of work"
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">\u202eevil"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    kb = root / "kb"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", kb)
    (kb / "claims" / "zz-hostile.yaml").write_text(
        "- id: zz-hostile\n  claimant: russia\n  asserted: 2019-01-15\n  subject: 9m729\n  topic: range\n"
        f"  stance: asserts\n  summary: {_yaml_str(HOSTILE)}\n  sources:\n"
        f"    - source: zz-hostile-src\n      quote: {_yaml_str(HOSTILE)}\n", encoding="utf-8")
    (kb / "sources" / "zz-hostile.yaml").write_text(
        "- id: zz-hostile-src\n  title: " + _yaml_str(HOSTILE) + "\n  publisher: \"<b>x</b>\"\n"
        "  url: \"https://x.example/\\\"><script>window.__pwned=3</script>\"\n  published: 2019-01-31\n  accessed: 2026-11-30\n  type: news\n",
        encoding="utf-8")
    out = root / "site"
    r = _build(out, data=str(kb))
    assert r.returncode == 0, r.stderr
    return out


def _yaml_str(s: str) -> str:
    import json

    return json.dumps(s)  # a JSON string is a YAML double-quoted string


def test_hostile_text_is_inert_in_the_files(hostile_site):
    for rel in ("claim/zz-hostile.html", "source/zz-hostile-src.html", "search.html"):
        text = (hostile_site / rel).read_text(encoding="utf-8")
        assert "<script>window" not in text and "<img" not in text and "<b>x" not in text, rel
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, rel
        assert not re.search(r'href="javascript:', text), rel
        assert "\\x1b]52" in text and "\\u202e" in text  # shown, as visible escapes


# -- in a real browser ---------------------------------------------------------

def _browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium where apt-get can)")
    pw = pytest.importorskip("playwright.sync_api")
    return pw


@pytest.fixture(scope="module")
def browser():
    pw = _browser()
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _visit(browser, root: Path, rel: str, js: bool = True, shot: str | None = None):
    ctx = browser.new_context(java_script_enabled=js, viewport={"width": 1000, "height": 800})
    page = ctx.new_page()
    problems: list[str] = []
    outside: list[str] = []
    base = root.resolve().as_uri()

    def on_request(route):
        url = route.request.url
        if not url.startswith(base + "/"):
            outside.append(url)
            return route.abort()
        return route.continue_()

    page.route("**/*", on_request)
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    path, _, query = rel.partition("?")
    page.goto((root / path).resolve().as_uri() + (f"?{query}" if query else ""))
    page.wait_for_load_state("load")
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / shot), full_page=False)
    return ctx, page, problems, outside


@pytest.mark.parametrize("rel,shot", [("index.html", "index.png"), ("treaty/inf.html", "treaty-inf.png"),
                                      ("claim/ru-9m729-flew-under-480km.html", "claim.png"),
                                      ("system/9m729.html", "system-9m729.png")])
def test_pages_load_in_chromium_with_no_error_and_no_outside_request(browser, site, rel, shot):
    ctx, page, problems, outside = _visit(browser, site, rel, shot=shot)
    try:
        assert problems == [] and outside == []
        assert page.locator("main h1").count() == 1 and page.title().endswith("treatykb")
        assert (SHOTS / shot).stat().st_size > 5000
    finally:
        ctx.close()


@pytest.mark.parametrize("rel", ["index.html", "treaty/npt.html", "claim/ru-9m729-flew-under-480km.html"])
def test_pages_fit_a_phone_screen(browser, site, rel):
    """At 390 px wide nothing pushes the page sideways (wide tables scroll inside their box)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page = ctx.new_page()
        page.goto((site / rel).resolve().as_uri())
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / ("phone-" + rel.replace("/", "-").replace(".html", ".png"))))
    finally:
        ctx.close()


def test_search_filters_with_its_script_and_lists_everything_without(browser, site):
    ctx, page, problems, outside = _visit(browser, site, "search.html?q=screwdriver")
    try:
        shown = page.locator("li[data-k]:visible")
        assert problems == [] and outside == []
        assert 1 <= shown.count() <= 10 and "9M729" in shown.all_inner_texts()[0]
        page.fill("#q", "new start")
        assert page.locator("li[data-k]:visible").count() >= 1
    finally:
        ctx.close()
    ctx, page, problems, _ = _visit(browser, site, "search.html", js=False)
    try:
        assert page.locator("li[data-k]:visible").count() > 500 and not page.locator("#q").is_visible()
    finally:
        ctx.close()


def test_hostile_record_runs_no_script_in_chromium(browser, hostile_site):
    for rel in ("claim/zz-hostile.html", "source/zz-hostile-src.html", "search.html"):
        ctx, page, problems, outside = _visit(browser, hostile_site, rel)
        try:
            assert page.evaluate("typeof window.__pwned") == "undefined", rel
            assert outside == [] and problems == [], rel
            if rel.startswith("claim"):
                assert "<script>" in page.inner_text("main h1")  # shown as text
        finally:
            ctx.close()


def test_a_rebuild_updates_changed_pages_drops_gone_ones_and_never_follows_a_planted_link(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", kb)
    gone = kb / "parties" / "zz-gone.yaml"
    gone.write_text("- id: zz-gone\n  name: Gone Land\n  type: state\n  sources: [tass-seed]\n", encoding="utf-8")
    out = tmp_path / "site"
    assert _build(out, data=str(kb)).returncode == 0
    assert (out / "party" / "zz-gone.html").is_file()
    gone.unlink()
    claim = out / "claim" / "ru-range.html"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web")
    planted = out / "claim" / "us-range.html"
    planted.unlink()
    planted.symlink_to(secret)  # someone swaps a page for a link to a private file
    text = (kb / "claims" / "c.yaml").read_text(encoding="utf-8")
    (kb / "claims" / "c.yaml").write_text(text.replace("flew less than 480 km", "flew under 480 km (edited)"),
                                          encoding="utf-8")
    before = claim.read_text(encoding="utf-8")
    assert _build(out, data=str(kb)).returncode == 0
    after = claim.read_text(encoding="utf-8")
    assert before != after and "(edited)" in after
    assert not planted.is_symlink() and "not for the web" not in planted.read_text(encoding="utf-8")
    assert secret.read_text() == "not for the web"
    assert not (out / "party" / "zz-gone.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-site-")] == []


def test_a_site_build_reads_the_sources_when_no_cache_is_fresh_and_compiles_none(tmp_path):
    """A site reads every record once: with no fresh cache it reads the sources and does
    not compile a cache it would not use (that cost more than the pages; issue 17's
    budget is 5x a check). A fresh cache is used when there is one."""
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", kb)
    cache = tmp_path / "cache"
    env = dict(os.environ, TREATYKB_CACHE_DIR=str(cache))
    args = [sys.executable, "-m", "treatykb", "site", "-o", str(tmp_path / "s"), "--data", str(kb)]
    assert subprocess.run(args, env=env, capture_output=True, timeout=120).returncode == 0
    assert not list(cache.glob("*.sqlite"))
    subprocess.run([sys.executable, "-m", "treatykb", "claims", "9M729", "--data", str(kb), "-f", "json"],
                   env=env, capture_output=True, timeout=120, check=True)  # a query compiles it
    assert list(cache.glob("*.sqlite"))
    assert subprocess.run(args, env=env, capture_output=True, timeout=120).returncode == 0


@pytest.mark.parametrize("where", ["inside", "over", "above"])
def test_a_site_is_never_written_into_or_over_the_knowledge_base(tmp_path, where):
    """No command writes into the data directory: a site folder inside the KB, the KB itself, or a
    folder holding the KB is refused with one clear line, and nothing is written."""
    kb = tmp_path / "work" / "kb"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", kb)
    out = {"inside": kb / "public", "over": kb, "above": tmp_path / "work"}[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    r = _build(out, data=str(kb))
    assert r.returncode == 2 and "into or over the knowledge base" in r.stderr and r.stderr.count("\n") == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
