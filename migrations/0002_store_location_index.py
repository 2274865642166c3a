from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Index store locations for the nearest-store search (see selectors.stores_near).

    cube + earthdistance ship with PostgreSQL's contrib package; creating them needs a
    role allowed to CREATE EXTENSION, as Saleor's own migrations do.
    """

    dependencies = [("saleor_o2o", "0001_initial")]

    operations = [
        CreateExtension("cube"),
        CreateExtension("earthdistance"),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX saleor_o2o_store_location_gist ON saleor_o2o_store "
                "USING gist (ll_to_earth(latitude, longitude));"
            ),
            reverse_sql="DROP INDEX IF EXISTS saleor_o2o_store_location_gist;",
        ),
    ]
