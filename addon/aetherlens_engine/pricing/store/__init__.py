"""The pricing layer's SQL, one module per topic: the calculator (`tariffs`) reads no database."""
