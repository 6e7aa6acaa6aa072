"""The benchmark run writes one table into both READMEs: never two contradicting runs."""

from __future__ import annotations

from pathlib import Path

from benchmarks.run import TABLE_END, TABLE_START, publish_table, results_block

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = {
    "date": "2026-11-30",
    "seconds": 612.4,
    "machine": {"cpu_count": 2, "cpu_model": "AMD EPYC", "python": "3.11.7", "sqlite": "3.40.1"},
    "table": ["| bench | figure |", "|---|---|", "| search | sqlite p95 @100k |"],
}


def test_a_full_run_replaces_the_table_in_every_readme(tmp_path: Path) -> None:
    readmes = []
    for name in ("README.md", "bench.md"):
        path = tmp_path / name
        path.write_text(f"# {name}\n\n{TABLE_START}\nold run\n{TABLE_END}\n\nafter\n")
        readmes.append(path)
    (tmp_path / "no-markers.md").write_text("nothing to replace\n")

    written = publish_table(PAYLOAD, [*readmes, tmp_path / "no-markers.md"])

    assert written == readmes
    texts = [path.read_text() for path in readmes]
    for text in texts:
        assert "old run" not in text and text.endswith(f"{TABLE_END}\n\nafter\n")
        assert "| search | sqlite p95 @100k |" in text
        assert "2026-11-30" in text and "612 s" in text and "2 CPUs AMD EPYC" in text
    block = lambda text: text[text.index(TABLE_START) : text.index(TABLE_END)]  # noqa: E731
    assert block(texts[0]) == block(texts[1])
    assert (tmp_path / "no-markers.md").read_text() == "nothing to replace\n"
    assert results_block(PAYLOAD).count("\n| ") == 2


def test_the_readmes_show_the_same_table() -> None:
    def block(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        return text[text.index(TABLE_START) : text.index(TABLE_END)]

    assert block(ROOT / "README.md") == block(ROOT / "benchmarks" / "README.md")
