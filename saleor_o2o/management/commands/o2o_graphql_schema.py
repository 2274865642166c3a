from pathlib import Path

from django.core.management.base import BaseCommand

from saleor_o2o.graphql.core.sdl import composed_schema_sdl


class Command(BaseCommand):
    help = "Print the composed GraphQL schema (Saleor + O2O) as SDL, or write it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="Write to this file (e.g. graphql/schema.graphql)."
        )

    def handle(self, *args, output=None, **options):
        sdl = composed_schema_sdl()
        if output:
            Path(output).write_text(sdl)
            self.stdout.write(f"Wrote {output} ({len(sdl.splitlines())} lines).")
        else:
            self.stdout.write(sdl, ending="")
