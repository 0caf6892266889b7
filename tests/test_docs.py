"""The offline documentation site: built by `python scripts/build_docs.py`, checked in headless Chromium.

The expected content is derived from the repository, so the test follows the project as notebooks
and modules are added: every notebook in nbs/ must have a page titled like the notebook, every
name in a clusterrep module's `__all__` must be on that module's API page (with its signature),
show_doc calls must be rendered, `#|` directives must not leak into the pages, every image
must resolve, formulas must be typeset (local MathJax) and the search index must find API names.
"""
import ast
import fcntl
import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS, LIB = ROOT / "nbs", ROOT / "clusterrep"
sys.path.insert(0, str(ROOT / "scripts"))
import build_docs  # noqa: E402  (discovery helpers shared with the build)

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--hide-scrollbars"]


# ------------------------------------------------------------------------------------------
# What the site must contain, derived from the repository
# ------------------------------------------------------------------------------------------
# Other engineers add notebooks and modules while tests run: the expectations are the
# repository's state just before the build (snapshot written by the `site` fixture).
_SNAPSHOT: dict = {}


def _current_state() -> dict:
    figs = sorted(p.name for p in (NBS / "figures").glob("*.png")) if (NBS / "figures").is_dir() else []
    nbs = build_docs.discover_notebooks(NBS)
    outputs = {}
    for nb in nbs:
        f, t = build_docs.notebook_outputs(json.loads(nb.read_text()), nb.stem)
        outputs[str(nb)] = {"figures": [p.name for p in f], "tables": [p.relative_to(NBS).as_posix() for p in t]}
    return {"notebooks": [str(p) for p in nbs], "figures": figs, "outputs": outputs,
            "modules": {m: build_docs.module_all(LIB / f"{m}.py") for m in build_docs.library_modules()}}


def notebooks() -> list[Path]:
    return [Path(p) for p in (_SNAPSHOT or _current_state())["notebooks"] if Path(p).exists()]


def module_names() -> dict[str, list[str]]:
    "Public clusterrep modules -> their `__all__` (read from the source, no import)."
    return (_SNAPSHOT or _current_state())["modules"]


def def_kinds(module: str) -> dict[str, str]:
    "name -> 'def' / 'class' for top-level functions and classes of a module file."
    tree = ast.parse((LIB / f"{module}.py").read_text())
    return {n.name: "class" if isinstance(n, ast.ClassDef) else "def" for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def has_signature(module: str, name: str) -> bool:
    "Functions have a signature; a class has one when it defines `__init__` (an exception class may not)."
    for n in ast.parse((LIB / f"{module}.py").read_text()).body:
        if getattr(n, "name", None) == name:
            return not isinstance(n, ast.ClassDef) or any(
                isinstance(b, ast.FunctionDef) and b.name == "__init__" for b in n.body)
    return False


def showdoc_calls(nb_path: Path) -> list[str]:
    "Names passed to explicit `show_doc(name)` calls in a notebook's (non-hidden) cells."
    nb = json.loads(nb_path.read_text())
    out = []
    for c in nb["cells"]:
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        if c["cell_type"] != "code" or re.search(r"^#\|\s*(hide|include:\s*false)", src, re.M):
            continue
        out += re.findall(r"^show_doc\(\s*([A-Za-z_][\w.]*)\s*[,)]", src, re.M)
    return out


# ------------------------------------------------------------------------------------------
# Fixtures: one build shared by all xdist workers, a local HTTP server, Chromium
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def site(tmp_path_factory):
    "Build the site once per test session (xdist workers share it through a lock file)."
    # under xdist each worker's basetemp is <session tmp>/popen-gwN: share the session's folder
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    site_dir, build_dir = shared / "docs_site", shared / "docs_build"
    with open(shared / "docs_site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "docs_site.ok"
        if not done.exists():
            (shared / "docs_state.json").write_text(json.dumps(_current_state()))
            env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
            r = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--out", str(site_dir),
                                "--build-dir", str(build_dir)],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
            (shared / "docs_build.log").write_text(r.stdout + r.stderr)
            assert r.returncode == 0, f"docs build failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
            done.write_text("ok")
    assert (site_dir / "index.html").exists()
    _SNAPSHOT.update(json.loads((shared / "docs_state.json").read_text()))
    return site_dir


class _Handler(SimpleHTTPRequestHandler):
    probe_results: list = []
    probe_event: threading.Event
    probe_html: str = ""

    def log_message(self, *args):   # keep pytest output clean
        pass

    def do_POST(self):   # the search probe page posts its results here
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).probe_results.append(body.decode())
        type(self).probe_event.set()
        self.send_response(204)
        self.end_headers()

    def do_GET(self):   # /__hold keeps the probe page loading until the results arrived
        if urlparse(self.path).path == "/__probe.html":   # served from memory: the site stays untouched
            body = type(self).probe_html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if urlparse(self.path).path == "/__hold":
            type(self).probe_event.wait(30)
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="module")
def server(site):
    "Serve the site on 127.0.0.1 (random free port); shut down after the module."
    handler = type("H", (_Handler,), {"probe_results": [], "probe_event": threading.Event()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        handler.probe_event.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def chromium_path() -> str:
    for cand in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"):
        if cand and shutil.which(cand):
            return shutil.which(cand)
    pytest.fail("headless Chromium is needed for the docs test but was not found: install it with "
                "`apt-get update && apt-get install -y chromium` (scripts/test.sh does this), "
                "or point $CHROMIUM at a Chrome/Chromium binary", pytrace=False)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    exe = chromium_path()
    profile = tmp_path_factory.mktemp("chromium-profile")

    def dump_dom(url: str, budget_ms: int = 8000, timeout: int = 90) -> str:
        "The DOM after the page's scripts ran (MathJax included), as HTML."
        r = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                            f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
                           capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0 and r.stdout.strip(), f"chromium failed on {url}:\n{r.stderr[-2000:]}"
        return r.stdout
    return dump_dom


_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table",
           "pre", "br", "nav", "section", "header", "footer", "label", "article", "dt", "dd", "blockquote"}


class _Text(HTMLParser):
    "Visible text of an HTML document (scripts and styles left out; inline spans kept together)."
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of(doc: str) -> str:
    p = _Text()
    p.feed(doc)
    return re.sub(r"\s+", " ", "".join(p.parts))


def pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if p.name != "404.html"]


def api_module(mods: dict[str, list[str]]) -> str:
    "The module whose API page is checked in the browser: `data` once it exists, else the first one."
    nonempty = [m for m, names in mods.items() if names]
    if not nonempty:
        pytest.skip("no clusterrep module with a non-empty __all__ yet")
    return "data" if "data" in nonempty else nonempty[0]


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------
def test_every_notebook_has_a_titled_page(site):
    nbs = notebooks()
    assert nbs, "no notebooks found in nbs/"
    for nb in nbs:
        page = site / nb.relative_to(NBS).with_suffix(".html")
        assert page.exists(), f"no page for {nb.name}"
        title, _ = build_docs.notebook_title(json.loads(nb.read_text()), nb.stem)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(), re.S)
        assert h1 and title in html.unescape(re.sub(r"<[^>]+>", "", h1.group(1))), (nb.name, title)


def test_home_page_in_chromium(site, server, chromium):
    url, _ = server
    dom = chromium(f"{url}/index.html")
    text = text_of(dom)
    assert "clusterrep" in text
    # the sidebar lists every notebook page and every API module page
    for nb in notebooks():
        if nb.stem == "index":
            continue
        title, _ = build_docs.notebook_title(json.loads(nb.read_text()), nb.stem)
        assert title in text, f"notebook {nb.name} ({title!r}) missing from the navigation"
    for m in module_names():
        assert f"clusterrep.{m}" in text, f"API page of clusterrep.{m} missing from the navigation"
    assert 'class="md-search' in dom   # the search box is there
    home = (site / "index.html").read_text()
    assert "docs build could not render" not in home, "the home page has rendering errors (see the build log)"


def test_api_page_in_chromium(site, server, chromium):
    "Every exported name of one module is on its rendered API page, with its signature."
    url, _ = server
    mods = module_names()
    m = api_module(mods)
    text = text_of(chromium(f"{url}/api/{m}.html"))
    assert f"clusterrep.{m}" in text
    kinds = def_kinds(m)
    for name in mods[m]:
        assert name in text, f"{m}.{name} missing from api/{m}.html"
        if name in kinds and has_signature(m, name):   # mkdocstrings shows `name(params)`
            assert re.search(rf"\b{re.escape(name)}\((?:\)|\w|\*)", text), f"no signature for {m}.{name} on api/{m}.html"


def test_every_api_page_lists_its_names(site):
    for m, names in module_names().items():
        page = site / "api" / f"{m}.html"
        assert page.exists(), f"no API page for clusterrep.{m}"
        doc = page.read_text()
        for name in names:   # mkdocstrings anchors each entry with its full path
            assert f'id="clusterrep.{m}.{name}"' in doc, f"{m}.{name} has no entry on api/{m}.html"


def test_show_doc_is_rendered(site):
    "Each explicit show_doc(name) becomes a heading with a signature block on the notebook's page."
    for nb in notebooks():
        names = showdoc_calls(nb)
        if not names:
            continue
        doc = (site / nb.relative_to(NBS).with_suffix(".html")).read_text()
        headings = {html.unescape(re.sub(r"<[^>]+>", "", h)).replace("¶", "").strip()
                    for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", doc, re.S)}
        # a method may be shown under the class that defines it (TAE.predict -> AE.predict)
        last = lambda n: n.split(".")[-1]
        missing = [n for n in names if not any(h == n or last(h) == last(n) for h in headings)]
        assert not missing, f"{nb.name}: show_doc not rendered for {missing}"
        assert "BasicMarkdownRenderer" not in doc and "docs build could not render" not in doc, nb.name


def test_experiment_pages_show_figures_and_tables(site):
    "Each notebook's page shows the figures and result tables it writes; every saved figure is on some page."
    state = _SNAPSHOT or _current_state()
    on_pages = set()
    for page in pages(site):
        on_pages |= {unquote(src).split("/")[-1] for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text())}
    for nb in notebooks():
        out = state["outputs"].get(str(nb), {"figures": [], "tables": []})
        doc = (site / nb.relative_to(NBS).with_suffix(".html")).read_text()
        imgs = {unquote(src).split("/")[-1] for src in re.findall(r'<img[^>]+src="([^"]+)"', doc)}
        missing = [f for f in out["figures"] if f not in imgs]
        assert not missing, f"{nb.name}: figures not shown on its page: {missing}"
        for table in out["tables"]:
            i = doc.find(html.escape(table))
            assert i >= 0, f"{nb.name}: result table {table} not on its page"
            assert "<table" in doc[i:i + 200_000].split("</details>")[0], f"{nb.name}: {table} has no table"
    orphans = [f for f in state["figures"] if f not in on_pages]
    assert not orphans, f"figures of nbs/figures/ shown on no page (name them in their notebook): {orphans}"
    # the cases that started this: paper 1's Figs. 2 and 7 and the DDC learning curve
    by_stem = {Path(p).stem: o for p, o in state["outputs"].items()}
    for stem, fig in (("20_paper1_autoencoders", "paper1_fig2_cpu.png"), ("20_paper1_autoencoders", "paper1_fig7_cpu.png"),
                      ("21_paper2_images", "ddc_curve_p1000.png")):
        if stem in by_stem and (NBS / "figures" / fig).exists():
            assert fig in by_stem[stem]["figures"], f"{fig} is not attributed to {stem}"


def test_benchmarks_page(site):
    "BENCHMARKS.md is a page of the site, in the navigation, with its tables and figures."
    if not (ROOT / "BENCHMARKS.md").exists():
        pytest.skip("no BENCHMARKS.md")
    page = site / "benchmarks.html"
    assert page.exists(), "BENCHMARKS.md is not on the site"
    doc = page.read_text()
    assert "<table" in doc
    assert 'href="benchmarks.html"' in (site / "index.html").read_text(), "no Benchmarks entry in the navigation"


def test_no_directives_or_raw_markup_leak(site):
    leaks = re.compile(r"#\|\s*(export|exporti|exports|hide|default_exp|eval:|echo:|output:|include:)")
    for page in pages(site):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        assert not leaks.search(text), f"{page.name} shows nbdev directives: {leaks.search(text).group(0)}"
        assert "&lt;div" not in page.read_text(), f"{page.name} shows escaped HTML"


def test_images_resolve(site):
    "Every <img> on every page points at a file of the site (figures and cell outputs)."
    figures = (_SNAPSHOT or _current_state())["figures"]
    for page in pages(site):
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text()):
            if src.startswith(("data:", "http://", "https://")):
                continue
            target = (page.parent / unquote(src.split("#")[0])).resolve()
            assert target.exists(), f"{page.relative_to(site)}: broken image {src}"
    for fig in figures:
        assert (site / "figures" / fig).exists(), f"figure nbs/figures/{fig} not copied"


def test_math_is_typeset_offline(site, server, chromium):
    "Formulas are rendered by the local MathJax copy (no network in the test)."
    with_math = [p for p in pages(site) if 'class="arithmatex"' in p.read_text()]
    if not with_math:
        pytest.skip("no page has formulas yet")
    url, _ = server
    page = with_math[0].relative_to(site).as_posix()
    dom = chromium(f"{url}/{page}", budget_ms=15000)
    assert "<mjx-container" in dom, f"MathJax did not typeset {page}"


def test_search_finds_api_names(site, server, tmp_path):
    "The site's own search worker, fed the built index, finds an exported function's API entry."
    url, handler = server
    mods = module_names()
    m = api_module(mods)
    kinds = def_kinds(m)
    name = next((n for n in mods[m] if kinds.get(n) == "def"), mods[m][0])
    worker = next((site / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    handler.probe_html = (f"""<!doctype html><html><body><div id="out">pending</div><script>
const w = new Worker("assets/javascripts/workers/{worker.name}");
w.onmessage = (e) => {{
  if (e.data.type === 1) w.postMessage({{type: 2, data: {json.dumps(name)}}});
  if (e.data.type === 3) {{
    const hits = e.data.data.items.flat().map(d => d.location);
    fetch("/__result", {{method: "POST", body: JSON.stringify(hits)}});
  }}
}};
fetch("search/search_index.json").then(r => r.json())
  .then(idx => w.postMessage({{type: 0, data: Object.assign(idx, {{options: {{suggest: false}}}})}}));
</script><img src="/__hold"></body></html>""")
    handler.probe_results.clear()
    handler.probe_event.clear()
    # no virtual-time budget here: the worker runs in real time, and /__hold keeps the page
    # loading (so Chromium waiting) until the worker's answer has been posted
    subprocess.run([chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    "--dump-dom", f"{url}/__probe.html"], capture_output=True, text=True, timeout=60)
    assert handler.probe_results, "the search worker gave no answer"
    hits = json.loads(handler.probe_results[-1])
    assert any(h.startswith(f"api/{m}.html") for h in hits), f"search for {name!r} did not find api/{m}.html: {hits[:10]}"
