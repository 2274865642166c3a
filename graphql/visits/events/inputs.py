import graphene


class StoreEventInput(graphene.InputObjectType):
    slug = graphene.String(
        description="Names the public page (lower case, digits, dashes); from the "
        "title if left out."
    )
    description = graphene.String(description="What happens at the event.")
    image_url = graphene.String(
        description="An https:// image URL, shown on the page and in link previews."
    )
    capacity = graphene.Int(description="Places in all (1-100000); null: no limit.")
    is_published = graphene.Boolean(
        description="Whether shoppers see it and may RSVP (default false)."
    )
    store_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="IDs of the stores it is held at; replaces the old list.",
    )


class StoreEventCreateInput(StoreEventInput):
    title = graphene.String(required=True, description="The event's name.")
    starts_at = graphene.DateTime(required=True, description="When it starts.")
    ends_at = graphene.DateTime(required=True, description="When it ends.")

    class Meta:
        description = "Fields to create a store event."


class StoreEventUpdateInput(StoreEventInput):
    title = graphene.String(description="The event's name.")
    starts_at = graphene.DateTime(description="When it starts.")
    ends_at = graphene.DateTime(description="When it ends.")

    class Meta:
        description = "Fields to change on a store event; those left out stay."
