"""Plain code shared by the tests: clients, fakes, servers, builders.

Importable as ``helpers`` (setup.cfg puts tests/ on the path). Fixtures live in
``fixtures``; test modules cannot import conftest under pytest's importlib mode, so
anything a test module imports lives here.
"""
