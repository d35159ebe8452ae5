"""Executed notebook -> one self-contained HTML file: code hidden, images inline, no CDN."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from stagetests.results import write_atomic

__all__ = ["export_html"]

TEMPLATES = Path(__file__).with_name("templates")


def export_html(notebook: Path, html: Path) -> int:
    """Render ``notebook`` into ``html`` (atomically); returns the size in bytes."""
    exporter = HTMLExporter(template_name="stagetests",
                            extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    # Jupyter Book's tag names, so notebooks can hide a cell in the report only.
    remover = TagRemovePreprocessor(remove_cell_tags={"remove-cell"},
                                    remove_all_outputs_tags={"remove-output"},
                                    remove_input_tags={"remove-input"})
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    write_atomic(html, body)
    return len(body.encode())
