"""The composed schema as SDL, as committed in graphql/schema.graphql."""

from graphql import print_schema


def composed_schema_sdl() -> str:
    """Return Saleor's schema with the O2O fields, printed the way Saleor prints it."""
    from saleor_o2o.graphql.api import schema

    lines = []
    for line in print_schema(schema).splitlines():
        # Apollo tooling expects `&` between interfaces (graphql-core 2 prints `,`).
        if "implements" in line:
            line = line.replace(",", " &")
        lines.append(line)
    return "\n".join(lines) + "\n"
