"""The API's contract: the models of every request and answer, and the routes as data.

Handlers encode their answers from these models and the OpenAPI document is generated from
them, so a field is described once.
"""
