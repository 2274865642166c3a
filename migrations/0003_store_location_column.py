from django.db import migrations


class Migration(migrations.Migration):
    """Keep each store's point on earthdistance's sphere in a stored column.

    PostgreSQL computes ``location`` from latitude and longitude on every write, so
    searches compare plain cubes instead of calling ``ll_to_earth`` for each row; the
    GiST index moves from the expression to the column. The column is not a model
    field: Django never writes it, and only the locator's SQL reads it.
    """

    dependencies = [("saleor_o2o", "0002_store_location_index")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE saleor_o2o_store ADD COLUMN location cube "
                "GENERATED ALWAYS AS (ll_to_earth(latitude, longitude)) STORED;",
                "CREATE INDEX saleor_o2o_store_location_cube_gist "
                "ON saleor_o2o_store USING gist (location);",
                "DROP INDEX IF EXISTS saleor_o2o_store_location_gist;",
            ],
            reverse_sql=[
                "CREATE INDEX saleor_o2o_store_location_gist ON saleor_o2o_store "
                "USING gist (ll_to_earth(latitude, longitude));",
                "ALTER TABLE saleor_o2o_store DROP COLUMN location;",
            ],
        ),
    ]
