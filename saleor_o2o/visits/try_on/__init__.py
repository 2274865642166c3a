"""Reserve to try: items held at a store for a shopper to see or try them."""
