"""Every GraphQL document of README's "Appointments" section is valid against the
schema, so its examples cannot rot."""

import re
from pathlib import Path

import pytest
from graphql import parse, validate

README = Path(__file__).resolve().parents[3] / "README.md"
SECTION = "### Appointments"


def documents():
    text = README.read_text()
    start = text.index(SECTION)
    end = text.index("\n### ", start + len(SECTION))
    blocks = re.findall(r"```graphql\n(.*?)```", text[start:end], re.S)
    assert len(blocks) >= 3
    return [
        doc.strip()
        for block in blocks
        for doc in re.split(r"\n(?=mutation |\{ )", block)
        if doc.strip()
    ]


@pytest.mark.parametrize("document", documents())
def test_readme_example_is_valid(document):
    from saleor_o2o.graphql.api import schema

    errors = validate(schema, parse(document))
    assert not errors, (document, errors)
