"""README's "Reserve to try" examples are valid against the schema served."""

import re
from pathlib import Path

from graphql import parse, validate

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_try_on_examples_validate():
    from saleor_o2o.graphql.api import schema

    text = README.read_text()
    start = text.index("\n### Reserve to try\n")
    end = text.index("\n### ", start + 5)
    blocks = re.findall(r"^```graphql\n(.*?)^```$", text[start:end], re.S | re.M)
    assert len(blocks) == 2
    for block in blocks:
        for document in re.split(r"\n+(?=query|mutation)", block.strip()):
            errors = validate(schema, parse(document))
            assert not errors, (document, errors)
