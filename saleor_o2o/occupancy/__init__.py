"""Live occupancy: people in a store now, its busy hours and its crowding policy."""
