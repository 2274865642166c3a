"""The GraphQL API of store visits."""
