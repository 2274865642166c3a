"""Where Saleor's warehouses are, for routing orders to the nearest one."""

from django.db import models
from django.db.models import Q
from saleor.warehouse.models import Warehouse

from saleor_o2o.store.models import GeocodingStatus


class WarehouseLocation(models.Model):
    """A warehouse's coordinates, geocoded from its address.

    Stores carry their own coordinates; a plain Saleor warehouse has only an
    address, so routing geocodes it (`routing.services.warehouse_geocode`) and
    keeps the answer here, with the address text it answers for: when the address
    changes, the warehouse is geocoded again.
    """

    warehouse = models.OneToOneField(
        Warehouse,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="o2o_location",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    #: The address as sent to the geocoding provider.
    query = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=GeocodingStatus.CHOICES, default=GeocodingStatus.PENDING
    )
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    geocoded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                check=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="o2o_warehouse_location_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}: {self.latitude}, {self.longitude}"
