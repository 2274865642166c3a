"""GraphQL API of saleor-o2o (installed as ``saleor_o2o.graphql``)."""
