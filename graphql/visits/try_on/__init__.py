"""Reserve to try: shoppers hold items at a store; the desk sells or releases them."""
