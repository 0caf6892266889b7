#!/usr/bin/env python
"""Build clusterrep's offline documentation site from the notebooks, in one command:

    python scripts/build_docs.py                 # -> site/index.html
    python scripts/build_docs.py --out /tmp/site # somewhere else
    python scripts/build_docs.py --execute       # also run the notebooks (papermill, cached) for all outputs
    python -m http.server -d site 8000           # browse it (search needs http://; pages also open as file://)

Quarto (and so `nbdev_docs`) is not available offline, so the site is MkDocs + Material, and this
script is only the glue between nbdev and MkDocs:

1. every notebook in nbs/ (ordered by its number; `index.ipynb` is the home page) goes through
   nbdev's own processors: `#| hide` cells are dropped, `show_doc(...)` cells are executed and
   rendered, `#|` directive lines are stripped (only exported cells, imports and show_doc cells
   run: no model is trained here), and is written as a Markdown page under _proc/docs/;
2. an experiment notebook's page ends with its results: every figure of nbs/figures/ and every
   table of nbs/results/ that the notebook writes (see `notebook_outputs`);
3. API pages are one `::: clusterrep.<module>` directive each, rendered by mkdocstrings (mkdocs.yml);
4. BENCHMARKS.md becomes the "Benchmarks" page; MkDocs builds the site with the navigation made
   here. Everything it needs is local (search index, MathJax copy, no web fonts).
What the plugins cannot do for us is listed in CONTRIBUTING.md ("Documentation site").
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import fnmatch
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
LIB = ROOT / "clusterrep"
STATIC = ROOT / "docs_src"
BUILD = ROOT / "_proc" / "docs"          # generated Markdown (gitignored)
EXEC_CACHE = ROOT / "_proc" / "executed"  # notebooks run by --execute (gitignored)
MAX_STREAM_LINES = 60                     # long training logs are cut in the middle
MAX_OPEN_ROWS = 60                        # longer result tables are shown collapsed

_warnings: list[str] = []


def warn(msg: str) -> None:
    _warnings.append(msg)
    print(f"build_docs: warning: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# Discovering the notebooks
# --------------------------------------------------------------------------------------------
_re_num = re.compile(r"^(\d+)[_-]?")


def discover_notebooks(nbs: Path | None = None) -> list[Path]:
    "All notebooks under `nbs` (recursively), skipping `_*` files and checkpoints, in number order."
    nbs = NBS if nbs is None else nbs
    found = [p for p in nbs.rglob("*.ipynb")
             if not any(part.startswith(("_", ".")) for part in p.relative_to(nbs).parts)]

    def key(p: Path):
        rel = p.relative_to(nbs)
        m = _re_num.match(p.stem)
        return (rel.parent.as_posix(), p.stem != "index", int(m.group(1)) if m else 10**9, p.stem)
    return sorted(found, key=key)


def _cell_text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else (src or "")


def notebook_title(nb: dict, fallback: str) -> tuple[str, str]:
    "Title and summary from the first markdown `# Title` (+ `> summary`) cell, or YAML front matter."
    for cell in nb.get("cells", []):
        text = _cell_text(cell).strip()
        if cell.get("cell_type") == "raw" and text.startswith("---"):
            m = re.search(r"^title:\s*(.+)$", text, re.M)
            d = re.search(r"^description:\s*(.+)$", text, re.M)
            if m:
                return m.group(1).strip().strip("'\""), (d.group(1).strip().strip("'\"") if d else "")
        if cell.get("cell_type") == "markdown":
            m = re.match(r"^#\s+(.+)$", text, re.M)
            if m:
                summary = " ".join(l[1:].strip() for l in text.splitlines()[1:] if l.startswith(">"))
                return m.group(1).strip(), summary
    return fallback, ""


def page_name(nb_path: Path) -> str:
    "Markdown file (relative to the docs folder) for a notebook."
    return nb_path.relative_to(NBS).with_suffix(".md").as_posix()


# --------------------------------------------------------------------------------------------
# nbdev processing: show_doc rendered, directives applied
# --------------------------------------------------------------------------------------------
def _only_imports(tree: ast.Module) -> bool:
    return bool(tree.body) and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body)


_SHELL = None


def _make_exec_proc():
    "A variant of nbdev's `exec_show_docs` that never runs expensive cells (training, plots)."
    from execnb.shell import CaptureShell
    from nbdev.process import Processor
    from nbdev.processors import _show_docs, cell_lang

    class exec_show_docs_only(Processor):
        "Run exported cells, import statements and show_doc cells; nothing else."
        _show_dirs = {"export", "exports", "exporti", "exec_doc"}

        def begin(self):
            # one IPython shell for the whole build, its namespace cleared per notebook: creating
            # (and closing) a shell per notebook costs seconds of history-database work each
            global _SHELL
            if _SHELL is None:
                _SHELL = CaptureShell()
                # no output cache (`_`, `_1`, ...): otherwise every reset flushes it with a full gc.collect(),
                # seconds per build once torch is loaded
                _SHELL.displayhook.do_full_cache = False
            else:
                _SHELL.reset(new_session=False)
                _SHELL.exc = None
            self.k = _SHELL
            self.k.run("from nbdev.showdoc import show_doc")
            self.errors: list[str] = []   # shown on the page: an export or show_doc cell failed
            self.notes: list[str] = []    # build log only: an import failed (show_doc then fails too)

        def _run(self, code: str, cell=None, visible: bool = True) -> None:
            if cell is not None:
                self.k.cell(cell)
            else:
                self.k.run(code)
            if self.k.exc is not None:
                msg = f"{type(self.k.exc).__name__}: {self.k.exc} in cell:\n{code[:300]}"
                (self.errors if visible else self.notes).append(msg)
                self.k.exc = None

        def __call__(self, cell):
            if cell.cell_type != "code" or not cell.source or cell_lang(cell) != "python":
                return
            if cell.directives_.get("eval:", [""])[0].lower() == "false":
                return
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:   # IPython syntax (magics, `!cmd`): not ours to run
                return
            if cell.directives_.keys() & self._show_dirs:
                self._run(cell.source, cell)
            elif _only_imports(tree):
                self._run(cell.source, cell, visible=False)
            elif _show_docs(tree.body) and all(
                    isinstance(s, (ast.Import, ast.ImportFrom)) or s in _show_docs(tree.body) for s in tree.body):
                self._run(cell.source, cell)
            else:   # a cell mixing imports with real work: run only its imports
                imports = [ast.get_source_segment(cell.source, s) for s in tree.body
                           if isinstance(s, (ast.Import, ast.ImportFrom))]
                if imports:
                    self._run("\n".join(imports), visible=False)
                if _show_docs(tree.body):   # show_doc mixed in: render those calls too
                    for s in _show_docs(tree.body):
                        outs = self.k.run(ast.get_source_segment(cell.source, s))
                        if self.k.exc is None and outs:
                            from fastcore.basics import AttrDict
                            cell.outputs = [AttrDict(o) for o in outs]
                        self.k.exc = None

    return exec_show_docs_only


def _rm_hidden(cell):
    "Drop cells that nbdev/Quarto would not show: `default_exp`, `include: false`."
    d = cell.directives_ or {}
    if "default_exp" in d or d.get("include:", [""])[0].lower() == "false":
        del cell["source"]


def process_notebook(path: Path, execute_show_doc: bool = True):
    "Read `path` and run nbdev's processors; returns (execnb notebook, list of problems)."
    from execnb.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import (add_show_docs, ai_magics, clean_magics, filter_stream_, hide_,
                                  hide_line, mv_exports, populate_language, rm_header_dash,
                                  strip_ansi, strip_hidden_metadata)
    nb = read_nb(path)
    nb.path_ = str(path)
    procs = [populate_language, add_show_docs, strip_ansi, hide_line, filter_stream_, rm_header_dash]
    exec_proc = None
    if execute_show_doc:
        exec_proc = _make_exec_proc()
        procs.append(exec_proc)
    procs += [ai_magics, clean_magics, hide_, _rm_hidden, mv_exports, strip_hidden_metadata]
    proc = NBProcessor(nb=nb, procs=procs)   # strips the `#|` lines, keeps them in cell.directives_
    problems: list[str] = []
    old_cwd = os.getcwd()
    BUILD.mkdir(parents=True, exist_ok=True)
    os.chdir(BUILD)   # whatever a cell writes (figures/...) lands in the build folder, not in nbs/
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            proc.process()
    finally:
        os.chdir(old_cwd)
    for p in proc.procs:
        problems += getattr(p, "errors", [])
        for note in getattr(p, "notes", []):
            warn(f"{path.name}: {note.splitlines()[0]}")
    return proc.nb, problems


# --------------------------------------------------------------------------------------------
# Notebook -> Markdown
# --------------------------------------------------------------------------------------------
_re_ansi = re.compile(r"\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")
_re_list_item = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+\S")



def fix_markdown(src: str) -> str:
    """Adapt notebook (CommonMark) Markdown to Python-Markdown: blank lines before lists, tables
    and `$$` blocks, and 4 spaces per nesting level for list items written with 2 or 3."""
    out: list[str] = []
    in_fence = in_math = False
    stack: list[int] = []          # original indents of the open list levels
    loose = False                  # a blank line was put inside the current list

    def blank():
        nonlocal loose
        out.append("")
        loose = loose or bool(stack)

    for raw in src.splitlines():
        stripped = raw.strip()
        prev = out[-1] if out else ""
        indented = raw[:1] in (" ", "\t")
        # inside a list item, continuation lines (text, math, fences) get the item's indentation
        line = " " * (4 * len(stack)) + raw.lstrip() if stack and indented else raw
        if in_fence:
            out.append(line if stack else raw)
            in_fence = not stripped.startswith(("```", "~~~"))
            continue
        if stripped.startswith(("```", "~~~")):
            if prev.strip():
                blank()
            out.append(line)
            in_fence = True
            continue
        if in_math:
            out.append(line)
            if stripped.endswith("$$"):
                in_math = False
                blank()
            continue
        if stripped.startswith("$$"):
            if prev.strip():
                blank()
            out.append(line)
            if stripped == "$$" or not stripped[2:].rstrip().endswith("$$"):
                in_math = True
            else:
                blank()
            continue
        m = _re_list_item.match(raw)
        if m:
            indent = len(m.group(1).expandtabs(4))
            if not stack:
                if prev.strip():
                    out.append("")
                stack, loose = [indent], False
            else:
                if loose and prev.strip():   # the previous item holds a block: separate the items
                    out.append("")
                if indent > stack[-1]:
                    stack.append(indent)
                else:
                    while len(stack) > 1 and indent < stack[-1]:
                        stack.pop()
            line = " " * (4 * (len(stack) - 1)) + raw.lstrip()
        elif stripped and stack and not indented and not prev.strip():
            stack = []     # unindented text after a blank line ends the list
        if stripped.startswith("|") and prev.strip() and not prev.strip().startswith("|"):
            blank()
        if not stripped and stack:
            loose = True
        out.append(line)
    return "\n".join(out)


def _text(v) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def _fence(text: str, lang: str = "text", title: str | None = None) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    attrs = f' title="{title}"' if title else ""
    return f"{ticks}{lang}{attrs}\n{text.rstrip()}\n{ticks}"


def _cut(text: str) -> str:
    lines = _re_ansi.sub("", text).splitlines()
    if len(lines) > MAX_STREAM_LINES:
        half = MAX_STREAM_LINES // 2
        lines = lines[:half] + [f"... ({len(lines) - 2 * half} lines left out) ..."] + lines[-half:]
    return "\n".join(lines)


class OutputWriter:
    "Writes images of one page under <page>_files/ and returns Markdown for outputs."

    def __init__(self, page_md: Path, docs: Path):
        self.dir = page_md.with_name(page_md.stem + "_files")
        self.rel = self.dir.name
        self.n = 0

    def _save(self, data: bytes | str, ext: str) -> str:
        import base64
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n += 1
        name = f"output_{self.n}.{ext}"
        if ext == "svg":
            (self.dir / name).write_text(_text(data))
        else:
            (self.dir / name).write_bytes(base64.b64decode(_text(data)))
        return f"{self.rel}/{name}"

    def render(self, out) -> str:
        kind = out.get("output_type")
        if kind == "stream":
            text = _cut(_text(out.get("text", "")))
            return _fence(text) if text.strip() else ""
        if kind == "error":
            tb = _cut("\n".join(out.get("traceback", [])) or f"{out.get('ename')}: {out.get('evalue')}")
            return '!!! failure "Error"\n\n' + "\n".join("    " + l for l in _fence(tb).splitlines())
        data = out.get("data", {})
        if "text/markdown" in data:
            return _text(data["text/markdown"]).strip()
        if "image/png" in data:
            return f"![output]({self._save(data['image/png'], 'png')})"
        if "image/svg+xml" in data:
            return f"![output]({self._save(data['image/svg+xml'], 'svg')})"
        if "image/jpeg" in data:
            return f"![output]({self._save(data['image/jpeg'], 'jpg')})"
        if "text/html" in data:
            body = _text(data["text/html"]).strip()
            if "<script" not in body:
                return f'<div class="cr-html" markdown="0">\n{body}\n</div>'
        if "text/latex" in data:
            return _text(data["text/latex"]).strip()
        if "text/plain" in data:
            return _fence(_cut(_text(data["text/plain"])))
        return ""


def notebook_to_markdown(nb, title: str, summary: str, page_md: Path, module: str | None,
                         problems: list[str], figs: list[Path] = (), tables: list[Path] = (),
                         shown: set[str] | None = None) -> str:
    """The page: title, cells (a figure of `figs` that a code cell writes is shown after that cell), then the
    results section with the remaining figures and the `tables`."""
    shown = set() if shown is None else shown
    rel = os.path.relpath(BUILD / "figures", page_md.parent)
    parts = [f"# {title}"]
    if summary:
        parts.append(f"{summary}\n{{: .cr-summary }}")
    if problems:
        body = "\n".join("    " + l for l in _fence("\n\n".join(problems)).splitlines())
        parts.append('!!! warning "The docs build could not render all of this page"\n\n' + body)
    writer = OutputWriter(page_md, BUILD)
    title_done = False
    for cell in nb.cells:
        src = _text(cell.get("source", ""))
        if cell.cell_type == "markdown":
            text = src.strip()
            if not title_done and re.match(r"^#\s+", text):   # title cell: already the page header
                title_done = True
                text = "\n".join(l for l in text.splitlines()[1:] if not l.startswith(">")).strip()
            if text:
                parts.append(fix_markdown(text))
            continue
        if cell.cell_type != "code":
            continue
        d = getattr(cell, "directives_", {}) or {}
        is_showdoc = bool(re.match(r"^\s*show_doc\(", src)) or getattr(cell, "has_sd", False)
        echo = d.get("echo:", ["true"])[0].lower() != "false" and not is_showdoc
        # nbdev keeps Quarto's own options (`#| echo: false`, ...) in the source: strip them all
        src = re.sub(r"\A(?:[ \t]*#\|.*(?:\n|\Z))+", "", src)
        if src.strip() and echo:
            exported = d.keys() & {"export", "exports", "exporti"}
            parts.append(_fence(src, "python", f"exported to clusterrep.{module}" if exported and module else None))
        outs = []
        if d.get("output:", ["true"])[0].lower() != "false":
            outs = [r for r in (writer.render(o) for o in cell.get("outputs", [])) if r]
        if is_showdoc:
            parts += outs
        elif outs:
            parts.append('<div class="cr-output" markdown="1">\n\n' + "\n\n".join(outs) + "\n\n</div>")
        elif figs and not cell.get("outputs"):   # the stored notebook has no outputs: show the figure it saves
            pats = file_patterns(src)
            for f in figs:
                if f.name not in shown and any(fnmatch.fnmatch(f.name, p) for p in pats):
                    shown.add(f.name)
                    parts.append(f'<div class="cr-output" markdown="1">\n\n![{f.name}]({rel}/{f.name})\n\n</div>')
    results = results_section(figs, tables, page_md, shown)
    if results:
        parts.append(results)
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------
# The results of an experiment notebook: its figures (nbs/figures/) and tables (nbs/results/)
# --------------------------------------------------------------------------------------------
_re_file_ref = re.compile(r"[\w{}\[\],.*/-]+\.(?:png|csv)\b")
_SEED_COLUMNS = {"seed", "rep", "repeat", "run", "restart"}


def _expand_braces(s: str) -> list[str]:
    "`fig{2,7}_{preset}.png` -> `fig2_*.png`, `fig7_*.png` (shell-style lists; other fields match anything)."
    m = re.search(r"\{([\w.-]*,[\w.,-]*)\}", s)
    if m:
        return [x for alt in m.group(1).split(",") for x in _expand_braces(s[:m.start()] + alt + s[m.end():])]
    return [re.sub(r"\{[^{}]*\}", "*", s)]


def file_patterns(text: str) -> list[str]:
    "Glob patterns of the .png/.csv files a text names (f-string fields and `{a,b}` lists expanded, vague ones dropped)."
    patterns = []
    for ref in _re_file_ref.findall(text):
        for p in _expand_braces(ref.split("/")[-1]):
            p = re.sub(r"\*+", "*", p)
            if len(re.sub(r"\*|\.\w+$", "", p).strip("_-. ")) >= 4:
                patterns.append(p)
    return patterns


def notebook_outputs(nb_json: dict, stem: str) -> tuple[list[Path], list[Path]]:
    """The figures (nbs/figures/*.png) and result files (nbs/results/**/*.csv) a notebook writes.

    A file belongs to a notebook when the notebook names it anywhere (code or prose), literally or as
    a pattern: `f"paper1_{key}_vae.png"` and `paper1_fig{2,7,8}_cpu.png` both count; patterns with
    fewer than 4 fixed characters (`{name}_{preset}.png`) are ignored. Figures `NN_*.png` also belong
    to notebook NN, and so do the figures of a `benchmarks/NAME.py` script the notebook names."""
    text = "\n".join(_cell_text(c) for c in nb_json.get("cells", []))
    for script in set(re.findall(r"benchmarks/(\w+)\.py", text)):
        if (ROOT / "benchmarks" / f"{script}.py").exists():
            text += "\n" + " ".join(re.findall(r"[\w{}/-]+\.png", (ROOT / "benchmarks" / f"{script}.py").read_text()))
    patterns = file_patterns(text)
    figures = sorted((NBS / "figures").glob("*.png")) if (NBS / "figures").is_dir() else []
    results = sorted(p for p in (NBS / "results").rglob("*.csv") if "cache" not in p.relative_to(NBS / "results").parts) \
        if (NBS / "results").is_dir() else []
    num = _re_num.match(stem)
    own = lambda p: any(fnmatch.fnmatch(p.name, pat) for pat in patterns)
    figs = [p for p in figures if own(p) or (num and p.name.startswith(f"{num.group(1)}_"))]
    return figs, [p for p in results if own(p)]


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if v != v:   # NaN
        return "–"
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.4g}"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    esc = lambda x: str(x).replace("|", "\\|")
    return "\n".join(["| " + " | ".join(map(esc, header)) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(map(esc, r)) + " |" for r in rows])


def csv_summary(path: Path) -> tuple[str, int]:
    """A CSV of per-seed results as a Markdown table: mean ± sd over the seed column(s) for each group of the
    text columns (and of the hyperparameter columns, when the file holds a grid of them per seed); columns
    that never change are listed above the table; a table with more metrics than groups is transposed."""
    import pandas as pd
    df = pd.read_csv(path)
    seeds = [c for c in df.columns if c.lower() in _SEED_COLUMNS]
    const = [c for c in df.columns if c not in seeds and df[c].nunique(dropna=False) == 1]
    keys = [c for c in df.columns if c not in seeds + const and not pd.api.types.is_numeric_dtype(df[c])]
    if seeds and df.duplicated(keys + seeds).any():   # a grid: the varying few-valued numeric columns are keys too
        inner = df.groupby(keys + seeds, dropna=False) if keys + seeds else None
        keys += [c for c in df.columns if c not in seeds + const + keys and df[c].nunique() <= 8
                 and inner is not None and (inner[c].nunique() > 1).any()]
    metrics = [c for c in df.columns if c not in seeds + const + keys and pd.api.types.is_numeric_dtype(df[c])]
    if not seeds:   # no seed column: nothing to average over, the rows as they are
        same = "; ".join(f"`{c}` = {_fmt(df[c].iloc[0])}" for c in const[:12])
        table = _md_table([c for c in df.columns if c not in const],
                          [[_fmt(v) for v in r] for r in df.drop(columns=const).itertuples(index=False)])
        return (f"The same in every row: {same}.\n\n" if same else "") + table, len(df)
    n = df.groupby(keys, dropna=False).size() if keys else pd.Series([len(df)])
    groups = list(df.groupby(keys, dropna=False, sort=False)) if keys else [((), df)]
    cell = lambda g, c: _fmt(g[c].mean()) + (f" ± {_fmt(g[c].std())}" if g[c].count() > 1 else "")
    label = lambda k: " / ".join(_fmt(x) for x in (k if isinstance(k, tuple) else (k,))) or "all rows"
    if len(metrics) > len(groups) + 2 and len(groups) <= 8:
        table = _md_table(["column"] + [label(k) for k, _ in groups],
                          [[c] + [cell(g, c) for _, g in groups] for c in metrics])
    else:
        table = _md_table(keys + ["runs"] + metrics, [[_fmt(x) for x in (k if isinstance(k, tuple) else (k,))]
                          + [str(len(g))] + [cell(g, c) for c in metrics] for k, g in groups])
    runs = f"{int(n.min())}" if n.min() == n.max() else f"{int(n.min())}–{int(n.max())}"
    how = f"Mean ± sd over `{'`, `'.join(seeds)}` ({runs} runs per row)"
    same = "; ".join(f"`{c}` = {_fmt(df[c].iloc[0])}" for c in const[:12])
    rows = len(groups) if len(metrics) <= len(groups) + 2 or len(groups) > 8 else len(metrics)
    intro = f"{how}." + (f" The same in every run: {same}." if same else "")
    return intro + "\n\n" + table, rows


def _details(title: str, body: str, open_: bool) -> str:
    return f'???{"+" if open_ else ""} note "{title}"\n\n' + "\n".join("    " + l if l else "" for l in body.splitlines())


def results_section(figs: list[Path], tables: list[Path], page_md: Path, shown: set[str]) -> str:
    "The 'Results' section: figures not already on the page, then one table per result file."
    rel = os.path.relpath(BUILD / "figures", page_md.parent)
    parts = []
    new_figs = [f for f in figs if f.name not in shown]
    if new_figs:
        parts.append("### Figures\n\nSaved under `nbs/figures/` by the presets that produced them "
                     "(`cpu` unless the name says otherwise):")
        parts += [f"![{f.name}]({rel}/{f.name})\n{{: .cr-figure }}\n\n<p class=\"cr-caption\"><code>{f.name}</code></p>"
                  for f in new_figs]
    if tables:
        parts.append("### Result tables\n\nFrom the CSV files under `nbs/results/` (a table the notebook summarised "
                     "itself, `NAME.md` next to `NAME.csv`, is shown as written):")
        for t in tables:
            name = t.relative_to(NBS).as_posix()
            md = t.with_suffix(".md")
            try:
                body, rows = (md.read_text().strip(), md.read_text().count("\n|")) if md.exists() else csv_summary(t)
            except Exception as e:   # a malformed CSV must not stop the build
                warn(f"{name}: could not summarise: {type(e).__name__}: {e}")
                continue
            parts.append(_details(f"{name}" + (f" (summary in {md.name})" if md.exists() else ""), fix_markdown(body),
                                  open_=rows <= MAX_OPEN_ROWS and len(tables) <= 4))
    return ("## Results\n\n" + "\n\n".join(parts)) if parts else ""


def default_exp(nb_json: dict) -> str | None:
    for cell in nb_json.get("cells", []):
        if cell.get("cell_type") == "code":
            m = re.search(r"^\s*#\|\s*default_exp\s+(\S+)", _cell_text(cell), re.M)
            if m:
                return m.group(1)
    return None


# --------------------------------------------------------------------------------------------
# Executing notebooks (optional, cached)
# --------------------------------------------------------------------------------------------
def _lib_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(LIB.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _execute_one(args):
    src, dest, workdir = args
    import papermill
    tmp = dest.with_suffix(".tmp.ipynb")
    try:
        papermill.execute_notebook(str(src), str(tmp), cwd=str(workdir), kernel_name="python3",
                                   progress_bar=False, log_output=False)
        os.replace(tmp, dest)
        return src.name, None
    except Exception as e:  # the page then shows the stored notebook
        tmp.unlink(missing_ok=True)
        return src.name, f"{type(e).__name__}: {str(e)[:500]}"


def execute_notebooks(paths: list[Path], jobs: int) -> dict[Path, Path]:
    "Run notebooks with papermill into _proc/executed/ (cached by content); returns path -> executed copy."
    from concurrent.futures import ProcessPoolExecutor
    EXEC_CACHE.mkdir(parents=True, exist_ok=True)
    lib = _lib_hash()
    todo, result = [], {}
    for p in paths:
        key = hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        dest = EXEC_CACHE / f"{p.stem}.{key}.{lib}.ipynb"
        result[p] = dest
        if not dest.exists():
            todo.append((p, dest))
    if todo:
        print(f"build_docs: executing {len(todo)} notebook(s) with papermill ...", file=sys.stderr)
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        # run in a scratch copy of nbs/: relative reads work, and whatever the notebooks write
        # (figures, results) stays out of the working tree
        work = EXEC_CACHE / "work"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(NBS, work, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        todo = [(p, d, work / p.relative_to(NBS).parent) for p, d in todo]
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as ex:
            for name, err in ex.map(_execute_one, todo):
                if err:
                    warn(f"{name} failed to execute; its page shows the stored notebook: {err}")
    return {p: d for p, d in result.items() if d.exists()}


# --------------------------------------------------------------------------------------------
# Reading modules without importing them
# --------------------------------------------------------------------------------------------
def module_all(py: Path) -> list[str]:
    "The literal `__all__` of a module file, read without importing it."
    try:
        tree = ast.parse(py.read_text())
    except SyntaxError:
        return []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(t, "id", None) == "__all__" for t in targets):
                try:
                    return [str(x) for x in ast.literal_eval(node.value)]
                except ValueError:
                    return []
    return []


def library_modules() -> list[str]:
    "Public modules of clusterrep (files clusterrep/*.py that are not private)."
    return sorted(p.stem for p in LIB.glob("*.py") if not p.stem.startswith("_"))



# --------------------------------------------------------------------------------------------
# API pages (mkdocstrings) and the benchmarks page
# --------------------------------------------------------------------------------------------
def statically_hidden(modules: list[str]) -> dict[str, list[str]]:
    "Names in a module's `__all__` that griffe's static analysis does not see (`A, B = 1, 2`), per module."
    import griffe
    pkg = griffe.load("clusterrep", search_paths=[str(ROOT)], allow_inspection=False)
    out = {m: [n for n in module_all(LIB / f"{m}.py") if n not in pkg[m].members] for m in modules}
    return {m: names for m, names in out.items() if names}


def _assignment_entry(modname: str, name: str) -> str:
    "A heading (with mkdocstrings' anchor) and the source line for a name griffe misses."
    src = (LIB / f"{modname}.py").read_text()
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and any(name in {getattr(e, "id", None) for e in ast.walk(t)} for t in node.targets):
            return f"## `{name}` {{ #clusterrep.{modname}.{name} }}\n\n" + _fence(ast.get_source_segment(src, node), "python")
    return f"## `{name}` {{ #clusterrep.{modname}.{name} }}\n\n*(listed in `__all__`)*"


def api_page(modname: str, notebook_page: str | None, notebook_title: str | None, hidden: list[str] = ()) -> str:
    """One mkdocstrings directive: signatures, docstrings and source of every name in the module's `__all__`
    (read from the source), plus the `hidden` names that griffe does not see, written here."""
    src = f"[{notebook_title}](../{notebook_page})" if notebook_page else "its notebook"
    return "\n\n".join([f"# clusterrep.{modname}", f"API reference of `clusterrep.{modname}`, generated from the code. "
                        f"The explanations, equations and examples are in {src}.\n{{: .cr-api-meta }}"]
                       + [_assignment_entry(modname, n) for n in hidden] + [f"::: clusterrep.{modname}"]) + "\n"


def benchmarks_page() -> str | None:
    "BENCHMARKS.md with its links into the repository made to work on the site."
    p = ROOT / "BENCHMARKS.md"
    if not p.exists():
        return None
    text = p.read_text()
    text = re.sub(r"\]\((?:\.\./)?nbs/figures/", "](figures/", text)   # the figures are copied to figures/
    return fix_markdown(text)


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------
def copy_assets(docs: Path) -> None:
    assets = docs / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for f in STATIC.glob("*"):
        if f.is_file():
            shutil.copy2(f, assets / f.name)
    try:
        import mathjax  # the django-static-mathjax package: a copy of MathJax 3
        mj = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
        (assets / "mathjax").mkdir(exist_ok=True)
        shutil.copy2(mj, assets / "mathjax" / "tex-svg-full.js")
    except (ImportError, FileNotFoundError):
        warn("MathJax not found (pip install django-static-mathjax); formulas will show as TeX source")
        (assets / "mathjax").mkdir(exist_ok=True)
        (assets / "mathjax" / "tex-svg-full.js").write_text("/* MathJax missing */\n")
    for img in NBS.rglob("*"):   # nbs/figures/ and any image next to a notebook, same relative path
        rel = img.relative_to(NBS)
        if img.suffix.lower() in {".png", ".svg", ".jpg", ".jpeg", ".gif"} and img.is_file() \
                and not any(part.startswith((".", "_")) for part in rel.parts):
            (docs / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(img, docs / rel)


MARKER = ".build_docs"


def _check_replaceable(folder: Path, sign: Path) -> None:
    "Refuse to wipe a non-empty folder that is not one of our own previous outputs."
    if folder.is_dir() and any(folder.iterdir()) and not sign.exists():
        raise SystemExit(f"build_docs: {folder} is not empty and was not made by this script; "
                         "choose another folder (it would be deleted)")


def build(out: Path, execute: bool = False, jobs: int = 2, strict: bool = False, quiet: bool = False,
          build_dir: Path | None = None, nbs: Path | None = None) -> Path:
    global BUILD, NBS
    t0 = time.time()
    if build_dir is not None:
        BUILD = Path(build_dir).resolve()
    if nbs is not None:
        NBS = Path(nbs).resolve()
    _warnings.clear()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("CLUSTERREP_DATA", str(ROOT.parent / "shared" / "data"))
    _check_replaceable(BUILD, BUILD / MARKER)
    _check_replaceable(out, out / "search" / "search_index.json")
    if BUILD.exists():
        shutil.rmtree(BUILD)
    BUILD.mkdir(parents=True)
    (BUILD / MARKER).write_text("generated by scripts/build_docs.py; deleted on every build\n")
    copy_assets(BUILD)

    notebooks = discover_notebooks()
    executed = execute_notebooks(notebooks, jobs) if execute else {}
    nav_nbs, home, mod2page = [], None, {}
    for nb_path in notebooks:
        raw = json.loads(nb_path.read_text())
        title, summary = notebook_title(raw, nb_path.stem)
        module = default_exp(raw)
        md_name = page_name(nb_path)
        page_md = BUILD / md_name
        page_md.parent.mkdir(parents=True, exist_ok=True)
        source = executed.get(nb_path, nb_path)
        try:
            nb, problems = process_notebook(source)
        except Exception as e:   # fall back to the stored notebook without show_doc execution
            problems = [f"{type(e).__name__}: {e}"]
            nb, more = process_notebook(source, execute_show_doc=False)
            problems += more
        for p in problems:
            warn(f"{nb_path.name}: {p.splitlines()[0]}")
        figs, tables = notebook_outputs(raw, nb_path.stem)
        shown = set(re.findall(r"figures/([\w.-]+\.png)", "\n".join(
            _cell_text(c) for c in raw["cells"] if c["cell_type"] == "markdown")))
        page_md.write_text(notebook_to_markdown(nb, title, summary, page_md, module, problems, figs, tables, shown))
        if nb_path.stem == "index" and nb_path.parent == NBS:
            home = md_name
        else:
            nav_nbs.append({title: md_name})
        if module:
            mod2page[module] = (md_name, title)
    if home is None:
        readme = ROOT / "README.md"
        (BUILD / "index.md").write_text(readme.read_text() if readme.exists() else "# clusterrep\n")
        home = "index.md"

    modules = library_modules()
    order = {m: i for i, m in enumerate(mod2page)}
    modules.sort(key=lambda m: (order.get(m, 10**6), m))
    (BUILD / "api").mkdir(exist_ok=True)
    hidden = statically_hidden(modules)
    for m in modules:
        (BUILD / "api" / f"{m}.md").write_text(api_page(m, *mod2page.get(m, (None, None)), hidden.get(m, [])))
    (BUILD / "api" / "index.md").write_text(
        "# API reference\n\nOne page per module of `clusterrep`, generated from the code by mkdocstrings.\n\n"
        "| Module | Public names |\n|---|---|\n" + "\n".join(
            f"| [`clusterrep.{m}`]({m}.md) | {', '.join(f'`{n}`' for n in module_all(LIB / f'{m}.py'))} |"
            for m in modules) + "\n")

    nav = [{"Home": home}]
    bench = benchmarks_page()
    if bench:
        (BUILD / "benchmarks.md").write_text(bench)
        nav.append({"Benchmarks": "benchmarks.md"})
    if nav_nbs:
        nav.append({"Notebooks": nav_nbs})
    nav.append({"API reference": [{"Overview": "api/index.md"}] + [{f"clusterrep.{m}": f"api/{m}.md"} for m in modules]})

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    import logging
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.getLogger("mkdocs").setLevel(logging.ERROR if quiet else logging.WARNING)
    cfg = load_config(str(ROOT / "mkdocs.yml"), docs_dir=str(BUILD), site_dir=str(out), nav=nav)
    cfg.plugins.on_startup(command="build", dirty=False)   # mkdocstrings keeps its handlers from startup
    try:
        mkdocs_build(cfg)
    finally:
        cfg.plugins.on_shutdown()
    if not quiet:
        print(f"build_docs: {len(notebooks)} notebooks, {len(modules)} API pages -> {out}/index.html "
              f"in {time.time() - t0:.1f} s ({len(_warnings)} warnings)", file=sys.stderr)
    if strict and _warnings:
        raise SystemExit(f"build_docs: {len(_warnings)} warning(s) with --strict")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "site", help="output folder (default: site/)")
    ap.add_argument("--execute", action="store_true",
                    help="run every notebook with papermill first (cached in _proc/executed/) to show all outputs")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel with --execute")
    ap.add_argument("--build-dir", type=Path, default=None,
                    help="folder for the generated Markdown (default: _proc/docs/)")
    ap.add_argument("--nbs", type=Path, default=None, help="notebook folder (default: nbs/)")
    ap.add_argument("--strict", action="store_true", help="fail on any warning")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    build(a.out.resolve(), execute=a.execute, jobs=a.jobs, strict=a.strict, quiet=a.quiet, build_dir=a.build_dir, nbs=a.nbs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
