"""README's "Live occupancy" examples are valid against the schema served."""

import re
from pathlib import Path

from graphql import parse, validate

from saleor_o2o.graphql.api import schema

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_example_of_the_section_validates():
    text = README.read_text()
    section = text.split("### Live occupancy", 1)[1].split("\n### ", 1)[0]
    documents = re.findall(r"```graphql\n(.*?)```", section, re.S)
    assert len(documents) == 3
    for document in documents:
        assert validate(schema, parse(document)) == [], document
