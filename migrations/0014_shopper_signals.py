"""Impressions counted once per shopper, offer and day; views purged by age.

`OfferImpressionMark` records that an offer was shown to a shopper on a day, so
only the first showing counts; the index on `ProductView.viewed_at` serves the purge
of views past their retention.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("saleor_o2o", "0013_store_staff"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfferImpressionMark",
            fields=[
                (
                    "id",
                    models.AutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("shopper_key", models.CharField(max_length=48)),
                ("day", models.DateField()),
            ],
        ),
        migrations.AddIndex(
            model_name="productview",
            index=models.Index(fields=["viewed_at"], name="o2o_view_viewed_at"),
        ),
        migrations.AddField(
            model_name="offerimpressionmark",
            name="offer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="saleor_o2o.Offer",
            ),
        ),
        migrations.AddIndex(
            model_name="offerimpressionmark",
            index=models.Index(fields=["day"], name="o2o_impression_mark_day"),
        ),
        migrations.AlterUniqueTogether(
            name="offerimpressionmark",
            unique_together={("offer", "shopper_key", "day")},
        ),
    ]
